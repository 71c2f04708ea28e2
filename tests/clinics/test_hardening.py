"""Edge cases found in review: races on unique values, odd usernames, implausible dates,
imports and the stored summary."""

import pytest
from django.db import IntegrityError, transaction

from config.api.errors import integrity_error_as_validation_error
from patients.models import Patient, PatientSummary

pytestmark = pytest.mark.django_db


def test_a_lost_race_on_a_unique_mrn_is_a_400_naming_the_field(cast):
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Patient.objects.create(
            clinic=cast.clinic_a, first_name="X", last_name="Y", mrn=cast.patient_a.mrn
        )
    error = integrity_error_as_validation_error(raised.value)
    assert error.status_code == 400
    assert list(error.detail) == ["mrn"]


def test_it_rejects_a_username_with_spaces_and_slashes(cast, api):
    response = api(cast.admin_a).post(
        "/api/v1/members/",
        {
            "username": "x y/z",
            "password": "a-long-unusual-passphrase",
            "email": "x@example.org",
            "role": "staff",
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "username"


def test_it_rejects_a_symptom_report_dated_in_year_one(cast, api):
    response = api(cast.clinician_a).post(
        f"/api/v1/patients/{cast.patient_a.id}/symptom-reports/",
        {"reported_on": "0001-01-01", "symptoms": ["fatigue"]},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "reported_on"


def test_a_lab_import_marks_the_patient_summary_for_refresh(cast, api):
    PatientSummary.objects.filter(patient=cast.patient_a).update(stale=False)
    csv = "analyte,value,unit,collected_at\nb12,120,pg/mL,2026-10-01\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api(cast.clinician_a).post(
        f"/api/v1/patients/{cast.patient_a.id}/labs/import/",
        {"file": SimpleUploadedFile("labs.csv", csv.encode(), "text/csv")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert PatientSummary.objects.get(patient=cast.patient_a).stale


def test_the_admin_cannot_move_a_patient_to_another_clinic(cast):
    from django.test import Client

    from clinics.models import Membership, Role

    Membership.objects.create(user=cast.clinician_a, clinic=cast.clinic_b, role=Role.CLINICIAN)
    client = Client()
    client.force_login(cast.clinician_a)
    page = client.get(f"/admin/patients/patient/{cast.patient_a.id}/change/")
    assert page.status_code == 200
    assert 'name="clinic"' not in page.content.decode()

"""Another clinic's data is invisible: 404, never 403, never a leak in a list."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_answers_404_for_another_clinics_patient(cast, api):
    response = api(cast.clinician_b).get(f"/api/v1/patients/{cast.patient_a.id}/")
    assert response.status_code == 404


def test_it_answers_404_when_patching_another_clinics_patient(cast, api):
    response = api(cast.clinician_b).patch(
        f"/api/v1/patients/{cast.patient_a.id}/", {"first_name": "Mallory"}
    )
    assert response.status_code == 404
    cast.patient_a.refresh_from_db()
    assert cast.patient_a.first_name == "Ada"


def test_it_answers_404_when_deleting_another_clinics_patient(cast, api):
    response = api(cast.admin_b).delete(f"/api/v1/patients/{cast.patient_a.id}/")
    assert response.status_code == 404


def test_it_lists_only_the_requesting_clinics_patients(cast, api):
    response = api(cast.clinician_b).get("/api/v1/patients/")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [str(cast.patient_b.id)]


def test_it_answers_404_for_nested_records_of_another_clinics_patient(cast, api):
    client = api(cast.clinician_b)
    for route in ("symptom-reports", "shed-counts"):
        url = f"/api/v1/patients/{cast.patient_a.id}/{route}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404


def test_it_takes_the_clinic_of_a_new_patient_from_the_server_not_the_payload(cast, api):
    response = api(cast.clinician_a).post(
        "/api/v1/patients/",
        {"first_name": "New", "last_name": "Person", "mrn": "X1", "clinic": str(cast.clinic_b.id)},
    )
    assert response.status_code == 201, response.json()
    from patients.models import Patient

    assert Patient.objects.get(id=response.json()["id"]).clinic == cast.clinic_a


def test_a_patient_user_sees_their_own_record(cast, api):
    response = api(cast.patient_user_a).get(f"/api/v1/patients/{cast.patient_a.id}/")
    assert response.status_code == 200
    assert response.json()["mrn"] == cast.patient_a.mrn


def test_a_patient_user_gets_404_for_another_patient_of_the_same_clinic(cast, api):
    response = api(cast.patient_user_a).get(f"/api/v1/patients/{cast.other_patient_a.id}/")
    assert response.status_code == 404


def test_a_patient_user_cannot_list_patients(cast, api):
    assert api(cast.patient_user_a).get("/api/v1/patients/").status_code == 403


def test_a_user_of_two_clinics_must_name_the_clinic_of_a_new_patient(cast, api):
    from clinics.models import Membership, Role

    Membership.objects.create(user=cast.clinician_a, clinic=cast.clinic_b, role=Role.CLINICIAN)
    client = api(cast.clinician_a)
    body = {"first_name": "Two", "last_name": "Clinics", "mrn": "TC1"}
    unnamed = client.post("/api/v1/patients/", body)
    assert unnamed.status_code == 400
    assert unnamed.json()["errors"][0]["attr"] == "X-Clinic"
    named = client.post("/api/v1/patients/", body, headers={"X-Clinic": str(cast.clinic_b.id)})
    assert named.status_code == 201


def test_a_user_cannot_create_in_a_clinic_they_do_not_belong_to(cast, api):
    response = api(cast.clinician_a).post(
        "/api/v1/patients/",
        {"first_name": "A", "last_name": "B", "mrn": "Q1"},
        headers={"X-Clinic": str(cast.clinic_b.id)},
    )
    assert response.status_code == 400


def test_subclasses_cannot_replace_the_scoped_queryset():
    from clinics.tenancy import TenantScopedViewSet

    with pytest.raises(TypeError, match="get_queryset"):

        class Leaky(TenantScopedViewSet):
            def get_queryset(self):  # pragma: no cover - the class is refused before use
                return None

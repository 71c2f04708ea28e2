"""The patient record over the API: demographics, risk factors, validation, search."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_record_carries_a_risk_summary_saying_why(cast, api):
    client = api(cast.clinician_a)
    client.patch(f"/api/v1/patients/{cast.patient_a.id}/", {"metformin": True, "diet": "vegan"})
    summary = client.get(f"/api/v1/patients/{cast.patient_a.id}/").json()["risk_summary"]
    codes = {f["code"] for f in summary["factors"]}
    assert {"metformin", "vegan"} <= codes
    assert all(f["why"] for f in summary["factors"])
    assert summary["level"] in {"elevated", "high"}


def test_it_rejects_a_duplicate_mrn_within_the_clinic(cast, api):
    response = api(cast.clinician_a).post(
        "/api/v1/patients/", {"first_name": "X", "last_name": "Y", "mrn": cast.patient_a.mrn}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "mrn"


def test_the_same_mrn_is_fine_in_another_clinic(cast, api):
    response = api(cast.clinician_b).post(
        "/api/v1/patients/", {"first_name": "X", "last_name": "Y", "mrn": cast.patient_a.mrn}
    )
    assert response.status_code == 201


def test_it_rejects_a_date_of_birth_in_the_future(cast, api):
    response = api(cast.clinician_a).post(
        "/api/v1/patients/",
        {"first_name": "X", "last_name": "Y", "mrn": "F1", "date_of_birth": "2999-01-01"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "date_of_birth"


def test_it_rejects_an_unknown_diet_naming_the_field(cast, api):
    response = api(cast.clinician_a).post(
        "/api/v1/patients/", {"first_name": "X", "last_name": "Y", "mrn": "F2", "diet": "keto"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "diet"


def test_search_finds_patients_by_name_and_mrn(cast, api):
    client = api(cast.clinician_a)
    by_name = client.get("/api/v1/patients/?search=lovelace").json()["results"]
    by_mrn = client.get(f"/api/v1/patients/?search={cast.other_patient_a.mrn}").json()["results"]
    assert [p["id"] for p in by_name] == [str(cast.patient_a.id)]
    assert [p["id"] for p in by_mrn] == [str(cast.other_patient_a.id)]


def test_patients_filter_by_risk_factor(cast, api):
    client = api(cast.clinician_a)
    client.patch(f"/api/v1/patients/{cast.other_patient_a.id}/", {"proton_pump_inhibitor": True})
    results = client.get("/api/v1/patients/?proton_pump_inhibitor=true").json()["results"]
    assert [p["id"] for p in results] == [str(cast.other_patient_a.id)]


def test_lists_are_paginated(cast, api):
    from tests.factories import PatientFactory

    PatientFactory.create_batch(5, clinic=cast.clinic_a)
    page = api(cast.clinician_a).get("/api/v1/patients/?page_size=3").json()
    assert page["count"] == 7
    assert len(page["results"]) == 3
    assert page["next"]


def test_a_symptom_report_rejects_an_unknown_symptom(cast, api):
    response = api(cast.patient_user_a).post(
        f"/api/v1/patients/{cast.patient_a.id}/symptom-reports/",
        {"reported_on": "2026-10-01", "symptoms": ["fatigue", "levitation"]},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"].startswith("symptoms")


def test_a_shed_count_beyond_2000_a_day_is_refused(cast, api):
    response = api(cast.staff_a).post(
        f"/api/v1/patients/{cast.patient_a.id}/shed-counts/",
        {"counted_on": "2026-10-01", "hairs": 25000},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "hairs"


def test_the_list_runs_a_fixed_number_of_queries(cast, api, django_assert_max_num_queries):
    from tests.factories import PatientFactory

    PatientFactory.create_batch(30, clinic=cast.clinic_a)
    client = api(cast.clinician_a)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/patients/")
    assert response.json()["count"] == 32

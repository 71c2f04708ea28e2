"""Each role can do exactly what it should."""

import pytest

pytestmark = pytest.mark.django_db


def new_member_body(**overrides):
    return {
        "username": "newnurse",
        "password": "a-long-unusual-passphrase",
        "email": "n@example.org",
        "role": "staff",
        **overrides,
    }


@pytest.mark.parametrize("who", ["clinician_a", "staff_a", "patient_user_a"])
def test_only_admins_manage_members(cast, api, who):
    client = api(getattr(cast, who))
    assert client.get("/api/v1/members/").status_code == 403
    assert client.post("/api/v1/members/", new_member_body()).status_code == 403


@pytest.mark.parametrize("who", ["clinician_a", "staff_a", "patient_user_a"])
def test_only_admins_read_the_audit_trail(cast, api, who):
    assert api(getattr(cast, who)).get("/api/v1/audit-events/").status_code == 403


def test_staff_register_and_edit_patients(cast, api):
    client = api(cast.staff_a)
    created = client.post("/api/v1/patients/", {"first_name": "S", "last_name": "T", "mrn": "S1"})
    assert created.status_code == 201
    edited = client.patch(f"/api/v1/patients/{created.json()['id']}/", {"diet": "vegan"})
    assert edited.status_code == 200
    assert edited.json()["diet"] == "vegan"


def test_staff_cannot_delete_patients(cast, api):
    response = api(cast.staff_a).delete(f"/api/v1/patients/{cast.patient_a.id}/")
    assert response.status_code == 403


def test_admins_delete_patients(cast, api):
    response = api(cast.admin_a).delete(f"/api/v1/patients/{cast.other_patient_a.id}/")
    assert response.status_code == 204


def test_a_patient_cannot_edit_their_record(cast, api):
    response = api(cast.patient_user_a).patch(
        f"/api/v1/patients/{cast.patient_a.id}/", {"first_name": "Changed"}
    )
    assert response.status_code == 403


def test_a_patient_logs_their_own_shed_count(cast, api):
    response = api(cast.patient_user_a).post(
        f"/api/v1/patients/{cast.patient_a.id}/shed-counts/",
        {"counted_on": "2026-11-01", "hairs": 140},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["hairs"] == 140


def test_a_patient_cannot_log_for_another_patient(cast, api):
    response = api(cast.patient_user_a).post(
        f"/api/v1/patients/{cast.other_patient_a.id}/shed-counts/",
        {"counted_on": "2026-11-01", "hairs": 140},
    )
    assert response.status_code == 404


def test_anonymous_callers_are_asked_to_authenticate(cast, api):
    assert api(None).get("/api/v1/patients/").status_code == 401


def test_a_deactivated_member_loses_access(cast, api):
    from clinics.models import Membership

    Membership.objects.filter(user=cast.clinician_a).update(is_active=False)
    assert api(cast.clinician_a).get("/api/v1/patients/").status_code == 403

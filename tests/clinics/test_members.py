"""Clinic admins manage their staff through /api/v1/members/."""

import pytest

from clinics.models import Membership

pytestmark = pytest.mark.django_db


def body(**overrides):
    return {
        "username": "nurse1",
        "password": "a-long-unusual-passphrase",
        "email": "nurse1@example.org",
        "role": "staff",
        **overrides,
    }


def test_an_admin_adds_a_staff_member_who_can_then_log_in(cast, api):
    response = api(cast.admin_a).post("/api/v1/members/", body())
    assert response.status_code == 201, response.json()
    assert response.json()["role"] == "staff"
    assert response.json()["clinic"] == str(cast.clinic_a.id)
    token = api(None).post(
        "/api/v1/auth/token/", {"username": "nurse1", "password": "a-long-unusual-passphrase"}
    )
    assert token.status_code == 200


def test_it_rejects_a_weak_password_naming_the_field(cast, api):
    response = api(cast.admin_a).post("/api/v1/members/", body(password="123"))
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"password"}


def test_it_rejects_a_taken_username(cast, api):
    response = api(cast.admin_a).post("/api/v1/members/", body(username="clinician_b"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "username"


def test_it_refuses_to_create_patient_members_directly(cast, api):
    response = api(cast.admin_a).post("/api/v1/members/", body(role="patient"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "role"


def test_an_admin_changes_a_role(cast, api):
    membership = Membership.objects.get(user=cast.staff_a)
    response = api(cast.admin_a).patch(f"/api/v1/members/{membership.id}/", {"role": "clinician"})
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.role == "clinician"


def test_an_admin_deactivates_a_member(cast, api):
    membership = Membership.objects.get(user=cast.clinician_a)
    response = api(cast.admin_a).patch(f"/api/v1/members/{membership.id}/", {"is_active": False})
    assert response.status_code == 200
    assert api(cast.clinician_a).get("/api/v1/patients/").status_code == 403


def test_the_last_admin_cannot_step_down(cast, api):
    membership = Membership.objects.get(user=cast.admin_a)
    response = api(cast.admin_a).patch(f"/api/v1/members/{membership.id}/", {"role": "staff"})
    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.role == "clinic_admin"


def test_an_admin_cannot_see_another_clinics_members(cast, api):
    membership_b = Membership.objects.get(user=cast.clinician_b)
    client = api(cast.admin_a)
    assert client.get(f"/api/v1/members/{membership_b.id}/").status_code == 404
    listed = {m["username"] for m in client.get("/api/v1/members/").json()["results"]}
    assert "clinician_b" not in listed
    assert {"admin_a", "clinician_a", "staff_a", "patient_a"} <= listed


def test_a_clinician_gives_a_patient_a_portal_account_that_sees_only_that_record(cast, api):
    response = api(cast.clinician_a).post(
        f"/api/v1/patients/{cast.other_patient_a.id}/portal-account/",
        {"username": "grace", "password": "a-long-unusual-passphrase"},
    )
    assert response.status_code == 201, response.json()
    from clinics.models import User

    grace = User.objects.get(username="grace")
    assert api(grace).get(f"/api/v1/patients/{cast.other_patient_a.id}/").status_code == 200
    assert api(grace).get(f"/api/v1/patients/{cast.patient_a.id}/").status_code == 404


def test_a_patient_gets_at_most_one_portal_account(cast, api):
    response = api(cast.admin_a).post(
        f"/api/v1/patients/{cast.patient_a.id}/portal-account/",
        {"username": "ada2", "password": "a-long-unusual-passphrase"},
    )
    assert response.status_code == 400


def test_create_clinic_command_creates_a_clinic_and_its_admin(db):
    from django.core.management import call_command

    from clinics.models import Clinic

    call_command(
        "create_clinic",
        "Hair Clinic North",
        admin_username="north_admin",
        admin_password="a-long-unusual-passphrase",
    )
    clinic = Clinic.objects.get(name="Hair Clinic North")
    assert clinic.memberships.get().user.username == "north_admin"
    assert clinic.memberships.get().role == "clinic_admin"

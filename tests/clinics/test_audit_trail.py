"""Every read of a patient's record and every change of clinical data is recorded."""

import pytest

from clinics.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def events_for(obj, action):
    return AuditEvent.objects.filter(object_pk=str(obj.pk), action=action)


def test_reading_a_patient_records_who_read_it_and_from_where(cast, api):
    api(cast.clinician_a).get(f"/api/v1/patients/{cast.patient_a.id}/", REMOTE_ADDR="10.1.2.3")
    [event] = events_for(cast.patient_a, AuditEvent.Action.ACCESS)
    assert event.actor == cast.clinician_a
    assert event.remote_addr == "10.1.2.3"
    assert event.clinic == cast.clinic_a


def test_reading_a_patients_records_list_is_recorded_as_a_read_of_the_patient(cast, api):
    api(cast.clinician_a).get(f"/api/v1/patients/{cast.patient_a.id}/shed-counts/")
    assert events_for(cast.patient_a, AuditEvent.Action.ACCESS).count() == 1


def test_a_change_records_what_changed(cast, api):
    api(cast.clinician_a).patch(f"/api/v1/patients/{cast.patient_a.id}/", {"diet": "vegan"})
    [event] = events_for(cast.patient_a, AuditEvent.Action.UPDATE)
    assert event.changes["diet"] == ["omnivore", "vegan"]
    assert event.actor == cast.clinician_a


def test_a_token_authenticated_change_records_the_token_user(cast, api):
    from tests.factories import PASSWORD

    tokens = (
        api(None).post("/api/v1/auth/token/", {"username": "staff_a", "password": PASSWORD}).json()
    )
    client = api(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    client.patch(f"/api/v1/patients/{cast.patient_a.id}/", {"diet": "vegetarian"})
    [event] = events_for(cast.patient_a, AuditEvent.Action.UPDATE)
    assert event.actor == cast.staff_a


def test_creates_and_deletes_are_recorded(cast, api):
    client = api(cast.admin_a)
    created = client.post("/api/v1/patients/", {"first_name": "A", "last_name": "B", "mrn": "AU1"})
    client.delete(f"/api/v1/patients/{created.json()['id']}/")
    actions = set(
        AuditEvent.objects.filter(object_pk=created.json()["id"]).values_list("action", flat=True)
    )
    assert actions == {AuditEvent.Action.CREATE, AuditEvent.Action.DELETE}


def test_admins_read_their_own_clinics_audit_trail_only(cast, api):
    api(cast.clinician_a).get(f"/api/v1/patients/{cast.patient_a.id}/")
    api(cast.clinician_b).get(f"/api/v1/patients/{cast.patient_b.id}/")
    rows = api(cast.admin_a).get("/api/v1/audit-events/?action=read").json()["results"]
    assert [r["object_id"] for r in rows] == [str(cast.patient_a.id)]
    assert rows[0]["actor"] == "clinician_a"


def test_audit_events_cannot_be_changed_or_deleted(cast, api):
    api(cast.clinician_a).get(f"/api/v1/patients/{cast.patient_a.id}/")
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCESS)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_the_database_refuses_to_rewrite_audit_events(cast, api):
    from django.db import DatabaseError, transaction

    api(cast.clinician_a).get(f"/api/v1/patients/{cast.patient_a.id}/")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().update(object_repr="forged")

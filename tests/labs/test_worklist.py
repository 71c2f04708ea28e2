"""The follow-up worklist: due dates from the treatment start (month ends, leap years), statuses,
the API listing what is due or overdue, and the idempotent daily refresh task."""

import datetime

import pytest
from django.utils import timezone

from labs import services
from labs.models import FollowUpItem
from labs.tasks import refresh_worklist
from tests.labs.factories import LabResultFactory, ProtocolFactory
from tests.labs.helpers import WORKLIST_URL, protocols_url

pytestmark = pytest.mark.django_db


def retest_due_dates(patient):
    return list(
        FollowUpItem.objects.filter(patient=patient, kind="b12_retest")
        .order_by("due_on")
        .values_list("due_on", flat=True)
    )


def test_retests_started_on_november_30_fall_due_on_the_leap_day_and_may_30(cast, api):
    api(cast.clinician_a).post(
        protocols_url(cast.patient_a), {"kind": "high_dose_oral", "start_date": "2023-11-30"}
    )
    assert retest_due_dates(cast.patient_a) == [
        datetime.date(2024, 2, 29),
        datetime.date(2024, 5, 30),
    ]


def test_the_worklist_lists_overdue_items_by_due_date_with_the_patient(cast, api):
    api(cast.clinician_a).post(
        protocols_url(cast.patient_a), {"kind": "high_dose_oral", "start_date": "2024-08-31"}
    )
    body = api(cast.staff_a).get(WORKLIST_URL, {"kind": "b12_retest"}).json()
    assert [(r["due_on"], r["status"]) for r in body["results"]] == [
        ("2024-11-30", "overdue"),
        ("2025-02-28", "overdue"),
    ]
    assert body["results"][0]["patient"] == str(cast.patient_a.pk)
    assert body["results"][0]["patient_mrn"] == cast.patient_a.mrn


def test_a_retest_in_its_window_is_done_and_leaves_the_default_worklist(cast, api):
    LabResultFactory(
        patient=cast.patient_a,
        collected_at=datetime.datetime(2024, 12, 5, tzinfo=datetime.UTC),
    )
    api(cast.clinician_a).post(
        protocols_url(cast.patient_a), {"kind": "high_dose_oral", "start_date": "2024-08-31"}
    )
    client = api(cast.staff_a)
    due = client.get(WORKLIST_URL, {"kind": "b12_retest"}).json()["results"]
    assert [r["due_on"] for r in due] == ["2025-02-28"]
    done = client.get(WORKLIST_URL, {"kind": "b12_retest", "status": "done"}).json()["results"]
    assert [(r["due_on"], r["completed_on"]) for r in done] == [("2024-11-30", "2024-12-05")]


def test_recording_the_retest_through_the_api_updates_the_worklist_at_once(cast, api):
    client = api(cast.clinician_a)
    client.post(
        protocols_url(cast.patient_a), {"kind": "high_dose_oral", "start_date": "2024-08-31"}
    )
    client.post(
        f"/api/v1/patients/{cast.patient_a.pk}/labs/",
        {"analyte": "b12", "value": "420", "unit": "pg/mL", "collected_at": "2024-12-05T09:00Z"},
    )
    item = FollowUpItem.objects.get(patient=cast.patient_a, kind="b12_retest", due_on="2024-11-30")
    assert item.status == "done"


def test_statuses_move_from_upcoming_to_due_to_overdue_with_the_days(cast):
    ProtocolFactory(patient=cast.patient_a, start_date=datetime.date(2024, 1, 31))

    def status_on(today):
        services.worklist_refresh_patient(cast.patient_a, today=today)
        return FollowUpItem.objects.get(
            patient=cast.patient_a, kind="b12_retest", due_on=datetime.date(2024, 4, 30)
        ).status

    assert status_on(datetime.date(2024, 4, 29)) == "upcoming"
    assert status_on(datetime.date(2024, 4, 30)) == "due"
    assert status_on(datetime.date(2024, 5, 14)) == "due"  # 14 days' grace
    assert status_on(datetime.date(2024, 5, 15)) == "overdue"


def test_the_refresh_task_run_twice_leaves_the_same_rows(cast):
    ProtocolFactory(
        patient=cast.patient_a, start_date=timezone.localdate() - datetime.timedelta(days=100)
    )
    ProtocolFactory(
        patient=cast.patient_b, start_date=timezone.localdate() - datetime.timedelta(days=40)
    )
    first = refresh_worklist()
    rows = sorted(FollowUpItem.objects.values_list("id", "patient_id", "kind", "due_on", "status"))
    second = refresh_worklist()
    assert first["created"] > 0
    assert (second["created"], second["updated"], second["deleted"]) == (0, 0, 0)
    assert (
        sorted(FollowUpItem.objects.values_list("id", "patient_id", "kind", "due_on", "status"))
        == rows
    )


def test_the_refresh_task_removes_rows_no_longer_scheduled(cast):
    protocol = ProtocolFactory(patient=cast.patient_a, start_date=datetime.date(2024, 1, 31))
    refresh_worklist()
    assert FollowUpItem.objects.filter(patient=cast.patient_a).exists()
    protocol.delete()
    assert refresh_worklist()["deleted"] > 0
    assert not FollowUpItem.objects.filter(patient=cast.patient_a).exists()


def test_another_clinics_team_sees_none_of_this_clinics_worklist(cast, api):
    ProtocolFactory(patient=cast.patient_a, start_date=datetime.date(2024, 1, 31))
    refresh_worklist()
    assert api(cast.clinician_b).get(WORKLIST_URL).json()["count"] == 0
    assert api(cast.clinician_a).get(WORKLIST_URL).json()["count"] > 0


def test_a_patient_may_not_read_the_worklist(cast, api):
    assert api(cast.patient_user_a).get(WORKLIST_URL).status_code == 403

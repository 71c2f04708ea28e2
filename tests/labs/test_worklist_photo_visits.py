"""A photo upload completes the photo visit that was due, at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from labs.models import FollowUpItem
from patients.scripted_history import protocol
from tests.imaging.helpers import upload

pytestmark = pytest.mark.django_db


def test_uploading_a_photo_marks_the_due_photo_visit_done(cast, api):
    from labs.services import worklist_refresh_patient

    protocol(
        cast.patient_a,
        "high_dose_oral",
        timezone.localdate() - timedelta(days=35),
        route="oral",
        frequency="daily",
    )
    worklist_refresh_patient(cast.patient_a)
    due = FollowUpItem.objects.get(
        patient=cast.patient_a, kind="photo_visit", status__in=["due", "overdue"]
    )
    response = upload(api(cast.clinician_a), cast.patient_a, taken_at=timezone.now().isoformat())
    assert response.status_code == 202, response.content
    due_on = due.due_on
    assert (
        FollowUpItem.objects.get(patient=cast.patient_a, kind="photo_visit", due_on=due_on).status
        == "done"
    )

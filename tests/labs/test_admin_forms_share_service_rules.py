"""The admin's protocol and dose forms apply the same rules as the API (one function each in
labs/services.py), not a copy of some of them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from labs.admin import DoseLogForm, ProtocolForm
from labs.models import DoseLog
from patients.scripted_history import protocol

pytestmark = pytest.mark.django_db


def test_the_dose_form_refuses_a_dose_before_the_protocol_started(cast):
    today = timezone.localdate()
    course = protocol(
        cast.patient_a,
        "high_dose_oral",
        today - timedelta(days=10),
        route="oral",
        frequency="daily",
    )
    form = DoseLogForm(
        data={"administered_on": today - timedelta(days=20), "by_patient": False},
        instance=DoseLog(protocol=course, patient=cast.patient_a, clinic=cast.clinic_a),
    )
    assert not form.is_valid()
    assert "administered_on" in form.errors


def test_the_protocol_form_refuses_a_start_date_decades_ago(cast):
    form = ProtocolForm(
        data={
            "patient": cast.patient_a.pk,
            "kind": "high_dose_oral",
            "dose_mcg": "1000",
            "route": "oral",
            "frequency": "daily",
            "start_date": timezone.localdate() - timedelta(days=365 * 30),
            "co_supplements": "[]",
        }
    )
    assert not form.is_valid()
    assert "start_date" in form.errors

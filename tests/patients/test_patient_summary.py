"""The stored patient summary follows the clinical data, so lists can filter by it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients.models import PatientSummary
from patients.scripted_history import diffuse, lab, visit
from patients.summaries import stale_summaries_sweep, summary_refresh

pytestmark = pytest.mark.django_db


def test_a_new_lab_result_marks_the_summary_stale_and_a_refresh_brings_it_current(cast):
    lab(cast.patient_a, "b12", "150", "pg/mL", timezone.localdate() - timedelta(days=3))
    assert PatientSummary.objects.get(patient=cast.patient_a).stale
    summary = summary_refresh(patient_id=cast.patient_a.pk)
    assert not summary.stale
    assert summary.latest_b12_band == "deficient"


def test_the_refresh_is_enqueued_once_per_transaction_however_many_changes(cast):
    from django.db import connection

    from patients.summaries import _RefreshBatch

    for n in range(5):
        lab(
            cast.patient_a,
            "b12",
            str(150 + n),
            "pg/mL",
            timezone.localdate() - timedelta(days=10 + n),
        )
    lab(cast.other_patient_a, "b12", "300", "pg/mL", timezone.localdate())
    batches = [
        entry[1] for entry in connection.run_on_commit if isinstance(entry[1], _RefreshBatch)
    ]
    assert len(batches) == 1
    assert {cast.patient_a.pk, cast.other_patient_a.pk} <= batches[0].patient_ids


def test_the_summary_records_the_classification_the_assessment_reaches(cast):
    today = timezone.localdate()
    lab(cast.patient_a, "b12", "420", "pg/mL", today - timedelta(days=20))
    visit(cast.patient_a, today - timedelta(days=20), diffuse(170))
    summary = summary_refresh(patient_id=cast.patient_a.pk)
    assert summary.classification in {
        "indeterminate",
        "androgenetic",
        "b12_deficiency_diffuse",
        "mixed",
    }
    assert summary.rules_version
    assert summary.computed_at is not None


def test_the_sweeper_finds_summaries_whose_refresh_was_lost(cast):
    lab(cast.patient_a, "b12", "150", "pg/mL", timezone.localdate())
    PatientSummary.objects.filter(patient=cast.patient_a).update(
        requested_at=timezone.now() - timedelta(hours=1)
    )
    assert stale_summaries_sweep() == 1


def test_patients_filter_by_the_band_of_their_latest_b12(cast, api):
    lab(cast.patient_a, "b12", "150", "pg/mL", timezone.localdate())
    lab(cast.other_patient_a, "b12", "450", "pg/mL", timezone.localdate())
    for patient in (cast.patient_a, cast.other_patient_a):
        summary_refresh(patient_id=patient.pk)
    results = api(cast.clinician_a).get("/api/v1/patients/?b12_band=deficient").json()["results"]
    assert [p["id"] for p in results] == [str(cast.patient_a.id)]
    assert results[0]["summary"]["latest_b12_band"] == "deficient"


def test_deleting_a_patient_with_a_clinical_history_succeeds(cast, api):
    from django.db import connection

    lab(cast.other_patient_a, "b12", "150", "pg/mL", timezone.localdate())
    visit(cast.other_patient_a, timezone.localdate(), diffuse(160))
    response = api(cast.admin_a).delete(f"/api/v1/patients/{cast.other_patient_a.id}/")
    assert response.status_code == 204
    connection.check_constraints()  # what the commit would check
    assert not PatientSummary.objects.filter(patient_id=cast.other_patient_a.id).exists()

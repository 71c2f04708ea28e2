"""Keeping `PatientSummary` current.

Any change to a patient's clinical data marks the summary stale and, once the transaction
commits, enqueues one refresh per patient (an import of 500 lab rows enqueues one task, not
500). If the publish fails (broker down), the row stays stale and the sweeper re-enqueues it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from patients.clinical_record import clinical_record
from patients.models import Patient, PatientSummary

log = logging.getLogger(__name__)
SWEEP_AFTER = timedelta(minutes=5)  # a stale row older than this lost its task


def summary_refresh(*, patient_id) -> PatientSummary | None:
    """Recompute one patient's summary now (idempotent)."""
    patient = Patient.objects.select_related("clinic").filter(pk=patient_id).first()
    if patient is None:
        return None
    today = timezone.localdate()
    record = clinical_record(patient)
    assessment = record.assessment(today=today)
    b12 = [lab for lab in record.inputs.labs if lab.analyte == "b12"]
    summary, _ = PatientSummary.objects.update_or_create(
        patient=patient,
        defaults={
            "clinic_id": patient.clinic_id,
            "latest_b12_band": b12[-1].band if b12 else "",
            "latest_b12_on": b12[-1].collected_on if b12 else None,
            "classification": assessment.classification,
            "confidence": assessment.confidence.level,
            "verdict": assessment.course.verdict,
            "rules_version": assessment.rules_version,
            "stale": False,
            "computed_at": timezone.now(),
        },
    )
    return summary


def _publish(patient_ids: set) -> None:
    from patients.tasks import refresh_patient_summary

    for patient_id in patient_ids:
        try:
            refresh_patient_summary.delay(str(patient_id))
        except Exception:  # broker down: the row stays stale for the sweeper
            log.warning("Could not enqueue the summary refresh of %s", patient_id, exc_info=True)


class _RefreshBatch:
    """The patients of one transaction whose summaries to refresh once it commits."""

    def __init__(self) -> None:
        self.patient_ids: set = set()

    def __call__(self) -> None:
        _publish(self.patient_ids)


def summary_mark_stale(*, patient_id, clinic_id, deleting: bool = False) -> None:
    """Mark the summary stale now and enqueue its refresh when the transaction commits.

    On a delete only an existing row is touched: while a patient is being deleted the cascade
    removes their rows one by one, and creating a summary then would outlive the patient."""
    if deleting:
        PatientSummary.objects.filter(patient_id=patient_id).update(stale=True)
    else:
        PatientSummary.objects.update_or_create(
            patient_id=patient_id, defaults={"clinic_id": clinic_id, "stale": True}
        )
    batch = getattr(connection, "_tt_summary_batch", None)
    # A batch is reused only while its callback is still waiting for this transaction's commit
    # (after a commit or a rollback Django has dropped it).
    if batch is not None and any(entry[1] is batch for entry in connection.run_on_commit):
        batch.patient_ids.add(patient_id)
        return
    batch = connection._tt_summary_batch = _RefreshBatch()
    batch.patient_ids.add(patient_id)
    transaction.on_commit(batch)


def stale_summaries_sweep() -> int:
    """Re-enqueue summaries whose refresh was lost; refresh everyone's daily (phases and due
    dates move with the calendar)."""
    cutoff = timezone.now() - SWEEP_AFTER
    ids = set(
        PatientSummary.objects.filter(stale=True, requested_at__lt=cutoff).values_list(
            "patient_id", flat=True
        )
    )
    _publish(ids)
    return len(ids)


def all_summaries_refresh() -> int:
    ids = set(Patient.objects.values_list("pk", flat=True))
    _publish(ids)
    return len(ids)


def _on_clinical_change(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    deleting = kwargs.get("signal") is post_delete
    if sender is Patient:
        if deleting:
            return
        patient_id = instance.pk
    else:
        patient_id = getattr(instance, "patient_id", None)
    if patient_id is None:
        return
    summary_mark_stale(patient_id=patient_id, clinic_id=instance.clinic_id, deleting=deleting)


def connect_signals() -> None:
    """Called from PatientsConfig.ready(): the models whose change can change an assessment."""
    from imaging.models import Analysis, AnalysisCorrection
    from labs.models import LabResult, Protocol
    from patients.models import ShedCount, SymptomReport

    for model in (
        Patient,
        LabResult,
        Protocol,
        Analysis,
        AnalysisCorrection,
        SymptomReport,
        ShedCount,
    ):
        post_save.connect(_on_clinical_change, sender=model, dispatch_uid=f"summary-{model}")
        post_delete.connect(_on_clinical_change, sender=model, dispatch_uid=f"summary-del-{model}")

"""Reads of lab and treatment data. Tenancy is applied on top of these by the base viewset."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.db.models import Prefetch, QuerySet

from clinics.models import Clinic
from labs.analytes import Analyte, AnalyteThresholds, Sex, ThresholdSet
from labs.interpretation import InterpretationContext
from labs.models import ClinicThreshold, DoseLog, FollowUpItem, LabResult, Protocol

# An MMA result is read together with a B12 result (labs.interpretation.b12_status) when it was
# collected at most this long before or after it. MMA and B12 are normally drawn together; two
# weeks also covers an MMA ordered as a second step after a borderline B12. It is kept short
# because under treatment B12 normalises within weeks 1-4 (DOMAIN.md §4): an MMA from a month away
# may describe a different state. The nearest MMA in the window is used.
MMA_PAIRING_WINDOW = timedelta(days=14)


def lab_result_list() -> QuerySet[LabResult]:
    return LabResult.objects.select_related("patient", "clinic")


def protocol_list() -> QuerySet[Protocol]:
    return Protocol.objects.select_related("patient", "clinic", "prescriber").prefetch_related(
        Prefetch("doses", queryset=DoseLog.objects.only("id", "protocol_id", "administered_on"))
    )


def dose_log_list() -> QuerySet[DoseLog]:
    return DoseLog.objects.select_related("protocol", "patient")


def worklist() -> QuerySet[FollowUpItem]:
    return FollowUpItem.objects.select_related("patient").order_by("due_on", "kind", "patient_id")


def clinic_thresholds(clinic_id) -> QuerySet[ClinicThreshold]:
    return ClinicThreshold.objects.filter(clinic_id=clinic_id).order_by("analyte")


def threshold_set_name(clinic: Clinic) -> str:
    return f"{clinic.name} (clinic thresholds)"


def threshold_set_for_clinic(clinic: Clinic) -> ThresholdSet | None:
    """The clinic's own thresholds as a ThresholdSet named after the clinic, or None when it has
    set none (interpretation then uses DEFAULT_THRESHOLDS)."""
    rows = list(clinic_thresholds(clinic.pk))
    if not rows:
        return None
    return ThresholdSet.of(
        threshold_set_name(clinic),
        (
            AnalyteThresholds(
                Analyte(row.analyte),
                low_cutoff=row.low_cutoff,
                normal_above=row.normal_above,
                high_cutoff=row.high_cutoff,
                source=row.source,
            )
            for row in rows
        ),
    )


def interpretation_context(patient) -> InterpretationContext:
    sex = patient.sex if patient.sex in (Sex.FEMALE.value, Sex.MALE.value) else None
    # Kidney function is not recorded on the patient (yet): None, "not recorded".
    return InterpretationContext(sex=Sex(sex) if sex else None, kidney_impairment=None)


def mma_results(patient_id) -> list[tuple[datetime, Decimal, object]]:
    """(collected_at, canonical nmol/L, id) of a patient's MMA results, oldest first."""
    return list(
        LabResult.objects.filter(patient_id=patient_id, analyte=Analyte.MMA.value)
        .order_by("collected_at")
        .values_list("collected_at", "canonical_value", "id")
    )


def nearest_mma(
    collected_at: datetime, candidates: list[tuple[datetime, Decimal, object]]
) -> tuple[datetime, Decimal, object] | None:
    """The MMA result nearest in time to ``collected_at`` within MMA_PAIRING_WINDOW."""
    best = None
    for candidate in candidates:
        gap = abs(candidate[0] - collected_at)
        if gap <= MMA_PAIRING_WINDOW and (best is None or gap < abs(best[0] - collected_at)):
            best = candidate
    return best


def b12_retest_dates(patient_id, since: date) -> list[date]:
    return sorted(
        {
            at.date()
            for at in LabResult.objects.filter(
                patient_id=patient_id, analyte=Analyte.B12.value, collected_at__date__gte=since
            ).values_list("collected_at", flat=True)
        }
    )


def photo_visit_dates(patient_id) -> list[date]:
    """Days on which the patient had scalp photos taken, from the imaging app when it provides a
    ``Photo`` model with ``patient`` and ``taken_at``; none otherwise."""
    try:
        photo = apps.get_model("imaging", "Photo")
    except LookupError:
        return []
    field_names = {f.name for f in photo._meta.get_fields()}
    if not {"patient", "taken_at"} <= field_names:
        return []
    photos = photo.objects.filter(patient_id=patient_id)
    if "status" in field_names:  # a photo whose analysis failed has to be taken again
        photos = photos.exclude(status="failed")
    taken = photos.values_list("taken_at", flat=True)
    return sorted({(t.date() if isinstance(t, datetime) else t) for t in taken if t})

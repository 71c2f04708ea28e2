"""Reads of imaging data. Tenancy is applied on top of these by the base viewset."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from imaging.figures import effective_figures
from imaging.models import FIGURE_FIELDS, Analysis, AnalysisCorrection, Device, Photo


def device_list() -> QuerySet[Device]:
    return Device.objects.all()


def analysis_list() -> QuerySet[Analysis]:
    return Analysis.objects.prefetch_related("corrections__corrected_by")


def photo_list() -> QuerySet[Photo]:
    return Photo.objects.select_related("device").prefetch_related(
        Prefetch("analyses", queryset=analysis_list().order_by("-created_at", "-id"))
    )


def current_analysis(photo: Photo) -> Analysis | None:
    """The photo's latest analysis (uses the prefetch of `photo_list()` when present)."""
    cache = getattr(photo, "_prefetched_objects_cache", {})
    if "analyses" in cache:
        analyses = list(cache["analyses"])
        return max(analyses, key=lambda a: a.created_at) if analyses else None
    return analysis_list().filter(photo=photo).order_by("-created_at", "-id").first()


def zone_measurements(patient_id) -> list[dict]:
    """Every analysed photo of a patient, oldest first, with the figures that count (a
    clinician's correction overrides the automatic counts): the input of the recovery timeline
    (keys match `patients.clinical_inputs.ZoneMeasurement`).

    Two flat queries whatever the history's length, and no model instances: this feeds the
    timeline and the assessment, the hottest reads of the product."""
    analyses = (
        Analysis.objects.filter(patient_id=patient_id)
        .order_by("photo__taken_at", "photo__created_at", "photo_id", "-created_at", "-id")
        .values("id", "photo_id", "photo__zone", "photo__taken_at", *FIGURE_FIELDS)
    )
    latest_corrections: dict = {}
    for row in (
        AnalysisCorrection.objects.filter(patient_id=patient_id)
        .order_by("created_at")
        .values("analysis_id", "hair_count", "follicular_unit_count")
    ):
        latest_corrections[row["analysis_id"]] = row
    rows, seen_photos = [], set()
    for row in analyses:
        if row["photo_id"] in seen_photos:
            continue  # an older analysis of a photo already taken into account
        seen_photos.add(row["photo_id"])
        correction = latest_corrections.get(row["id"], {})
        figures = effective_figures(
            {name: row[name] for name in FIGURE_FIELDS},
            corrected_hairs=correction.get("hair_count"),
            corrected_units=correction.get("follicular_unit_count"),
        )
        rows.append(
            {
                "zone": row["photo__zone"],
                "taken_on": row["photo__taken_at"].date(),
                **{k: v for k, v in figures.items() if k not in _NOT_ZONE_INPUTS},
            }
        )
    return rows


_NOT_ZONE_INPUTS = {"hair_count", "follicular_unit_count", "analyzed_area_cm2"}

"""Scripted clinical histories in the database (lab results, protocols, analysed photo visits)
for the timeline and assessment tests and the benchmark; photos carry a 1-pixel stand-in image
and ready-made analysis figures, so no pipeline runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.core.files.base import ContentFile

from imaging.models import Analysis, Photo, PhotoStatus
from labs.models import LabResult, Protocol
from labs.units import normalise_result
from patients.models import Patient

ZONES = ("frontal", "temporal_left", "temporal_right", "midscalp", "vertex", "occipital")
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x9a\xa0\xa0\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def lab(patient: Patient, analyte: str, value: str, unit: str, on: date) -> LabResult:
    result = normalise_result(analyte, Decimal(value), unit)
    return LabResult.objects.create(
        patient=patient,
        clinic_id=patient.clinic_id,
        analyte=analyte,
        value=result.value,
        unit=result.unit,
        canonical_value=result.canonical_value,
        canonical_unit=result.canonical_unit,
        collected_at=at_noon(on),
        fingerprint=f"{analyte}-{on}-{value}",
    )


def protocol(
    patient: Patient,
    kind: str,
    start: date,
    end: date | None = None,
    *,
    dose_mcg: str | None = "1000",
    route: str = "intramuscular",
    frequency: str = "every_other_day",
) -> Protocol:
    return Protocol.objects.create(
        patient=patient,
        clinic_id=patient.clinic_id,
        kind=kind,
        start_date=start,
        end_date=end,
        dose_mcg=Decimal(dose_mcg) if dose_mcg else None,
        route=route,
        frequency=frequency,
    )


def visit(
    patient: Patient,
    on: date,
    densities: dict[str, float],
    *,
    thin_hair_fraction: float = 0.06,
    diameter_um: float = 62.0,
    diameter_cv: float = 0.12,
    single_hair_fu_fraction: float = 0.25,
    vellus_hair_fraction: float = 0.05,
) -> list[Photo]:
    """One analysed photo per zone, taken on the same day (a visit)."""
    photos = []
    for zone, density in densities.items():
        photo = Photo.objects.create(
            patient=patient,
            clinic_id=patient.clinic_id,
            zone=zone,
            taken_at=at_noon(on),
            pixels_per_mm=120.0,
            image=ContentFile(TINY_PNG, name="scalp.png"),
            width=1,
            height=1,
            status=PhotoStatus.DONE,
        )
        fu_density = density / 2.2
        Analysis.objects.create(
            patient=patient,
            clinic_id=patient.clinic_id,
            photo=photo,
            hair_count=round(density * 0.25),
            follicular_unit_count=round(fu_density * 0.25),
            hair_density_per_cm2=density,
            fu_density_per_cm2=fu_density,
            hairs_per_fu=2.2,
            single_hair_fu_fraction=single_hair_fu_fraction,
            mean_shaft_diameter_um=diameter_um,
            shaft_diameter_cv=diameter_cv,
            thin_hair_fraction=thin_hair_fraction,
            vellus_hair_fraction=vellus_hair_fraction,
            analyzed_area_cm2=0.25,
            pixels_per_mm=120.0,
            algorithm_version="test",
            duration_ms=1,
        )
        photos.append(photo)
    return photos


def diffuse(level: float) -> dict[str, float]:
    """The same density in every zone: diffuse loss."""
    return dict.fromkeys(ZONES, level)

"""Small builders so clinical histories in tests read like specifications."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from patients.clinical_inputs import (
    AssessmentInputs,
    LabPoint,
    PatientFacts,
    ProtocolPeriod,
    ShedCount,
    SymptomReport,
    Visit,
    ZoneMeasurement,
    add_months,
)

TREATMENT_START = date(2024, 1, 15)
TEMPORAL_NORMAL_RATIO = 154 / 190  # DOMAIN.md §5: temporal is ~0.81 of frontal in health


def week(n: float, start: date = TREATMENT_START) -> date:
    """The day n weeks after the treatment start (negative: before it)."""
    return start + timedelta(days=round(n * 7))


def month(n: int, start: date = TREATMENT_START) -> date:
    return add_months(start, n)


# --- Labs --------------------------------------------------------------------------------------


def _b12_band(value: float) -> str:
    return "deficient" if value < 200 else ("borderline" if value <= 300 else "normal")


def b12(on: date, pg_ml: float) -> LabPoint:
    return LabPoint("b12", pg_ml, on, _b12_band(pg_ml))


def mma(on: date, nmol_l: float) -> LabPoint:
    return LabPoint("mma", nmol_l, on, "high" if nmol_l > 400 else "normal")


def lab(analyte: str, on: date, value: float, band: str = "normal") -> LabPoint:
    return LabPoint(analyte, value, on, band)


def normal_workup(on: date) -> list[LabPoint]:
    """Ferritin and TSH within range."""
    return [lab("ferritin", on, 80.0), lab("tsh", on, 1.8)]


# --- Photos ------------------------------------------------------------------------------------


def visit(
    on: date,
    *,
    frontal: float | None = None,
    temporal: float | None = None,
    midscalp: float | None = None,
    vertex: float | None = None,
    occipital: float | None = None,
    trichoscopy: Mapping[str, Mapping[str, Any]] | None = None,
) -> Visit:
    """A visit with the given hair densities (hairs/cm2); `temporal` sets both sides.
    `trichoscopy` adds per-zone measurements, e.g. {"frontal": {"thin_hair_fraction": 0.2}}."""
    densities = {
        "frontal": frontal,
        "temporal_left": temporal,
        "temporal_right": temporal,
        "midscalp": midscalp,
        "vertex": vertex,
        "occipital": occipital,
    }
    extra = trichoscopy or {}
    zones = {
        zone: ZoneMeasurement(
            zone=zone,
            taken_on=on,
            hair_density_per_cm2=value,
            fu_density_per_cm2=value / 2.2,
            hairs_per_fu=2.2,
            **extra.get(zone, {}),
        )
        for zone, value in densities.items()
        if value is not None
    }
    return Visit(on, zones)


def diffuse_visit(
    on: date, density: float, trichoscopy: Mapping[str, Mapping[str, Any]] | None = None
) -> Visit:
    """Uniform loss over the whole scalp: every zone at its normal share of `density`."""
    return visit(
        on,
        frontal=density,
        temporal=density * TEMPORAL_NORMAL_RATIO,
        midscalp=density,
        vertex=density,
        occipital=density,
        trichoscopy=trichoscopy,
    )


def course_of(
    densities_by_week: Mapping[float, float],
    trichoscopy: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Visit]:
    """Diffuse visits at the given weeks after the treatment start."""
    return [diffuse_visit(week(w), d, trichoscopy) for w, d in sorted(densities_by_week.items())]


UNIFORM_TRICHOSCOPY = {
    "frontal": {
        "thin_hair_fraction": 0.06,
        "vellus_hair_fraction": 0.05,
        "mean_shaft_diameter_um": 60.0,
        "shaft_diameter_cv": 0.12,
        "single_hair_fu_fraction": 0.30,
        "yellow_dot_count": 1,
    },
    "occipital": {
        "vellus_hair_fraction": 0.05,
        "mean_shaft_diameter_um": 58.0,
        "shaft_diameter_cv": 0.11,
        "single_hair_fu_fraction": 0.28,
    },
}

AGA_TRICHOSCOPY = {
    "frontal": {
        "thin_hair_fraction": 0.22,
        "vellus_hair_fraction": 0.12,
        "mean_shaft_diameter_um": 47.0,
        "shaft_diameter_cv": 0.28,
        "single_hair_fu_fraction": 0.45,
    },
    "occipital": {
        "vellus_hair_fraction": 0.05,
        "mean_shaft_diameter_um": 55.0,
        "shaft_diameter_cv": 0.12,
        "single_hair_fu_fraction": 0.25,
    },
}


# --- Treatment and history --------------------------------------------------------------------


def protocol(
    kind: str, start: date = TREATMENT_START, end: date | None = None, dose_mcg: float | None = 1000
) -> ProtocolPeriod:
    return ProtocolPeriod(kind, start, end, dose_mcg)


def injections_then_maintenance(start: date = TREATMENT_START) -> list[ProtocolPeriod]:
    return [
        protocol("loading_im", start, start + timedelta(days=14)),
        protocol("maintenance_im", start + timedelta(days=15)),
    ]


def symptoms(on: date, *names: str) -> SymptomReport:
    return SymptomReport(on, frozenset(names))


def shed(on: date, hairs: int) -> ShedCount:
    return ShedCount(on, hairs)


def patient(**facts: Any) -> PatientFacts:
    return PatientFacts(**facts)


def history(
    facts: PatientFacts,
    *,
    labs: Iterable[LabPoint] = (),
    visits: Iterable[Visit] = (),
    protocols: Iterable[ProtocolPeriod] = (),
    symptom_reports: Iterable[SymptomReport] = (),
    shed_counts: Iterable[ShedCount] = (),
) -> AssessmentInputs:
    return AssessmentInputs(
        facts=facts,
        labs=tuple(labs),
        visits=tuple(visits),
        protocols=tuple(protocols),
        symptom_reports=tuple(symptom_reports),
        shed_counts=tuple(shed_counts),
    )

"""Plain, framework-free inputs shared by the clinical rule modules.

The Django layer maps its models onto these frozen dataclasses; the rule modules
(`risk`, `recovery`, `scales`, `assessment`, `timeline_chart`) only ever see these.
Vocabulary (analyte, zone, protocol and symptom codes) is fixed by the rest of the system.

Units: lab values are canonical (B12 pg/mL, MMA nmol/L, ...); densities are per cm2;
fractions and coefficients of variation are 0-1 (0.21 means 21 %); diameters in micrometres.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

# --- Fixed vocabulary -------------------------------------------------------------------------

ANALYTES = (
    "b12",
    "mma",
    "holotc",
    "homocysteine",
    "folate",
    "ferritin",
    "tsh",
    "haemoglobin",
    "mcv",
)
B12_BANDS = ("deficient", "borderline", "normal")
OTHER_BANDS = ("low", "normal", "high")

ZONES = ("frontal", "temporal_left", "temporal_right", "midscalp", "vertex", "occipital")

PROTOCOL_KINDS = (
    "high_dose_oral",
    "sublingual",
    "loading_im",
    "maintenance_im",
    "dietary_correction",
    "maintenance_oral",
)
# Protocols that start a correction. `maintenance_oral` is the after-recovery dose
# (DOMAIN.md §3); it only counts as a treatment start when nothing else was logged.
CORRECTION_KINDS = (
    "high_dose_oral",
    "sublingual",
    "loading_im",
    "maintenance_im",
    "dietary_correction",
)

SEXES = ("female", "male", "other", "unknown")
DIETS = ("omnivore", "vegetarian", "vegan")

SYMPTOMS = (
    "fatigue",
    "weakness",
    "numbness_tingling",
    "cognitive_difficulty",
    "palpitations",
    "balance",
    "vision",
    "mood",
    "appetite",
    "pale_skin",
    "swollen_tongue",
)


# --- Inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabPoint:
    """One interpreted lab result. `value` is in the analyte's canonical unit and `band` was
    set by the Django layer from the clinic's reference ranges (b12: deficient|borderline|normal,
    others: low|normal|high)."""

    analyte: str
    value: float
    collected_on: date
    band: str


@dataclass(frozen=True)
class ZoneMeasurement:
    """Photo analysis of one scalp zone on one day."""

    zone: str
    taken_on: date
    hair_density_per_cm2: float
    fu_density_per_cm2: float | None
    hairs_per_fu: float | None = None
    single_hair_fu_fraction: float | None = None
    mean_shaft_diameter_um: float | None = None
    shaft_diameter_cv: float | None = None
    thin_hair_fraction: float | None = None  # hairs < 30 um, 0-1
    vellus_hair_fraction: float | None = None  # hairs <= 40 um, 0-1
    yellow_dot_count: int | None = None


@dataclass(frozen=True)
class Visit:
    """All of a patient's photos taken on one day, keyed by zone code."""

    taken_on: date
    zones: Mapping[str, ZoneMeasurement] = field(default_factory=dict)


@dataclass(frozen=True)
class ProtocolPeriod:
    kind: str
    start_date: date
    end_date: date | None = None
    dose_mcg: float | None = None

    def active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True)
class SymptomReport:
    reported_on: date
    symptoms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ShedCount:
    """Hairs shed in one day (normal 50-100, DOMAIN.md §1)."""

    counted_on: date
    hairs: int


@dataclass(frozen=True)
class PatientFacts:
    sex: str = "unknown"
    date_of_birth: date | None = None
    diet: str = "omnivore"
    metformin: bool = False
    proton_pump_inhibitor: bool = False
    h2_blocker: bool = False
    atrophic_gastritis: bool = False
    pernicious_anaemia: bool = False
    crohns_or_coeliac: bool = False
    autoimmune_disease: bool = False
    gastric_surgery: bool = False
    heavy_alcohol_use: bool = False
    hair_loss_onset: date | None = None
    thin_or_brittle: bool = False
    premature_greying: bool = False
    miniaturisation: bool = False


@dataclass(frozen=True)
class AssessmentInputs:
    facts: PatientFacts
    labs: tuple[LabPoint, ...] = ()
    visits: tuple[Visit, ...] = ()
    protocols: tuple[ProtocolPeriod, ...] = ()
    symptom_reports: tuple[SymptomReport, ...] = ()
    shed_counts: tuple[ShedCount, ...] = ()


# --- Helpers -----------------------------------------------------------------------------------


def visits_from_measurements(measurements: Iterable[ZoneMeasurement]) -> list[Visit]:
    """Group zone measurements into visits (one per day), oldest first. When one zone was
    measured twice on a day the later item in the input wins."""
    by_day: dict[date, dict[str, ZoneMeasurement]] = defaultdict(dict)
    for m in measurements:
        by_day[m.taken_on][m.zone] = m
    return [Visit(taken_on=day, zones=dict(zones)) for day, zones in sorted(by_day.items())]


def labs_for(labs: Iterable[LabPoint], analyte: str) -> list[LabPoint]:
    """The results of one analyte, oldest first."""
    return sorted((p for p in labs if p.analyte == analyte), key=lambda p: p.collected_on)


def treatment_start(protocols: Iterable[ProtocolPeriod]) -> date | None:
    """Start of the first B12 correction protocol (falls back to any protocol)."""
    protocols = list(protocols)
    correcting = [p.start_date for p in protocols if p.kind in CORRECTION_KINDS]
    if correcting:
        return min(correcting)
    return min((p.start_date for p in protocols), default=None)


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic, clamping to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate_day))
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")  # pragma: no cover


def age_on(date_of_birth: date, on: date) -> int:
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years

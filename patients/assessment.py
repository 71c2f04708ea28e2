"""Assessment: B12-deficiency (diffuse) hair loss vs androgenetic alopecia (DOMAIN.md §1, §4, §5).

Decision support, not a diagnosis. The assessment is a weighted vote that a clinician can read:

1. Each criterion produces one `Evidence` item: what was measured, which way it points
   (`b12_deficiency`, `androgenetic`, `neutral`, or `unknown` when the data is missing) and a
   weight (`WEIGHTS`). Absence of an androgenetic sign is `neutral`, not evidence for B12: no
   trichoscopic sign specific to B12 is known (DOMAIN.md §1).
2. Two firm findings gate the classification:
   - *lab-confirmed deficiency*: B12 deficient, or borderline with raised MMA or low holoTC
     (DOMAIN.md §2);
   - *patterned loss*: frontal or vertex reduced against the occipital area, the Rakowska rule
     met, or a Norwood >= III / Ludwig >= I estimate.
3. Classification: both gates -> `mixed`; lab-confirmed only -> `b12_deficiency_diffuse` if the
   B12 votes outweigh the androgenetic votes; patterned only -> `androgenetic` if the
   androgenetic votes are at least the B12 votes; everything else -> `indeterminate`. Without
   the minimum data (a B12 result and one visit with frontal and occipital photos) the answer is
   always `indeterminate`.
4. Confidence score = agreement x (0.4 + 0.6 x coverage), where agreement is the winning side's
   share of the votes (0.8 for `mixed`) and coverage the share of criteria with data. A B12
   call stays below "high" until density has recovered after B12 normalised, because recovery
   after correction is part of what defines B12 hair loss (DOMAIN.md §1).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from patients.clinical_inputs import (
    B12_BANDS,
    OTHER_BANDS,
    AssessmentInputs,
    LabPoint,
    Visit,
    ZoneMeasurement,
    add_months,
    labs_for,
    treatment_start,
)
from patients.clinical_thresholds import (
    ANISOTRICHOSIS_CV_ABOVE,
    ANNUAL_RETEST_MONTHS,
    B12_DEFICIENT_BELOW_PG_ML,
    B12_NORMAL_ABOVE_PG_ML,
    FERRITIN_LOW_BELOW_NG_ML,
    FOLATE_DEFICIENT_BELOW_NG_ML,
    GRADUAL_ONSET_MIN_MONTHS,
    HOLOTC_DEFICIENT_BELOW_PMOL_L,
    MAINTENANCE_DOSE_TEXT,
    MIN_TREND_SPAN_WEEKS,
    MIN_TREND_VISITS,
    MMA_RAISED_ABOVE_NMOL_L,
    NORMAL_HAIR_DENSITY_RANGE,
    PHOTO_TRACKING_MONTHS_AFTER_RECOVERY,
    RAKOWSKA_FRONTAL_THINNER_MARGIN,
    RAKOWSKA_MAJOR_NEEDED,
    RAKOWSKA_MAJOR_WITH_MINOR,
    RAKOWSKA_MINOR_WITH_MAJOR,
    RAKOWSKA_SINGLE_HAIR_UNIT_RATIO_ABOVE,
    RAKOWSKA_THIN_HAIR_FRACTION_ABOVE,
    RAKOWSKA_VELLUS_RATIO_ABOVE,
    RAKOWSKA_YELLOW_DOTS_ABOVE,
    RAPID_ONSET_MAX_MONTHS,
    REDUCED_BELOW,
    RETEST_DONE_WINDOW_DAYS,
    SHED_NORMAL_MAX_PER_DAY,
    SHED_WINDOW_DAYS,
    SYMPTOM_WINDOW_DAYS,
    TSH_RANGE_MIU_L,
)
from patients.clinical_thresholds import (
    B12_RETEST_MONTHS_AFTER_START as RETEST_MONTHS,
)
from patients.recovery import Course, derive_course
from patients.risk import RiskSummary, risk_summary
from patients.scales import ScaleEstimate, estimate_scale, is_patterned, relative_densities

RULES_VERSION = "assessment-1.0.0"

DISCLAIMER = (
    "Decision support, not a diagnosis: an estimate from the recorded labs, photos and history "
    "under rules version {version}. The link between B12 and hair loss is debated and most hair "
    "loss is androgenetic alopecia or telogen effluvium (DOMAIN.md §1); a clinician must confirm "
    "the cause and decide treatment."
)

Classification = Literal["b12_deficiency_diffuse", "androgenetic", "mixed", "indeterminate"]
PointsTo = Literal["b12_deficiency", "androgenetic", "neutral", "unknown"]
ConfidenceLevel = Literal["low", "moderate", "high"]

# Vote weights (product rule, documented in the module docstring).
WEIGHTS: Mapping[str, float] = {
    "zone_pattern": 2.0,
    "rakowska_major": 1.0,  # each of the three
    "rakowska_minor": 0.5,  # each of the two measured
    "rakowska_rule": 3.0,  # the rule itself: specificity ~98 % (DOMAIN.md §5)
    "anisotrichosis": 1.0,
    "onset_speed": 1.0,
    "hair_quality": 1.0,
    "systemic_symptoms": 1.0,
    "shedding": 1.0,
    "b12_deficient": 3.0,
    "b12_borderline": 1.0,
    "b12_normal": 1.0,
    "mma_raised": 2.0,
    "recovered_after_normalisation": 3.0,
    "rising_after_normalisation": 1.0,  # on track but not yet recovered: a partial response
    "no_recovery_after_normalisation": 2.0,
}
CONFIDENCE_LEVELS: tuple[tuple[float, ConfidenceLevel], ...] = ((0.75, "high"), (0.5, "moderate"))
MIXED_AGREEMENT = 0.8  # the share of each cause is unknown until the response to B12 is seen
B12_WITHOUT_RECOVERY_CAP = 0.74  # below "high" until recovery after correction is observed
DAYS_PER_MONTH = 30.44

# Criteria that vote (the coverage denominator); `other_causes` is informational only.
SCORED_CRITERIA = (
    "zone_pattern",
    "rakowska_major_yellow_dots",
    "rakowska_major_frontal_thinner",
    "rakowska_major_thin_hairs",
    "rakowska_minor_single_hair_units",
    "rakowska_minor_vellus",
    "rakowska_rule",
    "anisotrichosis",
    "onset_speed",
    "hair_quality",
    "systemic_symptoms",
    "shedding",
    "b12_band",
    "mma",
    "recovery_after_normalisation",
)


@dataclass(frozen=True)
class Evidence:
    criterion: str
    label: str
    value: float | str | None
    points_to: PointsTo
    weight: float
    source: str


@dataclass(frozen=True)
class Confidence:
    level: ConfidenceLevel
    score: float


@dataclass(frozen=True)
class Recommendation:
    code: str
    text: str
    due_on: date | None
    source: str


@dataclass(frozen=True)
class RakowskaResult:
    major_met: tuple[str, ...]
    minor_met: tuple[str, ...]
    major_unknown: tuple[str, ...]
    minor_unknown: tuple[str, ...]
    met: bool | None  # None: undecided because criteria are missing


@dataclass(frozen=True)
class Assessment:
    classification: Classification
    confidence: Confidence
    reason: str
    evidence: list[Evidence]
    rakowska: RakowskaResult | None
    scale: ScaleEstimate | None
    course: Course
    risk: RiskSummary
    recommendations: list[Recommendation]
    missing: list[str]
    assessed_on: date
    disclaimer: str
    rules_version: str = RULES_VERSION
    votes: Mapping[str, float] = field(default_factory=dict)  # b12_deficiency / androgenetic


# --- Lab helpers ------------------------------------------------------------------------------


def _diagnostic_lab(
    labs: Sequence[LabPoint], analyte: str, start: date | None, today: date
) -> LabPoint | None:
    """The result that describes the untreated state: the last one on or before the treatment
    start (else the first after it); without treatment, the latest one."""
    points = [p for p in labs_for(labs, analyte) if p.collected_on <= today]
    if not points:
        return None
    if start is None:
        return points[-1]
    before = [p for p in points if p.collected_on <= start]
    return before[-1] if before else points[0]


def _b12_band(point: LabPoint) -> str:
    if point.band in B12_BANDS:
        return point.band
    if point.value < B12_DEFICIENT_BELOW_PG_ML:
        return "deficient"
    return "normal" if point.value > B12_NORMAL_ABOVE_PG_ML else "borderline"


def _band(point: LabPoint, low: float | None = None, high: float | None = None) -> str:
    if point.band in OTHER_BANDS:
        return point.band
    if low is not None and point.value < low:
        return "low"
    if high is not None and point.value > high:
        return "high"
    return "normal"


# --- Criteria ---------------------------------------------------------------------------------


def _assessment_visit(visits: Sequence[Visit], today: date) -> Visit | None:
    """The latest visit with frontal and occipital photos (the Rakowska comparison areas)."""
    usable = [
        v for v in visits if v.taken_on <= today and "frontal" in v.zones and "occipital" in v.zones
    ]
    return max(usable, key=lambda v: v.taken_on) if usable else None


def _zone_pattern(visit: Visit | None) -> Evidence:
    src = "DOMAIN.md §5 (seed 004 table: diffuse vs temples and vertex)"
    if visit is None:
        return Evidence(
            "zone_pattern",
            "Zone pattern: needs frontal and occipital photos on one visit",
            None,
            "unknown",
            0.0,
            src,
        )
    rel, _ = relative_densities(visit.zones)
    shown = {z: rel[z] for z in ("frontal", "vertex") if z in rel}
    value = "; ".join(f"{z}/occipital {r:.2f}" for z, r in shown.items())
    reduced = [z for z, r in shown.items() if r < REDUCED_BELOW]
    if reduced:
        return Evidence(
            "zone_pattern",
            f"Patterned: {' and '.join(reduced)} density below {REDUCED_BELOW:.0%} of occipital",
            value,
            "androgenetic",
            WEIGHTS["zone_pattern"],
            src,
        )
    mean_density = statistics.mean(m.hair_density_per_cm2 for m in visit.zones.values())
    if mean_density < NORMAL_HAIR_DENSITY_RANGE[0]:
        return Evidence(
            "zone_pattern",
            f"Diffuse: zones uniform against occipital, mean {mean_density:.0f} hairs/cm2 below "
            f"the normal {NORMAL_HAIR_DENSITY_RANGE[0]:.0f} (B12 deficiency or telogen effluvium)",
            value,
            "b12_deficiency",
            WEIGHTS["zone_pattern"],
            src + "; normal 175-300 hairs/cm2",
        )
    return Evidence(
        "zone_pattern",
        "Zones uniform against occipital and density within the normal range",
        value,
        "neutral",
        0.0,
        src,
    )


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    if b == 0:
        return float("inf") if a > 0 else 1.0
    return a / b


def _rakowska(visit: Visit | None) -> tuple[list[Evidence], RakowskaResult]:
    src = "DOMAIN.md §5 (Rakowska et al. 2009)"
    f: ZoneMeasurement | None = visit.zones.get("frontal") if visit else None
    o: ZoneMeasurement | None = visit.zones.get("occipital") if visit else None
    items: list[Evidence] = []
    major_met: list[str] = []
    minor_met: list[str] = []
    major_unknown: list[str] = []
    minor_unknown: list[str] = []

    def add(
        criterion: str,
        kind: str,
        value: float | None,
        met: bool | None,
        met_label: str,
        not_label: str,
        unknown_label: str,
    ) -> None:
        weight = WEIGHTS[f"rakowska_{kind}"]
        if met is None:
            items.append(Evidence(criterion, unknown_label, None, "unknown", 0.0, src))
            (major_unknown if kind == "major" else minor_unknown).append(criterion)
        elif met:
            items.append(Evidence(criterion, met_label, value, "androgenetic", weight, src))
            (major_met if kind == "major" else minor_met).append(criterion)
        else:
            items.append(Evidence(criterion, not_label, value, "neutral", 0.0, src))

    dots = f.yellow_dot_count if f else None
    add(
        "rakowska_major_yellow_dots",
        "major",
        float(dots) if dots is not None else None,
        None if dots is None else dots > RAKOWSKA_YELLOW_DOTS_ABOVE,
        f"Major: more than {RAKOWSKA_YELLOW_DOTS_ABOVE} frontal yellow dots",
        f"Major: {RAKOWSKA_YELLOW_DOTS_ABOVE} or fewer frontal yellow dots",
        "Major (yellow dots): frontal yellow-dot count not recorded",
    )
    thick = _ratio(f.mean_shaft_diameter_um if f else None, o.mean_shaft_diameter_um if o else None)
    add(
        "rakowska_major_frontal_thinner",
        "major",
        thick,
        None if thick is None else thick < 1.0 - RAKOWSKA_FRONTAL_THINNER_MARGIN,
        "Major: frontal hairs thinner than occipital (mean shaft diameter)",
        "Major: frontal hairs not thinner than occipital",
        "Major (thickness): frontal and occipital shaft diameters needed",
    )
    thin = f.thin_hair_fraction if f else None
    add(
        "rakowska_major_thin_hairs",
        "major",
        thin,
        None if thin is None else thin > RAKOWSKA_THIN_HAIR_FRACTION_ABOVE,
        f"Major: more than {RAKOWSKA_THIN_HAIR_FRACTION_ABOVE:.0%} thin (< 30 um) hairs frontally",
        f"Major: {RAKOWSKA_THIN_HAIR_FRACTION_ABOVE:.0%} or fewer thin hairs frontally",
        "Major (thin hairs): frontal thin-hair fraction not measured",
    )
    single = _ratio(
        f.single_hair_fu_fraction if f else None, o.single_hair_fu_fraction if o else None
    )
    add(
        "rakowska_minor_single_hair_units",
        "minor",
        single,
        None if single is None else single > RAKOWSKA_SINGLE_HAIR_UNIT_RATIO_ABOVE,
        "Minor: single-hair units frontal:occipital above "
        f"{RAKOWSKA_SINGLE_HAIR_UNIT_RATIO_ABOVE:g}:1",
        f"Minor: single-hair units frontal:occipital {RAKOWSKA_SINGLE_HAIR_UNIT_RATIO_ABOVE:g}:1 "
        "or less",
        "Minor (single-hair units): frontal and occipital fractions needed",
    )
    vellus = _ratio(f.vellus_hair_fraction if f else None, o.vellus_hair_fraction if o else None)
    add(
        "rakowska_minor_vellus",
        "minor",
        vellus,
        None if vellus is None else vellus > RAKOWSKA_VELLUS_RATIO_ABOVE,
        f"Minor: vellus hairs frontal:occipital above {RAKOWSKA_VELLUS_RATIO_ABOVE:g}:1",
        f"Minor: vellus hairs frontal:occipital {RAKOWSKA_VELLUS_RATIO_ABOVE:g}:1 or less",
        "Minor (vellus): frontal and occipital vellus fractions needed",
    )

    def rule(majors: int, minors: int) -> bool:
        return majors >= RAKOWSKA_MAJOR_NEEDED or (
            majors >= RAKOWSKA_MAJOR_WITH_MINOR and minors >= RAKOWSKA_MINOR_WITH_MAJOR
        )

    met_now = rule(len(major_met), len(minor_met))
    could_be = rule(len(major_met) + len(major_unknown), len(minor_met) + len(minor_unknown))
    met: bool | None = True if met_now else (None if could_be else False)
    summary = (
        f"{len(major_met)} major, {len(minor_met)} minor met; {len(major_unknown)} major, "
        f"{len(minor_unknown)} minor not measured (perifollicular discolouration is never "
        "measured)"
    )
    if met:
        items.append(
            Evidence(
                "rakowska_rule",
                "Rakowska rule met (2 major, or 1 major and 2 minor): androgenetic alopecia",
                summary,
                "androgenetic",
                WEIGHTS["rakowska_rule"],
                src,
            )
        )
    elif met is None:
        items.append(
            Evidence(
                "rakowska_rule",
                "Rakowska rule undecided: the missing criteria could still meet it",
                summary,
                "unknown",
                0.0,
                src,
            )
        )
    else:
        items.append(
            Evidence("rakowska_rule", "Rakowska rule not met", summary, "neutral", 0.0, src)
        )
    result = RakowskaResult(
        tuple(major_met), tuple(minor_met), tuple(major_unknown), tuple(minor_unknown), met
    )
    return items, result


def _anisotrichosis(visit: Visit | None) -> Evidence:
    src = "DOMAIN.md §5 (anisotrichosis > 20 % shaft-diameter variation)"
    if visit is None:
        return Evidence(
            "anisotrichosis", "Shaft-diameter variation not measured", None, "unknown", 0.0, src
        )
    cvs = {
        z: m.shaft_diameter_cv
        for z, m in visit.zones.items()
        if z != "occipital" and m.shaft_diameter_cv is not None
    }
    if not cvs:
        return Evidence(
            "anisotrichosis", "Shaft-diameter variation not measured", None, "unknown", 0.0, src
        )
    zone, cv = max(cvs.items(), key=lambda kv: kv[1])
    if cv > ANISOTRICHOSIS_CV_ABOVE:
        return Evidence(
            "anisotrichosis",
            f"Anisotrichosis: shaft-diameter variation {cv:.0%} ({zone}) above "
            f"{ANISOTRICHOSIS_CV_ABOVE:.0%}",
            cv,
            "androgenetic",
            WEIGHTS["anisotrichosis"],
            src,
        )
    return Evidence(
        "anisotrichosis",
        f"Uniform shaft diameters (max variation {cv:.0%}); compatible with diffuse loss but not "
        "specific",
        cv,
        "neutral",
        0.0,
        src,
    )


def _onset(onset: date | None, presented_on: date) -> Evidence:
    src = "DOMAIN.md §5 (seed 004: weeks-months vs years)"
    if onset is None:
        return Evidence("onset_speed", "Hair-loss onset not recorded", None, "unknown", 0.0, src)
    months = max((presented_on - onset).days, 0) / DAYS_PER_MONTH
    value = round(months, 1)
    if months <= RAPID_ONSET_MAX_MONTHS:
        return Evidence(
            "onset_speed",
            f"Recent onset: {months:.0f} months before presentation (weeks to months)",
            value,
            "b12_deficiency",
            WEIGHTS["onset_speed"],
            src,
        )
    if months >= GRADUAL_ONSET_MIN_MONTHS:
        return Evidence(
            "onset_speed",
            f"Gradual: {months / 12:.1f} years before presentation",
            value,
            "androgenetic",
            WEIGHTS["onset_speed"],
            src,
        )
    return Evidence(
        "onset_speed",
        f"Onset {months:.0f} months before presentation: neither clearly rapid nor gradual",
        value,
        "neutral",
        0.0,
        src,
    )


def _hair_quality(inputs: AssessmentInputs) -> Evidence:
    facts = inputs.facts
    src = "DOMAIN.md §5 (seed 004: thin, brittle, greying vs miniaturised)"
    b12_signs = [
        name
        for name, present in (
            ("thin or brittle", facts.thin_or_brittle),
            ("premature greying", facts.premature_greying),
        )
        if present
    ]
    value = ", ".join(b12_signs + (["miniaturisation"] if facts.miniaturisation else [])) or None
    if b12_signs and facts.miniaturisation:
        return Evidence("hair_quality", "Mixed hair-quality features", value, "neutral", 0.0, src)
    if b12_signs:
        return Evidence(
            "hair_quality",
            f"Hair quality: {', '.join(b12_signs)}",
            value,
            "b12_deficiency",
            WEIGHTS["hair_quality"],
            src,
        )
    if facts.miniaturisation:
        return Evidence(
            "hair_quality",
            "Miniaturised hairs",
            value,
            "androgenetic",
            WEIGHTS["hair_quality"],
            src,
        )
    return Evidence("hair_quality", "No hair-quality features recorded", None, "neutral", 0.0, src)


def _symptoms(inputs: AssessmentInputs, presented_on: date, today: date) -> Evidence:
    src = "DOMAIN.md §1, §5 (seeds 000, 003, 004)"
    window_start = presented_on - timedelta(days=SYMPTOM_WINDOW_DAYS)
    reports = [r for r in inputs.symptom_reports if window_start <= r.reported_on <= today]
    if not reports:
        return Evidence(
            "systemic_symptoms", "No symptom report recorded", None, "unknown", 0.0, src
        )
    present = sorted(set().union(*(r.symptoms for r in reports)))
    if present:
        return Evidence(
            "systemic_symptoms",
            f"Systemic symptoms reported: {', '.join(present)}",
            ", ".join(present),
            "b12_deficiency",
            WEIGHTS["systemic_symptoms"],
            src,
        )
    return Evidence("systemic_symptoms", "No systemic symptoms reported", None, "neutral", 0.0, src)


def _shedding(inputs: AssessmentInputs, presented_on: date) -> Evidence:
    src = "DOMAIN.md §1 (50-100 hairs a day is normal)"
    window = timedelta(days=SHED_WINDOW_DAYS)
    counts = [
        c.hairs
        for c in inputs.shed_counts
        if abs((c.counted_on - presented_on).days) <= window.days
    ]
    if not counts:
        return Evidence(
            "shedding", "No shed-hair counts around presentation", None, "unknown", 0.0, src
        )
    median = float(statistics.median(counts))
    if median > SHED_NORMAL_MAX_PER_DAY:
        return Evidence(
            "shedding",
            f"Excess shedding: median {median:.0f} hairs/day (telogen-type loss: B12 deficiency "
            "or telogen effluvium)",
            median,
            "b12_deficiency",
            WEIGHTS["shedding"],
            src,
        )
    return Evidence(
        "shedding",
        f"Shedding within normal: median {median:.0f} hairs/day",
        median,
        "neutral",
        0.0,
        src,
    )


def _b12_evidence(b12: LabPoint | None) -> Evidence:
    src = "DOMAIN.md §2 (seed 004: < 200 deficient, 200-300 borderline, > 300 normal)"
    if b12 is None:
        return Evidence("b12_band", "No serum B12 result", None, "unknown", 0.0, src)
    band = _b12_band(b12)
    if band == "deficient":
        return Evidence(
            "b12_band",
            f"B12 deficient ({b12.value:.0f} pg/mL on {b12.collected_on})",
            b12.value,
            "b12_deficiency",
            WEIGHTS["b12_deficient"],
            src,
        )
    if band == "borderline":
        return Evidence(
            "b12_band",
            f"B12 borderline ({b12.value:.0f} pg/mL): may still cause symptoms; MMA decides",
            b12.value,
            "b12_deficiency",
            WEIGHTS["b12_borderline"],
            src,
        )
    return Evidence(
        "b12_band",
        f"B12 normal ({b12.value:.0f} pg/mL): B12 deficiency unlikely as the cause",
        b12.value,
        "androgenetic",
        WEIGHTS["b12_normal"],
        src,
    )


def _mma_evidence(mma: LabPoint | None) -> Evidence:
    src = "DOMAIN.md §2 (MMA above 0.40 umol/L = 400 nmol/L confirms functional deficiency)"
    if mma is None:
        return Evidence("mma", "No MMA result", None, "unknown", 0.0, src)
    if _band(mma, high=MMA_RAISED_ABOVE_NMOL_L) == "high":
        return Evidence(
            "mma",
            f"MMA raised ({mma.value:.0f} nmol/L): functional B12 deficiency (kidney impairment "
            "also raises it)",
            mma.value,
            "b12_deficiency",
            WEIGHTS["mma_raised"],
            src,
        )
    return Evidence(
        "mma", f"MMA not raised ({mma.value:.0f} nmol/L)", mma.value, "neutral", 0.0, src
    )


def _recovery_evidence(course: Course, today: date) -> Evidence:
    src = "DOMAIN.md §1, §4 (B12 hair loss recovers after correction)"
    if course.density_recovered_on is not None and course.b12_normalised_on is not None:
        return Evidence(
            "recovery_after_normalisation",
            f"Density recovered ({course.density_recovered_on}) after B12 normalised "
            f"({course.b12_normalised_on})",
            str(course.density_recovered_on),
            "b12_deficiency",
            WEIGHTS["recovered_after_normalisation"],
            src,
        )
    start = course.treatment_start
    if (
        course.b12_normalised_on is not None
        and start is not None
        and today >= add_months(start, 6)
        and course.verdict == "behind"
    ):
        return Evidence(
            "recovery_after_normalisation",
            "No density recovery by month 6 although B12 normalised: B12 was probably not the "
            "only cause (androgenetic alopecia, iron, thyroid)",
            course.verdict,
            "androgenetic",
            WEIGHTS["no_recovery_after_normalisation"],
            src,
        )
    if course.b12_normalised_on is not None and course.verdict in ("on_track", "ahead"):
        return Evidence(
            "recovery_after_normalisation",
            f"Density rising as expected after B12 normalised ({course.verdict}); not yet "
            "recovered",
            course.verdict,
            "b12_deficiency",
            WEIGHTS["rising_after_normalisation"],
            src,
        )
    return Evidence(
        "recovery_after_normalisation",
        f"Recovery after B12 correction not yet judged ({course.verdict})",
        course.verdict,
        "unknown",
        0.0,
        src,
    )


def _other_causes(labs: Sequence[LabPoint], today: date) -> tuple[Evidence, dict[str, str]]:
    """Latest ferritin, TSH and folate: other causes to rule out (informational)."""
    flags: dict[str, str] = {}
    parts: list[str] = []
    for analyte, low, high in (
        ("ferritin", FERRITIN_LOW_BELOW_NG_ML, None),
        ("tsh", TSH_RANGE_MIU_L[0], TSH_RANGE_MIU_L[1]),
        ("folate", FOLATE_DEFICIENT_BELOW_NG_ML, None),
    ):
        points = [p for p in labs_for(labs, analyte) if p.collected_on <= today]
        if not points:
            flags[analyte] = "missing"
            parts.append(f"{analyte} not tested")
            continue
        band = _band(points[-1], low, high)
        flags[analyte] = band
        parts.append(f"{analyte} {points[-1].value:g} ({band})")
    return (
        Evidence(
            "other_causes",
            "Other causes to rule out (iron, thyroid, folate); informational, not voted",
            "; ".join(parts),
            "neutral",
            0.0,
            "DOMAIN.md §1, §2",
        ),
        flags,
    )


# --- Main -------------------------------------------------------------------------------------


def assess(inputs: AssessmentInputs, *, today: date) -> Assessment:
    labs = [p for p in inputs.labs if p.collected_on <= today]
    visits = sorted((v for v in inputs.visits if v.taken_on <= today), key=lambda v: v.taken_on)
    start = treatment_start(inputs.protocols)
    course = derive_course(visits, labs, inputs.protocols, today=today)
    risk = risk_summary(inputs.facts, today=today)

    presented_candidates = [v.taken_on for v in visits] + [p.collected_on for p in labs]
    if start is not None:
        presented_candidates.append(start)
    presented_on = min(presented_candidates, default=today)

    visit = _assessment_visit(visits, today)
    b12 = _diagnostic_lab(labs, "b12", start, today)
    mma = _diagnostic_lab(labs, "mma", start, today)
    holotc = _diagnostic_lab(labs, "holotc", start, today)

    rakowska_items, rakowska = _rakowska(visit)
    evidence: list[Evidence] = [
        _zone_pattern(visit),
        *rakowska_items,
        _anisotrichosis(visit),
        _onset(inputs.facts.hair_loss_onset, presented_on),
        _hair_quality(inputs),
        _symptoms(inputs, presented_on, today),
        _shedding(inputs, presented_on),
        _b12_evidence(b12),
        _mma_evidence(mma),
        _recovery_evidence(course, today),
    ]
    other, other_flags = _other_causes(labs, today)
    evidence.append(other)

    scale_visit = visit or (visits[-1] if visits else None)
    scale = estimate_scale(scale_visit.zones, inputs.facts.sex) if scale_visit else None

    votes = {
        side: sum(e.weight for e in evidence if e.points_to == side)
        for side in ("b12_deficiency", "androgenetic")
    }
    by_criterion = {e.criterion: e for e in evidence}
    scored = [by_criterion[c] for c in SCORED_CRITERIA]
    coverage = sum(e.points_to != "unknown" for e in scored) / len(scored)

    b12_band = _b12_band(b12) if b12 else None
    mma_raised = by_criterion["mma"].points_to == "b12_deficiency"
    holotc_low = holotc is not None and _band(holotc, low=HOLOTC_DEFICIENT_BELOW_PMOL_L) == "low"
    lab_confirmed = b12_band == "deficient" or (
        b12_band == "borderline" and (mma_raised or holotc_low)
    )
    patterned = (
        by_criterion["zone_pattern"].points_to == "androgenetic"
        or rakowska.met is True
        or is_patterned(scale)
    )

    missing = _missing(evidence, visit, b12, inputs, scale)
    classification: Classification
    if b12 is None or visit is None:
        classification = "indeterminate"
        reason = (
            "Minimum data not met: an assessment needs a serum B12 result and one visit with "
            "frontal and occipital photos."
        )
    elif lab_confirmed and patterned:
        classification = "mixed"
        reason = (
            "Lab-confirmed B12 deficiency together with a patterned (androgenetic-type) loss: "
            "both may contribute; the response to B12 correction will show how much."
        )
    elif lab_confirmed:
        if votes["b12_deficiency"] > votes["androgenetic"]:
            classification = "b12_deficiency_diffuse"
            reason = "Lab-confirmed B12 deficiency with diffuse, non-patterned loss."
        else:
            classification = "indeterminate"
            reason = (
                "B12 deficiency is lab-confirmed but the other evidence points elsewhere: "
                "B12 may not be the (only) cause."
            )
    elif patterned:
        if votes["androgenetic"] >= votes["b12_deficiency"]:
            classification = "androgenetic"
            reason = "Patterned loss without lab-confirmed B12 deficiency."
        else:
            classification = "indeterminate"
            reason = (
                "Patterned loss, but B12-type findings outweigh it without lab confirmation: "
                "confirm with MMA or holotranscobalamin."
            )
    else:
        classification = "indeterminate"
        reason = (
            "No lab-confirmed B12 deficiency and no patterned loss: consider telogen effluvium, "
            "iron deficiency or thyroid dysfunction (DOMAIN.md §1)."
        )

    confidence = _confidence(classification, votes, coverage, course)
    recommendations = _recommendations(
        inputs=inputs,
        labs=labs,
        course=course,
        start=start,
        today=today,
        classification=classification,
        lab_confirmed=lab_confirmed,
        b12_band=b12_band,
        mma=mma,
        rakowska=rakowska,
        visit=visit,
        scale=scale,
        other_flags=other_flags,
    )
    return Assessment(
        classification=classification,
        confidence=confidence,
        reason=reason,
        evidence=evidence,
        rakowska=rakowska if visit else None,
        scale=scale,
        course=course,
        risk=risk,
        recommendations=recommendations,
        missing=missing,
        assessed_on=today,
        disclaimer=DISCLAIMER.format(version=RULES_VERSION),
        votes=votes,
    )


def _confidence(
    classification: Classification,
    votes: Mapping[str, float],
    coverage: float,
    course: Course,
) -> Confidence:
    if classification == "indeterminate":
        return Confidence("low", 0.0)
    total = votes["b12_deficiency"] + votes["androgenetic"]
    if classification == "mixed":
        agreement = MIXED_AGREEMENT
    else:
        side = "b12_deficiency" if classification == "b12_deficiency_diffuse" else "androgenetic"
        agreement = votes[side] / total if total else 0.5
    score = agreement * (0.4 + 0.6 * coverage)
    if classification == "b12_deficiency_diffuse" and course.density_recovered_on is None:
        score = min(score, B12_WITHOUT_RECOVERY_CAP)
    score = round(score, 2)
    level: ConfidenceLevel = "low"
    for cutoff, name in CONFIDENCE_LEVELS:
        if score >= cutoff:
            level = name
            break
    return Confidence(level, score)


_MISSING_TEXT = {
    "zone_pattern": "frontal and occipital photos on the same visit (zone-pattern comparison)",
    "rakowska_major_yellow_dots": "frontal yellow-dot count (Rakowska major criterion)",
    "rakowska_major_frontal_thinner": "frontal and occipital mean shaft diameters (Rakowska major)",
    "rakowska_major_thin_hairs": "frontal thin-hair fraction (Rakowska major)",
    "rakowska_minor_single_hair_units": "frontal and occipital single-hair unit fractions "
    "(Rakowska minor)",
    "rakowska_minor_vellus": "frontal and occipital vellus fractions (Rakowska minor)",
    "anisotrichosis": "shaft-diameter variation (anisotrichosis)",
    "onset_speed": "hair-loss onset date",
    "systemic_symptoms": "a symptom report",
    "shedding": "shed-hair counts around presentation",
    "b12_band": "a serum B12 result",
    "mma": "methylmalonic acid (MMA)",
}


def _missing(
    evidence: Sequence[Evidence],
    visit: Visit | None,
    b12: LabPoint | None,
    inputs: AssessmentInputs,
    scale: ScaleEstimate | None,
) -> list[str]:
    missing = [
        _MISSING_TEXT[e.criterion]
        for e in evidence
        if e.points_to == "unknown" and e.criterion in _MISSING_TEXT
    ]
    if visit is None:
        zones_seen = set().union(*(set(v.zones) for v in inputs.visits)) if inputs.visits else set()
        for zone in ("frontal", "occipital"):
            if zone not in zones_seen:
                missing.append(f"{'an' if zone == 'occipital' else 'a'} {zone} photo")
        if not inputs.visits:
            missing.append("any photo visit")
    if inputs.facts.sex not in ("female", "male"):
        missing.append("sex (female/male) to choose the Ludwig or Norwood scale")
    elif scale is not None and scale.stage is None and "Missing zones" in scale.reason:
        missing.append(f"{scale.scale} scale: {scale.reason}")
    return missing


def _recommendations(
    *,
    inputs: AssessmentInputs,
    labs: Sequence[LabPoint],
    course: Course,
    start: date | None,
    today: date,
    classification: Classification,
    lab_confirmed: bool,
    b12_band: str | None,
    mma: LabPoint | None,
    rakowska: RakowskaResult,
    visit: Visit | None,
    scale: ScaleEstimate | None,
    other_flags: Mapping[str, str],
) -> list[Recommendation]:
    recs: list[Recommendation] = []
    b12_dates = [p.collected_on for p in labs_for(labs, "b12")]

    if start is not None:
        for months in RETEST_MONTHS:
            due = add_months(start, months)
            done = any(d >= due - timedelta(days=RETEST_DONE_WINDOW_DAYS) for d in b12_dates)
            if not done:
                recs.append(
                    Recommendation(
                        f"retest_b12_month_{months}",
                        f"Retest serum B12 {months} months after the treatment start.",
                        due,
                        "DOMAIN.md §2 (follow-up, seed 004)",
                    )
                )
    elif lab_confirmed:
        recs.append(
            Recommendation(
                "discuss_b12_correction",
                "Lab results show B12 deficiency and no correction protocol is logged: discuss "
                "treatment (high-dose oral, or injections for absorption problems).",
                today,
                "DOMAIN.md §3",
            )
        )

    if (
        start is not None
        and course.b12_normalised_on is not None
        and course.density_recovered_on is None
        and today >= add_months(start, 6)
        and course.verdict == "behind"
    ):
        recs.append(
            Recommendation(
                "investigate_other_causes",
                f"B12 normalised ({course.b12_normalised_on}) but density has not recovered by "
                "month 6: B12 was probably not the only cause. Investigate androgenetic alopecia, "
                "ferritin (iron deficiency) and TSH (thyroid dysfunction).",
                today,
                "DOMAIN.md §4 (seed 004)",
            )
        )

    if course.density_recovered_on is not None:
        recovered = course.density_recovered_on
        last_b12 = max(b12_dates) if b12_dates else recovered
        recs.extend(
            [
                Recommendation(
                    "maintenance_dose",
                    f"Density has recovered: continue B12 at a maintenance dose "
                    f"({MAINTENANCE_DOSE_TEXT}) to prevent recurrence.",
                    None,
                    "DOMAIN.md §3, §4 (seed 004)",
                ),
                Recommendation(
                    "annual_b12_retest",
                    "Retest serum B12 annually after recovery.",
                    add_months(max(last_b12, recovered), ANNUAL_RETEST_MONTHS),
                    "DOMAIN.md §2, §4 (seed 004)",
                ),
                Recommendation(
                    "continue_photo_tracking",
                    "Photograph the same zones monthly for six more months to confirm the "
                    "recovery is stable.",
                    add_months(recovered, PHOTO_TRACKING_MONTHS_AFTER_RECOVERY),
                    "DOMAIN.md §4 (seed 004)",
                ),
            ]
        )

    # Other causes of diffuse loss (DOMAIN.md §1, §2).
    wants_workup = classification in ("indeterminate", "mixed", "b12_deficiency_diffuse")
    for analyte, text in (
        ("ferritin", "iron deficiency (ferritin < 30 ng/mL) is a hair-loss cause to rule out"),
        ("tsh", "thyroid dysfunction (TSH outside 0.4-4.5 mIU/L) is a hair-loss cause to rule out"),
    ):
        flag = other_flags.get(analyte)
        if flag in ("low", "high"):
            recs.append(
                Recommendation(
                    f"{analyte}_abnormal",
                    f"{analyte.upper() if analyte == 'tsh' else 'Ferritin'} is {flag}: {text}.",
                    today,
                    "DOMAIN.md §2",
                )
            )
        elif flag == "missing" and wants_workup:
            recs.append(
                Recommendation(
                    f"check_{analyte}",
                    f"Test {'TSH' if analyte == 'tsh' else 'ferritin'}: {text}.",
                    today,
                    "DOMAIN.md §1, §2",
                )
            )
    if other_flags.get("folate") == "low":
        recs.append(
            Recommendation(
                "folate_low",
                "Folate is low (often co-deficient): correct it alongside B12, never folate alone "
                "before B12.",
                today,
                "DOMAIN.md §2, §3",
            )
        )

    # Missing data that would change the answer.
    zones_seen = set().union(*(set(v.zones) for v in inputs.visits)) if inputs.visits else set()
    if b12_band is None:
        recs.append(
            Recommendation(
                "data_b12",
                "A serum B12 result (with MMA) is needed before any B12-related call.",
                None,
                "DOMAIN.md §2",
            )
        )
    if visit is None:
        for zone in ("occipital", "frontal"):
            if zone not in zones_seen or not inputs.visits:
                recs.append(
                    Recommendation(
                        f"data_{zone}_photo",
                        f"A {zone} photo (on the same visit as the "
                        f"{'frontal' if zone == 'occipital' else 'occipital'} one) would allow "
                        "the zone-pattern comparison and the Rakowska criteria; the occipital "
                        "area is the reference.",
                        None,
                        "DOMAIN.md §5",
                    )
                )
        if zones_seen >= {"frontal", "occipital"}:
            recs.append(
                Recommendation(
                    "data_same_visit_photos",
                    "Photograph frontal and occipital zones on the same day: they were taken on "
                    "different visits.",
                    None,
                    "DOMAIN.md §5",
                )
            )
    if b12_band == "borderline" and mma is None:
        recs.append(
            Recommendation(
                "data_mma",
                "B12 is borderline: an MMA result would show whether there is a functional "
                "deficiency (raised MMA confirms it) and could change the classification.",
                None,
                "DOMAIN.md §2 (seed 004)",
            )
        )
    if visit is not None and rakowska.met is None:
        needed = ", ".join(
            _MISSING_TEXT[c] for c in rakowska.major_unknown + rakowska.minor_unknown
        )
        recs.append(
            Recommendation(
                "data_trichoscopy",
                f"The Rakowska rule is undecided; measuring {needed} could confirm or exclude "
                "androgenetic alopecia.",
                None,
                "DOMAIN.md §5",
            )
        )
    if inputs.facts.sex not in ("female", "male"):
        recs.append(
            Recommendation(
                "data_sex_for_scale",
                "Record sex (female/male) to estimate a Ludwig or Norwood stage.",
                None,
                "DOMAIN.md §6",
            )
        )
    if start is not None and course.verdict == "insufficient_data":
        recs.append(
            Recommendation(
                "data_more_visits",
                f"Recovery needs a trend: at least {MIN_TREND_VISITS} visits since treatment "
                f"start spanning {MIN_TREND_SPAN_WEEKS} weeks, one of them from month 3 on "
                f"({course.verdict_reason})",
                None,
                "DOMAIN.md §4",
            )
        )
    return recs

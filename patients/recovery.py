"""Expected recovery after B12 correction and the observed course (DOMAIN.md §4, seed 004).

Rules, in short:
- Phases are counted from the treatment start (first B12 correction protocol): weeks 1-4
  (days 0-27), months 2-3 (day 28 to 3 calendar months), months 3-6, months 6-12, then plateau.
- Expected density band, relative to the nadir, is piecewise linear by date (see
  `expected_band`): no gain expected before month 3, +5-15 % by month 6, approaching the first
  visit's density by month 12.
- Visit density is the mean over the zones measured at *every* visit (`comparison_zones`), so a
  visit with more or fewer zones does not fake a change. The mean over all zones measured that
  day is reported too.
- A verdict needs >= 3 visits since treatment start (the last visit in the 12 weeks before it
  counts as the start) spanning >= 8 weeks with one visit from month 3 on. The recent level is
  the median of the last 3 visits, compared with the band at the middle visit's date, widened
  by the noise allowance (`DENSITY_NOISE_FRACTION / sqrt(3)`). A robust (Theil-Sen) slope
  that still falls by more than the allowance after month 3 is "behind" too. One noisy visit
  never decides.
- The nadir used for the band is the lowest 3-visit rolling median (robust to one low outlier);
  the lowest single visit is reported as `nadir` for display.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from scipy.stats import theilslopes

from patients.clinical_inputs import (
    B12_BANDS,
    LabPoint,
    ProtocolPeriod,
    Visit,
    add_months,
    labs_for,
    treatment_start,
)
from patients.clinical_thresholds import (
    B12_NORMAL_ABOVE_PG_ML,
    DENSITY_NOISE_FRACTION,
    EXPECTED_GAIN_BY_MONTH_3,
    EXPECTED_GAIN_BY_MONTH_6,
    EXPECTED_GAP_CLOSED_BY_MONTH_12,
    MIN_TREND_SPAN_WEEKS,
    MIN_TREND_VISITS,
    RECENT_LEVEL_VISITS,
    RECOVERED_MIN_GAIN,
    START_ANCHOR_MAX_WEEKS_BEFORE,
)

RULES_VERSION = "recovery-1.0.0"

Verdict = Literal["on_track", "behind", "ahead", "too_early", "insufficient_data"]


# --- Phases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """An expected recovery phase. Its start and end are offsets from the treatment start in
    calendar months plus days; `end_*` None means open-ended."""

    code: str
    label: str
    start_months: int
    start_days: int
    end_months: int | None
    end_days: int | None
    expectation: str
    source: str

    def starts_on(self, treatment_start: date) -> date:
        return add_months(treatment_start, self.start_months) + timedelta(days=self.start_days)

    def ends_on(self, treatment_start: date) -> date | None:
        """First day after the phase (exclusive end)."""
        if self.end_months is None or self.end_days is None:
            return None
        return add_months(treatment_start, self.end_months) + timedelta(days=self.end_days)


BEFORE_TREATMENT = Phase(
    "before_treatment",
    "Before treatment",
    0,
    0,
    0,
    0,
    "No correction yet: the baseline photos and labs belong here.",
    "DOMAIN.md §4; seed 004 (step 2)",
)

PHASES: tuple[Phase, ...] = (
    Phase(
        "weeks_1_4",
        "Weeks 1-4",
        0,
        0,
        0,
        28,
        "B12 normalises; shedding may continue (follicles already in telogen); no visible change.",
        "DOMAIN.md §4; seed 004",
    ),
    Phase(
        "months_2_3",
        "Months 2-3",
        0,
        28,
        3,
        0,
        "Shedding falls noticeably; new anagen hairs are too short to change density; density "
        "stops falling.",
        "DOMAIN.md §4; seed 004",
    ),
    Phase(
        "months_3_6",
        "Months 3-6",
        3,
        0,
        6,
        0,
        "First measurable density gain: 5-15 % above the nadir if B12 was the main cause.",
        "DOMAIN.md §4; seed 004",
    ),
    Phase(
        "months_6_12",
        "Months 6-12",
        6,
        0,
        12,
        0,
        "Density approaches pre-deficiency levels if no other hair-loss condition is present.",
        "DOMAIN.md §4; seed 004",
    ),
    Phase(
        "plateau",
        "After month 12",
        12,
        0,
        None,
        None,
        "Plateau near baseline; maintenance dose, annual B12 test.",
        "DOMAIN.md §4; seed 004",
    ),
)


def phase_at(treatment_start: date, on: date) -> Phase:
    """The expected phase on a day (BEFORE_TREATMENT before the start)."""
    if on < treatment_start:
        return BEFORE_TREATMENT
    for phase in PHASES:
        end = phase.ends_on(treatment_start)
        if end is None or on < end:
            return phase
    return PHASES[-1]  # pragma: no cover - the last phase is open-ended


def weeks_between(start: date, on: date) -> float:
    return (on - start).days / 7.0


# --- Expected band ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedBand:
    on: date
    low_per_cm2: float
    high_per_cm2: float


def _band_knots(
    treatment_start: date, nadir: float, baseline: float
) -> list[tuple[date, float, float]]:
    """(date, low, high) knots of the expected band, DOMAIN.md §4."""
    top_before = max(baseline, nadir * (1 + EXPECTED_GAIN_BY_MONTH_3[1]))
    low3, high3 = (nadir * (1 + g) for g in EXPECTED_GAIN_BY_MONTH_3)
    low6, high6 = (nadir * (1 + g) for g in EXPECTED_GAIN_BY_MONTH_6)
    low12 = max(low6, nadir + EXPECTED_GAP_CLOSED_BY_MONTH_12 * (baseline - nadir))
    high12 = max(high6, baseline)
    return [
        # Weeks 1 to month 2: density may still fall to the nadir; no gain expected.
        (treatment_start, nadir, top_before),
        (add_months(treatment_start, 2), nadir, top_before),
        (add_months(treatment_start, 3), low3, high3),
        (add_months(treatment_start, 6), low6, high6),
        (add_months(treatment_start, 12), low12, high12),
    ]


def expected_band(
    treatment_start: date, on: date, *, nadir: float, baseline: float
) -> ExpectedBand | None:
    """Expected mean hair density (hairs/cm2) on a day, as a band. `nadir` is the lowest
    density, `baseline` the first (pre-treatment) visit's. None before the treatment start."""
    if on < treatment_start:
        return None
    knots = _band_knots(treatment_start, nadir, baseline)
    for (d0, lo0, hi0), (d1, lo1, hi1) in zip(knots, knots[1:], strict=False):
        if on <= d1:
            t = (on - d0).days / max((d1 - d0).days, 1)
            return ExpectedBand(on, lo0 + t * (lo1 - lo0), hi0 + t * (hi1 - hi0))
    _, lo, hi = knots[-1]
    return ExpectedBand(on, lo, hi)  # plateau


def expected_band_curve(
    treatment_start: date, until: date, *, nadir: float, baseline: float, step_days: int = 7
) -> list[ExpectedBand]:
    """The band sampled every `step_days` from the treatment start to `until` (for charts)."""
    out: list[ExpectedBand] = []
    day = treatment_start
    while day <= until:
        band = expected_band(treatment_start, day, nadir=nadir, baseline=baseline)
        if band is not None:
            out.append(band)
        day += timedelta(days=step_days)
    last = expected_band(treatment_start, until, nadir=nadir, baseline=baseline)
    if last is not None and (not out or out[-1].on != until):
        out.append(last)
    return out


# --- Course -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoursePoint:
    taken_on: date
    zones: tuple[str, ...]
    mean_hair_density_per_cm2: float  # all zones measured that day
    mean_fu_density_per_cm2: float | None
    compared_hair_density_per_cm2: float  # zones common to every visit (see Course)
    compared_fu_density_per_cm2: float | None
    weeks_since_start: float | None
    phase: str | None
    change_from_baseline_pct: float  # of compared density
    change_from_nadir_pct: float


@dataclass(frozen=True)
class Trend:
    visits_used: int
    span_weeks: float
    recent_level_per_cm2: float  # median of the last visits
    recent_level_on: date  # the middle one of those visits
    reference_nadir_per_cm2: float
    gain_over_nadir_pct: float
    expected_low_per_cm2: float
    expected_high_per_cm2: float
    noise_allowance_fraction: float
    slope_pct_per_4_weeks: float  # Theil-Sen, relative to the reference nadir


@dataclass(frozen=True)
class Course:
    rules_version: str
    assessed_on: date
    treatment_start: date | None
    points: tuple[CoursePoint, ...]
    comparison_zones: tuple[str, ...]
    baseline: CoursePoint | None
    nadir: CoursePoint | None
    reference_nadir_per_cm2: float | None  # robust nadir the expected band is drawn from
    weeks_since_start: float | None
    phase: Phase | None
    verdict: Verdict
    verdict_reason: str
    trend: Trend | None
    b12_normalised_on: date | None
    density_recovered_on: date | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _b12_is_normal(point: LabPoint) -> bool:
    if point.band in B12_BANDS:
        return point.band == "normal"
    return point.value > B12_NORMAL_ABOVE_PG_ML


def b12_normalised_on(labs: Sequence[LabPoint], start: date | None) -> date | None:
    """First B12 result in the normal band (default > 300 pg/mL) on or after the start."""
    if start is None:
        return None
    for point in labs_for(labs, "b12"):
        if point.collected_on >= start and _b12_is_normal(point):
            return point.collected_on
    return None


def _rolling_medians(values: Sequence[float], window: int) -> list[float]:
    if len(values) < window:
        return [statistics.median(values)] if values else []
    return [
        statistics.median(values[i - window + 1 : i + 1]) for i in range(window - 1, len(values))
    ]


def robust_nadir(values: Sequence[float]) -> float | None:
    """The lowest median of `RECENT_LEVEL_VISITS` consecutive visits."""
    medians = _rolling_medians(values, RECENT_LEVEL_VISITS)
    return min(medians) if medians else None


def derive_course(
    visits: Sequence[Visit],
    labs: Sequence[LabPoint],
    protocols: Sequence[ProtocolPeriod],
    *,
    today: date,
) -> Course:
    notes: list[str] = []
    start = treatment_start(protocols)
    visits = sorted(
        (v for v in visits if v.zones and v.taken_on <= today), key=lambda v: v.taken_on
    )

    zone_sets = [set(v.zones) for v in visits]
    common = set.intersection(*zone_sets) if zone_sets else set()
    comparison_zones = tuple(sorted(common))
    if visits and not common:
        notes.append(
            "The visits share no zone: densities are means over different zones and may not be "
            "comparable; photograph the same zones at every visit."
        )
    elif visits and any(s != common for s in zone_sets):
        notes.append(
            "Not every zone was photographed at every visit: changes are computed over the zones "
            f"measured every time ({', '.join(comparison_zones)})."
        )

    raw: list[tuple[Visit, float, float | None, float, float | None]] = []
    for v in visits:
        all_zones = list(v.zones.values())
        cmp_zones = [v.zones[z] for z in comparison_zones] if comparison_zones else all_zones
        raw.append(
            (
                v,
                _mean([m.hair_density_per_cm2 for m in all_zones]) or 0.0,
                _mean([m.fu_density_per_cm2 for m in all_zones]),
                _mean([m.hair_density_per_cm2 for m in cmp_zones]) or 0.0,
                _mean([m.fu_density_per_cm2 for m in cmp_zones]),
            )
        )

    points: list[CoursePoint] = []
    if raw:
        base_value = raw[0][3]
        nadir_value = min(r[3] for r in raw)
        for v, mean_h, mean_fu, cmp_h, cmp_fu in raw:
            points.append(
                CoursePoint(
                    taken_on=v.taken_on,
                    zones=tuple(sorted(v.zones)),
                    mean_hair_density_per_cm2=mean_h,
                    mean_fu_density_per_cm2=mean_fu,
                    compared_hair_density_per_cm2=cmp_h,
                    compared_fu_density_per_cm2=cmp_fu,
                    weeks_since_start=weeks_between(start, v.taken_on) if start else None,
                    phase=phase_at(start, v.taken_on).code if start else None,
                    change_from_baseline_pct=_pct(cmp_h, base_value),
                    change_from_nadir_pct=_pct(cmp_h, nadir_value),
                )
            )
    baseline = points[0] if points else None
    nadir = min(points, key=lambda p: p.compared_hair_density_per_cm2) if points else None
    values = [p.compared_hair_density_per_cm2 for p in points]
    ref_nadir = robust_nadir(values)

    normalised = b12_normalised_on(labs, start)
    recovered = _density_recovered_on(points, start, baseline)

    verdict, reason, trend = _verdict(points, start, today, ref_nadir, baseline)
    return Course(
        rules_version=RULES_VERSION,
        assessed_on=today,
        treatment_start=start,
        points=tuple(points),
        comparison_zones=comparison_zones,
        baseline=baseline,
        nadir=nadir,
        reference_nadir_per_cm2=ref_nadir,
        weeks_since_start=weeks_between(start, today) if start else None,
        phase=phase_at(start, today) if start else None,
        verdict=verdict,
        verdict_reason=reason,
        trend=trend,
        b12_normalised_on=normalised,
        density_recovered_on=recovered,
        notes=tuple(notes),
    )


def _pct(value: float, reference: float) -> float:
    return (value - reference) / reference * 100.0 if reference else 0.0


def _trend_points(points: Sequence[CoursePoint], start: date) -> list[CoursePoint]:
    """The last visit on or before the start (the starting level, if recent) and every visit
    after it."""
    earliest = start - timedelta(weeks=START_ANCHOR_MAX_WEEKS_BEFORE)
    before = [p for p in points if earliest <= p.taken_on <= start]
    after = [p for p in points if p.taken_on > start]
    return before[-1:] + after


def _density_recovered_on(
    points: Sequence[CoursePoint], start: date | None, baseline: CoursePoint | None
) -> date | None:
    """First visit after the start whose 3-visit median reaches max(first visit, nadir so far
    + RECOVERED_MIN_GAIN) (product rule, clinical_thresholds)."""
    if start is None or baseline is None:
        return None
    values = [p.compared_hair_density_per_cm2 for p in points]
    for i in range(RECENT_LEVEL_VISITS - 1, len(points)):
        if points[i].taken_on <= start:
            continue
        window = values[i - RECENT_LEVEL_VISITS + 1 : i + 1]
        nadir_so_far = robust_nadir(values[: i + 1]) or min(values[: i + 1])
        target = max(
            baseline.compared_hair_density_per_cm2, nadir_so_far * (1 + RECOVERED_MIN_GAIN)
        )
        if statistics.median(window) >= target:
            return points[i].taken_on
    return None


def _verdict(
    points: Sequence[CoursePoint],
    start: date | None,
    today: date,
    ref_nadir: float | None,
    baseline: CoursePoint | None,
) -> tuple[Verdict, str, Trend | None]:
    if not points or ref_nadir is None or baseline is None:
        return "insufficient_data", "No photo visits yet.", None
    if start is None:
        return (
            "insufficient_data",
            "No B12 treatment protocol recorded: recovery is judged from the treatment start.",
            None,
        )
    if today < start:
        return "too_early", f"Treatment starts on {start}: nothing to judge yet.", None
    month3 = add_months(start, 3)
    if today < month3:
        phase = phase_at(start, today)
        return (
            "too_early",
            f"{phase.label} after treatment start: no measurable density gain is expected before "
            "month 3 (DOMAIN.md §4).",
            None,
        )
    trend_pts = _trend_points(points, start)
    span = weeks_between(trend_pts[0].taken_on, trend_pts[-1].taken_on) if trend_pts else 0.0
    if len(trend_pts) < MIN_TREND_VISITS or span < MIN_TREND_SPAN_WEEKS:
        return (
            "insufficient_data",
            f"A trend needs at least {MIN_TREND_VISITS} visits since treatment start spanning "
            f"{MIN_TREND_SPAN_WEEKS} weeks (have {len(trend_pts)} over {span:.0f} weeks); single "
            "visits are within measurement noise (DOMAIN.md §4).",
            None,
        )
    if trend_pts[-1].taken_on < month3:
        return (
            "insufficient_data",
            "No visit since month 3 of treatment: the recovery phase has not been photographed.",
            None,
        )

    recent = trend_pts[-RECENT_LEVEL_VISITS:]
    level = statistics.median(p.compared_hair_density_per_cm2 for p in recent)
    level_on = recent[len(recent) // 2].taken_on
    band = expected_band(
        start, level_on, nadir=ref_nadir, baseline=baseline.compared_hair_density_per_cm2
    )
    assert band is not None  # level_on is after the start: trend points after it exist
    allowance = DENSITY_NOISE_FRACTION / math.sqrt(len(recent))

    days = [(p.taken_on - start).days for p in trend_pts]
    ys = [p.compared_hair_density_per_cm2 for p in trend_pts]
    slope_per_day = float(theilslopes(ys, days)[0]) if len(set(days)) > 1 else 0.0
    slope_pct = slope_per_day * 28 / ref_nadir * 100.0
    # Fall over the part of the trend from month 3 on (density should have stopped falling).
    late_days = max(days[-1] - max(days[0], (month3 - start).days), 0)
    still_falling = slope_per_day * late_days < -allowance * ref_nadir

    trend = Trend(
        visits_used=len(trend_pts),
        span_weeks=span,
        recent_level_per_cm2=level,
        recent_level_on=level_on,
        reference_nadir_per_cm2=ref_nadir,
        gain_over_nadir_pct=_pct(level, ref_nadir),
        expected_low_per_cm2=band.low_per_cm2,
        expected_high_per_cm2=band.high_per_cm2,
        noise_allowance_fraction=allowance,
        slope_pct_per_4_weeks=slope_pct,
    )
    phase = phase_at(start, level_on)
    described = (
        f"median of the last {len(recent)} visits {level:.0f} hairs/cm2 "
        f"({trend.gain_over_nadir_pct:+.1f} % vs nadir {ref_nadir:.0f}) at week "
        f"{weeks_between(start, level_on):.0f} ({phase.label}); expected "
        f"{band.low_per_cm2:.0f}-{band.high_per_cm2:.0f} (+- {allowance * 100:.1f} % noise)"
    )
    if still_falling:
        return (
            "behind",
            f"Density is still falling after month 3 (Theil-Sen {slope_pct:+.1f} % per 4 weeks); "
            f"{described}.",
            trend,
        )
    if level < band.low_per_cm2 * (1 - allowance):
        return "behind", f"Below the expected recovery: {described}.", trend
    if level > band.high_per_cm2 * (1 + allowance):
        return "ahead", f"Above the expected recovery: {described}.", trend
    return "on_track", f"Within the expected recovery: {described}.", trend

"""Norwood-Hamilton (men) and Ludwig (women) stages *estimated from zone density ratios*.

Method (DOMAIN.md §5, §6): the occipital area is the reference (donor area, least affected in
androgenetic alopecia). Each zone's density is divided by the occipital density and by the zone's
normal ratio (temporal is normally ~0.81 of frontal), giving a relative density. Relative
densities are graded 0 normal (>= 0.85), 1 reduced, 2 marked (< 0.60), 3 lost (< 0.30), and the
pattern of grades maps to a stage:

Norwood: F = frontal, T = temporal (mean of left/right), M = midscalp (the band between frontal
and vertex), V = vertex.
- F >= 2 and V >= 2 and M == 3 and T >= 2: VII (only a wreath at the sides and back)
- F >= 2 and V >= 2 and M == 3: VI (the band is lost)
- F >= 2 and V >= 2 and M == 2: V (the band thins)
- F >= 2 and V >= 2: IV (frontal and vertex loss separated by a preserved band)
- V >= 1 and any of T, F >= 1: III vertex; V >= 1 alone: III vertex (crown only)
- T >= 2 or F >= 2: III (deep recession)
- T >= 1 or F >= 1: II (slight recession)
- otherwise I
Ludwig: crown = worse of midscalp and vertex, frontal must be preserved (F <= 1): crown grade
1 -> I, 2 -> II, 3 -> III; crown 0 -> no Ludwig pattern.

This is an estimate from density ratios, not a visual grading; even visual grading agrees only
moderately between raters (ICC 0.63-0.68). Diffuse loss (B12 deficiency, telogen effluvium)
reduces the occipital area too, so it keeps the ratios near normal and grades as I / none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from patients.clinical_inputs import ZoneMeasurement
from patients.clinical_thresholds import (
    LOST_BELOW,
    MARKED_BELOW,
    NORMAL_RATIO_TO_OCCIPITAL,
    NORWOOD_GRAFT_RANGES,
    REDUCED_BELOW,
    SCALE_RATER_ICC,
)

RULES_VERSION = "scales-1.0.0"

ScaleName = Literal["norwood", "ludwig"]

METHOD_NOTE = (
    "Estimated from zone density ratios against the occipital (donor) area, not a visual "
    f"grading; visual grading itself agrees only moderately between raters (ICC "
    f"{SCALE_RATER_ICC[0]:.2f}-{SCALE_RATER_ICC[1]:.2f}, DOMAIN.md §6). Confirm clinically."
)

_LEVEL_NAMES = ("normal", "reduced", "marked", "lost")


@dataclass(frozen=True)
class ScaleEstimate:
    """A stage estimate; `stage` None means no estimate (see `reason`)."""

    scale: ScaleName
    stage: str | None
    reason: str
    relative_density: Mapping[str, float] = field(default_factory=dict)  # zone -> ratio/normal
    levels: Mapping[str, str] = field(default_factory=dict)  # zone -> normal|reduced|marked|lost
    graft_range: tuple[int, int] | None = None
    graft_source: str | None = None
    method_note: str = METHOD_NOTE
    rules_version: str = RULES_VERSION

    @property
    def available(self) -> bool:
        return self.stage is not None


def _level(relative: float) -> int:
    if relative < LOST_BELOW:
        return 3
    if relative < MARKED_BELOW:
        return 2
    if relative < REDUCED_BELOW:
        return 1
    return 0


def relative_densities(zones: Mapping[str, ZoneMeasurement]) -> tuple[dict[str, float], list[str]]:
    """Relative density (zone / occipital / normal ratio) of frontal, temporal (mean of the
    sides measured), midscalp and vertex; and the zones missing for that."""
    missing: list[str] = []
    occ = zones.get("occipital")
    if occ is None or occ.hair_density_per_cm2 <= 0:
        return {}, ["occipital"]
    reference = occ.hair_density_per_cm2
    densities: dict[str, float] = {}
    for zone in ("frontal", "midscalp", "vertex"):
        if zone in zones:
            densities[zone] = zones[zone].hair_density_per_cm2
        else:
            missing.append(zone)
    sides = [
        zones[z].hair_density_per_cm2 for z in ("temporal_left", "temporal_right") if z in zones
    ]
    if sides:
        densities["temporal"] = sum(sides) / len(sides)
    else:
        missing.append("temporal_left or temporal_right")
    relative = {
        zone: value / reference / NORMAL_RATIO_TO_OCCIPITAL[zone]
        for zone, value in densities.items()
    }
    return relative, missing


def estimate_norwood(zones: Mapping[str, ZoneMeasurement]) -> ScaleEstimate:
    relative, missing = relative_densities(zones)
    if missing:
        return ScaleEstimate(
            "norwood",
            None,
            f"Missing zones for a Norwood estimate: {', '.join(missing)}.",
            relative_density=relative,
        )
    lv = {zone: _level(r) for zone, r in relative.items()}
    f, t, m, v = lv["frontal"], lv["temporal"], lv["midscalp"], lv["vertex"]
    if f >= 2 and v >= 2 and m == 3 and t >= 2:
        stage, why = "VII", "frontal, midscalp and vertex lost and temporal markedly reduced"
    elif f >= 2 and v >= 2 and m == 3:
        stage, why = "VI", "frontal and vertex loss joined: the midscalp band is lost"
    elif f >= 2 and v >= 2 and m == 2:
        stage, why = "V", "frontal and vertex loss with a thinning midscalp band"
    elif f >= 2 and v >= 2:
        stage, why = "IV", "frontal and vertex loss separated by a preserved midscalp band"
    elif v >= 1 and (t >= 1 or f >= 1):
        stage, why = "III vertex", "temporal/frontal recession with crown loss"
    elif v >= 1:
        stage, why = "III vertex", "crown loss without temporal recession"
    elif t >= 2 or f >= 2:
        stage, why = "III", "deep temporal/frontal recession"
    elif t >= 1 or f >= 1:
        stage, why = "II", "slight temporal/frontal recession"
    else:
        stage, why = "I", "no patterned reduction against the occipital area"
    grafts = NORWOOD_GRAFT_RANGES.get(stage)
    return ScaleEstimate(
        "norwood",
        stage,
        f"Norwood {stage} (estimate): {why}.",
        relative_density=relative,
        levels={zone: _LEVEL_NAMES[n] for zone, n in lv.items()},
        graft_range=grafts,
        graft_source=(
            "Typical first-session grafts, Bernstein Medical (DOMAIN.md §6)"
            if grafts
            else "No typical graft estimate for this stage in DOMAIN.md §6"
        ),
    )


def estimate_ludwig(zones: Mapping[str, ZoneMeasurement]) -> ScaleEstimate:
    relative, missing = relative_densities(zones)
    missing = [z for z in missing if not z.startswith("temporal")]  # temporal is optional here
    if missing:
        return ScaleEstimate(
            "ludwig",
            None,
            f"Missing zones for a Ludwig estimate: {', '.join(missing)}.",
            relative_density=relative,
        )
    lv = {zone: _level(r) for zone, r in relative.items()}
    crown = max(lv["midscalp"], lv["vertex"])
    levels = {zone: _LEVEL_NAMES[n] for zone, n in lv.items()}
    if lv["frontal"] >= 2:
        return ScaleEstimate(
            "ludwig",
            None,
            "Frontal density is markedly reduced: the frontal hairline is not preserved, so the "
            "pattern is not Ludwig-type (consider a male-type pattern or diffuse loss).",
            relative_density=relative,
            levels=levels,
        )
    if crown == 0:
        return ScaleEstimate(
            "ludwig",
            "none",
            "No crown (midscalp/vertex) reduction against the occipital area: no Ludwig pattern.",
            relative_density=relative,
            levels=levels,
        )
    stage = ("I", "II", "III")[crown - 1]
    why = ("crown thinning", "pronounced crown thinning", "crown essentially bald")[crown - 1]
    return ScaleEstimate(
        "ludwig",
        stage,
        f"Ludwig {stage} (estimate): {why} behind a preserved frontal area.",
        relative_density=relative,
        levels=levels,
        graft_range=None,
        graft_source="DOMAIN.md §6 gives graft estimates for Norwood stages only",
    )


def estimate_scale(zones: Mapping[str, ZoneMeasurement], sex: str) -> ScaleEstimate | None:
    """Norwood for men, Ludwig for women; None when sex is other/unknown."""
    if sex == "male":
        return estimate_norwood(zones)
    if sex == "female":
        return estimate_ludwig(zones)
    return None


def is_patterned(estimate: ScaleEstimate | None) -> bool:
    """Whether the estimate shows a patterned (androgenetic-type) loss: Norwood III or more
    (II, slight recession, is common in adult men and within measurement noise), Ludwig I or
    more."""
    if estimate is None or estimate.stage is None:
        return False
    if estimate.scale == "norwood":
        return estimate.stage not in ("I", "II")
    return estimate.stage != "none"

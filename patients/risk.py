"""B12-deficiency risk factors from a patient's facts (DOMAIN.md §1).

Each factor carries why it matters and where that comes from. The level is a simple weighted
count (product rule, see `FACTOR_WEIGHTS` and `LEVEL_CUTOFFS`): it orders patients for follow-up,
it is not a probability.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from patients.clinical_inputs import PatientFacts, age_on

RULES_VERSION = "risk-1.0.0"

RiskLevel = Literal["none", "low", "elevated", "high"]

AGE_OVER_50 = 50  # seed 004: "adults over 50" (reduced stomach acid)
AGE_60_OR_OLDER = 60  # seed 000: "60 years of age or older"


@dataclass(frozen=True)
class RiskFactor:
    code: str
    label: str
    why: str
    source: str


@dataclass(frozen=True)
class RiskSummary:
    factors: list[RiskFactor]
    level: RiskLevel
    notes: list[str] = field(default_factory=list)
    rules_version: str = RULES_VERSION


# code -> (label, why, source) for the boolean facts.
_BOOLEAN_FACTORS: dict[str, tuple[str, str, str]] = {
    "metformin": (
        "Metformin",
        "Metformin reduces B12 absorption by 10-30 % (DOMAIN.md §1)",
        "DOMAIN.md §1; seeds 000, 004",
    ),
    "proton_pump_inhibitor": (
        "Proton pump inhibitor",
        "Long-term PPI use reduces the stomach acid needed to absorb B12 (DOMAIN.md §1)",
        "DOMAIN.md §1; seeds 000, 004",
    ),
    "h2_blocker": (
        "H2 blocker",
        "H2 blockers lower stomach acid and so B12 absorption (DOMAIN.md §1)",
        "DOMAIN.md §1; seed 000",
    ),
    "atrophic_gastritis": (
        "Atrophic gastritis",
        "Atrophic gastritis reduces stomach acid and intrinsic factor (DOMAIN.md §1)",
        "DOMAIN.md §1; seed 000",
    ),
    "pernicious_anaemia": (
        "Pernicious anaemia",
        "Pernicious anaemia blocks B12 absorption (no intrinsic factor) (DOMAIN.md §1)",
        "DOMAIN.md §1; seed 000",
    ),
    "crohns_or_coeliac": (
        "Crohn's or coeliac disease",
        "Intestinal inflammation impairs B12 absorption (DOMAIN.md §1)",
        "DOMAIN.md §1; seeds 000, 004",
    ),
    "autoimmune_disease": (
        "Autoimmune disease",
        "Autoimmune disorders such as Graves disease or lupus are a B12 risk group (DOMAIN.md §1)",
        "DOMAIN.md §1; seed 000",
    ),
    "gastric_surgery": (
        "Gastric bypass or other GI surgery",
        "Surgery reduces the absorptive surface for B12 (DOMAIN.md §1)",
        "DOMAIN.md §1; seeds 000, 004",
    ),
    "heavy_alcohol_use": (
        "Heavy alcohol use",
        "Alcohol disrupts B12 metabolism and storage (DOMAIN.md §1)",
        "DOMAIN.md §1; seed 004",
    ),
}

# Product rule: direct absorption failures weigh most; the level is the summed weight.
FACTOR_WEIGHTS: dict[str, int] = {
    "pernicious_anaemia": 4,
    "atrophic_gastritis": 3,
    "gastric_surgery": 3,
    "crohns_or_coeliac": 2,
    "vegan": 2,
    "metformin": 2,
    "age_60_or_older": 2,
}
DEFAULT_FACTOR_WEIGHT = 1
# Summed weight -> level: 0 none, 1 low, 2-3 elevated, >= 4 high (product rule).
LEVEL_CUTOFFS: tuple[tuple[int, RiskLevel], ...] = ((4, "high"), (2, "elevated"), (1, "low"))


def risk_summary(facts: PatientFacts, *, today: date) -> RiskSummary:
    factors: list[RiskFactor] = []
    notes: list[str] = []

    if facts.date_of_birth is None:
        notes.append("Date of birth not recorded: age (over 50 / 60 or older) not assessed.")
    else:
        age = age_on(facts.date_of_birth, today)
        if age >= AGE_60_OR_OLDER:
            factors.append(
                RiskFactor(
                    "age_60_or_older",
                    f"Age {age} (60 or older)",
                    "Seed 000 names adults 60 or older, seed 004 adults over 50: reduced stomach "
                    "acid impairs B12 absorption (DOMAIN.md §1)",
                    "DOMAIN.md §1; seeds 000, 004",
                )
            )
        elif age > AGE_OVER_50:
            factors.append(
                RiskFactor(
                    "age_over_50",
                    f"Age {age} (over 50)",
                    "Seed 004 names adults over 50: reduced stomach acid impairs B12 absorption; "
                    "seed 000 only from 60 (DOMAIN.md §1)",
                    "DOMAIN.md §1; seed 004",
                )
            )

    if facts.diet == "vegan":
        factors.append(
            RiskFactor(
                "vegan",
                "Vegan diet",
                "B12 is found almost only in animal products (DOMAIN.md §1)",
                "DOMAIN.md §1; seeds 003, 004",
            )
        )
    elif facts.diet == "vegetarian":
        factors.append(
            RiskFactor(
                "vegetarian",
                "Vegetarian diet",
                "B12 comes mostly from animal products; intake is often low (DOMAIN.md §1)",
                "DOMAIN.md §1; seeds 003, 004",
            )
        )

    for code, (label, why, source) in _BOOLEAN_FACTORS.items():
        if getattr(facts, code):
            factors.append(RiskFactor(code, label, why, source))

    weight = sum(FACTOR_WEIGHTS.get(f.code, DEFAULT_FACTOR_WEIGHT) for f in factors)
    level: RiskLevel = "none"
    for cutoff, name in LEVEL_CUTOFFS:
        if weight >= cutoff:
            level = name
            break
    return RiskSummary(factors=factors, level=level, notes=notes)

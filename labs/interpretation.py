"""Interpreting canonical lab values against a threshold set, and the combined B12/MMA status.

Band vocabulary (what the API returns): B12 is ``deficient`` | ``borderline`` | ``normal``; every
other analyte is ``low`` | ``normal`` | ``high``. Finer readings that vocabulary cannot carry
(holoTC "indeterminate", ferritin "suboptimal", ...) are ``flags``.

Boundary convention (see ``labs.analytes``): below ``low_cutoff`` is low/deficient, from
``low_cutoff`` to ``normal_above`` inclusive is the grey zone (B12 borderline), above
``high_cutoff`` is high. So B12 199.99 is deficient, 200 and 300 are borderline, 300.01 normal;
MCV 100 is normal, 100.01 macrocytic.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from labs.analytes import (
    DEFAULT_THRESHOLDS,
    Analyte,
    AnalyteSpec,
    AnalyteThresholds,
    Sex,
    ThresholdSet,
    get_analyte,
)
from labs.decimals import fmt
from labs.errors import ClinicalValidationError, parse_choice
from labs.units import validate_plausible

__all__ = [
    "AnalyteThresholds",
    "B12Status",
    "Band",
    "DEFAULT_THRESHOLDS",
    "Flag",
    "FLAG_RULES",
    "Interpretation",
    "InterpretationContext",
    "ThresholdSet",
    "b12_status",
    "interpret",
]


class Band(StrEnum):
    DEFICIENT = "deficient"  # B12 only
    BORDERLINE = "borderline"  # B12 only
    NORMAL = "normal"
    LOW = "low"
    HIGH = "high"


class Flag(StrEnum):
    HAIR_LOSS_CAUSE_TO_RULE_OUT = "hair_loss_cause_to_rule_out"  # ferritin < 30, folate < 3
    SUBOPTIMAL = "suboptimal"  # ferritin 30-40
    INDETERMINATE = "indeterminate"  # holoTC 25-70
    THYROID_DYSFUNCTION_TO_RULE_OUT = "thyroid_dysfunction_to_rule_out"  # TSH outside 0.4-4.5
    RAISED = "raised"  # homocysteine > 15
    ELEVATED = "elevated"  # MMA > 400 nmol/L
    KIDNEY_IMPAIRMENT_RAISES_MMA = "kidney_impairment_raises_mma"  # MMA elevated, renal disease
    MACROCYTOSIS = "macrocytosis"  # MCV > 100
    MICROCYTOSIS = "microcytosis"  # MCV < 80
    ANAEMIA = "anaemia"  # haemoglobin below the cutoff


class _Zone(StrEnum):
    LOW = "low"
    GREY = "grey"
    NORMAL = "normal"
    HIGH = "high"


# Which flags each zone raises, per analyte. Flags follow the threshold set in use, so a clinic's
# own cutoffs move them too. Sources: DOMAIN.md §2 L33-L39.
FLAG_RULES: dict[Analyte, dict[_Zone, tuple[Flag, ...]]] = {
    Analyte.MMA: {_Zone.HIGH: (Flag.ELEVATED,)},
    Analyte.HOLOTC: {_Zone.GREY: (Flag.INDETERMINATE,)},
    Analyte.HOMOCYSTEINE: {_Zone.HIGH: (Flag.RAISED,)},
    # Folate deficiency is one of the "other deficiencies" behind hair loss (DOMAIN.md §1).
    Analyte.FOLATE: {_Zone.LOW: (Flag.HAIR_LOSS_CAUSE_TO_RULE_OUT,)},
    Analyte.FERRITIN: {
        _Zone.LOW: (Flag.HAIR_LOSS_CAUSE_TO_RULE_OUT,),
        _Zone.GREY: (Flag.SUBOPTIMAL,),
    },
    Analyte.TSH: {
        _Zone.LOW: (Flag.THYROID_DYSFUNCTION_TO_RULE_OUT,),
        _Zone.HIGH: (Flag.THYROID_DYSFUNCTION_TO_RULE_OUT,),
    },
    Analyte.HAEMOGLOBIN: {_Zone.LOW: (Flag.ANAEMIA,)},
    Analyte.MCV: {_Zone.LOW: (Flag.MICROCYTOSIS,), _Zone.HIGH: (Flag.MACROCYTOSIS,)},
}

# How the grey zone reads in a sentence, where the analyte has one.
_GREY_ZONE_WORDS = {
    Analyte.B12: "borderline",
    Analyte.HOLOTC: "indeterminate (deficiency neither confirmed nor excluded)",
    Analyte.FERRITIN: "suboptimal",
}

_B12_BANDS = {_Zone.LOW: Band.DEFICIENT, _Zone.GREY: Band.BORDERLINE, _Zone.NORMAL: Band.NORMAL}
_OTHER_BANDS = {
    _Zone.LOW: Band.LOW,
    _Zone.GREY: Band.NORMAL,
    _Zone.NORMAL: Band.NORMAL,
    _Zone.HIGH: Band.HIGH,
}


@dataclass(frozen=True, slots=True)
class InterpretationContext:
    """What is known about the patient that changes a reading. ``kidney_impairment``: True,
    False, or None for not recorded."""

    sex: Sex | None = None
    kidney_impairment: bool | None = None


@dataclass(frozen=True, slots=True)
class Interpretation:
    analyte: Analyte
    value: Decimal  # canonical
    unit: str  # canonical unit
    band: Band
    reason: str
    threshold_set: str  # name of the set that supplied the thresholds
    flags: tuple[Flag, ...]
    thresholds: AnalyteThresholds


def _zone(value: Decimal, t: AnalyteThresholds) -> _Zone:
    if t.low_cutoff is not None and value < t.low_cutoff:
        return _Zone.LOW
    if t.high_cutoff is not None and value > t.high_cutoff:
        return _Zone.HIGH
    if t.normal_above is not None and value <= t.normal_above:
        return _Zone.GREY
    return _Zone.NORMAL


def _select(
    analyte: Analyte, thresholds: ThresholdSet | None, sex: Sex | None
) -> tuple[ThresholdSet, AnalyteThresholds]:
    for candidate in (thresholds, DEFAULT_THRESHOLDS):
        if candidate is None:
            continue
        entry = candidate.lookup(analyte, sex)
        if entry is not None:
            return candidate, entry
    raise ClinicalValidationError(
        "analyte", f"No thresholds are configured for {analyte.value}.", "not_interpretable"
    )


def _reason(
    spec: AnalyteSpec,
    value: Decimal,
    zone: _Zone,
    band: Band,
    t: AnalyteThresholds,
    set_name: str,
) -> str:
    unit = spec.canonical_unit.code

    def q(cutoff: Decimal | None) -> str:
        return f"{fmt(cutoff)} {unit}" if cutoff is not None else ""

    if zone is _Zone.LOW:
        why = f"below the cutoff of {q(t.low_cutoff)}"
    elif zone is _Zone.HIGH:
        why = f"above the cutoff of {q(t.high_cutoff)}"
    elif zone is _Zone.GREY:
        why = f"between {q(t.low_cutoff)} and {q(t.normal_above)} inclusive"
    elif t.normal_above is not None:
        why = f"above {q(t.normal_above)}" + (
            f" and not above {q(t.high_cutoff)}" if t.high_cutoff is not None else ""
        )
    elif t.low_cutoff is not None and t.high_cutoff is not None:
        why = f"within {fmt(t.low_cutoff)}-{q(t.high_cutoff)} inclusive"
    elif t.low_cutoff is not None:
        why = f"at or above the cutoff of {q(t.low_cutoff)}"
    else:
        why = f"not above the cutoff of {q(t.high_cutoff)}"
    reading = band.value
    if zone is _Zone.GREY:
        reading = _GREY_ZONE_WORDS.get(spec.analyte, reading)
    source = f"{set_name}; source: {t.source}" if t.source else set_name
    sentence = f"{spec.display_name} of {fmt(value)} {unit} is {reading}: {why} ({source})."
    if spec.analyte is Analyte.MMA and zone is _Zone.HIGH:
        sentence += " Kidney impairment also raises MMA."
    return sentence


def interpret(
    analyte: Analyte | str,
    canonical_value: Decimal | int | str,
    *,
    thresholds: ThresholdSet | None = None,
    context: InterpretationContext | None = None,
) -> Interpretation:
    """Interpret a value in the analyte's canonical unit.

    ``thresholds``: a clinic's set; analytes it does not cover use ``DEFAULT_THRESHOLDS`` (and
    ``threshold_set`` then names the default set). ``context.sex`` picks sex-specific entries
    (haemoglobin). Raises ClinicalValidationError for an unknown analyte (``analyte``) or an
    impossible value (``value``)."""
    spec = get_analyte(analyte)
    value = validate_plausible(spec.analyte, canonical_value)
    ctx = context or InterpretationContext()
    used_set, entry = _select(spec.analyte, thresholds, ctx.sex)
    zone = _zone(value, entry)
    band = (_B12_BANDS if spec.analyte is Analyte.B12 else _OTHER_BANDS)[zone]
    flags = FLAG_RULES.get(spec.analyte, {}).get(zone, ())
    if spec.analyte is Analyte.MMA and zone is _Zone.HIGH and ctx.kidney_impairment:
        flags = (*flags, Flag.KIDNEY_IMPAIRMENT_RAISES_MMA)
    return Interpretation(
        analyte=spec.analyte,
        value=value,
        unit=spec.canonical_unit.code,
        band=band,
        reason=_reason(spec, value, zone, band, entry, used_set.name),
        threshold_set=used_set.name,
        flags=flags,
        thresholds=entry,
    )


class B12Status(NamedTuple):
    status: Band  # deficient | borderline | normal
    reason: str


_KIDNEY_CAVEAT = " Kidney impairment also raises MMA: check renal function."


def b12_status(
    b12_band: Band | str,
    mma_canonical_nmol_per_l: Decimal | int | str | None,
    *,
    thresholds: ThresholdSet | None = None,
    context: InterpretationContext | None = None,
) -> B12Status:
    """The B12 reading combined with MMA (DOMAIN.md §2 L33, seed 004).

    - No MMA: the B12 band stands.
    - MMA raised (above the set's MMA cutoff, default 400 nmol/L): confirms functional deficiency,
      so borderline becomes deficient; with a normal B12 the result is discordant and reads
      borderline (review). If ``context.kidney_impairment`` is True, a raised MMA confirms
      nothing (kidney impairment raises it too) and the B12 band stands.
    - MMA not raised: the B12 band stands (a normal MMA does not overrule a low serum B12).
    """
    band = parse_choice(Band, b12_band, "b12_band")
    if band not in _B12_BANDS.values():
        raise ClinicalValidationError(
            "b12_band", f"{band.value!r} is not a B12 band.", "invalid_choice"
        )
    if mma_canonical_nmol_per_l is None:
        return B12Status(band, f"No MMA result: the B12 reading ({band.value}) stands.")
    ctx = context or InterpretationContext()
    mma = interpret(Analyte.MMA, mma_canonical_nmol_per_l, thresholds=thresholds, context=ctx)
    cutoff = mma.thresholds.high_cutoff
    mma_text = f"MMA {fmt(mma.value)} nmol/L"
    if mma.band is not Band.HIGH:
        limit = f" (not above {fmt(cutoff)} nmol/L)" if cutoff is not None else ""
        return B12Status(
            band, f"{mma_text} is not raised{limit}: the B12 reading ({band.value}) stands."
        )
    raised = f"{mma_text} is raised (above {fmt(cutoff)} nmol/L, {mma.threshold_set})"
    caveat = "" if ctx.kidney_impairment is False else _KIDNEY_CAVEAT
    if ctx.kidney_impairment:
        return B12Status(
            band,
            f"{raised}, but kidney impairment is recorded and raises MMA too, so it does not "
            f"confirm functional B12 deficiency: the B12 reading ({band.value}) stands.",
        )
    if band is Band.DEFICIENT:
        return B12Status(Band.DEFICIENT, f"{raised}, consistent with the deficient B12.{caveat}")
    if band is Band.BORDERLINE:
        return B12Status(
            Band.DEFICIENT,
            f"{raised}: it confirms functional B12 deficiency although B12 is borderline "
            f"(DOMAIN.md §2, seed 004).{caveat}",
        )
    return B12Status(
        Band.BORDERLINE,
        f"{raised} while B12 is normal: discordant, functional deficiency neither confirmed nor "
        f"excluded; read as borderline and review.{caveat}",
    )

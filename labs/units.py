"""Unit resolution, exact Decimal conversion to and from canonical units, plausibility checks and
the collection-date check for lab results.

Rounding: canonical values are quantized to 4 decimal places, ROUND_HALF_EVEN
(``labs.decimals``); ``from_canonical`` quantizes to the target unit's ``places``. A value reported
with at most ``UnitSpec.places`` decimals survives ``from_canonical(to_canonical(v))`` unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from labs.analytes import CATALOGUE, Analyte, AnalyteSpec, UnitSpec, get_analyte
from labs.decimals import CANONICAL_PLACES, CONTEXT, as_decimal, fmt, quantize
from labs.errors import ClinicalValidationError
from labs.windows import CLOCK_SKEW

D = TypeVar("D", bound=date)

_SPELLING_FOLDS = str.maketrans({"µ": "u", "μ": "u", "³": "3", "[": None, "]": None})


def unit_key(text: str) -> str:
    """How unit spellings are compared: case, spaces, micro signs (µ, μ -> u) and the UCUM
    brackets of [IU] do not matter, so "mIU/L", "m[IU]/L" and " miu / l " are one unit."""
    return "".join(text.split()).translate(_SPELLING_FOLDS).casefold()


def _build_index() -> dict[tuple[Analyte, str], UnitSpec]:
    index: dict[tuple[Analyte, str], UnitSpec] = {}
    for spec in CATALOGUE.values():
        for unit in spec.units:
            for spelling in unit.spellings:
                key = (spec.analyte, unit_key(spelling))
                if index.setdefault(key, unit) is not unit:
                    raise RuntimeError(f"{spelling!r} names two units of {spec.analyte}")
    return index


_UNIT_INDEX = _build_index()


def resolve_unit(analyte: Analyte | str, unit: str) -> UnitSpec:
    """The catalogue unit a lab's spelling denotes for this analyte.

    Raises ClinicalValidationError on field ``analyte`` (unknown analyte) or ``unit`` (a unit
    that does not belong to the analyte, e.g. pmol/L for ferritin)."""
    spec = get_analyte(analyte)
    if not isinstance(unit, str):
        raise ClinicalValidationError("unit", "The unit must be text.", "invalid_unit")
    found = _UNIT_INDEX.get((spec.analyte, unit_key(unit)))
    if found is None:
        accepted = ", ".join(u.code for u in spec.units)
        raise ClinicalValidationError(
            "unit",
            f"{unit!r} is not a unit for {spec.display_name}; accepted: {accepted}.",
            "unit_not_accepted",
        )
    return found


def ucum_code(analyte: Analyte | str, unit: str) -> str:
    """The UCUM code of a unit as a lab spelled it (``"mIU/L"`` -> ``"m[IU]/L"``)."""
    return resolve_unit(analyte, unit).ucum


def canonical_unit(analyte: Analyte | str) -> UnitSpec:
    return get_analyte(analyte).canonical_unit


def to_canonical(analyte: Analyte | str, value: Decimal | int | str, unit: str) -> Decimal:
    """``value`` in ``unit`` expressed in the analyte's canonical unit, quantized to 4 places
    (ROUND_HALF_EVEN). Conversion only: no plausibility check (see ``normalise_result``)."""
    target = resolve_unit(analyte, unit)
    amount = as_decimal(value, "value")
    scaled = CONTEXT.divide(
        CONTEXT.multiply(amount, target.to_canonical_num), target.to_canonical_den
    )
    return quantize(scaled, CANONICAL_PLACES)


def from_canonical(
    analyte: Analyte | str, canonical_value: Decimal | int | str, unit: str
) -> Decimal:
    """A canonical value expressed in ``unit``, quantized to that unit's ``places``."""
    target = resolve_unit(analyte, unit)
    amount = as_decimal(canonical_value, "value")
    scaled = CONTEXT.divide(
        CONTEXT.multiply(amount, target.to_canonical_den), target.to_canonical_num
    )
    return quantize(scaled, target.places)


def validate_plausible(
    analyte: Analyte | str,
    canonical_value: Decimal | int | str,
    *,
    reported: tuple[Decimal, str] | None = None,
) -> Decimal:
    """Return the canonical value, or raise ClinicalValidationError on field ``value`` when it is
    negative, zero (for concentrations) or physiologically impossible. ``reported`` (value and
    unit as entered) only improves the message."""
    spec: AnalyteSpec = get_analyte(analyte)
    value = as_decimal(canonical_value, "value")
    unit = spec.canonical_unit.code
    above_min = value >= spec.plausible_min if spec.min_inclusive else value > spec.plausible_min
    if above_min and value <= spec.plausible_max:
        return value
    lower = "at least" if spec.min_inclusive else "more than"
    shown = f"{fmt(value)} {unit}"
    if reported is not None and unit_key(reported[1]) != unit_key(unit):
        shown = f"{fmt(reported[0])} {reported[1]} ({shown})"
    raise ClinicalValidationError(
        "value",
        f"A {spec.display_name} of {shown} is not physiologically possible; expected {lower} "
        f"{fmt(spec.plausible_min)} and at most {fmt(spec.plausible_max)} {unit}. "
        "Check the value and its unit.",
        "implausible_value",
    )


@dataclass(frozen=True, slots=True)
class NormalisedResult:
    """A lab result as reported and in canonical units, ready to store."""

    analyte: Analyte
    value: Decimal  # as reported
    unit: str  # the catalogue spelling of the reported unit, e.g. "umol/L" for "µmol/l"
    unit_ucum: str
    canonical_value: Decimal  # 4 decimal places
    canonical_unit: str
    canonical_ucum: str
    loinc: str | None


def normalise_result(
    analyte: Analyte | str, value: Decimal | int | str, unit: str
) -> NormalisedResult:
    """Resolve the analyte and unit, convert to canonical and check plausibility: the one call a
    serializer needs. Raises ClinicalValidationError naming ``analyte``, ``unit`` or ``value``."""
    spec = get_analyte(analyte)
    reported_unit = resolve_unit(spec.analyte, unit)
    amount = as_decimal(value, "value")
    canonical = validate_plausible(
        spec.analyte,
        to_canonical(spec.analyte, amount, unit),
        reported=(amount, reported_unit.code),
    )
    return NormalisedResult(
        analyte=spec.analyte,
        value=amount,
        unit=reported_unit.code,
        unit_ucum=reported_unit.ucum,
        canonical_value=canonical,
        canonical_unit=spec.canonical_unit.code,
        canonical_ucum=spec.canonical_unit.ucum,
        loinc=spec.loinc,
    )


def validate_collected_at(
    collected_at: D, *, now: datetime | date, allowed_clock_skew: timedelta = CLOCK_SKEW
) -> D:
    """Return ``collected_at`` unchanged, or raise ClinicalValidationError on field
    ``collected_at`` when it lies in the future.

    A datetime is compared with ``now`` (both timezone-aware, or both naive) and may be up to
    ``allowed_clock_skew`` ahead. A date is compared with ``now``'s date: pass ``now`` in the
    clinic's timezone, or a date collected "today" in the clinic may read as tomorrow in UTC.
    """
    if isinstance(collected_at, datetime):
        if not isinstance(now, datetime):
            in_future = collected_at.date() > now
        elif (collected_at.tzinfo is None) != (now.tzinfo is None):
            raise TypeError("collected_at and now must both be timezone-aware or both naive")
        else:
            in_future = collected_at > now + allowed_clock_skew
    else:
        today = now.date() if isinstance(now, datetime) else now
        in_future = collected_at > today
    if in_future:
        raise ClinicalValidationError(
            "collected_at",
            f"The collection date {collected_at.isoformat()} is in the future.",
            "in_future",
        )
    return collected_at

"""Decimal arithmetic conventions shared by the lab rules.

Canonical lab values are quantized to ``CANONICAL_PLACES`` decimal places with ROUND_HALF_EVEN:

- 4 places keep every conversion used here reversible for values reported to the precision labs
  report (see ``UnitSpec.places`` in ``labs.analytes``): the rounding error of a canonical value is
  at most 0.00005, which stays below half a unit in the last reported place of every other unit.
- ROUND_HALF_EVEN (banker's rounding) has no upward bias, so trends and means computed over many
  converted values do not drift; it is also ``decimal``'s own default.

All arithmetic runs in a private context (28 significant digits), so a caller's changes to the
global decimal context never change a stored value.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

from labs.errors import ClinicalValidationError

CANONICAL_PLACES = 4
ROUNDING = ROUND_HALF_EVEN
CONTEXT = Context(prec=28, rounding=ROUNDING)


def quantum(places: int) -> Decimal:
    """``Decimal('0.0001')`` for 4 places."""
    return Decimal(1).scaleb(-places)


def quantize(value: Decimal, places: int = CANONICAL_PLACES) -> Decimal:
    return value.quantize(quantum(places), rounding=ROUNDING, context=CONTEXT)


def as_decimal(value: Decimal | int | str, field: str) -> Decimal:
    """A finite Decimal from a Decimal, an int or a numeric string.

    Floats are refused: a float has already lost the exact decimal a lab reported.
    """
    if isinstance(value, bool | float):
        raise TypeError(f"{field} must be a Decimal, an int or a numeric string, not {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise ClinicalValidationError(
                field, f"{value!r} is not a number.", "not_a_number"
            ) from None
    else:
        raise TypeError(f"{field} must be a Decimal, an int or a numeric string, not {value!r}")
    if not result.is_finite():
        raise ClinicalValidationError(field, "The value must be a finite number.", "not_finite")
    return result


def fmt(value: Decimal) -> str:
    """A Decimal as people write it: no exponent, no trailing zeros (``Decimal('200.0000')``
    becomes ``'200'``, ``Decimal('0.40')`` becomes ``'0.4'``)."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"

"""The one domain error raised by the pure lab and treatment rules in this package.

The Django layer maps it to a field error: ``{error.field: [error.message]}`` with ``error.code``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class ClinicalValidationError(ValueError):
    """A value a clinician or a lab report supplied breaks a clinical rule.

    ``field`` names the input the message is about (``analyte``, ``unit``, ``value``,
    ``collected_at``, ``dose_mcg``, ...), ``message`` is a sentence fit to show the user and
    ``code`` is a stable machine-readable reason.
    """

    def __init__(self, field: str, message: str, code: str = "invalid") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        """The error in the shape a REST field-error response uses."""
        return {self.field: [self.message]}


def parse_choice(enum_cls: type[E], value: E | str, field: str) -> E:
    """``enum_cls(value)`` (case and surrounding spaces ignored), or a ClinicalValidationError
    naming ``field`` and the accepted values."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value.strip().lower() if isinstance(value, str) else value)
    except ValueError:
        accepted = ", ".join(member.value for member in enum_cls)
        raise ClinicalValidationError(
            field,
            f"{value!r} is not a valid choice; expected one of: {accepted}.",
            "invalid_choice",
        ) from None

"""Exceptions raised by the density core; the API layer maps ``.code`` to a 4xx response."""

from __future__ import annotations


class ImageRejected(ValueError):
    """The uploaded bytes are not an image we are willing to analyse.

    ``code`` is a short machine string (e.g. ``"truncated"``); ``str(exc)`` is readable text.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class CalibrationRejected(ValueError):
    """The pixels-per-millimetre calibration is missing, implausible or covers too little skin."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

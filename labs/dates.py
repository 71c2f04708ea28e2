"""Calendar-month arithmetic for schedules and follow-up."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by whole calendar months, the day clamped to the target month's length.

    Series must always be computed from the original anchor (``add_months(start, k)``), never by
    stepping from the previous result: Jan 31 + 1 month is Feb 28 (Feb 29 in a leap year) and
    Jan 31 + 2 months is Mar 31, whereas Feb 28 + 1 month would be Mar 28. Feb 29 2028 + 12 months
    is Feb 28 2029.
    """
    month_index = anchor.year * 12 + (anchor.month - 1) + months
    year, month0 = divmod(month_index, 12)
    day = min(anchor.day, calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day)

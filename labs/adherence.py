"""Dose schedules for a protocol and adherence to them.

Schedule conventions:
- All dates are inclusive: doses fall on ``start``, and on ``end`` / ``until`` when the pattern
  lands there.
- Every other day: start, start+2, start+4, ... straight across month ends.
- Three times weekly: anchored on the start day, not on fixed weekdays: days 0, 2 and 4 of every
  7-day block from ``start`` (a Monday start gives Mon/Wed/Fri). A fixed Mon/Wed/Fri pattern would
  make the first week's count depend on the start weekday; anchored, a 2-week course is always 6
  doses, as NICE's "3 times a week for 2 weeks" means (DOMAIN.md §3 L47).
- Monthly, every 2 and every 3 months: anchored on the start day with month-end clamping
  (``labs.dates.add_months``): Jan 31 -> Feb 28/29 -> Mar 31.

Adherence conventions:
- Each logged dose counts for at most one scheduled date, and each scheduled date takes at most
  one dose, within ``DOSE_MATCH_TOLERANCE_DAYS`` (``labs.windows``). So ``doses_taken`` never
  exceeds ``doses_scheduled_to_date`` and the ratio is capped at 1: doses on unscheduled days,
  doubled doses and doses beyond the schedule are counted in ``extra_doses`` instead, where a
  clinician can see them.
- A dose scheduled for today counts as scheduled today, taken or not yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from labs.dates import add_months
from labs.decimals import CONTEXT, quantize
from labs.errors import ClinicalValidationError, parse_choice
from labs.protocol_rules import Frequency
from labs.windows import DOSE_MATCH_TOLERANCE_DAYS

_DAY_STEPS = {Frequency.DAILY: 1, Frequency.EVERY_OTHER_DAY: 2, Frequency.WEEKLY: 7}
_MONTH_STEPS = {Frequency.MONTHLY: 1, Frequency.EVERY_2_MONTHS: 2, Frequency.EVERY_3_MONTHS: 3}
_THREE_TIMES_WEEKLY_OFFSETS = (0, 2, 4)


def _nth_dose(frequency: Frequency, start: date, n: int) -> date:
    if frequency in _DAY_STEPS:
        return start + timedelta(days=n * _DAY_STEPS[frequency])
    if frequency in _MONTH_STEPS:
        return add_months(start, n * _MONTH_STEPS[frequency])
    week, slot = divmod(n, len(_THREE_TIMES_WEEKLY_OFFSETS))
    return start + timedelta(days=7 * week + _THREE_TIMES_WEEKLY_OFFSETS[slot])


def scheduled_dose_dates(
    frequency: Frequency | str, start: date, end: date | None, until: date
) -> list[date]:
    """Dose dates from ``start`` to the earlier of ``end`` (the protocol's last day, None when
    open-ended) and ``until`` (usually today), all inclusive. ``none`` (diet) has no doses."""
    freq = parse_choice(Frequency, frequency, "frequency")
    if end is not None and end < start:
        raise ClinicalValidationError(
            "end_date", "The protocol cannot end before it starts.", "ends_before_start"
        )
    last = until if end is None else min(end, until)
    if freq is Frequency.NONE:
        return []
    dates: list[date] = []
    n = 0
    while (dose := _nth_dose(freq, start, n)) <= last:
        dates.append(dose)
        n += 1
    return dates


@dataclass(frozen=True, slots=True)
class Adherence:
    doses_scheduled_to_date: int
    doses_taken: int  # logged doses matched to a scheduled date; <= doses_scheduled_to_date
    extra_doses: int  # logged doses that matched no scheduled date
    ratio: Decimal | None  # doses_taken / doses_scheduled_to_date, 4 places; None if none due


def adherence(
    scheduled: Iterable[date], taken: Iterable[date], *, tolerance_days: int = 0
) -> Adherence:
    """Match logged doses to scheduled dates one-to-one (a dose counts for a scheduled date at
    most ``tolerance_days`` away) and report the share of scheduled doses taken."""
    if tolerance_days < 0:
        raise ValueError("tolerance_days must not be negative")
    slots = sorted(scheduled)
    doses = sorted(taken)
    tolerance = timedelta(days=tolerance_days)
    matched = 0
    i = 0
    # Greedy in date order is an optimal matching here: every window has the same width, so the
    # earliest unused dose that fits a slot can never be needed by a later slot.
    for slot in slots:
        while i < len(doses) and doses[i] < slot - tolerance:
            i += 1
        if i < len(doses) and doses[i] <= slot + tolerance:
            matched += 1
            i += 1
    ratio = None
    if slots:
        ratio = quantize(CONTEXT.divide(Decimal(matched), Decimal(len(slots))))
    return Adherence(
        doses_scheduled_to_date=len(slots),
        doses_taken=matched,
        extra_doses=len(doses) - matched,
        ratio=ratio,
    )


def adherence_to_date(
    frequency: Frequency | str,
    start: date,
    end: date | None,
    taken: Iterable[date],
    *,
    today: date,
) -> Adherence:
    """Adherence of one protocol up to ``today`` with the frequency's default tolerance; doses
    logged after ``today`` are ignored."""
    freq = parse_choice(Frequency, frequency, "frequency")
    return adherence(
        scheduled_dose_dates(freq, start, end, today),
        [day for day in taken if day <= today],
        tolerance_days=DOSE_MATCH_TOLERANCE_DAYS[freq],
    )

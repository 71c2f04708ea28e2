"""Every tolerance window the lab and follow-up rules use, in one place, with the reason for it.

These are product choices, not clinical facts: DOMAIN.md gives the schedule (B12 retests at 3 and 6
months, annual after recovery; monthly photos; six monthly photos after recovery, §2 L41 and
§4 L63) but not how early or late a visit may be and still count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from labs.protocol_rules import Frequency

# A collection time may lie this far in the future before it is refused: device and server
# clocks drift by seconds to minutes; more than that is a typo (wrong day, month or year).
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class FollowUpWindow:
    """``early_days`` / ``late_days``: how far before / after the due date an event still counts
    as doing the item ("done"). ``grace_days``: how long after the due date an undone item is
    "due" before it becomes "overdue"."""

    early_days: int
    late_days: int
    grace_days: int


# B12 retests at 3 and 6 months: the two due dates are about 91 days apart, so 21 days early and
# 45 days late never overlap (66 < 91) and a result can only count for one of them. Two weeks'
# grace is the time it takes to book a blood test.
B12_RETEST_WINDOW = FollowUpWindow(early_days=21, late_days=45, grace_days=14)

# Annual retest after recovery: a month early to three months late is still "the annual test";
# a month's grace before it is called overdue.
ANNUAL_B12_RETEST_WINDOW = FollowUpWindow(early_days=30, late_days=90, grace_days=30)

# Monthly photo visits: due dates are 28-31 days apart; 10 early + 14 late = 24 < 28, so one visit
# never counts for two months. Two weeks' grace matches the retest booking delay. Density is
# judged over 3-6 months (DOMAIN.md §4), so a visit a week or two off the date loses nothing.
PHOTO_VISIT_WINDOW = FollowUpWindow(early_days=10, late_days=14, grace_days=14)


# Adherence: how many days a logged dose may lie from its scheduled date and still count for it.
# Always less than half the dosing interval, so a dose can only belong to its nearest scheduled
# date: daily and every-other-day doses must fall on the day (a day late is the next dose's day),
# weekly doses may be a day off, injections every 1-3 months a week or two.
DOSE_MATCH_TOLERANCE_DAYS: dict[Frequency, int] = {
    Frequency.DAILY: 0,
    Frequency.EVERY_OTHER_DAY: 0,
    Frequency.THREE_TIMES_WEEKLY: 0,
    Frequency.WEEKLY: 1,
    Frequency.MONTHLY: 7,
    Frequency.EVERY_2_MONTHS: 14,
    Frequency.EVERY_3_MONTHS: 14,
    Frequency.NONE: 0,
}

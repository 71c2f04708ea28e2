from datetime import date, timedelta
from decimal import Decimal

import pytest

from labs.adherence import adherence, adherence_to_date, scheduled_dose_dates
from labs.dates import add_months
from labs.errors import ClinicalValidationError
from labs.protocol_rules import Frequency

D = Decimal


# --- month arithmetic -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 2, date(2026, 3, 31)),  # anchored on the 31st, not on Feb 28
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # across a year end
        (date(2026, 5, 15), 0, date(2026, 5, 15)),
    ],
)
def test_add_months_clamps_to_month_end(anchor, months, expected):
    assert add_months(anchor, months) == expected


# --- schedules ------------------------------------------------------------------------------


def test_monthly_schedule_from_jan_31_stays_anchored_on_the_31st():
    dates = scheduled_dose_dates("monthly", date(2026, 1, 31), None, date(2026, 5, 31))
    assert dates == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]


def test_monthly_schedule_from_leap_day_uses_feb_28_in_common_years():
    dates = scheduled_dose_dates("monthly", date(2028, 2, 29), None, date(2029, 3, 1))
    assert dates[-2:] == [date(2029, 1, 29), date(2029, 2, 28)]


def test_every_other_day_crosses_month_boundary():
    dates = scheduled_dose_dates("every_other_day", date(2026, 1, 29), None, date(2026, 2, 4))
    assert dates == [date(2026, 1, 29), date(2026, 1, 31), date(2026, 2, 2), date(2026, 2, 4)]


def test_every_other_day_crosses_leap_day():
    dates = scheduled_dose_dates("every_other_day", date(2028, 2, 27), None, date(2028, 3, 3))
    assert dates == [date(2028, 2, 27), date(2028, 2, 29), date(2028, 3, 2)]


def test_two_week_every_other_day_loading_course_has_seven_doses():
    start = date(2026, 3, 2)
    end = start + timedelta(days=13)
    assert len(scheduled_dose_dates("every_other_day", start, end, date(2026, 12, 31))) == 7


def test_three_times_weekly_is_anchored_on_start_day():
    dates = scheduled_dose_dates("three_times_weekly", date(2026, 3, 3), None, date(2026, 3, 10))
    # Tuesday start: Tue, Thu, Sat, then Tue again
    assert dates == [date(2026, 3, 3), date(2026, 3, 5), date(2026, 3, 7), date(2026, 3, 10)]


@pytest.mark.parametrize("start_day", range(2, 9))  # every weekday
def test_two_week_three_times_weekly_course_is_six_doses_whatever_the_start_day(start_day):
    start = date(2026, 3, start_day)
    end = start + timedelta(days=13)
    assert len(scheduled_dose_dates("three_times_weekly", start, end, end)) == 6


def test_every_3_months_schedule():
    dates = scheduled_dose_dates("every_3_months", date(2026, 1, 31), None, date(2026, 12, 31))
    assert dates == [date(2026, 1, 31), date(2026, 4, 30), date(2026, 7, 31), date(2026, 10, 31)]


def test_schedule_stops_at_until():
    dates = scheduled_dose_dates("daily", date(2026, 1, 1), None, date(2026, 1, 3))
    assert dates == [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)]


def test_schedule_stops_at_protocol_end():
    dates = scheduled_dose_dates("weekly", date(2026, 1, 1), date(2026, 1, 15), date(2026, 12, 1))
    assert dates == [date(2026, 1, 1), date(2026, 1, 8), date(2026, 1, 15)]


def test_schedule_is_empty_before_start():
    assert scheduled_dose_dates("daily", date(2026, 1, 10), None, date(2026, 1, 9)) == []


def test_dietary_protocol_has_no_doses():
    assert scheduled_dose_dates(Frequency.NONE, date(2026, 1, 1), None, date(2026, 2, 1)) == []


def test_end_before_start_raises_error():
    with pytest.raises(ClinicalValidationError):
        scheduled_dose_dates("daily", date(2026, 1, 10), date(2026, 1, 9), date(2026, 2, 1))


# --- adherence ------------------------------------------------------------------------------


def test_adherence_ratio_is_none_when_nothing_scheduled_yet():
    assert adherence([], []).ratio is None


def test_all_doses_taken_gives_ratio_one():
    days = [date(2026, 1, d) for d in (1, 2, 3)]
    assert adherence(days, days).ratio == D("1.0000")


def test_missed_dose_lowers_ratio():
    scheduled = [date(2026, 1, d) for d in (1, 2, 3)]
    result = adherence(scheduled, scheduled[:2])
    assert (result.doses_scheduled_to_date, result.doses_taken, result.ratio) == (
        3,
        2,
        D("0.6667"),
    )


def test_doses_beyond_schedule_are_extra_and_do_not_raise_ratio_above_one():
    scheduled = [date(2026, 1, 1), date(2026, 1, 3)]
    taken = [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), date(2026, 1, 3)]
    result = adherence(scheduled, taken)
    assert (result.doses_taken, result.extra_doses, result.ratio) == (2, 2, D("1.0000"))


def test_late_dose_within_tolerance_counts():
    result = adherence([date(2026, 1, 31)], [date(2026, 2, 5)], tolerance_days=7)
    assert result.doses_taken == 1


def test_late_dose_beyond_tolerance_is_extra():
    result = adherence([date(2026, 1, 31)], [date(2026, 2, 8)], tolerance_days=7)
    assert (result.doses_taken, result.extra_doses) == (0, 1)


def test_adherence_to_date_uses_monthly_tolerance_and_ignores_future_doses():
    taken = [date(2026, 1, 31), date(2026, 3, 3), date(2026, 4, 20)]
    result = adherence_to_date("monthly", date(2026, 1, 31), None, taken, today=date(2026, 4, 1))
    # scheduled Jan 31, Feb 28, Mar 31; Mar 3 is within 7 days of Feb 28; Apr 20 is in the future
    assert (result.doses_scheduled_to_date, result.doses_taken, result.extra_doses) == (3, 2, 0)

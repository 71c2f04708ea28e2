from datetime import date

import pytest

from labs.errors import ClinicalValidationError
from labs.followup import FollowUpKind, FollowUpPhase, FollowUpStatus, follow_up_items

START = date(2026, 1, 31)


def _item(items, kind, due_on):
    return next(i for i in items if i.kind is kind and i.due_on == due_on)


def _retests(items, phase=FollowUpPhase.TREATMENT):
    return [i for i in items if i.kind is FollowUpKind.B12_RETEST and i.phase is phase]


def test_b12_retests_are_due_three_and_six_months_after_start():
    items = follow_up_items(START, today=START)
    assert [i.due_on for i in _retests(items)] == [date(2026, 4, 30), date(2026, 7, 31)]


def test_photo_visits_are_monthly_until_the_first_upcoming_one():
    items = follow_up_items(START, today=date(2026, 3, 15))
    photos = [i.due_on for i in items if i.kind is FollowUpKind.PHOTO_VISIT]
    assert photos == [date(2026, 2, 28), date(2026, 3, 31)]


def test_item_before_its_due_date_is_upcoming():
    item = _item(
        follow_up_items(START, today=date(2026, 4, 29)), FollowUpKind.B12_RETEST, date(2026, 4, 30)
    )
    assert item.status is FollowUpStatus.UPCOMING


@pytest.mark.parametrize("today", [date(2026, 4, 30), date(2026, 5, 14)])
def test_item_is_due_from_due_date_through_grace_window(today):
    item = _item(follow_up_items(START, today=today), FollowUpKind.B12_RETEST, date(2026, 4, 30))
    assert item.status is FollowUpStatus.DUE


def test_item_past_grace_window_is_overdue():
    item = _item(
        follow_up_items(START, today=date(2026, 5, 15)), FollowUpKind.B12_RETEST, date(2026, 4, 30)
    )
    assert item.status is FollowUpStatus.OVERDUE


@pytest.mark.parametrize("event", [date(2026, 4, 9), date(2026, 4, 30), date(2026, 6, 14)])
def test_retest_within_window_marks_item_done(event):
    items = follow_up_items(START, b12_retests=[event], today=date(2026, 6, 20))
    item = _item(items, FollowUpKind.B12_RETEST, date(2026, 4, 30))
    assert (item.status, item.completed_on) == (FollowUpStatus.DONE, event)


@pytest.mark.parametrize("event", [date(2026, 4, 8), date(2026, 6, 15)])
def test_retest_outside_window_does_not_mark_item_done(event):
    items = follow_up_items(START, b12_retests=[event], today=date(2026, 6, 20))
    assert _item(items, FollowUpKind.B12_RETEST, date(2026, 4, 30)).status is FollowUpStatus.OVERDUE


def test_second_visit_in_one_window_does_not_count_for_the_next_month():
    # Both visits fall in the Feb 28 window (Feb 18 - Mar 14); March's visit is still missing.
    visits = [date(2026, 2, 27), date(2026, 3, 2)]
    items = follow_up_items(START, photo_visits=visits, today=date(2026, 4, 20))
    statuses = [
        _item(items, FollowUpKind.PHOTO_VISIT, due).status
        for due in (date(2026, 2, 28), date(2026, 3, 31))
    ]
    assert statuses == [FollowUpStatus.DONE, FollowUpStatus.OVERDUE]


def test_events_after_today_are_ignored():
    items = follow_up_items(START, b12_retests=[date(2026, 5, 1)], today=date(2026, 4, 30))
    assert _item(items, FollowUpKind.B12_RETEST, date(2026, 4, 30)).status is FollowUpStatus.DUE


def test_recovery_adds_annual_retest_anchored_on_recovery_date():
    recovered = date(2028, 2, 29)
    items = follow_up_items(date(2027, 6, 1), recovered_on=recovered, today=recovered)
    annual = _retests(items, FollowUpPhase.POST_RECOVERY)
    assert [i.due_on for i in annual] == [date(2029, 2, 28)]


def test_annual_retests_continue_year_after_year():
    recovered = date(2026, 9, 30)
    items = follow_up_items(START, recovered_on=recovered, today=date(2028, 10, 15))
    annual = _retests(items, FollowUpPhase.POST_RECOVERY)
    assert [i.due_on for i in annual] == [date(2027, 9, 30), date(2028, 9, 30), date(2029, 9, 30)]


def test_recovery_adds_six_monthly_photo_visits():
    recovered = date(2026, 10, 31)
    items = follow_up_items(START, recovered_on=recovered, today=recovered)
    post = [
        i.due_on
        for i in items
        if i.kind is FollowUpKind.PHOTO_VISIT and i.phase is FollowUpPhase.POST_RECOVERY
    ]
    assert post == [
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]


def test_treatment_photo_visits_stop_at_recovery():
    recovered = date(2026, 4, 15)
    items = follow_up_items(START, recovered_on=recovered, today=date(2026, 12, 1))
    treatment_photos = [
        i.due_on
        for i in items
        if i.kind is FollowUpKind.PHOTO_VISIT and i.phase is FollowUpPhase.TREATMENT
    ]
    assert treatment_photos == [date(2026, 2, 28), date(2026, 3, 31)]


def test_items_are_sorted_by_due_date():
    items = follow_up_items(START, recovered_on=date(2026, 8, 1), today=date(2026, 9, 1))
    assert [i.due_on for i in items] == sorted(i.due_on for i in items)


def test_recovery_before_treatment_start_raises_error_naming_recovered_on():
    with pytest.raises(ClinicalValidationError) as caught:
        follow_up_items(START, recovered_on=date(2026, 1, 1), today=date(2026, 3, 1))
    assert caught.value.field == "recovered_on"


def test_recovery_in_the_future_raises_error_naming_recovered_on():
    with pytest.raises(ClinicalValidationError) as caught:
        follow_up_items(START, recovered_on=date(2026, 5, 1), today=date(2026, 3, 1))
    assert caught.value.field == "recovered_on"

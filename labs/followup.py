"""Follow-up items for a patient under B12 treatment: what is due, when, and whether it is done.

Schedule (seed 004):
- B12 retests 3 and 6 months after treatment start (DOMAIN.md §2 L41).
- Monthly density photos from treatment start until recovery (DOMAIN.md §4; seed 004 step 4).
- After recovery: an annual B12 retest (DOMAIN.md §2 L41, §4 L63) and six more monthly photo
  visits (DOMAIN.md §4 L63).

Due dates use calendar months anchored on the original date with month-end clamping
(``labs.dates.add_months``). Open-ended series (monthly photos before recovery, annual retests)
are listed up to and including the first due date after ``today``.

Statuses (windows in ``labs.windows``):
- done: a matching event lies within [due - early_days, due + late_days]; each event counts for
  at most one item (the earliest one it fits).
- upcoming: not done and ``today`` is before the due date.
- due: not done, from the due date to ``grace_days`` after it, inclusive.
- overdue: not done and more than ``grace_days`` past the due date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from labs.dates import add_months
from labs.errors import ClinicalValidationError
from labs.windows import (
    ANNUAL_B12_RETEST_WINDOW,
    B12_RETEST_WINDOW,
    PHOTO_VISIT_WINDOW,
    FollowUpWindow,
)

B12_RETEST_MONTHS = (3, 6)  # DOMAIN.md §2 L41
POST_RECOVERY_PHOTO_VISITS = 6  # DOMAIN.md §4 L63
ANNUAL_RETEST_MONTHS = 12  # DOMAIN.md §2 L41


class FollowUpKind(StrEnum):
    B12_RETEST = "b12_retest"
    PHOTO_VISIT = "photo_visit"


class FollowUpPhase(StrEnum):
    TREATMENT = "treatment"
    POST_RECOVERY = "post_recovery"


class FollowUpStatus(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class FollowUpItem:
    kind: FollowUpKind
    phase: FollowUpPhase
    due_on: date
    status: FollowUpStatus
    reason: str
    completed_on: date | None = None  # the event that made it done


@dataclass(frozen=True, slots=True)
class _Slot:
    kind: FollowUpKind
    phase: FollowUpPhase
    due_on: date
    window: FollowUpWindow
    purpose: str


def _open_series(anchor: date, step_months: int, today: date, stop: date | None) -> list[date]:
    """anchor + k*step (k >= 1) up to ``stop`` inclusive and no further than the first date
    after ``today``."""
    dates = []
    k = 1
    while True:
        due = add_months(anchor, k * step_months)
        if stop is not None and due > stop:
            return dates
        dates.append(due)
        if due > today:
            return dates
        k += 1


def _slots(treatment_start: date, recovered_on: date | None, today: date) -> list[_Slot]:
    slots = [
        _Slot(
            FollowUpKind.B12_RETEST,
            FollowUpPhase.TREATMENT,
            add_months(treatment_start, months),
            B12_RETEST_WINDOW,
            f"B12 retest {months} months after treatment start (DOMAIN.md §2, seed 004).",
        )
        for months in B12_RETEST_MONTHS
    ]
    slots += [
        _Slot(
            FollowUpKind.PHOTO_VISIT,
            FollowUpPhase.TREATMENT,
            due,
            PHOTO_VISIT_WINDOW,
            f"Monthly density photos, month {k} of treatment (DOMAIN.md §4, seed 004).",
        )
        for k, due in enumerate(_open_series(treatment_start, 1, today, recovered_on), start=1)
    ]
    if recovered_on is None:
        return slots
    slots += [
        _Slot(
            FollowUpKind.B12_RETEST,
            FollowUpPhase.POST_RECOVERY,
            due,
            ANNUAL_B12_RETEST_WINDOW,
            f"Annual B12 retest after recovery, year {k} (DOMAIN.md §2 and §4).",
        )
        for k, due in enumerate(
            _open_series(recovered_on, ANNUAL_RETEST_MONTHS, today, None), start=1
        )
    ]
    slots += [
        _Slot(
            FollowUpKind.PHOTO_VISIT,
            FollowUpPhase.POST_RECOVERY,
            add_months(recovered_on, k),
            PHOTO_VISIT_WINDOW,
            f"Monthly density photos after recovery, {k} of {POST_RECOVERY_PHOTO_VISITS} "
            "(DOMAIN.md §4).",
        )
        for k in range(1, POST_RECOVERY_PHOTO_VISITS + 1)
    ]
    return slots


def _status(slot: _Slot, completed_on: date | None, today: date) -> tuple[FollowUpStatus, str]:
    if completed_on is not None:
        return FollowUpStatus.DONE, f"Done on {completed_on.isoformat()}."
    if today < slot.due_on:
        return FollowUpStatus.UPCOMING, f"Due on {slot.due_on.isoformat()}."
    if today <= slot.due_on + timedelta(days=slot.window.grace_days):
        return FollowUpStatus.DUE, f"Due since {slot.due_on.isoformat()}."
    return (
        FollowUpStatus.OVERDUE,
        f"Overdue: due on {slot.due_on.isoformat()}, more than {slot.window.grace_days} days ago.",
    )


def follow_up_items(
    treatment_start: date,
    *,
    recovered_on: date | None = None,
    b12_retests: Iterable[date] = (),
    photo_visits: Iterable[date] = (),
    today: date,
) -> list[FollowUpItem]:
    """All follow-up items for one treatment course, sorted by due date then kind.

    ``b12_retests``: collection dates of the patient's B12 results since treatment start;
    ``photo_visits``: dates of photo sessions. Events after ``today`` are ignored.
    Raises ClinicalValidationError on ``recovered_on`` if it precedes the treatment start or lies
    after ``today``."""
    if recovered_on is not None and recovered_on < treatment_start:
        raise ClinicalValidationError(
            "recovered_on", "Recovery cannot precede the start of treatment.", "before_start"
        )
    if recovered_on is not None and recovered_on > today:
        raise ClinicalValidationError(
            "recovered_on", "The recovery date is in the future.", "in_future"
        )
    unused = {
        FollowUpKind.B12_RETEST: sorted(d for d in b12_retests if d <= today),
        FollowUpKind.PHOTO_VISIT: sorted(d for d in photo_visits if d <= today),
    }
    items = []
    for slot in sorted(_slots(treatment_start, recovered_on, today), key=lambda s: s.due_on):
        opens = slot.due_on - timedelta(days=slot.window.early_days)
        closes = slot.due_on + timedelta(days=slot.window.late_days)
        events = unused[slot.kind]
        completed_on = next((d for d in events if opens <= d <= closes), None)
        if completed_on is not None:
            events.remove(completed_on)
        status, when = _status(slot, completed_on, today)
        items.append(
            FollowUpItem(
                kind=slot.kind,
                phase=slot.phase,
                due_on=slot.due_on,
                status=status,
                reason=f"{slot.purpose} {when}",
                completed_on=completed_on,
            )
        )
    items.sort(key=lambda item: (item.due_on, item.kind.value))
    return items

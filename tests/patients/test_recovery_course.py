import pytest

from patients.recovery import derive_course
from tests.patients.clinical_builders import (
    b12,
    course_of,
    diffuse_visit,
    injections_then_maintenance,
    month,
    visit,
    week,
)

PROTOCOLS = injections_then_maintenance()
LABS = [b12(week(-1), 150), b12(week(5), 420), b12(month(3), 520)]
RECOVERING = {-1: 150, 6: 148, 12: 147, 18: 155, 24: 162, 30: 168}


def test_recovering_diffuse_course_is_on_track():
    course = derive_course(course_of(RECOVERING), LABS, PROTOCOLS, today=week(31))
    assert course.verdict == "on_track", course.verdict_reason
    assert course.trend is not None and course.trend.visits_used == 6


def test_course_reports_baseline_nadir_and_changes():
    course = derive_course(course_of(RECOVERING), LABS, PROTOCOLS, today=week(31))
    assert course.baseline.taken_on == week(-1)
    assert course.nadir.taken_on == week(12)
    last = course.points[-1]
    assert last.change_from_baseline_pct == pytest.approx((168 - 150) / 150 * 100)
    assert last.change_from_nadir_pct == pytest.approx((168 - 147) / 147 * 100)
    assert last.mean_fu_density_per_cm2 is not None


def test_weeks_and_phase_count_from_the_first_b12_protocol():
    course = derive_course(course_of(RECOVERING), LABS, PROTOCOLS, today=week(31))
    assert course.treatment_start == PROTOCOLS[0].start_date
    assert course.weeks_since_start == pytest.approx(31)
    assert course.phase.code == "months_6_12"
    assert course.points[0].phase == "before_treatment"


def test_b12_normalised_on_first_normal_result_after_start():
    course = derive_course(course_of(RECOVERING), LABS, PROTOCOLS, today=week(31))
    assert course.b12_normalised_on == week(5)


def test_flat_density_after_b12_normalised_is_behind_at_month_6():
    flat = {-1: 150, 6: 149, 12: 151, 18: 148, 24: 150, 30: 149}
    course = derive_course(course_of(flat), LABS, PROTOCOLS, today=week(31))
    assert course.verdict == "behind", course.verdict_reason
    assert course.density_recovered_on is None


def test_density_still_falling_after_month_3_is_behind():
    falling = {-1: 170, 6: 165, 12: 160, 18: 154, 24: 149}
    course = derive_course(course_of(falling), LABS, PROTOCOLS, today=week(25))
    assert course.verdict == "behind"
    assert "still falling" in course.verdict_reason


def test_gain_far_beyond_the_band_is_ahead():
    fast = {-1: 150, 6: 150, 12: 170, 16: 185, 20: 195}
    course = derive_course(course_of(fast), LABS, PROTOCOLS, today=week(21))
    assert course.verdict == "ahead", course.verdict_reason


def test_single_noisy_visit_gives_no_verdict():
    one_jump = [diffuse_visit(week(20), 200)]
    course = derive_course(one_jump, LABS, PROTOCOLS, today=week(21))
    assert course.verdict == "insufficient_data"
    assert course.trend is None


def test_one_outlier_among_flat_visits_does_not_make_a_recovery():
    flat_with_spike = {-1: 150, 6: 149, 12: 151, 18: 149, 24: 185, 30: 150}
    course = derive_course(course_of(flat_with_spike), LABS, PROTOCOLS, today=week(31))
    assert course.verdict == "behind"


def test_three_visits_within_eight_weeks_are_not_a_trend():
    close = {14: 150, 16: 152, 19: 160}
    course = derive_course(course_of(close), LABS, PROTOCOLS, today=week(20))
    assert course.verdict == "insufficient_data"
    assert "8 weeks" in course.verdict_reason


def test_before_month_3_is_too_early():
    course = derive_course(course_of({-1: 150, 4: 149, 8: 150}), LABS, PROTOCOLS, today=week(9))
    assert course.verdict == "too_early"
    assert "Months 2-3" in course.verdict_reason


def test_without_protocol_there_is_no_verdict():
    course = derive_course(course_of(RECOVERING), LABS, [], today=week(31))
    assert course.verdict == "insufficient_data"
    assert course.treatment_start is None and course.phase is None


def test_no_visits_is_insufficient_data():
    course = derive_course([], LABS, PROTOCOLS, today=week(31))
    assert course.verdict == "insufficient_data"
    assert course.baseline is None and course.nadir is None


def test_density_recovered_when_three_visit_median_reaches_baseline_and_gain():
    full = {-1: 150, 6: 148, 12: 147, 18: 155, 24: 160, 30: 166, 36: 170}
    course = derive_course(course_of(full), LABS, PROTOCOLS, today=week(37))
    assert course.density_recovered_on == week(36)


def test_changes_use_only_zones_measured_at_every_visit():
    first = diffuse_visit(week(-1), 150)
    frontal_only = visit(week(20), frontal=150)
    course = derive_course([first, frontal_only], LABS, PROTOCOLS, today=week(21))
    assert course.comparison_zones == ("frontal",)
    assert course.points[1].change_from_baseline_pct == pytest.approx(0.0)
    assert course.notes


def test_old_photos_before_treatment_do_not_anchor_the_trend():
    old_and_recent = {-52: 200, -1: 150, 14: 152, 20: 160}
    course = derive_course(course_of(old_and_recent), LABS, PROTOCOLS, today=week(21))
    assert course.trend.visits_used == 3


def test_planned_future_treatment_is_too_early():
    course = derive_course(course_of({-2: 150}), LABS, PROTOCOLS, today=week(-1))
    assert course.verdict == "too_early"

from datetime import date

from patients.assessment import assess
from tests.patients.clinical_builders import (
    UNIFORM_TRICHOSCOPY,
    b12,
    course_of,
    history,
    injections_then_maintenance,
    lab,
    mma,
    month,
    normal_workup,
    patient,
    protocol,
    visit,
    week,
)

FACTS = patient(sex="female", diet="vegetarian", date_of_birth=date(1988, 2, 1))


def codes(result):
    return [r.code for r in result.recommendations]


def rec(result, code):
    (found,) = [r for r in result.recommendations if r.code == code]
    return found


def corrected_without_recovery():
    """B12 normal from week 5, density flat through month 7."""
    return history(
        FACTS,
        labs=[b12(week(-1), 170), mma(week(-1), 520), b12(week(5), 410), b12(month(3), 480)],
        visits=course_of(
            {-1: 150, 6: 149, 12: 151, 18: 148, 24: 150, 30: 149}, UNIFORM_TRICHOSCOPY
        ),
        protocols=injections_then_maintenance(),
    )


def recovered():
    return history(
        FACTS,
        labs=[b12(week(-1), 170), mma(week(-1), 520), b12(week(5), 410), b12(month(6), 520)],
        visits=course_of(
            {-1: 150, 6: 148, 12: 147, 18: 155, 24: 160, 30: 166, 36: 170}, UNIFORM_TRICHOSCOPY
        ),
        protocols=injections_then_maintenance(),
    )


def test_b12_corrected_but_no_recovery_by_month_6_is_behind():
    result = assess(corrected_without_recovery(), today=week(31))
    assert result.course.verdict == "behind"


def test_b12_corrected_but_no_recovery_by_month_6_recommends_aga_ferritin_tsh_workup():
    result = assess(corrected_without_recovery(), today=week(31))
    text = rec(result, "investigate_other_causes").text
    assert "androgenetic alopecia" in text and "ferritin" in text and "TSH" in text


def test_no_recovery_counts_as_evidence_against_b12_as_only_cause():
    result = assess(corrected_without_recovery(), today=week(31))
    by = {e.criterion: e for e in result.evidence}
    assert by["recovery_after_normalisation"].points_to == "androgenetic"


def test_no_investigation_recommended_before_month_6():
    result = assess(corrected_without_recovery(), today=week(20))
    assert "investigate_other_causes" not in codes(result)


def test_retests_due_at_3_and_6_months_after_start():
    inputs = history(
        FACTS,
        labs=[b12(week(-1), 170)],
        visits=course_of({-1: 150}),
        protocols=[protocol("high_dose_oral", dose_mcg=2000)],
    )
    result = assess(inputs, today=week(2))
    assert rec(result, "retest_b12_month_3").due_on == month(3)
    assert rec(result, "retest_b12_month_6").due_on == month(6)


def test_retest_done_is_not_recommended_again():
    result = assess(corrected_without_recovery(), today=week(31))
    assert "retest_b12_month_3" not in codes(result)
    assert "retest_b12_month_6" in codes(result)


def test_after_recovery_recommends_maintenance_annual_retest_and_six_months_of_photos():
    result = assess(recovered(), today=week(37))
    assert result.course.density_recovered_on == week(36)
    assert "250-500 mcg daily" in rec(result, "maintenance_dose").text
    assert rec(result, "annual_b12_retest").due_on == date(2025, 9, 23)
    assert rec(result, "continue_photo_tracking").due_on == date(2025, 3, 23)


def test_recovered_b12_case_can_reach_high_confidence():
    result = assess(recovered(), today=week(37))
    assert result.classification == "b12_deficiency_diffuse"
    assert result.confidence.level == "high"


def test_missing_occipital_photo_is_named_as_data_that_would_change_the_answer():
    inputs = history(
        FACTS, labs=[b12(week(-1), 170)], visits=[visit(week(-1), frontal=150, vertex=150)]
    )
    result = assess(inputs, today=week(0))
    assert result.classification == "indeterminate"
    assert "zone-pattern comparison" in rec(result, "data_occipital_photo").text
    assert "data_frontal_photo" not in codes(result)


def test_low_ferritin_is_flagged_as_a_cause_to_rule_out():
    inputs = history(
        FACTS,
        labs=[b12(week(-1), 480), lab("ferritin", week(-1), 18, "low"), lab("tsh", week(-1), 2.0)],
        visits=course_of({-1: 150}),
    )
    result = assess(inputs, today=week(0))
    assert "iron deficiency" in rec(result, "ferritin_abnormal").text


def test_untested_ferritin_and_tsh_are_recommended_for_diffuse_loss():
    inputs = history(FACTS, labs=[b12(week(-1), 480)], visits=course_of({-1: 150}))
    result = assess(inputs, today=week(0))
    assert {"check_ferritin", "check_tsh"} <= set(codes(result))


def test_low_folate_warns_against_folate_alone():
    inputs = history(
        FACTS,
        labs=[b12(week(-1), 170), lab("folate", week(-1), 2.1, "low"), *normal_workup(week(-1))],
        visits=course_of({-1: 150}),
    )
    result = assess(inputs, today=week(0))
    assert "never folate alone" in rec(result, "folate_low").text


def test_treated_patient_with_few_visits_is_told_how_many_visits_a_verdict_needs():
    inputs = history(
        FACTS,
        labs=[b12(week(-1), 170)],
        visits=course_of({-1: 150, 20: 170}),
        protocols=injections_then_maintenance(),
    )
    result = assess(inputs, today=week(21))
    assert result.course.verdict == "insufficient_data"
    assert "data_more_visits" in codes(result)

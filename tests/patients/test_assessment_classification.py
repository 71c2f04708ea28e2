from datetime import date, timedelta

from patients.assessment import RULES_VERSION, assess
from tests.patients.clinical_builders import (
    AGA_TRICHOSCOPY,
    UNIFORM_TRICHOSCOPY,
    b12,
    course_of,
    history,
    injections_then_maintenance,
    mma,
    month,
    normal_workup,
    patient,
    shed,
    symptoms,
    visit,
    week,
)

TODAY = week(31)


def vegan_with_deficiency_and_recovery():
    """A vegan woman, B12 150 pg/mL with raised MMA, diffuse loss for 4 months, fatigue and
    tingling, loading then maintenance injections, density rising from month 3."""
    return history(
        patient(
            sex="female",
            diet="vegan",
            date_of_birth=date(1990, 5, 1),
            hair_loss_onset=week(-1) - timedelta(days=120),
            thin_or_brittle=True,
        ),
        labs=[
            b12(week(-1), 150),
            mma(week(-1), 620),
            *normal_workup(week(-1)),
            b12(week(5), 420),
            b12(month(3), 520),
        ],
        visits=course_of(
            {-1: 150, 6: 148, 12: 147, 18: 155, 24: 162, 30: 168}, UNIFORM_TRICHOSCOPY
        ),
        protocols=injections_then_maintenance(),
        symptom_reports=[symptoms(week(-1), "fatigue", "numbness_tingling")],
        shed_counts=[shed(week(-1), 160), shed(week(-1) + timedelta(days=1), 150)],
    )


def man_with_patterned_loss(b12_value=450.0):
    """A man, frontal and vertex loss with a preserved midscalp band, thin frontal hairs."""
    return history(
        patient(
            sex="male",
            date_of_birth=date(1985, 1, 1),
            hair_loss_onset=date(2019, 1, 1),
            miniaturisation=True,
        ),
        labs=[b12(week(-1), b12_value), *normal_workup(week(-1))],
        visits=[
            visit(
                week(-1),
                frontal=120,
                temporal=130,
                midscalp=200,
                vertex=110,
                occipital=220,
                trichoscopy=AGA_TRICHOSCOPY,
            )
        ],
        symptom_reports=[symptoms(week(-1))],
    )


def test_vegan_with_low_b12_raised_mma_diffuse_loss_and_recovery_is_b12_diffuse():
    result = assess(vegan_with_deficiency_and_recovery(), today=TODAY)
    assert result.classification == "b12_deficiency_diffuse", result.reason
    assert result.course.verdict == "on_track"


def test_b12_call_stays_below_high_confidence_until_density_recovered():
    result = assess(vegan_with_deficiency_and_recovery(), today=TODAY)
    assert result.confidence.level == "moderate"
    assert 0.5 <= result.confidence.score < 0.75


def test_every_criterion_appears_once_in_the_evidence():
    result = assess(vegan_with_deficiency_and_recovery(), today=TODAY)
    criteria = [e.criterion for e in result.evidence]
    assert len(criteria) == len(set(criteria))
    assert {
        "zone_pattern",
        "rakowska_major_yellow_dots",
        "rakowska_major_frontal_thinner",
        "rakowska_major_thin_hairs",
        "rakowska_minor_single_hair_units",
        "rakowska_minor_vellus",
        "rakowska_rule",
        "anisotrichosis",
        "onset_speed",
        "hair_quality",
        "systemic_symptoms",
        "b12_band",
        "mma",
        "recovery_after_normalisation",
    } <= set(criteria)
    assert all(e.source.startswith("DOMAIN.md") for e in result.evidence)


def test_diffuse_b12_case_has_evidence_pointing_to_b12():
    by = {
        e.criterion: e for e in assess(vegan_with_deficiency_and_recovery(), today=TODAY).evidence
    }
    for criterion in ("zone_pattern", "b12_band", "mma", "onset_speed", "systemic_symptoms"):
        assert by[criterion].points_to == "b12_deficiency", criterion
    assert by["rakowska_rule"].points_to == "neutral"


def test_man_with_normal_b12_and_frontal_vertex_loss_is_androgenetic():
    result = assess(man_with_patterned_loss(), today=TODAY)
    assert result.classification == "androgenetic", result.reason
    assert result.rakowska.met is True


def test_androgenetic_man_gets_a_norwood_stage_with_graft_range():
    result = assess(man_with_patterned_loss(), today=TODAY)
    assert result.scale.scale == "norwood"
    assert result.scale.stage == "IV"
    assert result.scale.graft_range == (1600, 2200)


def test_woman_with_crown_thinning_and_normal_labs_is_androgenetic_with_ludwig_grade():
    inputs = history(
        patient(sex="female", date_of_birth=date(1975, 1, 1), hair_loss_onset=date(2020, 1, 1)),
        labs=[b12(week(-1), 520), *normal_workup(week(-1))],
        visits=[
            visit(week(-1), frontal=200, temporal=165, midscalp=110, vertex=120, occipital=215)
        ],
    )
    result = assess(inputs, today=TODAY)
    assert result.classification == "androgenetic", result.reason
    assert result.scale.scale == "ludwig"
    assert result.scale.stage == "II"
    assert result.scale.graft_range is None


def test_low_b12_with_patterned_loss_is_mixed():
    result = assess(man_with_patterned_loss(b12_value=160), today=TODAY)
    assert result.classification == "mixed", result.reason
    assert result.confidence.level in ("moderate", "high")


def test_borderline_b12_with_raised_mma_counts_as_confirmed_deficiency():
    base = man_with_patterned_loss(b12_value=250)
    inputs = history(
        base.facts,
        labs=[*base.labs, mma(week(-1), 550)],
        visits=base.visits,
        symptom_reports=base.symptom_reports,
    )
    assert assess(inputs, today=TODAY).classification == "mixed"


def test_borderline_b12_without_mma_and_patterned_loss_stays_androgenetic():
    result = assess(man_with_patterned_loss(b12_value=250), today=TODAY)
    assert result.classification == "androgenetic"
    assert "data_mma" in [r.code for r in result.recommendations]


def test_too_little_data_is_indeterminate_and_lists_what_is_missing():
    inputs = history(patient(sex="female"), labs=[b12(week(-1), 180)])
    result = assess(inputs, today=TODAY)
    assert result.classification == "indeterminate"
    assert result.confidence.score == 0.0
    assert "a frontal photo" in result.missing
    assert "an occipital photo" in result.missing
    assert "hair-loss onset date" in result.missing


def test_no_b12_result_is_indeterminate_even_with_a_clear_pattern():
    base = man_with_patterned_loss()
    inputs = history(base.facts, visits=base.visits)
    result = assess(inputs, today=TODAY)
    assert result.classification == "indeterminate"
    assert "a serum B12 result" in result.missing


def test_diffuse_loss_with_normal_b12_is_indeterminate_not_b12():
    inputs = history(
        patient(sex="female", hair_loss_onset=week(-8)),
        labs=[b12(week(-1), 480)],
        visits=course_of({-1: 150}),
        symptom_reports=[symptoms(week(-1), "fatigue")],
    )
    result = assess(inputs, today=week(0))
    assert result.classification == "indeterminate"
    assert "telogen effluvium" in result.reason


def test_rakowska_rule_one_major_and_two_minor_is_met():
    tricho = {
        "frontal": {
            "thin_hair_fraction": 0.15,
            "mean_shaft_diameter_um": 60.0,
            "yellow_dot_count": 0,
            "single_hair_fu_fraction": 0.6,
            "vellus_hair_fraction": 0.2,
        },
        "occipital": {
            "mean_shaft_diameter_um": 58.0,
            "single_hair_fu_fraction": 0.25,
            "vellus_hair_fraction": 0.1,
        },
    }
    inputs = history(
        patient(sex="female"),
        labs=[b12(week(-1), 480)],
        visits=[
            visit(
                week(-1), frontal=200, midscalp=200, vertex=200, occipital=200, trichoscopy=tricho
            )
        ],
    )
    result = assess(inputs, today=week(0))
    assert result.rakowska.major_met == ("rakowska_major_thin_hairs",)
    assert len(result.rakowska.minor_met) == 2
    assert result.rakowska.met is True


def test_rakowska_rule_is_undecided_when_criteria_are_missing():
    inputs = history(
        patient(sex="female"),
        labs=[b12(week(-1), 480)],
        visits=[
            visit(
                week(-1),
                frontal=200,
                occipital=200,
                trichoscopy={"frontal": {"thin_hair_fraction": 0.2}},
            )
        ],
    )
    result = assess(inputs, today=week(0))
    assert result.rakowska.met is None
    assert "data_trichoscopy" in [r.code for r in result.recommendations]


def test_assessment_carries_disclaimer_rules_version_and_risk():
    result = assess(vegan_with_deficiency_and_recovery(), today=TODAY)
    assert result.disclaimer.startswith("Decision support, not a diagnosis")
    assert result.rules_version == RULES_VERSION
    assert "vegan" in [f.code for f in result.risk.factors]

from datetime import date

import pytest

from patients.scales import estimate_ludwig, estimate_norwood, estimate_scale, is_patterned
from tests.patients.clinical_builders import diffuse_visit, visit

DAY = date(2024, 3, 1)
OCC = 220.0
TEMPORAL_NORMAL = OCC * 154 / 190


def norwood(**densities):
    return estimate_norwood(visit(DAY, occipital=OCC, **densities).zones)


def test_uniform_density_is_norwood_i():
    assert estimate_norwood(diffuse_visit(DAY, 150).zones).stage == "I"


def test_slight_temporal_recession_is_ii():
    est = norwood(frontal=215, temporal=TEMPORAL_NORMAL * 0.75, midscalp=215, vertex=215)
    assert est.stage == "II"
    assert est.graft_range is None


def test_deep_temporal_recession_is_iii_with_grafts():
    est = norwood(frontal=210, temporal=TEMPORAL_NORMAL * 0.5, midscalp=215, vertex=215)
    assert est.stage == "III"
    assert est.graft_range == (1000, 1600)


def test_temporal_recession_with_crown_loss_is_iii_vertex():
    est = norwood(frontal=210, temporal=TEMPORAL_NORMAL * 0.5, midscalp=215, vertex=160)
    assert est.stage == "III vertex"
    assert est.graft_range == (1200, 1600)


def test_frontal_and_vertex_loss_with_preserved_band_is_iv():
    est = norwood(frontal=110, temporal=TEMPORAL_NORMAL * 0.7, midscalp=205, vertex=110)
    assert est.stage == "IV"
    assert est.graft_range == (1600, 2200)
    assert "Bernstein" in est.graft_source


def test_thinning_band_is_v():
    est = norwood(frontal=100, temporal=TEMPORAL_NORMAL * 0.7, midscalp=110, vertex=100)
    assert est.stage == "V"


def test_lost_band_is_vi():
    est = norwood(frontal=40, temporal=TEMPORAL_NORMAL * 0.8, midscalp=40, vertex=40)
    assert (est.stage, est.graft_range) == ("VI", (2400, 3000))


def test_only_a_low_wreath_is_vii():
    est = norwood(frontal=30, temporal=TEMPORAL_NORMAL * 0.4, midscalp=30, vertex=30)
    assert (est.stage, est.graft_range) == ("VII", (2500, 3200))


def test_norwood_without_occipital_returns_no_stage_with_reason():
    est = estimate_norwood(visit(DAY, frontal=150, temporal=120, midscalp=150, vertex=150).zones)
    assert est.stage is None and not est.available
    assert "occipital" in est.reason


def test_norwood_without_vertex_names_the_missing_zone():
    est = estimate_norwood(visit(DAY, frontal=150, temporal=120, midscalp=150, occipital=OCC).zones)
    assert est.stage is None
    assert "vertex" in est.reason


def test_estimate_says_it_is_from_density_ratios_not_visual_grading():
    est = norwood(frontal=110, temporal=TEMPORAL_NORMAL * 0.7, midscalp=205, vertex=110)
    assert "density ratios" in est.method_note
    assert "not a visual grading" in est.method_note
    assert "0.63-0.68" in est.method_note


@pytest.mark.parametrize(
    ("crown", "stage"), [(200, "none"), (160, "I"), (110, "II"), (50, "III")], ids=str
)
def test_ludwig_grade_follows_crown_reduction_behind_preserved_frontal(crown, stage):
    zones = visit(DAY, frontal=205, midscalp=crown, vertex=crown, occipital=OCC).zones
    assert estimate_ludwig(zones).stage == stage


def test_ludwig_does_not_grade_when_frontal_is_lost():
    zones = visit(DAY, frontal=100, midscalp=100, vertex=100, occipital=OCC).zones
    est = estimate_ludwig(zones)
    assert est.stage is None
    assert "not preserved" in est.reason


def test_ludwig_needs_no_temporal_photo_but_needs_midscalp():
    assert estimate_ludwig(
        visit(DAY, frontal=200, midscalp=150, vertex=150, occipital=OCC).zones
    ).available
    est = estimate_ludwig(visit(DAY, frontal=200, vertex=150, occipital=OCC).zones)
    assert est.stage is None and "midscalp" in est.reason


def test_scale_follows_sex_and_is_none_for_unknown_sex():
    zones = diffuse_visit(DAY, 150).zones
    assert estimate_scale(zones, "male").scale == "norwood"
    assert estimate_scale(zones, "female").scale == "ludwig"
    assert estimate_scale(zones, "unknown") is None


def test_norwood_ii_is_not_counted_as_patterned_loss():
    est = norwood(frontal=215, temporal=TEMPORAL_NORMAL * 0.75, midscalp=215, vertex=215)
    assert not is_patterned(est)
    assert is_patterned(norwood(frontal=110, temporal=150, midscalp=205, vertex=110))

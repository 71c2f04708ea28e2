from datetime import date, timedelta

import pytest

from patients.recovery import PHASES, expected_band, phase_at
from tests.patients.clinical_builders import TREATMENT_START, month

START = TREATMENT_START


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (START - timedelta(days=1), "before_treatment"),
        (START, "weeks_1_4"),
        (START + timedelta(days=27), "weeks_1_4"),
        (START + timedelta(days=28), "months_2_3"),
        (month(2), "months_2_3"),
        (month(3) - timedelta(days=1), "months_2_3"),
        (month(3), "months_3_6"),
        (month(6) - timedelta(days=1), "months_3_6"),
        (month(6), "months_6_12"),
        (month(12) - timedelta(days=1), "months_6_12"),
        (month(12), "plateau"),
        (month(30), "plateau"),
    ],
    ids=lambda v: str(v),
)
def test_phase_boundaries_at_week_4_and_months_3_6_12(on, expected):
    assert phase_at(START, on).code == expected


def test_phases_are_contiguous_and_each_cites_a_source():
    for earlier, later in zip(PHASES, PHASES[1:], strict=False):
        assert earlier.ends_on(START) == later.starts_on(START)
    assert all("DOMAIN.md §4" in p.source for p in PHASES)


def test_month_arithmetic_clamps_to_month_end():
    assert phase_at(date(2024, 1, 31), date(2024, 4, 30)).code == "months_3_6"


def test_expected_band_has_no_gain_at_month_3():
    band = expected_band(START, month(3), nadir=100.0, baseline=100.0)
    assert (band.low_per_cm2, band.high_per_cm2) == pytest.approx((100.0, 105.0))


def test_expected_band_is_5_to_15_percent_above_nadir_at_month_6():
    band = expected_band(START, month(6), nadir=100.0, baseline=100.0)
    assert (band.low_per_cm2, band.high_per_cm2) == pytest.approx((105.0, 115.0))


def test_expected_band_approaches_pre_deficiency_baseline_by_month_12():
    band = expected_band(START, month(12), nadir=100.0, baseline=140.0)
    assert band.low_per_cm2 == pytest.approx(120.0)  # half the gap closed
    assert band.high_per_cm2 == pytest.approx(140.0)


def test_expected_band_is_flat_after_month_12():
    at_12 = expected_band(START, month(12), nadir=100.0, baseline=140.0)
    at_20 = expected_band(START, month(20), nadir=100.0, baseline=140.0)
    assert (at_12.low_per_cm2, at_12.high_per_cm2) == (at_20.low_per_cm2, at_20.high_per_cm2)


def test_no_expected_band_before_treatment():
    assert expected_band(START, START - timedelta(days=1), nadir=100, baseline=100) is None

"""Grouping of located exit points into follicular units (pure core, no database)."""

from __future__ import annotations

import numpy as np

from imaging.density.constants import FU_MAX_SPREAD_CLIPPED_MM, FU_MAX_SPREAD_MM
from imaging.density.follicular import group_units

PPM = 100.0  # pixels per mm


def _units(points_mm: list[tuple[float, float]], spread_mm: float = FU_MAX_SPREAD_MM) -> int:
    labels = group_units(np.asarray(points_mm, float) * PPM, PPM, spread_mm)
    return int(labels.max()) + 1


def test_long_hairs_whose_roots_were_located_half_a_millimetre_apart_are_one_unit():
    # a long hair's root is located to within ~0.3 mm: two hairs of one opening land this far
    # apart and must not become two units
    assert _units([(2.0, 2.0), (2.55, 2.0)]) == 1


def test_units_a_millimetre_apart_stay_separate():
    # neighbouring units lie ~1 mm apart at 65-110 FU/cm2 (DOMAIN.md section 5)
    assert _units([(2.0, 2.0), (3.0, 2.0), (2.0, 3.0), (3.0, 3.0)]) == 4


def test_a_row_of_roots_half_a_millimetre_apart_does_not_chain_into_one_unit():
    row = [(1.0 + 0.5 * k, 2.0) for k in range(6)]  # 2.5 mm long
    assert _units(row) >= 3


def test_clipped_stubs_located_half_a_millimetre_apart_are_two_units():
    # a stub's exit is located to within ~0.1 mm: the clipped spread stays tight
    assert _units([(2.0, 2.0), (2.5, 2.0)], FU_MAX_SPREAD_CLIPPED_MM) == 2

"""Per-group order statistics (pure, no Django): what np.quantile gives group by group."""

import numpy as np

from imaging.density.grouped import group_quantiles


def _scattered(n_groups: int, size: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, n_groups, size)
    values = np.round(rng.normal(50.0, 20.0, size), 1)  # rounded: plenty of ties
    return values, groups


def test_each_group_gets_numpy_s_quantiles_interpolated_or_the_lower_value():
    values, groups = _scattered(40, 3000)
    qs = (0.1, 0.5, 0.85)
    interp = group_quantiles(values, groups, 41, qs)
    lower = group_quantiles(values, groups, 41, qs, interpolate=False)
    for g in range(40):
        own = values[groups == g]
        for k, q in enumerate(qs):
            assert np.isclose(interp[k][g], np.quantile(own, q))
            assert lower[k][g] == np.quantile(own, q, method="lower")
    assert np.isnan(interp[0][40]) and np.isnan(lower[2][40])  # an empty group


def test_more_groups_than_sixteen_bits_still_sort_by_group():
    values, groups = _scattered(70_000, 200_000, seed=1)
    (median,) = group_quantiles(values, groups, 70_000, (0.5,))
    for g in (0, 1, 65_535, 65_536, 69_999):
        own = values[groups == g]
        assert np.isclose(median[g], np.median(own)) if own.size else np.isnan(median[g])

"""Per-group order statistics over flat arrays (one sort for all groups, no Python loop)."""

from __future__ import annotations

import numpy as np


def group_quantile(
    values: np.ndarray, groups: np.ndarray, n: int, q: float, *, interpolate: bool = True
) -> np.ndarray:
    """The ``q`` quantile of ``values`` in each of the groups ``0..n-1`` (NaN where empty).

    ``interpolate``: linear between the two neighbouring order statistics (as ``np.quantile``);
    otherwise the lower of them (a value that occurs in the group).
    """
    out = np.full(n, np.nan)
    if values.size == 0:
        return out
    order = np.lexsort((values, groups))
    g, v = groups[order], values[order]
    starts = np.searchsorted(g, np.arange(n), side="left")
    counts = np.bincount(g, minlength=n)
    ok = counts > 0
    if not interpolate:
        pos = starts + np.floor(q * (counts - 1)).astype(np.int64)
        out[ok] = v[np.clip(pos[ok], 0, len(v) - 1)]
        return out
    pos = starts + q * (counts - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, starts + counts - 1)
    fr = pos - lo
    idx = np.flatnonzero(ok)
    out[idx] = np.where(fr[idx] > 0, v[lo[idx]] * (1 - fr[idx]) + v[hi[idx]] * fr[idx], v[lo[idx]])
    return out


def group_median(values: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """The median of ``values`` in each of the groups ``0..n-1`` (NaN where empty)."""
    return group_quantile(values, groups, n, 0.5)

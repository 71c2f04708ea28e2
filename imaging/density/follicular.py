"""Grouping of exit points into follicular units."""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from scipy.spatial.distance import pdist

from .constants import FU_MAX_SPREAD_MM


def group_units(
    points_px: np.ndarray, pixels_per_mm: float, max_spread_mm: float = FU_MAX_SPREAD_MM
) -> np.ndarray:
    """Label exit points so that every unit spans at most ``max_spread_mm`` (complete linkage).

    Complete linkage stops dense scalps from chaining neighbouring units into one; the KD-tree
    pre-split keeps the cost near-linear in the number of hairs.
    """
    n = len(points_px)
    if n == 0:
        return np.zeros(0, np.int64)
    r = max_spread_mm * pixels_per_mm
    pairs = cKDTree(points_px).query_pairs(r, output_type="ndarray")
    g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, comp = connected_components(g, directed=False)
    labels = -np.ones(n, np.int64)
    next_label = 0
    order = np.argsort(comp, kind="stable")
    bounds = np.flatnonzero(np.diff(comp[order])) + 1
    for members in np.split(order, bounds):
        # complete linkage merges a group last at its largest pairwise distance: a group no
        # wider than the spread is one unit (most groups; linkage costs ~0.4 ms a call)
        if len(members) == 1 or pdist(points_px[members]).max() <= r:
            labels[members] = next_label
            next_label += 1
            continue
        z = linkage(points_px[members], method="complete")
        sub = fcluster(z, t=r, criterion="distance") - 1
        labels[members] = next_label + sub
        next_label += int(sub.max()) + 1
    # renumber in reading order of unit centres for stable output
    uniq, inv = np.unique(labels, return_inverse=True)
    cy = np.bincount(inv, weights=points_px[:, 1]) / np.bincount(inv)
    cx = np.bincount(inv, weights=points_px[:, 0]) / np.bincount(inv)
    rank = np.empty(len(uniq), np.int64)
    rank[np.lexsort((cx, cy))] = np.arange(len(uniq))
    return rank[inv]

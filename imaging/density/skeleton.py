"""Skeletonisation and skeleton-graph decomposition, vectorised over foreground pixels.

Thinning is Zhang-Suen with 256-entry lookup tables evaluated only on foreground pixels, so the
cost scales with the shaft area, not the image area. The skeleton is then cut at junctions into
branches whose pixels are ordered by geodesic distance (one multi-source Dijkstra for all).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

# neighbour order P2..P9 (N, NE, E, SE, S, SW, W, NW) as (dy, dx)
_RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _build_luts() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    codes = np.arange(256)
    bits = (codes[:, None] >> np.arange(8)) & 1  # bit k = ring position k
    b = bits.sum(1)
    a = ((bits == 0) & (np.roll(bits, -1, axis=1) == 1)).sum(1)
    p2, p4, p6, p8 = bits[:, 0], bits[:, 2], bits[:, 4], bits[:, 6]
    base = (b >= 2) & (b <= 6) & (a == 1)
    sub1 = base & (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
    sub2 = base & (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
    # number of 8-connected groups among the set neighbours
    comps = np.zeros(256, np.int8)
    for code in range(256):
        on = [k for k in range(8) if code >> k & 1]
        seen: set[int] = set()
        n = 0
        for s in on:
            if s in seen:
                continue
            n += 1
            stack = [s]
            while stack:
                q = stack.pop()
                if q in seen:
                    continue
                seen.add(q)
                for r in on:
                    if r not in seen:
                        dy = _RING[q][0] - _RING[r][0]
                        dx = _RING[q][1] - _RING[r][1]
                        if max(abs(dy), abs(dx)) <= 1:
                            stack.append(r)
        comps[code] = n
    return sub1, sub2, comps, b.astype(np.int8)


_SUB1, _SUB2, _COMPS, _COUNT = _build_luts()
# L-corner pixels (two 4-neighbours at a right angle) that are redundant in an 8-connected line
_CORNERS = ((0, 2), (2, 4), (4, 6), (6, 0))


def _codes(flat: np.ndarray, idx: np.ndarray, offs: np.ndarray) -> np.ndarray:
    nb = flat[idx[:, None] + offs[None, :]]
    return np.packbits(nb, axis=1, bitorder="little")[:, 0]


def _offsets(width: int) -> np.ndarray:
    return np.array([dy * width + dx for dy, dx in _RING], dtype=np.int64)


_CODE_KERNEL = np.zeros((3, 3), np.float32)
for _k, (_dy, _dx) in enumerate(_RING):
    _CODE_KERNEL[1 + _dy, 1 + _dx] = float(1 << _k)
_LUT1 = _SUB1.astype(np.uint8)
_LUT2 = _SUB2.astype(np.uint8)
_CORNER_LUTS = [
    (((np.arange(256) >> i) & 1) & ((np.arange(256) >> j) & 1) & (_COMPS == 1)).astype(np.uint8)
    for i, j in _CORNERS
]


def neighbour_codes(img: np.ndarray) -> np.ndarray:
    """8-bit neighbourhood code of every pixel of a 0/1 uint8 image (bit k = ring position k)."""
    return cv2.filter2D(img, -1, _CODE_KERNEL, borderType=cv2.BORDER_CONSTANT)


# below this many pixels removed by the last two sub-iterations, thinning goes on pixel by pixel
# (pixels next to those removed) rather than over the whole image
SPARSE_BELOW = 8_000


def thin(mask: np.ndarray, max_iter: int = 60) -> np.ndarray:
    """One-pixel-wide, 8-connected skeleton of a binary mask (Zhang-Suen plus corner cleanup).

    While they remove many pixels, sub-iterations run on the whole image (3x3 code filter,
    lookup, subtract). The last ones, which peel only the thick blobs (tangles, openings), look
    at the pixels next to those removed in the two sub-iterations before: a pixel whose
    neighbourhood has not changed since that lookup was last applied to it keeps its verdict.
    The result is exactly Zhang-Suen's.
    """
    img = mask.astype(np.uint8)
    h, w = img.shape
    luts = (_LUT1, _LUT2)
    last: list[np.ndarray] = []  # removal maps of the last two sub-iterations
    # removals per sub-iteration; the two seeds make the first iteration run on the whole image
    # (the pixel-by-pixel steps need two removal maps to start from)
    counts = [1, 1]
    step = 0
    # two sub-iterations in a row that remove nothing leave the image as the next one finds it:
    # nothing will change any more (plain Zhang-Suen stops after a whole such iteration)
    while step < 2 * max_iter and sum(counts[-2:]) > 0:
        if step >= 2 and sum(counts[-2:]) < SPARSE_BELOW:
            break
        rm = cv2.bitwise_and(cv2.LUT(neighbour_codes(img), luts[step % 2]), img)
        counts.append(cv2.countNonZero(rm))
        if counts[-1]:
            img = cv2.subtract(img, rm)
        last = [*last[-1:], rm]
        step += 1
    pad = np.zeros((h + 2, w + 2), np.uint8)
    pad[1:-1, 1:-1] = img
    flat = pad.ravel()
    offs = _offsets(w + 2)
    removed = [_padded_indices(rm, w) for rm in last]
    for k in range(step, 2 * max_iter):
        recent = np.concatenate(removed)  # the last two sub-iterations' removals
        if recent.size == 0:
            break
        cand = (recent[:, None] + offs[None, :]).ravel()
        cand = cand[flat[cand] > 0]
        gone = np.unique(cand[luts[k % 2][_codes(flat, cand, offs)] > 0])
        flat[gone] = 0
        removed = [removed[-1], gone]
    img = np.ascontiguousarray(pad[1:-1, 1:-1])
    for lut in _CORNER_LUTS:  # sequential passes so that a 2x2 block never loses connectivity
        img = cv2.subtract(img, cv2.bitwise_and(cv2.LUT(neighbour_codes(img), lut), img))
    return img.astype(bool)


def _padded_indices(img: np.ndarray, w: int) -> np.ndarray:
    """Flat indices of the non-zero pixels of ``img`` (``w`` wide) in the same image framed
    by one pixel."""
    pts = cv2.findNonZero(img)
    if pts is None:
        return np.zeros(0, np.int64)
    xy = pts.reshape(-1, 2).astype(np.int64)
    return (xy[:, 1] + 1) * (w + 2) + xy[:, 0] + 1


def neighbour_stats(skel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For skeleton pixels: (flat indices in the unpadded image, neighbour count, groups)."""
    h, w = skel.shape
    pad = np.zeros((h + 2, w + 2), bool)
    pad[1:-1, 1:-1] = skel
    flat = pad.ravel()
    idx = np.flatnonzero(flat)
    code = _codes(flat, idx, _offsets(w + 2))
    y, x = np.divmod(idx, w + 2)
    return (y - 1) * w + (x - 1), _COUNT[code], _COMPS[code]


@dataclass
class Branches:
    """Skeleton branches between junction regions, pixels ordered along each branch."""

    shape: tuple[int, int]
    pix: np.ndarray  # flat pixel indices, sorted by (branch, distance from start)
    branch: np.ndarray  # branch id of each entry of pix
    dist: np.ndarray  # geodesic distance (px) from the branch start
    offsets: np.ndarray  # CSR offsets into pix, len n+1
    length: np.ndarray  # branch length in px
    ends: np.ndarray  # (n, 2) flat pixel index of start / far end
    loop: np.ndarray  # (n,) bool, closed loop without ends
    # per entry of pix: on a shortest path from the branch's start to its far end. A branch
    # whose junction went undetected (a crossing thinned to a block of pixels with neighbours
    # in two groups) is a small tree, and ordered by distance its arms interleave
    main: np.ndarray

    @property
    def n(self) -> int:
        return len(self.length)

    def xy(self, flat_idx: np.ndarray) -> np.ndarray:
        y, x = np.divmod(flat_idx, self.shape[1])
        return np.stack([x, y], -1).astype(np.float64)

    def chain_xy(
        self, partner: np.ndarray, start: int, max_per_branch: int | None = None
    ) -> np.ndarray:
        """(x, y) points, in order, of the chain of branches from end ``start`` (ends numbered
        2 * branch + side): along each branch's main line, then across its junction to the end
        ``partner`` joins it to (-1: none); about ``max_per_branch`` points of each at most."""
        pts = []
        seen = set()
        e = start
        while e >= 0 and e // 2 not in seen:
            b = e // 2
            seen.add(b)
            o0, o1 = self.offsets[b], self.offsets[b + 1]
            seg = self.pix[o0:o1][self.main[o0:o1]]
            if max_per_branch is not None and len(seg) > 2:
                seg = seg[:: max(1, len(seg) // max_per_branch)]
            pts.append(self.xy(seg[::-1] if e % 2 else seg))
            e = int(partner[e ^ 1])
        return np.vstack(pts) if pts else np.zeros((0, 2))

    def point_at(self, b: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Flat pixel index on branch ``b`` nearest to distance ``d`` from its start."""
        key = self.branch.astype(np.float64) * 1e7 + self.dist
        q = b.astype(np.float64) * 1e7 + np.clip(d, 0, self.length[b])
        i = np.searchsorted(key, q)
        lo = np.clip(i - 1, self.offsets[b], self.offsets[b + 1] - 1)
        hi = np.clip(i, self.offsets[b], self.offsets[b + 1] - 1)
        pick = np.where(np.abs(key[lo] - q) <= np.abs(key[hi] - q), lo, hi)
        return self.pix[pick]


def split_branches(skel: np.ndarray, junction_region: np.ndarray) -> Branches:
    """Cut the skeleton by a junction-region mask and order each remaining branch (by geodesic
    distance from one end; ``main`` marks a shortest path from that end to the far one)."""
    h, w = skel.shape
    rest = skel & ~junction_region
    n_lab, lab = cv2.connectedComponents(rest.astype(np.uint8), connectivity=8)
    idx, count, groups = neighbour_stats(rest)
    labels = lab.ravel()[idx] - 1
    n = n_lab - 1
    if n <= 0 or idx.size == 0:
        z = np.zeros(0, np.int64)
        return Branches(
            (h, w),
            z,
            z,
            np.zeros(0),
            np.zeros(1, np.int64),
            np.zeros(0),
            np.zeros((0, 2), np.int64),
            np.zeros(0, bool),
            np.zeros(0, bool),
        )
    # graph over branch pixels (8-neighbour edges)
    pos = -np.ones(h * w, np.int64)
    pos[idx] = np.arange(idx.size)
    y, x = np.divmod(idx, w)
    rows, cols, wts = [], [], []
    for dy, dx, wt in ((0, 1, 1.0), (1, -1, 1.4142), (1, 0, 1.0), (1, 1, 1.4142)):
        yy, xx = y + dy, x + dx
        ok = (yy < h) & (xx >= 0) & (xx < w)
        j = np.full(idx.size, -1, np.int64)
        j[ok] = pos[yy[ok] * w + xx[ok]]
        ok = j >= 0
        rows.append(np.flatnonzero(ok))
        cols.append(j[ok])
        wts.append(np.full(int(ok.sum()), wt))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    g = sparse.coo_matrix((np.concatenate(wts), (r, c)), shape=(idx.size, idx.size)).tocsr()
    # start: an end pixel (<= 1 neighbour, or neighbours forming one group) per branch
    is_end = (count <= 1) | (groups == 1)
    end_nodes = np.flatnonzero(is_end)
    first = np.full(n, -1, np.int64)
    order = np.argsort(labels[end_nodes], kind="stable")
    eb = labels[end_nodes][order]
    u, ui = np.unique(eb, return_index=True)
    first[u] = end_nodes[order][ui]
    loop = first < 0
    if loop.any():  # closed loops: start anywhere
        lo_nodes = np.flatnonzero(loop[labels])
        lu, li = np.unique(labels[lo_nodes], return_index=True)
        first[lu] = lo_nodes[li]
    dist, pred, _ = csgraph.dijkstra(
        g, directed=False, indices=first, min_only=True, return_predecessors=True
    )
    dist = np.where(np.isfinite(dist), dist, 0.0)
    srt = np.lexsort((dist, labels))
    pix = idx[srt]
    br = labels[srt]
    dd = dist[srt]
    offsets = np.zeros(n + 1, np.int64)
    offsets[1:] = np.cumsum(np.bincount(br, minlength=n))
    length = dd[offsets[1:] - 1]  # each branch's pixels in order of distance: its last is farthest
    ends = np.stack([pix[offsets[:-1]], pix[offsets[1:] - 1]], 1)
    # the main line: back from every branch's far end to its start, one step per pass
    on_main = np.zeros(idx.size, bool)
    walk = srt[offsets[1:] - 1]
    while walk.size:
        on_main[walk] = True
        walk = pred[walk]
        walk = walk[walk >= 0]
    return Branches((h, w), pix, br, dd, offsets, length, ends, loop, on_main[srt])

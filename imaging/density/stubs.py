"""Clipped hair (phototrichogram): which blobs are stubs, and how many stubs each holds.

Every stub traced through a blob's skeleton is one hair (stub_ends.py: exit, cut end, whether
its exit lies inside the photo). Stubs of one follicular unit leave the scalp from one opening
side by side and merge into one blob; their skeleton may show one line, not one per hair. What
does not merge is the physics of the cross-section: across a slice of the blob the integrated
shaft contrast divided by the shaft's peak contrast is the width of shaft material in that
slice, i.e. n x the diameter of one shaft where n stubs lie side by side. The single-shaft
width is measured in the same image (the narrowest stretch of every blob, where only the
longest stub remains), so the count needs no assumption about magnification, hair colour or
diameter. A blob counts the more of the two: its traced stubs or the stubs its width holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from .grouped import group_quantiles
from .skeleton import thin
from .stub_ends import MAX_STUB_MM, trace_stubs

# A phototrichogram's stubs are clipped to ~0.5 mm and regrow (DOMAIN.md section 7): none is
# much shorter than ~0.3 mm in view. The blob's extent (grown by a pixel, blurred edges) reads
# ~0.1 mm longer than the shaft, so this drops blobs under ~0.2 mm: the rims of yellow dots,
# corners and edges of scales, glare fragments, pieces of a shaft split off its own blob. On
# sparse scalps they were a fifth of the hairs counted (benchmark at 40 hairs/cm2).
MIN_STUB_LENGTH_MM = 0.3
MIN_COHERENCE = 0.4  # gradient-orientation coherence: dots/rings ~0-0.25, stubs 0.5-0.9
MIN_ELONGATION = 1.2  # length / mean width
# so elongated a blob is a line whatever its gradients say (a faint shaft on mottled skin)
LINE_ELONGATION = 2.5
TANGLE_MIN_MM = 1.0  # skeleton of a tangle: several stubs (a yellow dot's rim is < 1 mm)
MIN_TANGLE_COHERENCE = 0.15  # flakes' outlines and blotches point every way
PATH_WIDTH_Q = 0.75  # along a path: where all its side-by-side stubs still overlap
SINGLE_PATH_PERCENTILE = 30  # most traced paths are one stub wide (of the contrasty half)
SINGLE_WIDTH_Q = 0.25  # per-blob quantile of the width profile taken as "one shaft"
COUNT_Q = 0.85  # per-blob quantile of the width profile that counts the stubs side by side
OPENING_SPREAD_DIAMETERS = 2.75
PEAK_Q = 0.9  # per-blob quantile of contrast taken as the shaft-centre contrast
MAX_LOW_WIDTH = 2.2
UNIFORM_RATIO = 1.3  # widest / narrow stretch of a single stub
TERMINAL_UM = (45.0, 110.0)  # plausible width of the single-shaft unit
MAX_PER_BLOB = 6
# hairs leaving one opening: about 2.2 on average (DOMAIN.md section 5); follicular units hold one
# to four, larger ones are rare
MAX_PER_UNIT = 4
# A specular highlight (glare off the skin's film or the dermoscope's glass) is a smooth bump of
# light: across it the contrast rises over its whole radius (0.1-0.6 mm), while across a shaft
# it rises within the shaft's edge, a few hundredths of a millimetre even when blurred. A blob
# whose steepest tenth of contrast gradients (EDGE_Q) still needs GLARE_EDGE_MM to rise to its
# peak contrast is glare, whatever its colour or shape. Seed-3 benchmark, realistic clipped: blobs
# holding true hairs rise within 0.055 mm (10th percentile; median 0.043), glare blobs over
# 0.15 mm (90th percentile; median 0.17); at 40 hairs/cm2 glare had added 82 false hairs to
# 1238 true ones, 5 or 6 in a single elongated spot.
EDGE_Q = 0.9
GLARE_EDGE_MM = 0.1
# A scale (a white flake of the stratum corneum) is far brighter than skin, and the black-hat
# finds a dark line along its edge: bright flake on one side, skin on the other. A shaft has
# skin on both sides, or the flake on both where it lies across one. A line with one flank
# (only) brighter than SCALE_BRIGHTNESS times the skin over SCALE_RIM_SHARE of its length is a
# rim. Seed-3 benchmark, realistic clipped: at 40 hairs/cm2 20.4 (+19.1) -> 18.4 (+13.1) %, FU
# 18.2 -> 14.3 %; at 80-300 hairs/cm2 unchanged (11.7 %).
SCALE_BRIGHTNESS = 1.2
SCALE_RIM_SHARE = 0.8
FLANK_MM = 0.06  # about one shaft width beyond the edge: clear of the shaft's blur
SCALE_MIN_MM = 0.1  # a flake is broader than this; a glint along a shaft is not
# A hair is drawn (the clinician's density map) and its diameter measured along the straight
# line from its exit to its cut end. Where the traced route ran through a junction into another
# unit's stub, that chord cuts across bare skin: on the seed-3 benchmark (realistic clipped) a
# tenth of the hairs' lines lay more than 30 % off the shafts. A line with less than
# ON_SHAFT_SHARE of its length on its blob is drawn instead along the longest straight run of
# the blob from its exit, turning at most MAX_RELAY_TURN_DEG from the chord (the chord keeps the
# hair stream's sense: exit -> cut end; with no run that way, in any direction), and no longer
# than MAX_RELAY_STRETCH times the chord (a run may go on into the next stub of a chain).
ON_SHAFT_SHARE = 0.9
CHORD_SAMPLES = 21  # points read along a line to tell its share on the blob
MAX_RELAY_TURN_DEG = 60.0
RELAY_STEP_DEG = 3.0
MAX_RELAY_STRETCH = 1.2
# stubs hidden alongside traced (parted) stubs: a unit holds up to four hairs, and with two of
# them parted, more than two others lying unresolved beside them is implausible
MAX_HIDDEN_BESIDE_PATHS = 2


def _union_widths(n_max: int, spread: float) -> np.ndarray:
    """Expected width of the union of n unit-wide shafts spread laterally over ``spread``."""
    rng = np.random.default_rng(0)
    out = np.ones(n_max)
    for n in range(2, n_max + 1):
        c = np.sort(rng.uniform(0, spread, (4000, n)), axis=1)
        out[n - 1] = float((np.minimum(np.diff(c, axis=1), 1.0).sum(1) + 1).mean())
    return out


# Shafts of one unit leave one opening (ostium ~0.2 mm, about 2.75 terminal diameters) and
# overlap: n stubs side by side look narrower than n shafts. Thresholds between the expected
# union widths of n and n+1 shafts turn a measured width (in single-shaft units) into a count.
_UNION = _union_widths(MAX_PER_BLOB, OPENING_SPREAD_DIAMETERS)
_THRESHOLDS = 0.5 * (_UNION[:-1] + _UNION[1:])
# Stubs of a blob whose skeleton is one line never parted: the mask closes skin slits narrower
# than about 0.05 mm (pipeline._fill_slits), so their centres lie within about one diameter
# plus that slit, ~1.75 terminal diameters, not anywhere in the opening. Read with the
# opening's spread, two such stubs (union ~1.3 widths, not 1.7) counted as one: on the seed-3
# benchmark (realistic clipped, photo-sized fields) 56 % of the two-hair blobs traced as one
# line were counted one hair. With this spread the clipped hair count's median error fell on
# every seed: realistic 9.7 -> 9.2 (seed 3), 10.7 -> 10.6 (1), 12.0 -> 11.5 % (held-out 2);
# harsh (short stubs, which part least) 15.1 -> 10.1 (3) and 19.2 -> 12.7 % (1).
UNPARTED_SPREAD_DIAMETERS = 1.75
_UNION_UNPARTED = _union_widths(MAX_PER_BLOB, UNPARTED_SPREAD_DIAMETERS)
_THRESHOLDS_UNPARTED = 0.5 * (_UNION_UNPARTED[:-1] + _UNION_UNPARTED[1:])
# A tangle's area per skeleton length, in thick shafts: at most that of a unit of four stubs
# lying side by side from one opening (the union width of MAX_PER_UNIT), whose skeleton is one
# line; a flake or a blotch is far wider. Bounded at 1.7 (two stubs side by side), tangles of
# thick black stubs whose units lie side by side were taken for patches and dropped whole: on the
# seed-3 benchmark (realistic clipped, photo-sized fields) 11 blobs holding 76 hairs counted
# none (one held 21); with this bound their absolute error is 20 hairs.
TANGLE_MAX_WIDTH = float(_UNION[MAX_PER_UNIT - 1])


def stubs_from_width(ratio: np.ndarray, *, parted: bool = True) -> np.ndarray:
    """Number of overlapping shafts whose union is ``ratio`` single-shaft widths wide: spread
    over the opening (``parted``: the skeleton traced them apart somewhere), or lying within
    the mask's slit closing of each other (never parted: one skeleton line)."""
    thresholds = _THRESHOLDS if parted else _THRESHOLDS_UNPARTED
    return 1 + np.searchsorted(thresholds, np.nan_to_num(np.asarray(ratio, float)))


def width_count_beside_paths(width_ratio: float, n_paths: int) -> int:
    """The stubs side by side that a blob ``width_ratio`` single-shaft widths wide holds,
    bounded where the skeleton traced several stubs.

    One traced path: the stubs never parted and their width is read as such
    (UNPARTED_SPREAD_DIAMETERS).

    Traced stubs have parted (they leave one opening and diverge, DOMAIN.md section 7: several
    hairs leave one opening), so the blob's widest slices cross them obliquely with skin
    between and read as more shafts side by side than there are (the union-width thresholds
    crowd together above 2.3 single widths); only MAX_HIDDEN_BESIDE_PATHS further stubs may lie
    unresolved along the traced ones. On the benchmark (seed 3, realistic), 19 of 68 two-hair
    blobs traced as two stubs were counted 3-6 from width alone.
    """
    if n_paths <= 1:
        return int(stubs_from_width(width_ratio, parted=False))
    return min(int(stubs_from_width(width_ratio)), n_paths + MAX_HIDDEN_BESIDE_PATHS)


def hairs_in_blob(n: int, n_paths: int) -> int:
    """A blob's count ``n`` bounded: a blob traced as one stub is one unit's stubs lying side by
    side, at most MAX_PER_UNIT; otherwise at most MAX_PER_BLOB hairs (two units side by side),
    or, where more stubs were traced (a tangle of several units), those and at most
    MAX_HIDDEN_BESIDE_PATHS more lying unresolved beside them (the bound the width count keeps,
    width_count_beside_paths).

    A one-stub blob whose width read five or six shafts was mostly a wide patch or a unit fanning
    out: on the seed-3 benchmark (realistic clipped, photo-sized fields) 36 such blobs held 70
    hairs and counted 203; bounded by a unit, their absolute error fell from 133 to 84 hairs.

    Without the allowance the stubs side by side along a tangle's traced paths were dropped: on
    the seed-3 benchmark (realistic clipped, photo-sized fields) tangles of 8 or more stubs,
    which hold nearly a third of the hairs, were counted 0.84 of their hairs. With it, their
    absolute error summed over blobs fell from 1564 to 1346 hairs (blobs of 5-7 stubs rose from
    952 to 1135); unbounded, tangles were overcounted (2035).
    """
    if n_paths <= 1:
        return min(n, MAX_PER_UNIT)
    return min(n, max(MAX_PER_BLOB, n_paths + MAX_HIDDEN_BESIDE_PATHS))


def hairs_in_view(width_ratio: float, in_view: np.ndarray, from_frame: np.ndarray) -> int:
    """Hairs of a blob that left the scalp inside the photo.

    ``width_ratio``: the blob's width in single-shaft widths (width_count_beside_paths reads the
    stubs side by side from it); ``in_view`` and
    ``from_frame``: the stubs side by side along each traced stub whose exit lies in the photo,
    and along each that ran in from outside the frame. The width counts every stub of the blob,
    but those lying along a stub from outside left the scalp with it, outside the photo: on the
    seed-3 benchmark, blobs at the frame that hold no hair rooted in view were counted 2.7 hairs
    each: one traced stub in view made the whole blob's width count.
    """
    n_traced = int(in_view.sum()) if len(in_view) > 1 else 1
    n_all = width_count_beside_paths(width_ratio, len(in_view) + len(from_frame))
    return max(n_traced, n_all - int(from_frame.sum()))


def _chord_pixels(a: np.ndarray, b: np.ndarray, samples: int = CHORD_SAMPLES) -> np.ndarray:
    """(n, samples, 2) pixels x, y along the straight lines from ``a`` to ``b`` ((n, 2) each),
    both ends included."""
    t = np.linspace(0.0, 1.0, samples)[None, :, None]
    return np.round(a[:, None, :] + t * (b - a)[:, None, :]).astype(np.int64)


def _share_on(
    inside: np.ndarray, a: np.ndarray, b: np.ndarray, samples: int = CHORD_SAMPLES
) -> float:
    h, w = inside.shape
    q = _chord_pixels(a[None, :], b[None, :], samples)[0]
    ok = (q[:, 0] >= 0) & (q[:, 0] < w) & (q[:, 1] >= 0) & (q[:, 1] < h)
    on = np.zeros(samples, bool)
    on[ok] = inside[q[ok, 1], q[ok, 0]]
    return float(on.mean())


def _chords_on_blob(
    grown: np.ndarray,
    boxes: list,
    blob: np.ndarray,
    exit_xy: np.ndarray,
    cut_xy: np.ndarray,
) -> np.ndarray:
    """Per traced stub: does the straight line from its exit to its cut end lie on its blob
    (ON_SHAFT_SHARE of it, as lay_on_shaft's first test, within the blob's box grown by a
    pixel), for all stubs at once."""
    n = len(blob)
    if n == 0:
        return np.zeros(0, bool)
    h, w = grown.shape
    box = [boxes[b - 1] if 0 < b <= len(boxes) and boxes[b - 1] else None for b in blob]
    known = np.array([bx is not None for bx in box])
    ys0 = np.array([max(bx[0].start - 1, 0) if bx else 0 for bx in box])
    xs0 = np.array([max(bx[1].start - 1, 0) if bx else 0 for bx in box])
    hs = np.array([min(bx[0].stop + 1, h) if bx else 0 for bx in box]) - ys0
    ws = np.array([min(bx[1].stop + 1, w) if bx else 0 for bx in box]) - xs0
    at = np.stack([xs0, ys0], 1).astype(float)
    q = _chord_pixels(exit_xy - at, cut_xy - at)
    ok = (q[..., 0] >= 0) & (q[..., 0] < ws[:, None]) & (q[..., 1] >= 0) & (q[..., 1] < hs[:, None])
    gx = np.where(ok, q[..., 0] + xs0[:, None], 0)
    gy = np.where(ok, q[..., 1] + ys0[:, None], 0)
    on = ok & (grown[gy, gx] == blob[:, None])
    return known & (on.mean(1) >= ON_SHAFT_SHARE)


def lay_on_shaft(
    inside: np.ndarray, exit_xy: np.ndarray, cut_xy: np.ndarray, max_len_px: float
) -> np.ndarray:
    """The end of a hair's drawn line: its cut end, or where a line from its exit along the
    shaft ends when the straight line to the cut end leaves the hair's blob.

    ``inside``: the blob's pixels (with a pixel's tolerance), in the coordinates of the two
    points. A line mostly on the blob is kept. Otherwise it runs along the longest straight run
    of the blob from the exit, within MAX_RELAY_TURN_DEG of the old line's direction (or in any
    direction if none), at most ``max_len_px`` long. The exit stays where the tracer found it:
    it is where the hair is counted and grouped into its unit (if it lies off the blob, the
    traced line is kept).
    """
    exit_xy = np.asarray(exit_xy, float)
    cut_xy = np.asarray(cut_xy, float)
    if _share_on(inside, exit_xy, cut_xy) >= ON_SHAFT_SHARE:
        return cut_xy
    h, w = inside.shape
    ex, ey = np.clip(np.round(exit_xy), 0, [w - 1, h - 1]).astype(np.int64)
    if not inside[ey, ex]:
        return cut_xy
    ang = np.deg2rad(np.arange(0.0, 360.0, RELAY_STEP_DEG))
    u = np.stack([np.cos(ang), np.sin(ang)], 1)
    steps = np.arange(1.0, max(max_len_px, 1.0) + 1.0)
    px = np.round(exit_xy[0] + steps[None, :] * u[:, :1]).astype(np.int64)
    py = np.round(exit_xy[1] + steps[None, :] * u[:, 1:]).astype(np.int64)
    ok = (px >= 0) & (px < w) & (py >= 0) & (py < h)
    on = np.zeros(px.shape, bool)
    on[ok] = inside[py[ok], px[ok]]
    run = np.where(on.all(1), len(steps), np.argmin(on, axis=1)).astype(float)
    d = cut_xy - exit_xy
    norm = float(np.hypot(*d))
    if norm > 0:
        ahead = (u @ (d / norm)) >= np.cos(np.deg2rad(MAX_RELAY_TURN_DEG))
        if (run[ahead] > 0).any():
            run = np.where(ahead, run, -1.0)
    k = int(np.argmax(run))
    return exit_xy + max(run[k], 0.0) * u[k]


@dataclass
class Stubs:
    exits: np.ndarray  # (n, 2) working px, one row per counted hair
    blob: np.ndarray  # (n,) blob index of each hair
    polylines: list[np.ndarray]  # per hair (2, 2): exit point -> far end
    diam_px: np.ndarray  # (n,) diameter of each hair in working px (NaN unknown)
    # per hair (2, 2): exit point -> end of the drawn shaft, along the blob (see lay_on_shaft);
    # the diameters are measured along ``polylines``, the traced line
    drawn: list[np.ndarray]
    # (n,) the first hair on its line: the stubs counted beside a traced one share its line,
    # and a line's cross-sections are one measurement, however many hairs it stands for
    first_on_line: np.ndarray
    blob_mask_labels: np.ndarray  # label image of accepted blobs (0 = none)
    single_width_px: float


def _weighted_median(v: np.ndarray, wt: np.ndarray) -> float:
    order = np.argsort(v)
    cw = np.cumsum(wt[order])
    return float(v[order][np.searchsorted(cw, 0.5 * cw[-1])])


def _path_multiplicity(
    mask: np.ndarray,
    contrast: np.ndarray,
    exit_xy: np.ndarray,
    cut_xy: np.ndarray,
    measured: np.ndarray,
) -> np.ndarray:
    """Stubs lying side by side along each traced path, from the mask's width along it.

    One shaft's width is a low percentile of the widths of the more contrasty half of the
    paths (most stubs lie alone along most of their length; faint vellus stubs, about half as
    wide, are left out), and the count uses the same union-width model as the blob's width
    profile. ``measured``: the traced stubs to measure (those whose exits lie in the photo or on
    its edge).
    """
    n = len(exit_xy)
    out = np.ones(n, np.int64)
    if n == 0 or not measured.any():
        return out
    dt = cv2.dilate(cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3), np.ones((3, 3)))
    h, w = dt.shape
    ts = np.linspace(0.2, 0.8, 7)
    pts = exit_xy[:, None, :] + ts[None, :, None] * (cut_xy - exit_xy)[:, None, :]
    x = np.clip(np.round(pts[..., 0]).astype(np.int64), 0, w - 1)
    y = np.clip(np.round(pts[..., 1]).astype(np.int64), 0, h - 1)
    width = 2.0 * np.quantile(dt[y, x], PATH_WIDTH_Q, axis=1)
    ok = measured & (width > 0)
    if ok.sum() < 5:
        return out
    weight = np.maximum(contrast[y, x].mean(1), 0.0) ** 2
    strong = ok & (weight >= np.median(weight[ok]))
    single = float(np.percentile(width[strong], SINGLE_PATH_PERCENTILE))
    out[ok] = stubs_from_width(width[ok] / max(single, 1e-6))
    return np.minimum(out, MAX_PER_BLOB)


def _beside_bright(
    lab: np.ndarray, skel: np.ndarray, norm: np.ndarray, d1: float, ppm: float, n: int
) -> np.ndarray:
    """Per label: the share of its centre line with one flank brighter than the skin, the
    other not.

    ``norm``: the image divided by its skin background (skin ~ 1). A flank is read FLANK_MM
    beyond the blob's edge and SCALE_MIN_MM further out, across the local course of the line
    (structure tensor of the smoothed mask).
    """
    inside = (lab > 0).astype(np.uint8)
    m = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 2.0)
    gx = cv2.Sobel(m, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(m, cv2.CV_32F, 0, 1)
    ys, xs = np.nonzero(skel & (inside > 0))
    if ys.size == 0:
        return np.zeros(n)
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), 3.0)[ys, xs]
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), 3.0)[ys, xs]
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), 3.0)[ys, xs]
    across = 0.5 * np.arctan2(2.0 * jxy, jxx - jyy)  # the gradients run across the line
    # beyond the blob's own edge there (a thick shaft's sheen is no flank)
    half = cv2.distanceTransform(inside, cv2.DIST_L2, 3)[ys, xs]
    r = np.maximum(half, 0.5 * d1) + FLANK_MM * ppm
    h, w = norm.shape
    sides = []
    for sgn in (1.0, -1.0):
        side = np.ones(ys.size, bool)
        for dist in (r, r + SCALE_MIN_MM * ppm):  # broad: a flake, not a glint on a shaft
            x = np.clip(np.round(xs + sgn * dist * np.cos(across)).astype(np.int64), 0, w - 1)
            y = np.clip(np.round(ys + sgn * dist * np.sin(across)).astype(np.int64), 0, h - 1)
            side &= norm[y, x] > SCALE_BRIGHTNESS
        sides.append(side)
    # one flank only: a shaft lying on a flake or in glare is bright on both
    bright_flank = sides[0] ^ sides[1]
    lb = lab[ys, xs]
    bright = np.bincount(lb, bright_flank, n)
    return bright / np.maximum(np.bincount(lb, minlength=n), 1)


def count_stubs(
    mask: np.ndarray, contrast: np.ndarray, ppm: float, norm: np.ndarray | None = None
) -> Stubs:
    """Blobs of a clipped-hair mask -> hairs (exit points), using ``contrast`` profiles.

    ``norm``: the image divided by its skin background, for the scale-rim test."""
    h, w = mask.shape
    n_lab, lab = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    empty = Stubs(
        np.zeros((0, 2)),
        np.zeros(0, np.int64),
        [],
        np.zeros(0),
        [],
        np.zeros(0, bool),
        np.zeros_like(lab),
        float("nan"),
    )
    if n_lab <= 1:
        return empty
    # integrate over the blob grown by one pixel so the blurred shaft edges count too
    labg = cv2.dilate(lab.astype(np.float32), np.ones((3, 3), np.uint8))
    flat_l = labg.ravel()
    idx = np.flatnonzero(flat_l > 0)
    lb = flat_l[idx].astype(np.int64)
    c = np.maximum(contrast.ravel()[idx].astype(np.float64), 0.0)
    y, x = np.divmod(idx, w)
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    nl = n_lab
    wsum = np.bincount(lb, c, nl) + 1e-12
    mx = np.bincount(lb, c * x, nl) / wsum
    my = np.bincount(lb, c * y, nl) / wsum
    dx = x - mx[lb]
    dy = y - my[lb]
    sxx = np.bincount(lb, c * dx * dx, nl) / wsum
    syy = np.bincount(lb, c * dy * dy, nl) / wsum
    sxy = np.bincount(lb, c * dx * dy, nl) / wsum
    theta = 0.5 * np.arctan2(2 * sxy, sxx - syy)
    ux, uy = np.cos(theta), np.sin(theta)
    s = dx * ux[lb] + dy * uy[lb]
    sb = np.floor(s + 0.5).astype(np.int64)
    labels = np.arange(nl)
    smin = np.zeros(nl, np.int64)
    smax = np.zeros(nl, np.int64)
    np.minimum.at(smin, lb, sb)
    np.maximum.at(smax, lb, sb)
    nbins = np.where(labels > 0, smax - smin + 1, 0)
    gap = 4  # empty bins between blobs so smoothing never leaks across
    off = np.zeros(nl + 1, np.int64)
    off[1:] = np.cumsum(nbins + gap)
    key = off[lb] + (sb - smin[lb])
    # peak contrast of every blob: the contrast of a shaft's centre line
    core = mask.ravel()[idx]
    (peak,) = group_quantiles(c[core], lb[core], nl, (PEAK_Q,), interpolate=False)
    peak = np.where(np.isfinite(peak) & (peak > 0), peak, np.inf)
    # shaft material across each slice (px): contrast relative to the shaft centre, capped at 1
    # so overlaps, glare edges and noise never count for more than full cover
    cn = np.minimum(c / peak[lb], 1.0)
    bin_blob = np.repeat(labels, nbins + gap)[: off[-1]]
    width = np.bincount(key, cn, off[-1])
    width[~np.isfinite(width)] = 0.0
    length = nbins.astype(np.float64)
    area = np.bincount(bin_blob, width, nl)
    mean_w = area / np.maximum(length, 1)
    # extent across the main axis: a ring or a flake is about as wide as long, a stub is not
    t = -dx * uy[lb] + dy * ux[lb]
    tmin = np.zeros(nl)
    tmax = np.zeros(nl)
    np.minimum.at(tmin, lb, t)
    np.maximum.at(tmax, lb, t)
    across = tmax - tmin + 1.0
    # orientation coherence of the contrast gradients: parallel shafts share one direction,
    # yellow dots and openings have gradients pointing every way
    gx = cv2.Sobel(contrast, cv2.CV_32F, 1, 0, ksize=3).ravel()[idx].astype(np.float64)
    gy = cv2.Sobel(contrast, cv2.CV_32F, 0, 1, ksize=3).ravel()[idx].astype(np.float64)
    jxx = np.bincount(lb, gx * gx, nl)
    jyy = np.bincount(lb, gy * gy, nl)
    jxy = np.bincount(lb, gx * gy, nl)
    coherence = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / np.maximum(jxx + jyy, 1e-12)
    # share of a blob's pixels steep enough to rise to its peak within GLARE_EDGE_MM (Sobel: 8x)
    steep = np.hypot(gx, gy) * (GLARE_EDGE_MM * ppm / 8.0) >= peak[lb]
    steep_share = np.bincount(lb, steep, nl) / np.maximum(np.bincount(lb, minlength=nl), 1)
    # a tangle: stubs of several units touching and crossing make one large blob whose slices
    # never narrow and whose gradients point several ways, yet it is all shaft: its area is
    # its skeleton's length times about one shaft's width
    skel = thin(mask)
    sk_len = np.bincount(lab[skel], minlength=nl).astype(np.float64)
    blob_area = np.bincount(lab.ravel(), minlength=nl).astype(np.float64)
    tangle = (
        (labels > 0)
        & (sk_len >= TANGLE_MIN_MM * ppm)
        & (blob_area <= TANGLE_MAX_WIDTH * TERMINAL_UM[1] / 1000.0 * ppm * sk_len)
        & (coherence >= MIN_TANGLE_COHERENCE)
    )
    keep = tangle | (
        (labels > 0)
        & (length >= MIN_STUB_LENGTH_MM * ppm)
        & ((coherence >= MIN_COHERENCE) | (length >= LINE_ELONGATION * across))
        & (length >= MIN_ELONGATION * mean_w)
    )
    # smooth the profile over about one shaft width, ignore the rounded end slices
    typical_w = float(np.median(mean_w[keep])) if keep.any() else 3.0
    k = max(int(round(typical_w)) | 1, 3)
    sm = np.convolve(width, np.ones(k) / k, mode="same")
    pos = np.arange(off[-1]) - off[bin_blob]
    end_cut = 0.5 * typical_w
    inner = (pos >= end_cut) & (pos <= nbins[bin_blob] - 1 - end_cut) & keep[bin_blob]
    inner &= sm > 0.25 * typical_w
    low, hi, mid = group_quantiles(
        sm[inner], bin_blob[inner], nl, (SINGLE_WIDTH_Q, COUNT_Q, 0.5), interpolate=False
    )
    ok = keep & np.isfinite(low) & np.isfinite(hi)
    if not ok.any():
        return empty
    # one shaft's width: single stubs are about equally wide along their length (a group has
    # staggered far ends) and about as wide as the narrow stretch of most blobs; vellus stubs
    # (about half as wide) fall below the window
    base = float(np.median(low[ok]))
    single = ok & (hi < UNIFORM_RATIO * low) & (hi > 0.6 * base) & (hi < 1.6 * base)
    # vellus stubs are thin *and* faint: weighting by contrast keeps the unit a terminal shaft
    wgt = np.where(np.isfinite(peak), peak, 0.0) ** 2 * length
    # a single stub's width is its median slice: the far quantile also holds the widening at
    # the follicular opening (root sheath and perifollicular shading), which is not shaft
    d1 = _weighted_median(mid[single], wgt[single]) if single.sum() >= 3 else 1.05 * base
    # the unit is a terminal shaft: 45-110 um (DOMAIN.md section 5: terminal means > 40 um,
    # group means 47-61 um); specks and arcs must not drag it outside that range
    d1 = float(np.clip(d1, TERMINAL_UM[0] * ppm / 1000.0, TERMINAL_UM[1] * ppm / 1000.0))
    # a group of shafts narrows to one or two at its staggered far end; a blob that never does
    # is a scale edge, glare border or pigment patch
    ok &= (low < MAX_LOW_WIDTH * d1) | tangle
    ok &= steep_share >= 1.0 - EDGE_Q  # glare rises more slowly than a shaft's edge
    if norm is not None:
        ok &= _beside_bright(np.where(ok[lab], lab, 0), skel, norm, d1, ppm, nl) < SCALE_RIM_SHARE
    # side by side stubs that never diverge show two ends however many they are: the width
    # across the blob counts them (overlapping shafts of one opening: union-width model)
    width_ratio = np.where(ok, hi / d1, 0.0)

    # per-hair diameter: full width at half the shaft-centre contrast (unbiased by edge blur,
    # which the contrast integral is not when the peak itself is blurred), divided by the
    # union width of the stubs the slice holds
    half = np.bincount(key, (cn >= 0.5).astype(np.float64), off[-1])
    nslice = stubs_from_width(sm / d1)
    per = np.where(inner, half / _UNION[np.minimum(nslice, MAX_PER_BLOB) - 1], np.nan)
    okp = np.isfinite(per)
    (diam_blob,) = group_quantiles(per[okp], bin_blob[okp], nl, (0.5,), interpolate=False)

    stubs = trace_stubs(skel, lab, ppm, d1, contrast)
    on_frame = stubs.on_frame  # never counted: those hairs left the scalp outside the photo
    per_path = _path_multiplicity(
        mask, contrast, stubs.exit_xy, stubs.cut_xy, stubs.counted | on_frame
    )
    rows_xy, rows_blob, polys, diams, drawn, line_first = [], [], [], [], [], []
    boxes = ndimage.find_objects(lab)
    grown = labg.astype(lab.dtype)  # with a pixel's tolerance
    chord_on = _chords_on_blob(grown, boxes, stubs.blob, stubs.exit_xy, stubs.cut_xy)
    order = np.argsort(stubs.blob, kind="stable")
    first = np.searchsorted(stubs.blob[order], np.arange(nl + 1))
    for b in np.flatnonzero(ok):
        sel = order[first[b] : first[b + 1]]
        if len(sel) == 0:
            # no usable skeleton (a ring or a blob thinned away): one hair along the main axis
            e = np.array([mx[b] + (smin[b] - 0.5) * ux[b], my[b] + (smin[b] - 0.5) * uy[b]])
            f = np.array([mx[b] + (smax[b] + 0.5) * ux[b], my[b] + (smax[b] + 0.5) * uy[b]])
            exit_xy, far_xy = [e], [f]
            n = max(width_count_beside_paths(float(width_ratio[b]), 1), 1)
            shaft_end = [f]
        else:
            outside = sel[on_frame[sel]]
            sel = sel[stubs.counted[sel]]
            if len(sel) == 0:
                continue  # the blob's stubs leave the scalp outside the photo
            exit_xy, far_xy = list(stubs.exit_xy[sel]), list(stubs.cut_xy[sel])
            ys_, xs_ = boxes[b - 1]
            y0, x0 = max(ys_.start - 1, 0), max(xs_.start - 1, 0)
            inside = grown[y0 : ys_.stop + 1, x0 : xs_.stop + 1] == b
            at = np.array([x0, y0], float)
            shaft_end = [
                (f - at) + at  # the cut end, to the bit as lay_on_shaft returns it
                if chord_on[k]
                else lay_on_shaft(
                    inside,
                    e - at,
                    f - at,
                    min(MAX_STUB_MM * ppm, MAX_RELAY_STRETCH * float(np.hypot(*(f - e)))),
                )
                + at
                for e, f, k in zip(exit_xy, far_xy, sel, strict=True)
            ]
            # stubs lying side by side over their whole length trace as one path: the width
            # across the blob, or across each path in a tangle of several units, counts them
            n = hairs_in_view(float(width_ratio[b]), per_path[sel], per_path[outside])
        n = hairs_in_blob(n, len(exit_xy))
        for k in range(n):
            e = np.clip(exit_xy[k % len(exit_xy)], 0, [w - 1, h - 1])
            f = np.clip(far_xy[k % len(far_xy)], 0, [w - 1, h - 1])
            rows_xy.append(e)
            rows_blob.append(b)
            polys.append(np.stack([e, f]))
            diams.append(diam_blob[b])
            drawn.append(np.stack([e, np.clip(shaft_end[k % len(far_xy)], 0, [w - 1, h - 1])]))
            line_first.append(k < len(exit_xy))
    keep_lab = np.zeros(nl, np.int64)
    bl = np.flatnonzero(ok)
    keep_lab[bl] = bl
    return Stubs(
        exits=np.asarray(rows_xy, float).reshape(-1, 2),
        blob=np.asarray(rows_blob, np.int64),
        polylines=polys,
        diam_px=np.asarray(diams, float),
        drawn=drawn,
        first_on_line=np.asarray(line_first, bool),
        blob_mask_labels=keep_lab[lab],
        single_width_px=d1,
    )


def blob_lengths_mm(mask: np.ndarray, ppm: float) -> tuple[np.ndarray, np.ndarray]:
    """Extent (mm, bounding-box diagonal) and pixel area of each mask component."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros(0), np.zeros(0)
    bw = stats[1:, cv2.CC_STAT_WIDTH].astype(float)
    bh = stats[1:, cv2.CC_STAT_HEIGHT].astype(float)
    return np.hypot(bw, bh) / ppm, stats[1:, cv2.CC_STAT_AREA].astype(float)

"""Shaft diameters at full resolution from cross-section profiles.

At the working resolution (~60 px/mm) a 60-80 um shaft is only ~4 px wide, too coarse for a
diameter. Here each hair's centre line is sampled in the FULL-resolution image:

1. stations every STATION_MM along the line, away from both ends (follicular opening, tapered
   tip, crossing at the exit) and from the image border; the tangent from points TANGENT_MM
   apart;
2. a first set of cross-section profiles decides the hair's polarity (dark or light shaft) and
   re-centres each station on the nearest shaft within SEARCH_MM, so a line that is a bit off
   the shaft (coarse tracing, stubs of one blob drawn side by side) still measures it; the
   tangent is re-estimated from the re-centred points;
3. a second set of profiles through the re-centred points, as contrast relative to the skin
   beside the shaft; a 1-D closing fills the specular core's dip, so a shiny shaft does not
   split in two; the width between the half-peak crossings (sub-sample) per profile;
4. profiles that are not on the shaft (gap, crossing seen lengthwise, defocused stretch: low
   peak; skin levels either side disagree) are dropped; neighbours and crossing shafts only
   ever WIDEN a profile, so the hair's width is the lowest cluster of agreeing readings
   (a low quantile, WIDTH_QUANTILE, where none agree), and a hair far wider than the scene's
   median is two shafts (NaN).

At full resolution a terminal shaft is >= 4 px wide and the blur of the optics (sigma ~1 px)
hardly moves the half-maximum edges; vellus shafts (2-3 px) read somewhat wide.
Everything is vectorised over all stations of all hairs (two ``cv2.remap`` calls); the cost
does not depend on the image size.
"""

from __future__ import annotations

import cv2
import numpy as np

from .constants import OPENCV_MAX_SIDE_PX
from .grouped import group_median, group_quantile

# Stations every 25 um: ~3 per shaft width, more would only repeat the same JPEG blocks.
STATION_MM = 0.025
# Cap on stations per hair (evenly spread along it): the median of 40 clean profiles is as
# good as of 400, and the cost stays bounded for long shafts.
MAX_STATIONS = 20
REMAP_ROWS = OPENCV_MAX_SIDE_PX
# Skip this much at either end: the follicular opening and the hairs of one unit overlap at the
# exit, a free end tapers or fades (defocus).
END_MM = 0.08
# Tangent from points this far apart (about one shaft width either side): the polyline comes
# from the coarse working resolution and is jagged by ~1 working pixel.
TANGENT_MM = 0.05
# Search for the shaft within about one terminal shaft width of the given line.
SEARCH_MM = 0.07
# ... preferring the nearest: peaks are weighted by a Gaussian of this sigma around the line.
NEAR_MM = 0.03
# Profile half-length: the widest shaft (130 um) plus blur fits, with skin on either side.
PROFILE_MM = 0.15
# Skin reference: the outer part of the profile, beyond any shaft half-width plus blur.
SKIN_INNER_MM = 0.1
# Smoothing of the profile for the polarity vote: wider than the specular core, which on dark
# skin can be brighter than the skin beside a black shaft.
POLARITY_SMOOTH_MM = 0.015
# The shaft's body (for its colour): this band either side of the centre line, off the specular
# core (about a quarter to a third of the width) yet inside any terminal shaft (>= 40 um,
# DOMAIN.md section 5).
FLANK_MM = (0.016, 0.026)
# A hair's body must differ from the skin by at least this much (grey levels, RGB length) to be
# measured along its colour direction; less is noise and the green + blue grey is kept.
MIN_BODY_CONTRAST = 3.0
# ... and the grey must see the hair by its core rather than its body: the body's colour
# contrast and the core's grey contrast both exceed the body's grey contrast by this factor
# (for a dark shaft on any skin, and a thin one whose band is mostly skin, the grey is kept).
COLOUR_GAIN = 1.5
# A light line is the specular core of a dark shaft when, within this distance either side
# (the flank of the thickest shafts, ~130 um as for PROFILE_MM, beside its core), both sides
# are darker than the skin by at least this fraction of the line's own brightness above it.
SHEEN_FLANK_MM = 0.05
SHEEN_FLANK_RATIO = 0.25
# ... and when the line is brighter than the skin by at least this fraction (a highlight, not
# the skin gap between two dark shafts, which is at skin level give or take its texture).
SHEEN_MIN_LIGHT = 0.04
# A light line narrower than this fraction of the scene's dark shafts with a bright specular core
# is one more such core, around a shaft of the skin's brightness (a core is about a third of its
# shaft; a light shaft of another colour, e.g. a grey terminal hair, is not that narrow).
BARE_CORE_RATIO = 0.5
# Profile samples across (odd, centre sample on the line).
N_SAMPLES = 61
# A profile is not on the shaft when its peak is below half the hair's typical peak (gap,
# crossing seen lengthwise, defocused stretch) ...
MIN_PEAK_RATIO = 0.5
# ... or when the skin levels either side differ by more than this fraction of its contrast.
MAX_SIDE_MISMATCH = 0.35
# Closing element that fills the specular core's dip (about a third of a 70 um shaft).
CORE_MM = 0.03
# Neighbours and crossings only widen a profile: the hair's width is this low quantile of its
# profiles' half-maximum widths (the median would follow the contaminated ones in dense mesh).
WIDTH_QUANTILE = 0.25
# Clipped stubs of one unit leave one opening side by side: one line serves them all and reads
# their union until they part, then one shaft alone, often only near the cut end (less than a
# quarter of the stations). One shaft keeps its width along a stub (anisotrichosis, DOMAIN.md
# section 5, is > 20 % between hairs), so its readings agree within CLUSTER_TOL: the stub's
# width is the lowest cluster of CLUSTER_MIN readings and CLUSTER_FRACTION of its clean ones
# (a lone low reading is noise, not a shaft).
CLUSTER_TOL = 0.12
CLUSTER_MIN = 3
CLUSTER_FRACTION = 0.15
# A long shaft is read wide in stretches too: beside the other shafts of its unit where they
# leave their one opening together, and where it rises out of the depth of field (wider and
# fainter); elsewhere it reads its own width, give or take the image noise, which the low
# quantile alone would follow downwards (a noisy scene read thin). Its width is the lowest
# cluster too, of at least LONG_CLUSTER_FRACTION of its clean readings (its single in-focus
# stretch is most of a long shaft, not a quarter as on a stub); the low quantile where none.
LONG_CLUSTER_FRACTION = 0.3
# A hair measuring this much above the scene's median is two shafts side by side along its
# whole visible length (terminal shafts vary by +-20 %, the thickest ~1.9x the mean is rare).
MAX_SCENE_RATIO = 1.6
MIN_HAIRS_FOR_OUTLIERS = 5
# Fewer clean profiles than this: no measurement (NaN).
MIN_PROFILES = 6


def _to_gray(s: np.ndarray) -> np.ndarray:
    if s.ndim == 3:  # RGB: green + blue, where melanin contrast is highest (as enhance.to_gray)
        s = 0.5 * (s[..., 1] + s[..., 2])
    return s


def _all_stations(
    centrelines: list[np.ndarray], ppm: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evenly spaced stations along every hair: (xy, unit tangent, hair index) per station.

    The polylines are laid end to end on one arc-length axis, each shifted past the previous
    one, so one np.interp call serves all hairs (a per-hair loop costs ~0.15 s on 800 hairs).
    """
    empty = np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0, np.int64)
    lines = [np.asarray(ln, np.float64).reshape(-1, 2) for ln in centrelines]
    sizes = np.array([len(ln) for ln in lines], np.int64)
    if not len(lines) or sizes.max(initial=0) < 2:
        return empty
    p = np.concatenate(lines)
    owner = np.repeat(np.arange(len(lines)), sizes)
    step = np.hypot(*np.diff(p, axis=0).T)
    same = owner[1:] == owner[:-1]
    step = np.where(same, step, 0.0)
    s_local = np.concatenate([[0.0], np.cumsum(step)])
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    s_local -= np.repeat(s_local[np.minimum(first, len(p) - 1)], sizes)
    total = np.zeros(len(lines))
    np.maximum.at(total, owner, s_local)
    # keep strictly increasing arc length per hair (repeated points add nothing)
    keep = np.concatenate([[True], ~same | (step > 0)])
    gap = float(total.max()) + 10.0 * (TANGENT_MM * ppm + 1.0)
    s_glob = (s_local + owner * gap)[keep]
    px, py = p[keep, 0], p[keep, 1]
    end = np.full(len(lines), END_MM * ppm)
    short = total <= 2 * end + STATION_MM * ppm
    end[short] = 0.25 * total[short]  # short stub: keep its middle half
    n = np.where(
        (sizes >= 2) & (total > 0), ((total - 2 * end) / (STATION_MM * ppm)).astype(np.int64) + 1, 0
    )
    n = np.clip(n, 0, MAX_STATIONS)
    hid = np.repeat(np.arange(len(lines)), n)
    if not len(hid):
        return empty
    k = np.arange(len(hid)) - np.repeat(np.cumsum(n) - n, n)
    frac = k / np.maximum(n[hid] - 1, 1)  # as np.linspace: one station sits at the start
    u = end[hid] + frac * (total[hid] - 2 * end[hid])
    half = 0.5 * TANGENT_MM * ppm
    ua = np.clip(u - half, 0, total[hid]) + hid * gap
    ub = np.clip(u + half, 0, total[hid]) + hid * gap
    ug = u + hid * gap
    xy = np.stack([np.interp(ug, s_glob, px), np.interp(ug, s_glob, py)], 1)
    d = np.stack(
        [
            np.interp(ub, s_glob, px) - np.interp(ua, s_glob, px),
            np.interp(ub, s_glob, py) - np.interp(ua, s_glob, py),
        ],
        1,
    )
    norm = np.hypot(d[:, 0], d[:, 1])
    # a hair whose tangent vanishes anywhere is skipped, as per hair before
    bad = np.zeros(len(lines), bool)
    np.logical_or.at(bad, hid, ~(norm > 0))
    ok = ~bad[hid]
    return xy[ok], d[ok] / norm[ok, None], hid[ok]


def _profiles(img: np.ndarray, xy: np.ndarray, nrm: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Image values along the normals: (n_stations, len(t)[, 3]) float32."""
    mx = (xy[:, None, 0] + t[None, :] * nrm[:, None, 0]).astype(np.float32)
    my = (xy[:, None, 1] + t[None, :] * nrm[:, None, 1]).astype(np.float32)
    # cv2.remap's maps hold fewer than SHRT_MAX rows: a 12 MP photo at 100 px/mm has some
    # 40,000 stations, so they are sampled in blocks of rows
    parts = [
        cv2.remap(
            img,
            mx[i : i + REMAP_ROWS],
            my[i : i + REMAP_ROWS],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT,
        )
        for i in range(0, len(mx), REMAP_ROWS)
    ]
    return np.concatenate(parts).astype(np.float32)


def _shaft_colour_axis(
    prof: np.ndarray, hid: np.ndarray, n_h: int, t: np.ndarray, ppm: float, outer: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per hair the unit RGB direction from the skin to the shaft's body with the specular
    sheen projected out, its length, and the contrast of the body and of the core in the
    green + blue grey.

    Colours are averaged over the hair's stations: the skin in the outer parts of the profiles,
    the body in the FLANK_MM band, the core on the centre line. A specular reflection adds the
    light's colour (dichromatic reflection), so core minus band is the sheen's direction; the
    body's component along it is dropped, so core and flanks project alike.
    """
    counts = np.maximum(np.bincount(hid, minlength=n_h), 1)[:, None]

    def per_hair(v: np.ndarray) -> np.ndarray:
        return np.stack([np.bincount(hid, weights=v[:, c], minlength=n_h) for c in range(3)], 1)

    flank = (np.abs(t) >= FLANK_MM[0] * ppm) & (np.abs(t) <= FLANK_MM[1] * ppm)
    core = np.abs(t) <= np.abs(t).min() + 1e-6
    skin = per_hair(prof[:, outer].mean(1)) / counts
    body = per_hair(prof[:, flank].mean(1)) / counts - skin
    sheen = per_hair(prof[:, core].mean(1)) / counts - skin - body
    s_len = np.linalg.norm(sheen, axis=1)
    s_dir = sheen / np.maximum(s_len, 1e-9)[:, None]
    s_dir[s_len < MIN_BODY_CONTRAST] = 0.0
    w = body - (body * s_dir).sum(1)[:, None] * s_dir
    norm = np.linalg.norm(w, axis=1)
    gb = np.abs(body[:, 1] + body[:, 2]) / np.sqrt(2.0)
    core_gb = np.abs(body[:, 1] + sheen[:, 1] + body[:, 2] + sheen[:, 2]) / np.sqrt(2.0)
    return w / np.maximum(norm, 1e-9)[:, None], norm, gb, core_gb


def _flank_peaks(y: np.ndarray, t: np.ndarray, reach: float):
    """Per profile the core (weakest sample near the centre) and the nearest local maximum
    either side of it within ``reach`` samples of the centre (a flank of the same shaft, not a
    stronger neighbour beyond it): (left index, its value, right index, its value, core value).
    """
    n_t = len(t)
    j = np.arange(n_t)[None, :]
    c = n_t // 2
    rows = np.arange(len(y))
    ys = cv2.GaussianBlur(y.astype(np.float32), (3, 1), 0) if n_t >= 3 else y
    ic = np.argmin(np.where(np.abs(j - c) <= 0.5 * reach, ys, np.inf), axis=1)[:, None]
    pad = np.pad(ys, ((0, 0), (1, 1)), mode="edge")
    lmax = (ys >= pad[:, :-2]) & (ys >= pad[:, 2:]) & (np.abs(j - c) <= reach)
    il = np.where(lmax & (j < ic), j, -1).max(1)
    ir = np.where(lmax & (j > ic), j, n_t).min(1)
    ok = (il >= 0) & (ir < n_t)
    il, ir = np.clip(il, 0, n_t - 1), np.clip(ir, 0, n_t - 1)
    yl = np.where(ok, ys[rows, il], -np.inf)
    yr = np.where(ok, ys[rows, ir], -np.inf)
    return il, yl, ir, yr, ys[rows, ic[:, 0]]


def _most_of_hair(flag: np.ndarray, hid: np.ndarray, n_h: int) -> np.ndarray:
    """Per hair: the flag holds at more than half of its stations (a light shaft passing dark
    neighbours, or a dark one passing a light spot, shows a pattern only here and there)."""
    return np.bincount(hid, weights=flag, minlength=n_h) > 0.5 * np.bincount(hid, minlength=n_h)


def _sheen_stations(
    prof: np.ndarray,
    t: np.ndarray,
    search: np.ndarray,
    outer_l: np.ndarray,
    outer_r: np.ndarray,
    reach: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Grey profiles (not yet centred) whose brightest line near the centre is brighter than
    the skin while both sides within ``reach`` samples are darker (SHEEN_MIN_LIGHT,
    SHEEN_FLANK_RATIO); and that line's index per profile."""
    p3 = cv2.GaussianBlur(prof.astype(np.float32), (3, 1), 0) if prof.shape[1] >= 3 else prof
    j = np.arange(len(t))[None, :]
    i_l = np.argmax(np.where(search, p3, -np.inf), axis=1)
    ic = i_l[:, None]
    side_l = (j < ic) & (j >= ic - reach)
    side_r = (j > ic) & (j <= ic + reach)
    # the skin: the brighter outer part (a dense mesh or an opening darkens the median)
    skin = np.maximum(_skin(prof, outer_l, outer_r, np.ones(len(prof)))[2], 1.0)
    flank = np.maximum(np.where(side_l, p3, np.inf).min(1), np.where(side_r, p3, np.inf).min(1))
    flank_dark = (skin - flank) / skin
    core_light = (p3[np.arange(len(p3)), i_l] - skin) / skin
    sheen = (
        (core_light > SHEEN_MIN_LIGHT)
        & (flank_dark > SHEEN_MIN_LIGHT)
        & (flank_dark >= SHEEN_FLANK_RATIO * core_light)
    )
    return sheen, i_l


def _sheen_core(y: np.ndarray, t: np.ndarray, reach: float) -> np.ndarray:
    """Profiles (dark shaft positive) of a shaft whose core is brighter than the skin while
    both flanks are darker (the rule of pass 1: SHEEN_MIN_LIGHT, SHEEN_FLANK_RATIO)."""
    _, yl, _, yr, low = _flank_peaks(y, t, reach)
    fl = np.minimum(yl, yr)
    return (low < -SHEEN_MIN_LIGHT) & (fl > SHEEN_MIN_LIGHT) & (fl >= SHEEN_FLANK_RATIO * -low)


def _bridge_core(y: np.ndarray, t: np.ndarray, reach: float, rows_sel: np.ndarray) -> np.ndarray:
    """Raise the selected profiles between their two flank peaks to the lower of the two."""
    il, yl, ir, yr, _ = _flank_peaks(y, t, reach)
    j = np.arange(len(t))[None, :]
    fill = rows_sel[:, None] & (j >= il[:, None]) & (j <= ir[:, None])
    return np.where(fill, np.maximum(y, np.minimum(yl, yr)[:, None]), y).astype(np.float32)


def _drop_bare_cores(out: np.ndarray, sheen_hair: np.ndarray, light_line: np.ndarray):
    """Where the scene's shafts are dark with a specular core brighter than the skin (enough
    measured ones), a light line narrower than BARE_CORE_RATIO of their median width is such a
    core whose shaft has the skin's brightness (the same pigment a shade lighter): the shaft is
    invisible, the line is not its width (NaN)."""
    if np.count_nonzero(sheen_hair) < MIN_HAIRS_FOR_OUTLIERS:
        return out
    ref = float(np.median(out[sheen_hair]))
    bare = light_line & (out < BARE_CORE_RATIO * ref)
    return np.where(bare, np.nan, out)


def _skin(prof: np.ndarray, outer_l: np.ndarray, outer_r: np.ndarray, pol: np.ndarray):
    """Skin level per profile from both outer parts; the skin-like side when they disagree."""
    left = np.median(prof[:, outer_l], axis=1)
    right = np.median(prof[:, outer_r], axis=1)
    # dark hair: the brighter side is skin (a neighbour darkens the other); light hair: darker
    skin_like = np.where(pol > 0, np.maximum(left, right), np.minimum(left, right))
    return left, right, skin_like


def _half_max_width(y: np.ndarray, ip: np.ndarray, peak: np.ndarray) -> np.ndarray:
    """Distance in samples between the half-peak crossings either side of ``ip`` (sub-sample)."""
    n_t = y.shape[1]
    j = np.arange(n_t)[None, :]
    half = 0.5 * peak[:, None]
    below = y < half
    r = np.where(below & (j > ip[:, None]), j, n_t).min(1)
    lft = np.where(below & (j < ip[:, None]), j, -1).max(1)
    rows = np.arange(len(y))
    ok = (r < n_t) & (lft >= 0)
    r_c = np.clip(r, 1, n_t - 1)
    l_c = np.clip(lft, 0, n_t - 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        ya, yb = y[rows, r_c - 1], y[rows, r_c]
        fr = r_c - 1 + (ya - half[:, 0]) / (ya - yb)
        ya, yb = y[rows, l_c + 1], y[rows, l_c]
        fl = l_c + 1 - (ya - half[:, 0]) / (ya - yb)
        return np.where(ok, fr - fl, np.nan)


def _low_cluster(
    values: np.ndarray, groups: np.ndarray, n: int, tol: float, min_count: int, frac: float
) -> np.ndarray:
    """Per group, the median of its lowest cluster of values: the smallest v > 0 with at least
    max(min_count, frac * group size) values in [v, v * (1 + tol)]; NaN where there is none."""
    out = np.full(n, np.nan)
    if values.size == 0:
        return out
    order = np.lexsort((values, groups))
    g, v = groups[order], values[order]
    need = np.maximum(min_count, np.ceil(frac * np.bincount(g, minlength=n)))[g]
    # one sorted axis for all groups, each shifted past the previous one
    shift = 4.0 * (float(np.abs(v).max()) * (1.0 + tol) + 1.0)
    hi = np.searchsorted(g * shift + v, g * shift + np.maximum(v, 0.0) * (1.0 + tol), "right")
    good = np.flatnonzero((v > 0) & (hi - np.arange(len(v)) >= need))
    if not len(good):
        return out
    # sorted within each group: its first good value starts the lowest cluster
    grp, pos = np.unique(g[good], return_index=True)
    a = good[pos]
    b = hi[a]
    out[grp] = 0.5 * (v[a + (b - a - 1) // 2] + v[a + (b - a) // 2])
    return out


def measure_diameters_um(
    image: np.ndarray,
    centrelines: list[np.ndarray],
    pixels_per_mm: float,
    side_by_side: bool = False,
) -> np.ndarray:
    """Per-hair shaft diameter in um (NaN where no clean stretch could be measured).

    ``image``: full-resolution grey (2-D, raw or illumination-normalised) or RGB (HxWx3);
    ``centrelines``: per hair an (n, 2) array of x, y full-resolution pixels along the shaft.
    ``side_by_side``: lines that may run between shafts lying side by side over most of their
    length (clipped stubs of one unit): the lowest cluster may hold fewer of the readings
    (CLUSTER_FRACTION rather than LONG_CLUSTER_FRACTION).
    """
    ppm = float(pixels_per_mm)
    n_h = len(centrelines)
    out = np.full(n_h, np.nan)
    if n_h == 0:
        return out
    img = image if image.dtype in (np.uint8, np.float32) else image.astype(np.float32)

    xy, tan, hid = _all_stations(centrelines, ppm)
    if not len(xy):
        return out
    nrm = np.stack([-tan[:, 1], tan[:, 0]], 1)
    # whole profile inside the image (a shaft leaving the frame has no skin beyond the border)
    r = PROFILE_MM * ppm + 1.0
    h_img, w_img = image.shape[:2]
    inside = (
        (xy[:, 0] >= r)
        & (xy[:, 0] <= w_img - 1 - r)
        & (xy[:, 1] >= r)
        & (xy[:, 1] <= h_img - 1 - r)
    )
    xy, nrm, hid = xy[inside], nrm[inside], hid[inside]
    if not len(xy):
        return out

    t = np.linspace(-PROFILE_MM * ppm, PROFILE_MM * ppm, N_SAMPLES)
    dt = float(t[1] - t[0])
    outer = np.abs(t) >= SKIN_INNER_MM * ppm
    outer_l, outer_r = outer & (t < 0), outer & (t > 0)
    search = np.abs(t) <= SEARCH_MM * ppm

    # --- pass 1: polarity per hair and re-centring on the shaft ------------------------------
    prof = _to_gray(_profiles(img, xy, nrm, t))
    # polarity: the shaft (smoothed over its specular core) against the profile's median, which
    # is skin unless the profile lies in a dense mesh of hair (then it votes ~0)
    sig = max(POLARITY_SMOOTH_MM * ppm / dt, 0.5)
    sm = cv2.GaussianBlur(prof.astype(np.float32), (0, 0), sigmaX=sig, sigmaY=1e-3)
    base = np.maximum(np.median(prof, axis=1), 1.0)
    dark = (base - np.where(search, sm, np.inf).min(1)) / base
    light = (np.where(search, sm, -np.inf).max(1) - base) / base
    # a light line with darker-than-skin flanks on BOTH sides along most of the hair is the
    # specular core of a dark shaft about as bright as the skin (brown on very dark skin), not a
    # light shaft: its light evidence is dropped
    sheen, i_core = _sheen_stations(prof, t, search, outer_l, outer_r, SHEEN_FLANK_MM * ppm / dt)
    sheen &= _most_of_hair(sheen, hid, n_h)[hid]
    light = np.where(sheen, 0.0, light)
    votes = np.bincount(hid, weights=dark - light, minlength=n_h)
    pol = np.where(votes >= 0, 1.0, -1.0)[hid]
    rel = (base[:, None] - prof) / base[:, None]  # dark hair positive
    y = rel * pol[:, None]
    ys = cv2.GaussianBlur(y.astype(np.float32), (5, 1), 0) if y.shape[1] >= 5 else y
    # the strongest shaft near the line, not a stronger neighbour farther away
    near = np.exp(-0.5 * (t / (NEAR_MM * ppm)) ** 2)
    peak_i = np.argmax(np.where(search, ys * near, -np.inf), axis=1)
    # centroid of the positive contrast around the peak (half a terminal width either side)
    win = int(max(round(0.035 * ppm / dt), 1))
    k = np.arange(-win, win + 1)
    idx = np.clip(peak_i[:, None] + k[None, :], 0, len(t) - 1)
    wts = np.maximum(np.take_along_axis(y, idx, 1), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = (wts * t[idx]).sum(1) / wts.sum(1)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    # a specular core lies on the shaft's middle; the darker flank would centre on one side
    shift = np.where(sheen, t[i_core], shift)
    xy = xy + shift[:, None] * nrm
    # tangent from the re-centred neighbours of the same hair
    same_prev = np.concatenate([[False], hid[1:] == hid[:-1]])
    same_next = np.concatenate([hid[:-1] == hid[1:], [False]])
    prev = np.where(same_prev[:, None], np.roll(xy, 1, 0), xy)
    nxt = np.where(same_next[:, None], np.roll(xy, -1, 0), xy)
    d = nxt - prev
    dn = np.hypot(d[:, 0], d[:, 1])
    tan_old = np.stack([nrm[:, 1], -nrm[:, 0]], 1)
    # keep the old tangent's orientation; fall back to it where the neighbours coincide
    good = dn > 0.5 * STATION_MM * ppm
    tan = np.where(good[:, None], d / np.maximum(dn, 1e-9)[:, None], tan_old)
    tan = 0.5 * (tan + tan_old)
    tn = np.hypot(tan[:, 0], tan[:, 1])
    tan = np.where(tn[:, None] > 1e-6, tan / np.maximum(tn, 1e-9)[:, None], tan_old)
    nrm = np.stack([-tan[:, 1], tan[:, 0]], 1)

    # --- pass 2: clean profiles through the shaft's middle -----------------------------------
    prof_c = _profiles(img, xy, nrm, t)
    prof = _to_gray(prof_c)
    left, right, skin = _skin(prof, outer_l, outer_r, pol)
    skin = np.maximum(skin, 1.0)
    y = (pol[:, None] * (skin[:, None] - prof) / skin[:, None]).astype(np.float32)
    if prof_c.ndim == 3:
        # Low-contrast shafts (blond on light or medium skin, brown on very dark skin) have
        # about the skin's brightness: in the green + blue grey only their specular core shows,
        # and that core would be measured as the hair. Their body still differs from the skin
        # in COLOUR (blond is yellower, brown less red than dark skin): measure such a hair
        # along its own skin-to-body direction in RGB, where its whole width stands out.
        axis, strength, gb, core_gb = _shaft_colour_axis(prof_c, hid, n_h, t, ppm, outer)
        g = np.einsum("ntc,nc->nt", prof_c, axis[hid].astype(np.float32))
        lc, rc, skin_c = _skin(g, outer_l, outer_r, -np.ones(len(g)))
        y_c = (g - skin_c[:, None]) / skin[:, None]
        weak = (strength > COLOUR_GAIN * gb) & (core_gb > COLOUR_GAIN * gb)
        use = ((strength >= MIN_BODY_CONTRAST) & weak)[hid]
        y = np.where(use[:, None], y_c, y).astype(np.float32)
        left = np.where(use, lc, left)
        right = np.where(use, rc, right)
    else:
        use = np.zeros(len(y), bool)
    # a dark shaft whose specular core is brighter than the skin splits into two flanks at half
    # maximum: where the hair shows that pattern (as in pass 1), bridge the core between them
    sheen = _sheen_core(y, t, SHEEN_FLANK_MM * ppm / dt) & (pol > 0) & ~use
    sheen_hair = _most_of_hair(sheen, hid, n_h)
    y = _bridge_core(y, t, SHEEN_FLANK_MM * ppm / dt, sheen & sheen_hair[hid])
    # fill the specular core's dip (a closing narrower than any measured shaft)
    kc = max(int(round(CORE_MM * ppm / dt)) | 1, 3)
    y = cv2.morphologyEx(y, cv2.MORPH_CLOSE, np.ones((1, kc), np.uint8))
    centre = np.abs(t) <= 0.5 * SEARCH_MM * ppm
    ip = np.argmax(np.where(centre, y, -np.inf), axis=1)
    rows = np.arange(len(y))
    peak = y[rows, ip]
    width_hm = _half_max_width(y, ip, peak) * dt
    with np.errstate(invalid="ignore", divide="ignore"):
        mismatch = np.abs(left - right) / skin / np.maximum(peak, 1e-6)
    med_peak = group_median(peak.astype(np.float64), hid, n_h)
    cand = (
        (peak > MIN_PEAK_RATIO * med_peak[hid])
        & (peak > 0)
        & np.isfinite(width_hm)
        & (mismatch < MAX_SIDE_MISMATCH)
    )
    ok = np.bincount(hid[cand], minlength=n_h) >= MIN_PROFILES
    if not ok.any():
        return out
    w_c, h_c = width_hm[cand], hid[cand]
    width = group_quantile(w_c, h_c, n_h, WIDTH_QUANTILE)
    frac = CLUSTER_FRACTION if side_by_side else LONG_CLUSTER_FRACTION
    low = _low_cluster(w_c, h_c, n_h, CLUSTER_TOL, CLUSTER_MIN, frac)
    width = np.where(np.isfinite(low), low, width)
    width = width[ok]
    out[np.flatnonzero(ok)] = width / ppm * 1000.0
    light_line = np.zeros(n_h, bool)
    light_line[hid] = (pol < 0) & ~use
    out = _drop_bare_cores(out, sheen_hair & np.isfinite(out), light_line)
    med = np.nanmedian(out) if np.isfinite(out).sum() >= MIN_HAIRS_FOR_OUTLIERS else np.nan
    if np.isfinite(med):
        out[out > MAX_SCENE_RATIO * med] = np.nan
    return out

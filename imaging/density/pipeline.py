"""``analyze``: calibrated scalp photo in, density figures out (pure NumPy/OpenCV/SciPy).

Stages: resample to ~60 px/mm (a terminal shaft ~4 px wide), divide out the illumination,
black-hat/top-hat shaft contrast of both polarities, noise-adaptive hysteresis. The scene is
clipped (phototrichogram) or long hair from the physical length of the shaft components.
Clipped: stubs traced from exit to cut end, side-by-side stubs counted from the blob's width
(stubs.py, stub_ends.py). Long hair: ridge centrelines (ridges.py), branches re-joined through
crossings by direction, pass-through and tapered ends and ends where the shaft goes on rejected
(exits.py). Diameters from full-resolution cross-sections (diameter.py).
"""

from __future__ import annotations

import math
import time

import cv2
import numpy as np
from scipy.spatial import cKDTree

from .constants import (
    FU_MAX_SPREAD_CLIPPED_MM,
    FU_MAX_SPREAD_MM,
    MAX_PIXELS_PER_MM,
    MAX_SHAFT_UM,
    MAX_WORKING_PIXELS,
    MIN_AREA_MM2,
    MIN_PIXELS_PER_MM,
    MIN_WORKING_PIXELS_PER_MM,
    THIN_HAIR_MAX_UM,
    VELLUS_HAIR_MAX_UM,
    WORKING_PIXELS_PER_MM,
)
from .diameter import measure_diameters_um
from .enhance import (
    MIN_CONTRAST_LOW,
    enhance,
    enhance_wide,
    normalise_illumination,
    segment,
    to_gray,
)
from .errors import CalibrationRejected
from .exits import trace
from .field import FieldOfView, field_of_view, fill_frame
from .follicular import group_units
from .results import ALGORITHM_VERSION, DensityResult, DetectedHair, FollicularUnit
from .ridges import centrelines
from .shaft import measure_widths
from .skeleton import neighbour_stats, thin
from .stub_ends import contrast_along
from .stubs import blob_lengths_mm, count_stubs

# A light-on-dark candidate that mostly hugs a dark shaft is the skin gap between two shafts
# (or a shaft's specular core), not a grey hair; and vice versa.
MAX_OPPOSITE_ADJACENCY = 0.2
ADJACENCY_MM = 0.06  # about one terminal shaft width (DOMAIN.md section 5)
# Shorter opposite components are spots, not shafts that could enclose a skin gap: a
# follicular opening is ~0.1-0.2 mm across (its length along the major axis reads 0.87 of
# that), while stubs clipped to ~0.5 mm (DOMAIN.md section 7) are longer. Chosen between the
# two: at 0.3 mm (bounding-box diagonal) and 0.22 mm (moments) the seed-3 benchmark agreed.
MIN_ENCLOSING_MM = 0.22
# A skin gap is bounded by the shafts enclosing it; a component this many times longer than
# the longest opposite component it touches is a shaft network, not a gap (dense black mesh)
NETWORK_EXTENT_RATIO = 1.5
# Long hair: when one polarity's components are this many times longer than the other's (mean
# box diagonal, weighted by area), the longer is the shaft mesh and the shorter the skin gaps it
# encloses, even where the gaps respond more strongly (dense brown mesh on light skin, seed-3
# benchmark #43: 1.8 mm against 0.5 mm; read on the gaps, 17 hairs were found for 174). Grey
# hair among pigmented shafts has both polarities real, at ratios up to 2 on the benchmark:
# there the energy decides.
MESH_EXTENT_RATIO = 3.0
# Mean distance to the edge inside a band of width W is ~W/4; strands of a shaft mesh are at
# most MAX_SHAFT_UM wide, thickened a little at the crossings (0.3 W + 0.5 px)
NETWORK_MEAN_DEPTH = 0.3
MERGE_RATIO = 1.7
# Hairs measured at full resolution needed before the diameter summary leaves the others out
# (see _summary): fewer make a mean noisier than the fallback's bias; and a third of the hairs
# (on clipped scenes half to nine tenths of the stubs are measured; far fewer means the traced
# lines are not on single shafts).
MIN_MEASURED_HAIRS = 5
MIN_MEASURED_FRACTION = 1.0 / 3.0
# Clipped-scene test (DOMAIN.md section 7): stubs are < ~1.5 mm; a scene whose shaft area lies
# mostly in components longer than 2 mm is long hair, unless its ends say otherwise (below).
LONG_SHAFT_MM = 2.0
LONG_AREA_FRACTION = 0.4
AMBIGUOUS_AREA_FRACTION = 0.8
MAX_CLIPPED_LINE_DENSITY = 1.9  # mm of visible shaft line per mm2 of skin
# The same, over everything either polarity's threshold found before the contest: a dense mesh
# of long hair can lose the contest to the skin gaps it encloses, and those gaps are short
# polygons the length of stubs, so the surviving mask looks clipped. Together the two
# polarities still lay more line over the skin than a phototrichogram can: ~1.1 units/mm2 at
# most (DOMAIN.md section 5: 65-110 FU/cm2), each unit's stubs sharing one ~1-1.4 mm line
# (section 7). Seed-3 and seed-1 benchmark, 1000x750, realistic and harsh: phototrichograms
# 1.66 mm/mm2 at most; long hair that had passed for stubs (counted 13-220 % high) 1.84-2.86.
MAX_CLIPPED_RAW_LINE_DENSITY = 1.8
# Free line ends per mm of line in the long components: every stub keeps its own free tip (a
# single-hair unit its base too) and a stub is ~0.5-1.4 mm (DOMAIN.md section 7: clipped to
# ~0.5 mm, + ~0.3 mm a day for 2-3 days), so stubs chained into a long component leave about
# one end per mm of line or more (1.07-1.8 on the benchmark's phototrichograms at 40-300
# hairs/cm2); a long shaft has two ends however far it runs (0.6-1.0 on most sparse long hair,
# where the line-density cue fails). Two stubs touching end to end would read as one shaft:
# this cue only decides in the ambiguous band, where most shaft area is already long, and only
# on sparse scenes (under SPARSE_LINE_DENSITY mm of line per mm2, ~140 stubs/cm2 of ~1 mm):
# denser stubs land their tips on each other (0.94 ends/mm at 280 hairs/cm2, 3 days' growth).
MIN_CLIPPED_ENDS_PER_MM = 1.0
SPARSE_LINE_DENSITY = 1.4
# Dense stubs touching end to end chain into long components too (at 250-300 hairs/cm2 on a
# photo-sized field, 80-88 % of the shaft area), but every stub keeps the end the scissors cut:
# blunt, the shaft's full contrast up to its end, where long hair ends in a tapered tip or
# fades out of the depth of field over a millimetre or more. An end is blunt when the contrast
# BLUNT_NEAR_MM inside it still holds BLUNT_RATIO of the contrast BLUNT_FAR_MM inside.
# Seed-3 benchmark: the blunt share of skeleton ends is 0.81-0.95 (5th-95th percentile) on
# phototrichograms, 0.44-0.81 on long hair; where long components hold 80 % of the shaft area
# or more, phototrichograms read 0.86-0.91 and long hair at most 0.76 (realistic) or 0.87
# (one sparse harsh scene of short tapered shafts).
BLUNT_NEAR_MM = (0.03, 0.06)
BLUNT_FAR_MM = (0.25, 0.3)
BLUNT_RATIO = 0.8
BLUNT_SPAN_MM = 0.15  # stretch of skeleton that gives an end's direction
MIN_BLUNT_SHARE = 0.88
MIN_FAR_CONTRAST_SHARE = 0.25
# Element of the wide black-hat for clipped stubs: up to four 70 um shafts side by side.
STUB_ELEMENT_MM = 0.35


def _check_calibration(pixels_per_mm: float | None, h: int, w: int) -> float:
    if pixels_per_mm is None:
        raise CalibrationRejected("missing_calibration", "pixels_per_mm is required.")
    try:
        ppm = float(pixels_per_mm)
    except (TypeError, ValueError):
        raise CalibrationRejected(
            "invalid_calibration", "pixels_per_mm must be a number."
        ) from None
    if not math.isfinite(ppm) or ppm <= 0:
        raise CalibrationRejected(
            "invalid_calibration", f"pixels_per_mm must be a positive number, got {pixels_per_mm}."
        )
    if not MIN_PIXELS_PER_MM <= ppm <= MAX_PIXELS_PER_MM:
        raise CalibrationRejected(
            "implausible_calibration",
            f"{ppm:g} px/mm is outside the plausible {MIN_PIXELS_PER_MM:g}-"
            f"{MAX_PIXELS_PER_MM:g} px/mm for trichoscopy; check the units.",
        )
    area_mm2 = h * w / ppm**2
    if area_mm2 < MIN_AREA_MM2:
        raise CalibrationRejected(
            "area_too_small",
            f"The image covers only {area_mm2:.2f} mm2 of scalp; at least {MIN_AREA_MM2:g} mm2 "
            "is needed for a density figure.",
        )
    return ppm


def _counted_area_mm2(
    fov: FieldOfView | None, h: int, w: int, sx: float, sy: float, ppm: float
) -> float:
    """Skin area in which hairs are counted: the photo, or its field of view less the guard.

    Raises ``CalibrationRejected`` when a lens's field shows too little scalp (the photo's own
    area was checked with the calibration)."""
    if fov is None:
        return h * w / ppm**2
    area_mm2 = float(fov.counted.sum()) / (sx * sy) / ppm**2
    if area_mm2 < MIN_AREA_MM2:
        raise CalibrationRejected(
            "area_too_small",
            f"The lens's field of view shows only {area_mm2:.2f} mm2 of scalp; at least "
            f"{MIN_AREA_MM2:g} mm2 is needed for a density figure.",
        )
    return area_mm2


def _outline(fov: FieldOfView | None, sx: float, sy: float) -> tuple[tuple[float, float], ...]:
    """Outline of the counted area in full-resolution pixels (empty: the whole photo)."""
    if fov is None:
        return ()
    contours, _ = cv2.findContours(
        fov.counted.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    c = max(contours, key=cv2.contourArea)
    c = cv2.approxPolyDP(c, 1.0, True).reshape(-1, 2).astype(float)
    full = (c + 0.5) / np.array([sx, sy]) - 0.5
    return tuple(map(tuple, np.round(full, 1).tolist()))


def _as_rgb(rgb: np.ndarray) -> np.ndarray:
    if not isinstance(rgb, np.ndarray):
        raise TypeError("rgb must be a numpy array")
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=2)
    if rgb.ndim != 3 or rgb.shape[2] not in (3, 4):
        raise ValueError(f"expected an HxWx3 RGB array, got shape {rgb.shape}")
    rgb = rgb[..., :3]
    if rgb.dtype != np.uint8:
        rgb = np.clip(rgb, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(rgb)


def working_scale(h: int, w: int, ppm: float) -> float:
    """Down-sampling factor so a terminal shaft is ~6-10 px wide and the work stays bounded."""
    scale = min(1.0, WORKING_PIXELS_PER_MM / ppm)
    if h * w * scale**2 > MAX_WORKING_PIXELS:
        scale = max(math.sqrt(MAX_WORKING_PIXELS / (h * w)), MIN_WORKING_PIXELS_PER_MM / ppm)
    return min(scale, 1.0)


def _enclosing(lab: np.ndarray, stats: np.ndarray, ppm: float) -> np.ndarray:
    """Components of the opposite mask (labels ``lab`` with their ``stats``) long enough to
    enclose a skin gap between them.

    A gap between shafts is bounded by shafts along its length; a spot (the follicular opening
    a grey or blond hair leaves, darker than the skin around it) is shorter than any stub and
    encloses nothing: the light hair touching it is a hair, not a gap. On the seed-3 benchmark
    a third of the grey stubs of scene #62 were dropped this way (realistic clipped hairs
    15.3 -> 12.5 % median error).
    """
    # a component whose box is longer than a spot's is a shaft however its mass is spread; for
    # the rest (spots, few pixels) the major axis from second moments decides: sqrt(12 var) is
    # a bar's length, 0.87 of a disc's diameter
    bw, bh = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    long_enough = np.maximum(bw, bh) >= MIN_ENCLOSING_MM * ppm / 0.87
    # ... and one whose box diagonal is under 1/sqrt(3) of it is short whatever its shape
    unsure = ~long_enough & (np.hypot(bw, bh) >= MIN_ENCLOSING_MM * ppm / np.sqrt(3.0))
    unsure[0] = False
    if unsure.any():
        x0, y0 = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
        for k in np.flatnonzero(unsure):
            w, h = stats[k, cv2.CC_STAT_WIDTH], stats[k, cv2.CC_STAT_HEIGHT]
            ys, xs = np.nonzero(lab[y0[k] : y0[k] + h, x0[k] : x0[k] + w] == k)
            cov = np.cov(np.stack([xs, ys]).astype(float), bias=True) if xs.size > 1 else None
            if cov is not None:
                major_var = float(np.linalg.eigvalsh(cov)[-1])
                long_enough[k] = np.sqrt(12.0 * major_var) >= MIN_ENCLOSING_MM * ppm
    long_enough[0] = False
    return long_enough[lab]


Components = tuple[int, np.ndarray, np.ndarray]  # count, label image, stats


def _components(mask: np.ndarray) -> Components:
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return n, lab, stats


def _kept(comps: Components, mask: np.ndarray) -> Components:
    """The components of ``mask``, a union of whole components of the labelled mask."""
    n, lab, stats = comps
    return n, np.where(mask, lab, 0), stats


def _drop_adjacent(
    secondary: np.ndarray,
    primary: np.ndarray,
    ppm: float,
    networks: bool,
    comps: tuple[Components, Components],
) -> np.ndarray:
    """Drop components of ``secondary`` that hug ``primary``: skin gaps between shafts.

    A light (dark) response beside a dark (light) shaft only arises where skin is enclosed
    between shafts narrower than the structuring element, so such a gap is bounded by the
    shafts that form it and is never much longer than they are. A component longer than
    every opposite component it touches, and longer than a stub, is the shaft network itself
    (a dense mesh whose enclosed skin gaps outweighed it in the polarity contest): kept when
    ``networks`` is set (long hair; never for the stubs of a phototrichogram). ``comps``: the
    components of ``secondary`` and ``primary``.
    """
    if not secondary.any() or not primary.any():
        return secondary
    (n, lab, stats), (_, lab_p, stats_p) = comps
    k = max(int(round(ADJACENCY_MM * ppm)) | 1, 5)
    square = np.ones((k, k), np.uint8)
    near = cv2.dilate(_enclosing(lab_p, stats_p, ppm).astype(np.uint8), square).astype(bool)
    tot = stats[:, cv2.CC_STAT_AREA]
    adj = np.bincount(lab[near & secondary], minlength=n)
    hugging = adj >= MAX_OPPOSITE_ADJACENCY * np.maximum(tot, 1)
    if not networks:
        hugging[0] = True
        return ~hugging[lab]
    # extent (bounding-box diagonal) of the longest opposite component within reach
    ext_p = np.hypot(stats_p[:, cv2.CC_STAT_WIDTH], stats_p[:, cv2.CC_STAT_HEIGHT])
    ext_p[0] = 0.0
    reach = cv2.dilate(ext_p.astype(np.float32)[lab_p], square)
    hugged = np.zeros(n, np.float32)
    np.maximum.at(hugged, lab[secondary], reach[secondary])
    ext = np.hypot(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    # ... and longer than any clipped stub, so phototrichograms are left as they were
    network = (ext > NETWORK_EXTENT_RATIO * hugged) & (ext > LONG_SHAFT_MM * ppm)
    # ... and made of shaft-wide strands (a skin patch framed by dots or stubs is broad)
    dt = cv2.distanceTransform(secondary.astype(np.uint8), cv2.DIST_L2, 3)
    mean_dt = np.bincount(lab.ravel(), weights=dt.ravel(), minlength=n) / np.maximum(tot, 1)
    network &= mean_dt <= NETWORK_MEAN_DEPTH * MAX_SHAFT_UM / 1000.0 * ppm + 0.5
    keep = ~hugging | network
    keep[0] = False
    return keep[lab]


def _contest(
    weaker: tuple[np.ndarray, Components],
    stronger: tuple[np.ndarray, Components],
    ppm: float,
    networks: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The weaker polarity's mask loses its skin gaps first, then the stronger one's loses what
    hugs the weaker survivors. Dropping removes whole components: survivors keep their labels."""
    (weak, c_weak), (strong, c_strong) = weaker, stronger
    weak = _drop_adjacent(weak, strong, ppm, networks, (c_weak, c_strong))
    strong = _drop_adjacent(strong, weak, ppm, networks, (c_strong, _kept(c_weak, weak)))
    return weak, strong


def _mean_extent(comps: Components) -> float:
    """Bounding-box diagonal of the components, weighted by their area."""
    _, _, stats = comps
    area = stats[1:, cv2.CC_STAT_AREA].astype(float)
    ext = np.hypot(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    return float((area * ext).sum() / max(area.sum(), 1.0))


def _segment_polarities(
    enh,
    ppm: float,
    networks: bool = False,
    raw: tuple[np.ndarray, np.ndarray] | None = None,
    raw_comps: tuple[Components, Components] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Dark and light shaft masks, each without the components that hug the other.

    ``raw``: the two thresholded masks, when already segmented; ``raw_comps``: their components.
    """
    if raw is None:
        raw = segment(enh.dark, enh.noise, ppm), segment(enh.bright, enh.noise, ppm)
    dark_mask, bright_mask = raw
    c_dark, c_bright = raw_comps or (_components(dark_mask), _components(bright_mask))
    dark_stronger = float(enh.dark[dark_mask].sum()) >= float(enh.bright[bright_mask].sum())
    if networks:
        # the mesh's shafts outrun the skin gaps they enclose, whichever has the more contrast
        x_dark, x_bright = _mean_extent(c_dark), _mean_extent(c_bright)
        if x_dark >= MESH_EXTENT_RATIO * x_bright:
            dark_stronger = True
        elif x_bright >= MESH_EXTENT_RATIO * x_dark:
            dark_stronger = False
    dark, bright = (dark_mask, c_dark), (bright_mask, c_bright)
    if dark_stronger:
        bright_mask, dark_mask = _contest(bright, dark, ppm, networks)
    else:
        dark_mask, bright_mask = _contest(dark, bright, ppm, networks)
    return dark_mask, bright_mask


def _light_zone(dark_mask: np.ndarray, bright_mask: np.ndarray) -> np.ndarray | None:
    """Where shaft contrast is read on the light-line map: around the light shafts, off the
    dark ones; None where there are no light shafts."""
    if not bright_mask.any():
        return None
    zone = cv2.dilate(bright_mask.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    return zone & ~dark_mask


def _shaft_contrast(enh, light: np.ndarray | None) -> np.ndarray:
    """One contrast map of both polarities: ``enh``'s light-line response in the ``light``
    zone (_light_zone), its dark-line response elsewhere."""
    if light is None:
        return enh.dark
    return np.where(light, enh.bright, enh.dark).astype(np.float32)


def _components_touching(mask: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """Components of ``mask`` that contain at least one pixel of ``seed``."""
    n, lab = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask
    keep = np.zeros(n, bool)
    keep[np.unique(lab[seed & mask])] = True
    keep[0] = False
    return keep[lab]


def _fill_slits(mask: np.ndarray, ppm: float) -> np.ndarray:
    """Close the narrow skin slits between stubs lying side by side, fill enclosed holes."""
    k = max(int(round(0.04 * ppm)) | 1, 3)
    m8 = cv2.morphologyEx(
        mask.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    )
    inv = (1 - m8).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(inv, connectivity=4)
    hole = stats[:, cv2.CC_STAT_AREA] < (0.15 * ppm) ** 2
    hole[0] = False
    # the background component touches the border; holes are the small enclosed ones
    m8[hole[lab] & (inv > 0)] = 1
    return m8.astype(bool)


def blunt_end_share(
    skel: np.ndarray, contrast: np.ndarray, ppm: float, skin: np.ndarray | None = None
) -> float:
    """Share of the skeleton's free ends that end bluntly (see MIN_BLUNT_SHARE); NaN if none.

    Left out: ends within reach of the photo's edge or of the lens's frame (``skin``: where the
    photo shows scalp), where any shaft is cut off at full contrast; ends whose direction the
    skeleton behind them does not give; and ends whose shaft has hardly any contrast further in
    (noise, a fraction of the scene's typical shaft contrast there).
    """
    idx, count, _ = neighbour_stats(skel)
    h, w = skel.shape
    ends = idx[count == 1]
    reach = int(np.ceil(BLUNT_FAR_MM[-1] * ppm)) + 2
    ey, ex = np.divmod(ends, w)
    inner = (ex >= reach) & (ex < w - reach) & (ey >= reach) & (ey < h - reach)
    if skin is not None:
        element = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
        inner &= cv2.erode(skin.astype(np.uint8), element)[ey, ex] > 0
    ex, ey = ex[inner], ey[inner]
    if ex.size == 0:
        return float("nan")
    sy, sx = np.nonzero(skel)
    tree = cKDTree(np.stack([sx, sy], 1))
    around = tree.query_ball_point(np.stack([ex, ey], 1), BLUNT_SPAN_MM * ppm)
    # the direction out of the end: from the centre of the skeleton behind it
    sizes = np.fromiter((len(nb) for nb in around), np.int64, len(around))
    members = np.concatenate(around).astype(np.int64)
    owner = np.repeat(np.arange(len(around)), sizes)
    centre = (
        np.stack(
            [
                np.bincount(owner, sx[members], len(around)),
                np.bincount(owner, sy[members], len(around)),
            ],
            1,
        )
        / np.maximum(sizes, 1)[:, None]
    )
    out = np.stack([ex, ey], 1) - centre
    norm = np.hypot(out[:, 0], out[:, 1])
    ok = norm >= 1.0
    inward = -out[ok] / norm[ok, None]
    base = np.stack([ex[ok], ey[ok]], 1).astype(float)
    far = contrast_along(contrast, base, inward, BLUNT_FAR_MM, ppm)
    valid = far > 0
    if not valid.any():
        return float("nan")
    valid &= far >= MIN_FAR_CONTRAST_SHARE * np.median(far[valid])
    near = contrast_along(contrast, base, inward, BLUNT_NEAR_MM, ppm)
    return float(np.mean(near[valid] >= BLUNT_RATIO * far[valid]))


def line_density_mm_per_mm2(mask: np.ndarray, ppm: float, skin: np.ndarray | None) -> float:
    """Shaft line per mm2 of skin, as the mask's area over its mean band width (cheaper than a
    skeleton): across a band of width W the distance to the edge averages W/4, and a pixel's
    distance transform runs half a pixel past the edge."""
    if not mask.any():
        return 0.0
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    width_px = 4.0 * max(float(dist[mask].mean()) - 0.5, 0.25)
    return float(np.count_nonzero(mask)) / width_px / ppm / max(_skin_mm2(mask, skin, ppm), 1e-9)


def _skin_mm2(mask: np.ndarray, skin: np.ndarray | None, ppm: float) -> float:
    """Scalp shown in the photo (``skin``: the lens's field; None: all of ``mask``'s image)."""
    return (mask.size if skin is None else np.count_nonzero(skin)) / ppm**2


def looks_clipped(
    mask: np.ndarray,
    ppm: float,
    skin: np.ndarray | None = None,
    contrast: np.ndarray | None = None,
    raw_line_mm_per_mm2: float | None = None,
) -> bool:
    """Phototrichogram or long hair, from the physical length of the detected shafts.

    Clipped stubs are ~0.2-1.5 mm long (DOMAIN.md section 7: clipped to ~0.5 mm, growing
    ~0.3 mm a day); unclipped shafts run for many millimetres and cross into networks. The
    scene is unclipped when most shaft area lies in components longer than LONG_SHAFT_MM.

    Stubs of neighbouring units that touch chain into long components at high density (stubs
    2-3 days after clipping are ~1-1.5 mm long), so in the ambiguous band a second cue decides:
    the visible shaft length per mm2 of skin (skeleton length). A phototrichogram shows at most
    ~3 hairs/mm2 x ~1.5 mm, with the stubs of a unit sharing one line; long hair lies across
    the skin for millimetres and crosses the frame, giving more line per mm2.

    On sparse scalps long hair, too, shows little line per mm2, so the band also asks how the
    long components are built: stubs chained by touching bring one free tip each (about one
    end per mm of line or more, MIN_CLIPPED_ENDS_PER_MM); a long shaft has two ends however
    far it runs. Fewer ends per mm than that is long hair on a sparse scene (dense stubs land
    their tips on each other, SPARSE_LINE_DENSITY).

    Where long components hold AMBIGUOUS_AREA_FRACTION of the shaft area or more, dense stubs
    chained end to end still show their cut ends: a scene with no more line per mm2 than a
    phototrichogram's whose ends are mostly blunt (MIN_BLUNT_SHARE, read on ``contrast``) is
    clipped; without ``contrast`` such a scene is long hair.

    ``raw_line_mm_per_mm2``: the line density (line_density_mm_per_mm2) of what the dark and
    the light thresholds found before the polarity contest; more line there than a
    phototrichogram can show is long hair whatever ``mask`` kept of it
    (MAX_CLIPPED_RAW_LINE_DENSITY).
    """
    ext, area = blob_lengths_mm(mask, ppm)
    if area.sum() <= 0:
        return True
    if raw_line_mm_per_mm2 is not None and raw_line_mm_per_mm2 >= MAX_CLIPPED_RAW_LINE_DENSITY:
        return False
    long_frac = float(area[ext > LONG_SHAFT_MM].sum() / area.sum())
    if long_frac < LONG_AREA_FRACTION:
        return True
    if long_frac >= AMBIGUOUS_AREA_FRACTION and contrast is None:
        return False
    skel = thin(mask)
    line_mm_per_mm2 = float(skel.sum()) / ppm / _skin_mm2(mask, skin, ppm)
    if line_mm_per_mm2 >= MAX_CLIPPED_LINE_DENSITY:
        return False
    if long_frac >= AMBIGUOUS_AREA_FRACTION:
        return blunt_end_share(skel, contrast, ppm, skin) >= MIN_BLUNT_SHARE
    if line_mm_per_mm2 >= SPARSE_LINE_DENSITY:
        return True
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    idx, count, _ = neighbour_stats(skel)
    lab = labels.ravel()[idx]
    long_comp = np.concatenate([[False], ext > LONG_SHAFT_MM])
    on_long = long_comp[lab]
    long_line_mm = np.count_nonzero(on_long) / ppm
    long_ends = np.count_nonzero(on_long & (count == 1))
    return long_ends >= MIN_CLIPPED_ENDS_PER_MM * long_line_mm


def _multiplicity(widths: np.ndarray, paths: list[int]) -> np.ndarray:
    """Hairs per traced path: shafts leaving one opening side by side merge into one wider path.

    The single-shaft width is the median of the narrower half of paths; a path counts as k
    hairs when it is at least (k - 0.3) times as wide (thick terminal shafts vary by +-20 %,
    DOMAIN.md section 5 anisotrichosis threshold, so 1.7x is beyond one shaft).
    """
    w = widths[np.asarray(paths, np.int64)] if paths else np.zeros(0)
    ok = w[np.isfinite(w)]
    if ok.size < 5:
        return np.ones(len(paths), np.int64)
    p25 = np.percentile(ok, 25)
    single = float(np.median(ok[ok <= MERGE_RATIO * p25]))
    ratio = np.where(np.isfinite(w), w / max(single, 1e-6), 1.0)
    k = np.where(ratio < MERGE_RATIO, 1, np.floor(ratio - MERGE_RATIO) + 2)
    return np.clip(k, 1, 4).astype(np.int64)


def _summary(
    diams: np.ndarray, measured: np.ndarray | None = None
) -> tuple[float | None, float | None, float | None, float | None]:
    """Mean, CV, thin and vellus fractions of the hairs' diameters.

    ``measured``: hairs measured at full resolution. The working-resolution fallback is off by
    ~25 % per hair (a shaft is ~4 px wide there) and biased by what made the full-resolution
    measure fail (a stub too short for clean profiles, stubs side by side, a crossing). With
    enough measured hairs (MIN_MEASURED_HAIRS, MIN_MEASURED_FRACTION) the summary is theirs
    alone: those failures do not pick hairs by their diameter, so leaving them out costs
    precision, not bias. When most hairs fail, the lines do not follow single shafts (a tangle,
    long hair taken for stubs) and the measured few are no sample of the scene: all count.
    """
    d = diams[np.isfinite(diams)]
    if measured is not None:
        m = measured & np.isfinite(diams)
        n_m = int(np.count_nonzero(m))
        if n_m >= MIN_MEASURED_HAIRS and n_m >= MIN_MEASURED_FRACTION * d.size:
            d = diams[m]
    if d.size == 0:
        return None, None, None, None
    mean = float(d.mean())
    cv = float(d.std() / mean) if d.size > 1 and mean > 0 else None
    thin_f = float(np.mean(d < THIN_HAIR_MAX_UM))
    vellus_f = float(np.mean(d <= VELLUS_HAIR_MAX_UM))
    return mean, cv, thin_f, vellus_f


def analyze(
    rgb: np.ndarray,
    *,
    pixels_per_mm: float,
    clipped: bool | None = None,
    diagnostics: dict | None = None,
) -> DensityResult:
    """Count hairs at their exit points, group them into follicular units, measure shafts.

    ``clipped=None`` auto-detects a phototrichogram (short stubs) from the shaft lengths.
    ``diagnostics``: a dict that receives the clipped counter's inputs and outputs in working
    pixels (``working_mask``, ``stubs``, ``working_ppm``, ``working_scale`` (sx, sy)), for the
    per-blob benchmark; it stays empty when the photo is analysed as long hair. The result does
    not depend on it.
    Raises ``CalibrationRejected`` for a missing/implausible calibration or too small an area.
    """
    t0 = time.perf_counter()
    rgb = _as_rgb(rgb)
    h, w = rgb.shape[:2]
    ppm = _check_calibration(pixels_per_mm, h, w)
    scale = working_scale(h, w, ppm)
    gray = to_gray(rgb, scale)
    hw, ww = gray.shape
    sx, sy = ww / w, hw / h
    ppm_w = ppm * 0.5 * (sx + sy)
    fov = field_of_view(gray, ppm_w)
    area_mm2 = _counted_area_mm2(fov, h, w, sx, sy, ppm)
    skin = None if fov is None else fov.in_view  # None: the whole photo shows scalp
    if fov is not None:
        gray = fill_frame(gray, fov)

    norm = normalise_illumination(gray, ppm_w)
    enh = enhance(norm, ppm_w, skin)
    raw = segment(enh.dark, enh.noise, ppm_w), segment(enh.bright, enh.noise, ppm_w)
    raw_comps = _components(raw[0]), _components(raw[1])
    polarities = _segment_polarities(enh, ppm_w, raw=raw, raw_comps=raw_comps)
    if clipped is not True:
        # long hair: a dense shaft mesh may have lost the polarity contest to its skin gaps;
        # the stubs of a phototrichogram keep the plain rule (scene clipped by both masks)
        long_polarities = _segment_polarities(
            enh, ppm_w, networks=True, raw=raw, raw_comps=raw_comps
        )
        if clipped is None:
            plain = polarities[0] | polarities[1]
            networked = long_polarities[0] | long_polarities[1]
            shafts = np.maximum(enh.dark, enh.bright)
            # read once for both masks' tests
            raw_line = line_density_mm_per_mm2(raw[0] | raw[1], ppm_w, skin)
            clipped = looks_clipped(plain, ppm_w, skin, shafts, raw_line) and (
                np.array_equal(plain, networked)
                or looks_clipped(networked, ppm_w, skin, shafts, raw_line)
            )
        if not clipped:
            polarities = long_polarities
    dark_mask, bright_mask = polarities
    mask = dark_mask | bright_mask
    # each shaft's polarity as the contest at the shafts' own scale decided it, for the
    # contrast at that scale and (clipped) at the stub scale alike: segmented and contested
    # afresh at the stub scale, the wide element's light response in the skin between dark
    # stubs won zones of its own and made stubs of skin gaps (seed-3 benchmark, realistic
    # clipped: mean |error| 14.8 -> 11.9 %, rms 21.9 -> 15.8 %; the second segmentation had
    # also cost a tenth of the analysis time)
    light = _light_zone(dark_mask, bright_mask)

    if clipped:
        wide = enhance_wide(norm, ppm_w, STUB_ELEMENT_MM, skin)
        contrast_w = _shaft_contrast(wide, light)
        mask_w = _fill_slits(mask, ppm_w)
        st = count_stubs(mask_w, contrast_w, ppm_w, norm)
        if diagnostics is not None:
            diagnostics.update(
                working_mask=mask_w, stubs=st, working_ppm=ppm_w, working_scale=(sx, sy)
            )
        exits = st.exits
        diam = st.diam_px / ppm_w * 1000.0
        polylines, drawn = st.polylines, st.drawn
        measurable = st.first_on_line
    else:
        contrast = _shaft_contrast(enh, light)
        # one-pixel ridge centrelines keep neighbouring shafts apart (the mask's skeleton
        # follows the merged network instead); trace's mask is the shaft mask within a few
        # pixels of a centreline, so isolated ridge fragments form components of their own
        flat = np.maximum(enh.dark, enh.bright) < MIN_CONTRAST_LOW
        if skin is not None:
            flat &= skin
        rid = centrelines(norm, ppm_w, dark_mask, bright_mask, flat)
        skel = rid.centre
        sk8 = skel.astype(np.uint8)
        near = cv2.dilate(sk8, np.ones((3, 3), np.uint8)).astype(bool)
        band = cv2.dilate(sk8, np.ones((7, 7), np.uint8)).astype(bool)
        traced = trace(
            skel,
            (mask | near) & band,
            contrast,
            ppm_w,
            False,
            continuation=(rid.strength, rid.normal),
        )
        band = max(0.9 * traced.typical_width_px, 0.045 * ppm_w) + 2.0
        widths = measure_widths(
            contrast,
            traced.skel,
            traced.skel_path,
            traced.measurable,
            traced.step_px,
            traced.n_paths,
            band,
        )
        mult = _multiplicity(widths, [hh.path for hh in traced.hairs])
        traced_hairs = [hh for hh, k in zip(traced.hairs, mult, strict=True) for _ in range(k)]
        share = np.repeat(mult, mult).astype(float)
        exits = np.array([hh.exit_xy for hh in traced_hairs], float).reshape(-1, 2)
        diam = np.array([widths[hh.path] for hh in traced_hairs], float) / share / ppm_w * 1000.0
        polylines = [hh.polyline for hh in traced_hairs]
        drawn = polylines
        measurable = np.ones(len(polylines), bool)

    if fov is not None:  # hairs are counted where they leave the scalp inside the field
        xi = np.clip(np.round(exits[:, 0]).astype(np.int64), 0, ww - 1)
        yi = np.clip(np.round(exits[:, 1]).astype(np.int64), 0, hw - 1)
        keep = fov.counted[yi, xi]
        exits, diam, measurable = exits[keep], diam[keep], measurable[keep]
        same = drawn is polylines
        polylines = [pl for pl, k in zip(polylines, keep, strict=True) if k]
        drawn = polylines if same else [pl for pl, k in zip(drawn, keep, strict=True) if k]

    def to_full(lines: list[np.ndarray]) -> list[np.ndarray]:
        return [(np.reshape(pl, (-1, 2)) + 0.5) / np.array([sx, sy]) - 0.5 for pl in lines]

    # polylines in full-resolution pixels: the diameters' cross-sections; drawn: the overlay's
    lines_full = to_full(polylines)
    drawn_full = lines_full if drawn is polylines else to_full(drawn)  # long hair: one line
    # per-hair diameters from full-resolution cross-sections (working-res estimate as fallback)
    d_full = np.full(len(lines_full), np.nan)
    lines_m = [line for line, m in zip(lines_full, measurable, strict=True) if m]
    d_full[measurable] = measure_diameters_um(rgb, lines_m, ppm, side_by_side=clipped)
    diam = np.where(np.isfinite(d_full), d_full, diam)

    n = len(exits)
    exits_full = (exits + 0.5) / np.array([sx, sy]) - 0.5
    spread = FU_MAX_SPREAD_CLIPPED_MM if clipped else FU_MAX_SPREAD_MM
    labels = group_units(exits_full, ppm, spread)
    n_fu = int(labels.max()) + 1 if n else 0

    hairs = []
    for i in range(n):
        d = float(diam[i]) if np.isfinite(diam[i]) else None
        hairs.append(
            DetectedHair(
                x=float(exits_full[i, 0]),
                y=float(exits_full[i, 1]),
                diameter_um=None if d is None else round(d, 1),
                fu_index=int(labels[i]),
                polyline=tuple(map(tuple, np.round(drawn_full[i], 1).tolist())),
            )
        )
    units = []
    for k in range(n_fu):
        members = np.flatnonzero(labels == k)
        c = exits_full[members].mean(0)
        units.append(FollicularUnit(float(c[0]), float(c[1]), tuple(int(m) for m in members)))

    area_cm2 = area_mm2 / 100.0
    mean_d, cv_d, thin_f, vellus_f = _summary(diam, np.isfinite(d_full) if clipped else None)
    sizes = np.bincount(labels, minlength=n_fu) if n else np.zeros(0)
    return DensityResult(
        hair_count=n,
        follicular_unit_count=n_fu,
        hair_density_per_cm2=round(n / area_cm2, 2),
        fu_density_per_cm2=round(n_fu / area_cm2, 2),
        hairs_per_fu=round(n / n_fu, 3) if n_fu else None,
        single_hair_fu_fraction=round(float(np.mean(sizes == 1)), 4) if n_fu else None,
        mean_shaft_diameter_um=None if mean_d is None else round(mean_d, 2),
        shaft_diameter_cv=None if cv_d is None else round(cv_d, 4),
        thin_hair_fraction=None if thin_f is None else round(thin_f, 4),
        vellus_hair_fraction=None if vellus_f is None else round(vellus_f, 4),
        analyzed_area_cm2=round(area_cm2, 6),
        algorithm_version=ALGORITHM_VERSION,
        duration_ms=int(round((time.perf_counter() - t0) * 1000)),
        clipped=bool(clipped),
        hairs=hairs,
        follicular_units=units,
        counting_region=_outline(fov, sx, sy),
        pixels_per_mm=ppm,
    )

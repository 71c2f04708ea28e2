"""Illumination normalisation and polarity-aware shaft enhancement and segmentation.

Hairs are thin lines darker *or* lighter than the surrounding skin (blond/grey on dark skin).
Dividing by a large-scale background removes vignetting and uneven lighting; a morphological
black-hat (dark lines) and top-hat (light lines) with a structuring element wider than any shaft
but narrower than skin features gives a contrast map whose value is the shaft's relative
contrast. Step edges (flakes, glare borders) give no response, unlike derivative filters.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .constants import MAX_SHAFT_UM

# Background scale: skin illumination varies over millimetres, shafts are < 0.13 mm wide.
BACKGROUND_WINDOW_MM = 1.6
# Structuring element a bit wider than the thickest shaft (MAX_SHAFT_UM), still small enough not
# to fill pigment blotches and openings larger than ~0.2 mm.
STRUCTURING_MM = MAX_SHAFT_UM / 1000.0 + 0.04
# Minimum relative contrast of a shaft: below ~2 % of skin brightness nothing is visible in a
# JPEG trichoscopy photo (8-bit quantisation plus sensor noise).
SHEEN_MM = 0.025  # width of the specular core of a terminal shaft (about a third of 60-80 um)
MIN_CONTRAST_LOW = 0.02
MIN_CONTRAST_HIGH = 0.045
# Yellow dots are 0.1-0.35 mm wide (DOMAIN.md section 5, Rakowska: follicular openings / dots)
ROUND_HOLE_MAX_MM = 0.2


_Q = 16384.0


@dataclass(frozen=True)
class Enhanced:
    dark: np.ndarray  # float32 relative contrast of dark lines (>= 0)
    bright: np.ndarray  # float32 relative contrast of light lines (>= 0)
    noise: float  # robust noise level of the contrast maps


def to_gray(rgb: np.ndarray, scale: float) -> np.ndarray:
    """Resample to working resolution and mix green+blue, where melanin contrast is highest."""
    if scale != 1.0:
        h, w = rgb.shape[:2]
        size = (max(int(round(w * scale)), 1), max(int(round(h * scale)), 1))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        rgb = cv2.resize(rgb, size, interpolation=interp)
    g = rgb[..., 1].astype(np.float32)
    g += rgb[..., 2]
    g *= 0.5
    return g


def normalise_illumination(gray: np.ndarray, ppm: float) -> np.ndarray:
    """Divide by a robust (median) large-scale background so contrast is relative to skin."""
    h, w = gray.shape
    f = max(int(round(ppm * 0.1)), 1)  # ~0.1 mm per background pixel
    small = cv2.resize(gray, (max(w // f, 3), max(h // f, 3)), interpolation=cv2.INTER_AREA)
    small8 = np.clip(small, 0, 255).astype(np.uint8)
    k = int(BACKGROUND_WINDOW_MM / 0.1) | 1
    k = max(3, min(k, (min(small8.shape) // 2) * 2 - 1))
    bg = cv2.medianBlur(small8, k).astype(np.float32)
    bg = cv2.GaussianBlur(bg, (0, 0), k / 4)
    bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    np.maximum(bg, 4.0, out=bg)
    return gray / bg


def _hats(norm: np.ndarray, ppm: float, se: np.ndarray, skin: np.ndarray | None = None) -> Enhanced:
    """Black-hat (dark lines) and top-hat (light lines) of ``norm`` with the element ``se``.

    ``skin``: where the photo shows scalp (the noise is measured there only; a lens frame
    painted flat would otherwise pass for noiseless skin and lower every threshold).
    """
    sm = cv2.GaussianBlur(norm, (0, 0), 0.7)
    # 16-bit fixed point (1/16384 of skin level) keeps the morphology on the fast integer path
    q = np.clip(sm * _Q, 0, 65535).astype(np.uint16)
    # the specular sheen along a shaft is a thin line of opposite polarity inside it: remove
    # details narrower than ~30 um (below any shaft we measure) before each transform
    ks = max(int(round(SHEEN_MM * ppm)) | 1, 3)
    small = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ks, ks))
    q_d = cv2.morphologyEx(q, cv2.MORPH_OPEN, small)
    q_b = cv2.morphologyEx(q, cv2.MORPH_CLOSE, small)
    dark = cv2.subtract(cv2.morphologyEx(q_d, cv2.MORPH_CLOSE, se), q_d).astype(np.float32)
    bright = cv2.subtract(q_b, cv2.morphologyEx(q_b, cv2.MORPH_OPEN, se)).astype(np.float32)
    dark *= 1.0 / _Q
    bright *= 1.0 / _Q
    return Enhanced(dark=dark, bright=bright, noise=_noise_level(sm, dark, bright, skin))


def enhance(norm: np.ndarray, ppm: float, skin: np.ndarray | None = None) -> Enhanced:
    """Black-hat and top-hat contrast maps of the normalised image."""
    k = int(round(STRUCTURING_MM * ppm)) | 1
    return _hats(norm, ppm, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)), skin)


def enhance_wide(
    norm: np.ndarray, ppm: float, size_mm: float, skin: np.ndarray | None = None
) -> Enhanced:
    """Black-hat/top-hat with a square element ``size_mm`` wide (separable, fast).

    Used for clipped stubs: several stubs of one unit lying side by side form a blob wider than
    one shaft, and the contrast must cover its whole cross-section.
    """
    k = int(round(size_mm * ppm)) | 1
    return _hats(norm, ppm, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)), skin)


def _noise_level(
    sm: np.ndarray, dark: np.ndarray, bright: np.ndarray, skin: np.ndarray | None = None
) -> float:
    """Robust pixel noise from the residual to a 3x3 mean, measured on bare skin only.

    Pixels on a shaft (any black-hat/top-hat response above the visibility floor) are left
    out: in a dense unclipped scene most pixels lie on a shaft edge, whose residual is
    structure, not noise, and would raise the thresholds until nothing is found.
    """
    sub = sm[::2, ::2]
    resid = sub - cv2.blur(sub, (3, 3))
    resp = np.maximum(dark[::2, ::2], bright[::2, ::2])
    flat = resp < MIN_CONTRAST_LOW
    if skin is not None:
        flat &= skin[::2, ::2]
    if flat.sum() < 0.05 * flat.size:
        # long hair covering nearly all the skin: the least structured tenth of the image is
        # still the best estimate of bare skin (all pixels would measure shaft edges)
        inside = np.ones_like(resp, bool) if skin is None else skin[::2, ::2]
        flat = inside & (resp <= np.percentile(resp[inside], 10))
    resid = resid[flat]
    return float(1.4826 * np.median(np.abs(resid - np.median(resid)))) * 1.6 + 1e-4


def hysteresis(resp: np.ndarray, low: float, high: float) -> np.ndarray:
    """Pixels above ``low`` that are connected to a pixel above ``high``."""
    lo = (resp > low).astype(np.uint8)
    n, lab = cv2.connectedComponents(lo, connectivity=8)
    if n <= 1:
        return lo.astype(bool)
    keep = np.zeros(n, bool)
    keep[np.unique(lab[resp > high])] = True
    keep[0] = False
    return keep[lab]


def segment(resp: np.ndarray, noise: float, ppm: float) -> np.ndarray:
    """Binary shaft mask from a contrast map (noise-adaptive hysteresis, small holes filled)."""
    low = max(MIN_CONTRAST_LOW, 4.0 * noise)
    high = max(MIN_CONTRAST_HIGH, 9.0 * noise)
    mask = hysteresis(resp, low, high)
    m8 = mask.astype(np.uint8)
    m8 = cv2.morphologyEx(m8, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    # fill tiny holes, and round holes up to a yellow dot's size (a ring response around a dot
    # or an opening becomes a solid blob that the elongation test then rejects); slivers
    # enclosed by crossing shafts are left open
    inv = (1 - m8).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(inv, connectivity=4)
    area = stats[:, cv2.CC_STAT_AREA].astype(float)
    bw = stats[:, cv2.CC_STAT_WIDTH].astype(float)
    bh = stats[:, cv2.CC_STAT_HEIGHT].astype(float)
    round_hole = (
        (area < np.pi * (ROUND_HOLE_MAX_MM * ppm) ** 2)
        & (np.maximum(bw, bh) < 1.6 * np.minimum(bw, bh))
        & (area > 0.6 * bw * bh)
    )
    small = (area < max(4, int((0.05 * ppm) ** 2))) | round_hole
    small[0] = False
    m8[small[lab] & (inv > 0)] = 1
    return m8.astype(bool)

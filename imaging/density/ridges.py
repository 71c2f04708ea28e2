"""One-pixel shaft centrelines from a Hessian ridge measure (long hair).

The black-hat mask merges neighbouring shafts and out-of-focus bands into one network whose
skeleton does not follow single hairs. Here the second derivative of the normalised image at
the shaft scale gives, per pixel, the curvature across the line (contrast of a line about as
wide as a shaft) and the line's normal. Keeping only the maximum across the line (non-maximum
suppression along the normal) gives one-pixel centrelines that stay separate wherever two
shafts are resolved at all, and that cross as X's instead of filling the space between them.
Hysteresis on the contrast-calibrated measure keeps faint shafts that connect to clear ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .constants import MAX_SHAFT_UM
from .enhance import MIN_CONTRAST_HIGH, MIN_CONTRAST_LOW, SHEEN_MM, hysteresis
from .skeleton import thin

# Noise-adaptive thresholds, as in enhance.segment (k x robust noise of the ridge measure).
LOW_NOISE_K = 4.0
HIGH_NOISE_K = 9.0


@dataclass(frozen=True)
class Ridges:
    centre: np.ndarray  # bool, one-pixel centrelines
    strength: np.ndarray  # float32, line contrast (relative to skin) of the chosen polarity
    normal: np.ndarray  # float32, angle (rad) of the line normal
    noise: float


def _kernels(sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = int(math.ceil(3.0 * sigma))
    x = np.arange(-r, r + 1, dtype=np.float64)
    g = np.exp(-0.5 * (x / sigma) ** 2)
    g /= g.sum()
    g1 = -x / sigma**2 * g
    g2 = (x**2 / sigma**4 - 1.0 / sigma**2) * g
    return g.astype(np.float32), g1.astype(np.float32), g2.astype(np.float32)


def _line_gain(width_px: float, sigma: float) -> float:
    """Second derivative at the centre of a unit-contrast bar ``width_px`` wide."""
    half = 0.5 * width_px
    peak = 2.0 * half / (sigma**3 * math.sqrt(2.0 * math.pi))
    return peak * math.exp(-(half**2) / (2 * sigma**2))


def _hessian(img: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    g, g1, g2 = _kernels(sigma)
    ixx = cv2.sepFilter2D(img, cv2.CV_32F, g2, g, borderType=cv2.BORDER_REFLECT)
    iyy = cv2.sepFilter2D(img, cv2.CV_32F, g, g2, borderType=cv2.BORDER_REFLECT)
    ixy = cv2.sepFilter2D(img, cv2.CV_32F, g1, g1, borderType=cv2.BORDER_REFLECT)
    return ixx, iyy, ixy


def _nms(resp: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """True where ``resp`` is a maximum along the direction ``theta`` (the line's normal)."""
    q = np.round(theta / (np.pi / 4)).astype(np.int8) % 4  # 0: x, 1: diag, 2: y, 3: anti-diag
    p = np.pad(resp, 1, mode="constant")
    h, w = resp.shape
    keep = np.zeros(resp.shape, bool)
    for k, (dy, dx) in enumerate(((0, 1), (1, 1), (1, 0), (1, -1))):
        a = p[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
        b = p[1 - dy : 1 - dy + h, 1 - dx : 1 - dx + w]
        keep |= (q == k) & (resp >= a) & (resp > b)
    return keep


def _robust_noise(resp: np.ndarray, flat: np.ndarray) -> float:
    v = resp[::2, ::2][flat[::2, ::2]]
    if v.size < 100:
        v = resp[::2, ::2].ravel()
        v = v[v <= np.percentile(v, 10)]
    return float(1.4826 * np.median(np.abs(v - np.median(v)))) + 1e-4


def centrelines(
    norm: np.ndarray,
    ppm: float,
    dark_mask: np.ndarray,
    bright_mask: np.ndarray,
    flat: np.ndarray,
) -> Ridges:
    """Shaft centrelines of the scene's shaft polarity (and of the other where it was segmented).

    ``flat`` marks bare skin (no black-hat/top-hat response) for the noise estimate.
    """
    # one scale for the scene, that of the thickest shaft: it also spans the specular sheen
    # inside a shaft (a smaller scale gives one ridge along each edge of a thick shaft
    # instead of one in the middle) and, measured on the benchmark, separates hairs as well
    width = MAX_SHAFT_UM / 1000.0 * ppm
    sigma = max(width / (2.0 * math.sqrt(3.0)), 0.8)
    # the specular sheen is a thin light line inside a dark shaft (and vice versa): removed
    # first, as in enhance.enhance, or each shaft gives two ridges, one on either side of it
    ks = max(int(round(SHEEN_MM * ppm)) | 1, 3)
    small = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (ks, ks))
    n32 = norm.astype(np.float32)
    dark_wins = dark_mask.sum() >= bright_mask.sum()
    op = cv2.MORPH_OPEN if dark_wins else cv2.MORPH_CLOSE
    ixx, iyy, ixy = _hessian(cv2.morphologyEx(n32, op, small), sigma)
    half_tr = 0.5 * (ixx + iyy)
    rad = np.sqrt((0.5 * (ixx - iyy)) ** 2 + ixy**2)
    gain = 1.0 / _line_gain(width, sigma)
    dark = np.maximum(half_tr + rad, 0.0) * gain  # valley: curvature up across the line
    bright = np.maximum(rad - half_tr, 0.0) * gain  # crest: curvature down across the line
    theta = 0.5 * np.arctan2(2.0 * ixy, ixx - iyy)  # normal of a dark line (max curvature)
    zone_k = np.ones((5, 5), np.uint8)
    if dark_wins:
        other = cv2.dilate(bright_mask.astype(np.uint8), zone_k).astype(bool)
        use_bright = other & (bright > dark)
    else:
        other = cv2.dilate(dark_mask.astype(np.uint8), zone_k).astype(bool)
        use_bright = ~(other & (dark > bright))
    strength = np.where(use_bright, bright, dark).astype(np.float32)
    theta = np.where(use_bright, theta + 0.5 * np.pi, theta)
    signed = (half_tr + rad) if dark_wins else (rad - half_tr)
    noise = _robust_noise(signed * gain, flat)
    low = max(MIN_CONTRAST_LOW, LOW_NOISE_K * noise)
    high = max(MIN_CONTRAST_HIGH, HIGH_NOISE_K * noise)
    # centrelines only inside the segmented shafts (the black-hat/top-hat masks): the ridge
    # measure separates the shafts of a merged mesh, the masks reject skin texture
    inside = cv2.dilate((dark_mask | bright_mask).astype(np.uint8), np.ones((3, 3), np.uint8))
    peak = _nms(strength, theta) & (strength > low) & inside.astype(bool)
    # the quantised suppression leaves one-pixel gaps where the normal turns between two of
    # its four directions: close them (3x3) and thin back to one pixel
    k3 = np.ones((3, 3), np.uint8)
    closed = cv2.morphologyEx(peak.astype(np.uint8), cv2.MORPH_CLOSE, k3).astype(bool)
    closed &= strength > low
    centre = thin(hysteresis(np.where(closed, strength, 0.0), low, high))
    return Ridges(centre=centre, strength=strength, normal=theta.astype(np.float32), noise=noise)

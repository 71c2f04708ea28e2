"""Sub-pixel shaft diameter from the contrast profile integrated across the shaft.

For a shaft of width w and contrast C the contrast map integrated across the shaft is C*w; blur
and resampling preserve that integral, so w = (integral over a band) / (C * length) measures the
diameter at sub-pixel precision even when the shaft is only a few pixels wide.
"""

from __future__ import annotations

import cv2
import numpy as np

from .grouped import group_median


def measure_widths(
    contrast: np.ndarray,
    skel: np.ndarray,
    skel_path: np.ndarray,
    measurable: np.ndarray,
    step_px: np.ndarray,
    n_paths: int,
    band_px: float,
) -> np.ndarray:
    """Width in pixels per path (NaN where nothing measurable).

    ``skel_path``/``measurable``/``step_px`` are full-size arrays indexed like the image:
    path id of each skeleton pixel (-1 = none), whether it lies on a clean stretch of shaft
    (away from crossings and tips), and the length of shaft it represents.
    """
    if n_paths == 0:
        return np.zeros(0)
    inv = (~skel).astype(np.uint8)
    dist, lab = cv2.distanceTransformWithLabels(inv, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    sk_idx = np.flatnonzero(skel.ravel())
    label_to_path = np.full(int(lab.max()) + 1, -1, np.int64)
    sk_lab = lab.ravel()[sk_idx]
    path_of_sk = np.where(measurable.ravel()[sk_idx], skel_path.ravel()[sk_idx], -1)
    label_to_path[sk_lab] = path_of_sk
    d = dist.ravel()
    near = np.flatnonzero(d <= band_px + 3.0)
    owner = label_to_path[lab.ravel()[near]]
    ok = owner >= 0
    near, owner = near[ok], owner[ok]
    c = contrast.ravel()[near].astype(np.float64)
    in_band = d[near] <= band_px
    ring = ~in_band
    # local background of the contrast map just outside the band
    ring_sum = np.bincount(owner[ring], weights=c[ring], minlength=n_paths)
    ring_n = np.bincount(owner[ring], minlength=n_paths)
    bg = np.where(ring_n > 0, ring_sum / np.maximum(ring_n, 1), 0.0)
    band_sum = np.bincount(owner[in_band], weights=c[in_band], minlength=n_paths)
    band_n = np.bincount(owner[in_band], minlength=n_paths)
    integral = band_sum - bg * band_n
    cmax = cv2.dilate(contrast, np.ones((3, 3), np.uint8)).ravel()
    m_idx = sk_idx[path_of_sk >= 0]
    m_path = path_of_sk[path_of_sk >= 0]
    peak = group_median(cmax[m_idx].astype(np.float64), m_path, n_paths) - bg
    length = np.bincount(m_path, weights=step_px.ravel()[m_idx], minlength=n_paths)
    with np.errstate(invalid="ignore", divide="ignore"):
        width = integral / (peak * length)
    width[(length < 3) | ~(peak > 0) | ~np.isfinite(width) | (width <= 0)] = np.nan
    return width

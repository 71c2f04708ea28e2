"""The optic's field of view: the part of the photo that shows scalp.

Many dermoscopes and trichoscopes image through a round lens or contact plate, so the photo
holds a disc of scalp framed by near-black corners (or a black ring). That frame is not skin:
counting over the whole photo would dilute the density by the frame's share of the area
(a disc inscribed in a 4:3 photo is 59 % of it), and the frame's edge would pass for a shaft.

The frame is told from hair by its physics: it is as dark as an unlit sensor, far darker than
skin of any tone, and it is broad and reaches the photo's edge, whereas even a black shaft is
a tenth of a millimetre wide and has skin on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Darker than this fraction of the skin's brightness, and than FRAME_MAX_GREY, is no skin:
# very dark skin in the green+blue grey is ~65 of 255 at normal exposure, an unlit frame < ~20
# (sensor black level plus JPEG noise); a black shaft over skin is ~30-60.
FRAME_MAX_OF_SKIN = 0.3
FRAME_MAX_GREY = 30.0
# A frame region is broad: it survives an opening this wide, which no shaft (<= 0.13 mm,
# DOMAIN.md section 5) nor a few shafts side by side do.
FRAME_MIN_WIDTH_MM = 0.5
# Less than this share of the photo dark at the edges is vignetting of the light, not a frame.
MIN_FRAME_FRACTION = 0.01
# Hairs are counted only this far inside the field's edge (a guard zone): a stub cut by the
# edge shows its exit there whether it left the scalp inside or outside the field, so hairs in
# the band and the band's area are both left out, which keeps the density unbiased. It covers
# the edge's soft transition (lens blur) and the ~0.1 mm uncertainty of a located exit.
GUARD_MM = 0.2


@dataclass(frozen=True)
class FieldOfView:
    in_view: np.ndarray  # bool, scalp pixels (working resolution)
    counted: np.ndarray  # bool, in_view minus the guard zone: where exits are counted


def field_of_view(gray: np.ndarray, ppm: float) -> FieldOfView | None:
    """The field of view of ``gray`` (working-resolution grey, 0-255), or None when the whole
    photo shows scalp (no frame). The field may be empty (a photo of the frame alone)."""
    h, w = gray.shape
    # the frame is broad: ~0.1 mm per pixel resolves it and keeps this cheap
    f = max(int(round(0.1 * ppm)), 1)
    small = cv2.resize(gray, (max(w // f, 8), max(h // f, 8)), interpolation=cv2.INTER_AREA)
    skin = float(np.percentile(small, 98))  # a photo worth analysing is >= 2 % scalp
    dark = (small < min(FRAME_MAX_GREY, FRAME_MAX_OF_SKIN * skin)).astype(np.uint8)
    ring = np.concatenate([dark[0], dark[-1], dark[:, 0], dark[:, -1]])
    if ring.mean() < MIN_FRAME_FRACTION:  # a frame reaches the photo's edge
        return None
    k = max(int(round(FRAME_MIN_WIDTH_MM * ppm / f)) | 1, 3)
    broad = cv2.morphologyEx(
        dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    )
    n, lab = cv2.connectedComponents(broad, connectivity=8)
    if n <= 1:
        return None
    edge = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    frame = np.isin(lab, edge[edge > 0])
    if frame.mean() < MIN_FRAME_FRACTION:
        return None
    # the scalp is the largest region left, holes (dark blobs inside the field) included
    n, lab, stats, _ = cv2.connectedComponentsWithStats((~frame).astype(np.uint8), connectivity=4)
    scalp = np.zeros_like(frame)
    if n > 1:
        scalp = lab == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    in_view = cv2.resize(scalp.astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
    # distance inside the field; the photo's own edges bound it too
    depth = cv2.distanceTransform(np.pad(in_view, 1), cv2.DIST_L2, cv2.DIST_MASK_3)[1:-1, 1:-1]
    # the soft edge of the frame (lens blur, and the coarse grid it was found on) is not skin
    in_view = depth > max(0.05 * ppm, 0.5 * f)
    counted = depth > max(0.05 * ppm, 0.5 * f) + GUARD_MM * ppm
    return FieldOfView(in_view=in_view, counted=counted)


def fill_frame(gray: np.ndarray, fov: FieldOfView) -> np.ndarray:
    """``gray`` with the frame painted the skin's median: no edge, no shaft response there, and
    the illumination estimate near the edge follows the skin, not the black frame."""
    out = gray.copy()
    out[~fov.in_view] = float(np.median(gray[fov.in_view]))
    return out

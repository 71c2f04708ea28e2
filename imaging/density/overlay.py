"""Density map for the clinician: detected shafts, exit points and coloured follicular units."""

from __future__ import annotations

import cv2
import numpy as np

from .results import DensityResult

MAX_SIDE_PX = 2048
# BGR colours for units of 1, 2, 3 and 4+ hairs (colour-blind-friendly Okabe-Ito palette).
FU_COLOURS = {1: (0, 159, 230), 2: (115, 158, 0), 3: (167, 121, 204), 4: (0, 94, 213)}
SHAFT_COLOUR = (240, 200, 40)
EXIT_COLOUR = (255, 255, 255)
REGION_COLOUR = (255, 255, 255)


def render_overlay(rgb: np.ndarray, result: DensityResult) -> bytes:
    """PNG bytes of the photo (long side <= 2048 px) annotated with the analysis."""
    h, w = rgb.shape[:2]
    s = min(1.0, MAX_SIDE_PX / max(h, w))
    img = cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2BGR)
    if s < 1.0:
        img = cv2.resize(
            img,
            (max(int(round(w * s)), 1), max(int(round(h * s)), 1)),
            interpolation=cv2.INTER_AREA,
        )
    # dim the photo slightly so the annotations stand out
    img = cv2.addWeighted(img, 0.75, np.zeros_like(img), 0.25, 0)
    oh, ow = img.shape[:2]
    lw = max(1, int(round(max(oh, ow) / 900)))
    px_per_mm_out = None
    if result.pixels_per_mm:
        px_per_mm_out = s * result.pixels_per_mm
    elif result.analyzed_area_cm2 > 0:
        px_per_mm_out = s * np.sqrt(h * w / (result.analyzed_area_cm2 * 100.0))
    shift = 3
    f = float(1 << shift)
    if len(result.counting_region) >= 3:  # the area counted in, when not the whole photo
        pts = np.round(np.asarray(result.counting_region) * s * f).astype(np.int32)
        cv2.polylines(img, [pts.reshape(-1, 1, 2)], True, REGION_COLOUR, lw, cv2.LINE_AA, shift)
    for hair in result.hairs:
        if len(hair.polyline) >= 2:
            pts = np.round(np.asarray(hair.polyline) * s * f).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(img, [pts], False, SHAFT_COLOUR, lw, cv2.LINE_AA, shift)
    for hair in result.hairs:
        c = (int(round(hair.x * s * f)), int(round(hair.y * s * f)))
        cv2.circle(img, c, int((lw + 1) * f), EXIT_COLOUR, -1, cv2.LINE_AA, shift)
    radius = (0.3 * px_per_mm_out) if px_per_mm_out else 6.0 * lw
    for fu in result.follicular_units:
        col = FU_COLOURS[min(fu.hair_count, 4)]
        c = (int(round(fu.x * s * f)), int(round(fu.y * s * f)))
        cv2.circle(img, c, int(max(radius, 4 * lw) * f), col, lw + 1, cv2.LINE_AA, shift)
    _legend(img, result, lw)
    ok, buf = cv2.imencode(".png", img)
    if not ok:  # pragma: no cover - OpenCV always encodes a valid 8-bit BGR image
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def _legend(img: np.ndarray, r: DensityResult, lw: int) -> None:
    def fmt(v: float | None, spec: str) -> str:
        return "n/a" if v is None else format(v, spec)

    lines = [
        f"hairs {r.hair_count}  ({r.hair_density_per_cm2:.0f}/cm2)",
        f"FU {r.follicular_unit_count}  ({r.fu_density_per_cm2:.0f}/cm2)  "
        f"hairs/FU {fmt(r.hairs_per_fu, '.2f')}",
        f"shaft {fmt(r.mean_shaft_diameter_um, '.0f')} um  thin<30um "
        f"{fmt(None if r.thin_hair_fraction is None else 100 * r.thin_hair_fraction, '.0f')}%",
        f"{'clipped' if r.clipped else 'unclipped'}  {r.algorithm_version}",
    ]
    scale = 0.45 * lw
    th = max(1, lw)
    (tw, tht), base = cv2.getTextSize("M", cv2.FONT_HERSHEY_SIMPLEX, scale, th)
    line_h = tht + base + 4 * lw
    width = max(cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, scale, th)[0][0] for t in lines)
    swatch = ["1", "2", "3", "4+"]
    box_w = max(width, 4 * (line_h + 30 * lw)) + 16 * lw
    box_h = line_h * (len(lines) + 1) + 12 * lw
    box_w = min(box_w, img.shape[1])
    box_h = min(box_h, img.shape[0])
    roi = img[:box_h, :box_w]
    roi[:] = (roi * 0.35).astype(np.uint8)
    y = 6 * lw + tht
    for t in lines:
        cv2.putText(
            img, t, (8 * lw, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), th, cv2.LINE_AA
        )
        y += line_h
    x = 8 * lw
    for i, label in enumerate(swatch):
        col = FU_COLOURS[i + 1]
        cv2.circle(
            img, (x + line_h // 3, y - tht // 2), max(line_h // 3, 3), col, lw + 1, cv2.LINE_AA
        )
        cv2.putText(
            img,
            f"{label}-hair FU" if i == 0 else label,
            (x + line_h, y),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            col,
            th,
            cv2.LINE_AA,
        )
        x += (
            line_h
            + cv2.getTextSize(
                f"{label}-hair FU" if i == 0 else label, cv2.FONT_HERSHEY_SIMPLEX, scale, th
            )[0][0]
            + 14 * lw
        )

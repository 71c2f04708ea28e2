"""Exit-point localisation benchmark: are hairs counted where they leave the scalp?

Run: ``python -m imaging.density.benchmark_exits [--n 60] [--seed 3] [--category realistic]
[--clipped] [--density 40]``
A count can be right by coincidence (missed roots cancelling counted fragments), so this
matches every detected exit point to a true one (one-to-one, closest first, within
MATCH_RADIUS_MM) and prints precision and recall per scene category. ``chance`` is the
precision that exits scattered uniformly over the image would reach: the fraction of the
image lying within MATCH_RADIUS_MM of a true exit. Precision near chance means the detected
ends are unrelated to the roots. ``--density`` fixes the hair density (hairs/cm2) of every
scene instead of drawing it from 80-300: thinning scalps (the patients who are measured most)
lie below that range, and sparse scenes show whether exits are found where tracing is easy.
Seeds: 3 for decisions, 1 for reporting, 2 held out.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from .pipeline import analyze
from .synthetic import generate_scene, random_params

# About the radius of a follicular opening plus the root fade of the shaft (~0.1 + 0.1 mm):
# a detection further away than this is not at that hair's root.
MATCH_RADIUS_MM = 0.25


def _match(det: np.ndarray, truth: np.ndarray, radius_px: float) -> int:
    if len(det) == 0 or len(truth) == 0:
        return 0
    d = np.linalg.norm(det[:, None, :] - truth[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(np.where(d <= radius_px, d, 1e9))
    return int((d[rows, cols] <= radius_px).sum())


def _chance(truth: np.ndarray, h: int, w: int, radius_px: float) -> float:
    cover = np.zeros((h, w), np.uint8)
    for x, y in np.round(truth).astype(int):
        cv2.circle(cover, (int(x), int(y)), int(round(radius_px)), 1, -1)
    return float(cover.mean())


def _one(
    seed: int, i: int, clipped: bool, realistic: bool, density: float | None = None
) -> tuple[int, int, int, float]:
    rng = np.random.default_rng([seed, i])
    params = random_params(rng, clipped=clipped, seed=seed * 100_003 + i, realistic=realistic)
    if density is not None:
        params = replace(params, hair_density_per_cm2=density)
    scene = generate_scene(params)
    res = analyze(scene.image, pixels_per_mm=params.pixels_per_mm)
    det = np.array([[hh.x, hh.y] for hh in res.hairs], float).reshape(-1, 2)
    truth = scene.truth.exit_points
    r = MATCH_RADIUS_MM * params.pixels_per_mm
    h, w = scene.image.shape[:2]
    return _match(det, truth, r), len(det), len(truth), _chance(truth, h, w, r)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=60, help="scene indices 0..n-1 (half clipped)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--category", choices=("both", "realistic", "harsh"), default="both")
    ap.add_argument("--clipped", action="store_true", help="clipped scenes instead of long hair")
    ap.add_argument("--density", type=float, default=None, help="hairs/cm2 of every scene")
    a = ap.parse_args(argv)
    cats = ("realistic", "harsh") if a.category == "both" else (a.category,)
    first = 0 if a.clipped else 1
    for cat in cats:
        rows = [
            _one(a.seed, i, a.clipped, cat == "realistic", a.density) for i in range(first, a.n, 2)
        ]
        tp, n_det, n_true, chance = (np.array(c, float) for c in zip(*rows, strict=True))
        prec = tp.sum() / max(n_det.sum(), 1)
        rec = tp.sum() / max(n_true.sum(), 1)
        kind = "clipped" if a.clipped else "unclipped"
        print(
            f"{cat:<9} {kind:<9} scenes {len(rows):>3}  exits found {int(n_det.sum()):>5} "
            f"true {int(n_true.sum()):>5}  precision {prec:.2f}  recall {rec:.2f}  "
            f"chance precision {np.average(chance, weights=np.maximum(n_det, 1)):.2f}"
        )


if __name__ == "__main__":
    main()

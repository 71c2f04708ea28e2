"""Where the clipped hair count goes wrong: blob by blob, on synthetic scenes with exact truth.

Run: ``python -m imaging.density.benchmark_blobs [--n 30] [--seed 3] [--jobs 2]
[--category realistic|harsh] [--density 40] [--size 2000x1500]``
Scenes are the accuracy benchmark's clipped ones (same seed, same index), analysed as clipped.
Stubs that touch or overlap make one component of the working mask (a blob), and the counter
decides per blob how many hairs it holds. Each true hair is given to the blob its drawn centre
line mostly lies on (none: missed by the mask), each counted hair to the blob it was counted
in. A scene's error is the sum of its blobs' errors, which partly cancel; the blobs' absolute
errors show how far from the truth the counting itself is. Prints:

- totals: true and counted hairs; the scenes' errors (median of their absolute % errors, and
  their absolute errors summed over the scenes, % of all hairs); the blobs' absolute errors
  summed (% of all hairs; hairs in no blob are left out of this sum and counted apart);
- by place: blobs away from the frame, blobs at the frame holding a hair that leaves the scalp
  in view and runs out of the photo (the unit's far ends, where its stubs part, lie outside),
  and the other blobs at the frame (no true hair of theirs runs out of the photo; stubs running
  in from outside belong here);
- a confusion table: blobs by true hairs and by the lines counted in them (the traced stubs
  counted as hairs, each standing for itself and the stubs counted beside it; a blob with no
  usable skeleton has one line along its axis), with the share of the blobs counted 0, 1, ...
  6 or more hairs. Rows of fewer than MIN_ROW_BLOBS blobs are left out.
"""

from __future__ import annotations

import argparse
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np

from .benchmark_accuracy import CATS, parse_size, scene_params
from .pipeline import analyze
from .synthetic import generate_scene

TRUE_BUCKETS = ((0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 7), (8, 10**6))
MAX_FOUND_COLUMN = 6  # counted hairs per blob, the last column is "6 or more"
MIN_ROW_BLOBS = 5


def _scene(args: tuple[int, int, bool, float | None, tuple[int, int]]) -> dict:
    seed, i, realistic, density, size = args
    params = scene_params(seed, i, True, realistic, density, size)
    scene = generate_scene(params)
    diag: dict = {}
    res = analyze(scene.image, pixels_per_mm=params.pixels_per_mm, clipped=True, diagnostics=diag)
    mask, stubs = diag["working_mask"], diag["stubs"]
    sx, sy = diag["working_scale"]
    h, w = mask.shape
    n, lab = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    frame = np.zeros(n, bool)
    for edge in (lab[0], lab[-1], lab[:, 0], lab[:, -1]):
        frame[edge] = True
    frame[0] = False
    true = np.zeros(n, np.int64)
    runs_out = np.zeros(n, np.int64)
    missed = 0
    for line in scene.truth.centrelines:
        xy = (line + 0.5) * [sx, sy] - 0.5  # full-resolution pixels -> working pixels
        x = np.round(xy[:, 0]).astype(np.int64)
        y = np.round(xy[:, 1]).astype(np.int64)
        seen = (x >= 0) & (x < w) & (y >= 0) & (y < h)  # the rest of the shaft is out of view
        on = lab[y[seen], x[seen]]
        on = on[on > 0]
        if on.size == 0:
            missed += 1
            continue
        b = int(np.bincount(on).argmax())
        true[b] += 1
        end = xy[-1]
        runs_out[b] += int(end[0] < 1 or end[1] < 1 or end[0] > w - 2 or end[1] > h - 2)
    found = np.bincount(stubs.blob, minlength=n)[:n]
    # blob by blob needs every counted hair: a detected field of view (a lens frame) would drop
    # the hairs rooted outside it after counting
    if found.sum() != res.hair_count:
        raise SystemExit(f"scene {i}: hairs were dropped after counting (field of view)")
    lines = np.bincount(stubs.blob, stubs.first_on_line.astype(np.int64), minlength=n)[:n]
    return {
        "true_hairs": scene.truth.hair_count,
        "hairs": res.hair_count,
        "missed": missed,
        "true": true[1:],
        "found": found[1:],
        "lines": lines[1:],
        "frame": frame[1:],
        "runs_out": runs_out[1:] > 0,
    }


def _row(name: str, t: np.ndarray, f: np.ndarray) -> str:
    return (
        f"{name:<36}{len(t):>7}{int(t.sum()):>8}{int(f.sum()):>8}{int(f.sum() - t.sum()):>+7}"
        f"{int(np.abs(f - t).sum()):>7}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=30, help="clipped scenes")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--category", choices=CATS, default="realistic")
    ap.add_argument("--density", type=float, default=None, help="hairs/cm2 of every scene")
    ap.add_argument("--size", type=parse_size, default=(1000, 750), help="WIDTHxHEIGHT pixels")
    a = ap.parse_args(argv)
    # the accuracy benchmark's clipped scenes are its even indices
    tasks = [(a.seed, 2 * k, a.category == "realistic", a.density, a.size) for k in range(a.n)]
    with ProcessPoolExecutor(max_workers=a.jobs) as ex:
        scenes = list(ex.map(_scene, tasks, chunksize=2))

    err = np.array([100.0 * (s["hairs"] - s["true_hairs"]) / s["true_hairs"] for s in scenes])
    true, found, lines, frame, runs_out = (
        np.concatenate([s[k] for s in scenes])
        for k in ("true", "found", "lines", "frame", "runs_out")
    )
    held = (true > 0) | (found > 0)
    total_true = sum(s["true_hairs"] for s in scenes)
    total_found = sum(s["hairs"] for s in scenes)
    print(
        f"{a.n} {a.category} clipped scenes, seed {a.seed}, {a.size[0]}x{a.size[1]} px: "
        f"{total_true} hairs, {total_found} counted ({100 * (total_found / total_true - 1):+.1f} %)"
    )
    scene_abs = sum(abs(s["hairs"] - s["true_hairs"]) for s in scenes)
    blob_abs = int(np.abs(found - true).sum())
    print(
        f"scenes: median |% error| {np.median(np.abs(err)):.1f}, bias {np.median(err):+.1f}, "
        f"absolute errors {scene_abs} hairs ({100 * scene_abs / total_true:.1f} % of the hairs)"
    )
    print(
        f"blobs: absolute errors {blob_abs} hairs ({100 * blob_abs / total_true:.1f} % of the "
        f"hairs); hairs in no blob {sum(s['missed'] for s in scenes)}"
    )
    print(f"{'place':<36}{'blobs':>7}{'true':>8}{'found':>8}{'net':>7}{'|err|':>7}")
    for name, sel in (
        ("away from the frame", ~frame),
        ("at the frame, a hair runs out", frame & runs_out),
        ("at the frame, none runs out", frame & ~runs_out),
    ):
        sel = sel & held
        print(_row(name, true[sel], found[sel]))
    print(
        "blobs by true hairs and counted lines: counted hairs per blob, % of the blobs "
        f"(columns 0-{MAX_FOUND_COLUMN}+; rows of fewer than {MIN_ROW_BLOBS} blobs left out)"
    )
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k in np.flatnonzero(held):
        bucket = next(j for j, (lo, hi) in enumerate(TRUE_BUCKETS) if lo <= true[k] <= hi)
        groups[(bucket, min(int(lines[k]), 4))].append(int(k))
    for (bucket, n_lines), idx in sorted(groups.items()):
        if len(idx) < MIN_ROW_BLOBS:
            continue
        lo, hi = TRUE_BUCKETS[bucket]
        name = f"true {lo}" if lo == hi else f"true {lo}-{hi}" if hi < 10**6 else f"true {lo}+"
        name += f", {n_lines}{'+' if n_lines == 4 else ''} line{'s' if n_lines != 1 else ''}"
        capped = np.minimum(found[idx], MAX_FOUND_COLUMN)
        share = np.bincount(capped, minlength=MAX_FOUND_COLUMN + 1) / len(idx)
        cols = "".join(f"{100 * v:>5.0f}" for v in share)
        print(_row(name, true[idx], found[idx]) + " |" + cols)


if __name__ == "__main__":
    main()

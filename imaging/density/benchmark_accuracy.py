"""Accuracy benchmark on varied synthetic scenes with exact ground truth.

Run: ``python -m imaging.density.benchmark_accuracy [--n 60] [--seed 1] [--jobs 2]``
Prints median absolute % error of hair count (clipped / unclipped), FU count and mean shaft
diameter, per category (hair colour, skin tone, density) and the worst cases.
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from .pipeline import analyze
from .synthetic import generate_scene, random_params


def _one(args: tuple[int, int, bool]) -> dict:
    base_seed, i, clipped = args
    rng = np.random.default_rng([base_seed, i])
    params = random_params(rng, clipped=clipped, seed=base_seed * 100_003 + i)
    scene = generate_scene(params)
    res = analyze(scene.image, pixels_per_mm=params.pixels_per_mm)
    t = scene.truth

    def pct(est: float | None, true: float) -> float:
        if est is None or not np.isfinite(true) or true == 0:
            return float("nan")
        return 100.0 * (est - true) / true

    tone = "light" if params.skin_tone < 0.35 else "medium" if params.skin_tone < 0.7 else "dark"
    dens = params.hair_density_per_cm2
    return {
        "i": i,
        "clipped": clipped,
        "auto_clipped_ok": res.clipped == clipped,
        "colour": params.hair_colour,
        "tone": tone,
        "density": "80-150" if dens < 150 else "150-225" if dens < 225 else "225-300",
        "hair_err": pct(res.hair_count, t.hair_count),
        "fu_err": pct(res.follicular_unit_count, t.fu_count),
        "diam_err": pct(res.mean_shaft_diameter_um, t.mean_diameter_um),
        "true_hairs": t.hair_count,
        "hairs": res.hair_count,
        "ms": res.duration_ms,
        "ppm": params.pixels_per_mm,
        "desc": f"{params.hair_colour}/{tone} ppm={params.pixels_per_mm:.0f} "
        f"dens={dens:.0f} blur={params.blur_sigma_px:.1f} jpeg={params.jpeg_quality}",
    }


def _med(rows: list[dict], key: str) -> str:
    v = np.array([abs(r[key]) for r in rows if np.isfinite(r[key])])
    if v.size == 0:
        return "   n/a"
    return f"{np.median(v):6.1f}"


def _bias(rows: list[dict], key: str) -> str:
    v = np.array([r[key] for r in rows if np.isfinite(r[key])])
    return f"{np.median(v):+6.1f}" if v.size else "   n/a"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=60, help="number of scenes (half clipped)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    a = ap.parse_args(argv)
    tasks = [(a.seed, i, i % 2 == 0) for i in range(a.n)]
    with ProcessPoolExecutor(max_workers=a.jobs) as ex:
        rows = list(ex.map(_one, tasks))
    print(f"{len(rows)} scenes, seed {a.seed}; median |% error| (median signed bias)")
    print(
        f"{'category':<22}{'n':>4}{'hairs':>8}{'bias':>8}{'FU':>8}{'bias':>8}{'diam':>8}{'bias':>8}"
    )

    def line(name: str, sub: list[dict]) -> None:
        if not sub:
            return
        print(
            f"{name:<22}{len(sub):>4}{_med(sub, 'hair_err'):>8}{_bias(sub, 'hair_err'):>8}"
            f"{_med(sub, 'fu_err'):>8}{_bias(sub, 'fu_err'):>8}{_med(sub, 'diam_err'):>8}"
            f"{_bias(sub, 'diam_err'):>8}"
        )

    line("ALL", rows)
    line("clipped", [r for r in rows if r["clipped"]])
    line("unclipped", [r for r in rows if not r["clipped"]])
    for key in ("colour", "tone", "density"):
        for val in sorted({r[key] for r in rows}):
            for cl in (True, False):
                sub = [r for r in rows if r[key] == val and r["clipped"] == cl]
                line(f"{key}={val} {'clip' if cl else 'long'}", sub)
    auto = np.mean([r["auto_clipped_ok"] for r in rows])
    print(f"clipped/unclipped auto-detection correct: {100 * auto:.0f} %")
    print(f"median analysis time: {np.median([r['ms'] for r in rows]):.0f} ms per scene")
    print("worst hair-count cases:")
    for r in sorted(rows, key=lambda r: -abs(r["hair_err"]))[:6]:
        kind = "clipped" if r["clipped"] else "unclipped"
        print(
            f"  #{r['i']:<3} {kind:<9} truth {r['true_hairs']:>4} found {r['hairs']:>4} "
            f"({r['hair_err']:+.1f} %), FU {r['fu_err']:+.1f} %, diam {r['diam_err']:+.1f} %"
            f"  {r['desc']}"
        )


if __name__ == "__main__":
    main()

"""Single-core speed benchmark on a 12-megapixel (4000x3000) synthetic trichoscopy image.

Run: ``python -m imaging.density.benchmark_speed [--ppm 200] [--repeat 3]``
Prints analysis time (total and per megapixel), peak memory, and the time of decoding alone
(``vet_and_normalise`` on the JPEG bytes) as the floor to compare with.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import io  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from .decode import vet_and_normalise  # noqa: E402
from .pipeline import analyze  # noqa: E402
from .synthetic import SceneParams, generate_scene  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ppm", type=float, default=200.0, help="calibration, px/mm")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--clipped", action="store_true")
    ap.add_argument("--realistic", action="store_true", help="realistic scene category")
    a = ap.parse_args(argv)
    cv2.setNumThreads(1)
    params = SceneParams(
        width=4000,
        height=3000,
        pixels_per_mm=a.ppm,
        clipped=a.clipped,
        hair_density_per_cm2=220,
        hair_colour="brown",
        skin_tone=0.3,
        yellow_dots=10,
        scales=6,
        glare_spots=3,
        vignetting=0.3,
        noise_sigma=3,
        supersample=1,
        seed=7,
        realistic=a.realistic,
    )
    scene = generate_scene(params)
    buf = io.BytesIO()
    Image.fromarray(scene.image).save(buf, format="JPEG", quality=92)
    data = buf.getvalue()
    mp = scene.image.shape[0] * scene.image.shape[1] / 1e6

    dec = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        rgb, _clean = vet_and_normalise(data)
        dec.append(time.perf_counter() - t)
    t = time.perf_counter()
    Image.open(io.BytesIO(data)).convert("RGB").load()
    raw_decode = time.perf_counter() - t

    analyze(rgb, pixels_per_mm=a.ppm)  # warm-up (imports, lookup tables)
    times = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        res = analyze(rgb, pixels_per_mm=a.ppm)
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    analyze(rgb, pixels_per_mm=a.ppm)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    best = min(times)
    print(
        f"image {scene.image.shape[1]}x{scene.image.shape[0]} ({mp:.1f} MP), {a.ppm:g} px/mm, "
        f"{len(data) / 1e6:.1f} MB JPEG, 1 thread"
    )
    print(
        f"analyze:            best {best:.3f} s, median {np.median(times):.3f} s  "
        f"({1000 * best / mp:.0f} ms/MP)"
    )
    print(
        f"vet_and_normalise:  best {min(dec):.3f} s  (decode+orient+re-encode; plain decode "
        f"{raw_decode:.3f} s)"
    )
    print(
        f"peak memory:        tracemalloc {peak / 1e6:.0f} MB during analyze, "
        f"process max RSS {rss:.0f} MB"
    )
    print(
        f"result: {res.hair_count} hairs ({res.hair_density_per_cm2:.0f}/cm2, truth "
        f"{scene.truth.hair_count}), {res.follicular_unit_count} FU, "
        f"mean shaft {res.mean_shaft_diameter_um} um"
    )


if __name__ == "__main__":
    main()

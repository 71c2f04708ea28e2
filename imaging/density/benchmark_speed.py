"""Single-core speed benchmark on a 12-megapixel (4000x3000) synthetic trichoscopy image.

Run: ``python -m imaging.density.benchmark_speed [--ppm 100 150 200 250] [--repeat 3]``
Prints, per calibration, the analysis time (total, per megapixel and per hair), the peak of
Python-allocated memory during the analysis, and the time of decoding alone
(``vet_and_normalise`` on the JPEG bytes) as the floor to compare with; then the process's
peak memory. At a lower calibration the same 12 MP cover a larger field with more hairs: the
analysis works at about 60 px/mm whatever the camera's, so its cost follows the field's area.
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


def _measure(ppm: float, a: argparse.Namespace) -> None:
    params = SceneParams(
        width=4000,
        height=3000,
        pixels_per_mm=ppm,
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
    h, w = scene.image.shape[:2]
    mp = h * w / 1e6

    dec = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        rgb, _clean = vet_and_normalise(data)
        dec.append(time.perf_counter() - t)
    t = time.perf_counter()
    Image.open(io.BytesIO(data)).convert("RGB").load()
    raw_decode = time.perf_counter() - t

    analyze(rgb, pixels_per_mm=ppm)  # warm-up (imports, lookup tables)
    times = []
    for _ in range(a.repeat):
        t = time.perf_counter()
        res = analyze(rgb, pixels_per_mm=ppm)
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    analyze(rgb, pixels_per_mm=ppm)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    best = min(times)
    print(
        f"image {w}x{h} ({mp:.1f} MP), {ppm:g} px/mm: field {w / ppm:.0f}x{h / ppm:.0f} mm, "
        f"{len(data) / 1e6:.1f} MB JPEG, 1 thread"
    )
    print(
        f"  analyze:            best {best:.3f} s, median {np.median(times):.3f} s  "
        f"({1000 * best / mp:.0f} ms/MP, {1000 * best / max(res.hair_count, 1):.2f} ms/hair)"
    )
    print(
        f"  vet_and_normalise:  best {min(dec):.3f} s  (decode+orient+re-encode; plain decode "
        f"{raw_decode:.3f} s)"
    )
    print(f"  peak memory:        tracemalloc {peak / 1e6:.0f} MB during analyze")
    print(
        f"  result: {res.hair_count} hairs ({res.hair_density_per_cm2:.0f}/cm2, truth "
        f"{scene.truth.hair_count}), {res.follicular_unit_count} FU, "
        f"mean shaft {res.mean_shaft_diameter_um} um"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--ppm",
        type=float,
        nargs="+",
        default=[100.0, 150.0, 200.0, 250.0],
        help="calibrations, px/mm (one 12 MP photo each)",
    )
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--clipped", action="store_true")
    ap.add_argument("--realistic", action="store_true", help="realistic scene category")
    a = ap.parse_args(argv)
    cv2.setNumThreads(1)
    for ppm in a.ppm:
        _measure(ppm, a)
    # the process's high-water mark holds the scene generation too, and one process runs every
    # calibration: it is printed once, for all of them
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"process max RSS over all runs (scene generation included): {rss:.0f} MB")


if __name__ == "__main__":
    main()

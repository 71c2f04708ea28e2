"""The density map handed to clinicians is a valid, bounded-size PNG."""

from __future__ import annotations

import dataclasses
import io

import cv2
import numpy as np
from PIL import Image

from imaging.density import analyze, render_overlay
from imaging.density.stubs import lay_on_shaft
from imaging.density.synthetic import SceneParams, generate_scene
from tests.imaging.scenes import REAL


def test_overlay_is_png_of_the_photo_size():
    scene = generate_scene(SceneParams(width=640, height=480, pixels_per_mm=100.0, seed=1))
    r = analyze(scene.image, pixels_per_mm=100.0)
    png = render_overlay(scene.image, r)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size == (640, 480)


def test_overlay_of_a_large_photo_is_downscaled_to_2048_px():
    rgb = np.full((1500, 3000, 3), 200, np.uint8)
    r = analyze(rgb, pixels_per_mm=150.0)
    img = Image.open(io.BytesIO(render_overlay(rgb, r)))
    assert max(img.size) == 2048 and img.size[1] == 1024


def _v_blob() -> np.ndarray:
    """Two stubs of one opening at (10, 50), parted in a V: arms to (90, 20) and (90, 80)."""
    inside = np.zeros((100, 100), np.uint8)
    cv2.line(inside, (10, 50), (90, 20), 1, 5)
    cv2.line(inside, (10, 50), (90, 80), 1, 5)
    return inside.astype(bool)


def test_a_line_cutting_across_bare_skin_is_drawn_along_the_shaft_from_its_exit():
    # the traced route ran from the opening into the other arm: the straight line to its end
    # (90, 50) crosses the skin between the arms
    end = lay_on_shaft(_v_blob(), np.array([10.0, 50.0]), np.array([90.0, 50.0]), 200.0)
    t = np.linspace(0.0, 1.0, 21)[:, None]
    on = [
        _v_blob()[int(round(y)), int(round(x))]
        for x, y in np.array([10.0, 50.0]) + t * (end - [10.0, 50.0])
    ]
    assert all(on)
    assert np.hypot(*(end - [10.0, 50.0])) > 75  # along a whole arm, not a stump


def test_a_line_lying_on_its_shaft_is_drawn_as_traced():
    end = lay_on_shaft(_v_blob(), np.array([10.0, 50.0]), np.array([88.0, 21.0]), 200.0)
    assert np.allclose(end, [88.0, 21.0])


def test_the_density_map_draws_hairs_on_their_shafts():
    # dense stubs touch and cross, and traced routes run from one unit's stub into another's
    off = []
    for seed in (5, 8, 11):
        p = dataclasses.replace(REAL, hair_density_per_cm2=280.0, seed=seed)
        scene = generate_scene(p)
        r = analyze(scene.image, pixels_per_mm=p.pixels_per_mm, clipped=True)
        gray = scene.image.astype(np.float32).mean(2)
        shaft = cv2.erode(gray, np.ones((5, 5), np.uint8)) < 0.6 * np.median(gray)
        for hair in r.hairs:
            a, b = np.asarray(hair.polyline[0]), np.asarray(hair.polyline[-1])
            q = np.round(a + np.linspace(0.0, 1.0, 21)[:, None] * (b - a)).astype(int)
            q = np.clip(q, 0, [p.width - 1, p.height - 1])
            off.append(shaft[q[:, 1], q[:, 0]].mean() < 0.8)
    # before lines were laid along the shafts: 35 % of them lay a fifth or more off the shafts
    assert np.mean(off) < 0.25


def _turns_back(line) -> int:
    """Steps along a drawn line that reverse the step before them."""
    d = np.diff(np.asarray(line, float).reshape(-1, 2), axis=0)
    d = d[np.hypot(*d.T) > 0]
    cos = (d[1:] * d[:-1]).sum(1) / (np.hypot(*d[1:].T) * np.hypot(*d[:-1].T))
    return int(np.count_nonzero(cos < -0.5))


def test_the_density_map_draws_long_hairs_as_lines_not_scribbles():
    # where two shafts cross, thinning can leave a block of pixels whose neighbours form two
    # groups only: no junction is found, and the branch through it is a small tree. Its pixels,
    # ordered by distance from one end, alternate between its arms: a quarter of the lines
    # were drawn as scribbles turning back on themselves dozens of times
    p = dataclasses.replace(
        REAL, width=800, height=600, clipped=False, hair_density_per_cm2=200.0, seed=1
    )
    r = analyze(generate_scene(p).image, pixels_per_mm=p.pixels_per_mm, clipped=False)
    assert len(r.hairs) > 30
    assert max(_turns_back(hair.polyline) for hair in r.hairs) <= 2


def test_lines_checked_all_at_once_are_kept_exactly_where_one_by_one_they_would_be():
    # count_stubs decides for all traced stubs at once whether their straight line lies on
    # their blob; lay_on_shaft decides it one blob crop at a time: both must agree, to the pixel
    from scipy import ndimage

    from imaging.density.stubs import ON_SHAFT_SHARE, _chords_on_blob, _share_on

    rng = np.random.default_rng(5)
    canvas = np.zeros((120, 160), np.uint8)
    for _ in range(14):
        a, b = rng.integers(0, (160, 120), (2, 2))
        cv2.line(canvas, tuple(map(int, a)), tuple(map(int, b)), 1, int(rng.integers(2, 7)))
    _, lab = cv2.connectedComponents(canvas, connectivity=8)
    grown = cv2.dilate(lab.astype(np.float32), np.ones((3, 3), np.uint8)).astype(lab.dtype)
    boxes = ndimage.find_objects(lab)
    ys, xs = np.nonzero(lab)
    pick = rng.integers(0, ys.size, 300)
    blob = lab[ys[pick], xs[pick]].astype(np.int64)
    exits = np.stack([xs[pick], ys[pick]], 1) + rng.choice([0.0, 0.5, -0.5, 0.3], (300, 2))
    cuts = exits + rng.uniform(-40, 40, (300, 2))
    together = _chords_on_blob(grown, boxes, blob, exits, cuts)
    for k in range(300):
        bys, bxs = boxes[blob[k] - 1]
        y0, x0 = max(bys.start - 1, 0), max(bxs.start - 1, 0)
        crop = grown[y0 : bys.stop + 1, x0 : bxs.stop + 1] == blob[k]
        at = np.array([x0, y0], float)
        alone = _share_on(crop, exits[k] - at, cuts[k] - at) >= ON_SHAFT_SHARE
        assert together[k] == alone, k
    assert 0 < together.sum() < 300  # both verdicts occur

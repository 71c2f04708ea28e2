"""The density map handed to clinicians is a valid, bounded-size PNG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from imaging.density import analyze, render_overlay
from imaging.density.synthetic import SceneParams, generate_scene


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

"""Photos taken through a round lens: only the field of view is scalp."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from imaging.density import CalibrationRejected, analyze
from imaging.density.synthetic import generate_scene
from tests.imaging.scenes import CLIPPED_SCENE

SCENE = CLIPPED_SCENE


def _through_a_round_lens(img: np.ndarray, radius_px: float) -> np.ndarray:
    """The photo as a round dermoscope takes it: a disc of scalp in an unlit black frame."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    inside = np.clip((radius_px - np.hypot(xx - w / 2, yy - h / 2)) / 4.0, 0.0, 1.0)
    return (img * inside[..., None] + 8.0 * (1.0 - inside[..., None])).astype(np.uint8)


@pytest.fixture(scope="module")
def lens():
    scene = generate_scene(SCENE)
    radius = 0.5 * SCENE.height
    photo = _through_a_round_lens(scene.image, radius)
    return scene, radius, analyze(photo, pixels_per_mm=SCENE.pixels_per_mm)


def _inside(region, x: float, y: float) -> bool:
    poly = np.asarray(region, np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(poly, (float(x), float(y)), False) >= 0


def test_the_analysed_area_is_the_lens_s_field_not_the_whole_photo(lens):
    _, radius, result = lens
    disc_cm2 = np.pi * (radius / SCENE.pixels_per_mm) ** 2 / 100.0
    photo_cm2 = SCENE.width * SCENE.height / SCENE.pixels_per_mm**2 / 100.0
    # the disc less a guard band of a fraction of a millimetre at its edge
    assert 0.75 * disc_cm2 < result.analyzed_area_cm2 < disc_cm2 < 0.7 * photo_cm2
    assert len(result.counting_region) >= 8


def test_hairs_are_counted_only_where_they_leave_the_scalp_inside_the_field(lens):
    _, _, result = lens
    assert result.hair_count > 0
    assert all(_inside(result.counting_region, h.x, h.y) for h in result.hairs)


def test_the_density_through_a_round_lens_is_not_diluted_by_the_frame(lens):
    scene, _, result = lens
    truth = sum(_inside(result.counting_region, x, y) for x, y in scene.truth.exit_points)
    true_density = truth / result.analyzed_area_cm2
    assert abs(result.hair_density_per_cm2 - true_density) / true_density < 0.2
    # counted over the whole photo, the same hairs would read ~40 % lower
    photo_cm2 = SCENE.width * SCENE.height / SCENE.pixels_per_mm**2 / 100.0
    assert result.hair_count / photo_cm2 < 0.75 * true_density


def test_a_photo_without_a_frame_is_analysed_whole():
    # black hair on dark skin reaching the photo's edges is no frame
    p = dataclasses.replace(SCENE, skin_tone=1.0, clipped=False, hair_density_per_cm2=260.0)
    result = analyze(generate_scene(p).image, pixels_per_mm=p.pixels_per_mm)
    assert result.counting_region == ()
    assert result.analyzed_area_cm2 == pytest.approx(p.width * p.height / p.pixels_per_mm**2 / 100)


def test_a_field_of_view_too_small_for_a_density_is_rejected():
    photo = _through_a_round_lens(generate_scene(SCENE).image, 70.0)  # ~1.3 mm across
    with pytest.raises(CalibrationRejected) as exc:
        analyze(photo, pixels_per_mm=SCENE.pixels_per_mm)
    assert exc.value.code == "area_too_small"
    assert "field of view" in str(exc.value)

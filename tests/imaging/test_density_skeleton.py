"""Thinning (pure, no Django): the fast thinning gives exactly the textbook Zhang-Suen skeleton."""

import cv2
import numpy as np
import pytest

from imaging.density import skeleton
from imaging.density.skeleton import thin


def _zhang_suen(mask: np.ndarray, max_iter: int = 60) -> np.ndarray:
    """Zhang & Suen (1984), pixel by pixel (at most ``max_iter`` iterations), then the removal
    of redundant L-corner pixels."""
    img = np.pad(mask.astype(np.uint8), 1)
    ring = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))

    def around(y, x):
        return [int(img[y + dy, x + dx]) for dy, dx in ring]

    def groups(y, x):  # 8-connected groups among the set neighbours (the pixel left out)
        patch = img[y - 1 : y + 2, x - 1 : x + 2].copy()
        patch[1, 1] = 0
        return cv2.connectedComponents(patch, connectivity=8)[0] - 1

    changed, iterations = True, 0
    while changed and iterations < max_iter:
        changed, iterations = False, iterations + 1
        for first in (True, False):
            gone = []
            for y, x in zip(*np.nonzero(img), strict=True):
                p = around(y, x)
                b = sum(p)
                a = sum(p[k] == 0 and p[(k + 1) % 8] == 1 for k in range(8))
                n_, e, s, w = p[0], p[2], p[4], p[6]
                side = (
                    (n_ * e * s == 0 and e * s * w == 0)
                    if first
                    else (n_ * e * w == 0 and n_ * s * w == 0)
                )
                if 2 <= b <= 6 and a == 1 and side:
                    gone.append((y, x))
            for y, x in gone:
                img[y, x] = 0
            changed |= bool(gone)
    for i, j in ((0, 2), (2, 4), (4, 6), (6, 0)):
        gone = [
            (y, x)
            for y, x in zip(*np.nonzero(img), strict=True)
            if (p := around(y, x))[i] and p[j] and groups(y, x) == 1
        ]
        for y, x in gone:
            img[y, x] = 0
    return img[1:-1, 1:-1].astype(bool)


def _blobs(seed: int) -> np.ndarray:
    """Shafts of several widths, crossing and touching, and a thick opening-like disc."""
    rng = np.random.default_rng(seed)
    img = np.zeros((90, 120), np.uint8)
    for _ in range(6):
        a, b = rng.integers(0, (120, 90), (2, 2))
        cv2.line(img, tuple(map(int, a)), tuple(map(int, b)), 1, int(rng.integers(1, 9)))
    cv2.circle(img, tuple(map(int, rng.integers(20, 70, 2))), int(rng.integers(5, 14)), 1, -1)
    return img.astype(bool)


# the whole image swept every time, switching to the pixels next to those just removed at once,
# and part way (the default switches once few pixels are removed, on much larger fields)
@pytest.fixture(params=[10**9, 0, 60], ids=["whole-image", "sparse-at-once", "switching"])
def sparse_below(request, monkeypatch):
    monkeypatch.setattr(skeleton, "SPARSE_BELOW", request.param)
    return request.param


def test_thinning_gives_the_textbook_skeleton_of_shafts_crossings_and_thick_blobs(sparse_below):
    for seed in range(6):
        mask = _blobs(seed)
        assert np.array_equal(thin(mask), _zhang_suen(mask)), seed


def test_thinning_stops_after_as_many_iterations_as_asked(sparse_below):
    mask = np.zeros((60, 80), bool)
    mask[10:50, 10:70] = True  # 40 px thick: about 20 iterations to a line
    for max_iter in (1, 2, 3, 7):
        assert np.array_equal(thin(mask, max_iter), _zhang_suen(mask, max_iter)), max_iter


def test_thinning_shapes_at_the_image_border_and_one_pixel_high(sparse_below):
    for mask in (
        np.ones((1, 30), bool),
        np.ones((30, 1), bool),
        np.ones((9, 9), bool),
        np.zeros((5, 5), bool),
        _blobs(7)[:, :40],  # cut by the frame
    ):
        assert np.array_equal(thin(mask), _zhang_suen(mask))

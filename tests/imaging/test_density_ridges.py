"""Long-hair centrelines (ridges.py) and the exit rule for shafts that go on (exits.py)."""

from __future__ import annotations

import cv2
import numpy as np

from imaging.density.enhance import MIN_CONTRAST_LOW, enhance, normalise_illumination, to_gray
from imaging.density.pipeline import _segment_polarities
from imaging.density.ridges import centrelines

PPM = 60.0  # working resolution: a 70 um shaft is ~4 px wide


def _skin(size: int = 240) -> np.ndarray:
    return np.full((size, size, 3), (225, 185, 170), np.uint8)


def _ridges(img: np.ndarray):
    norm = normalise_illumination(to_gray(img, 1.0), PPM)
    enh = enhance(norm, PPM)
    dark, bright = _segment_polarities(enh, PPM, networks=True)
    flat = np.maximum(enh.dark, enh.bright) < MIN_CONTRAST_LOW
    return centrelines(norm, PPM, dark, bright, flat), dark | bright


def test_two_shafts_side_by_side_keep_two_centrelines():
    # shafts 0.15 mm apart (centre to centre): one centreline each, on the shaft's axis
    img = _skin()
    for y in (110, 119):
        cv2.line(img, (20, y), (220, y), (60, 45, 40), 4)
    rid, _ = _ridges(img)
    ys = np.flatnonzero(rid.centre[:, 120])
    assert len(ys) == 2
    assert abs(ys[0] - 110) <= 1 and abs(ys[1] - 119) <= 1


def test_thick_shaft_with_a_sheen_gives_one_centreline_not_two_edges():
    # a ~100 um shaft with a light specular core: at the scale of a 70 um hair each edge is
    # a valley of its own (two centrelines, one along each edge)
    img = _skin()
    cv2.line(img, (20, 120), (220, 120), (60, 45, 40), 6)
    cv2.line(img, (20, 120), (220, 120), (150, 130, 120), 1)
    rid, _ = _ridges(img)
    ys = np.flatnonzero(rid.centre[:, 120])
    assert len(ys) == 1 and abs(ys[0] - 120) <= 1


def test_crossing_shafts_cross_as_an_x():
    img = _skin()
    cv2.line(img, (20, 40), (220, 200), (60, 45, 40), 4)
    cv2.line(img, (20, 200), (220, 40), (60, 45, 40), 4)
    rid, _ = _ridges(img)
    n, lab = cv2.connectedComponents(rid.centre.astype(np.uint8), connectivity=8)
    sizes = np.bincount(lab[rid.centre])
    # one centreline network holding nearly all the line, through the crossing at (120, 120)
    assert sizes.max() > 0.9 * sizes.sum()
    assert rid.centre[112:129, 112:129].any()


def test_light_shafts_on_dark_skin_give_centrelines():
    img = np.full((240, 240, 3), (120, 80, 60), np.uint8)
    cv2.line(img, (20, 120), (220, 120), (215, 205, 190), 4)
    rid, _ = _ridges(img)
    ys = np.flatnonzero(rid.centre[:, 120])
    assert len(ys) == 1 and abs(ys[0] - 120) <= 1


def test_an_end_where_the_shaft_goes_on_is_told_from_a_root():
    from imaging.density.exits import _continuation

    line = np.zeros((120, 240), np.float32)
    normal = np.zeros((120, 240), np.float32)
    line[60, :] = 0.2  # a horizontal shaft: its normal points along y
    normal[60, :] = np.pi / 2
    line[:, 80] = 0.2  # a vertical shaft crossing it: normal along x
    # ends at x=100 on the horizontal shaft, branch running to the right (u = +x):
    # beyond it (to the left) the same shaft goes on across the vertical one
    xy = np.array([[100.0, 60.0], [100.0, 30.0]])
    u = np.array([[1.0, 0.0], [1.0, 0.0]])
    c = _continuation(xy, u, line, normal, PPM)
    assert c[0] > 0.15  # the shaft goes on: not a root
    # the second end has only the crossing vertical shaft beyond it, at right angles
    assert c[1] < 0.01


# ridge centreline of a haloed grey shaft running diagonally in the clear (a real scene at
# working resolution): 2-4 px ticks grow from its edges every few pixels
_TICKED = (
    "#.......................................",
    ".#......................................",
    "..##....................................",
    "....#...................................",
    ".....#....#.............................",
    "......#...#.............................",
    ".......#.#..............................",
    "........#...............................",
    "........#...............................",
    ".........#.....#........................",
    "........#.##...#........................",
    ".......#....#.#.........................",
    ".......#.....#..........................",
    ".......#......#.........................",
    "...............#........................",
    "...............#........................",
    "................#.....#.................",
    "...............#.##...#.................",
    ".............##....#.#..................",
    "....................#...................",
    "....................#...................",
    "...................#.##.................",
    "..................#....#................",
    "..................#.....#...............",
    ".........................#...#..........",
    "..........................#.#...........",
    "...........................#............",
    "............................#...........",
    ".............................#..........",
    "..............................#.........",
    "..............................#.........",
    "...............................#.....#..",
    "................................#.......",
    ".................................#......",
    "..................................#.....",
    "...................................#....",
)


def test_side_ticks_on_a_shaft_in_the_clear_leave_one_path_and_one_exit():
    from imaging.density.exits import trace

    pat = np.array([[c == "#" for c in r] for r in _TICKED])
    skel = np.zeros((220, 220), bool)
    for k in range(4):  # 4 copies end to end: a 5 mm stretch of shaft
        o = 30 + 35 * k
        skel[o : o + pat.shape[0], o : o + pat.shape[1]] |= pat
    _, lab = cv2.connectedComponents(skel.astype(np.uint8), connectivity=8)
    skel = lab == np.argmax(np.bincount(lab[skel]))  # the shaft and its ticks, no specks
    mask = cv2.dilate(skel.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    strength = np.where(mask, 0.2, 0.0).astype(np.float32)
    t = trace(skel, mask, strength, 60.0, False)
    shaft_px = 4 * 35 * np.sqrt(2.0)
    # one shaft: one path about as long as the shaft, and one exit (at one of its ends)
    assert t.path_length_px.max() > 0.8 * shaft_px
    assert len(t.hairs) == 1
    x, y = t.hairs[0].exit_xy
    assert min(np.hypot(x - 30, y - 30), np.hypot(x - 170, y - 170)) < 0.35 * 60.0


def _shafts_and_a_sliver(crowded: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three 3.3 mm shafts 5 px wide (60 px/mm) and a 0.25 mm ridge sliver one pixel wide."""
    skel = np.zeros((300, 400), bool)
    mask = np.zeros_like(skel)
    for y in (40, 80, 120):
        skel[y, 20:220] = True
        mask[y - 2 : y + 3, 18:222] = True
    sy = 250
    skel[sy, 300:315] = True
    mask[sy, 300:315] = True
    if crowded:  # a mesh of other shafts around it: 8 short vertical shafts close by
        for x in range(270, 350, 10):
            skel[sy + 6 : sy + 40, x] = True
            mask[sy + 6 : sy + 40, x - 2 : x + 3] = True
    strength = np.where(mask, 0.2, 0.0).astype(np.float32)
    return skel, mask, strength


def test_a_thin_sliver_in_the_clear_is_not_a_hair():
    from imaging.density.exits import trace

    skel, mask, strength = _shafts_and_a_sliver(crowded=False)
    t = trace(skel, mask, strength, 60.0, False)
    xs = np.array([hh.exit_xy[0] for hh in t.hairs])
    assert np.count_nonzero(xs < 230) == 3  # one exit per shaft
    assert np.count_nonzero(xs > 290) == 0  # the sliver gives none


def test_a_thin_sliver_in_a_crowded_mesh_is_left_alone():
    from imaging.density.exits import trace

    skel, mask, strength = _shafts_and_a_sliver(crowded=True)
    t = trace(skel, mask, strength, 60.0, False)
    exits = np.array([hh.exit_xy for hh in t.hairs])
    # among crossings the rest of its shaft may be hidden: it may be a root
    assert np.any((exits[:, 0] > 295) & (exits[:, 0] < 320) & (np.abs(exits[:, 1] - 250) < 2))


def test_a_branch_through_an_undetected_junction_is_ordered_along_its_main_line():
    from imaging.density.skeleton import split_branches

    # a Y whose junction is not cut out: one branch, a small tree. From its start (the stem's
    # top) the farthest end is the tip of the long arm; the stem's lower part is the third arm
    skel = np.zeros((60, 60), bool)
    skel[5:50, 30] = True  # the stem, top to bottom
    for k in range(1, 25):
        skel[25 + k, 30 + k] = True  # a longer arm leaving it at row 25
    br = split_branches(skel, np.zeros_like(skel))
    assert br.n == 1
    ys, xs = np.divmod(br.pix[br.main], 60)
    # in order, each pixel of the main line touches the next: a line, not a zig-zag
    assert np.all(np.maximum(np.abs(np.diff(ys)), np.abs(np.diff(xs))) <= 1)
    assert (ys[0], xs[0]) == (5, 30) and (ys[-1], xs[-1]) == (49, 54)
    # the stem below the fork, which ordered by distance interleaved with the arm, is left out
    off_y, off_x = np.divmod(br.pix[~br.main], 60)
    assert np.all(off_x == 30) and off_y.min() == 26 and off_y.max() == 49

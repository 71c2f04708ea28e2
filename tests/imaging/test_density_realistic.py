"""The REALISTIC synthetic category: physics the benchmark's floors are judged on."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from imaging.density import analyze
from imaging.density.benchmark_accuracy import scene_params
from imaging.density.enhance import enhance, normalise_illumination, segment, to_gray
from imaging.density.pipeline import MIN_BLUNT_SHARE, blunt_end_share, line_density_mm_per_mm2
from imaging.density.skeleton import thin
from imaging.density.synthetic import SceneParams, generate_scene, random_params
from tests.imaging.scenes import REAL


def test_harsh_is_the_default_category():
    rng = np.random.default_rng(0)
    assert random_params(rng, clipped=True, seed=1).realistic is False
    rng = np.random.default_rng(0)
    assert random_params(rng, clipped=True, seed=1, realistic=True).realistic is True


def test_follicular_opening_is_darker_than_the_skin_around_it():
    # no hairs drawn over it would hide the opening: compare the exit point with skin 0.3 mm away
    scene = generate_scene(dataclasses.replace(REAL, hair_colour="grey", skin_tone=0.1))
    gray = scene.image.astype(float).mean(2)
    ex = np.round(scene.truth.exit_points).astype(int)
    ok = (ex[:, 0] > 60) & (ex[:, 0] < 440) & (ex[:, 1] > 60) & (ex[:, 1] < 340)
    assert ok.sum() >= 3
    # grey hair is lighter than skin, so a darker exit can only be the opening
    at_exit = np.array([gray[y - 1 : y + 2, x - 1 : x + 2].min() for x, y in ex[ok]])
    assert np.median(at_exit) < np.median(gray) - 5


def test_phototrichogram_stubs_have_grown_for_days():
    # anagen stubs: clipped to ~0.5 mm plus 0.3 mm/day for 2-3 days (DOMAIN.md section 7)
    scene = generate_scene(dataclasses.replace(REAL, days_since_clipping=3.0, telogen_fraction=0.0))
    r = analyze(scene.image, pixels_per_mm=REAL.pixels_per_mm, clipped=True)
    lengths = [np.hypot(*np.subtract(h.polyline[-1], h.polyline[0])) for h in r.hairs]
    assert np.median(lengths) / REAL.pixels_per_mm > 0.8


def test_dense_long_hair_covering_the_skin_still_has_a_noise_estimate():
    # when shafts cover nearly all the skin, the noise must not be measured on shaft edges
    p = dataclasses.replace(REAL, clipped=False, hair_density_per_cm2=280.0, seed=6)
    scene = generate_scene(p)
    r = analyze(scene.image, pixels_per_mm=p.pixels_per_mm, clipped=False)
    assert r.hair_count > 0.5 * scene.truth.hair_count


def test_dense_phototrichogram_with_touching_stubs_is_still_clipped():
    # 1-1.5 mm stubs of neighbouring units touch and chain into long components; the visible
    # line per mm2 still tells a phototrichogram from long hair
    p = dataclasses.replace(
        REAL, width=700, height=520, hair_density_per_cm2=280.0, days_since_clipping=3.0, seed=8
    )
    r = analyze(generate_scene(p).image, pixels_per_mm=p.pixels_per_mm)
    assert r.clipped is True


def _dense(seed: int, *, clipped: bool) -> SceneParams:
    return dataclasses.replace(
        REAL,
        width=800,
        height=600,
        pixels_per_mm=100.0,
        clipped=clipped,
        hair_density_per_cm2=280.0,
        skin_tone=0.3,
        seed=seed,
    )


@pytest.mark.parametrize("seed", [3, 6])
def test_dense_phototrichogram_chained_into_long_blobs_is_clipped_by_its_cut_ends(seed):
    # 80 % or more of the shaft area lies in components over 2 mm, yet the stubs' ends are the
    # blunt ones the scissors cut (these scenes used to be analysed as long hair)
    p = _dense(seed, clipped=True)
    assert analyze(generate_scene(p).image, pixels_per_mm=p.pixels_per_mm).clipped is True


@pytest.mark.parametrize("realistic, seed", [(True, 3), (False, 1)])
def test_sparse_long_hair_in_long_blobs_has_no_cut_ends_and_stays_long(realistic, seed):
    # 60 hairs/cm2: long components hold over 90 % of the shaft area at a phototrichogram's
    # line density, so the ends decide: shafts fade out of focus or taper, none is cut
    p = dataclasses.replace(
        _dense(seed, clipped=False), hair_density_per_cm2=60.0, realistic=realistic
    )
    scene = generate_scene(p)
    assert analyze(scene.image, pixels_per_mm=p.pixels_per_mm).clipped is False
    gray = to_gray(scene.image, 0.6)  # 60 px/mm, the working resolution
    enh = enhance(normalise_illumination(gray, 60.0), 60.0, None)
    shafts = np.maximum(enh.dark, enh.bright)
    mask = segment(enh.dark, enh.noise, 60.0) | segment(enh.bright, enh.noise, 60.0)
    assert blunt_end_share(thin(mask), shafts, 60.0) < MIN_BLUNT_SHARE


def test_a_cut_end_is_blunt_and_a_fading_end_is_not():
    ppm = 60.0
    skel = np.zeros((60, 200), bool)
    skel[30, 20:180] = True
    cut = np.zeros((60, 200), np.float32)
    cut[27:34, 17:183] = 1.0  # full contrast up to both ends
    fading = cut * np.clip(np.abs(np.arange(200) - 100) / -60.0 + 80 / 60.0, 0, 1)[None, :]
    assert blunt_end_share(skel, cut, ppm) == 1.0
    assert blunt_end_share(skel, fading.astype(np.float32), ppm) == 0.0


def _fan(mask: np.ndarray, opening: tuple[int, int], cut_ends: list[tuple[int, int]]) -> None:
    for end in cut_ends:
        cv2.line(mask, opening, end, 1, 4)


def _stubs(mask: np.ndarray, contrast: np.ndarray | None = None):
    """Counted stubs of a stub mask at 60 px/mm (4 px shafts): exits and cut ends."""
    from imaging.density.skeleton import thin
    from imaging.density.stub_ends import trace_stubs

    _, lab = cv2.connectedComponents(mask)
    st = trace_stubs(thin(mask.astype(bool)), lab, 60.0, 4.0, contrast)
    return st.exit_xy[st.counted], st.cut_xy[st.counted]


def test_diverging_stubs_of_one_opening_are_traced_to_their_shared_exit():
    mask = np.zeros((120, 120), np.uint8)
    _fan(mask, (60, 100), [(35, 15), (60, 10), (85, 18)])  # three stubs leaving one opening
    exits, cuts = _stubs(mask)
    assert len(exits) == 3
    assert np.all(np.hypot(exits[:, 0] - 60, exits[:, 1] - 100) < 25)
    assert np.all(cuts[:, 1] < 30)


def test_a_single_stub_takes_the_hair_stream_of_the_forks_around_it():
    mask = np.zeros((160, 200), np.uint8)
    _fan(mask, (40, 140), [(20, 60), (45, 55), (65, 62)])  # forks open upwards: exits below
    _fan(mask, (160, 140), [(140, 60), (165, 55)])
    _fan(mask, (100, 150), [(104, 70)])  # a lone stub between them
    exits, cuts = _stubs(mask)
    lone = np.abs(exits[:, 0] - 102) < 8
    assert lone.sum() == 1
    assert exits[lone][0, 1] > 140 and cuts[lone][0, 1] < 80


def _fork(mask: np.ndarray, opening, split, cut_ends) -> None:
    """Stubs of one opening lying together for a stretch (the trunk), then diverging."""

    cv2.line(mask, opening, split, 1, 6)
    for end in cut_ends:
        cv2.line(mask, split, end, 1, 4)


def test_one_misleading_fork_nearby_does_not_turn_a_stub_against_the_field_s_stream():
    # at 60 px/mm: four units 2-6 mm away open upwards (exits below); ~1 mm from the lone
    # stub a fork opens downwards (cut ends of two units touching look just like it). The
    # stream of a scalp region holds across a phototrichogram's field: the many far forks
    # outvote the one near
    mask = np.zeros((260, 420), np.uint8)
    for x in (40, 100, 160, 220):
        _fork(mask, (x, 170), (x, 145), [(x - 15, 90), (x + 15, 88)])
    _fork(mask, (320, 100), (320, 125), [(305, 180), (336, 185)])
    _fan(mask, (385, 215), [(389, 140)])  # the lone stub
    exits, cuts = _stubs(mask)
    lone = np.abs(exits[:, 0] - 387) < 8
    assert lone.sum() == 1
    assert exits[lone][0, 1] > 195 and cuts[lone][0, 1] < 160


def test_stubs_ends_outvote_a_misleading_fork_where_few_units_fork():
    # a field of single-hair units (nothing forks) and one fork opening downwards (the cut ends
    # of two units touching look just like it): each stub fades in from under the skin at its
    # exit and ends blunt where it was cut, and a dozen stubs' ends outweigh one fork
    mask = np.zeros((260, 420), np.uint8)
    _fork(mask, (330, 60), (330, 85), [(315, 140), (346, 145)])
    for x in range(30, 270, 20):
        cv2.line(mask, (x, 230), (x + 4, 160), 1, 4)
    contrast = mask.astype(np.float32)
    for x in range(30, 270, 20):  # the exit's first 0.15 mm fades in from under the skin
        for k in range(11):
            contrast[232 - k, x - 3 : x + 4] *= (k + 1) / 12.0
    exits, _ = _stubs(mask, contrast)
    single = exits[:, 0] < 280
    assert single.sum() == 12
    assert np.all(exits[single, 1] > 210)


def test_a_stub_running_into_view_from_outside_the_frame_is_not_counted():
    # exit outside the photo: the hair counts where it leaves the scalp, not where it is seen
    base = dataclasses.replace(REAL, width=400, height=300, hair_density_per_cm2=1.0, seed=3)
    scene = generate_scene(base)
    img = scene.image.copy()

    for x in (100, 200, 300):  # three dark stubs entering from the bottom edge, fanning upwards
        cv2.line(img, (x, 299), (x - 10, 180), (30, 25, 25), 8, cv2.LINE_AA)
        cv2.line(img, (x, 299), (x + 12, 185), (30, 25, 25), 8, cv2.LINE_AA)
    cv2.line(img, (200, 120), (195, 20), (30, 25, 25), 8, cv2.LINE_AA)  # and one inside
    cv2.line(img, (200, 120), (212, 25), (30, 25, 25), 8, cv2.LINE_AA)
    r = analyze(img, pixels_per_mm=base.pixels_per_mm, clipped=True)
    assert r.hair_count == 2


def test_a_stub_whose_exit_tapers_in_just_short_of_the_frame_is_counted():
    # at 60 px/mm: both stubs start at the left edge; the upper one tapers in from under the
    # skin and its blob stops a pixel short of the frame (its exit is in the photo), the lower
    # one runs out of the frame (its exit is not)
    mask = np.zeros((260, 300), np.uint8)
    _stream_left_to_right(mask)
    cv2.line(mask, (2, 60), (12, 60), 1, 1)
    cv2.line(mask, (12, 60), (90, 63), 1, 4)
    cv2.line(mask, (0, 110), (90, 113), 1, 4)
    exits, _ = _stubs(mask)
    at_left_edge = exits[exits[:, 1] < 150]  # not the stream's units below
    assert len(at_left_edge) == 1
    assert at_left_edge[0, 0] < 10 and abs(at_left_edge[0, 1] - 60) < 5


def test_a_stub_touching_the_cut_end_of_one_from_outside_the_frame_is_counted():
    # a stub running in from outside the frame (its exit is not in the photo) touches, end to
    # end, the root of a stub inside: their path is longer than any stub (2.3 mm at 60 px/mm),
    # so it holds two, and the one inside left the scalp in view
    mask = np.zeros((260, 300), np.uint8)
    for y in (190, 235):  # units opening to the right: the stream runs left to right
        _fork(mask, (40, y), (65, y), [(130, y - 12), (130, y + 12)])
    cv2.line(mask, (0, 60), (85, 60), 1, 4)
    cv2.line(mask, (85, 60), (140, 57), 1, 4)
    contrast = mask.astype(np.float32)
    contrast[55:65, 83:88] *= 0.5  # where the cut end meets the next root, the shaft dips
    exits, _ = _stubs(mask, contrast)
    inside = exits[exits[:, 1] < 120]
    assert len(inside) == 1
    assert 80 < inside[0, 0] < 90  # the next stub starts at the contact, not mid-way


def test_a_long_hair_lying_over_the_clipped_area_from_the_frame_is_not_counted():
    # longer than two stubs in line (5 mm at 60 px/mm), or crossing the photo from edge to
    # edge: a long hair from outside the clipped area, not a chain of stubs
    mask = np.zeros((260, 440), np.uint8)
    for y in (190, 235):  # units opening to the right: the stream runs left to right
        _fork(mask, (40, y), (65, y), [(130, y - 12), (130, y + 12)])
    cv2.line(mask, (0, 40), (300, 44), 1, 4)  # in from the left edge, ends in view
    cv2.line(mask, (0, 100), (439, 108), 1, 4)  # edge to edge
    exits, _ = _stubs(mask)
    assert not np.any(exits[:, 1] < 150)


def _dense_black_mesh() -> SceneParams:
    # dense black long hair on light skin (seed-3 benchmark scene #39 at 280/cm2)
    return SceneParams(
        width=600,
        height=450,
        pixels_per_mm=92.5,
        clipped=False,
        hair_density_per_cm2=280.0,
        hairs_per_fu_weights=(0.25, 0.45, 0.25, 0.05),
        skin_tone=0.37,
        hair_colour="black",
        blur_sigma_px=0.6,
        realistic=True,
        seed=3,
    )


def test_dense_black_mesh_is_long_hair_not_its_skin_gaps():
    # the light skin gaps between the shafts outweigh the shafts in the polarity contest, and
    # the mesh was dropped as "hugging" its own gaps, leaving the gaps to be counted as stubs
    p = _dense_black_mesh()
    res = analyze(generate_scene(p).image, pixels_per_mm=p.pixels_per_mm)
    assert res.clipped is False


def test_dense_black_mesh_is_counted_on_its_shafts():
    # its shafts outrun the gaps they enclose (read on the gaps, 3 hairs were found for 90)
    p = _dense_black_mesh()
    scene = generate_scene(p)
    r = analyze(scene.image, pixels_per_mm=p.pixels_per_mm, clipped=False)
    assert abs(r.hair_count - scene.truth.hair_count) <= 0.35 * scene.truth.hair_count


def test_parted_stubs_hide_at_most_two_more_stubs_beside_them():
    # two traced (parted) stubs: their blob's widest slices cross them obliquely with skin
    # between, so a width reading of six shafts means at most two more lie unresolved (a unit
    # holds up to four hairs)
    from imaging.density.stubs import width_count_beside_paths

    assert width_count_beside_paths(2.9, 2) == 4
    assert width_count_beside_paths(1.7, 2) == 2
    # one traced path: stubs side by side never parted, the width alone counts them
    assert width_count_beside_paths(2.0, 1) == 4


def test_stubs_that_never_parted_count_from_a_narrower_width_than_parted_ones():
    # two stubs the skeleton never parted lie within the mask's slit closing of each other:
    # their union is about 1.3 shafts wide, where two stubs spread over the opening read 1.7
    from imaging.density.stubs import stubs_from_width, width_count_beside_paths

    assert width_count_beside_paths(1.32, 1) == 2
    assert int(stubs_from_width(1.32)) == 1
    assert width_count_beside_paths(1.1, 1) == 1


def test_a_stub_running_in_from_the_frame_is_marked_as_such_and_not_counted():
    from imaging.density.skeleton import thin
    from imaging.density.stub_ends import trace_stubs

    # two units whose stubs fork left to right from a shared trunk (the hair stream); the
    # upper unit's opening lies outside the photo: its trunk runs in through the left edge
    mask = np.zeros((160, 200), np.uint8)
    cv2.line(mask, (0, 40), (30, 40), 1, 5)
    _fan(mask, (30, 40), [(90, 25), (90, 55)])
    cv2.line(mask, (60, 110), (90, 110), 1, 5)
    _fan(mask, (90, 110), [(160, 95), (160, 125)])
    _, lab = cv2.connectedComponents(mask)
    st = trace_stubs(thin(mask.astype(bool)), lab, 60.0, 4.0)
    outside = st.exit_xy[:, 0] < 10
    assert outside.sum() == 2 and np.all(st.cut_xy[outside, 0] > 80)
    assert st.on_frame[outside].all() and not st.counted[outside].any()
    assert not st.on_frame[~outside].any() and st.counted[~outside].all()


def test_stubs_lying_along_one_that_ran_in_from_outside_the_frame_are_not_counted():
    # a blob at the photo's edge: three stubs side by side running in from outside (their
    # exits are not in the photo) and one stub in view touching them; the blob's width reads
    # three, all of them beside the stubs from outside
    from imaging.density.stubs import hairs_in_view

    assert hairs_in_view(2.2, np.array([1]), np.array([3])) == 1


def test_a_tangle_counts_stubs_lying_beside_its_traced_ones_but_only_a_few():
    from imaging.density.stubs import hairs_in_blob

    # seven stubs traced through a tangle of several units, their widths read ten
    assert hairs_in_blob(10, 7) == 9
    assert hairs_in_blob(8, 7) == 8
    # a blob traced as one stub is one unit: at most four hairs whatever its width says; two
    # traced stubs may be two units side by side
    assert hairs_in_blob(9, 1) == 4 and hairs_in_blob(6, 1) == 4 and hairs_in_blob(3, 1) == 3
    assert hairs_in_blob(5, 2) == 5 and hairs_in_blob(9, 2) == 6


def test_a_tangle_of_units_whose_stubs_lie_side_by_side_is_counted_not_taken_for_a_patch():
    from imaging.density.stubs import count_stubs

    # at 60 px/mm (4 px shafts): four units of four stubs each, the stubs of a unit leaving one
    # opening side by side; the units' bundles cross into one blob that never narrows to a
    # single shaft. Its area per skeleton length was taken for a flake's and it counted nothing
    mask = np.zeros((260, 360), np.uint8)
    for i in range(5):  # single stubs: the scene's shaft width
        cv2.line(mask, (20 + 60 * i, 15), (30 + 60 * i, 75), 1, 4)
    units = [((120, 110), (200, 230)), ((200, 105), (130, 235)), ((100, 170), (240, 150))]
    units.append(((160, 100), (170, 240)))
    for opening, far in units:
        d = np.subtract(far, opening).astype(float)
        across = np.array([-d[1], d[0]]) / np.hypot(*d)
        for k in (-1.5, -0.5, 0.5, 1.5):
            cut = np.round(np.add(far, 5.0 * k * across)).astype(int)
            cv2.line(mask, opening, (int(cut[0]), int(cut[1])), 1, 4)
    contrast = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 0.8)
    st = count_stubs(mask.astype(bool), contrast, 60.0)
    _, lab = cv2.connectedComponents(mask)
    in_tangle = np.count_nonzero(st.blob == lab[170, 170])
    assert 8 <= in_tangle <= 16


def test_a_stub_counted_beside_a_traced_one_shares_its_line_and_is_measured_once():
    from imaging.density.stubs import count_stubs

    mask = np.zeros((200, 300), np.uint8)
    for i in range(5):  # single stubs: the scene's shaft width
        cv2.line(mask, (20 + 50 * i, 20), (30 + 50 * i, 80), 1, 4)
    cv2.line(mask, (100, 120), (110, 180), 1, 4)  # two stubs side by side, one traced line
    cv2.line(mask, (103, 120), (113, 180), 1, 4)
    contrast = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 0.8)
    st = count_stubs(mask.astype(bool), contrast, 60.0)
    pair = st.blob == st.blob[-1]
    assert pair.sum() == 2 and (~pair).sum() == 5
    assert np.allclose(st.polylines[-1], st.polylines[-2])
    assert st.first_on_line[~pair].all() and st.first_on_line[pair].tolist() == [True, False]


@pytest.mark.xfail(
    strict=True,
    reason="known weakness: a blob's width is read against its peak contrast, so a stub whose "
    "contrast fades along it reads narrower there and sets too small a single-shaft width. "
    "Reading each slice against its own shaft-centre contrast fixes this and improves the "
    "realistic benchmark, but it raised the harsh category's undercount (median 14.9 -> 20.0 %), "
    "so it was reverted",
)
def test_a_stub_whose_contrast_fades_along_it_is_one_hair_not_two_side_by_side():
    from imaging.density.stubs import count_stubs

    # at 60 px/mm (4 px shafts): single 1 mm stubs fading in over their first half (a third of
    # their full contrast at the exit, as under shade or past a bright opening). Read against
    # each blob's peak contrast, the faint half looks narrower than the bright one, the
    # scene's single-shaft width is taken from it, and every stub's bright half reads as two
    # shafts side by side
    h, w = 200, 420
    mask = np.zeros((h, w), np.uint8)
    contrast = np.zeros((h, w), np.float32)
    for i in range(8):
        x0 = 20 + 50 * i
        stub = np.zeros((h, w), np.uint8)
        cv2.line(stub, (x0, 30), (x0 + 5, 90), 1, 4)
        ys = np.arange(h, dtype=np.float32)[:, None]
        fade = np.clip(0.33 + 0.67 * (ys - 30) / 30, 0.33, 1.0)  # full contrast from 0.5 mm in
        mask |= stub
        contrast = np.maximum(contrast, stub * fade)
    contrast = cv2.GaussianBlur(contrast, (0, 0), 0.8)
    st = count_stubs(mask.astype(bool), contrast, 60.0)
    assert len(st.exits) == 8


def test_without_stubs_from_outside_the_blob_s_width_counts_its_stubs():
    from imaging.density.stubs import hairs_in_view

    assert hairs_in_view(1.8, np.array([1]), np.array([], np.int64)) == 3
    # stubs traced in view count at least themselves
    assert hairs_in_view(1.0, np.array([2, 1]), np.array([1])) == 3


def test_grey_stubs_leaving_their_dark_openings_are_hairs_not_skin_gaps():
    # grey hair is lighter than the skin, its follicular opening darker. Where pigmented hairs
    # win the polarity contest, light components hugging dark ones are dropped as skin gaps;
    # an opening encloses no gap, so a short grey stub leaving one is a hair (seed-3 scene #62
    # lost a third of its grey hairs this way)
    ppm = 120.0
    img = np.zeros((360, 480, 3), np.uint8)
    img[:] = (236, 204, 186)
    for x in (60, 200, 340):  # pigmented hairs of the greying scalp, in the upper half
        cv2.line(img, (x, 150), (x + 90, 30), (70, 50, 40), 9, cv2.LINE_AA)
    roots = [(80, 300), (200, 310), (320, 295), (420, 305)]
    for x, y in roots:
        cv2.circle(img, (x, y), 10, (180, 150, 135), -1, cv2.LINE_AA)
    for x, y in roots:  # 0.5 mm grey stubs (telogen) leaving 0.17 mm openings
        cv2.line(img, (x, y), (x + 6, y - 60), (226, 226, 222), 8, cv2.LINE_AA)
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    r = analyze(img, pixels_per_mm=ppm, clipped=True)
    grey = [h for h in r.hairs if min(y for _, y in h.polyline) > 200]
    assert len(grey) == len(roots)


def test_a_shaft_fading_out_of_focus_is_not_counted_where_it_fades():
    # a long hair from outside the frame lies in focus on the skin for 3.5 mm, then rises out
    # of the depth of field: wider and fainter, its peak contrast falls while contrast x width
    # holds, so the tapered-tip test does not see it. Below it, a hair in view.
    img = np.zeros((400, 640, 3), np.float32)
    img[:] = (200, 160, 140)
    cover = np.zeros((400, 640), np.float32)
    cv2.line(cover, (0, 150), (420, 170), 1.0, 8, cv2.LINE_AA)
    fade = np.zeros_like(cover)
    for k in range(16):
        y0, y1 = int(170 + 0.5 * k), int(170.5 + 0.5 * k)
        cv2.line(fade, (420 + 10 * k, y0), (430 + 10 * k, y1), 1.0 - k / 16, 8 + k, cv2.LINE_AA)
    cover = np.maximum(cover, cv2.GaussianBlur(fade, (0, 0), 4.0))
    cv2.line(cover, (100, 300), (500, 280), 1.0, 8, cv2.LINE_AA)
    img = img * (1 - 0.85 * cover[..., None]) + 0.85 * cover[..., None] * np.array([40, 30, 25])
    r = analyze(np.clip(img, 0, 255).astype(np.uint8), pixels_per_mm=120.0, clipped=False)
    assert r.hair_count == 1
    assert r.hairs[0].y > 250  # the rooted hair; nothing where the upper one fades


def test_forks_decide_only_the_sense_along_the_stubs_courses():
    # forks' arms spread by tens of degrees: three votes 40 degrees off the stubs' common
    # course must not tilt the stream a stub is oriented by, only give its sense
    from imaging.density.stub_ends import _hair_stream, _stream_axis

    ppm = 60.0
    xs, ys = np.meshgrid(np.arange(5) * 60.0, np.arange(2) * 120.0)
    courses = np.stack([xs.ravel(), ys.ravel()], 1)
    along_y = np.tile([0.0, 1.0], (len(courses), 1))
    at = np.array([[120.0, 60.0]])
    axis = _stream_axis(courses, along_y, np.full(len(courses), 60.0), at, ppm)
    votes = np.array([[60.0, 30.0], [180.0, 90.0], [240.0, 40.0]])
    tilted = np.tile([np.sin(np.deg2rad(40)), np.cos(np.deg2rad(40))], (3, 1))
    stream = _hair_stream(votes, tilted, at, ppm, axis)[0]
    assert abs(stream[0]) < 1e-9 * np.linalg.norm(stream) and stream[1] > 0
    # courses every way give no axis: the votes' own direction is kept
    crossed = np.tile([[0.0, 1.0], [1.0, 0.0]], (len(courses) // 2, 1))
    axis = _stream_axis(courses, crossed, np.full(len(courses), 60.0), at, ppm)
    assert not axis.any()


def _glare_footprint(params: SceneParams) -> np.ndarray:
    """Where the scene's glare spots brighten it, away from any drawn hair."""
    with_glare = generate_scene(params)
    without = generate_scene(dataclasses.replace(params, glare_spots=0)).image
    lifted = (with_glare.image.astype(float) - without).mean(2) > 15
    hairs = np.zeros(lifted.shape, np.uint8)
    reach = int(0.2 * params.pixels_per_mm)  # a hair's own blob and its opening
    for line in with_glare.truth.centrelines:
        cv2.polylines(hairs, [np.round(line).astype(np.int32)], False, 1, reach)
    return lifted & ~hairs.astype(bool)


def test_glare_on_a_sparse_phototrichogram_is_not_counted_as_hairs():
    # a specular highlight is a smooth bump of light; on a thinning scalp an elongated one was
    # counted as a handful of side-by-side stubs
    p = dataclasses.replace(REAL, width=600, height=450, hair_density_per_cm2=20.0, glare_spots=4)
    counted = 0
    for seed in (1, 2, 10):
        params = dataclasses.replace(p, seed=seed)
        glare = _glare_footprint(params)
        assert glare.mean() > 0.01  # the spots lie on bare skin
        r = analyze(generate_scene(params).image, pixels_per_mm=p.pixels_per_mm, clipped=True)
        mid = np.array([np.mean(h.polyline, axis=0) for h in r.hairs]).reshape(-1, 2)
        xi, yi = np.clip(np.round(mid).astype(int), 0, [p.width - 1, p.height - 1]).T
        counted += int(glare[yi, xi].sum())
    assert counted == 0


def _stream_left_to_right(mask: np.ndarray) -> None:
    """Units below the test's stubs whose forks open to the right: the stream's sense."""
    for y in (190, 235):
        _fork(mask, (40, y), (65, y), [(130, y - 12), (130, y + 12)])


def test_a_stub_ending_against_the_next_unit_s_at_an_angle_is_two_hairs():
    # at 60 px/mm: the cut end of one unit's stub touches the base of the next unit's stub,
    # 20 degrees off its course; together they are shorter than any stub could be (1.5 mm),
    # and the skeleton runs on through the contact. A hair is stiff: the bend is two stubs
    mask = np.zeros((260, 300), np.uint8)
    _stream_left_to_right(mask)
    cv2.line(mask, (30, 45), (70, 60), 1, 4)
    cv2.line(mask, (70, 60), (120, 60), 1, 4)
    exits, _ = _stubs(mask)
    top = exits[exits[:, 1] < 120]
    assert len(top) == 2
    # each leaves the scalp at its own base
    first, second = sorted(top[:, 0])
    assert first < 40 and 55 < second < 75


def test_a_straight_stub_as_long_as_two_short_ones_is_one_hair():
    mask = np.zeros((260, 300), np.uint8)
    _stream_left_to_right(mask)
    cv2.line(mask, (30, 60), (120, 63), 1, 4)
    exits, _ = _stubs(mask)
    assert len(exits[exits[:, 1] < 120]) == 1


def test_two_stubs_joined_along_the_frame_s_edge_are_a_few_hairs_not_a_fan():
    # at 60 px/mm: a slanted stub and an upright one both run into the bottom edge, where the
    # mask joins them into one U-shaped path. Read in order along the chord between its two
    # tips, the path zig-zagged between its arms and every zig was split off as a hair (76)
    mask = np.zeros((220, 160), np.uint8)
    cv2.line(mask, (40, 80), (88, 217), 1, 4)
    cv2.line(mask, (100, 160), (100, 217), 1, 4)
    mask[217:, 86:103] = 1
    exits, cuts = _stubs(mask)
    assert 2 <= len(exits) <= 3
    assert np.all(mask[np.round(exits[:, 1]).astype(int), np.round(exits[:, 0]).astype(int)])


def test_the_dark_rims_of_white_scales_on_a_hairless_scalp_are_mostly_not_hairs():
    # scales are far brighter than skin and the black-hat finds a dark line along their
    # edges; a line with a bright flake on one side and skin on the other is a rim (without
    # the rule these three hairless fields read 16, 17 and 16 hairs)
    found = 0
    for seed in (1, 3, 5):
        p = dataclasses.replace(REAL, width=600, height=450, hair_density_per_cm2=1.0)
        p = dataclasses.replace(p, skin_tone=0.35, scales=12, seed=seed)
        scene = generate_scene(p)
        assert scene.truth.hair_count == 0
        found += analyze(scene.image, pixels_per_mm=p.pixels_per_mm, clipped=True).hair_count
    assert found <= 24


def _dense_brown_mesh_on_light_skin():
    # benchmark seed 3, scene 43: 297 hairs/cm2 of long brown hair on light skin at 112 px/mm,
    # where the skin gaps between the shafts respond more strongly than the shafts themselves
    p = scene_params(3, 43, False, True, None, (1000, 750))
    return p, generate_scene(p)


def test_a_dense_mesh_whose_skin_gaps_outshine_it_is_not_taken_for_stubs():
    # the gaps alone are short polygons, like stubs; both polarities together lay more line over
    # the skin than a phototrichogram can (analysed as clipped it counted 556 hairs for 174)
    p, scene = _dense_brown_mesh_on_light_skin()
    assert analyze(scene.image, pixels_per_mm=p.pixels_per_mm).clipped is False


def test_a_dense_mesh_whose_skin_gaps_outshine_it_is_counted_on_its_shafts():
    # the shaft mesh outruns the gaps it encloses, so its polarity is the hair's (read on the
    # gaps, 17 hairs were found for 174)
    p, scene = _dense_brown_mesh_on_light_skin()
    r = analyze(scene.image, pixels_per_mm=p.pixels_per_mm, clipped=False)
    assert abs(r.hair_count - scene.truth.hair_count) <= 0.35 * scene.truth.hair_count


@pytest.mark.parametrize("width_px", [3, 5, 9])
def test_line_density_reads_a_band_s_length_whatever_its_width(width_px):
    ppm = 60.0
    mask = np.zeros((600, 600), bool)  # 10 x 10 mm
    for row in range(50, 550, 100):
        mask[row : row + width_px, 60:540] = True  # five lines of 8 mm
    assert line_density_mm_per_mm2(mask, ppm, None) == pytest.approx(0.4, rel=0.15)

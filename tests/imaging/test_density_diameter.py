"""Full-resolution shaft diameters from cross-section profiles (pure, no Django)."""

import cv2
import numpy as np

from imaging.density.diameter import measure_diameters_um


def _bar_image(
    width_px: float, *, dark: bool, blur: float = 0.8, angle: float = 0.3, offset: float = 0.0
):
    """A straight anti-aliased shaft of known width through the middle of a 400x300 image
    (shifted sideways by ``offset`` pixels)."""
    ss = 8
    h, w = 300, 400
    cov = np.zeros((h * ss, w * ss), np.float32)
    d = np.array([np.cos(angle), np.sin(angle)])
    n = np.array([-d[1], d[0]])
    c = np.array([200.0, 150.0]) + offset * n
    hw = 0.5 * width_px
    corners = [
        c - 300 * d - hw * n,
        c + 300 * d - hw * n,
        c + 300 * d + hw * n,
        c - 300 * d + hw * n,
    ]
    cv2.fillPoly(cov, [np.round((np.array(corners) + 0.5) * ss - 0.5).astype(np.int32)], 1.0)
    cov = cv2.resize(cov, (w, h), interpolation=cv2.INTER_AREA)
    skin, hair = (190.0, 40.0) if dark else (70.0, 200.0)
    img = skin + (hair - skin) * 0.9 * cov
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), blur)
    line = np.array([c - 120 * d, c + 120 * d])
    return img, line, d, n


def test_bar_of_known_width_on_both_polarities_within_10_percent():
    ppm = 120.0
    for width_px in (5.0, 8.0, 12.0):
        for dark in (True, False):
            img, line, _, _ = _bar_image(width_px, dark=dark)
            um = measure_diameters_um(img, [line], ppm)[0]
            true_um = width_px / ppm * 1000.0
            assert abs(um - true_um) / true_um < 0.10, (width_px, dark, um, true_um)


def test_line_slightly_off_the_shaft_is_recentred():
    img, line, _, n = _bar_image(8.0, dark=True)
    um = measure_diameters_um(img, [line + 4.0 * n], 120.0)[0]
    assert abs(um - 8.0 / 120.0 * 1000.0) / (8.0 / 120.0 * 1000.0) < 0.10


def test_crossing_shaft_does_not_inflate_the_measure():
    img, line, _, _ = _bar_image(8.0, dark=True)
    alone = measure_diameters_um(img, [line], 120.0)[0]
    other, _, _, _ = _bar_image(8.0, dark=True, angle=0.3 + np.pi / 2)
    crossed = np.minimum(img, other)
    um = measure_diameters_um(crossed, [line], 120.0)[0]
    assert abs(um - alone) / alone < 0.05


def test_micrometres_do_not_depend_on_the_calibration():
    img, line, _, _ = _bar_image(8.0, dark=True)
    big = cv2.resize(img, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    a = measure_diameters_um(img, [line], 120.0)[0]
    b = measure_diameters_um(big, [(line + 0.5) * 2.0 - 0.5], 240.0)[0]
    assert abs(a - b) / a < 0.06


def test_nothing_measurable_gives_nan():
    img = np.full((200, 200), 150.0, np.float32)
    out = measure_diameters_um(
        img, [np.array([[50.0, 100.0], [150.0, 100.0]]), np.zeros((1, 2))], 100.0
    )
    assert out.shape == (2,)
    assert np.isnan(out).all()


def test_synthetic_truth_records_the_width_opencv_actually_draws():
    # a thick LINE_8 polyline comes out wider than the thickness asked for (3 -> 5, 20 -> 21);
    # the ground truth must be the drawn width, or every measurement looks too wide
    from imaging.density.synthetic import _drawn_width

    for thickness in (2, 3, 4, 9, 20):
        img = np.zeros((300, 1200), np.uint8)
        pts = (np.array([[100, 100], [1100, 200]]) * 8).reshape(-1, 1, 2).astype(np.int32)
        cv2.polylines(img, [pts], False, 255, thickness, cv2.LINE_8, 3)
        drawn = (img > 0).sum() / np.hypot(1000, 100)
        assert abs(drawn - _drawn_width(thickness)) < 0.4


def test_a_stub_s_width_is_its_lowest_agreeing_readings_not_its_low_quantile():
    # one line serves two stubs of one opening: 15 readings of their union (~140 um), 4 of
    # one shaft alone where they part (~68 um), one stray low reading (a crossing's shadow)
    from imaging.density.diameter import (
        CLUSTER_FRACTION,
        CLUSTER_MIN,
        CLUSTER_TOL,
        WIDTH_QUANTILE,
        _low_cluster,
    )
    from imaging.density.grouped import group_quantile

    readings = np.array([30.0, 66.0, 67.5, 68.0, 69.5] + list(np.linspace(136.0, 146.0, 15)))
    groups = np.zeros(readings.size, np.int64)
    width = _low_cluster(readings, groups, 1, CLUSTER_TOL, CLUSTER_MIN, CLUSTER_FRACTION)[0]
    assert 66.0 <= width <= 69.5
    # the low quantile alone lands on the union of the two
    assert group_quantile(readings, groups, 1, WIDTH_QUANTILE)[0] > 100.0


def test_a_long_shaft_s_width_is_its_agreeing_readings_not_a_few_low_ones():
    # a long shaft: 6 readings stray low (noise, a grazed edge), 3 of the union with its unit's
    # other shafts at the opening, 11 agreeing on its own width (~68 um)
    from imaging.density.diameter import (
        CLUSTER_MIN,
        CLUSTER_TOL,
        LONG_CLUSTER_FRACTION,
        WIDTH_QUANTILE,
        _low_cluster,
    )
    from imaging.density.grouped import group_quantile

    own = list(np.linspace(65.0, 71.0, 11))
    readings = np.array([42.0, 45.0, 48.0, 52.0, 55.0, 58.0] + own + [120.0, 130.0, 140.0])
    groups = np.zeros(readings.size, np.int64)
    frac = LONG_CLUSTER_FRACTION
    width = _low_cluster(readings, groups, 1, CLUSTER_TOL, CLUSTER_MIN, frac)[0]
    assert 65.0 <= width <= 71.0
    # the low quantile follows the stray low readings (and so would the stubs' smaller cluster)
    assert group_quantile(readings, groups, 1, WIDTH_QUANTILE)[0] < 60.0


def test_a_line_with_no_agreeing_readings_has_no_cluster_width():
    from imaging.density.diameter import _low_cluster

    width = _low_cluster(np.array([40.0, 80.0, 160.0]), np.zeros(3, np.int64), 1, 0.12, 3, 0.15)
    assert np.isnan(width[0])


def test_summary_of_a_clipped_scene_leaves_out_hairs_not_measured_at_full_resolution():
    from imaging.density.pipeline import _summary

    diams = np.array([70.0] * 6 + [30.0, 30.0])
    measured = np.array([True] * 6 + [False] * 2)
    assert _summary(diams, measured)[0] == 70.0
    # when most hairs could not be measured, the few that were are no sample: all count
    few = np.array([True] * 2 + [False] * 6)
    assert _summary(diams, few)[0] == diams.mean()
    assert _summary(diams)[0] == diams.mean()


def _shiny_shafts(shafts, skin, *, sheen: float = 0.17, blur: float = 0.8):
    """RGB: straight shafts (width px, colour, sideways offset px) on ``skin``, the middle ~30 %
    of each carrying a specular sheen (a highlight of the light's colour, white), as hair shows
    under a dermatoscope; and their centre lines."""
    rgb = np.zeros((300, 400, 3), np.float32) + np.asarray(skin, np.float32)
    lines = []
    for width_px, body, offset in shafts:
        img, line, _, _ = _bar_image(width_px, dark=True, blur=1e-3, offset=offset)
        cov = (190.0 - img) / (190.0 - 40.0) / 0.9  # 0..1 shaft coverage
        core, _, _, _ = _bar_image(0.3 * width_px, dark=True, blur=1e-3, offset=offset)
        core_cov = (190.0 - core) / (190.0 - 40.0) / 0.9
        rgb = rgb * (1 - cov[..., None]) + np.asarray(body, np.float32) * cov[..., None]
        rgb = rgb + sheen * core_cov[..., None] * (255.0 - rgb)
        lines.append(line)
    rgb = cv2.GaussianBlur(rgb, (0, 0), blur)
    return np.clip(rgb, 0, 255).astype(np.uint8), lines


def _shiny_shaft(width_px: float, skin, body, *, sheen: float = 0.17, blur: float = 0.8):
    img, lines = _shiny_shafts([(width_px, body, 0.0)], skin, sheen=sheen, blur=blur)
    return img, lines[0]


def test_a_dark_shaft_whose_sheen_is_brighter_than_the_skin_is_measured_whole():
    # brown on very dark skin: the body is a little darker than the skin, the specular core
    # brighter; measuring the light line would read the core (~30 % of the width)
    for width_px in (8.0, 11.0):
        img, line = _shiny_shaft(width_px, (95, 66, 52), (78, 50, 37), sheen=0.2)
        um = measure_diameters_um(img, [line], 120.0)[0]
        true_um = width_px / 120.0 * 1000.0
        assert abs(um - true_um) / true_um < 0.10, (width_px, um, true_um)


def test_a_shaft_as_bright_as_the_skin_is_measured_by_its_colour():
    # blond on medium skin: about the skin's green + blue grey, yellower; only the sheen shows
    # in the grey
    for width_px in (7.0, 10.0):
        img, line = _shiny_shaft(width_px, (165, 133, 117), (186, 152, 100))
        um = measure_diameters_um(img, [line], 120.0)[0]
        true_um = width_px / 120.0 * 1000.0
        assert abs(um - true_um) / true_um < 0.10, (width_px, um, true_um)


def test_a_bare_specular_core_among_dark_shiny_shafts_is_not_measured_as_a_hair():
    # brown on very dark skin: six shafts a shade darker than the skin with bright cores are
    # measured whole; a seventh of exactly the skin's colour shows only its core, a light line
    # a third of its width, which must not be reported as that hair's diameter
    skin, body = (95, 66, 52), (78, 50, 37)
    shafts = [(9.0, body, k * 20.0) for k in (-3, -2, -1, 1, 2, 3)] + [(9.0, skin, 0.0)]
    img, lines = _shiny_shafts(shafts, skin, sheen=0.2)
    um = measure_diameters_um(img, lines, 120.0)
    true_um = 9.0 / 120.0 * 1000.0
    assert np.all(np.abs(um[:6] - true_um) / true_um < 0.10), um
    assert np.isnan(um[6]), um


def test_more_cross_sections_than_opencv_remaps_at_once_are_all_measured():
    # a 12 MP photo at 100 px/mm holds some 40,000 stations; cv2.remap takes under 32,767 rows
    img, line, _, _ = _bar_image(8.0, dark=True)
    alone = measure_diameters_um(img, [line], 120.0)[0]
    many = measure_diameters_um(img, [line] * 1700, 120.0)  # 20 stations each
    assert np.allclose(many, alone)

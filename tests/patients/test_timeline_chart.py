import pytest

from patients.recovery import derive_course
from patients.timeline_chart import render_timeline
from tests.patients.clinical_builders import (
    b12,
    course_of,
    injections_then_maintenance,
    month,
    week,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PROTOCOLS = injections_then_maintenance()
LABS = [b12(week(-1), 150), b12(week(5), 420), b12(month(3), 520)]


def recovering_course():
    visits = course_of({-1: 150, 6: 148, 12: 147, 18: 155, 24: 162, 30: 168})
    return derive_course(visits, LABS, PROTOCOLS, today=week(31))


def test_timeline_renders_png():
    png = render_timeline(recovering_course(), LABS, PROTOCOLS, fmt="png")
    assert png.startswith(PNG_MAGIC)
    assert len(png) > 20_000


def test_timeline_renders_svg_with_title():
    svg = render_timeline(recovering_course(), LABS, PROTOCOLS, fmt="svg")
    assert svg.lstrip().startswith(b"<?xml")
    assert b"<svg" in svg[:2000]
    assert len(svg) > 20_000


def test_timeline_png_is_a4_landscape_shaped():
    png = render_timeline(recovering_course(), LABS, PROTOCOLS, fmt="png")
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert width > height >= 1000


def test_empty_timeline_renders_no_data_chart_in_both_formats():
    empty = derive_course([], [], [], today=week(0))
    png = render_timeline(empty, [], [], fmt="png")
    svg = render_timeline(empty, [], [], fmt="svg")
    assert png.startswith(PNG_MAGIC) and len(png) > 5_000
    assert b"<svg" in svg[:2000]


def test_labs_without_photos_still_render():
    empty = derive_course([], LABS, PROTOCOLS, today=week(10))
    assert render_timeline(empty, LABS, PROTOCOLS, fmt="png").startswith(PNG_MAGIC)


def test_unknown_format_is_rejected():
    with pytest.raises(ValueError):
        render_timeline(recovering_course(), LABS, PROTOCOLS, fmt="pdf")


def test_concurrent_renders_do_not_interfere():
    from concurrent.futures import ThreadPoolExecutor

    empty = derive_course([], [], [], today=week(0))
    with ThreadPoolExecutor(max_workers=3) as pool:
        outputs = list(pool.map(lambda fmt: render_timeline(empty, [], [], fmt=fmt), ["png"] * 3))
    assert all(o.startswith(PNG_MAGIC) for o in outputs)

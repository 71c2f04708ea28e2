"""`manage.py analyze_photo PATH --pixels-per-mm N [--json]`: the same figures, offline."""

import json

import pytest
from django.core.management import CommandError, call_command

from imaging import density
from tests.imaging.factories import PIXELS_PER_MM, scalp_jpeg

FIGURES = [
    "hair_count",
    "follicular_unit_count",
    "hair_density_per_cm2",
    "fu_density_per_cm2",
    "hairs_per_fu",
    "single_hair_fu_fraction",
    "mean_shaft_diameter_um",
    "shaft_diameter_cv",
    "thin_hair_fraction",
    "vellus_hair_fraction",
    "analyzed_area_cm2",
    "algorithm_version",
    "duration_ms",
]


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "scalp.jpg"
    path.write_bytes(scalp_jpeg())
    return path


def test_json_output_has_the_analysis_fields_of_the_api(photo_file, capsys):
    call_command("analyze_photo", str(photo_file), "--pixels-per-mm", str(PIXELS_PER_MM), "--json")
    figures = json.loads(capsys.readouterr().out)
    assert list(figures) == FIGURES
    rgb, _ = density.vet_and_normalise(photo_file.read_bytes())
    assert figures["hair_count"] == density.analyze(rgb, pixels_per_mm=PIXELS_PER_MM).hair_count


def test_plain_output_lists_every_figure(photo_file, capsys):
    call_command("analyze_photo", str(photo_file), "--pixels-per-mm", "100")
    out = capsys.readouterr().out
    assert all(name in out for name in FIGURES)


def test_the_overlay_can_be_written_beside(photo_file, tmp_path, capsys):
    target = tmp_path / "map.png"
    call_command("analyze_photo", str(photo_file), "--pixels-per-mm", "100", "--overlay", target)
    assert target.read_bytes().startswith(b"\x89PNG")


def test_a_file_that_is_not_an_image_is_a_command_error(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("not a photo")
    with pytest.raises(CommandError, match="not_an_image"):
        call_command("analyze_photo", str(path), "--pixels-per-mm", "100")


def test_an_absurd_calibration_is_a_command_error(photo_file):
    with pytest.raises(CommandError, match="calibration"):
        call_command("analyze_photo", str(photo_file), "--pixels-per-mm", "0")


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("analyze_photo", str(tmp_path / "nope.jpg"), "--pixels-per-mm", "100")


def test_the_command_never_touches_the_database(photo_file, django_assert_num_queries, db):
    with django_assert_num_queries(0):
        call_command("analyze_photo", str(photo_file), "--pixels-per-mm", "100", "--json")

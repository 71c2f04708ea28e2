"""Analyse one scalp photo offline: `manage.py analyze_photo PATH --pixels-per-mm N [--json]`.

Runs the same vetting and density core as the workers and prints the same `analysis` figures the
API returns. Nothing is written to the database.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imaging.models import FIGURE_FIELDS
from imaging.services import max_pixels


class Command(BaseCommand):
    help = "Print the density analysis of one calibrated scalp photo (no database writes)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="JPEG, PNG, TIFF or WEBP file.")
        parser.add_argument(
            "--pixels-per-mm", type=float, required=True, help="Calibration of the photo."
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument(
            "--clipped",
            dest="clipped",
            action="store_const",
            const=True,
            default=None,
            help="Phototrichogram: hair clipped short.",
        )
        kind.add_argument(
            "--unclipped",
            dest="clipped",
            action="store_const",
            const=False,
            help="Unclipped hair (long shafts).",
        )
        parser.add_argument("--overlay", type=Path, help="Also write the density map PNG here.")

    def handle(self, *args, path: Path, pixels_per_mm: float, clipped, overlay, **options):
        from imaging import density

        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        try:
            rgb, _ = density.vet_and_normalise(data, max_pixels=max_pixels())
            result = density.analyze(rgb, pixels_per_mm=pixels_per_mm, clipped=clipped)
        except (density.ImageRejected, density.CalibrationRejected) as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        figures = result.as_dict()
        if overlay is not None:
            overlay.write_bytes(density.render_overlay(rgb, result))
        if options["json"]:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        names = [*FIGURE_FIELDS, "algorithm_version", "duration_ms"]
        width = max(map(len, names))
        for name in names:
            value = figures.get(name)
            shown = "-" if value is None else (f"{value:g}" if isinstance(value, float) else value)
            self.stdout.write(f"{name:<{width}}  {shown}")

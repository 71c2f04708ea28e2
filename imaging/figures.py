"""Which analysis figures count: pure, so that the model, the API and the timeline agree."""

from __future__ import annotations


def effective_figures(
    automatic: dict, *, corrected_hairs: int | None, corrected_units: int | None
) -> dict:
    """A clinician's corrected counts replace the automatic ones, and the densities and
    hairs-per-unit are derived again from them over the same analysed area; the shaft
    measurements stay automatic (a correction does not re-measure diameters)."""
    if corrected_hairs is None or corrected_units is None:
        return dict(automatic)
    figures = dict(automatic)
    area = automatic.get("analyzed_area_cm2")
    figures.update(
        hair_count=corrected_hairs,
        follicular_unit_count=corrected_units,
        hair_density_per_cm2=(
            round(corrected_hairs / area, 2) if area else automatic["hair_density_per_cm2"]
        ),
        fu_density_per_cm2=(
            round(corrected_units / area, 2) if area else automatic["fu_density_per_cm2"]
        ),
        hairs_per_fu=round(corrected_hairs / corrected_units, 3) if corrected_units else None,
    )
    return figures

"""Result types of a density analysis (plain frozen dataclasses, JSON-friendly)."""

from __future__ import annotations

from dataclasses import dataclass, field

ALGORITHM_VERSION = "density-1.23.0"

Point = tuple[float, float]


@dataclass(frozen=True)
class DetectedHair:
    """One hair counted at its exit point; coordinates are pixels of the analysed image."""

    x: float
    y: float
    diameter_um: float | None
    fu_index: int
    polyline: tuple[Point, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class FollicularUnit:
    """Exit points grouped into one follicular unit."""

    x: float
    y: float
    hair_indices: tuple[int, ...]

    @property
    def hair_count(self) -> int:
        return len(self.hair_indices)


_SCALAR_FIELDS = (
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
)


@dataclass(frozen=True)
class DensityResult:
    """Density figures of one calibrated photo plus the detections that back them."""

    hair_count: int
    follicular_unit_count: int
    hair_density_per_cm2: float
    fu_density_per_cm2: float
    hairs_per_fu: float | None
    single_hair_fu_fraction: float | None
    mean_shaft_diameter_um: float | None
    shaft_diameter_cv: float | None
    thin_hair_fraction: float | None
    vellus_hair_fraction: float | None
    analyzed_area_cm2: float
    algorithm_version: str
    duration_ms: int
    clipped: bool = True
    hairs: list[DetectedHair] = field(default_factory=list, repr=False)
    follicular_units: list[FollicularUnit] = field(default_factory=list, repr=False)
    # outline (pixels of the analysed image) of the area hairs were counted in, when that is
    # not the whole photo (a round lens's field of view, less its guard zone)
    counting_region: tuple[Point, ...] = field(default=(), repr=False)
    pixels_per_mm: float | None = None

    def as_dict(self) -> dict:
        """Scalar figures only, ready for JSON; detections are stored separately if at all."""
        return {name: getattr(self, name) for name in _SCALAR_FIELDS}

"""Pure image-analysis core: calibrated scalp microscopy photo -> hair density figures.

No Django here; the web and task layers call exactly the names re-exported below.
"""

from .decode import vet_and_normalise
from .errors import CalibrationRejected, ImageRejected
from .overlay import render_overlay
from .pipeline import analyze
from .results import ALGORITHM_VERSION, DensityResult, DetectedHair, FollicularUnit

__all__ = [
    "ALGORITHM_VERSION",
    "CalibrationRejected",
    "DensityResult",
    "DetectedHair",
    "FollicularUnit",
    "ImageRejected",
    "analyze",
    "render_overlay",
    "vet_and_normalise",
]

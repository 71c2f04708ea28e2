"""Physical and clinical constants used by the density core, each with its source."""

from __future__ import annotations

# Shaft diameter classes (DOMAIN.md section 5, "Terminal vs vellus").
THIN_HAIR_MAX_UM = 30.0  # thin hair: < 0.03 mm (Rakowska et al. 2009)
VELLUS_HAIR_MAX_UM = 40.0  # vellus: <= 40 um (TrichoScan convention)

# Expected shaft widths (brief / DOMAIN.md section 7): terminal 60-80 um, thick terminal ~120 um.
MAX_SHAFT_UM = 130.0

# Hairs of one follicular unit leave the scalp from one opening (ostium ~0.1-0.2 mm; units lie
# ~1 mm apart at 65-110 FU/cm2, DOMAIN.md section 5). Exit points are grouped by complete
# linkage with a diameter of the opening plus the uncertainty of the located exits: a clipped
# stub's exit is located to within ~0.1 mm, a long hair's root far less surely. Measured on the
# seed-3 realistic long-hair scenes, a located root lies a median 0.26 mm (quartiles 0.16-0.37)
# from the true exit it matches, so two hairs of one unit are found up to ~0.6 mm apart: at
# 0.45 mm units were split (median FU count +31 %; at 0.6 mm +10 %). Still under the ~1 mm
# between neighbouring units, so correctly located units stay apart.
FU_MAX_SPREAD_CLIPPED_MM = 0.35
FU_MAX_SPREAD_MM = 0.6

# Calibration sanity range: trichoscopy at 20-70x gives ~80-250 px/mm (brief); anything outside
# 20..1000 px/mm is a unit mistake (e.g. px/cm or px/inch) rather than a real optic.
MIN_PIXELS_PER_MM = 20.0
MAX_PIXELS_PER_MM = 1000.0

# Smallest skin area worth a density figure: one square millimetre holds only ~2 hairs at the
# normal 175-300 hairs/cm2 (DOMAIN.md section 5), below that the figure is noise.
MIN_AREA_MM2 = 1.0

# Working resolution: resample so that a 60-80 um terminal shaft (DOMAIN.md section 5/7) is
# ~4-5 px wide: enough to segment and skeletonise it, and a 12 MP photo at 200 px/mm becomes
# ~1 MP of work (speed floor: < 1 s per 12 MP). Diameters are measured at half the shaft's
# peak contrast (clipped) or from the integrated contrast (long hair), both sub-pixel.
WORKING_PIXELS_PER_MM = 60.0
MIN_WORKING_PIXELS_PER_MM = 50.0
MAX_WORKING_PIXELS = 4_000_000

# OpenCV's remapping (shaft cross-sections) takes maps and images under SHRT_MAX (32,767) px a
# side: uploads are refused beyond this and cross-sections are sampled in blocks of this many.
OPENCV_MAX_SIDE_PX = 32_000

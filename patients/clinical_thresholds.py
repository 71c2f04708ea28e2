"""Every clinical threshold used by the rule modules, in one place, each with its source.

"DOMAIN.md §n" refers to the project's clinical domain notes; "product rule" marks a choice made
by this product where the sources give no number (documented so a clinician can challenge it).
Lab bands themselves (deficient/borderline/normal, low/normal/high) are set per clinic by the
Django layer; the values below are only the defaults used for drawing and as a fallback when a
lab point arrives without a band.
"""

from __future__ import annotations

# --- Laboratory defaults (DOMAIN.md §2) ---------------------------------------------------------
B12_DEFICIENT_BELOW_PG_ML = 200.0  # DOMAIN.md §2, seed 004: < 200 pg/mL definite deficiency
B12_NORMAL_ABOVE_PG_ML = 300.0  # DOMAIN.md §2, seed 004: > 300 pg/mL normal
MMA_RAISED_ABOVE_NMOL_L = 400.0  # DOMAIN.md §2: elevated above 0.40 umol/L (Mayo)
HOLOTC_DEFICIENT_BELOW_PMOL_L = 25.0  # DOMAIN.md §2 (NICE)
HOMOCYSTEINE_RAISED_ABOVE_UMOL_L = 15.0  # DOMAIN.md §2
FOLATE_DEFICIENT_BELOW_NG_ML = 3.0  # DOMAIN.md §2
FERRITIN_LOW_BELOW_NG_ML = 30.0  # DOMAIN.md §2: flagged as a hair-loss cause to rule out
TSH_RANGE_MIU_L = (0.4, 4.5)  # DOMAIN.md §2, seed 004: outside -> thyroid dysfunction to rule out
MCV_MACROCYTOSIS_ABOVE_FL = 100.0  # DOMAIN.md §2

# --- Follow-up schedule (DOMAIN.md §2 "Follow-up", §4 "After recovery") ------------------------
B12_RETEST_MONTHS_AFTER_START = (3, 6)  # DOMAIN.md §2, seed 004
ANNUAL_RETEST_MONTHS = 12  # DOMAIN.md §4: annual B12 test after recovery
PHOTO_TRACKING_MONTHS_AFTER_RECOVERY = 6  # DOMAIN.md §4: monthly density tracking, 6 more months
MAINTENANCE_DOSE_TEXT = "250-500 mcg daily by mouth, or a monthly injection"  # DOMAIN.md §3, §4
# A retest counts as done when a B12 result exists from this many days before its due date on.
RETEST_DONE_WINDOW_DAYS = 14  # product rule

# --- Recovery (DOMAIN.md §4) -------------------------------------------------------------------
# Month-to-month measurement noise of one visit's mean density. DOMAIN.md §4: "several percent";
# §7: automatic counting error 7-12 % against truth (re-measuring one site with one device is
# better than that). The noise allowance applied to a median of n visits is this / sqrt(n).
DENSITY_NOISE_FRACTION = 0.05
VISIBLE_CHANGE_FRACTION = 0.23  # DOMAIN.md §4: a change a dermatologist can see (~43 hairs/cm2)
MIN_TREND_VISITS = 3  # DOMAIN.md §4: judge trends, not single visits
MIN_TREND_SPAN_WEEKS = 8  # DOMAIN.md §4: "over 3-6 months"; 8 weeks is the product minimum
RECENT_LEVEL_VISITS = 3  # recent level = median of the last 3 visits (product rule)
# The last visit before the treatment start anchors the trend only if it is this recent
# (product rule: older photos describe an earlier state, not the starting level).
START_ANCHOR_MAX_WEEKS_BEFORE = 12
# Expected density gain above the nadir (fractions), DOMAIN.md §4 / seed 004:
EXPECTED_GAIN_BY_MONTH_3 = (0.0, 0.05)  # months 2-3: density stops falling, no measurable gain
EXPECTED_GAIN_BY_MONTH_6 = (0.05, 0.15)  # months 3-6: 5-15 % above the nadir
# Months 6-12: "approaches pre-deficiency levels". Product rule: by month 12 the lower edge has
# closed at least half the gap between the nadir and the first (pre-treatment) visit, and the
# upper edge reaches that first visit.
EXPECTED_GAP_CLOSED_BY_MONTH_12 = 0.5
# Product rule: density counts as recovered when a 3-visit median reaches the first visit's
# density and at least this gain above the nadir (the middle of §4's 5-15 %).
RECOVERED_MIN_GAIN = 0.10

# --- Pattern and scales (DOMAIN.md §5, §6) -----------------------------------------------------
# Normal density of each zone relative to the occipital (donor) area. DOMAIN.md §5: healthy women
# frontal 190 +- 29, temporal 154 +- 25 hairs/cm2, so temporal is ~0.81 of frontal; frontal,
# midscalp and vertex are taken as equal to occipital in health (product rule).
NORMAL_RATIO_TO_OCCIPITAL = {
    "frontal": 1.0,
    "temporal": 154.0 / 190.0,
    "midscalp": 1.0,
    "vertex": 1.0,
}
# Relative density (ratio / normal ratio) levels, product rule, chosen well beyond the ~5-12 %
# measurement error (DOMAIN.md §4, §7):
REDUCED_BELOW = 0.85  # level 1: reduced
MARKED_BELOW = 0.60  # level 2: marked reduction ("deep recession", "pronounced")
LOST_BELOW = 0.30  # level 3: essentially bald
# DOMAIN.md §5 normal densities; a uniform pattern below this lower limit is diffuse loss.
NORMAL_HAIR_DENSITY_RANGE = (175.0, 300.0)
NORMAL_FU_DENSITY_RANGE = (65.0, 110.0)
# DOMAIN.md §6 (Bernstein Medical), typical first-session grafts by Norwood stage.
NORWOOD_GRAFT_RANGES = {
    "III": (1000, 1600),
    "III vertex": (1200, 1600),
    "IV": (1600, 2200),
    "V": (2000, 2500),
    "VI": (2400, 3000),
    "VII": (2500, 3200),
}
SCALE_RATER_ICC = (0.63, 0.68)  # DOMAIN.md §6: inter-rater agreement only moderate

# --- Trichoscopy (DOMAIN.md §5, Rakowska et al. 2009) ------------------------------------------
RAKOWSKA_YELLOW_DOTS_ABOVE = 4  # major 1: > 4 yellow dots (4 frontal images at 70x)
RAKOWSKA_FRONTAL_THINNER_MARGIN = 0.0  # major 2: frontal mean thickness < occipital (any amount)
RAKOWSKA_THIN_HAIR_FRACTION_ABOVE = 0.10  # major 3: > 10 % thin hairs (< 30 um) frontally
RAKOWSKA_SINGLE_HAIR_UNIT_RATIO_ABOVE = 2.0  # minor: single-hair units frontal:occipital > 2:1
RAKOWSKA_VELLUS_RATIO_ABOVE = 1.5  # minor: vellus hairs frontal:occipital > 1.5:1
RAKOWSKA_MAJOR_NEEDED = 2  # AGA if 2 major, or 1 major and 2 minor (specificity ~98 %)
RAKOWSKA_MAJOR_WITH_MINOR = 1
RAKOWSKA_MINOR_WITH_MAJOR = 2
ANISOTRICHOSIS_CV_ABOVE = 0.20  # DOMAIN.md §5: > 20 % variation in shaft diameter points to AGA

# --- History (DOMAIN.md §1, §5 seed 004 table) --------------------------------------------------
# Onset "weeks to months" (B12) vs "years" (AGA); measured from onset to first presentation.
RAPID_ONSET_MAX_MONTHS = 6  # product rule for "weeks to months"
GRADUAL_ONSET_MIN_MONTHS = 24  # product rule for "years"
SHED_NORMAL_MAX_PER_DAY = 100  # DOMAIN.md §1, seed 003: 50-100 a day is normal
SHED_WINDOW_DAYS = 90  # product rule: shed counts of the last 90 days before the reference day
SYMPTOM_WINDOW_DAYS = 365  # product rule: symptom reports of the year before the reference day

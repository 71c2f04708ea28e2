from decimal import Decimal

import pytest

from labs.analytes import DEFAULT_THRESHOLDS, AnalyteThresholds, Sex, ThresholdSet
from labs.errors import ClinicalValidationError
from labs.interpretation import (
    Band,
    Flag,
    InterpretationContext,
    b12_status,
    interpret,
)

D = Decimal

NICE = ThresholdSet(
    "Clinic X (NICE NG239)",
    (AnalyteThresholds.for_b12(deficient_below=180, normal_above=350, source="NICE NG239"),),
)


# --- B12, default thresholds: < 200 deficient, 200-300 borderline inclusive, > 300 normal -----


@pytest.mark.parametrize(
    ("value", "band"),
    [
        ("1", Band.DEFICIENT),
        ("199.99", Band.DEFICIENT),
        ("199.9999", Band.DEFICIENT),
        ("200", Band.BORDERLINE),  # the deficiency cutoff itself is borderline
        ("250", Band.BORDERLINE),
        ("300", Band.BORDERLINE),  # the top of the borderline zone is inclusive
        ("300.0001", Band.NORMAL),
        ("300.01", Band.NORMAL),
        ("2000", Band.NORMAL),
    ],
)
def test_b12_default_band(value, band):
    assert interpret("b12", D(value)).band is band


def test_b12_reason_names_value_cutoff_and_source():
    reason = interpret("b12", D("199.99")).reason
    assert all(part in reason for part in ("199.99 pg/mL", "200 pg/mL", "DOMAIN.md §2"))


def test_default_threshold_set_is_named_in_interpretation():
    assert interpret("b12", D(250)).threshold_set == DEFAULT_THRESHOLDS.name


# --- B12 with a clinic's NICE thresholds: < 180 deficient, 180-350 indeterminate -------------


@pytest.mark.parametrize(
    ("value", "band"),
    [
        ("179.99", Band.DEFICIENT),
        ("180", Band.BORDERLINE),
        ("199", Band.BORDERLINE),
        ("350", Band.BORDERLINE),
        ("350.01", Band.NORMAL),
    ],
)
def test_b12_band_with_clinic_nice_thresholds(value, band):
    assert interpret("b12", D(value), thresholds=NICE).band is band


def test_clinic_threshold_set_name_is_reported():
    assert interpret("b12", D(250), thresholds=NICE).threshold_set == "Clinic X (NICE NG239)"


def test_analyte_missing_from_clinic_set_falls_back_to_default_set():
    assert interpret("ferritin", D(25), thresholds=NICE).threshold_set == DEFAULT_THRESHOLDS.name


# --- other analytes: low | normal | high, with flags -----------------------------------------


@pytest.mark.parametrize(
    ("analyte", "value", "band", "flags"),
    [
        # MMA: elevated above 400 nmol/L (0.40 umol/L)
        ("mma", "400", Band.NORMAL, ()),
        ("mma", "400.01", Band.HIGH, (Flag.ELEVATED,)),
        # holoTC: < 25 low; 25-70 indeterminate; > 70 normal
        ("holotc", "24.99", Band.LOW, ()),
        ("holotc", "25", Band.NORMAL, (Flag.INDETERMINATE,)),
        ("holotc", "70", Band.NORMAL, (Flag.INDETERMINATE,)),
        ("holotc", "70.01", Band.NORMAL, ()),
        # homocysteine: raised above 15
        ("homocysteine", "15", Band.NORMAL, ()),
        ("homocysteine", "15.01", Band.HIGH, (Flag.RAISED,)),
        # folate: < 3 ng/mL deficient
        ("folate", "2.99", Band.LOW, (Flag.HAIR_LOSS_CAUSE_TO_RULE_OUT,)),
        ("folate", "3", Band.NORMAL, ()),
        # ferritin: < 30 cause to rule out; 30-40 suboptimal
        ("ferritin", "29.99", Band.LOW, (Flag.HAIR_LOSS_CAUSE_TO_RULE_OUT,)),
        ("ferritin", "30", Band.NORMAL, (Flag.SUBOPTIMAL,)),
        ("ferritin", "40", Band.NORMAL, (Flag.SUBOPTIMAL,)),
        ("ferritin", "40.01", Band.NORMAL, ()),
        # TSH: outside 0.4-4.5 thyroid dysfunction to rule out
        ("tsh", "0.39", Band.LOW, (Flag.THYROID_DYSFUNCTION_TO_RULE_OUT,)),
        ("tsh", "0.4", Band.NORMAL, ()),
        ("tsh", "4.5", Band.NORMAL, ()),
        ("tsh", "4.51", Band.HIGH, (Flag.THYROID_DYSFUNCTION_TO_RULE_OUT,)),
        # MCV: macrocytosis above 100 fL; microcytosis below 80 fL
        ("mcv", "79.9", Band.LOW, (Flag.MICROCYTOSIS,)),
        ("mcv", "80", Band.NORMAL, ()),
        ("mcv", "100", Band.NORMAL, ()),
        ("mcv", "100.01", Band.HIGH, (Flag.MACROCYTOSIS,)),
    ],
)
def test_band_and_flags_at_and_around_each_cutoff(analyte, value, band, flags):
    result = interpret(analyte, D(value))
    assert (result.band, result.flags) == (band, flags)


@pytest.mark.parametrize(
    ("sex", "value", "band"),
    [
        (Sex.FEMALE, "11.99", Band.LOW),
        (Sex.FEMALE, "12", Band.NORMAL),
        (Sex.MALE, "12.99", Band.LOW),
        (Sex.MALE, "13", Band.NORMAL),
        (None, "11.99", Band.LOW),
        (None, "12.5", Band.NORMAL),  # sex unknown: the women's cutoff
    ],
)
def test_haemoglobin_band_uses_sex_specific_cutoff(sex, value, band):
    result = interpret("haemoglobin", D(value), context=InterpretationContext(sex=sex))
    assert result.band is band


def test_low_haemoglobin_is_flagged_anaemia():
    assert interpret("haemoglobin", D("10")).flags == (Flag.ANAEMIA,)


def test_raised_mma_with_recorded_kidney_impairment_carries_kidney_flag():
    ctx = InterpretationContext(kidney_impairment=True)
    assert Flag.KIDNEY_IMPAIRMENT_RAISES_MMA in interpret("mma", D(500), context=ctx).flags


def test_raised_mma_reason_mentions_kidney_impairment():
    assert "Kidney impairment" in interpret("mma", D(500)).reason


def test_clinic_ferritin_cutoff_moves_the_flag():
    clinic = ThresholdSet("Clinic Y", (AnalyteThresholds("ferritin", low_cutoff=D(15)),))
    assert interpret("ferritin", D(20), thresholds=clinic).flags == ()


def test_interpret_unknown_analyte_raises_error_naming_analyte():
    with pytest.raises(ClinicalValidationError) as caught:
        interpret("vitamin_c", D(1))
    assert caught.value.field == "analyte"


def test_interpret_negative_value_raises_error_naming_value():
    with pytest.raises(ClinicalValidationError) as caught:
        interpret("b12", D("-1"))
    assert caught.value.field == "value"


# --- threshold validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"analyte": "ferritin"}, "low_cutoff"),  # no cutoff at all
        ({"analyte": "ferritin", "low_cutoff": D(-1)}, "low_cutoff"),
        ({"analyte": "ferritin", "low_cutoff": D(40), "normal_above": D(30)}, "normal_above"),
        ({"analyte": "tsh", "low_cutoff": D(5), "high_cutoff": D(4)}, "high_cutoff"),
        ({"analyte": "b12", "low_cutoff": D(200), "high_cutoff": D(900)}, "high_cutoff"),
        ({"analyte": "nonsense", "low_cutoff": D(1)}, "analyte"),
    ],
)
def test_inconsistent_thresholds_raise_error_naming_field(kwargs, field):
    with pytest.raises(ClinicalValidationError) as caught:
        AnalyteThresholds(**kwargs)
    assert caught.value.field == field


def test_threshold_set_refuses_two_entries_for_one_analyte():
    entry = AnalyteThresholds("ferritin", low_cutoff=D(30))
    with pytest.raises(ClinicalValidationError):
        ThresholdSet("dup", (entry, entry))


def test_b12_thresholds_expose_deficient_below():
    assert AnalyteThresholds.for_b12(deficient_below=180).deficient_below == D(180)


# --- combined B12 / MMA status --------------------------------------------------------------


@pytest.mark.parametrize(
    ("b12_band", "mma", "status"),
    [
        (Band.BORDERLINE, D("400.01"), Band.DEFICIENT),  # raised MMA confirms deficiency
        (Band.BORDERLINE, D("400"), Band.BORDERLINE),  # 400 is not above the cutoff
        (Band.DEFICIENT, D("500"), Band.DEFICIENT),
        (Band.DEFICIENT, D("200"), Band.DEFICIENT),  # normal MMA does not overrule low B12
        (Band.NORMAL, D("200"), Band.NORMAL),
        (Band.NORMAL, D("500"), Band.BORDERLINE),  # discordant: review
        (Band.BORDERLINE, None, Band.BORDERLINE),
    ],
)
def test_b12_status_combines_b12_band_with_mma(b12_band, mma, status):
    assert b12_status(b12_band, mma).status is status


def test_raised_mma_with_kidney_impairment_does_not_confirm_deficiency():
    ctx = InterpretationContext(kidney_impairment=True)
    assert b12_status("borderline", D(600), context=ctx).status is Band.BORDERLINE


def test_b12_status_reason_mentions_kidney_caveat_when_renal_function_unknown():
    assert "Kidney impairment" in b12_status("borderline", D(600)).reason


def test_b12_status_uses_clinic_mma_cutoff():
    clinic = ThresholdSet("Clinic Z", (AnalyteThresholds("mma", high_cutoff=D(270)),))
    assert b12_status("borderline", D(300), thresholds=clinic).status is Band.DEFICIENT


def test_b12_status_refuses_non_b12_band():
    with pytest.raises(ClinicalValidationError) as caught:
        b12_status("high", D(300))
    assert caught.value.field == "b12_band"

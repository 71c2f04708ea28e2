from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from labs.analytes import CATALOGUE, Analyte, analyte_for_loinc, get_analyte
from labs.errors import ClinicalValidationError
from labs.units import (
    from_canonical,
    normalise_result,
    resolve_unit,
    to_canonical,
    ucum_code,
    validate_collected_at,
    validate_plausible,
)

D = Decimal


# --- catalogue ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("analyte", "loinc", "unit"),
    [
        ("b12", "2132-9", "pg/mL"),
        ("mma", "13964-2", "nmol/L"),
        ("holotc", None, "pmol/L"),
        ("homocysteine", "13965-9", "umol/L"),
        ("folate", "2284-8", "ng/mL"),
        ("ferritin", "2276-4", "ng/mL"),
        ("tsh", "3016-3", "m[IU]/L"),
        ("haemoglobin", "718-7", "g/dL"),
        ("mcv", "787-2", "fL"),
    ],
)
def test_catalogue_gives_loinc_and_canonical_unit(analyte, loinc, unit):
    spec = get_analyte(analyte)
    assert (spec.loinc, spec.canonical_unit.code) == (loinc, unit)


def test_every_analyte_code_has_a_catalogue_entry():
    assert set(CATALOGUE) == set(Analyte)


def test_analyte_code_lookup_ignores_case_and_spaces():
    assert get_analyte(" B12 ").analyte is Analyte.B12


def test_unknown_analyte_raises_error_naming_analyte():
    with pytest.raises(ClinicalValidationError) as caught:
        get_analyte("vitamin_c")
    assert (caught.value.field, caught.value.code) == ("analyte", "unknown_analyte")


def test_loinc_code_maps_back_to_analyte():
    assert analyte_for_loinc("2132-9") is Analyte.B12


def test_unknown_loinc_code_maps_to_none():
    assert analyte_for_loinc("0000-0") is None


# --- unit resolution ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("analyte", "spelling", "code"),
    [
        ("b12", "pg/ml", "pg/mL"),
        ("b12", " PMOL / L ", "pmol/L"),
        ("b12", "ng/L", "ng/L"),
        ("mma", "µmol/L", "umol/L"),
        ("mma", "μmol/l", "umol/L"),
        ("tsh", "mIU/L", "m[IU]/L"),
        ("tsh", "uIU/mL", "u[IU]/mL"),
        ("tsh", "µIU/mL", "u[IU]/mL"),
        ("ferritin", "µg/L", "ug/L"),
        ("homocysteine", "µmol/L", "umol/L"),
        ("mcv", "fl", "fL"),
    ],
)
def test_unit_spellings_resolve_to_catalogue_unit(analyte, spelling, code):
    assert resolve_unit(analyte, spelling).code == code


@pytest.mark.parametrize(
    ("analyte", "unit", "ucum"),
    [("tsh", "mIU/L", "m[IU]/L"), ("tsh", "uIU/mL", "u[IU]/mL"), ("mma", "µmol/L", "umol/L")],
)
def test_ucum_code_of_a_lab_spelling(analyte, unit, ucum):
    assert ucum_code(analyte, unit) == ucum


@pytest.mark.parametrize(
    ("analyte", "unit"),
    [("ferritin", "pmol/L"), ("b12", "nmol/L"), ("haemoglobin", "mmol/L"), ("b12", "")],
)
def test_unit_not_belonging_to_analyte_raises_error_naming_unit(analyte, unit):
    with pytest.raises(ClinicalValidationError) as caught:
        resolve_unit(analyte, unit)
    assert (caught.value.field, caught.value.code) == ("unit", "unit_not_accepted")


# --- conversion -----------------------------------------------------------------------------


def test_b12_pmol_per_l_converts_to_pg_per_ml_by_dividing_by_0_738():
    assert to_canonical("b12", D("147.6"), "pmol/L") == D("200.0000")


def test_b12_pg_per_ml_converts_to_pmol_per_l_by_multiplying_by_0_738():
    assert from_canonical("b12", D("200"), "pmol/L") == D("147.6000")


def test_b12_canonical_value_is_quantized_to_four_places_half_even():
    # 150 / 0.738 = 203.25203252...
    assert to_canonical("b12", D("150"), "pmol/L") == D("203.2520")


def test_b12_ng_per_l_equals_pg_per_ml():
    assert to_canonical("b12", D("250"), "ng/L") == D("250.0000")


def test_mma_umol_per_l_converts_to_nmol_per_l_times_1000():
    assert to_canonical("mma", D("0.40"), "umol/L") == D("400.0000")


def test_mma_nmol_per_l_converts_to_umol_per_l_exactly():
    assert from_canonical("mma", D("123.4567"), "umol/L") == D("0.1234567")


def test_folate_nmol_per_l_converts_by_2_266():
    assert to_canonical("folate", D("6.798"), "nmol/L") == D("3.0000")


def test_tsh_uiu_per_ml_equals_miu_per_l():
    assert to_canonical("tsh", D("2.5"), "uIU/mL") == D("2.5000")


def test_haemoglobin_g_per_l_converts_to_g_per_dl():
    assert to_canonical("haemoglobin", D("135"), "g/L") == D("13.5000")


def test_conversion_accepts_int_and_numeric_string():
    assert to_canonical("b12", 250, "pg/mL") == to_canonical("b12", "250", "pg/mL")


def test_conversion_refuses_float():
    with pytest.raises(TypeError):
        to_canonical("b12", 250.0, "pg/mL")


@pytest.mark.parametrize("value", [D("NaN"), D("Infinity"), "abc"])
def test_non_finite_or_non_numeric_value_raises_error_naming_value(value):
    with pytest.raises(ClinicalValidationError) as caught:
        to_canonical("b12", value, "pg/mL")
    assert caught.value.field == "value"


_ROUND_TRIP_VALUES = ["0.001", "1", "7.5", "147.6", "150", "199.99", "1234.5678", "9999.9999"]


@pytest.mark.parametrize(
    ("analyte", "unit"),
    [(spec.analyte, unit.code) for spec in CATALOGUE.values() for unit in spec.units],
)
@pytest.mark.parametrize("raw", _ROUND_TRIP_VALUES)
def test_round_trip_through_canonical_keeps_value_reported_to_unit_places(analyte, unit, raw):
    places = resolve_unit(analyte, unit).places
    value = D(raw).quantize(D(1).scaleb(-places))
    assert from_canonical(analyte, to_canonical(analyte, value, unit), unit) == value


def test_round_trip_pmol_per_l_to_pg_per_ml_and_back_is_exact_at_four_places():
    value = D("150.1234")
    assert from_canonical("b12", to_canonical("b12", value, "pmol/L"), "pmol/L") == value


# --- plausibility ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("analyte", "value"),
    [
        ("b12", D("-1")),
        ("b12", D("0")),
        ("b12", D("10000.0001")),
        ("mma", D("100001")),
        ("ferritin", D("100001")),
        ("tsh", D("500.01")),
        ("haemoglobin", D("1.99")),
        ("haemoglobin", D("25.01")),
        ("mcv", D("39.9")),
        ("mcv", D("160.1")),
    ],
)
def test_impossible_value_raises_error_naming_value(analyte, value):
    with pytest.raises(ClinicalValidationError) as caught:
        validate_plausible(analyte, value)
    assert (caught.value.field, caught.value.code) == ("value", "implausible_value")


@pytest.mark.parametrize(
    ("analyte", "value"),
    [
        ("b12", D("10000")),  # supplemented patients can read very high
        ("b12", D("0.01")),
        ("haemoglobin", D("2")),
        ("haemoglobin", D("25")),
        ("mcv", D("40")),
        ("mcv", D("160")),
    ],
)
def test_value_at_plausibility_bound_is_accepted(analyte, value):
    assert validate_plausible(analyte, value) == value


def test_normalise_result_converts_and_names_units():
    result = normalise_result("mma", D("0.45"), "µmol/L")
    assert (result.canonical_value, result.canonical_unit, result.unit, result.loinc) == (
        D("450.0000"),
        "nmol/L",
        "umol/L",
        "13964-2",
    )


def test_normalise_result_message_shows_reported_unit_when_implausible():
    with pytest.raises(ClinicalValidationError) as caught:
        normalise_result("b12", D("8000"), "pmol/L")  # 10840 pg/mL
    assert "8000 pmol/L" in caught.value.message


def test_normalise_result_rejects_negative_value():
    with pytest.raises(ClinicalValidationError) as caught:
        normalise_result("ferritin", D("-5"), "ng/mL")
    assert caught.value.field == "value"


# --- collection date ------------------------------------------------------------------------

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_collection_datetime_in_the_past_is_returned_unchanged():
    collected = NOW - timedelta(days=1)
    assert validate_collected_at(collected, now=NOW) is collected


def test_collection_datetime_in_the_future_raises_error_naming_collected_at():
    with pytest.raises(ClinicalValidationError) as caught:
        validate_collected_at(NOW + timedelta(hours=1), now=NOW)
    assert (caught.value.field, caught.value.code) == ("collected_at", "in_future")


def test_collection_datetime_a_few_minutes_ahead_is_accepted_as_clock_skew():
    collected = NOW + timedelta(minutes=4)
    assert validate_collected_at(collected, now=NOW) == collected


def test_collection_date_today_is_accepted():
    assert validate_collected_at(date(2026, 3, 10), now=NOW) == date(2026, 3, 10)


def test_collection_date_tomorrow_is_rejected():
    with pytest.raises(ClinicalValidationError):
        validate_collected_at(date(2026, 3, 11), now=NOW)


def test_mixing_aware_and_naive_datetimes_is_a_programming_error():
    with pytest.raises(TypeError):
        validate_collected_at(datetime(2026, 3, 9), now=NOW)

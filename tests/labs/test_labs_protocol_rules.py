from datetime import date
from decimal import Decimal

import pytest

from labs.errors import ClinicalValidationError
from labs.protocol_rules import (
    FOLATE_WITHOUT_B12_WARNING,
    CoSupplement,
    Frequency,
    ProtocolKind,
    Route,
    apply_defaults,
    co_supplement_warnings,
    parse_co_supplements,
    protocol_end_date,
    validate_dose,
    validate_protocol,
)

D = Decimal


@pytest.mark.parametrize(
    ("kind", "dose", "route", "frequency", "duration"),
    [
        (ProtocolKind.HIGH_DOSE_ORAL, D(1000), Route.ORAL, Frequency.DAILY, None),
        (ProtocolKind.SUBLINGUAL, D(1000), Route.SUBLINGUAL, Frequency.DAILY, None),
        (ProtocolKind.LOADING_IM, D(1000), Route.INTRAMUSCULAR, Frequency.EVERY_OTHER_DAY, 14),
        (ProtocolKind.MAINTENANCE_IM, D(1000), Route.INTRAMUSCULAR, Frequency.MONTHLY, None),
        (ProtocolKind.DIETARY_CORRECTION, None, Route.DIET, Frequency.NONE, None),
        (ProtocolKind.MAINTENANCE_ORAL, D(500), Route.ORAL, Frequency.DAILY, None),
    ],
)
def test_apply_defaults_gives_domain_defaults(kind, dose, route, frequency, duration):
    plan = apply_defaults(kind)
    assert (plan.dose_mcg, plan.route, plan.frequency, plan.duration_days) == (
        dose,
        route,
        frequency,
        duration,
    )


def test_apply_defaults_uses_overrides():
    plan = apply_defaults("loading_im", frequency="three_times_weekly")
    assert plan.frequency is Frequency.THREE_TIMES_WEEKLY


def test_apply_defaults_treats_none_override_as_not_given():
    assert apply_defaults("high_dose_oral", dose_mcg=None).dose_mcg == D(1000)


def test_apply_defaults_rejects_unknown_override_keyword():
    with pytest.raises(TypeError):
        apply_defaults("high_dose_oral", colour="red")


def test_apply_defaults_returns_advisory_for_unusual_dose():
    assert apply_defaults("maintenance_oral", dose_mcg=1000).warnings


def test_unknown_protocol_kind_raises_error_naming_kind():
    with pytest.raises(ClinicalValidationError) as caught:
        apply_defaults("megadose")
    assert caught.value.field == "kind"


@pytest.mark.parametrize(
    ("kind", "route", "dose"),
    [
        ("high_dose_oral", "oral", D(1)),
        ("high_dose_oral", "oral", D(5000)),
        ("high_dose_oral", "sublingual", D(2000)),
        ("loading_im", "intramuscular", D(100)),
        ("maintenance_im", "intramuscular", D(2000)),
        ("maintenance_oral", "oral", D(250)),
    ],
)
def test_dose_within_route_limits_is_accepted(kind, route, dose):
    validate_dose(kind, route, dose)


@pytest.mark.parametrize(
    ("kind", "route", "dose"),
    [
        ("high_dose_oral", "oral", D("0.5")),
        ("high_dose_oral", "oral", D(5001)),
        ("sublingual", "sublingual", D(0)),
        ("loading_im", "intramuscular", D(99)),
        ("loading_im", "intramuscular", D(2001)),
        ("maintenance_im", "intramuscular", D(10000)),
        ("maintenance_oral", "oral", D(-250)),
    ],
)
def test_dose_outside_route_limits_raises_error_naming_dose(kind, route, dose):
    with pytest.raises(ClinicalValidationError) as caught:
        validate_dose(kind, route, dose)
    assert (caught.value.field, caught.value.code) == ("dose_mcg", "dose_out_of_range")


@pytest.mark.parametrize(
    ("kind", "route"),
    [
        ("loading_im", "oral"),
        ("high_dose_oral", "intramuscular"),
        ("dietary_correction", "oral"),
        ("sublingual", "oral"),
    ],
)
def test_route_not_used_by_protocol_raises_error_naming_route(kind, route):
    with pytest.raises(ClinicalValidationError) as caught:
        validate_dose(kind, route, D(1000))
    assert caught.value.field == "route"


def test_dietary_correction_with_a_dose_raises_error_naming_dose():
    with pytest.raises(ClinicalValidationError) as caught:
        validate_dose("dietary_correction", "diet", D(10))
    assert (caught.value.field, caught.value.code) == ("dose_mcg", "no_dose")


def test_dietary_correction_without_dose_is_accepted():
    assert validate_dose("dietary_correction", "diet", None) == []


def test_missing_dose_for_injection_raises_error_naming_dose():
    with pytest.raises(ClinicalValidationError) as caught:
        validate_dose("maintenance_im", "intramuscular", None)
    assert (caught.value.field, caught.value.code) == ("dose_mcg", "required")


@pytest.mark.parametrize(
    ("kind", "route", "dose"),
    [
        ("high_dose_oral", "oral", D(500)),
        ("loading_im", "intramuscular", D(500)),
        ("maintenance_oral", "oral", D(1000)),
    ],
)
def test_dose_outside_usual_protocol_range_returns_advisory(kind, route, dose):
    assert len(validate_dose(kind, route, dose)) == 1


@pytest.mark.parametrize(
    ("route", "frequency"),
    [("oral", "monthly"), ("intramuscular", "daily"), ("diet", "daily")],
)
def test_frequency_impossible_for_route_raises_error_naming_frequency(route, frequency):
    kind = {
        "oral": "high_dose_oral",
        "intramuscular": "maintenance_im",
        "diet": "dietary_correction",
    }
    dose = None if route == "diet" else D(1000)
    with pytest.raises(ClinicalValidationError) as caught:
        validate_protocol(
            kind[route], route=route, dose_mcg=dose, frequency=frequency, duration_days=None
        )
    assert caught.value.field == "frequency"


def test_nice_three_monthly_maintenance_is_accepted_without_advisory():
    warnings = validate_protocol(
        "maintenance_im",
        route="intramuscular",
        dose_mcg=D(1000),
        frequency="every_3_months",
        duration_days=None,
    )
    assert warnings == []


def test_unusual_frequency_for_protocol_returns_advisory():
    warnings = validate_protocol(
        "loading_im",
        route="intramuscular",
        dose_mcg=D(1000),
        frequency="weekly",
        duration_days=14,
    )
    assert len(warnings) == 1


@pytest.mark.parametrize("duration", [0, -1, 3651])
def test_duration_out_of_range_raises_error_naming_duration(duration):
    with pytest.raises(ClinicalValidationError) as caught:
        validate_protocol(
            "loading_im",
            route="intramuscular",
            dose_mcg=D(1000),
            frequency="every_other_day",
            duration_days=duration,
        )
    assert caught.value.field == "duration_days"


def test_two_week_loading_course_ends_on_day_fourteen():
    assert protocol_end_date(date(2026, 1, 1), 14) == date(2026, 1, 14)


def test_open_ended_protocol_has_no_end_date():
    assert protocol_end_date(date(2026, 1, 1), None) is None


# --- co-supplements -------------------------------------------------------------------------


def test_folate_without_b12_protocol_warns_never_folate_alone():
    assert co_supplement_warnings(["folate"], b12_kinds=[]) == [FOLATE_WITHOUT_B12_WARNING]


def test_folate_with_only_dietary_correction_warns():
    assert co_supplement_warnings(["folate"], b12_kinds=["dietary_correction"])


def test_folate_with_b12_replacement_does_not_warn():
    assert co_supplement_warnings(["folate", "iron"], b12_kinds=["high_dose_oral"]) == []


def test_iron_without_b12_protocol_does_not_warn():
    assert co_supplement_warnings(["iron"], b12_kinds=[]) == []


def test_co_supplements_are_parsed_and_deduplicated():
    assert parse_co_supplements(["Iron", "folate", "iron"]) == (
        CoSupplement.IRON,
        CoSupplement.FOLATE,
    )


def test_unknown_co_supplement_raises_error_naming_field():
    with pytest.raises(ClinicalValidationError) as caught:
        parse_co_supplements(["magic"])
    assert caught.value.field == "co_supplements"

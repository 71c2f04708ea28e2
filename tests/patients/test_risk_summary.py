from datetime import date

from patients.risk import risk_summary
from tests.patients.clinical_builders import patient

TODAY = date(2025, 6, 1)


def codes(summary):
    return [f.code for f in summary.factors]


def test_no_risk_factors_gives_level_none():
    summary = risk_summary(patient(date_of_birth=date(1990, 1, 1)), today=TODAY)
    assert summary.factors == []
    assert summary.level == "none"


def test_metformin_explains_the_absorption_loss_with_its_source():
    summary = risk_summary(patient(metformin=True), today=TODAY)
    (factor,) = summary.factors
    assert factor.code == "metformin"
    assert "10-30 %" in factor.why
    assert "DOMAIN.md §1" in factor.source


def test_age_55_counts_as_over_50_from_seed_004_only():
    summary = risk_summary(patient(date_of_birth=date(1970, 1, 1)), today=TODAY)
    assert codes(summary) == ["age_over_50"]
    assert "seed 004" in summary.factors[0].source


def test_age_exactly_50_is_not_over_50():
    summary = risk_summary(patient(date_of_birth=date(1975, 6, 1)), today=TODAY)
    assert codes(summary) == []


def test_age_60_counts_once_as_60_or_older_citing_both_seeds():
    summary = risk_summary(patient(date_of_birth=date(1965, 6, 1)), today=TODAY)
    assert codes(summary) == ["age_60_or_older"]
    why = summary.factors[0].why.lower()
    assert "seed 000" in why and "seed 004" in why


def test_unknown_date_of_birth_is_noted_not_guessed():
    summary = risk_summary(patient(), today=TODAY)
    assert summary.factors == []
    assert any("Date of birth" in note for note in summary.notes)


def test_vegan_and_vegetarian_diets_are_factors():
    assert codes(risk_summary(patient(diet="vegan"), today=TODAY)) == ["vegan"]
    assert codes(risk_summary(patient(diet="vegetarian"), today=TODAY)) == ["vegetarian"]


def test_every_medication_and_condition_is_reported():
    flags = dict.fromkeys(
        [
            "metformin",
            "proton_pump_inhibitor",
            "h2_blocker",
            "atrophic_gastritis",
            "pernicious_anaemia",
            "crohns_or_coeliac",
            "autoimmune_disease",
            "gastric_surgery",
            "heavy_alcohol_use",
        ],
        True,
    )
    summary = risk_summary(patient(**flags), today=TODAY)
    assert set(codes(summary)) == set(flags)
    assert all(f.why and f.source for f in summary.factors)


def test_single_minor_factor_is_low():
    assert risk_summary(patient(heavy_alcohol_use=True), today=TODAY).level == "low"


def test_vegan_is_elevated():
    assert risk_summary(patient(diet="vegan"), today=TODAY).level == "elevated"


def test_pernicious_anaemia_alone_is_high():
    assert risk_summary(patient(pernicious_anaemia=True), today=TODAY).level == "high"


def test_older_vegan_on_metformin_is_high():
    facts = patient(diet="vegan", metformin=True, date_of_birth=date(1960, 1, 1))
    assert risk_summary(facts, today=TODAY).level == "high"

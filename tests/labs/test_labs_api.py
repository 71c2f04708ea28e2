"""Lab results through the API: interpretation, clinic thresholds, units, bad input, roles."""

from decimal import Decimal

import pytest

from labs.models import LabResult
from tests.labs.factories import ClinicThresholdFactory, LabResultFactory
from tests.labs.helpers import (
    THRESHOLDS_URL,
    at,
    days_ago,
    error_attrs,
    lab,
    lab_url,
    labs_url,
)

pytestmark = pytest.mark.django_db


def test_a_clinician_records_a_b12_result_and_gets_the_deficient_band_of_the_default_set(cast, api):
    response = api(cast.clinician_a).post(labs_url(cast.patient_a), lab(value="150"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["loinc"] == "2132-9"
    assert body["canonical_value"] == "150"
    assert body["canonical_unit"] == "pg/mL"
    assert body["interpretation"]["band"] == "deficient"
    assert body["interpretation"]["threshold_set"] == "trichotrack default (DOMAIN.md §2)"
    assert body["source"] == "manual"


@pytest.mark.parametrize(
    ("value", "band"),
    [("199.99", "deficient"), ("200", "borderline"), ("300", "borderline"), ("300.01", "normal")],
)
def test_b12_bands_at_and_around_the_default_cutoffs_through_the_api(cast, api, value, band):
    response = api(cast.clinician_a).post(labs_url(cast.patient_a), lab(value=value))
    assert response.json()["interpretation"]["band"] == band


def test_clinic_thresholds_change_the_band_and_name_the_clinic_set(cast, api):
    ClinicThresholdFactory(clinic=cast.clinic_a, low_cutoff=Decimal(180), normal_above=350)
    body = api(cast.clinician_a).post(labs_url(cast.patient_a), lab(value="190")).json()
    assert body["interpretation"]["band"] == "borderline"  # deficient under the defaults
    assert body["interpretation"]["threshold_set"] == "Clinic A (clinic thresholds)"
    assert "NICE NG239" in body["interpretation"]["reason"]


def test_another_clinics_thresholds_do_not_change_this_clinics_band(cast, api):
    ClinicThresholdFactory(clinic=cast.clinic_b, low_cutoff=Decimal(180), normal_above=350)
    body = api(cast.clinician_a).post(labs_url(cast.patient_a), lab(value="190")).json()
    assert body["interpretation"]["band"] == "deficient"


def test_b12_in_pmol_per_l_is_stored_as_reported_and_converted_exactly_to_pg_per_ml(cast, api):
    body = api(cast.clinician_a).post(labs_url(cast.patient_a), lab(value="147.6", unit="pmol/L"))
    assert body.json()["value"] == "147.6"
    assert body.json()["unit"] == "pmol/L"
    assert body.json()["canonical_value"] == "200"  # 147.6 / 0.738
    assert body.json()["interpretation"]["band"] == "borderline"


def test_mma_in_umol_per_l_is_converted_to_nmol_per_l_and_flagged_elevated(cast, api):
    body = (
        api(cast.clinician_a)
        .post(labs_url(cast.patient_a), lab(analyte="mma", value="0.41", unit="µmol/L"))
        .json()
    )
    assert (body["unit"], body["canonical_value"], body["canonical_unit"]) == (
        "umol/L",
        "410",
        "nmol/L",
    )
    assert body["interpretation"]["band"] == "high"
    assert body["interpretation"]["flags"] == ["elevated"]


def test_a_value_converted_to_canonical_and_back_is_the_reported_value(cast, api):
    from labs.units import from_canonical

    body = (
        api(cast.clinician_a)
        .post(labs_url(cast.patient_a), lab(analyte="folate", value="6.8", unit="nmol/L"))
        .json()
    )
    assert body["canonical_value"] == "3.0009"
    assert from_canonical("folate", Decimal(body["canonical_value"]), "nmol/L") == Decimal("6.800")


def test_borderline_b12_with_raised_mma_within_two_weeks_reads_deficient(cast, api):
    client = api(cast.clinician_a)
    client.post(
        labs_url(cast.patient_a),
        lab(analyte="mma", value="520", unit="nmol/L", collected_at=days_ago(20)),
    )
    body = client.post(labs_url(cast.patient_a), lab(value="250", collected_at=days_ago(10)))
    status = body.json()["b12_status"]
    assert body.json()["interpretation"]["band"] == "borderline"
    assert status["status"] == "deficient"
    assert "confirms functional B12 deficiency" in status["reason"]


def test_an_mma_result_more_than_two_weeks_away_is_not_paired_with_b12(cast, api):
    client = api(cast.clinician_a)
    client.post(
        labs_url(cast.patient_a),
        lab(analyte="mma", value="520", unit="nmol/L", collected_at=days_ago(30)),
    )
    body = client.post(labs_url(cast.patient_a), lab(value="250", collected_at=days_ago(10)))
    assert body.json()["b12_status"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (lab(analyte="vitamin_q"), "analyte"),
        (lab(unit="mg/dL"), "unit"),
        (lab(analyte="ferritin", unit="pmol/L"), "unit"),
        (lab(value="-5"), "value"),
        (lab(value="0"), "value"),
        (lab(value="250000"), "value"),  # B12 of 250 000 pg/mL: a unit slip
        (lab(analyte="haemoglobin", value="135", unit="g/dL"), "value"),  # g/L typed as g/dL
        (lab(value="abc"), "value"),
        (lab(value=["1"]), "value"),
        (lab(collected_at="2999-01-01T00:00:00Z"), "collected_at"),
        (lab(collected_at="yesterday"), "collected_at"),
        (lab(reference_low="300", reference_high="200"), "reference_high"),
        (lab(reference_low="-1"), "reference_low"),
        ({}, "analyte"),
    ],
)
def test_bad_lab_input_is_a_400_naming_the_field_and_saves_nothing(cast, api, payload, field):
    response = api(cast.clinician_a).post(labs_url(cast.patient_a), payload, format="json")
    assert response.status_code == 400, response.content
    assert field in error_attrs(response)
    assert not LabResult.objects.exists()


def test_a_future_collection_time_is_refused(cast, api):
    response = api(cast.clinician_a).post(labs_url(cast.patient_a), lab(collected_at=days_ago(-1)))
    assert response.status_code == 400
    assert error_attrs(response) == {"collected_at"}


def test_the_same_result_entered_twice_is_a_400_and_stored_once(cast, api):
    client = api(cast.clinician_a)
    assert client.post(labs_url(cast.patient_a), lab()).status_code == 201
    assert client.post(labs_url(cast.patient_a), lab(value="150.0")).status_code == 400
    assert LabResult.objects.count() == 1


def test_patching_the_unit_reconverts_the_canonical_value(cast, api):
    result = LabResultFactory(patient=cast.patient_a, value=Decimal("221.4"), unit="pg/mL")
    response = api(cast.clinician_a).patch(lab_url(result.pk), {"unit": "pmol/L"})
    assert response.status_code == 200, response.content
    assert response.json()["canonical_value"] == "300"


def test_a_bad_patch_is_a_400_and_leaves_the_result_unchanged(cast, api):
    result = LabResultFactory(patient=cast.patient_a)
    response = api(cast.clinician_a).patch(lab_url(result.pk), {"unit": "g/dL"})
    assert response.status_code == 400
    assert error_attrs(response) == {"unit"}
    result.refresh_from_db()
    assert result.unit == "pg/mL"


def test_staff_may_record_a_lab_result(cast, api):
    assert api(cast.staff_a).post(labs_url(cast.patient_a), lab()).status_code == 201


def test_staff_may_not_delete_a_lab_result(cast, api):
    result = LabResultFactory(patient=cast.patient_a)
    assert api(cast.staff_a).delete(lab_url(result.pk)).status_code == 403
    assert api(cast.clinician_a).delete(lab_url(result.pk)).status_code == 204


def test_a_patient_reads_their_own_results_but_cannot_record_one(cast, api):
    LabResultFactory(patient=cast.patient_a)
    client = api(cast.patient_user_a)
    assert client.get(labs_url(cast.patient_a)).json()["count"] == 1
    assert client.post(labs_url(cast.patient_a), lab()).status_code == 403


def test_another_clinics_clinician_gets_a_404_for_a_result(cast, api):
    result = LabResultFactory(patient=cast.patient_a)
    assert api(cast.clinician_b).get(lab_url(result.pk)).status_code == 404


def test_the_list_is_filtered_by_analyte(cast, api):
    LabResultFactory(patient=cast.patient_a)
    LabResultFactory(patient=cast.patient_a, analyte="ferritin", value=Decimal(20), unit="ng/mL")
    body = api(cast.clinician_a).get(labs_url(cast.patient_a), {"analyte": "ferritin"}).json()
    assert [r["analyte"] for r in body["results"]] == ["ferritin"]
    assert body["results"][0]["interpretation"]["flags"] == ["hair_loss_cause_to_rule_out"]


def test_a_clinic_admin_sets_nice_b12_thresholds_and_the_team_reads_them(cast, api):
    payload = {
        "thresholds": [
            {"analyte": "b12", "low_cutoff": "180", "normal_above": "350", "source": "NICE NG239"}
        ]
    }
    response = api(cast.admin_a).put(THRESHOLDS_URL, payload, format="json")
    assert response.status_code == 200, response.content
    rows = api(cast.staff_a).get(THRESHOLDS_URL).json()["thresholds"]
    b12 = next(r for r in rows if r["analyte"] == "b12")
    assert (b12["low_cutoff"], b12["normal_above"], b12["origin"]) == ("180", "350", "clinic")
    ferritin = next(r for r in rows if r["analyte"] == "ferritin")
    assert ferritin["origin"] == "default"


def test_a_clinician_may_not_set_thresholds(cast, api):
    payload = {"thresholds": [{"analyte": "b12", "low_cutoff": "180", "normal_above": "350"}]}
    assert api(cast.clinician_a).put(THRESHOLDS_URL, payload, format="json").status_code == 403


def test_inconsistent_thresholds_are_a_400_naming_the_entry_and_field(cast, api):
    payload = {"thresholds": [{"analyte": "b12", "low_cutoff": "350", "normal_above": "180"}]}
    response = api(cast.admin_a).put(THRESHOLDS_URL, payload, format="json")
    assert response.status_code == 400
    assert error_attrs(response) == {"thresholds.0.normal_above"}


def test_collected_at_is_returned_as_stored(cast, api):
    body = api(cast.clinician_a).post(labs_url(cast.patient_a), lab()).json()
    assert at(body["collected_at"].replace("Z", "")) == at("2025-01-15T08:30:00")

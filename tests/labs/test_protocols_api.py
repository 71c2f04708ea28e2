"""Protocols and dose logs through the API: DOMAIN.md §3 defaults, dose ranges, adherence across
month ends and leap years, patients logging their own doses."""

import pytest

from labs.models import DoseLog, Protocol
from tests.labs.factories import DoseLogFactory, ProtocolFactory
from tests.labs.helpers import doses_url, error_attrs, protocol_url, protocols_url

pytestmark = pytest.mark.django_db


def test_a_loading_protocol_gets_the_domain_defaults(cast, api):
    response = api(cast.clinician_a).post(
        protocols_url(cast.patient_a), {"kind": "loading_im", "start_date": "2025-03-01"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["dose_mcg"], body["route"], body["frequency"]) == (
        "1000",
        "intramuscular",
        "every_other_day",
    )
    assert body["end_date"] == "2025-03-14"  # 2 weeks, inclusive
    assert body["prescriber"] == str(cast.clinician_a.pk)
    assert body["adherence"] == {
        "doses_scheduled_to_date": 7,
        "doses_taken": 0,
        "extra_doses": 0,
        "ratio": "0.0000",
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "high_dose_oral", "dose_mcg": "50000"},
        {"kind": "loading_im", "dose_mcg": "10000"},
        {"kind": "high_dose_oral", "dose_mcg": "-1000"},
        {"kind": "dietary_correction", "dose_mcg": "1000"},
    ],
)
def test_a_dose_outside_the_possible_range_is_a_400_naming_dose_mcg(cast, api, payload):
    response = api(cast.clinician_a).post(
        protocols_url(cast.patient_a), {**payload, "start_date": "2025-03-01"}
    )
    assert response.status_code == 400, response.content
    assert error_attrs(response) == {"dose_mcg"}
    assert not Protocol.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "kind"),
        ({"kind": "megadose", "start_date": "2025-03-01"}, "kind"),
        ({"kind": "loading_im", "start_date": "2025-03-01", "route": "oral"}, "route"),
        (
            {"kind": "high_dose_oral", "start_date": "2025-03-01", "frequency": "monthly"},
            "frequency",
        ),
        (
            {"kind": "high_dose_oral", "start_date": "2025-03-01", "end_date": "2025-02-01"},
            "end_date",
        ),
        ({"kind": "high_dose_oral", "start_date": "1925-03-01"}, "start_date"),
        (
            {"kind": "high_dose_oral", "start_date": "2025-03-01", "co_supplements": ["magic"]},
            "co_supplements.0",
        ),
    ],
)
def test_bad_protocol_input_is_a_400_naming_the_field(cast, api, payload, field):
    response = api(cast.clinician_a).post(protocols_url(cast.patient_a), payload, format="json")
    assert response.status_code == 400, response.content
    assert field in error_attrs(response)
    assert not Protocol.objects.exists()


def test_an_unusual_but_possible_dose_is_saved_with_a_warning(cast, api):
    body = (
        api(cast.clinician_a)
        .post(
            protocols_url(cast.patient_a),
            {"kind": "maintenance_oral", "dose_mcg": "1500", "start_date": "2025-03-01"},
        )
        .json()
    )
    assert any("outside the usual 250-500 mcg" in w for w in body["warnings"])


def test_folate_with_only_dietary_correction_warns_never_folate_alone(cast, api):
    body = (
        api(cast.clinician_a)
        .post(
            protocols_url(cast.patient_a),
            {
                "kind": "dietary_correction",
                "start_date": "2025-03-01",
                "co_supplements": ["folate"],
            },
            format="json",
        )
        .json()
    )
    assert any("never give folate alone" in w for w in body["warnings"])


def test_staff_may_not_prescribe(cast, api):
    response = api(cast.staff_a).post(
        protocols_url(cast.patient_a), {"kind": "loading_im", "start_date": "2025-03-01"}
    )
    assert response.status_code == 403


def test_a_patient_reads_their_protocol_but_may_not_change_it(cast, api):
    protocol = ProtocolFactory(patient=cast.patient_a)
    client = api(cast.patient_user_a)
    assert client.get(protocol_url(protocol.pk)).status_code == 200
    assert client.patch(protocol_url(protocol.pk), {"dose_mcg": "2000"}).status_code == 403


def test_patching_a_dose_out_of_range_is_a_400_and_changes_nothing(cast, api):
    protocol = ProtocolFactory(patient=cast.patient_a)
    response = api(cast.clinician_a).patch(protocol_url(protocol.pk), {"dose_mcg": "9000"})
    assert response.status_code == 400
    assert error_attrs(response) == {"dose_mcg"}
    protocol.refresh_from_db()
    assert protocol.dose_mcg == 1000


def test_a_prescriber_from_another_clinic_is_refused(cast, api):
    response = api(cast.clinician_a).post(
        protocols_url(cast.patient_a),
        {"kind": "loading_im", "start_date": "2025-03-01", "prescriber": str(cast.clinician_b.pk)},
    )
    assert response.status_code == 400
    assert error_attrs(response) == {"prescriber"}


# --- doses and adherence ----------------------------------------------------------------------


def test_a_patient_logs_their_own_dose(cast, api):
    protocol = ProtocolFactory(patient=cast.patient_a)
    response = api(cast.patient_user_a).post(
        doses_url(protocol.pk), {"administered_on": "2025-01-02"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["by_patient"] is True
    assert response.json()["dose_mcg"] == "1000"
    assert DoseLog.objects.get().logged_by == cast.patient_user_a


def test_staff_log_a_dose_not_marked_as_by_the_patient(cast, api):
    protocol = ProtocolFactory(patient=cast.patient_a)
    response = api(cast.staff_a).post(doses_url(protocol.pk), {"administered_on": "2025-01-02"})
    assert response.json()["by_patient"] is False


def test_a_patient_cannot_log_a_dose_on_another_patients_protocol(cast, api):
    protocol = ProtocolFactory(patient=cast.other_patient_a)
    response = api(cast.patient_user_a).post(
        doses_url(protocol.pk), {"administered_on": "2025-01-02"}
    )
    assert response.status_code == 404
    assert not DoseLog.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"administered_on": "2024-12-31"}, "administered_on"),  # before the start
        ({"administered_on": "2999-01-01"}, "administered_on"),
        ({"administered_on": "2025-01-02", "dose_mcg": "90000"}, "dose_mcg"),
        ({}, "administered_on"),
    ],
)
def test_a_bad_dose_is_a_400_naming_the_field(cast, api, payload, field):
    protocol = ProtocolFactory(patient=cast.patient_a)
    response = api(cast.patient_user_a).post(doses_url(protocol.pk), payload, format="json")
    assert response.status_code == 400, response.content
    assert error_attrs(response) == {field}
    assert not DoseLog.objects.exists()


def test_monthly_adherence_counts_month_ends_and_the_leap_day(cast, api):
    client = api(cast.clinician_a)
    protocol = client.post(
        protocols_url(cast.patient_a),
        {"kind": "maintenance_im", "start_date": "2024-01-31", "end_date": "2024-04-30"},
    ).json()
    for day in ("2024-02-29", "2024-03-31"):
        assert client.post(doses_url(protocol["id"]), {"administered_on": day}).status_code == 201
    body = client.get(protocol_url(protocol["id"])).json()
    # Scheduled: Jan 31, Feb 29 (leap year), Mar 31, Apr 30.
    assert body["adherence"] == {
        "doses_scheduled_to_date": 4,
        "doses_taken": 2,
        "extra_doses": 0,
        "ratio": "0.5000",
    }


def test_daily_adherence_over_a_leap_february(cast, api):
    protocol = ProtocolFactory(
        patient=cast.patient_a, start_date="2024-02-01", end_date="2024-03-01"
    )
    for day in range(1, 30):
        DoseLogFactory(protocol=protocol, administered_on=f"2024-02-{day:02d}")
    body = api(cast.clinician_a).get(protocol_url(protocol.pk)).json()
    assert body["adherence"]["doses_scheduled_to_date"] == 30  # 29 February days + March 1
    assert body["adherence"]["doses_taken"] == 29


def test_the_dose_list_shows_a_patient_their_doses(cast, api):
    protocol = ProtocolFactory(patient=cast.patient_a)
    DoseLogFactory(protocol=protocol)
    assert api(cast.patient_user_a).get(doses_url(protocol.pk)).json()["count"] == 1

"""Odd input on every labs route is a 4xx, never a 500."""

import pytest

from tests.labs.factories import LabResultFactory, ProtocolFactory
from tests.labs.helpers import (
    THRESHOLDS_URL,
    WORKLIST_URL,
    doses_url,
    import_url,
    lab_url,
    labs_url,
    protocol_url,
    protocols_url,
)

pytestmark = pytest.mark.django_db

ODD_BODIES = [
    {},
    [],
    "text",
    123,
    None,
    {"analyte": None, "value": None, "unit": None, "collected_at": None},
    {"analyte": 7, "value": {"x": 1}, "unit": [], "collected_at": 5},
    {"value": "1e999999", "unit": "pg/mL", "analyte": "b12", "collected_at": "2025-01-01"},
    {"value": "NaN", "unit": "pg/mL", "analyte": "b12", "collected_at": "2025-01-01"},
    {"kind": [], "dose_mcg": "x", "start_date": "31/12/2024", "co_supplements": "iron"},
    {"thresholds": "x"},
    {"thresholds": [{"analyte": "b12", "low_cutoff": "-1"}]},
    {"thresholds": [{"analyte": "b12"}, {"analyte": "b12", "low_cutoff": "1"}]},
    {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation"}}]},
    {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "2132-9"}]},
                    "valueQuantity": {"value": 150, "code": "pg/mL"},
                }
            }
        ],
    },
    {"resourceType": "Bundle", "type": "collection", "entry": [{}]},
    {"administered_on": "2025-13-45", "dose_mcg": "-0"},
]


def _urls(cast):
    result = LabResultFactory(patient=cast.patient_a)
    protocol = ProtocolFactory(patient=cast.patient_a)
    diet = ProtocolFactory(
        patient=cast.patient_a,
        kind="dietary_correction",
        dose_mcg=None,
        route="diet",
        frequency="none",
    )
    return [
        ("post", labs_url(cast.patient_a)),
        ("patch", lab_url(result.pk)),
        ("post", import_url(cast.patient_a)),
        ("post", protocols_url(cast.patient_a)),
        ("patch", protocol_url(protocol.pk)),
        ("post", doses_url(protocol.pk)),
        ("post", doses_url(diet.pk)),
        ("put", THRESHOLDS_URL),
    ]


@pytest.mark.parametrize("body", ODD_BODIES, ids=range(len(ODD_BODIES)))
def test_odd_bodies_never_cause_a_server_error(cast, api, body):
    client = api(cast.admin_a)
    for method, url in _urls(cast):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code < 500, (method, url, response.content[:300])
        assert response.status_code != 200 or method in ("patch", "put"), (method, url)


@pytest.mark.parametrize(
    "params", [{"status": "nonsense"}, {"kind": "x", "patient": "not-a-uuid"}, {"page": "9999"}]
)
def test_odd_worklist_filters_never_cause_a_server_error(cast, api, params):
    assert api(cast.staff_a).get(WORKLIST_URL, params).status_code < 500


def test_a_dose_on_a_dietary_protocol_is_a_400_naming_the_protocol(cast, api):
    diet = ProtocolFactory(
        patient=cast.patient_a,
        kind="dietary_correction",
        dose_mcg=None,
        route="diet",
        frequency="none",
    )
    response = api(cast.staff_a).post(doses_url(diet.pk), {"administered_on": "2025-01-02"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "protocol"

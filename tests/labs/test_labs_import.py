"""Imports of lab results (CSV and FHIR R4 Bundles): atomic, idempotent, every bad row named,
never a 500; and the FHIR export, validated and round-tripped through the import."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from fhir.resources.R4B.bundle import Bundle

from labs.models import LabResult
from tests.factories import PatientFactory
from tests.labs.factories import LabResultFactory, ProtocolFactory
from tests.labs.helpers import error_attrs, fhir_url, import_url

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "analyte,value,unit,collected_at,reference_low,reference_high\n"
    "b12,150,pg/mL,2025-01-15T08:30:00Z,200,900\n"
    "mma,0.55,umol/L,2025-01-15T08:30:00Z,,\n"
    "tsh,2.1,mIU/L,2025-01-15,,\n"
)


def upload(text: str | bytes, name: str = "labs.csv"):
    data = text.encode() if isinstance(text, str) else text
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv")}


def post_file(client, patient, content, name="labs.csv"):
    return client.post(import_url(patient), upload(content, name), format="multipart")


def test_a_csv_import_creates_every_row_with_source_csv(cast, api):
    response = post_file(api(cast.staff_a), cast.patient_a, GOOD_CSV)
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 3
    assert set(LabResult.objects.values_list("source", flat=True)) == {"csv"}
    mma = LabResult.objects.get(analyte="mma")
    assert mma.canonical_value == Decimal("550")


def test_importing_the_same_csv_twice_creates_no_duplicates(cast, api):
    client = api(cast.clinician_a)
    post_file(client, cast.patient_a, GOOD_CSV)
    response = post_file(client, cast.patient_a, GOOD_CSV)
    assert response.status_code == 200
    assert response.json() | {"results": []} == {
        "created": 0,
        "duplicates": 3,
        "rows": 3,
        "skipped": [],
        "results": [],
    }
    assert LabResult.objects.count() == 3


def test_a_csv_with_one_bad_row_saves_nothing_and_names_the_line(cast, api):
    bad = GOOD_CSV + "ferritin,12,pmol/L,2025-01-15,,\n"
    response = post_file(api(cast.clinician_a), cast.patient_a, bad)
    assert response.status_code == 400
    assert error_attrs(response) == {"row.5.unit"}
    assert not LabResult.objects.exists()


def test_every_bad_row_of_a_csv_is_listed_with_its_reason(cast, api):
    bad = (
        "analyte,value,unit,collected_at\n"
        "b12,150,pg/mL,2025-01-15\n"
        "unobtainium,1,pg/mL,2025-01-15\n"
        "b12,-3,pg/mL,2025-01-15\n"
        "b12,300,pg/mL,2999-01-01\n"
        "b12,300,pg/mL\n"
    )
    response = post_file(api(cast.clinician_a), cast.patient_a, bad)
    assert error_attrs(response) == {
        "row.3.analyte",
        "row.4.value",
        "row.5.collected_at",
        "row.6.row",
    }
    assert not LabResult.objects.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"analyte,value,unit,collected_at\n", "no rows"),
        (b"\xff\xfe\x00b\x001\x002", "UTF-8"),
        (b"analyte;value;unit\nb12;150;pg/mL\n", "header"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "UTF-8"),
        (b"name,dob\nAda,1815\n", "header"),
    ],
)
def test_a_file_that_is_not_a_lab_csv_is_a_400_naming_the_file(cast, api, content, reason):
    response = post_file(api(cast.clinician_a), cast.patient_a, content)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [e["attr"] for e in errors] == ["file"]
    assert reason in errors[0]["detail"]


def test_a_csv_over_the_row_cap_is_refused_whole(cast, api):
    rows = "".join(
        f"b12,{200 + i % 500},pg/mL,2024-01-01T00:{i % 60:02d}:00Z\n" for i in range(5001)
    )
    response = post_file(
        api(cast.clinician_a), cast.patient_a, "analyte,value,unit,collected_at\n" + rows
    )
    assert response.status_code == 400
    assert "5000" in response.json()["errors"][0]["detail"]
    assert not LabResult.objects.exists()


def test_a_text_csv_body_is_imported_too(cast, api):
    response = api(cast.clinician_a).post(
        import_url(cast.patient_a), GOOD_CSV, content_type="text/csv"
    )
    assert response.status_code == 201, response.content


def test_an_empty_import_request_is_a_400(cast, api):
    response = api(cast.clinician_a).post(import_url(cast.patient_a), {}, format="json")
    assert response.status_code == 400


def test_malformed_json_is_a_400(cast, api):
    response = api(cast.clinician_a).post(
        import_url(cast.patient_a), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


# --- FHIR -----------------------------------------------------------------------------------


def observation(code="2132-9", system="http://loinc.org", value=150, unit="pg/mL", **extra):
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
        "effectiveDateTime": "2025-01-15T08:30:00Z",
        "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": unit},
    }
    resource.update(extra)
    return resource


def bundle(*resources):
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def post_json(client, patient, body):
    return client.post(import_url(patient), json.dumps(body), content_type="application/fhir+json")


def test_a_fhir_bundle_of_observations_is_imported_with_source_fhir(cast, api):
    body = bundle(observation(), observation(code="13964-2", value=0.55, unit="umol/L"))
    response = post_json(api(cast.clinician_a), cast.patient_a, body)
    assert response.status_code == 201, response.content
    assert LabResult.objects.get(analyte="mma").canonical_value == Decimal("550")
    assert set(LabResult.objects.values_list("source", flat=True)) == {"fhir"}


def test_a_fhir_resource_that_is_not_a_bundle_is_a_400_naming_resource_type(cast, api):
    response = post_json(api(cast.clinician_a), cast.patient_a, observation())
    assert response.status_code == 400
    assert error_attrs(response) == {"resourceType"}


def test_an_invalid_bundle_is_a_400_naming_the_file(cast, api):
    body = {"resourceType": "Bundle", "type": "no-such-type", "entry": "x"}
    response = post_json(api(cast.clinician_a), cast.patient_a, body)
    assert response.status_code == 400
    assert error_attrs(response) == {"file"}


def test_a_bundle_entry_of_an_unknown_resource_type_is_a_400(cast, api):
    body = bundle(observation(), {"resourceType": "Unobtainium"})
    response = post_json(api(cast.clinician_a), cast.patient_a, body)
    assert response.status_code == 400
    assert not LabResult.objects.exists()


def test_non_observation_entries_are_skipped_and_listed(cast, api):
    body = bundle({"resourceType": "Patient", "id": "p1"}, observation())
    response = post_json(api(cast.clinician_a), cast.patient_a, body)
    assert response.status_code == 201
    assert response.json()["skipped"] == [{"entry": 0, "resourceType": "Patient"}]


def test_a_bundle_without_observations_is_a_400(cast, api):
    response = post_json(api(cast.clinician_a), cast.patient_a, bundle({"resourceType": "Patient"}))
    assert response.status_code == 400
    assert error_attrs(response) == {"file"}


def test_observations_without_loinc_or_with_an_unknown_loinc_are_each_named(cast, api):
    body = bundle(
        observation(),
        observation(system="http://snomed.info/sct", code="1234"),
        observation(code="99999-9"),
        observation(unit="mmol/L"),
    )
    response = post_json(api(cast.clinician_a), cast.patient_a, body)
    assert response.status_code == 400
    assert error_attrs(response) == {"entry.1.code", "entry.2.code", "entry.3.unit"}
    assert not LabResult.objects.exists()


def test_a_fhir_value_keeps_its_exact_decimal(cast, api):
    body = bundle(observation(code="2284-8", value=6.8, unit="nmol/L"))
    post_json(api(cast.clinician_a), cast.patient_a, body)
    result = LabResult.objects.get()
    assert (result.value, result.canonical_value) == (Decimal("6.8"), Decimal("3.0009"))


def test_the_fhir_export_is_a_valid_r4_bundle_with_loinc_and_ucum(cast, api):
    LabResultFactory(patient=cast.patient_a, value=Decimal("147.6"), unit="pmol/L")
    ProtocolFactory(patient=cast.patient_a, co_supplements=["iron"])
    response = api(cast.clinician_a).get(fhir_url(cast.patient_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    exported = Bundle.model_validate_json(response.content)
    types = [e.resource.get_resource_type() for e in exported.entry]
    assert types == ["Patient", "Observation", "MedicationStatement"]
    obs = exported.entry[1].resource
    assert obs.code.coding[0].system == "http://loinc.org"
    assert obs.code.coding[0].code == "2132-9"
    assert obs.valueQuantity.system == "http://unitsofmeasure.org"
    assert (obs.valueQuantity.value, obs.valueQuantity.code) == (Decimal("147.6"), "pmol/L")


def test_the_export_imported_back_into_the_same_patient_creates_nothing(cast, api):
    client = api(cast.clinician_a)
    post_file(client, cast.patient_a, GOOD_CSV)
    exported = client.get(fhir_url(cast.patient_a)).content
    response = client.post(
        import_url(cast.patient_a), exported, content_type="application/fhir+json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["duplicates"]) == (0, 3)
    assert LabResult.objects.count() == 3


def test_the_export_imported_into_a_fresh_patient_gives_identical_canonical_values(cast, api):
    client = api(cast.clinician_a)
    post_file(client, cast.patient_a, GOOD_CSV)
    LabResultFactory(patient=cast.patient_a, analyte="holotc", value=Decimal("31.5"), unit="pmol/L")
    fresh = PatientFactory(clinic=cast.clinic_a)
    exported = client.get(fhir_url(cast.patient_a)).content
    response = client.post(import_url(fresh), exported, content_type="application/fhir+json")
    assert response.status_code == 201, response.content

    def values(patient):
        return sorted(
            LabResult.objects.filter(patient=patient).values_list(
                "analyte", "collected_at", "value", "unit", "canonical_value", "canonical_unit"
            )
        )

    assert values(fresh) == values(cast.patient_a)


def test_a_patient_may_export_their_own_record(cast, api):
    assert api(cast.patient_user_a).get(fhir_url(cast.patient_a)).status_code == 200


def test_a_patient_may_not_import(cast, api):
    response = post_file(api(cast.patient_user_a), cast.patient_a, GOOD_CSV)
    assert response.status_code == 403


def test_each_imported_result_has_a_create_entry_in_the_clinics_audit_trail(cast, api):
    from clinics.models import AuditEvent

    post_file(api(cast.clinician_a), cast.patient_a, GOOD_CSV)
    entries = AuditEvent.objects.filter(
        object_pk__in=[str(pk) for pk in LabResult.objects.values_list("pk", flat=True)],
        action=AuditEvent.Action.CREATE,
    )
    assert entries.count() == 3
    assert {(e.clinic_id, e.actor_id) for e in entries} == {(cast.clinic_a.pk, cast.clinician_a.pk)}

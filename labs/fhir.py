"""Export of one patient as a FHIR R4 Bundle: the Patient, an Observation per lab result (LOINC
and UCUM coded, the value and unit as reported) and a MedicationStatement per B12 protocol.

The Bundle is built as data and validated by fhir.resources (R4B models, wire-compatible with R4
for these resources) before it is returned; ``labs.imports.read_fhir_bundle`` reads it back.
"""

from __future__ import annotations

from datetime import UTC, date

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from labs.analytes import get_analyte
from labs.decimals import fmt
from labs.imports import ANALYTE_SYSTEM, LOINC_SYSTEM, UCUM_SYSTEM
from labs.models import LabResult, Protocol
from labs.protocol_rules import Frequency
from labs.units import ucum_code
from patients.models import Patient

PROTOCOL_SYSTEM = "https://trichotrack.example/fhir/CodeSystem/b12-protocol"
ROUTE_SYSTEM = "https://trichotrack.example/fhir/CodeSystem/route"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GENDERS = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}

# Frequency -> FHIR Timing.repeat (frequency doses per period periodUnit).
TIMING: dict[str, dict] = {
    Frequency.DAILY: {"frequency": 1, "period": 1, "periodUnit": "d"},
    Frequency.EVERY_OTHER_DAY: {"frequency": 1, "period": 2, "periodUnit": "d"},
    Frequency.THREE_TIMES_WEEKLY: {"frequency": 3, "period": 1, "periodUnit": "wk"},
    Frequency.WEEKLY: {"frequency": 1, "period": 1, "periodUnit": "wk"},
    Frequency.MONTHLY: {"frequency": 1, "period": 1, "periodUnit": "mo"},
    Frequency.EVERY_2_MONTHS: {"frequency": 1, "period": 2, "periodUnit": "mo"},
    Frequency.EVERY_3_MONTHS: {"frequency": 1, "period": 3, "periodUnit": "mo"},
}


def _number(value):
    """A Decimal as a JSON-ready number without trailing zeros (150.0000000 -> 150)."""
    text = fmt(value)
    return int(text) if "." not in text else value.normalize()


def _patient(patient: Patient) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [
            {"system": f"urn:trichotrack:clinic:{patient.clinic_id}:mrn", "value": patient.mrn}
        ],
        "name": [{"family": patient.last_name, "given": [patient.first_name]}],
        "gender": GENDERS.get(patient.sex, "unknown"),
    }
    if patient.date_of_birth:
        resource["birthDate"] = patient.date_of_birth.isoformat()
    return resource


def _observation(result: LabResult, patient_ref: str) -> dict:
    spec = get_analyte(result.analyte)
    coding = []
    if spec.loinc:
        coding.append({"system": LOINC_SYSTEM, "code": spec.loinc, "display": spec.display_name})
    coding.append({"system": ANALYTE_SYSTEM, "code": spec.analyte.value})
    ucum = ucum_code(spec.analyte, result.unit)
    resource = {
        "resourceType": "Observation",
        "id": str(result.pk),
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]},
        ],
        "code": {"coding": coding, "text": spec.display_name},
        "subject": {"reference": patient_ref},
        "effectiveDateTime": result.collected_at.astimezone(UTC).isoformat(),
        "valueQuantity": {
            "value": _number(result.value),
            "unit": result.unit,
            "system": UCUM_SYSTEM,
            "code": ucum,
        },
    }
    if result.reference_low is not None or result.reference_high is not None:
        reference = {}
        for key, bound in (("low", result.reference_low), ("high", result.reference_high)):
            if bound is not None:
                reference[key] = {
                    "value": _number(bound),
                    "unit": result.unit,
                    "system": UCUM_SYSTEM,
                    "code": ucum,
                }
        resource["referenceRange"] = [reference]
    return resource


def _medication_statement(protocol: Protocol, patient_ref: str, today: date) -> dict:
    kind_text = protocol.get_kind_display()
    if protocol.end_date is not None and protocol.end_date < today:
        status = "completed"
    elif protocol.start_date > today:
        status = "intended"
    else:
        status = "active"
    period = {"start": protocol.start_date.isoformat()}
    if protocol.end_date:
        period["end"] = protocol.end_date.isoformat()
    dosage: dict = {
        "text": kind_text
        + (f", {fmt(protocol.dose_mcg)} mcg" if protocol.dose_mcg is not None else "")
        + f", {protocol.get_frequency_display().lower()}",
        "route": {"coding": [{"system": ROUTE_SYSTEM, "code": protocol.route}]},
    }
    if protocol.frequency in TIMING:
        dosage["timing"] = {"repeat": TIMING[protocol.frequency]}
    if protocol.dose_mcg is not None:
        dosage["doseAndRate"] = [
            {
                "doseQuantity": {
                    "value": _number(protocol.dose_mcg),
                    "unit": "mcg",
                    "system": UCUM_SYSTEM,
                    "code": "ug",
                }
            }
        ]
    resource = {
        "resourceType": "MedicationStatement",
        "id": str(protocol.pk),
        "status": status,
        "medicationCodeableConcept": {
            "coding": [{"system": PROTOCOL_SYSTEM, "code": protocol.kind}],
            "text": (
                "B12-rich diet (dietary correction)"
                if protocol.kind == "dietary_correction"
                else f"Vitamin B12 (cobalamin): {kind_text.lower()}"
            ),
        },
        "subject": {"reference": patient_ref},
        "effectivePeriod": period,
        "dateAsserted": protocol.created_at.astimezone(UTC).isoformat(),
        "dosage": [dosage],
    }
    notes = [protocol.notes] if protocol.notes else []
    if protocol.co_supplements:
        notes.append("Co-supplements: " + ", ".join(protocol.co_supplements))
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def patient_bundle(patient: Patient) -> Bundle:
    """The patient's Bundle, validated by fhir.resources (a ValidationError here is a bug)."""
    patient_ref = f"Patient/{patient.pk}"
    today = timezone.localdate()
    entries = [{"fullUrl": f"urn:uuid:{patient.pk}", "resource": _patient(patient)}]
    for result in LabResult.objects.filter(patient=patient).order_by("collected_at", "pk"):
        entries.append(
            {"fullUrl": f"urn:uuid:{result.pk}", "resource": _observation(result, patient_ref)}
        )
    for protocol in Protocol.objects.filter(patient=patient).order_by("start_date", "pk"):
        entries.append(
            {
                "fullUrl": f"urn:uuid:{protocol.pk}",
                "resource": _medication_statement(protocol, patient_ref, today),
            }
        )
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": timezone.now().astimezone(UTC).isoformat(),
            "entry": entries,
        }
    )

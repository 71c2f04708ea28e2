from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils import timezone


def labs_url(patient):
    return reverse("v1:patient-labs", kwargs={"patient_pk": patient.pk})


def lab_url(result_id):
    return reverse("v1:lab-result-detail", kwargs={"pk": result_id})


def import_url(patient):
    return reverse("v1:patient-labs-import", kwargs={"patient_pk": patient.pk})


def fhir_url(patient):
    return reverse("v1:patient-fhir", kwargs={"patient_pk": patient.pk})


def protocols_url(patient):
    return reverse("v1:patient-protocols", kwargs={"patient_pk": patient.pk})


def protocol_url(protocol_id):
    return reverse("v1:protocol-detail", kwargs={"pk": protocol_id})


def doses_url(protocol_id):
    return reverse("v1:protocol-doses", kwargs={"protocol_pk": protocol_id})


WORKLIST_URL = "/api/v1/worklist/"
THRESHOLDS_URL = "/api/v1/lab-thresholds/"


def days_ago(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).replace(microsecond=0).isoformat()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def error_attrs(response) -> set[str]:
    return {e["attr"] for e in response.json()["errors"]}


def lab(analyte="b12", value="150", unit="pg/mL", collected_at="2025-01-15T08:30:00Z", **extra):
    return {"analyte": analyte, "value": value, "unit": unit, "collected_at": collected_at, **extra}

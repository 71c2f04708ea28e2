"""Reads of patient data. Tenancy is applied on top of these by the base viewset."""

from dataclasses import fields

from django.db.models import QuerySet

from patients.clinical_inputs import PatientFacts
from patients.models import Patient, ShedCount, SymptomReport


def patient_list() -> QuerySet[Patient]:
    return Patient.objects.select_related("clinic", "summary")


def symptom_report_list() -> QuerySet[SymptomReport]:
    return SymptomReport.objects.select_related("patient")


def shed_count_list() -> QuerySet[ShedCount]:
    return ShedCount.objects.select_related("patient")


def patient_facts(patient: Patient) -> PatientFacts:
    """The patient row as the pure clinical core sees it."""
    names = {f.name for f in fields(PatientFacts)}
    return PatientFacts(**{name: getattr(patient, name) for name in names})

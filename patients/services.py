"""Writes of patient data: small keyword-only functions the views (and the admin, the demo
seeder and the tests) all go through."""

from django.db import transaction
from rest_framework.exceptions import ValidationError

from clinics.models import Clinic, Membership, Role
from clinics.services import user_create
from patients.models import Patient, ShedCount, SymptomReport


def patient_create(*, clinic: Clinic, **fields) -> Patient:
    if Patient.objects.filter(clinic=clinic, mrn=fields.get("mrn")).exists():
        raise ValidationError({"mrn": ["A patient with this MRN already exists in this clinic."]})
    return Patient.objects.create(clinic=clinic, **fields)


def patient_update(*, patient: Patient, **fields) -> Patient:
    mrn = fields.get("mrn")
    if (
        mrn
        and mrn != patient.mrn
        and Patient.objects.filter(clinic_id=patient.clinic_id, mrn=mrn).exists()
    ):
        raise ValidationError({"mrn": ["A patient with this MRN already exists in this clinic."]})
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.save()
    return patient


def symptom_report_record(*, patient: Patient, created_by, **fields) -> SymptomReport:
    return SymptomReport.objects.create(
        patient=patient, clinic_id=patient.clinic_id, created_by=created_by, **fields
    )


def shed_count_record(*, patient: Patient, created_by, counted_on, hairs: int) -> ShedCount:
    """One count a day: logging the same day again corrects that day's count."""
    count, _ = ShedCount.objects.update_or_create(
        patient=patient,
        counted_on=counted_on,
        defaults={"hairs": hairs, "clinic_id": patient.clinic_id, "created_by": created_by},
    )
    return count


def shed_count_update(*, shed_count: ShedCount, **fields) -> ShedCount:
    counted_on = fields.get("counted_on", shed_count.counted_on)
    clash = ShedCount.objects.filter(patient_id=shed_count.patient_id, counted_on=counted_on)
    if clash.exclude(pk=shed_count.pk).exists():
        raise ValidationError(
            {"counted_on": ["There is already a count for that day: correct that one instead."]}
        )
    for name, value in fields.items():
        setattr(shed_count, name, value)
    shed_count.save()
    return shed_count


@transaction.atomic
def portal_account_create(
    *, patient: Patient, username: str, password: str, email: str = ""
) -> Membership:
    """Give a patient a portal login that sees only their own record."""
    if Membership.objects.filter(patient=patient).exists():
        raise ValidationError({"username": ["This patient already has a portal account."]})
    user = user_create(
        username=username,
        password=password,
        email=email,
        first_name=patient.first_name,
        last_name=patient.last_name,
    )
    return Membership.objects.create(
        user=user, clinic_id=patient.clinic_id, role=Role.PATIENT, patient=patient
    )

"""Tenancy: clinics, their users and roles, and the append-only audit trail."""

import uuid

from auditlog.models import AbstractLogEntry
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


class User(AbstractUser):
    # UUID keys: sequential ids (also inside JWTs) would leak how many users other clinics have.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)


class Clinic(models.Model):
    """The tenant. Every clinical row carries a `clinic` and is only visible to its members."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    CLINICIAN = "clinician", "Clinician"
    STAFF = "staff", "Staff"
    # A patient-portal user: linked to exactly one patient record, sees only that record.
    PATIENT = "patient", "Patient"


# The roles a clinic admin can give through /members/ (patients get portal accounts instead).
STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r != Role.PATIENT]


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    patient = models.OneToOneField(
        "patients.Patient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portal_membership",
        help_text="Only for the patient role: the one record this portal user may see.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic"),
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.PATIENT, patient__isnull=False)
                    | (~models.Q(role=Role.PATIENT) & models.Q(patient__isnull=True))
                ),
                name="patient_role_iff_patient_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic} ({self.role})"

    def clean(self) -> None:
        if self.patient_id and self.patient.clinic_id != self.clinic_id:
            raise ValidationError({"patient": "The patient belongs to another clinic."})

    def get_additional_data(self) -> dict:
        return {"clinic_id": str(self.clinic_id)}


class AppendOnlyError(Exception):
    pass


class AuditEvent(AbstractLogEntry):
    """auditlog's entry with the clinic as a real, indexed column, so each clinic's admins read
    their own trail. Rows are never updated or deleted (also enforced by a PostgreSQL trigger)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )

    class Meta(AbstractLogEntry.Meta):
        indexes = [models.Index(fields=["clinic", "-timestamp"])]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        if self.clinic_id is None and isinstance(self.additional_data, dict):
            self.clinic_id = self.additional_data.get("clinic_id")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

"""Lab results, a clinic's own interpretation thresholds, B12 treatment protocols, dose logs and
the stored follow-up worklist.

The clinical rules live in the pure modules beside this one (analytes, units, interpretation,
protocol_rules, adherence, followup); these models only store what they need and what they
produce. Writes go through ``labs.services``.
"""

import hashlib
import uuid
from datetime import UTC
from decimal import Decimal

from django.conf import settings
from django.db import models

from clinics.models import Clinic
from labs.analytes import CATALOGUE, get_analyte
from labs.decimals import fmt
from labs.followup import FollowUpKind, FollowUpPhase, FollowUpStatus
from labs.protocol_rules import Frequency, ProtocolKind, Route
from patients.models import Patient, PatientOwned

ANALYTE_CHOICES = [(spec.analyte.value, spec.display_name) for spec in CATALOGUE.values()]


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ").capitalize()) for member in enum]


class LabSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    CSV = "csv", "CSV import"
    FHIR = "fhir", "FHIR import"


def lab_fingerprint(*, patient_id, analyte: str, collected_at, value, unit: str) -> str:
    """The identity of a result for idempotent imports: patient, analyte, collection instant (in
    UTC), value as reported (without trailing zeros) and the catalogue spelling of its unit. The
    same result entered by hand, in a CSV or in a FHIR Bundle has the same fingerprint."""
    instant = collected_at.astimezone(UTC).isoformat()
    key = f"{patient_id}|{analyte}|{instant}|{fmt(Decimal(str(value)))}|{unit}"
    return hashlib.sha256(key.encode()).hexdigest()


class LabResult(PatientOwned):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="lab_results")
    analyte = models.CharField(max_length=32, choices=ANALYTE_CHOICES)
    # As the laboratory reported it.
    value = models.DecimalField(max_digits=18, decimal_places=7)
    unit = models.CharField(max_length=32, help_text="The catalogue spelling of the unit.")
    # In the analyte's canonical unit (labs.analytes), 4 places, ROUND_HALF_EVEN (labs.decimals).
    canonical_value = models.DecimalField(max_digits=12, decimal_places=4)
    canonical_unit = models.CharField(max_length=32)
    collected_at = models.DateTimeField()
    reference_low = models.DecimalField(max_digits=18, decimal_places=7, null=True, blank=True)
    reference_high = models.DecimalField(max_digits=18, decimal_places=7, null=True, blank=True)
    source = models.CharField(max_length=10, choices=LabSource.choices, default=LabSource.MANUAL)
    fingerprint = models.CharField(max_length=64, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-collected_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "fingerprint"], name="lab_result_unique_per_patient"
            ),
        ]
        indexes = [models.Index(fields=["patient", "analyte", "collected_at"])]

    def __str__(self) -> str:
        return f"{self.analyte} {fmt(Decimal(str(self.value)))} {self.unit}"

    @property
    def loinc(self) -> str | None:
        return get_analyte(self.analyte).loinc

    def compute_fingerprint(self) -> str:
        return lab_fingerprint(
            patient_id=self.patient_id,
            analyte=self.analyte,
            collected_at=self.collected_at,
            value=self.value,
            unit=self.unit,
        )

    def save(self, *args, **kwargs):
        self.fingerprint = self.compute_fingerprint()
        super().save(*args, **kwargs)


class ClinicThreshold(models.Model):
    """A clinic's own cutoffs for one analyte (its laboratory's reference range, or a guideline
    such as NICE NG239's B12 180/350), in the analyte's canonical unit. Analytes without a row use
    the product defaults (labs.analytes.DEFAULT_THRESHOLDS)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="lab_thresholds")
    analyte = models.CharField(max_length=32, choices=ANALYTE_CHOICES)
    low_cutoff = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    normal_above = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    high_cutoff = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    source = models.CharField(
        max_length=200, blank=True, help_text="Where the cutoffs come from, e.g. 'NICE NG239'."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic", "analyte"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "analyte"], name="one_threshold_per_clinic_analyte"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinic}: {self.analyte}"

    def get_additional_data(self) -> dict:
        return {"clinic_id": str(self.clinic_id)}


class Protocol(PatientOwned):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="protocols")
    kind = models.CharField(max_length=32, choices=_choices(ProtocolKind))
    dose_mcg = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    route = models.CharField(max_length=16, choices=_choices(Route))
    frequency = models.CharField(max_length=24, choices=_choices(Frequency))
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Last day; empty: open-ended.")
    co_supplements = models.JSONField(default=list, blank=True)
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-created_at"]
        indexes = [models.Index(fields=["patient", "start_date"])]

    def __str__(self) -> str:
        dose = f" {fmt(Decimal(str(self.dose_mcg)))} mcg" if self.dose_mcg is not None else ""
        return f"{self.kind}{dose} from {self.start_date}"


class DoseLog(models.Model):
    """One administration of a protocol's dose, by staff or by the patient in the portal.
    ``clinic`` and ``patient`` are copied from the protocol so tenancy is one filter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="dose_logs")
    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="doses")
    administered_on = models.DateField()
    dose_mcg = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    by_patient = models.BooleanField(default=False)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-administered_on", "-created_at"]
        indexes = [models.Index(fields=["protocol", "administered_on"])]

    def __str__(self) -> str:
        return f"Dose on {self.administered_on}"

    def save(self, *args, **kwargs):
        if self.protocol_id and not (self.patient_id and self.clinic_id):
            self.patient_id = self.protocol.patient_id
            self.clinic_id = self.protocol.clinic_id
        super().save(*args, **kwargs)

    def get_additional_data(self) -> dict:
        return {"clinic_id": str(self.clinic_id), "patient_id": str(self.patient_id)}


class FollowUpItem(models.Model):
    """One row of the clinic's follow-up worklist, as computed by ``labs.followup`` and stored by
    ``labs.services.worklist_refresh_patient`` (daily task, and after every lab or protocol
    change). One row per (patient, kind, due date)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="follow_up_items")
    kind = models.CharField(max_length=16, choices=_choices(FollowUpKind))
    phase = models.CharField(max_length=16, choices=_choices(FollowUpPhase))
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=_choices(FollowUpStatus))
    reason = models.TextField()
    completed_on = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "kind", "patient_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "due_on"], name="one_follow_up_item_per_due_date"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.kind} due {self.due_on} ({self.status})"

    def get_additional_data(self) -> dict:
        return {"clinic_id": str(self.clinic_id), "patient_id": str(self.patient_id)}

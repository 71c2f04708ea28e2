"""Calibrated scalp photos, their density analyses and the job rows that back the queue.

Every row carries `clinic` (copied from the patient) so tenancy is one indexed filter. A photo's
analyses are kept: each re-analysis adds one, the latest is the photo's current analysis. A
clinician's correction of an analysis overrides its hair and follicular-unit counts (and the
densities derived from them) wherever the analysis is shown; the automatic figures stay beside.
"""

from __future__ import annotations

import secrets
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clinics.models import Clinic
from imaging.figures import effective_figures
from patients.models import Patient, PatientRecord

# Calibration sanity range (the density core's own: trichoscopy gives ~80-250 px/mm; outside
# 20..1000 px/mm the number is a unit mistake such as px/cm or px/inch).
MIN_PIXELS_PER_MM = 20.0
MAX_PIXELS_PER_MM = 1000.0
calibration_validators = [
    MinValueValidator(MIN_PIXELS_PER_MM),
    MaxValueValidator(MAX_PIXELS_PER_MM),
]


def _private_name(prefix: str, clinic_id, filename: str) -> str:
    """A path nobody can guess: the clinic's folder and 128 random bits; the client's file name
    (which may hold the patient's name) is dropped, only the extension of our own copy is kept."""
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"{prefix}/{clinic_id}/{secrets.token_urlsafe(24)}{suffix}"


def photo_upload_to(instance: Photo, filename: str) -> str:
    return _private_name("photos", instance.clinic_id, filename)


def overlay_upload_to(instance: Analysis, filename: str) -> str:
    return _private_name("overlays", instance.clinic_id, filename)


class Zone(models.TextChoices):
    FRONTAL = "frontal", "Frontal"
    TEMPORAL_LEFT = "temporal_left", "Temporal left"
    TEMPORAL_RIGHT = "temporal_right", "Temporal right"
    MIDSCALP = "midscalp", "Midscalp"
    VERTEX = "vertex", "Vertex"
    OCCIPITAL = "occipital", "Occipital"


class PhotoStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


JobStatus = PhotoStatus


class Device(models.Model):
    """A clinic's trichoscope/camera with its calibration, so uploads need not type one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    magnification = models.FloatField(
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Optical magnification, e.g. 20 for a 20x dermatoscope.",
    )
    pixels_per_mm = models.FloatField(
        validators=calibration_validators, help_text="Calibration: image pixels per millimetre."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="device_name_unique_in_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.magnification:g}x, {self.pixels_per_mm:g} px/mm)"

    def get_additional_data(self) -> dict:
        return {"clinic_id": str(self.clinic_id), "patient_id": None}


class Photo(PatientRecord):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="scalp_photos")
    zone = models.CharField(max_length=20, choices=Zone.choices)
    taken_at = models.DateTimeField()
    pixels_per_mm = models.FloatField(
        validators=calibration_validators,
        help_text="The calibration the photo is analysed with (typed, or the device's).",
    )
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, null=True, blank=True, related_name="photos"
    )
    clipped = models.BooleanField(
        null=True,
        blank=True,
        help_text="Phototrichogram (hair clipped short); empty: let the analysis decide.",
    )
    # Only the re-encoded copy (no EXIF/GPS/ICC) is ever stored, at a random path.
    image = models.FileField(upload_to=photo_upload_to, max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=PhotoStatus.choices, default=PhotoStatus.QUEUED
    )
    failure_reason = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-taken_at", "-created_at"]
        indexes = [
            models.Index(fields=["clinic", "patient", "-taken_at"]),
            models.Index(fields=["patient", "zone", "-taken_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_zone_display()} photo of {self.taken_at:%Y-%m-%d} ({self.status})"

    @property
    def image_content_type(self) -> str:
        return content_type_of(self.image.name)


def content_type_of(name: str) -> str:
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"


class AnalysisJob(models.Model):
    """One request to analyse a photo: the durable side of the queue. A message on the broker
    only says "look at job X"; if it is lost (broker down at upload, worker killed) the row is
    still here and the sweeper publishes it again."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker has started this job."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="Last successful publish to the broker (empty: never)."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Analysis job {self.id} ({self.status}, {self.attempts} attempts)"

    def get_additional_data(self) -> dict:
        return {"clinic_id": str(self.clinic_id), "patient_id": str(self.photo.patient_id)}


# The figures of an analysis, in the order the API shows them.
COUNT_FIELDS = ("hair_count", "follicular_unit_count")
FIGURE_FIELDS = (
    "hair_count",
    "follicular_unit_count",
    "hair_density_per_cm2",
    "fu_density_per_cm2",
    "hairs_per_fu",
    "single_hair_fu_fraction",
    "mean_shaft_diameter_um",
    "shaft_diameter_cv",
    "thin_hair_fraction",
    "vellus_hair_fraction",
    "analyzed_area_cm2",
)


class Analysis(PatientRecord):
    """The automatic figures of one run of the density core over one photo."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="analyses")
    # One analysis per job: a task delivered twice cannot record two.
    job = models.OneToOneField(
        AnalysisJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="analysis"
    )
    hair_count = models.PositiveIntegerField()
    follicular_unit_count = models.PositiveIntegerField()
    hair_density_per_cm2 = models.FloatField()
    fu_density_per_cm2 = models.FloatField()
    hairs_per_fu = models.FloatField(null=True, blank=True)
    single_hair_fu_fraction = models.FloatField(null=True, blank=True)
    mean_shaft_diameter_um = models.FloatField(null=True, blank=True)
    shaft_diameter_cv = models.FloatField(null=True, blank=True)
    thin_hair_fraction = models.FloatField(
        null=True, blank=True, help_text="Share of shafts under 30 um."
    )
    vellus_hair_fraction = models.FloatField(
        null=True, blank=True, help_text="Share of shafts of 40 um or less."
    )
    analyzed_area_cm2 = models.FloatField()
    clipped = models.BooleanField(null=True, blank=True)
    pixels_per_mm = models.FloatField(help_text="The calibration this analysis used.")
    algorithm_version = models.CharField(max_length=40)
    duration_ms = models.PositiveIntegerField()
    overlay = models.FileField(upload_to=overlay_upload_to, max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "analyses"
        indexes = [models.Index(fields=["photo", "-created_at"])]

    def __str__(self) -> str:
        return (
            f"{self.hair_count} hairs, {self.follicular_unit_count} FUs ({self.algorithm_version})"
        )

    @property
    def correction(self) -> AnalysisCorrection | None:
        """The latest correction (prefetch `corrections` to avoid a query per analysis)."""
        corrections = list(self.corrections.all())
        return max(corrections, key=lambda c: c.created_at) if corrections else None

    def automatic_figures(self) -> dict:
        return {name: getattr(self, name) for name in FIGURE_FIELDS}

    def effective_figures(self) -> dict:
        """The figures that count (see `imaging.figures.effective_figures`)."""
        correction = self.correction
        return effective_figures(
            self.automatic_figures(),
            corrected_hairs=correction.hair_count if correction else None,
            corrected_units=correction.follicular_unit_count if correction else None,
        )


class AnalysisCorrection(PatientRecord):
    """A clinician's recount of an analysis: who, why and the corrected counts."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="corrections")
    hair_count = models.PositiveIntegerField()
    follicular_unit_count = models.PositiveIntegerField()
    reason = models.TextField()
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Corrected to {self.hair_count} hairs, {self.follicular_unit_count} FUs"


def delete_stored_files(sender, instance, **kwargs) -> None:
    """A deleted photo or analysis (e.g. with its patient) takes its files along, once the
    deletion is committed: no patient image outlives its record on the storage."""
    from django.db import transaction

    for name in ("image", "overlay"):
        stored = getattr(instance, name, None)
        if stored:
            storage, path = stored.storage, stored.name
            transaction.on_commit(lambda storage=storage, path=path: storage.delete(path))

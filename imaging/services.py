"""Writes of imaging data: devices, uploads, analysis jobs, corrections and the sweeper.

The web side vets an upload (Pillow, through the density core), stores only the re-encoded copy,
writes the photo and its job row, and publishes the job after the transaction commits. The
worker side claims a job, runs the pure density core and records the analysis. Publishing may
fail (broker down) and workers may die: the job row stays, and `stuck_jobs_sweep` publishes it
again. Errors the client can fix are `InvalidInput` (a ValueError with `code` and `field`), which
the API turns into a 400 naming the field.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from imaging.models import (
    FIGURE_FIELDS,
    MAX_PIXELS_PER_MM,
    MIN_PIXELS_PER_MM,
    Analysis,
    AnalysisCorrection,
    AnalysisJob,
    Device,
    JobStatus,
    Photo,
    PhotoStatus,
)

logger = logging.getLogger(__name__)

ACTIVE_JOB_STATES = (JobStatus.QUEUED, JobStatus.PROCESSING)


class InvalidInput(ValueError):
    """Bad input the caller can fix; `field` names the culprit (None: the request as a whole)."""

    def __init__(self, field: str | None, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


# --- Tunables (settings may override; see the report to the lead) ---------------------------


def max_pixels() -> int:
    """Pixel limit of an upload: 12 MP photos with room to spare, far under Pillow's 89 MP."""
    return int(getattr(settings, "IMAGING_MAX_PIXELS", 40_000_000))


def max_attempts() -> int:
    """How many times a worker may start a job before it is failed (a photo that kills workers
    must not loop forever)."""
    return int(getattr(settings, "IMAGING_MAX_ATTEMPTS", 3))


def stale_processing_after() -> timedelta:
    """A job `processing` for longer than this lost its worker (an analysis takes seconds)."""
    return timedelta(seconds=getattr(settings, "IMAGING_STALE_PROCESSING_SECONDS", 600))


def republish_after() -> timedelta:
    """A job still `queued` and never published this long after it was written is published
    again by the sweeper (the broker was down at upload)."""
    return timedelta(seconds=getattr(settings, "IMAGING_REPUBLISH_SECONDS", 120))


def unstarted_republish_after() -> timedelta:
    """A job published this long ago that no worker has started is published again (its
    message was lost, e.g. a broker restart without persistence); duplicates are harmless."""
    return timedelta(seconds=getattr(settings, "IMAGING_UNSTARTED_REPUBLISH_SECONDS", 1800))


# --- Devices -----------------------------------------------------------------------------------


def _check_calibration(value: float | None, field: str = "pixels_per_mm") -> float:
    if value is None:
        raise InvalidInput(
            field, "calibration_missing", "A calibration in pixels per mm is needed."
        )
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise InvalidInput(
            field, "calibration_invalid", "The calibration must be a positive number."
        )
    if not MIN_PIXELS_PER_MM <= value <= MAX_PIXELS_PER_MM:
        raise InvalidInput(
            field,
            "calibration_absurd",
            f"{value:g} px/mm is not a trichoscope calibration (expected "
            f"{MIN_PIXELS_PER_MM:g}-{MAX_PIXELS_PER_MM:g}; px/cm or px/inch by mistake?).",
        )
    return value


def _check_device_name(*, clinic_id, name: str, exclude_pk=None) -> None:
    clash = Device.objects.filter(clinic_id=clinic_id, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise InvalidInput("name", "duplicate", "The clinic already has a device of this name.")


def device_create(*, clinic, name: str, magnification: float, pixels_per_mm: float, **fields):
    _check_device_name(clinic_id=clinic.pk, name=name)
    return Device.objects.create(
        clinic=clinic,
        name=name,
        magnification=magnification,
        pixels_per_mm=_check_calibration(pixels_per_mm),
        **fields,
    )


def device_update(*, device: Device, **fields) -> Device:
    if "name" in fields:
        _check_device_name(clinic_id=device.clinic_id, name=fields["name"], exclude_pk=device.pk)
    if "pixels_per_mm" in fields:
        fields["pixels_per_mm"] = _check_calibration(fields["pixels_per_mm"])
    for name, value in fields.items():
        setattr(device, name, value)
    device.save()
    return device


def device_delete(*, device: Device) -> None:
    """A device photos were taken with is kept (their diameters are only comparable within one
    device); deactivate it instead."""
    if device.photos.exists():
        raise InvalidInput(
            None,
            "device_in_use",
            "Photos were taken with this device; deactivate it (active: false) instead.",
        )
    device.delete()


def _device_of_clinic(*, clinic_id, device_id) -> Device:
    device = Device.objects.filter(clinic_id=clinic_id, pk=device_id).first()
    if device is None:
        # The same answer for another clinic's device and for none at all: nothing leaks.
        raise InvalidInput("device", "does_not_exist", "No such device in this clinic.")
    if not device.active:
        raise InvalidInput("device", "inactive", "This device is no longer in use.")
    return device


# --- Uploads -------------------------------------------------------------------------------------


# Multipart framing and the small form fields around the image.
FORM_OVERHEAD_BYTES = 64 * 1024


def upload_body_check(content_length) -> None:
    """Refuse an oversized upload from its Content-Length, before the body is read."""
    try:
        length = int(content_length or 0)
    except (TypeError, ValueError):
        return
    limit = int(settings.MAX_UPLOAD_BYTES)
    if length > limit + FORM_OVERHEAD_BYTES:
        raise InvalidInput(
            "image", "too_large", f"The upload is {length:,} bytes; the limit is {limit:,}."
        )


def _read_upload(image) -> bytes:
    limit = int(settings.MAX_UPLOAD_BYTES)
    size = getattr(image, "size", None)
    if size is not None and size > limit:
        raise InvalidInput(
            "image", "too_large", f"The file is {size:,} bytes; the limit is {limit:,}."
        )
    data = b"".join(image.chunks()) if hasattr(image, "chunks") else image.read()
    if len(data) > limit:
        raise InvalidInput("image", "too_large", f"The file is larger than {limit:,} bytes.")
    if not data:
        raise InvalidInput("image", "empty", "The file is empty.")
    return data


def vet_image(data: bytes):
    """(rgb, clean re-encoded bytes) of an upload, or InvalidInput on `image`."""
    from imaging import density

    try:
        return density.vet_and_normalise(data, max_pixels=max_pixels())
    except density.ImageRejected as exc:
        raise InvalidInput("image", exc.code, str(exc)) from exc


def _check_area(*, width: int, height: int, pixels_per_mm: float) -> None:
    area_mm2 = width * height / pixels_per_mm**2
    if area_mm2 < 1.0:
        raise InvalidInput(
            "pixels_per_mm",
            "area_too_small",
            f"At {pixels_per_mm:g} px/mm this {width}x{height} image covers only "
            f"{area_mm2:.2f} mm2 of scalp; at least 1 mm2 is needed for a density.",
        )


@transaction.atomic
def photo_upload(
    *,
    patient,
    uploaded_by,
    image,
    zone: str,
    taken_at,
    pixels_per_mm: float | None = None,
    device=None,
    clipped: bool | None = None,
) -> Photo:
    """Vet, store (the clean copy only) and queue a scalp photo. `device` is a device id of the
    patient's clinic; `pixels_per_mm`, when given, overrides the device's calibration."""
    device_obj = None
    if device is not None:
        device_obj = _device_of_clinic(clinic_id=patient.clinic_id, device_id=device)
    if pixels_per_mm is None and device_obj is None:
        raise InvalidInput(
            "pixels_per_mm",
            "calibration_missing",
            "Give pixels_per_mm, or a device of the clinic that carries a calibration.",
        )
    calibration = _check_calibration(
        pixels_per_mm if pixels_per_mm is not None else device_obj.pixels_per_mm
    )
    rgb, clean = vet_image(_read_upload(image))
    height, width = int(rgb.shape[0]), int(rgb.shape[1])
    del rgb
    _check_area(width=width, height=height, pixels_per_mm=calibration)

    photo = Photo(
        clinic_id=patient.clinic_id,
        patient=patient,
        zone=zone,
        taken_at=taken_at,
        pixels_per_mm=calibration,
        device=device_obj,
        clipped=clipped,
        width=width,
        height=height,
        status=PhotoStatus.QUEUED,
        uploaded_by=uploaded_by,
    )
    extension = ".png" if clean.startswith(b"\x89PNG") else ".jpg"
    photo.image.save(f"photo{extension}", ContentFile(clean), save=False)
    photo.save()
    _job_create(photo=photo, requested_by=uploaded_by)
    # A photo visit is part of the follow-up schedule: the worklist sees it now, not tomorrow.
    from labs.services import worklist_refresh_patient

    worklist_refresh_patient(patient)
    return photo


@transaction.atomic
def photo_reanalyze(*, photo: Photo, requested_by) -> AnalysisJob:
    """Queue a new analysis; earlier ones are kept. A job already waiting or running is
    returned instead of queueing a second."""
    photo = Photo.objects.select_for_update().get(pk=photo.pk)
    pending = photo.jobs.filter(status__in=ACTIVE_JOB_STATES).order_by("-created_at").first()
    if pending is not None:
        return pending
    photo.status = PhotoStatus.QUEUED
    photo.failure_reason = ""
    photo.save(update_fields=["status", "failure_reason", "updated_at"])
    return _job_create(photo=photo, requested_by=requested_by)


def _job_create(*, photo: Photo, requested_by) -> AnalysisJob:
    job = AnalysisJob.objects.create(
        photo=photo, clinic_id=photo.clinic_id, requested_by=requested_by
    )
    # Only a committed job is published: a worker must find the row it is told about.
    transaction.on_commit(partial(job_publish, job.pk))
    return job


def job_publish(job_id) -> bool:
    """Hand a job to the broker. A failure (broker down) is logged and left to the sweeper:
    the job row stays `queued` with no `enqueued_at`."""
    from imaging.tasks import analyze_photo

    try:
        analyze_photo.apply_async(args=[str(job_id)])
    except Exception as exc:  # any broker/transport error: the row is the source of truth
        logger.warning("Analysis job %s not published (%s); the sweeper will retry.", job_id, exc)
        AnalysisJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            last_error=f"Not published: {exc}"[:1000]
        )
        return False
    AnalysisJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        enqueued_at=timezone.now()
    )
    return True


# --- Corrections ---------------------------------------------------------------------------------


@transaction.atomic
def analysis_correct(
    *, photo: Photo, corrected_by, hair_count: int, follicular_unit_count: int, reason: str
) -> AnalysisCorrection:
    """Correct the photo's current analysis; the corrected counts then count everywhere."""
    from imaging.selectors import current_analysis

    analysis = current_analysis(photo)
    if analysis is None:
        raise InvalidInput(None, "not_analysed", "This photo has no analysis to correct yet.")
    if follicular_unit_count > hair_count:
        raise InvalidInput(
            "follicular_unit_count",
            "more_units_than_hairs",
            "Every follicular unit holds at least one hair.",
        )
    if hair_count > 0 and follicular_unit_count == 0:
        raise InvalidInput(
            "follicular_unit_count", "no_units", "Hairs leave the scalp in follicular units."
        )
    if not reason.strip():
        raise InvalidInput("reason", "blank", "Say why the counts are corrected.")
    return AnalysisCorrection.objects.create(
        analysis=analysis,
        clinic_id=analysis.clinic_id,
        patient_id=analysis.patient_id,
        hair_count=hair_count,
        follicular_unit_count=follicular_unit_count,
        reason=reason.strip(),
        corrected_by=corrected_by,
    )


# --- The worker side -----------------------------------------------------------------------------


def _job_fail(job: AnalysisJob, *, reason: str, error: str = "") -> None:
    now = timezone.now()
    job.status = JobStatus.FAILED
    job.finished_at = now
    job.last_error = (error or reason)[:4000]
    job.save(update_fields=["status", "finished_at", "last_error"])
    Photo.objects.filter(pk=job.photo_id).update(
        status=PhotoStatus.FAILED, failure_reason=reason, updated_at=now
    )


def job_claim(job_id, *, redelivered: bool = False) -> AnalysisJob | None:
    """Mark the job `processing` for this worker, or None when there is nothing to do: the job
    is gone, finished, or being analysed by a live worker. A redelivered message (the worker
    that had it died before acknowledging) or a stale `processing` row is taken over."""
    now = timezone.now()
    with transaction.atomic():
        job = (
            AnalysisJob.objects.select_for_update()
            .select_related("photo")
            .filter(pk=job_id)
            .first()
        )
        if job is None:
            logger.warning("Analysis job %s does not exist; message dropped.", job_id)
            return None
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        if (
            job.status == JobStatus.PROCESSING
            and not redelivered
            and job.started_at is not None
            and job.started_at > now - stale_processing_after()
        ):
            return None  # a duplicate message while a live worker has it
        if job.attempts >= max_attempts():
            _job_fail(job, reason=_gave_up_reason(job.attempts))
            return None
        job.attempts += 1
        job.status = JobStatus.PROCESSING
        job.started_at = now
        job.save(update_fields=["attempts", "status", "started_at"])
        Photo.objects.filter(pk=job.photo_id).update(
            status=PhotoStatus.PROCESSING, failure_reason="", updated_at=now
        )
    return job


def _gave_up_reason(attempts: int) -> str:
    return (
        f"The analysis was interrupted {attempts} times (the worker stopped before finishing); "
        "it was given up. Re-analyse the photo, or upload a smaller one."
    )


def _finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def job_run(job_id, *, redelivered: bool = False) -> Analysis | None:
    """Analyse the photo of a job (idempotent: a finished job is left alone, and a job records
    at most one analysis)."""
    job = job_claim(job_id, redelivered=redelivered)
    if job is None:
        return None
    from imaging import density

    photo = job.photo
    try:
        with photo.image.open("rb") as stored:
            data = stored.read()
        rgb, _ = density.vet_and_normalise(data, max_pixels=max_pixels())
        result = density.analyze(rgb, pixels_per_mm=photo.pixels_per_mm, clipped=photo.clipped)
        overlay = density.render_overlay(rgb, result)
        del rgb
        return _analysis_record(job=job, result=result, overlay=overlay)
    except (density.ImageRejected, density.CalibrationRejected) as exc:
        _job_fail(job, reason=str(exc), error=f"{type(exc).__name__}({exc.code}): {exc}")
    except Exception as exc:
        logger.exception("Analysis job %s failed", job.pk)
        _job_fail(
            job,
            reason=(
                "The analysis stopped on an unexpected error. The team has been told; "
                "re-analyse the photo later."
            ),
            error=f"{type(exc).__name__}: {exc}",
        )
    return None


def _analysis_record(*, job: AnalysisJob, result, overlay: bytes) -> Analysis:
    figures = result.as_dict()
    photo = job.photo
    now = timezone.now()
    try:
        with transaction.atomic():
            job = AnalysisJob.objects.select_for_update().get(pk=job.pk)
            existing = Analysis.objects.filter(job_id=job.pk).first()
            if existing is not None:
                return existing  # another delivery of this job got there first
            analysis = Analysis(
                clinic_id=photo.clinic_id,
                patient_id=photo.patient_id,
                photo=photo,
                job=job,
                pixels_per_mm=photo.pixels_per_mm,
                clipped=getattr(result, "clipped", photo.clipped),
                algorithm_version=str(figures["algorithm_version"]),
                duration_ms=max(0, int(round(figures["duration_ms"]))),
                **{name: _finite_or_none(figures[name]) for name in FIGURE_FIELDS},
            )
            analysis.overlay.save("overlay.png", ContentFile(overlay), save=False)
            analysis.save()
            job.status = JobStatus.DONE
            job.finished_at = now
            job.last_error = ""
            job.save(update_fields=["status", "finished_at", "last_error"])
            Photo.objects.filter(pk=photo.pk).update(
                status=PhotoStatus.DONE, failure_reason="", updated_at=now
            )
            return analysis
    except IntegrityError:
        # A concurrent delivery recorded it between our check and insert; anything else is a
        # real error for the caller.
        existing = Analysis.objects.filter(job_id=job.pk).first()
        if existing is None:
            raise
        return existing


# --- The sweeper ---------------------------------------------------------------------------------


def stuck_jobs_sweep(*, now=None, limit: int = 500) -> dict[str, int]:
    """Put lost jobs back on the queue.

    - `processing` for too long: the worker died. Queued again, or failed with a reason once
      it has been started `max_attempts()` times.
    - `queued` and never published (the broker was down at upload), or published long ago and
      never started (the message was lost): published again. Stops at the first publish
      failure: the broker is still down, the next sweep tries again.
    """
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "republished": 0, "unpublished": 0}
    stale_before = now - stale_processing_after()
    requeued: list = []
    stale_ids = list(
        AnalysisJob.objects.filter(status=JobStatus.PROCESSING, started_at__lt=stale_before)
        .order_by("started_at")
        .values_list("pk", flat=True)[:limit]
    )
    for job_id in stale_ids:
        with transaction.atomic():
            job = (
                AnalysisJob.objects.select_for_update()
                .filter(pk=job_id, status=JobStatus.PROCESSING, started_at__lt=stale_before)
                .first()
            )
            if job is None:
                continue
            if job.attempts >= max_attempts():
                _job_fail(job, reason=_gave_up_reason(job.attempts))
                counts["failed"] += 1
                continue
            job.status = JobStatus.QUEUED
            job.started_at = None
            job.enqueued_at = None
            job.last_error = f"The worker was lost after {job.attempts} attempt(s); queued again."
            job.save(update_fields=["status", "started_at", "enqueued_at", "last_error"])
            Photo.objects.filter(pk=job.photo_id).update(status=PhotoStatus.QUEUED, updated_at=now)
            requeued.append(job.pk)
            counts["requeued"] += 1

    overdue = (
        AnalysisJob.objects.filter(status=JobStatus.QUEUED)
        .filter(
            Q(pk__in=requeued)
            | Q(enqueued_at__isnull=True, created_at__lt=now - republish_after())
            | Q(enqueued_at__lt=now - unstarted_republish_after())
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for job_id in list(overdue):
        if job_publish(job_id):
            counts["republished"] += 1
        else:
            counts["unpublished"] += 1
            break
    if any(counts.values()):
        logger.info("Analysis job sweep: %s", counts)
    return counts

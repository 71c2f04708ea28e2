"""Small helpers shared by the imaging API tests."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from imaging.models import Analysis, AnalysisJob, Photo
from imaging.tasks import analyze_photo
from tests.imaging.factories import PIXELS_PER_MM, scalp_jpeg


def upload_form(image: bytes | None = None, **fields) -> dict:
    form = {
        "image": SimpleUploadedFile(
            "IMG_0042 Ada Lovelace.jpg",
            scalp_jpeg() if image is None else image,
            content_type="image/jpeg",
        ),
        "zone": "vertex",
        "taken_at": "2026-01-05T10:00:00Z",
        "pixels_per_mm": PIXELS_PER_MM,
    }
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


def upload(client, patient, image: bytes | None = None, **fields):
    return client.post(
        f"/api/v1/patients/{patient.pk}/photos/", upload_form(image, **fields), format="multipart"
    )


def error_fields(response) -> set[str]:
    return {error["attr"] or "" for error in response.json()["errors"]}


def run_jobs(photo: Photo) -> None:
    """What a worker would do with the photo's queued jobs, in-process."""
    for job in AnalysisJob.objects.filter(photo=photo, status="queued"):
        analyze_photo(str(job.pk))


def analysed(photo: Photo) -> Analysis:
    run_jobs(photo)
    photo.refresh_from_db()
    assert photo.status == "done", photo.failure_reason
    return photo.analyses.latest("created_at")


def photo_status(photo_id) -> str:
    return Photo.objects.values_list("status", flat=True).get(pk=photo_id)

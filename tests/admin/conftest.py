"""Fixtures of the admin tests: logged-in clients, a scripted clinical history for the cast's
patient (labs, protocols with doses, shed counts, symptoms, analysed visits, worklist and stored
summary), and a photo analysed by the real density core so that it has an overlay."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# there unless told it is safe (it is: the tests are synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _admin_settings(settings, tmp_path):
    # Templates use {% static %}: no collected manifest in tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    (tmp_path / "media").mkdir()


@pytest.fixture
def login():
    """login(user) -> a Django test client with that user's admin session."""

    def client_for(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return client_for


def months_ago(n: float) -> date:
    return timezone.localdate() - timedelta(days=round(30.44 * n))


def scripted_recovery(patient, *, months: int = 9, created_by=None) -> None:
    """A vegan with B12 150 pg/mL and raised MMA, diffuse loss, injections and recovery: the
    scripted history of the timeline tests, plus doses, shed counts and symptom reports."""
    from labs.models import DoseLog
    from patients import services as patient_services
    from patients.scripted_history import diffuse, lab, protocol, visit

    patient.diet = "vegan"
    patient.hair_loss_onset = months_ago(months + 2)
    patient.thin_or_brittle = True
    patient.save()
    start = months_ago(months - 1)
    lab(patient, "b12", "150", "pg/mL", start - timedelta(days=7))
    lab(patient, "mma", "0.62", "umol/L", start - timedelta(days=7))
    lab(patient, "ferritin", "22", "ng/mL", start - timedelta(days=7))
    lab(patient, "b12", "420", "pg/mL", start + timedelta(days=60))
    if months > 6:
        lab(patient, "b12", "510", "pg/mL", start + timedelta(days=180))
    loading = protocol(patient, "loading_im", start, start + timedelta(days=13))
    protocol(patient, "maintenance_im", start + timedelta(days=14), frequency="monthly")
    DoseLog.objects.bulk_create(
        DoseLog(
            clinic_id=patient.clinic_id,
            patient=patient,
            protocol=loading,
            administered_on=start + timedelta(days=2 * n),
            dose_mcg=1000,
        )
        for n in range(6)
    )
    for month in range(months):
        level = [150, 146, 141, 142, 147, 152, 156, 158, 160][month % 9] + month // 9
        visit(
            patient,
            start + timedelta(days=round(30.44 * month)) - timedelta(days=3),
            diffuse(level),
        )
    for n in range(0, 60, 4):
        patient_services.shed_count_record(
            patient=patient,
            created_by=created_by,
            counted_on=timezone.localdate() - timedelta(days=n),
            hairs=140 - n,
        )
    patient_services.symptom_report_record(
        patient=patient,
        created_by=created_by,
        reported_on=start - timedelta(days=10),
        symptoms=["fatigue", "numbness_tingling"],
    )


def refresh_derived(patient) -> None:
    """What the workers would store: the follow-up worklist and the patient summary."""
    from labs.services import worklist_refresh_patient
    from patients.summaries import summary_refresh

    worklist_refresh_patient(patient)
    summary_refresh(patient_id=patient.pk)


def analysed_photo(patient, *, zone: str = "vertex", taken_on: date | None = None, user=None):
    """A synthetic scalp photo through the API's upload service, analysed in-process by the
    worker's own service call (density core + overlay)."""
    from imaging import services
    from imaging.models import AnalysisJob
    from tests.imaging.factories import PIXELS_PER_MM, scalp_jpeg

    taken_on = taken_on or timezone.localdate() - timedelta(days=2)
    photo = services.photo_upload(
        patient=patient,
        uploaded_by=user,
        image=ContentFile(scalp_jpeg(width=480, height=360, seed=7), name="scalp.jpg"),
        zone=zone,
        taken_at=datetime.combine(taken_on, time(10), tzinfo=UTC),
        pixels_per_mm=PIXELS_PER_MM,
    )
    job = AnalysisJob.objects.get(photo=photo)
    services.job_run(job.pk)
    photo.refresh_from_db()
    assert photo.status == "done", photo.failure_reason
    return photo


@pytest.fixture
def recovery(cast):
    scripted_recovery(cast.patient_a, created_by=cast.clinician_a)
    photo = analysed_photo(cast.patient_a, user=cast.clinician_a)
    refresh_derived(cast.patient_a)
    cast.patient_a.refresh_from_db()
    cast.photo_a = photo
    return cast


@pytest.fixture(scope="session")
def _live_server_sessions_closed(django_db_setup, django_db_blocker):
    """After the browser tests, end the database sessions the live server's request threads
    left open: pytest-django's threaded live server does not close them (pytest-django issue
    #429), and PostgreSQL refuses to drop a test database still in use (a teardown warning)."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )

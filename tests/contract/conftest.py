"""Fixtures of the contract tests: a real gunicorn process serving the pytest test database
(`api_server`), and a standing cast seeded through the services (`seeded`), committed
(`transactional_db`) so that the server process sees it."""

from __future__ import annotations

import datetime
import io
import os
from dataclasses import dataclass, field

import pytest
import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.contract import live_server

# TRUNCATE-able test database (transactional_db): the fixture shared with the worker tests.
from tests.live_worker import flushable_test_database  # noqa: F401

PASSWORD = "Contract-tests-2026!"


@pytest.fixture(autouse=True)
def _fast_password_hashing():
    """Overrides tests/conftest.py's: the users log in over HTTP to another process, which
    knows only the production hashers, so they must be hashed with those."""
    yield


@pytest.fixture
def api_server(flushable_test_database, transactional_db):  # noqa: F811
    """A gunicorn process (2 sync workers) on a free 127.0.0.1 port, serving the test database;
    answered /health/ with 200 before this returns. One per test: `transactional_db` empties
    the tables after each test and the content types come back with new ids, which a
    longer-lived server would still hold in its ContentType cache."""
    server = live_server.start(settings.DATABASES["default"])
    yield server
    live_server.stop(server)
    _drop_queue()


def _drop_queue() -> None:
    """Tasks published while no worker listened (the fuzzer's uploads): drop them with the
    run's queue rather than leave them in Redis."""
    url = os.environ.get("REDIS_URL")
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    if not url:
        return
    try:
        import redis

        redis.Redis.from_url(url).delete(queue)
    except Exception:  # cleanup only
        pass


@dataclass
class Seeded:
    clinic_a: object
    clinic_b: object
    admin_a: str
    clinician_a: str
    patient_user_a: str
    admin_b: str
    clinician_b: str
    patient_a: object
    other_patient_a: object
    patient_b: object
    extras: list[str] = field(default_factory=list)


def scalp_png(*, width: int = 400, height: int = 300, seed: int = 3) -> bytes:
    """A small synthetic calibrated scalp photo (100 px/mm): the density package's generator
    when present, else dark strokes on a skin tone."""
    from PIL import Image

    try:
        from imaging.density.synthetic import SceneParams, generate_scene

        rgb = generate_scene(
            SceneParams(width=width, height=height, pixels_per_mm=100.0, seed=seed)
        ).image
        image = Image.fromarray(rgb)
    except ImportError:
        import numpy as np
        from PIL import ImageDraw

        rng = np.random.default_rng(seed)
        image = Image.new("RGB", (width, height), (224, 180, 160))
        draw = ImageDraw.Draw(image)
        for _ in range(40):
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            dx, dy = rng.normal(0, 30, size=2)
            draw.line([(x, y), (x + dx, y + dy)], fill=(30, 25, 25), width=7)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _seed_extras(seeded: Seeded, clinician, patients) -> None:
    """Labs and imaging objects, so that path parameters can name real ones. Each app is
    optional here (they are being built); what was seeded is listed in `seeded.extras`."""
    try:
        from labs import services as labs_services
    except ImportError:
        labs_services = None
    if labs_services is not None and hasattr(labs_services, "lab_result_record"):
        for patient in patients:
            labs_services.lab_result_record(
                patient=patient,
                created_by=clinician,
                analyte="b12",
                value="145",
                unit="pg/mL",
                collected_at=timezone.now() - datetime.timedelta(days=40),
            )
            labs_services.protocol_create(
                patient=patient,
                created_by=clinician,
                kind="high_dose_oral",
                start_date=timezone.localdate() - datetime.timedelta(days=30),
            )
        seeded.extras.append("labs: a B12 result and a protocol per patient")
    try:
        from imaging import services as imaging_services
    except ImportError:
        imaging_services = None
    if imaging_services is not None and hasattr(imaging_services, "photo_upload"):
        for clinic in (seeded.clinic_a, seeded.clinic_b):
            imaging_services.device_create(
                clinic=clinic, name="Contract scope", magnification=20.0, pixels_per_mm=100.0
            )
        png = scalp_png()
        for patient in patients:
            imaging_services.photo_upload(
                patient=patient,
                uploaded_by=clinician,
                image=SimpleUploadedFile("scalp.png", png, content_type="image/png"),
                zone="vertex",
                taken_at=timezone.now() - datetime.timedelta(days=1),
                pixels_per_mm=100.0,
            )
        seeded.extras.append("imaging: a device per clinic and a queued photo per patient")


@pytest.fixture
def seeded(flushable_test_database, transactional_db) -> Seeded:  # noqa: F811
    """Clinic A (admin, clinician, a patient with a portal login, another patient) and clinic B
    (admin, clinician, a patient), with a few records each, created by the services."""
    from clinics.services import clinic_create, member_add
    from patients import services as patient_services

    clinic_a = clinic_create(
        name="Contract Clinic A", admin_username="ct_admin_a", admin_password=PASSWORD
    )
    clinic_b = clinic_create(
        name="Contract Clinic B", admin_username="ct_admin_b", admin_password=PASSWORD
    )
    clinician_a = member_add(
        clinic=clinic_a,
        username="ct_clinician_a",
        password=PASSWORD,
        email="clinician_a@example.org",
        role="clinician",
    ).user
    clinician_b = member_add(
        clinic=clinic_b,
        username="ct_clinician_b",
        password=PASSWORD,
        email="clinician_b@example.org",
        role="clinician",
    ).user

    def patient(clinic, first, last, mrn, **extra):
        return patient_services.patient_create(
            clinic=clinic,
            first_name=first,
            last_name=last,
            mrn=mrn,
            date_of_birth=datetime.date(1979, 3, 14),
            sex="female",
            **extra,
        )

    patient_a = patient(clinic_a, "Ada", "Lovelace", "CT-A-1", diet="vegan", metformin=True)
    other_patient_a = patient(clinic_a, "Grace", "Hopper", "CT-A-2")
    patient_b = patient(clinic_b, "Bea", "Other", "CT-B-1")
    patient_services.portal_account_create(
        patient=patient_a, username="ct_patient_a", password=PASSWORD
    )
    today = timezone.localdate()
    authors = ((patient_a, clinician_a), (other_patient_a, clinician_a), (patient_b, clinician_b))
    for p, by in authors:
        patient_services.symptom_report_record(
            patient=p,
            created_by=by,
            reported_on=today - datetime.timedelta(days=3),
            symptoms=["fatigue"],
            notes="seeded",
        )
        patient_services.shed_count_record(
            patient=p, created_by=by, counted_on=today - datetime.timedelta(days=2), hairs=120
        )
    result = Seeded(
        clinic_a=clinic_a,
        clinic_b=clinic_b,
        admin_a="ct_admin_a",
        clinician_a="ct_clinician_a",
        patient_user_a="ct_patient_a",
        admin_b="ct_admin_b",
        clinician_b="ct_clinician_b",
        patient_a=patient_a,
        other_patient_a=other_patient_a,
        patient_b=patient_b,
    )
    _seed_extras(result, clinician_a, [patient_a, other_patient_a])
    return result


def bearer(server, username: str, password: str = PASSWORD) -> str:
    """An access token from the live server's login route."""
    response = requests.post(
        f"{server.url}/api/v1/auth/token/",
        json={"username": username, "password": password},
        timeout=30,
    )
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()["access"]

"""The README's first command seeds a demo a new user can log in to and explore."""

import io

import pytest
from django.core.management import call_command

from clinics.models import Membership, Role
from imaging.models import Photo, PhotoStatus
from patients.models import Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_process_tasks(settings):
    """The demo's mode: no broker, tasks run in-process. Celery reads its configuration once,
    so the app's own setting is switched too, not only Django's."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_the_demo_has_every_role_and_an_analysed_recovery_history(
    in_process_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    roles = set(
        Membership.objects.filter(clinic__name="Demo Hair Clinic").values_list("role", flat=True)
    )
    assert roles == {Role.CLINIC_ADMIN, Role.CLINICIAN, Role.STAFF, Role.PATIENT}
    vegan = Patient.objects.get(mrn="DEMO-001")
    photos = Photo.objects.filter(patient=vegan)
    assert photos.count() >= 9 * 3
    assert set(photos.values_list("status", flat=True)) == {PhotoStatus.DONE}
    assert vegan.lab_results.filter(analyte="b12").count() >= 3


def test_seeding_the_demo_twice_changes_nothing(
    in_process_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    counts = (Patient.objects.count(), Photo.objects.count(), Membership.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Patient.objects.count(), Photo.objects.count(), Membership.objects.count()) == counts

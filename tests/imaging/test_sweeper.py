"""The job rows back the queue: a job whose message was never published (broker down at
upload) or whose worker died is published again by the sweeper; none is lost or stuck."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app
from imaging.models import AnalysisJob
from imaging.services import stuck_jobs_sweep
from tests.imaging.factories import PhotoFactory
from tests.imaging.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """The messages handed to the broker (the broker itself is not needed here)."""
    sent = []
    monkeypatch.setattr(
        "imaging.tasks.analyze_photo.apply_async", lambda args, **kw: sent.append(args[0])
    )
    return sent


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("imaging.tasks.analyze_photo.apply_async", refuse)


def _age(job, **delta):
    past = timezone.now() - timedelta(**delta)
    AnalysisJob.objects.filter(pk=job.pk).update(created_at=past)
    job.refresh_from_db()
    return job


def _never_published_job(cast, **age):
    # Exactly the state an upload leaves when the broker was down: a row, no message.
    photo = PhotoFactory(patient=cast.patient_a)
    return _age(photo.jobs.get(), **age)


def test_an_upload_with_the_broker_down_still_answers_202_and_keeps_the_job(
    cast, api, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api(cast.clinician_a), cast.patient_a)
    assert response.status_code == 202
    job = AnalysisJob.objects.get(photo_id=response.json()["id"])
    assert (job.status, job.enqueued_at) == ("queued", None)
    assert "Not published" in job.last_error


def test_the_sweeper_republishes_a_job_that_was_never_published(cast, published):
    job = _never_published_job(cast, minutes=5)
    assert stuck_jobs_sweep()["republished"] == 1
    assert published == [str(job.pk)]
    job.refresh_from_db()
    assert job.enqueued_at is not None


def test_the_sweeper_leaves_a_fresh_upload_to_its_own_publish(cast, published):
    _never_published_job(cast, seconds=5)
    stuck_jobs_sweep()
    assert published == []


def test_the_sweeper_keeps_a_job_queued_while_the_broker_is_still_down(cast, broker_down):
    job = _never_published_job(cast, minutes=5)
    assert stuck_jobs_sweep()["unpublished"] == 1
    job.refresh_from_db()
    assert (job.status, job.enqueued_at) == ("queued", None)


def test_the_sweeper_republishes_a_published_job_no_worker_ever_started(cast, published):
    job = _never_published_job(cast, hours=2)
    AnalysisJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now() - timedelta(hours=1))
    stuck_jobs_sweep()
    assert published == [str(job.pk)]


def _processing_job(cast, *, attempts, minutes_ago):
    photo = PhotoFactory(patient=cast.patient_a, status="processing")
    job = photo.jobs.get()
    started = timezone.now() - timedelta(minutes=minutes_ago)
    AnalysisJob.objects.filter(pk=job.pk).update(
        status="processing", attempts=attempts, started_at=started, created_at=started
    )
    return job


def test_a_job_whose_worker_died_is_queued_again(cast, published):
    job = _processing_job(cast, attempts=1, minutes_ago=30)
    counts = stuck_jobs_sweep()
    assert (counts["requeued"], counts["republished"]) == (1, 1)
    job.refresh_from_db()
    assert job.status == "queued" and job.photo.status == "queued"
    assert published == [str(job.pk)]


def test_a_job_still_within_its_time_is_left_to_its_worker(cast, published):
    job = _processing_job(cast, attempts=1, minutes_ago=1)
    stuck_jobs_sweep()
    job.refresh_from_db()
    assert job.status == "processing" and published == []


def test_a_job_is_failed_with_a_reason_after_the_maximum_attempts(cast, published, settings):
    settings.IMAGING_MAX_ATTEMPTS = 3
    job = _processing_job(cast, attempts=3, minutes_ago=30)
    assert stuck_jobs_sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed"
    assert "interrupted 3 times" in job.photo.failure_reason
    assert job.photo.status == "failed"
    assert published == []


def test_a_redelivered_job_past_its_attempts_is_failed_not_run_again(cast, settings):
    from imaging.tasks import analyze_photo

    settings.IMAGING_MAX_ATTEMPTS = 2
    job = _processing_job(cast, attempts=2, minutes_ago=30)
    analyze_photo(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)
    assert not job.photo.analyses.exists()


def test_a_duplicate_message_for_a_job_a_live_worker_holds_is_ignored(cast):
    from imaging.tasks import analyze_photo

    job = _processing_job(cast, attempts=1, minutes_ago=0)
    analyze_photo(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("processing", 1)


def test_the_sweeper_runs_every_minute_from_beat():
    import imaging.tasks  # noqa: F401  (registers the schedule, as autodiscovery does)

    entry = app.conf.beat_schedule["imaging-sweep-stuck-jobs"]
    assert entry["task"] == "imaging.sweep_stuck_jobs"
    assert entry["schedule"] <= 60
    assert "imaging.sweep_stuck_jobs" in app.tasks

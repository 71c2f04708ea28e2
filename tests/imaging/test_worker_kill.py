"""A worker killed (SIGKILL) in the middle of an analysis does not lose the job: the message was
not acknowledged (late ack), the broker redelivers it and the next worker takes the job over."""

import pytest

from imaging.models import Analysis, AnalysisJob
from tests.imaging.helpers import photo_status, upload
from tests.live_worker import broker_state, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_killed_mid_analysis_does_not_lose_the_job(cast, api, live_worker):
    # The first worker takes the job and dies (SIGKILL) in the middle of the analysis, before
    # acknowledging. The broker redelivers the unacknowledged message to the next worker
    # (late ack; a short visibility timeout here stands for the production hour) and that
    # worker takes the job over.
    doomed = live_worker(analysis_delay=60)
    photo_id = upload(api(cast.clinician_a), cast.patient_a).json()["id"]
    wait_for(
        lambda: photo_status(photo_id) == "processing",
        timeout=30,
        what="the first worker to start",
        workers=[doomed],
        details=broker_state,
    )
    doomed.kill()
    assert photo_status(photo_id) == "processing"

    rescuer = live_worker(env={"CELERY_VISIBILITY_TIMEOUT": "1"})
    wait_for(
        lambda: photo_status(photo_id) in ("done", "failed"),
        timeout=45,
        what="the redelivered job",
        workers=[doomed, rescuer],
        details=lambda: (
            f"{AnalysisJob.objects.filter(photo_id=photo_id).values().first()}\n" + broker_state()
        ),
    )
    job = AnalysisJob.objects.get(photo_id=photo_id)
    assert (job.status, job.attempts) == ("done", 2)
    assert Analysis.objects.filter(photo_id=photo_id).count() == 1

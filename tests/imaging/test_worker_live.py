"""End to end with a real Celery worker on Redis and PostgreSQL: upload through the API and the
worker analyses; an upload made while the broker is down is analysed once it is back."""

import pytest

from imaging.models import AnalysisJob
from imaging.services import stuck_jobs_sweep
from tests.imaging.helpers import photo_status, upload
from tests.live_worker import broker_unreachable, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_uploaded_photo_is_analysed_by_a_real_worker(cast, api, module_worker):
    worker = module_worker
    client = api(cast.clinician_a)
    response = upload(client, cast.patient_a)
    assert response.status_code == 202
    photo_id = response.json()["id"]
    wait_for(
        lambda: photo_status(photo_id) in ("done", "failed"),
        timeout=30,
        what="the analysis",
        workers=[worker],
    )
    body = client.get(f"/api/v1/photos/{photo_id}/").json()
    assert body["status"] == "done", body["failure_reason"]
    assert body["analysis"]["hair_count"] > 0
    assert body["analysis"]["hair_density_per_cm2"] > 0
    overlay = client.get(f"/api/v1/photos/{photo_id}/overlay/")
    assert overlay.status_code == 200
    assert b"".join(overlay.streaming_content).startswith(b"\x89PNG")


def test_an_upload_while_the_broker_is_down_is_analysed_once_it_is_back(
    cast, api, module_worker, settings
):
    worker = module_worker
    with broker_unreachable():
        response = upload(api(cast.clinician_a), cast.patient_a)
    assert response.status_code == 202
    photo_id = response.json()["id"]
    job = AnalysisJob.objects.get(photo_id=photo_id)
    assert (job.status, job.enqueued_at) == ("queued", None)  # saved, not published
    assert photo_status(photo_id) == "queued"

    settings.IMAGING_REPUBLISH_SECONDS = 0  # the next beat tick, without waiting two minutes
    assert stuck_jobs_sweep()["republished"] == 1
    wait_for(
        lambda: photo_status(photo_id) in ("done", "failed"),
        timeout=30,
        what="the republished job",
        workers=[worker],
    )
    assert photo_status(photo_id) == "done"

"""Without a broker (the demo: CELERY_TASK_ALWAYS_EAGER) an upload is analysed in-process."""

import pytest

from config.celery import app
from imaging.models import Photo
from tests.imaging.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_without_a_broker_an_upload_is_answered_202_and_analysed_in_process(
    cast, api, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api(cast.clinician_a), cast.patient_a)
    assert response.status_code == 202
    photo = Photo.objects.get(pk=response.json()["id"])
    assert photo.status == "done"
    assert photo.analyses.get().hair_count > 0

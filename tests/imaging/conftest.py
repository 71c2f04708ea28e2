import pytest

from tests.live_worker import (  # noqa: F401  (fixtures of the live-worker tests)
    flushable_test_database,
    live_worker,
    module_worker,
)


@pytest.fixture(autouse=True)
def _private_media(request, settings, tmp_path):
    """Each test stores files in a directory of its own, so "nothing was saved" can be checked.
    Live-worker tests keep MEDIA_ROOT from the environment, which the worker process shares."""
    if request.node.get_closest_marker("worker"):
        yield None
        return
    media = tmp_path / "media"
    media.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
    }
    yield media


@pytest.fixture
def media(_private_media):
    return _private_media

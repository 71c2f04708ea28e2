"""The suite runs against the real services. When one is missing these fail (never skip)."""

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_it_runs_against_postgresql():
    assert connection.vendor == "postgresql", (
        "The test suite needs PostgreSQL: set DATABASE_URL (scripts/test.sh does)."
    )


def test_redis_answers():
    import redis

    assert settings.REDIS_URL, "The test suite needs Redis: set REDIS_URL (scripts/test.sh does)."
    assert redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()


def test_tasks_go_through_the_broker_not_in_process():
    assert not settings.CELERY_TASK_ALWAYS_EAGER

"""Real Celery workers for end-to-end tests.

`live_worker` is a factory fixture: each call starts

    celery -A config worker -P solo -c 1 --without-heartbeat --without-gossip --without-mingle
           -Q $CELERY_TASK_DEFAULT_QUEUE

as a subprocess with the test process's environment, except that DATABASE_URL points at the
pytest-django test database (so the worker sees what the test committed: use it with
`transactional_db`). It returns once the worker says it is ready and stops every worker it
started when the test ends. Redis and PostgreSQL are required: without them the fixture fails,
it never skips.

Make the fixtures visible with `from tests.live_worker import flushable_test_database,
live_worker, module_worker` in a conftest.py (tests/imaging/conftest.py does);
`module_worker` is one worker shared by a module's tests.

The workers are started as `python -m tests.live_worker <celery arguments>`, which is `celery`
with two test-only hooks (see `_worker_main`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 40.0
READY_MARK = " ready."


def worker_database_url() -> str:
    """The URL of the database pytest-django created (read after it exists)."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("Live-worker tests need PostgreSQL: set DATABASE_URL (scripts/test.sh does).")
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    at = f"{credentials}@" if credentials else ""
    return f"postgres://{at}{host}{port}/{quote(db['NAME'], safe='')}"


def _require_redis() -> None:
    from django.conf import settings

    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("Live-worker tests need Redis: set REDIS_URL (scripts/test.sh does).")
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Live-worker tests need the broker at {settings.CELERY_BROKER_URL}: {exc}")


@dataclass
class LiveWorker:
    process: subprocess.Popen
    hostname: str
    log_path: Path
    _log: object = field(repr=False, default=None)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to acknowledge, requeue or clean up."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, grace: float = 1.5) -> None:
        """SIGTERM (warm shutdown), then SIGKILL after `grace` seconds: the test is over, and a
        dead worker's connections to the test database close with it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._log is not None:
            self._log.close()


def worker_command(queue: str, hostname: str) -> list[str]:
    """`celery -A config worker ...`, through this module's `__main__` (see `_worker_main`)."""
    return [
        sys.executable, "-m", "tests.live_worker",
        "-A", "config", "worker",
        "-P", "solo", "-c", "1",
        "--without-heartbeat", "--without-gossip", "--without-mingle",
        "-Q", queue, "-n", hostname, "--loglevel", "INFO",
    ]  # fmt: skip


def start_worker(
    log_dir: Path, *, analysis_delay: float | None = None, env: dict[str, str] | None = None
) -> LiveWorker:
    from django.conf import settings

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    hostname = f"live-{uuid.uuid4().hex[:8]}@%h"
    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    if analysis_delay:
        environment["LIVE_WORKER_ANALYSIS_DELAY"] = str(analysis_delay)
    log_path = log_dir / f"{hostname.split('@')[0]}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        worker_command(queue, hostname),
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = LiveWorker(process=process, hostname=hostname, log_path=log_path, _log=log)
    deadline = time.monotonic() + READY_TIMEOUT
    while READY_MARK not in worker.log():
        if process.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            pytest.fail(f"The Celery worker did not start:\n{worker.log()[-4000:]}")
        time.sleep(0.1)
    return worker


@pytest.fixture(scope="session")
def flushable_test_database(django_db_setup, django_db_blocker) -> None:
    """`transactional_db` empties the tables with TRUNCATE, which PostgreSQL refuses while a
    table Django does not manage references them: django-auditlog's own `auditlog_logentry`
    (unused, the entry model is swapped for clinics.AuditEvent). In the throwaway test database
    only, drop such foreign keys (as tests/contract/conftest.py does)."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        managed = set(connection.introspection.django_table_names(only_existing=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, confrelid::regclass::text, conname "
                "FROM pg_constraint WHERE contype = 'f'"
            )
            for table, target, name in cursor.fetchall():
                if table not in managed and target in managed:
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


@pytest.fixture
def live_worker(
    flushable_test_database, transactional_db, tmp_path
) -> Iterator[Callable[..., LiveWorker]]:
    """live_worker(analysis_delay=None, env=None) -> a running worker on the test queue, for
    this test only."""
    _require_redis()
    started: list[LiveWorker] = []

    def start(**kwargs) -> LiveWorker:
        worker = start_worker(tmp_path, **kwargs)
        started.append(worker)
        return worker

    yield start
    stop_all(started)


def stop_all(workers: list[LiveWorker]) -> None:
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.terminate()
    for worker in workers:
        worker.stop()


@pytest.fixture(scope="module")
def module_worker(
    flushable_test_database, django_db_blocker, tmp_path_factory
) -> Iterator[LiveWorker]:
    """One plain worker shared by the tests of a module (each still needs `transactional_db`);
    a worker costs seconds to start. Stopped when the module ends, so it never competes with
    the workers of another module's tests."""
    _require_redis()
    with django_db_blocker.unblock():
        worker = start_worker(tmp_path_factory.mktemp("worker"))
    yield worker
    worker.stop()


def wait_for(
    predicate: Callable[[], object],
    *,
    timeout: float,
    what: str,
    workers=(),
    details: Callable[[], str] | None = None,
) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.hostname}\n{w.log()[-3000:]}" for w in workers)
            extra = details() if details else ""
            pytest.fail(f"Timed out after {timeout:g} s waiting for {what}.\n{extra}\n{logs}")
        time.sleep(0.1)


def broker_state() -> str:
    """The test queue's length and the broker's unacknowledged messages (for failure reports)."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    return (
        f"queue {queue}: {client.llen(queue)}"
        f" waiting; unacked: {client.hlen('unacked')}; restore mutex ttl: "
        f"{client.ttl('unacked_mutex')}"
    )


@contextlib.contextmanager
def broker_unreachable(dead_url: str = "redis://127.0.0.1:9/15"):
    """Point this process's publisher at a port nobody listens on (the broker is down for the
    web side); the workers keep their own connection."""
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.broker_write_url, app._pool, app.amqp._producer_pool)
    app.conf.broker_url, app.conf.broker_write_url = dead_url, None
    app._pool = app.amqp._producer_pool = None
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            app.pool.force_close_all()
        app.conf.broker_url, app.conf.broker_write_url, app._pool, app.amqp._producer_pool = saved


def _worker_main() -> None:
    """Run `celery <argv>` with two test-only adjustments, nothing else changed:

    - LIVE_WORKER_ANALYSIS_DELAY=s: the density analysis first sleeps s seconds, so that a test
      can kill the worker mid-analysis;
    - the content-type cache is cleared before each task: `transactional_db` empties and
      refills the tables between tests (new content-type ids), which never happens to a
      production worker but would make a long-lived test worker write stale ids."""
    delay = float(os.environ.get("LIVE_WORKER_ANALYSIS_DELAY") or 0)
    if delay:
        import imaging.density as density

        real = density.analyze

        def slow_analyze(*args, **kwargs):
            time.sleep(delay)
            return real(*args, **kwargs)

        density.analyze = slow_analyze

    from celery.signals import task_prerun

    @task_prerun.connect(weak=False)
    def _fresh_content_types(**kwargs) -> None:
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()

    from celery.bin.celery import main

    sys.argv = ["celery", *sys.argv[1:]]
    sys.exit(main())


if __name__ == "__main__":
    _worker_main()

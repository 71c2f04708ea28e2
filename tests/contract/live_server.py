"""A real HTTP server process for the contract tests: gunicorn from the venv serving
`config.wsgi:application` against the pytest-django test database, with the suite's Redis,
Celery queue and MEDIA_ROOT, DEBUG off. Data written by a test (with `transactional_db`) is
committed, so the server process sees it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def database_url(db: dict) -> str:
    """A DATABASE_URL django-environ reads back into `db` (the test database's settings)."""
    engine = db["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if engine != "django.db.backends.postgresql":
        raise RuntimeError(f"The live server supports PostgreSQL and SQLite, not {engine}.")
    user = quote(db.get("USER") or "", safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def server_env(db: dict, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(db),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_MANIFEST="0",
        # The fuzzer calls the login route too; login throttling has its own test, and here it
        # would only lock the next pass out.
        LOGIN_THROTTLE_RATE="100000/min",
        DB_CONN_MAX_AGE="0",  # no idle connection outlives a request: the test flush never waits
        PYTHONUNBUFFERED="1",
        **extra,
    )
    # Same REDIS_URL, CELERY_TASK_DEFAULT_QUEUE and MEDIA_ROOT as the test process (inherited).
    env.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="tt-contract-media-"))
    return env


def start(db: dict, *, workers: int = 2, timeout: float = 40.0) -> LiveServer:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = Path(tempfile.mkstemp(prefix="tt-contract-gunicorn-", suffix=".log")[1])
    log = log_path.open("ab")
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
        ],
        cwd=ROOT,
        env=server_env(db),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = LiveServer(url=url, process=process, log_path=log_path)
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{server.log_tail()}")
        try:
            response = requests.get(f"{url}/health/", timeout=5)
            if response.status_code == 200:
                return server
            last = f"{response.status_code} {response.text[:500]}"
        except requests.RequestException as exc:
            last = repr(exc)
        time.sleep(0.25)
    stop(server)
    raise RuntimeError(f"/health/ never answered 200 (last: {last}):\n{server.log_tail()}")


def stop(server: LiveServer) -> None:
    process = server.process
    if process.poll() is None:
        process.terminate()  # gunicorn's master stops its workers on SIGTERM
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

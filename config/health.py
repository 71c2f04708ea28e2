"""GET /health/: is this instance able to serve? Database, broker and storage, each checked for
real, with 503 when any is down so that load balancers and operators see it."""

import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
        status = "ok"
    except Exception as exc:  # a health check reports every failure, whatever its kind
        detail, status = f"{type(exc).__name__}: {exc}", "error"
    return {
        "status": status,
        "detail": detail,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "no broker configured: tasks run in-process"
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return conn.as_uri()


def _storage() -> str:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as handle:
            if handle.read() != b"ok":
                raise OSError("read back different bytes")
    finally:
        default_storage.delete(name)
    return type(default_storage).__name__


def health(request):
    checks = {"database": _timed(_database), "broker": _timed(_broker), "storage": _timed(_storage)}
    healthy = all(c["status"] == "ok" for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )

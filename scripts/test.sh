#!/usr/bin/env bash
# Install everything and run the whole test suite against the real PostgreSQL and Redis.
# Usage: scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_venv dev
ensure_postgres
ensure_redis
ensure_chromium

export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/trichotrack}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
# A queue of its own per run, so a stale task from an earlier run is never picked up.
export CELERY_TASK_DEFAULT_QUEUE="trichotrack-test-$$"
export MEDIA_ROOT="${MEDIA_ROOT:-$(mktemp -d)}"
export STATIC_MANIFEST=0

.venv/bin/ruff check .
.venv/bin/ruff format --check .
# models against migrations only: no database needed (an in-memory one has a consistent history)
DATABASE_URL=sqlite:///:memory: .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "Models changed without a migration: run manage.py makemigrations." >&2; exit 1; }
exec .venv/bin/python -m pytest "$@"

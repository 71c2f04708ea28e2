#!/usr/bin/env bash
# Run only the contract tests (generated client + schemathesis against a live gunicorn and a real
# Celery worker), with a database, Redis db and queue of their own so they never collide with a
# parallel `scripts/test.sh`. Usage: scripts/contract_check.sh [--live-schema] [pytest arguments]
#   --live-schema  generate the client from the code's current schema instead of the committed
#                  openapi.yaml (while openapi.yaml is being regenerated).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_venv dev
ensure_postgres
ensure_redis

if [ "${1:-}" = "--live-schema" ]; then
  shift
  schema="$(mktemp --suffix=.yaml)"
  .venv/bin/python manage.py spectacular --file "$schema" 2>/dev/null
  export CONTRACT_CLIENT_SCHEMA="$schema"
fi
export DATABASE_URL="${CONTRACT_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/trichotrack_contract}"
export REDIS_URL="${CONTRACT_REDIS_URL:-redis://127.0.0.1:6379/13}"
export CELERY_TASK_DEFAULT_QUEUE="trichotrack-contract-$$"
export MEDIA_ROOT="${MEDIA_ROOT:-$(mktemp -d)}"
export STATIC_MANIFEST=0
exec .venv/bin/python -m pytest tests/contract -p no:cacheprovider "$@"

#!/usr/bin/env bash
# Install everything and start the API with a demo clinic, users of each role, patients and
# their data. Needs nothing but Python 3.11+: without DATABASE_URL it uses a SQLite file in
# var/, without a broker the photo analysis runs in-process.
# Usage: scripts/demo.sh [address:port]   (default 127.0.0.1:8000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_venv
export DEBUG="${DEBUG:-1}"
export STATIC_MANIFEST=0
address="${1:-127.0.0.1:8000}"
mkdir -p var

.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py seed_demo --base-url "http://${address}"
exec .venv/bin/python manage.py runserver "$address"

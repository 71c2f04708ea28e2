"""The Celery application. Each app's `tasks` module is discovered; beat schedules live beside
the tasks they run (see `config.settings.CELERY_BEAT_SCHEDULE` callers)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("trichotrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

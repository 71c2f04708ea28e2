"""The Celery application. Each app's `tasks` module is discovered; the beat schedule lives in
`config.settings.CELERY_BEAT_SCHEDULE`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("trichotrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""Celery tasks of the labs app.

Beat (daily): ``labs.refresh_worklist`` recomputes every patient's follow-up worklist so that
items move from upcoming to due to overdue as days pass. Idempotent: it upserts by (patient,
kind, due date) and deletes rows no longer scheduled, so running it twice, or concurrently with
a request that refreshes one patient, leaves the same rows.
"""

from celery import shared_task

from labs import services


@shared_task(name="labs.refresh_worklist", acks_late=True)
def refresh_worklist() -> dict:
    change = services.worklist_refresh_all()
    return {
        "created": change.created,
        "updated": change.updated,
        "deleted": change.deleted,
        "unchanged": change.unchanged,
    }

"""Celery tasks of the imaging app: thin wrappers over `imaging.services`.

`analyze_photo` is acknowledged late (CELERY_TASK_ACKS_LATE): a worker killed mid-analysis leaves
the message unacknowledged and the broker redelivers it; the redelivered run takes the job over.
`sweep_stuck_jobs` (every minute; the beat schedule is in `config.settings`) covers what the broker
cannot: jobs never published (broker down at upload) and jobs whose worker died.
"""

from __future__ import annotations

from celery import shared_task

from imaging import services


@shared_task(
    bind=True,
    name="imaging.analyze_photo",
    ignore_result=True,
    # A 12 MP photo takes about a second; minutes mean something is wrong. The soft limit raises
    # inside the task (recorded as failed); the hard limit kills a stuck pool process, and the
    # redelivery is bounded by the job's attempts.
    soft_time_limit=240,
    time_limit=300,
)
def analyze_photo(self, job_id: str) -> None:
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    services.job_run(job_id, redelivered=redelivered)


@shared_task(name="imaging.sweep_stuck_jobs", ignore_result=True)
def sweep_stuck_jobs() -> dict[str, int]:
    return services.stuck_jobs_sweep()

from celery import shared_task

from patients import summaries


@shared_task(name="patients.refresh_patient_summary", ignore_result=True)
def refresh_patient_summary(patient_id: str) -> None:
    summaries.summary_refresh(patient_id=patient_id)


@shared_task(name="patients.sweep_stale_summaries", ignore_result=True)
def sweep_stale_summaries() -> int:
    return summaries.stale_summaries_sweep()


@shared_task(name="patients.refresh_all_summaries", ignore_result=True)
def refresh_all_summaries() -> int:
    return summaries.all_summaries_refresh()

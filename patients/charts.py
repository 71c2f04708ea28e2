"""The timeline chart of a patient, rendered once per version of their data.

Rendering an A4 chart takes about a second, and the admin shows it on every visit to a patient.
The cache key changes whenever the chart could: any change to the patient's clinical data bumps
`PatientSummary.requested_at`, the date moves the expected phases, and the clinic's B12 cutoffs
draw the band lines.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from labs.selectors import threshold_set_for_clinic
from patients.clinical_record import b12_cutoffs, clinical_record
from patients.models import Patient, PatientSummary
from patients.timeline_chart import render_timeline

CHART_CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
CACHE_SECONDS = 24 * 3600


def _data_version(patient: Patient) -> str:
    summary = (
        PatientSummary.objects.filter(patient=patient)
        .values_list("requested_at", flat=True)
        .first()
    )
    return (summary or patient.updated_at).isoformat()


def timeline_chart(patient: Patient, fmt: str) -> bytes:
    today = timezone.localdate()
    cutoffs = b12_cutoffs(threshold_set_for_clinic(patient.clinic))
    key = f"timeline-chart:{patient.pk}:{fmt}:{_data_version(patient)}:{today}:{cutoffs}"
    image = cache.get(key)
    if image is None:
        record = clinical_record(patient)
        image = render_timeline(
            record.course(today=today),
            record.inputs.labs,
            record.inputs.protocols,
            fmt=fmt,
            b12_cutoffs=record.b12_cutoffs,
            title=f"{patient.first_name} {patient.last_name} ({patient.mrn})",
        )
        cache.set(key, image, CACHE_SECONDS)
    return image

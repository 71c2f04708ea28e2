"""Scripted lab and treatment histories for the demo patients (called by
``patients/management/commands/seed_demo.py`` as ``seed(patients=<queryset ordered by mrn>)``).

- DEMO-001, vegan: B12 150 pg/mL with raised MMA (0.55 umol/L) at baseline; loading
  intramuscular injections (1000 mcg every other day for 2 weeks), then monthly maintenance
  injections; B12 260 pg/mL after a month and above 300 by month 2 (DOMAIN.md §4).
- DEMO-002: normal B12 and MMA; low ferritin, the hair loss to be explained otherwise.
- DEMO-003, on metformin: borderline B12 (reported in pmol/L) with MMA not raised; high-dose
  oral B12 1000 mcg daily, a few doses missed.

Everything goes through ``labs.services`` so canonical values, fingerprints and the worklist are
computed exactly as for real data. Idempotent: a patient who already has lab results is left
alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from labs import services
from labs.dates import add_months
from labs.models import LabResult


def _at(day, hour=8):
    return datetime.combine(day, time(hour, 30), tzinfo=UTC)


def _labs(patient, rows) -> None:
    for days_ago, analyte, value, unit in rows:
        services.lab_result_record(
            patient=patient,
            created_by=None,
            analyte=analyte,
            value=value,
            unit=unit,
            collected_at=_at(timezone.localdate() - timedelta(days=days_ago)),
        )


def _vegan(patient) -> None:
    today = timezone.localdate()
    _labs(
        patient,
        [
            (250, "b12", "150", "pg/mL"),
            (250, "mma", "0.55", "umol/L"),
            (250, "folate", "9.8", "ng/mL"),
            (250, "ferritin", "48", "ng/mL"),
            (250, "tsh", "2.1", "mIU/L"),
            (250, "haemoglobin", "11.6", "g/dL"),
            (250, "mcv", "103", "fL"),
            (215, "b12", "260", "pg/mL"),
            (185, "b12", "420", "pg/mL"),
            (185, "mma", "310", "nmol/L"),
            (65, "b12", "510", "pg/mL"),
        ],
    )
    loading_start = today - timedelta(days=245)
    loading = services.protocol_create(
        patient=patient,
        created_by=None,
        kind="loading_im",
        start_date=loading_start,
        notes="Severe deficiency with raised MMA; vegan diet.",
    )
    for offset in range(0, 14, 2):
        services.dose_log_record(
            protocol=loading,
            logged_by=None,
            by_patient=False,
            administered_on=loading_start + timedelta(days=offset),
        )
    maintenance_start = loading_start + timedelta(days=14)
    maintenance = services.protocol_create(
        patient=patient,
        created_by=None,
        kind="maintenance_im",
        start_date=maintenance_start,
        co_supplements=["folate"],
    )
    month = 0
    while (day := add_months(maintenance_start, month)) <= today:
        services.dose_log_record(
            protocol=maintenance, logged_by=None, by_patient=False, administered_on=day
        )
        month += 1


def _normal(patient) -> None:
    _labs(
        patient,
        [
            (40, "b12", "480", "pg/mL"),
            (40, "mma", "180", "nmol/L"),
            (40, "ferritin", "22", "ng/mL"),
            (40, "tsh", "2.1", "mIU/L"),
        ],
    )


def _metformin(patient) -> None:
    today = timezone.localdate()
    _labs(
        patient,
        [
            (70, "b12", "170", "pmol/L"),  # 230.35 pg/mL: borderline
            (70, "mma", "0.32", "umol/L"),
            (70, "homocysteine", "13.5", "umol/L"),
            (10, "b12", "260", "pmol/L"),  # 352.3 pg/mL
        ],
    )
    start = today - timedelta(days=60)
    oral = services.protocol_create(
        patient=patient,
        created_by=None,
        kind="high_dose_oral",
        start_date=start,
        notes="Metformin reduces B12 absorption; oral 1000 mcg daily.",
    )
    for offset in range(0, 60):
        if offset % 9 == 4:  # a missed tablet now and then
            continue
        services.dose_log_record(
            protocol=oral,
            logged_by=None,
            by_patient=True,
            administered_on=start + timedelta(days=offset),
        )


SCRIPTS = {"DEMO-001": _vegan, "DEMO-002": _normal, "DEMO-003": _metformin}


@transaction.atomic
def seed(*, patients) -> None:
    for patient in patients:
        script = SCRIPTS.get(patient.mrn)
        if script is None or LabResult.objects.filter(patient=patient).exists():
            continue
        script(patient)

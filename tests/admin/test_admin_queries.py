"""The admin stays fast with real data: the patient list over hundreds of patients and the
patient page over years of history run a bounded number of queries, the same whatever the
number of rows (django_assert_max_num_queries and an exact comparison)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from labs.models import DoseLog, FollowUpItem
from patients.models import Patient, PatientSummary, ShedCount, SymptomReport
from patients.scripted_history import diffuse, lab, protocol, visit
from tests.admin.conftest import analysed_photo, refresh_derived

pytestmark = pytest.mark.django_db

LIST_MAX_QUERIES = 12
INDEX_MAX_QUERIES = 14
PAGE_MAX_QUERIES = 40


def many_patients(clinic, n: int) -> list[Patient]:
    """n patients with a stored summary and three follow-up items each (bulk: no signals)."""
    today = timezone.localdate()
    patients = Patient.objects.bulk_create(
        Patient(clinic=clinic, first_name=f"P{i}", last_name=f"Bulk{i:04d}", mrn=f"BULK-{i:04d}")
        for i in range(n)
    )
    bands = ["deficient", "borderline", "normal", ""]
    PatientSummary.objects.bulk_create(
        PatientSummary(
            patient=p,
            clinic=clinic,
            latest_b12_band=bands[i % 4],
            latest_b12_on=today - timedelta(days=i % 90) if bands[i % 4] else None,
            classification=["b12_deficiency_diffuse", "androgenetic", "mixed"][i % 3],
            confidence="moderate",
            verdict=["on_track", "behind", "too_early"][i % 3],
            stale=False,
        )
        for i, p in enumerate(patients)
    )
    FollowUpItem.objects.bulk_create(
        FollowUpItem(
            clinic=clinic,
            patient=p,
            kind=kind,
            phase="treatment",
            due_on=today + timedelta(days=offset - i % 30),
            status=status,
            reason="scripted",
        )
        for i, p in enumerate(patients)
        for kind, offset, status in (
            ("b12_retest", -20, "overdue"),
            ("photo_visit", 0, "due"),
            ("b12_retest", 60, "upcoming"),
        )
    )
    return patients


def years_of_history(patient, *, years: int) -> None:
    """Monthly six-zone visits, labs every 50 days, yearly protocols with dose logs, shed
    counts every other day and monthly symptom reports, for `years` years."""
    today = timezone.localdate()
    start = today - timedelta(days=365 * years)
    months = 12 * years
    for n in range(months * 30 // 50):
        day = start + timedelta(days=50 * n)
        if n % 2:
            lab(patient, "b12", str(150 + 5 * (n % 60)), "pg/mL", day)
        else:
            lab(patient, "ferritin", str(20 + n % 80), "ng/mL", day)
    for n in range(years):
        plan = protocol(
            patient,
            "high_dose_oral",
            start + timedelta(days=365 * n),
            start + timedelta(days=365 * n + 120),
            route="oral",
            frequency="daily",
        )
        DoseLog.objects.bulk_create(
            DoseLog(
                clinic_id=patient.clinic_id,
                patient=patient,
                protocol=plan,
                administered_on=plan.start_date + timedelta(days=d),
            )
            for d in range(0, 120, 1)
        )
    for month in range(months):
        visit(patient, start + timedelta(days=round(30.44 * month)), diffuse(140 + month * 0.5))
    ShedCount.objects.bulk_create(
        ShedCount(
            clinic_id=patient.clinic_id,
            patient=patient,
            counted_on=start + timedelta(days=2 * d),
            hairs=60 + d % 90,
        )
        for d in range(365 * years // 2)
    )
    SymptomReport.objects.bulk_create(
        SymptomReport(
            clinic_id=patient.clinic_id,
            patient=patient,
            reported_on=start + timedelta(days=30 * m),
            symptoms=["fatigue"],
        )
        for m in range(months)
    )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_the_patient_list_is_bounded_with_hundreds_of_patients(
    cast, login, django_assert_max_num_queries
):
    client = login(cast.clinician_a)
    url = reverse("admin:patients_patient_changelist")
    few = count_queries(client, url)
    many_patients(cast.clinic_a, 400)
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 402
    html = response.content.decode()
    assert html.count("tt-band-deficient") >= 10
    for query in ("", "?b12=deficient", "?classification=mixed", "?retest=overdue", "?q=Bulk00"):
        assert count_queries(client, url + query) == few, query
    print(f"\npatient list: {few} queries (2 and 402 patients)")


def test_the_patient_page_is_bounded_whatever_the_length_of_the_history(
    cast, login, django_assert_max_num_queries
):
    many_patients(cast.clinic_a, 200)
    short, long = cast.other_patient_a, cast.patient_a
    years_of_history(short, years=1)
    years_of_history(long, years=4)
    for patient in (short, long):
        analysed_photo(patient, zone="vertex")
        refresh_derived(patient)
    client = login(cast.clinician_a)
    short_url = reverse("admin:patients_patient_change", args=[short.pk])
    long_url = reverse("admin:patients_patient_change", args=[long.pk])
    client.get(short_url)  # warm the content-type cache
    short_count = count_queries(client, short_url)
    with django_assert_max_num_queries(PAGE_MAX_QUERIES):
        response = client.get(long_url)
    assert response.status_code == 200
    long_count = count_queries(client, long_url)
    assert long_count == short_count
    assert long.scalp_photos.count() == 4 * 12 * 6 + 1
    print(f"\npatient page: {long_count} queries (1-year and 4-year histories)")

    chart = reverse("admin:patients_patient_chart", args=[long.pk])
    assert count_queries(client, chart) == count_queries(
        client, reverse("admin:patients_patient_chart", args=[short.pk])
    )
    index = count_queries(client, reverse("admin:index"))
    assert index <= INDEX_MAX_QUERIES
    print(f"chart: {count_queries(client, chart)} queries; worklist index: {index} queries")

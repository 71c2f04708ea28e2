"""Benchmark the timeline and the assessment on a long history.

Builds a patient with three years of monthly visits (six zones each), 20 lab results and
4 protocols inside a transaction that is rolled back at the end, then times the endpoints
in-process (full middleware and DRF stack, no network) and prints p50/p95/max and the SQL
query count, beside a trivial authenticated endpoint (/api/v1/me/) as the floor.

    python manage.py benchmark_clinical_views [--requests 200]
"""

import statistics
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from clinics.models import Clinic, Membership, Role, User
from patients.models import Patient
from patients.scripted_history import diffuse, lab, protocol, visit


class Rollback(Exception):
    pass


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Time the timeline and assessment endpoints on a three-year history (p95, queries)."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200)

    def handle(self, *args, requests: int, **options):
        try:
            with transaction.atomic():
                self._run(requests)
                raise Rollback
        except Rollback:
            pass

    def _run(self, requests: int) -> None:
        clinic = Clinic.objects.create(name="Benchmark clinic")
        user = User.objects.create(username=f"bench-{time.monotonic_ns()}")
        Membership.objects.create(user=user, clinic=clinic, role=Role.CLINICIAN)
        patient = Patient.objects.create(
            clinic=clinic,
            first_name="Bench",
            last_name="Mark",
            mrn="BENCH-1",
            sex="female",
            diet="vegan",
        )
        start = timezone.localdate() - timedelta(days=3 * 365)
        for n in range(20):
            lab(
                patient,
                "b12" if n % 2 else "ferritin",
                str(150 + 15 * n),
                "pg/mL" if n % 2 else "ng/mL",
                start + timedelta(days=50 * n),
            )
        for n in range(4):
            protocol(
                patient,
                "high_dose_oral",
                start + timedelta(days=250 * n),
                start + timedelta(days=250 * n + 120),
                route="oral",
                frequency="daily",
            )
        for month in range(36):
            visit(patient, start + timedelta(days=round(30.44 * month)), diffuse(140 + month * 0.8))

        client = APIClient()
        client.force_authenticate(user)
        routes = {
            "floor: GET /api/v1/me/": "/api/v1/me/",
            "timeline": f"/api/v1/patients/{patient.pk}/timeline/",
            "assessment": f"/api/v1/patients/{patient.pk}/assessment/",
            "timeline.png": f"/api/v1/patients/{patient.pk}/timeline.png",
        }
        self.stdout.write(
            f"History: 36 visits x 6 zones = {patient.scalp_photos.count()} photos, "
            f"20 lab results, 4 protocols; {requests} requests per route.\n"
        )
        self.stdout.write(f"{'route':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
        for label, url in routes.items():
            count = requests if not label.endswith(".png") else max(10, requests // 10)
            for _ in range(3):  # warm caches and imports
                client.get(url)
            # Counted with an execute wrapper: the client resets Django's query log per request.
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            timings = []
            for _ in range(count):
                began = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - began) * 1000)
            self.stdout.write(
                f"{label:28} {statistics.median(timings):8.1f} {percentile(timings, 0.95):8.1f} "
                f"{max(timings):8.1f} {counter.count:8d}"
            )

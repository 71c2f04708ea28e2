"""Seed a demo clinic with users of each role and patients with scripted histories.

Idempotent: a second run leaves the data as it is and prints the credentials again.
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction

from clinics.models import Clinic, Role
from clinics.services import clinic_create, member_add
from patients import services as patient_services
from patients.models import Patient

DEMO_CLINIC = "Demo Hair Clinic"
OTHER_CLINIC = "Other Clinic (must stay invisible)"
DEMO_PASSWORD = "trichotrack-demo-2026"
USERS = [
    ("demo_admin", Role.CLINIC_ADMIN),
    ("demo_clinician", Role.CLINICIAN),
    ("demo_staff", Role.STAFF),
]


class Command(BaseCommand):
    help = "Create the demo clinic, its users and patients (idempotent) and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, base_url: str, **options):
        if not Clinic.objects.filter(name=DEMO_CLINIC).exists():
            self._seed()
        self._print_access(base_url.rstrip("/"))

    @transaction.atomic
    def _seed(self) -> None:
        clinic = clinic_create(
            name=DEMO_CLINIC,
            admin_username="demo_admin",
            admin_password=DEMO_PASSWORD,
            admin_email="admin@demo.example",
        )
        for username, role in USERS[1:]:
            member_add(
                clinic=clinic,
                username=username,
                password=DEMO_PASSWORD,
                email=f"{username}@demo.example",
                role=role,
            )
        clinic_create(name=OTHER_CLINIC, admin_username="other_admin", admin_password=DEMO_PASSWORD)

        today = date.today()
        vegan = patient_services.patient_create(
            clinic=clinic,
            first_name="Vera",
            last_name="Green",
            mrn="DEMO-001",
            date_of_birth=date(1991, 3, 14),
            sex="female",
            diet="vegan",
            hair_loss_onset=today - timedelta(days=150),
            thin_or_brittle=True,
            premature_greying=True,
        )
        patient_services.patient_create(
            clinic=clinic,
            first_name="Marco",
            last_name="Rossi",
            mrn="DEMO-002",
            date_of_birth=date(1979, 8, 2),
            sex="male",
            diet="omnivore",
            hair_loss_onset=today - timedelta(days=6 * 365),
            miniaturisation=True,
        )
        patient_services.patient_create(
            clinic=clinic,
            first_name="Helen",
            last_name="Baker",
            mrn="DEMO-003",
            date_of_birth=date(1958, 11, 30),
            sex="female",
            diet="omnivore",
            metformin=True,
            proton_pump_inhibitor=True,
            hair_loss_onset=today - timedelta(days=240),
        )
        patient_services.portal_account_create(
            patient=vegan,
            username="demo_patient",
            password=DEMO_PASSWORD,
            email="vera@demo.example",
        )
        for weeks_ago, symptoms in (
            (20, ["fatigue", "numbness_tingling", "pale_skin"]),
            (8, ["fatigue"]),
            (2, []),
        ):
            patient_services.symptom_report_record(
                patient=vegan,
                created_by=None,
                reported_on=today - timedelta(weeks=weeks_ago),
                symptoms=symptoms,
            )
        for days_ago, hairs in ((140, 210), (100, 180), (60, 130), (30, 95), (5, 70)):
            patient_services.shed_count_record(
                patient=vegan,
                created_by=None,
                counted_on=today - timedelta(days=days_ago),
                hairs=hairs,
            )
        self._seed_clinical_history(clinic)

    def _seed_clinical_history(self, clinic: Clinic) -> None:
        """Labs, treatment and photos, where those apps provide a demo history."""
        from importlib import import_module

        for module_name in ("labs.demo", "imaging.demo"):
            try:
                module = import_module(module_name)
            except ModuleNotFoundError:
                continue
            module.seed(patients=Patient.objects.filter(clinic=clinic).order_by("mrn"))

    def _print_access(self, base: str) -> None:
        lines = [
            "",
            "trichotrack demo is ready.",
            f"  Patients (API)    {base}/api/v1/patients/",
            f"  API docs          {base}/api/docs/",
            f"  OpenAPI schema    {base}/api/schema/",
            f"  Admin             {base}/admin/",
            f"  Health            {base}/health/",
            "",
            f"  Users (password for all: {DEMO_PASSWORD})",
            "    demo_admin       clinic admin of the demo clinic",
            "    demo_clinician   clinician",
            "    demo_staff       staff",
            "    demo_patient     patient portal (sees only Vera Green's record)",
            "    other_admin      admin of another clinic (sees none of the demo clinic)",
            "",
            "  Get a token:",
            f"    curl -s -X POST {base}/api/v1/auth/token/ -H 'Content-Type: application/json' \\",
            f'      -d \'{{"username": "demo_clinician", "password": "{DEMO_PASSWORD}"}}\'',
            "",
        ]
        self.stdout.write("\n".join(lines))

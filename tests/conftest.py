"""The standing cast every API test uses: clinic A with an admin, a clinician, a staff member
and a patient-portal user (patient_a); clinic B with a clinician who must see nothing of A."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from clinics.models import Clinic, Role, User
from patients.models import Patient
from tests.factories import ClinicFactory, PatientFactory, member


@dataclass
class Cast:
    clinic_a: Clinic
    clinic_b: Clinic
    admin_a: User
    clinician_a: User
    staff_a: User
    patient_user_a: User
    clinician_b: User
    admin_b: User
    patient_a: Patient  # has the portal account patient_user_a
    other_patient_a: Patient
    patient_b: Patient


@pytest.fixture
def cast(db) -> Cast:
    clinic_a = ClinicFactory(name="Clinic A")
    clinic_b = ClinicFactory(name="Clinic B")
    patient_a = PatientFactory(clinic=clinic_a, first_name="Ada", last_name="Lovelace")
    return Cast(
        clinic_a=clinic_a,
        clinic_b=clinic_b,
        admin_a=member(clinic_a, Role.CLINIC_ADMIN, username="admin_a"),
        clinician_a=member(clinic_a, Role.CLINICIAN, username="clinician_a"),
        staff_a=member(clinic_a, Role.STAFF, username="staff_a"),
        patient_user_a=member(clinic_a, Role.PATIENT, patient=patient_a, username="patient_a"),
        clinician_b=member(clinic_b, Role.CLINICIAN, username="clinician_b"),
        admin_b=member(clinic_b, Role.CLINIC_ADMIN, username="admin_b"),
        patient_a=patient_a,
        other_patient_a=PatientFactory(clinic=clinic_a, first_name="Grace", last_name="Hopper"),
        patient_b=PatientFactory(clinic=clinic_b, first_name="Bea", last_name="Other"),
    )


@pytest.fixture
def api():
    """api(user) -> a client authenticated as that user (None: anonymous)."""

    def client_for(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s a user; the tests are about access rules, not key stretching.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters live in the cache (Redis in CI): each test starts with none.
    cache.clear()
    yield

"""Routes of the clinics and patients apps for the tenancy walk (tests/test_route_walk.py).

Each entry: URL name -> a function of the cast returning the URL kwargs, creating the object
the route is about in clinic A (owned by cast.other_patient_a where it belongs to a patient).
"""

from clinics.models import Membership
from patients.models import ShedCount, SymptomReport


def _symptom_report(cast):
    return SymptomReport.objects.create(
        patient=cast.other_patient_a, reported_on="2026-01-02", symptoms=["fatigue"]
    )


def _shed_count(cast):
    return ShedCount.objects.create(patient=cast.other_patient_a, counted_on="2026-01-02", hairs=90)


def _audit_event(cast):
    from clinics.models import AuditEvent

    cast.other_patient_a.first_name = "Renamed"
    cast.other_patient_a.save()
    return AuditEvent.objects.filter(clinic=cast.clinic_a).latest("timestamp")


ROUTES = {
    "v1:me": lambda cast: {},
    "v1:member-list": lambda cast: {},
    "v1:member-detail": lambda cast: {"pk": Membership.objects.get(user=cast.staff_a).pk},
    "v1:audit-event-list": lambda cast: {},
    "v1:audit-event-detail": lambda cast: {"pk": _audit_event(cast).pk},
    "v1:patient-list": lambda cast: {},
    "v1:patient-detail": lambda cast: {"pk": cast.other_patient_a.pk},
    "v1:patient-portal-account": lambda cast: {"pk": cast.other_patient_a.pk},
    "v1:patient-timeline": lambda cast: {"pk": cast.other_patient_a.pk},
    "v1:patient-timeline-png": lambda cast: {"pk": cast.other_patient_a.pk},
    "v1:patient-timeline-svg": lambda cast: {"pk": cast.other_patient_a.pk},
    "v1:patient-assessment": lambda cast: {"pk": cast.other_patient_a.pk},
    "v1:patient-symptom-reports": lambda cast: {"patient_pk": cast.other_patient_a.pk},
    "v1:symptom-report-detail": lambda cast: {"pk": _symptom_report(cast).pk},
    "v1:patient-shed-counts": lambda cast: {"patient_pk": cast.other_patient_a.pk},
    "v1:shed-count-detail": lambda cast: {"pk": _shed_count(cast).pk},
}

# Routes any caller may use without being a clinic member.
PUBLIC = {"v1:token-obtain", "v1:token-refresh", "v1:token-revoke"}

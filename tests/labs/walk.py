"""Routes of the labs app for the tenancy walk (tests/test_route_walk.py).

Each entry: URL name -> a function of the cast returning the URL kwargs, creating the object the
route is about in clinic A (owned by cast.other_patient_a where it belongs to a patient).
"""

from tests.labs.factories import LabResultFactory, ProtocolFactory


def _lab_result(cast):
    return LabResultFactory(patient=cast.other_patient_a)


def _protocol(cast):
    return ProtocolFactory(patient=cast.other_patient_a)


ROUTES = {
    "v1:patient-labs": lambda cast: {"patient_pk": cast.other_patient_a.pk},
    "v1:lab-result-detail": lambda cast: {"pk": _lab_result(cast).pk},
    "v1:patient-labs-import": lambda cast: {"patient_pk": cast.other_patient_a.pk},
    "v1:patient-fhir": lambda cast: {"patient_pk": cast.other_patient_a.pk},
    "v1:patient-protocols": lambda cast: {"patient_pk": cast.other_patient_a.pk},
    "v1:protocol-detail": lambda cast: {"pk": _protocol(cast).pk},
    "v1:protocol-doses": lambda cast: {"protocol_pk": _protocol(cast).pk},
    "v1:worklist": lambda cast: {},
    "v1:lab-thresholds": lambda cast: {},
}

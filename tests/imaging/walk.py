"""Routes of the imaging app for the tenancy walk (tests/test_route_walk.py).

Each entry: URL name -> a function of the cast returning the URL kwargs, creating the object the
route is about in clinic A (a photo of cast.other_patient_a, analysed, so the overlay exists).
"""

from imaging.models import Analysis
from tests.imaging.factories import DeviceFactory, PhotoFactory


def _analysed_photo(cast):
    photo = PhotoFactory(patient=cast.other_patient_a, status="done")
    Analysis.objects.create(
        photo=photo,
        clinic_id=photo.clinic_id,
        patient_id=photo.patient_id,
        hair_count=40,
        follicular_unit_count=20,
        hair_density_per_cm2=333.3,
        fu_density_per_cm2=166.7,
        analyzed_area_cm2=0.12,
        pixels_per_mm=100.0,
        algorithm_version="walk",
        duration_ms=1,
        overlay="overlays/walk.png",
    )
    return photo


def _photo(cast):
    return {"pk": _analysed_photo(cast).pk}


ROUTES = {
    "v1:patient-photos": lambda cast: {"patient_pk": cast.other_patient_a.pk},
    "v1:photo-detail": _photo,
    "v1:photo-image": _photo,
    "v1:photo-overlay": _photo,
    "v1:photo-reanalyze": _photo,
    "v1:photo-corrections": _photo,
    "v1:device-list": lambda cast: {},
    "v1:device-detail": lambda cast: {"pk": DeviceFactory(clinic=cast.clinic_a).pk},
}

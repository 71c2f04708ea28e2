"""The imaging admin pages follow the clinic scope and never edit analysis results."""

import pytest
from django.test import Client

from tests.imaging.factories import DeviceFactory, PhotoFactory

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_clinics_photos_are_listed_to_its_team_only(cast):
    photo = PhotoFactory(patient=cast.patient_a)
    assert str(photo.pk) in _browser(cast.clinician_a).get("/admin/imaging/photo/").content.decode()
    other = _browser(cast.clinician_b).get("/admin/imaging/photo/")
    assert str(photo.pk) not in other.content.decode()


def test_a_photo_is_shown_read_only(cast):
    photo = PhotoFactory(patient=cast.patient_a)
    client = _browser(cast.admin_a)
    page = client.get(f"/admin/imaging/photo/{photo.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (
        client.post(f"/admin/imaging/photo/{photo.pk}/change/", {"zone": "frontal"}).status_code
        == 403
    )


def test_only_clinic_admins_change_devices(cast):
    device = DeviceFactory(clinic=cast.clinic_a)
    url = f"/admin/imaging/device/{device.pk}/change/"
    form = {
        "clinic": cast.clinic_a.pk,
        "name": "Renamed",
        "magnification": 20,
        "pixels_per_mm": 90,
        "active": "on",
    }
    assert _browser(cast.clinician_a).post(url, form).status_code == 403
    assert _browser(cast.admin_a).post(url, form).status_code == 302
    device.refresh_from_db()
    assert device.name == "Renamed"


def test_a_clinician_reruns_the_analysis_of_selected_photos(cast):
    from imaging.models import AnalysisJob

    photo = PhotoFactory(patient=cast.patient_a, status="done")
    AnalysisJob.objects.filter(photo=photo).update(status="done")
    response = _browser(cast.clinician_a).post(
        "/admin/imaging/photo/",
        {"action": "rerun_analysis", "_selected_action": [str(photo.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Queued a new analysis of 1 photo" in response.content.decode()
    assert AnalysisJob.objects.filter(photo=photo, requested_by=cast.clinician_a).exists()


def test_staff_cannot_rerun_an_analysis_from_the_admin(cast):
    from imaging.models import AnalysisJob

    photo = PhotoFactory(patient=cast.patient_a)
    before = AnalysisJob.objects.filter(photo=photo).count()
    response = _browser(cast.staff_a).post(
        "/admin/imaging/photo/",
        {"action": "rerun_analysis", "_selected_action": [str(photo.pk)]},
        follow=True,
    )
    assert "skipped" in response.content.decode()
    assert AnalysisJob.objects.filter(photo=photo).count() == before

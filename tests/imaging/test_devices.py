"""A clinic's imaging devices: admins manage them, the team reads them, patients list them."""

import pytest

from imaging.models import Device
from tests.imaging.factories import DeviceFactory, PhotoFactory
from tests.imaging.helpers import error_fields

pytestmark = pytest.mark.django_db

NEW = {"name": "FotoFinder 20x", "magnification": 20, "pixels_per_mm": 95.5}


def test_a_clinic_admin_registers_a_device_in_their_clinic(cast, api):
    response = api(cast.admin_a).post("/api/v1/devices/", NEW, format="json")
    assert response.status_code == 201, response.content
    assert Device.objects.get(pk=response.json()["id"]).clinic == cast.clinic_a


@pytest.mark.parametrize("who", ["clinician_a", "staff_a", "patient_user_a"])
def test_only_clinic_admins_register_devices(cast, api, who):
    assert api(getattr(cast, who)).post("/api/v1/devices/", NEW, format="json").status_code == 403


@pytest.mark.parametrize("value", [0, -3, 25_400])
def test_an_absurd_calibration_is_a_400_on_pixels_per_mm(cast, api, value):
    response = api(cast.admin_a).post(
        "/api/v1/devices/", {**NEW, "pixels_per_mm": value}, format="json"
    )
    assert response.status_code == 400
    assert error_fields(response) == {"pixels_per_mm"}


def test_a_duplicate_device_name_is_a_400_on_name(cast, api):
    DeviceFactory(clinic=cast.clinic_a, name=NEW["name"])
    response = api(cast.admin_a).post("/api/v1/devices/", NEW, format="json")
    assert error_fields(response) == {"name"}


def test_the_same_device_name_is_fine_in_another_clinic(cast, api):
    DeviceFactory(clinic=cast.clinic_b, name=NEW["name"])
    assert api(cast.admin_a).post("/api/v1/devices/", NEW, format="json").status_code == 201


def test_the_team_reads_the_clinics_devices(cast, api):
    device = DeviceFactory(clinic=cast.clinic_a)
    client = api(cast.staff_a)
    assert [d["id"] for d in client.get("/api/v1/devices/").json()["results"]] == [str(device.pk)]
    assert client.get(f"/api/v1/devices/{device.pk}/").status_code == 200


def test_a_patient_lists_the_devices_of_their_clinic_only(cast, api):
    mine = DeviceFactory(clinic=cast.clinic_a)
    DeviceFactory(clinic=cast.clinic_b)
    rows = api(cast.patient_user_a).get("/api/v1/devices/").json()["results"]
    assert [d["id"] for d in rows] == [str(mine.pk)]


def test_another_clinic_does_not_see_a_clinics_devices(cast, api):
    device = DeviceFactory(clinic=cast.clinic_a)
    client = api(cast.admin_b)
    assert client.get("/api/v1/devices/").json()["results"] == []
    assert client.get(f"/api/v1/devices/{device.pk}/").status_code == 404
    assert client.patch(f"/api/v1/devices/{device.pk}/", {"active": False}).status_code == 404


def test_an_admin_recalibrates_a_device(cast, api):
    device = DeviceFactory(clinic=cast.clinic_a)
    response = api(cast.admin_a).patch(
        f"/api/v1/devices/{device.pk}/", {"pixels_per_mm": 140}, format="json"
    )
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.pixels_per_mm == 140


def test_a_device_without_photos_is_deleted(cast, api):
    device = DeviceFactory(clinic=cast.clinic_a)
    assert api(cast.admin_a).delete(f"/api/v1/devices/{device.pk}/").status_code == 204
    assert not Device.objects.filter(pk=device.pk).exists()


def test_a_device_photos_were_taken_with_is_kept(cast, api):
    device = DeviceFactory(clinic=cast.clinic_a)
    PhotoFactory(patient=cast.patient_a, device=device)
    response = api(cast.admin_a).delete(f"/api/v1/devices/{device.pk}/")
    assert response.status_code == 400
    assert Device.objects.filter(pk=device.pk).exists()

"""Uploading a calibrated scalp photo: vetted at once, stored clean, analysed later (202)."""

import io

import numpy as np
import pytest
from PIL import Image

from imaging.models import AnalysisJob, Photo
from tests.imaging.factories import (
    DeviceFactory,
    encode,
    png_bomb,
    scalp_jpeg,
    scalp_jpeg_with_gps,
    scalp_rgb,
    stored_files,
)
from tests.imaging.helpers import error_fields, upload

pytestmark = pytest.mark.django_db


def test_an_upload_is_accepted_and_queued(cast, api):
    response = upload(api(cast.clinician_a), cast.patient_a)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    photo = Photo.objects.get(pk=body["id"])
    assert (photo.patient, photo.clinic, photo.zone) == (cast.patient_a, cast.clinic_a, "vertex")
    assert (photo.width, photo.height, photo.pixels_per_mm) == (400, 300, 100.0)
    assert AnalysisJob.objects.get(photo=photo).status == "queued"


def test_the_job_is_published_only_after_the_upload_commits(
    cast, api, django_capture_on_commit_callbacks, monkeypatch
):
    published = []
    monkeypatch.setattr(
        "imaging.tasks.analyze_photo.apply_async", lambda args, **kw: published.append(args)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(api(cast.clinician_a), cast.patient_a)
    assert published == []
    for callback in callbacks:
        callback()
    job = AnalysisJob.objects.get(photo_id=response.json()["id"])
    assert published == [[str(job.pk)]]
    job.refresh_from_db()
    assert job.enqueued_at is not None


def test_a_patient_uploads_their_own_photo(cast, api):
    assert upload(api(cast.patient_user_a), cast.patient_a).status_code == 202


def test_a_patient_cannot_upload_to_another_patients_record(cast, api):
    assert upload(api(cast.patient_user_a), cast.other_patient_a).status_code == 404
    assert not Photo.objects.exists()


def test_another_clinic_cannot_upload_to_a_clinics_patient(cast, api):
    assert upload(api(cast.clinician_b), cast.patient_a).status_code == 404


def test_a_json_body_is_refused_on_the_upload_route(cast, api):
    response = api(cast.clinician_a).post(
        f"/api/v1/patients/{cast.patient_a.pk}/photos/", {"zone": "vertex"}, format="json"
    )
    assert response.status_code == 415


def test_the_stored_copy_has_no_exif_or_gps(cast, api, media):
    original = scalp_jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the input has GPS
    response = upload(api(cast.clinician_a), cast.patient_a, image=original)
    photo = Photo.objects.get(pk=response.json()["id"])
    stored = photo.image.read()
    assert b"Exif" not in stored and b"AcmeScope" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_the_stored_file_name_reveals_nothing(cast, api):
    response = upload(api(cast.clinician_a), cast.patient_a)
    name = Photo.objects.get(pk=response.json()["id"]).image.name
    assert "Lovelace" not in name and "IMG_0042" not in name
    assert name.startswith(f"photos/{cast.clinic_a.pk}/")
    assert len(name.rsplit("/", 1)[1].split(".")[0]) >= 32  # 24 random bytes, url-safe


def test_the_payload_links_the_image_through_the_api_not_a_media_url(cast, api):
    photo_id = upload(api(cast.clinician_a), cast.patient_a).json()["id"]
    body = api(cast.clinician_a).get(f"/api/v1/photos/{photo_id}/").json()
    assert body["image_url"].endswith(f"/api/v1/photos/{photo_id}/image/")
    assert body["overlay_url"] is None
    assert "media" not in str(body)


def test_the_devices_calibration_is_used_when_pixels_per_mm_is_omitted(cast, api):
    device = DeviceFactory(clinic=cast.clinic_a, pixels_per_mm=125.0)
    response = upload(api(cast.staff_a), cast.patient_a, pixels_per_mm=None, device=str(device.pk))
    assert response.status_code == 202, response.content
    photo = Photo.objects.get(pk=response.json()["id"])
    assert (photo.device, photo.pixels_per_mm) == (device, 125.0)


def test_a_typed_calibration_overrides_the_devices(cast, api):
    device = DeviceFactory(clinic=cast.clinic_a, pixels_per_mm=125.0)
    response = upload(api(cast.staff_a), cast.patient_a, pixels_per_mm=110, device=str(device.pk))
    assert Photo.objects.get(pk=response.json()["id"]).pixels_per_mm == 110.0


def test_another_clinics_device_is_refused_and_not_used(cast, api, media):
    foreign = DeviceFactory(clinic=cast.clinic_b, pixels_per_mm=125.0)
    response = upload(api(cast.staff_a), cast.patient_a, pixels_per_mm=None, device=str(foreign.pk))
    assert response.status_code == 400
    assert error_fields(response) == {"device"}
    assert not Photo.objects.exists() and not stored_files(media)


def test_another_clinics_device_gets_the_same_answer_as_a_device_that_does_not_exist(cast, api):
    foreign = DeviceFactory(clinic=cast.clinic_b)
    client = api(cast.staff_a)
    a = upload(client, cast.patient_a, device=str(foreign.pk)).json()
    b = upload(client, cast.patient_a, device="00000000-0000-0000-0000-000000000000").json()
    assert a == b


def _too_many_pixels(settings):
    settings.IMAGING_MAX_PIXELS = 100_000
    return scalp_jpeg()  # 120 000 px


def _too_many_bytes(settings):
    settings.MAX_UPLOAD_BYTES = 2_000
    return scalp_jpeg()


BAD_IMAGES = {
    "not_an_image": lambda settings: b"name,dob\nAda,1815-12-10\n",
    "empty_file": lambda settings: b"",
    "truncated_jpeg": lambda settings: scalp_jpeg()[:6000],
    "gif_not_accepted": lambda settings: encode(scalp_rgb(), "GIF"),
    "bmp_not_accepted": lambda settings: encode(scalp_rgb(), "BMP"),
    "decompression_bomb": lambda settings: png_bomb(),
    "one_pixel_image": lambda settings: encode(scalp_rgb()[:1, :1].copy(), "PNG"),
    "too_many_pixels": _too_many_pixels,
    "longer_than_opencv_remaps": lambda settings: encode(
        np.zeros((64, 32_001, 3), np.uint8), "PNG"
    ),
    "larger_than_the_upload_cap": _too_many_bytes,
}


@pytest.mark.parametrize("case", BAD_IMAGES)
def test_a_bad_image_is_a_400_on_image_and_nothing_is_saved(cast, api, media, settings, case):
    image = BAD_IMAGES[case](settings)
    response = upload(api(cast.clinician_a), cast.patient_a, image=image)
    assert response.status_code == 400, response.content
    assert error_fields(response) == {"image"}
    assert not Photo.objects.exists() and not AnalysisJob.objects.exists()
    assert not stored_files(media)


BAD_CALIBRATIONS = {
    "missing_without_device": None,
    "zero": 0,
    "negative": -120,
    "absurd_per_cm": 12_000,
    "absurd_too_small": 0.5,
    "not_a_number": "lots",
    "too_little_skin_in_the_frame": 900,  # 400x300 px at 900 px/mm is 0.15 mm2
}


@pytest.mark.parametrize("case", BAD_CALIBRATIONS)
def test_a_bad_calibration_is_a_400_on_pixels_per_mm_and_nothing_is_saved(cast, api, media, case):
    value = BAD_CALIBRATIONS[case]
    response = upload(api(cast.clinician_a), cast.patient_a, pixels_per_mm=value)
    assert response.status_code == 400, response.content
    assert error_fields(response) == {"pixels_per_mm"}
    assert not Photo.objects.exists() and not stored_files(media)


@pytest.mark.parametrize(
    ("field", "value"),
    [("zone", "crown"), ("taken_at", "2999-01-01T00:00:00Z"), ("taken_at", "yesterday")],
)
def test_a_bad_form_field_is_a_400_naming_it(cast, api, media, field, value):
    response = upload(api(cast.clinician_a), cast.patient_a, **{field: value})
    assert response.status_code == 400
    assert error_fields(response) == {field}
    assert not stored_files(media)


def test_an_oversized_body_is_refused_before_it_is_read(cast, api, settings, media):
    settings.MAX_UPLOAD_BYTES = 1_000
    client = api(cast.clinician_a)
    url = f"/api/v1/patients/{cast.patient_a.pk}/photos/"
    response = client.generic(
        "POST", url, b"x" * 100_000, content_type="multipart/form-data; boundary=xyz"
    )
    assert response.status_code == 400
    assert error_fields(response) == {"image"}
    assert not Photo.objects.exists() and not stored_files(media)


def test_an_inactive_device_is_refused(cast, api):
    device = DeviceFactory(clinic=cast.clinic_a, active=False)
    response = upload(api(cast.staff_a), cast.patient_a, pixels_per_mm=None, device=str(device.pk))
    assert response.status_code == 400
    assert error_fields(response) == {"device"}


def test_a_lossless_upload_is_stored_lossless(cast, api):
    response = upload(api(cast.clinician_a), cast.patient_a, image=encode(scalp_rgb(), "PNG"))
    photo = Photo.objects.get(pk=response.json()["id"])
    assert photo.image.name.endswith(".png")
    assert Image.open(photo.image).format == "PNG"

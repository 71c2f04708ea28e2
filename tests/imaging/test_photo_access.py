"""The photo, its analysis and its density map reach authorised users of the clinic only,
through the API (never a public media URL)."""

import io

import pytest
from PIL import Image

from clinics.models import AuditEvent
from tests.imaging.factories import PhotoFactory
from tests.imaging.helpers import analysed

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(cast):
    return PhotoFactory(patient=cast.patient_a)


@pytest.fixture
def done_photo(photo):
    analysed(photo)
    return photo


def test_the_clinics_team_gets_the_image(cast, api, photo):
    response = api(cast.staff_a).get(f"/api/v1/photos/{photo.pk}/image/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (400, 300)


def test_an_image_request_accepting_only_images_is_served(cast, api, photo):
    response = api(cast.staff_a).get(f"/api/v1/photos/{photo.pk}/image/", HTTP_ACCEPT="image/*")
    assert response.status_code == 200


def test_an_image_request_accepting_only_images_gets_a_json_404_when_not_found(cast, api, photo):
    response = api(cast.clinician_b).get(
        f"/api/v1/photos/{photo.pk}/image/", HTTP_ACCEPT="image/png"
    )
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


def test_another_clinic_gets_404_for_the_image(cast, api, photo):
    assert api(cast.clinician_b).get(f"/api/v1/photos/{photo.pk}/image/").status_code == 404


def test_another_clinic_gets_404_for_the_overlay(cast, api, done_photo):
    response = api(cast.clinician_b).get(f"/api/v1/photos/{done_photo.pk}/overlay/")
    assert response.status_code == 404


def test_an_anonymous_caller_gets_401_for_the_image_and_overlay(api, done_photo):
    for kind in ("image", "overlay"):
        assert api(None).get(f"/api/v1/photos/{done_photo.pk}/{kind}/").status_code == 401


def test_the_patient_sees_their_own_photo_and_overlay(cast, api, done_photo):
    client = api(cast.patient_user_a)
    assert client.get(f"/api/v1/photos/{done_photo.pk}/").status_code == 200
    assert client.get(f"/api/v1/photos/{done_photo.pk}/image/").status_code == 200
    assert client.get(f"/api/v1/photos/{done_photo.pk}/overlay/").status_code == 200


def test_a_patient_gets_404_for_another_patients_photo(cast, api):
    other = PhotoFactory(patient=cast.other_patient_a)
    assert api(cast.patient_user_a).get(f"/api/v1/photos/{other.pk}/image/").status_code == 404


def test_the_overlay_is_404_until_the_analysis_is_done(cast, api, photo):
    assert api(cast.clinician_a).get(f"/api/v1/photos/{photo.pk}/overlay/").status_code == 404


def test_the_overlay_is_a_png_once_done(cast, api, done_photo):
    response = api(cast.clinician_a).get(f"/api/v1/photos/{done_photo.pk}/overlay/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_viewing_the_image_is_recorded_as_a_read(cast, api, photo):
    api(cast.clinician_a).get(f"/api/v1/photos/{photo.pk}/image/")
    [event] = AuditEvent.objects.filter(object_pk=str(photo.pk), action=AuditEvent.Action.ACCESS)
    assert (event.actor, event.clinic) == (cast.clinician_a, cast.clinic_a)


def test_the_patients_photo_list_shows_their_photos_only(cast, api, photo):
    PhotoFactory(patient=cast.other_patient_a)
    rows = api(cast.clinician_a).get(f"/api/v1/patients/{cast.patient_a.pk}/photos/").json()
    assert [r["id"] for r in rows["results"]] == [str(photo.pk)]


def test_the_photo_list_filters_by_zone(cast, api, photo):
    PhotoFactory(patient=cast.patient_a, zone="frontal")
    url = f"/api/v1/patients/{cast.patient_a.pk}/photos/?zone=frontal"
    assert [r["zone"] for r in api(cast.clinician_a).get(url).json()["results"]] == ["frontal"]


def test_a_deleted_photo_takes_its_files_along(
    done_photo, media, django_capture_on_commit_callbacks
):
    from tests.imaging.factories import stored_files

    assert len(stored_files(media)) == 2  # the photo and its overlay
    with django_capture_on_commit_callbacks(execute=True):
        done_photo.delete()
    assert stored_files(media) == []

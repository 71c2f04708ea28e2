"""Running an analysis job, re-analysis and clinicians' corrections."""

import pytest

from clinics.models import AuditEvent
from imaging import density
from imaging.models import Analysis, AnalysisJob
from imaging.tasks import analyze_photo
from tests.imaging.factories import PhotoFactory, encode, scalp_rgb
from tests.imaging.helpers import analysed, error_fields, run_jobs

pytestmark = pytest.mark.django_db

FIGURES = {
    "hair_count",
    "follicular_unit_count",
    "hair_density_per_cm2",
    "fu_density_per_cm2",
    "hairs_per_fu",
    "single_hair_fu_fraction",
    "mean_shaft_diameter_um",
    "shaft_diameter_cv",
    "thin_hair_fraction",
    "vellus_hair_fraction",
    "analyzed_area_cm2",
    "algorithm_version",
    "duration_ms",
}


@pytest.fixture
def photo(cast):
    return PhotoFactory(patient=cast.patient_a)


def test_a_finished_job_shows_the_analysis_figures(cast, api, photo):
    analysed(photo)
    body = api(cast.clinician_a).get(f"/api/v1/photos/{photo.pk}/").json()
    assert body["status"] == "done"
    assert set(body["analysis"]) >= FIGURES
    assert body["analysis"]["hair_count"] > 0
    assert body["analysis"]["algorithm_version"] == density.ALGORITHM_VERSION
    assert body["overlay_url"].endswith(f"/api/v1/photos/{photo.pk}/overlay/")


def test_the_analysis_matches_the_offline_core_on_the_same_file(photo):
    analysis = analysed(photo)
    rgb, _ = density.vet_and_normalise(photo.image.open("rb").read())
    expected = density.analyze(rgb, pixels_per_mm=photo.pixels_per_mm).as_dict()
    assert (analysis.hair_count, analysis.follicular_unit_count) == (
        expected["hair_count"],
        expected["follicular_unit_count"],
    )


def test_running_the_same_job_twice_records_one_analysis(photo):
    job = AnalysisJob.objects.get(photo=photo)
    analyze_photo(str(job.pk))
    analyze_photo(str(job.pk))
    assert Analysis.objects.filter(photo=photo).count() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1)


def test_a_redelivered_job_already_done_is_left_alone(photo):
    job = AnalysisJob.objects.get(photo=photo)
    analyze_photo(str(job.pk))
    analyze_photo.apply(args=[str(job.pk)])  # the broker delivering the message again
    assert Analysis.objects.filter(photo=photo).count() == 1


def test_a_job_that_no_longer_exists_is_dropped_quietly():
    analyze_photo("00000000-0000-0000-0000-000000000000")


def test_an_image_the_worker_cannot_analyse_fails_with_a_reason(cast):
    # Vetting passed at upload, but the core refuses it (e.g. a later, stricter version).
    photo = PhotoFactory(patient=cast.patient_a, pixels_per_mm=5000)
    run_jobs(photo)
    photo.refresh_from_db()
    assert photo.status == "failed"
    assert "px/mm" in photo.failure_reason


def test_an_unexpected_error_fails_the_job_with_a_human_reason(cast, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("segfault-ish")

    monkeypatch.setattr(density, "analyze", broken)
    photo = PhotoFactory(patient=cast.patient_a)
    run_jobs(photo)
    photo.refresh_from_db()
    assert photo.status == "failed"
    assert "unexpected error" in photo.failure_reason
    assert "segfault-ish" not in photo.failure_reason  # internals stay in the job row
    assert "segfault-ish" in AnalysisJob.objects.get(photo=photo).last_error


def test_the_api_reports_a_failed_photo_with_its_reason(cast, api):
    photo = PhotoFactory(patient=cast.patient_a, pixels_per_mm=5000)
    run_jobs(photo)
    body = api(cast.clinician_a).get(f"/api/v1/photos/{photo.pk}/").json()
    assert body["status"] == "failed" and body["failure_reason"]
    assert body["analysis"] is None


def test_reanalysis_is_queued_and_keeps_the_earlier_analysis_with_its_version(
    cast, api, photo, monkeypatch
):
    first = analysed(photo)
    monkeypatch.setattr(density, "ALGORITHM_VERSION", "density-9.9.9")
    real = density.analyze

    def newer(*args, **kwargs):
        from dataclasses import replace

        return replace(real(*args, **kwargs), algorithm_version="density-9.9.9")

    monkeypatch.setattr(density, "analyze", newer)
    response = api(cast.clinician_a).post(f"/api/v1/photos/{photo.pk}/reanalyze/")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    run_jobs(photo)
    body = api(cast.clinician_a).get(f"/api/v1/photos/{photo.pk}/").json()
    assert body["analysis"]["algorithm_version"] == "density-9.9.9"
    assert [a["algorithm_version"] for a in body["analyses"]] == [
        "density-9.9.9",
        first.algorithm_version,
    ]
    assert Analysis.objects.filter(pk=first.pk).exists()


def test_reanalysing_while_a_job_is_pending_does_not_queue_a_second(cast, api, photo):
    client = api(cast.clinician_a)
    first = client.post(f"/api/v1/photos/{photo.pk}/reanalyze/").json()["job"]
    second = client.post(f"/api/v1/photos/{photo.pk}/reanalyze/").json()["job"]
    assert first == second
    assert AnalysisJob.objects.filter(photo=photo).count() == 1


@pytest.mark.parametrize("who", ["staff_a", "patient_user_a"])
def test_only_clinicians_and_admins_reanalyse(cast, api, photo, who):
    response = api(getattr(cast, who)).post(f"/api/v1/photos/{photo.pk}/reanalyze/")
    assert response.status_code == 403


def _correct(api, user, photo, **fields):
    payload = {"hair_count": 50, "follicular_unit_count": 25, "reason": "Recounted by hand"}
    payload.update(fields)
    return api(user).post(f"/api/v1/photos/{photo.pk}/corrections/", payload, format="json")


def test_a_correction_overrides_the_effective_counts_and_keeps_the_automatic_ones(cast, api, photo):
    automatic = analysed(photo)
    assert _correct(api, cast.clinician_a, photo).status_code == 201
    analysis = api(cast.clinician_a).get(f"/api/v1/photos/{photo.pk}/").json()["analysis"]
    assert (analysis["hair_count"], analysis["follicular_unit_count"]) == (50, 25)
    assert analysis["hair_density_per_cm2"] == round(50 / automatic.analyzed_area_cm2, 2)
    assert analysis["hairs_per_fu"] == 2.0
    assert analysis["automatic"]["hair_count"] == automatic.hair_count
    assert analysis["corrected"] is True
    assert analysis["correction"]["corrected_by"] == "clinician_a"
    assert analysis["correction"]["reason"] == "Recounted by hand"


def test_corrected_figures_feed_the_patients_density_history(cast, api, photo):
    from imaging.selectors import zone_measurements

    analysed(photo)
    _correct(api, cast.clinician_a, photo, hair_count=60, follicular_unit_count=30)
    [row] = zone_measurements(cast.patient_a.pk)
    assert row["hair_density_per_cm2"] == round(60 / 0.12, 2)
    assert row["zone"] == "vertex"


def test_a_correction_is_audited_with_who_and_why(cast, api, photo):
    analysed(photo)
    correction_id = _correct(api, cast.clinician_a, photo).json()["id"]
    [event] = AuditEvent.objects.filter(object_pk=correction_id, action=AuditEvent.Action.CREATE)
    assert (event.actor, event.clinic) == (cast.clinician_a, cast.clinic_a)
    assert event.changes["reason"][1] == "Recounted by hand"
    assert event.changes["hair_count"][1] == 50


def test_a_photo_without_analysis_cannot_be_corrected(cast, api, photo):
    response = _correct(api, cast.clinician_a, photo)
    assert response.status_code == 400


def test_more_units_than_hairs_is_a_400_on_follicular_unit_count(cast, api, photo):
    analysed(photo)
    response = _correct(api, cast.clinician_a, photo, hair_count=10, follicular_unit_count=11)
    assert response.status_code == 400
    assert error_fields(response) == {"follicular_unit_count"}


def test_a_correction_needs_a_reason(cast, api, photo):
    analysed(photo)
    response = _correct(api, cast.clinician_a, photo, reason="")
    assert error_fields(response) == {"reason"}


@pytest.mark.parametrize("who", ["staff_a", "patient_user_a"])
def test_only_clinicians_and_admins_correct(cast, api, photo, who):
    analysed(photo)
    assert _correct(api, getattr(cast, who), photo).status_code == 403


def test_a_png_upload_is_analysed_too(cast):
    from django.core.files.base import ContentFile

    photo = PhotoFactory(
        patient=cast.patient_a, image=ContentFile(encode(scalp_rgb(), "PNG"), name="p.png")
    )
    assert analysed(photo).hair_count > 0

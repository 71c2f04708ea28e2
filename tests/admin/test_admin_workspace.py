"""The clinician's workspace: the worklist landing page, the patient page with its summary,
chart, assessment, photos and inlines, the list with its filters, and the actions (visit upload,
correction, re-analysis, FHIR export), all through the same services as the API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent
from imaging.models import AnalysisCorrection, AnalysisJob, Photo
from labs.models import FollowUpItem
from tests.admin.conftest import analysed_photo, refresh_derived, scripted_recovery
from tests.imaging.factories import scalp_jpeg

pytestmark = pytest.mark.django_db


def change_url(patient) -> str:
    return reverse("admin:patients_patient_change", args=[patient.pk])


def test_the_landing_page_is_the_clinics_worklist(recovery, login):
    open_items = FollowUpItem.objects.filter(
        patient=recovery.patient_a, status__in=["due", "overdue"]
    )
    assert open_items.exists(), list(FollowUpItem.objects.values("kind", "due_on", "status"))
    page = login(recovery.clinician_a).get(reverse("admin:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="tt-worklist"' in html
    assert change_url(recovery.patient_a) in html
    assert "Lovelace, Ada" in html
    counts = page.context["counts"]
    assert counts["patients"] == 2  # clinic A's two patients, never clinic B's
    assert counts["due"] + counts["overdue"] == open_items.count()
    assert counts["photos_failed"] == 0


def test_clinic_b_sees_nothing_of_clinic_as_worklist(recovery, login):
    page = login(recovery.clinician_b).get(reverse("admin:index"))
    assert page.status_code == 200
    assert "Lovelace" not in page.content.decode()
    assert page.context["counts"]["patients"] == 1
    assert page.context["worklist"] == []


def test_the_patient_page_shows_the_workspace_at_a_glance(recovery, login):
    page = login(recovery.clinician_a).get(change_url(recovery.patient_a))
    assert page.status_code == 200
    html = page.content.decode()
    for section in (
        "tt-card-risk",
        "tt-card-b12",
        "tt-card-assessment",
        "tt-card-course",
        "tt-card-due",
        "tt-chart",
        "tt-next-steps",
        "tt-evidence",
        "tt-risk",
        "tt-photos",
        "tt-disclaimer",
    ):
        assert f'id="{section}"' in html, section
    assert reverse("admin:patients_patient_chart", args=[recovery.patient_a.pk]) in html
    overlay = reverse(
        "admin:patients_patient_photo_overlay", args=[recovery.patient_a.pk, recovery.photo_a.pk]
    )
    assert overlay in html
    assert "B12 deficiency (diffuse)" in html
    assert "Vegan diet" in html  # the risk factor with why
    assert "not a diagnosis" in html.lower()
    # Inlines: labs with their bands, protocols with adherence, shed counts, symptoms.
    assert "tt-band-deficient" in html
    assert "Adherence to date" in html
    assert "of 6 doses" in html or "doses" in html
    assert "Shed counts" in html or "shed count" in html.lower()
    assert "Symptom reports" in html or "symptom report" in html.lower()
    # The read was written to the audit trail.
    assert AuditEvent.objects.filter(
        object_pk=str(recovery.patient_a.pk), action=AuditEvent.Action.ACCESS
    ).exists()


def test_the_chart_and_the_overlay_are_images_for_the_clinic_only(recovery, login):
    client = login(recovery.clinician_a)
    chart = client.get(reverse("admin:patients_patient_chart", args=[recovery.patient_a.pk]))
    assert chart.status_code == 200
    assert chart["Content-Type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")
    assert {"private", "no-store"} <= {p.strip() for p in chart["Cache-Control"].split(",")}
    args = [recovery.patient_a.pk, recovery.photo_a.pk]
    overlay = client.get(reverse("admin:patients_patient_photo_overlay", args=args))
    assert overlay.status_code == 200 and overlay.content.startswith(b"\x89PNG")
    thumb = client.get(reverse("admin:patients_patient_photo_image", args=args) + "?size=thumb")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"

    other = login(recovery.clinician_b)
    assert other.get(reverse("admin:patients_patient_chart", args=[args[0]])).status_code == 404
    assert other.get(reverse("admin:patients_patient_photo_overlay", args=args)).status_code == 404
    assert other.get(reverse("admin:patients_patient_photo_image", args=args)).status_code == 404
    # Another patient's URL with this photo: not found either.
    crossed = [recovery.other_patient_a.pk, recovery.photo_a.pk]
    assert (
        client.get(reverse("admin:patients_patient_photo_image", args=crossed)).status_code == 404
    )
    anonymous = login(recovery.patient_user_a)
    response = anonymous.get(reverse("admin:patients_patient_chart", args=[args[0]]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_patient_list_shows_band_classification_verdict_and_next_due(recovery, login):
    page = login(recovery.clinician_a).get(reverse("admin:patients_patient_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lovelace, Ada" in html and "Hopper, Grace" in html and "Other, Bea" not in html
    assert "tt-band-normal" in html  # latest B12 510: normal
    assert "B12 deficiency (diffuse)" in html
    summary = recovery.patient_a.summary
    assert summary.latest_b12_band == "normal"
    next_item = (
        FollowUpItem.objects.filter(patient=recovery.patient_a)
        .exclude(status="done")
        .order_by("due_on")
        .first()
    )
    assert f"{next_item.due_on:%d %b %Y}" in html


@pytest.mark.parametrize(
    ("query", "ada", "grace"),
    [
        ("b12=normal", True, False),
        ("b12=deficient", False, False),
        ("b12=none", False, True),
        ("classification=b12_deficiency_diffuse", True, False),
        ("classification=androgenetic", False, False),
        ("q=lovelace", True, False),
        ("q=", True, True),
    ],
)
def test_the_patient_list_filters_and_searches(recovery, login, query, ada, grace):
    page = login(recovery.clinician_a).get(
        reverse("admin:patients_patient_changelist") + "?" + query
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert ("Lovelace, Ada" in html) is ada
    assert ("Hopper, Grace" in html) is grace


def test_the_retest_filter_finds_due_and_overdue_b12_retests(recovery, login):
    client = login(recovery.clinician_a)
    FollowUpItem.objects.create(
        clinic=recovery.clinic_a,
        patient=recovery.other_patient_a,
        kind="b12_retest",
        phase="treatment",
        due_on=timezone.localdate() - timedelta(days=40),
        status="overdue",
        reason="3-month retest",
    )
    url = reverse("admin:patients_patient_changelist")
    html = client.get(url + "?retest=overdue").content.decode()
    assert "Hopper, Grace" in html
    html = client.get(url + "?retest=open").content.decode()
    assert "Hopper, Grace" in html
    html = client.get(url + "?retest=due").content.decode()
    assert "Hopper, Grace" not in html
    by_search = client.get(url + f"?q={recovery.other_patient_a.mrn}").content.decode()
    assert "Hopper, Grace" in by_search and "Lovelace, Ada" not in by_search


def test_a_visit_is_uploaded_in_one_form_through_the_upload_service(cast, login):
    client = login(cast.clinician_a)
    url = reverse("admin:patients_patient_upload_visit", args=[cast.patient_a.pk])
    assert client.get(url).status_code == 200
    day = timezone.localdate() - timedelta(days=1)
    response = client.post(
        url,
        {
            "taken_on": day.isoformat(),
            "pixels_per_mm": "100",
            "clipped": "",
            "zone_frontal": SimpleUploadedFile("IMG Ada.jpg", scalp_jpeg(seed=1), "image/jpeg"),
            "zone_vertex": SimpleUploadedFile("IMG Ada 2.jpg", scalp_jpeg(seed=2), "image/jpeg"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    photos = Photo.objects.filter(patient=cast.patient_a)
    assert sorted(photos.values_list("zone", flat=True)) == ["frontal", "vertex"]
    assert all(p.taken_at.date() == day and p.uploaded_by == cast.clinician_a for p in photos)
    assert AnalysisJob.objects.filter(photo__in=photos, status="queued").count() == 2
    assert all(p.image.name.startswith(f"photos/{cast.clinic_a.pk}/") for p in photos)


def test_a_visit_with_one_bad_file_stores_nothing_and_names_the_zone(cast, login):
    client = login(cast.clinician_a)
    url = reverse("admin:patients_patient_upload_visit", args=[cast.patient_a.pk])
    response = client.post(
        url,
        {
            "taken_on": timezone.localdate().isoformat(),
            "pixels_per_mm": "100",
            "zone_frontal": SimpleUploadedFile("a.jpg", scalp_jpeg(seed=1), "image/jpeg"),
            "zone_vertex": SimpleUploadedFile("b.jpg", b"not an image at all", "image/jpeg"),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors.get("zone_vertex")
    assert not Photo.objects.filter(patient=cast.patient_a).exists()
    missing = client.post(url, {"taken_on": timezone.localdate().isoformat()})
    assert missing.status_code == 200 and missing.context["form"].non_field_errors()


def test_another_clinics_patient_has_no_upload_form(cast, login):
    url = reverse("admin:patients_patient_upload_visit", args=[cast.patient_a.pk])
    response = login(cast.clinician_b).get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_a_correction_goes_through_the_service_and_is_audited(recovery, login):
    client = login(recovery.clinician_a)
    url = reverse(
        "admin:patients_patient_photo_correct", args=[recovery.patient_a.pk, recovery.photo_a.pk]
    )
    assert client.get(url).status_code == 200
    refused = client.post(url, {"hair_count": 10, "follicular_unit_count": 20, "reason": "x"})
    assert refused.status_code == 200
    assert "follicular_unit_count" in refused.context["form"].errors
    response = client.post(
        url, {"hair_count": 40, "follicular_unit_count": 20, "reason": "Two crossing hairs"}
    )
    assert response.status_code == 302
    correction = AnalysisCorrection.objects.get(analysis__photo=recovery.photo_a)
    assert correction.corrected_by == recovery.clinician_a
    assert correction.reason == "Two crossing hairs"
    assert AuditEvent.objects.filter(
        object_pk=str(correction.pk), action=AuditEvent.Action.CREATE
    ).exists()
    page = client.get(change_url(recovery.patient_a)).content.decode()
    assert "Two crossing hairs" in page and "<strong>40</strong>" in page
    # Staff may look but not correct.
    assert login(recovery.staff_a).post(url, {"hair_count": 1}).status_code == 403


def test_re_running_an_analysis_queues_a_job_through_the_service(recovery, login):
    url = reverse(
        "admin:patients_patient_photo_reanalyze",
        args=[recovery.patient_a.pk, recovery.photo_a.pk],
    )
    assert login(recovery.staff_a).post(url).status_code == 403
    response = login(recovery.clinician_a).post(url, follow=True)
    assert response.status_code == 200
    assert "queued for a new analysis" in response.content.decode()
    assert AnalysisJob.objects.filter(photo=recovery.photo_a, status="queued").count() == 1
    assert login(recovery.clinician_b).post(url).status_code == 302  # not found


def test_the_fhir_export_downloads_the_patients_bundle(recovery, login):
    client = login(recovery.clinician_a)
    response = client.get(reverse("admin:patients_patient_fhir", args=[recovery.patient_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"].startswith("attachment;")
    bundle = json.loads(response.content)
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert kinds == {"Patient", "Observation", "MedicationStatement"}
    # The admin action does the same for the selected patient.
    action = client.post(
        reverse("admin:patients_patient_changelist"),
        {"action": "export_fhir", "_selected_action": [str(recovery.patient_a.pk)]},
    )
    assert action.status_code == 200 and action["Content-Type"] == "application/fhir+json"
    refused = login(recovery.clinician_b).get(
        reverse("admin:patients_patient_fhir", args=[recovery.patient_a.pk])
    )
    assert refused.status_code == 404


def test_a_short_history_page_also_renders(cast, login):
    scripted_recovery(cast.other_patient_a, months=3)
    analysed_photo(cast.other_patient_a, zone="frontal")
    refresh_derived(cast.other_patient_a)
    page = login(cast.staff_a).get(change_url(cast.other_patient_a))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Re-run analysis" not in html  # staff: no clinical actions
    assert 'id="tt-upload-visit"' in html

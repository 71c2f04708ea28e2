"""The workspace in a real browser: Debian's headless Chromium driven by Playwright against a
live server. A clinician logs in, lands on the worklist, opens a patient, sees the timeline chart
and a density overlay load, re-runs an analysis and exports the FHIR bundle, and is refused
another clinic's patient; a patient-portal user is refused at the login. Screenshots of every
step go to test-artifacts/admin/."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.live_worker import flushable_test_database  # noqa: F401  (fixture)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # set up before, so torn down after, the session-wide live server
    pytest.mark.usefixtures("_live_server_sessions_closed"),
]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"
PASSWORD = "correct-horse-battery-staple"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_context():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does).")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="tt-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=LAUNCH_ARGS,
                viewport={"width": 1440, "height": 1000},
                accept_downloads=True,
            )
            context.set_default_timeout(20_000)
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def clinics(flushable_test_database, transactional_db):  # noqa: F811
    """The cast, created through the services: clinic A (admin, clinician, a patient with a
    scripted recovery and an analysed photo with its overlay) and clinic B (one patient)."""
    from clinics import services as clinic_services
    from patients import services as patient_services
    from tests.admin.conftest import analysed_photo, refresh_derived, scripted_recovery

    clinic_a = clinic_services.clinic_create(
        name="Northside Hair Clinic", admin_username="admin_a", admin_password=PASSWORD
    )
    clinician = clinic_services.member_add(
        clinic=clinic_a,
        username="dr_ada",
        password=PASSWORD,
        email="ada@example.org",
        role="clinician",
        first_name="Ada",
        last_name="Byron",
    ).user
    patient = patient_services.patient_create(
        clinic=clinic_a,
        first_name="Mary",
        last_name="Somerville",
        mrn="NHC-0042",
        sex="female",
        date_of_birth=timezone.localdate() - timedelta(days=365 * 47),
    )
    patient_services.patient_create(
        clinic=clinic_a, first_name="Grace", last_name="Hopper", mrn="NHC-0043", sex="female"
    )
    patient_services.portal_account_create(patient=patient, username="mary", password=PASSWORD)
    scripted_recovery(patient, created_by=clinician)
    photo = analysed_photo(patient, zone="vertex", user=clinician)
    refresh_derived(patient)

    clinic_b = clinic_services.clinic_create(
        name="Southside Clinic", admin_username="admin_b", admin_password=PASSWORD
    )
    other = patient_services.patient_create(
        clinic=clinic_b, first_name="Bea", last_name="Elsewhere", mrn="SSC-0001", sex="female"
    )
    return {"patient": patient, "photo": photo, "other": other}


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def image_loaded(page, selector: str) -> bool:
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i && i.complete; }", arg=selector
    )
    return page.eval_on_selector(selector, "i => i.naturalWidth") > 0


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_clinician_works_a_patient_in_the_browser(live_server, clinics, browser_context):
    from imaging.models import AnalysisJob

    base = live_server.url
    patient, photo, other = clinics["patient"], clinics["photo"], clinics["other"]
    page = browser_context.new_page()

    # 1. Log in: the landing page is the clinic's worklist.
    log_in(page, base, "dr_ada")
    assert page.url.rstrip("/").endswith("/admin")
    assert page.locator("#tt-worklist").is_visible()
    assert page.locator("#tt-worklist a", has_text="Somerville, Mary").count() >= 1
    shot(page, "01-worklist")

    # 2. Open the patient from the worklist: summary, chart and overlay load.
    page.locator("#tt-worklist a", has_text="Somerville, Mary").first.click()
    page.wait_for_load_state("networkidle")
    assert "Somerville" in page.title()
    assert image_loaded(page, "#tt-chart img"), "the timeline chart did not load"
    overlay = f"#tt-photo-{photo.pk} img.tt-overlay"
    assert image_loaded(page, overlay), "the density overlay did not load"
    assert image_loaded(page, f"#tt-photo-{photo.pk} img.tt-thumb")
    assert page.locator("#tt-card-assessment").inner_text().strip()
    assert "not a diagnosis" in page.locator("#tt-disclaimer").inner_text().lower()
    shot(page, "02-patient-page")
    page.locator("#tt-chart").screenshot(path=str(ARTIFACTS / "03-chart.png"))
    page.locator(f"#tt-photo-{photo.pk}").screenshot(path=str(ARTIFACTS / "04-photo-card.png"))

    # 3. Re-run the analysis of the photo: the service queues a job, the page says so.
    page.locator(f"#tt-photo-{photo.pk} input.tt-reanalyze").click()
    page.wait_for_load_state("networkidle")
    assert "queued for a new analysis" in page.locator("ul.messagelist").inner_text()
    assert AnalysisJob.objects.filter(photo=photo, status="queued").exists()
    shot(page, "05-reanalysis-queued")

    # 4. Export the FHIR bundle: a JSON download.
    with page.expect_download() as download_info:
        page.click("#tt-export-fhir")
    download = download_info.value
    assert download.suggested_filename == "fhir-nhc-0042.json"
    bundle = json.loads(Path(download.path()).read_text())
    assert bundle["resourceType"] == "Bundle"
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} >= {
        "Patient",
        "Observation",
        "MedicationStatement",
    }

    # 5. The patient list with its columns and filters.
    page.goto(f"{base}/admin/patients/patient/?b12=normal")
    assert page.locator("#result_list", has_text="Somerville, Mary").is_visible()
    assert page.locator("#result_list", has_text="Hopper").count() == 0
    page.goto(f"{base}/admin/patients/patient/")
    shot(page, "06-patient-list")

    # 6. The visit upload form.
    page.goto(f"{base}/admin/patients/patient/{patient.pk}/upload-visit/")
    assert page.locator("#tt-visit-upload input[type=file]").count() == 6
    shot(page, "07-visit-upload-form")

    # 7. Another clinic's patient, typed by hand: not shown.
    page.goto(f"{base}/admin/patients/patient/{other.pk}/change/")
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/").endswith("/admin")
    assert "doesn’t exist" in page.locator("ul.messagelist").inner_text()
    assert "Elsewhere" not in page.content()
    shot(page, "08-other-clinic-refused")
    response = page.goto(f"{base}/admin/patients/patient/{other.pk}/chart.png")
    assert response.status == 404


def test_a_patient_portal_user_is_refused_at_the_login(live_server, clinics, browser_context):
    page = browser_context.new_page()
    log_in(page, live_server.url, "mary")
    assert "/admin/login/" in page.url
    assert "Patient accounts sign in to the patient app" in page.locator(".errornote").inner_text()
    shot(page, "09-portal-user-refused")
    page.goto(f"{live_server.url}/admin/patients/patient/{clinics['patient'].pk}/change/")
    assert "/admin/login/" in page.url

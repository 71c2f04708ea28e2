"""The timeline and the assessment over the API: a scripted recovery, the chart, who may read
them, the audit trail, and a query count that does not grow with the history."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from clinics.models import AuditEvent
from patients.scripted_history import diffuse, lab, protocol, visit

pytestmark = pytest.mark.django_db


def months_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=round(30.44 * n))


@pytest.fixture
def vegan_recovery(cast):
    """A vegan with B12 150 pg/mL and raised MMA, diffuse loss, injections, and recovery."""
    patient = cast.patient_a
    patient.diet = "vegan"
    patient.hair_loss_onset = months_ago(10)
    patient.thin_or_brittle = True
    patient.save()
    start = months_ago(8)
    lab(patient, "b12", "150", "pg/mL", start - timedelta(days=7))
    lab(patient, "mma", "0.62", "umol/L", start - timedelta(days=7))
    lab(patient, "b12", "420", "pg/mL", start + timedelta(days=60))
    lab(patient, "b12", "510", "pg/mL", start + timedelta(days=180))
    protocol(patient, "loading_im", start, start + timedelta(days=13))
    protocol(patient, "maintenance_im", start + timedelta(days=14), frequency="monthly")
    for month, level in enumerate([150, 146, 141, 142, 147, 152, 156, 158, 160]):
        visit(
            patient,
            start + timedelta(days=round(30.44 * month)) - timedelta(days=3),
            diffuse(level),
        )
    return patient


def test_the_timeline_lists_events_in_date_order_with_the_derived_course(cast, api, vegan_recovery):
    response = api(cast.clinician_a).get(f"/api/v1/patients/{vegan_recovery.id}/timeline/")
    assert response.status_code == 200, response.content
    body = response.json()
    dates = [e["date"] for e in body["events"]]
    assert dates == sorted(dates)
    kinds = {e["kind"] for e in body["events"]}
    assert {"lab_result", "protocol_start", "protocol_stop", "photo_visit"} <= kinds
    assert body["baseline"]["mean_hair_density_per_cm2"] == pytest.approx(150)
    assert body["nadir"]["mean_hair_density_per_cm2"] == pytest.approx(141)
    assert body["change_from_nadir_pct"] == pytest.approx(100 * (160 - 141) / 141, abs=0.1)
    assert body["weeks_since_treatment_start"] > 30
    assert body["phase"]["code"]
    assert body["verdict"] == "on_track", body["verdict_reason"]
    assert [p["value_pg_per_ml"] for p in body["b12_series"]] == [150, 420, 510]
    assert len(body["visits"]) == 9
    assert {z["zone"] for z in body["visits"][0]["zones"]} == {
        "frontal",
        "temporal_left",
        "temporal_right",
        "midscalp",
        "vertex",
        "occipital",
    }


def test_the_assessment_calls_the_vegan_recovery_b12_diffuse_loss(cast, api, vegan_recovery):
    response = api(cast.clinician_a).get(f"/api/v1/patients/{vegan_recovery.id}/assessment/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["classification"] == "b12_deficiency_diffuse", body["reason"]
    criteria = {e["criterion"] for e in body["evidence"]}
    assert len(criteria) >= 8
    assert all(e["source"] for e in body["evidence"])
    assert "not a diagnosis" in body["disclaimer"].lower()
    assert body["rules_version"]


def test_a_patient_with_no_data_is_indeterminate_and_told_what_is_missing(cast, api):
    body = (
        api(cast.clinician_a).get(f"/api/v1/patients/{cast.other_patient_a.id}/assessment/").json()
    )
    assert body["classification"] == "indeterminate"
    assert body["missing"]


def test_the_chart_is_served_as_png_and_svg(cast, api, vegan_recovery):
    client = api(cast.clinician_a)
    png = client.get(f"/api/v1/patients/{vegan_recovery.id}/timeline.png")
    svg = client.get(f"/api/v1/patients/{vegan_recovery.id}/timeline.svg")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content


def test_a_patient_sees_their_timeline_but_not_the_assessment(cast, api, vegan_recovery):
    client = api(cast.patient_user_a)
    assert client.get(f"/api/v1/patients/{vegan_recovery.id}/timeline/").status_code == 200
    assert client.get(f"/api/v1/patients/{vegan_recovery.id}/assessment/").status_code == 403


def test_reading_the_assessment_is_audited_as_a_read_of_the_record(cast, api, vegan_recovery):
    api(cast.clinician_a).get(f"/api/v1/patients/{vegan_recovery.id}/assessment/")
    assert AuditEvent.objects.filter(
        object_pk=str(vegan_recovery.id),
        action=AuditEvent.Action.ACCESS,
        actor=cast.clinician_a,
    ).exists()


def _three_year_history(patient):
    start = months_ago(36)
    for n in range(20):
        lab(
            patient,
            "b12" if n % 2 else "ferritin",
            str(200 + n * 10),
            "pg/mL" if n % 2 else "ng/mL",
            start + timedelta(days=50 * n),
        )
    for n in range(4):
        protocol(
            patient,
            "high_dose_oral",
            start + timedelta(days=200 * n),
            start + timedelta(days=200 * n + 100),
            route="oral",
            frequency="daily",
        )
    for month in range(36):
        visit(patient, start + timedelta(days=round(30.44 * month)), diffuse(150 + month))


@pytest.mark.parametrize("route", ["timeline", "assessment"])
def test_the_query_count_does_not_grow_with_the_history(
    cast, api, route, django_assert_max_num_queries
):
    client = api(cast.clinician_a)
    url = f"/api/v1/patients/{cast.patient_a.id}/{route}/"
    visit(cast.patient_a, months_ago(1), diffuse(150))
    lab(cast.patient_a, "b12", "250", "pg/mL", months_ago(1))
    protocol(cast.patient_a, "high_dose_oral", months_ago(1), route="oral", frequency="daily")
    with django_assert_max_num_queries(20) as short:
        client.get(url)
    _three_year_history(cast.patient_a)
    with django_assert_max_num_queries(20) as long:
        assert client.get(url).status_code == 200
    assert len(long.captured_queries) == len(short.captured_queries)


@pytest.mark.parametrize(
    ("route", "serializer_name"),
    [("timeline", "TimelineSerializer"), ("assessment", "AssessmentSerializer")],
)
def test_the_response_has_exactly_the_documented_shape(
    cast, api, vegan_recovery, route, serializer_name
):
    from patients import serializers

    body = api(cast.clinician_a).get(f"/api/v1/patients/{vegan_recovery.id}/{route}/").json()
    serializer = getattr(serializers, serializer_name)(data=body)
    assert serializer.is_valid(), serializer.errors
    assert set(body) == set(serializer.fields)


def test_the_chart_is_redrawn_after_new_data(cast, api, vegan_recovery):
    client = api(cast.clinician_a)
    url = f"/api/v1/patients/{vegan_recovery.id}/timeline.svg"
    before = client.get(url).content
    assert client.get(url).content == before  # unchanged data: the cached drawing
    lab(vegan_recovery, "b12", "180", "pg/mL", timezone.localdate())
    assert client.get(url).content != before

"""Who gets into the admin and what they see: clinic team members only (never patient-portal
users), every list, page, search, autocomplete, filter, action and typed URL scoped to the
user's clinics, and roles decided in the object's own clinic."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory
from django.urls import reverse

from clinics.models import Membership, Role
from labs.models import LabResult, Protocol
from patients.models import Patient, ShedCount
from patients.scripted_history import lab, protocol
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def post_login(username: str) -> Client:
    client = Client()
    client.post(
        reverse("admin:login"),
        {"username": username, "password": PASSWORD, "next": reverse("admin:index")},
    )
    return client


def test_a_clinician_without_is_staff_logs_in(cast):
    assert not cast.clinician_a.is_staff
    client = post_login("clinician_a")
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("username", ["staff_a", "admin_a"])
def test_every_clinic_team_role_logs_in(cast, username):
    assert post_login(username).get(reverse("admin:index")).status_code == 200


def test_a_patient_portal_user_cannot_log_in(cast):
    client = Client()
    response = client.post(reverse("admin:login"), {"username": "patient_a", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert "Patient accounts sign in to the patient app" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_forced_session_of_a_portal_user_is_not_let_in(cast):
    client = Client()
    client.force_login(cast.patient_user_a)
    response = client.get(reverse("admin:patients_patient_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_inactive_membership_closes_the_admin(cast):
    Membership.objects.filter(user=cast.clinician_a).update(is_active=False)
    assert post_login("clinician_a").get(reverse("admin:index")).status_code == 302


def test_another_clinics_patient_typed_by_hand_is_not_found(cast, login):
    client = login(cast.admin_b)  # holds every role of clinic B, including delete
    for name in ("change", "history", "delete"):
        url = reverse(f"admin:patients_patient_{name}", args=[cast.patient_a.pk])
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"] == reverse("admin:index")
        shown = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("doesn’t exist" in m for m in shown), shown
    # Nothing of the patient leaks on the page it lands on.
    landed = client.get(
        reverse("admin:patients_patient_change", args=[cast.patient_a.pk]), follow=True
    )
    assert "Lovelace" not in landed.content.decode()


def test_another_clinics_rows_are_not_found_in_any_scoped_admin(cast, login):
    result = lab(cast.patient_a, "b12", "150", "pg/mL", cast.patient_a.created_at.date())
    plan = protocol(cast.patient_a, "loading_im", cast.patient_a.created_at.date())
    count = ShedCount.objects.create(
        patient=cast.patient_a, clinic=cast.clinic_a, counted_on="2026-01-01", hairs=120
    )
    client = login(cast.clinician_b)
    for model, obj in (
        ("labs_labresult", result),
        ("labs_protocol", plan),
        ("patients_shedcount", count),
    ):
        listing = client.get(reverse(f"admin:{model}_changelist")).content.decode()
        assert str(obj.pk) not in listing, model
        response = client.get(reverse(f"admin:{model}_change", args=[obj.pk]))
        assert response.status_code == 302, model
        client.get(response["Location"])  # consume the "doesn't exist" message


def test_lists_and_search_show_only_the_users_clinics(cast, login):
    client = login(cast.clinician_b)
    url = reverse("admin:patients_patient_changelist")
    html = client.get(url).content.decode()
    assert "Other, Bea" in html and "Lovelace" not in html and "Hopper" not in html
    html = client.get(url + f"?q={cast.patient_a.mrn}").content.decode()
    assert "Lovelace, Ada" not in html
    html = client.get(url + "?q=Lovelace").content.decode()
    assert "Lovelace, Ada" not in html and "0 patients" in html


def test_autocomplete_is_scoped(cast, login):
    url = reverse("admin:autocomplete")
    params = {
        "app_label": "patients",
        "model_name": "shedcount",
        "field_name": "patient",
        "term": "Lovelace",
    }
    mine = login(cast.clinician_a).get(url, params)
    assert mine.status_code == 200
    assert [r["id"] for r in mine.json()["results"]] == [str(cast.patient_a.pk)]
    theirs = login(cast.clinician_b).get(url, params)
    assert theirs.status_code == 200
    assert theirs.json()["results"] == []
    everyone = login(cast.clinician_b).get(url, {**params, "term": ""})
    assert [r["id"] for r in everyone.json()["results"]] == [str(cast.patient_b.pk)]


def test_foreign_key_choices_are_scoped(cast, login):
    page = login(cast.clinician_b).get(reverse("admin:labs_labresult_add"))
    assert page.status_code == 200
    choices = {str(pk) for pk, _ in page.context["adminform"].form.fields["patient"].choices if pk}
    assert choices == {str(cast.patient_b.pk)}
    clinic_choices = login(cast.admin_b).get(reverse("admin:patients_patient_add"))
    clinics = {
        str(pk) for pk, _ in clinic_choices.context["adminform"].form.fields["clinic"].choices if pk
    }
    assert clinics == {str(cast.clinic_b.pk)}


def test_a_posted_foreign_patient_is_refused(cast, login):
    response = login(cast.clinician_b).post(
        reverse("admin:labs_labresult_add"),
        {
            "patient": str(cast.patient_a.pk),
            "analyte": "b12",
            "value": "150",
            "unit": "pg/mL",
            "collected_at_0": "2026-01-01",
            "collected_at_1": "10:00:00",
            "source": "manual",
        },
    )
    assert response.status_code == 200
    assert "patient" in response.context["adminform"].form.errors
    assert not LabResult.objects.filter(patient=cast.patient_a).exists()


def test_actions_only_reach_the_users_rows(cast, login):
    response = login(cast.clinician_b).post(
        reverse("admin:patients_patient_changelist"),
        {"action": "export_fhir", "_selected_action": [str(cast.patient_a.pk)]},
    )
    # Nothing of clinic A is selected: Django's "no items" message, no download.
    assert response.status_code == 302
    assert response.get("Content-Type", "").startswith("text/html")


def test_related_filters_list_only_the_users_rows(cast, login):
    from clinics.admin import ClinicScopedAdmin

    lab_admin = site._registry[LabResult]
    assert isinstance(lab_admin, ClinicScopedAdmin)
    request = RequestFactory().get("/")
    request.user = cast.clinician_b
    lab_admin.list_filter = ["analyte", "patient"]
    try:
        filters = lab_admin.get_list_filter(request)
        assert filters[0] == "analyte"
        assert filters[1][0] == "patient"
        page = login(cast.clinician_b).get(reverse("admin:labs_labresult_changelist"))
        assert "Lovelace" not in page.content.decode()
    finally:
        lab_admin.list_filter = ["analyte", "source"]


def test_roles_are_decided_in_the_objects_own_clinic(cast):
    """A clinician of clinic A who is only staff in clinic B may edit A's protocols, not B's."""
    Membership.objects.create(user=cast.clinician_a, clinic=cast.clinic_b, role=Role.STAFF)
    plan_a = protocol(cast.patient_a, "loading_im", cast.patient_a.created_at.date())
    plan_b = protocol(cast.patient_b, "loading_im", cast.patient_b.created_at.date())
    protocol_admin = site._registry[Protocol]
    request = RequestFactory().get("/")
    request.user = cast.clinician_a
    assert protocol_admin.has_view_permission(request, plan_b)
    assert protocol_admin.has_change_permission(request, plan_a)
    assert not protocol_admin.has_change_permission(request, plan_b)
    patient_admin = site._registry[Patient]
    assert not patient_admin.has_delete_permission(request, cast.patient_a)


def test_staff_see_protocols_read_only_and_cannot_delete_patients(cast, login):
    protocol(cast.patient_a, "loading_im", cast.patient_a.created_at.date())
    client = login(cast.staff_a)
    page = client.get(reverse("admin:patients_patient_change", args=[cast.patient_a.pk]))
    assert page.status_code == 200
    formsets = {f.opts.model.__name__: f for f in page.context["inline_admin_formsets"]}
    assert not formsets["Protocol"].has_change_permission
    assert formsets["LabResult"].has_change_permission
    response = client.get(reverse("admin:patients_patient_delete", args=[cast.patient_a.pk]))
    assert response.status_code == 403


def test_portal_members_never_reach_a_clinic_scope_even_with_a_team_role_elsewhere(cast, login):
    """A portal user of clinic A who is staff of clinic B sees clinic B only."""
    Membership.objects.create(user=cast.patient_user_a, clinic=cast.clinic_b, role=Role.STAFF)
    client = login(cast.patient_user_a)
    html = client.get(reverse("admin:patients_patient_changelist")).content.decode()
    assert "Other, Bea" in html and "Lovelace" not in html
    response = client.get(reverse("admin:patients_patient_change", args=[cast.patient_a.pk]))
    assert response.status_code == 302

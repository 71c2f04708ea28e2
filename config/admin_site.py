"""The Django admin as the clinicians' workspace: open to active clinic team members (never to
patient-portal users), with every model admin scoped to the user's clinics
(`clinics.admin.ClinicScopedAdmin`). The landing page is the clinic's follow-up worklist."""

import functools

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


@functools.cache
def clinic_team_login_form():
    """The admin's login form (built on first use: auth's forms need the app registry)."""
    from django import forms
    from django.contrib.admin.forms import AdminAuthenticationForm
    from django.contrib.auth.forms import AuthenticationForm

    class ClinicTeamAuthenticationForm(AdminAuthenticationForm):
        """Django's admin login asks for `is_staff`; here the clinic membership decides."""

        error_messages = {
            **AdminAuthenticationForm.error_messages,
            "invalid_login": (
                "Please enter the correct username and password of a clinic team account. "
                "Patient accounts sign in to the patient app, not here."
            ),
        }

        def confirm_login_allowed(self, user):
            AuthenticationForm.confirm_login_allowed(self, user)  # the is_active check
            if not is_clinic_team(user):
                raise forms.ValidationError(
                    self.error_messages["invalid_login"],
                    code="invalid_login",
                    params={"username": self.username_field.verbose_name},
                )

    return ClinicTeamAuthenticationForm


def is_clinic_team(user) -> bool:
    """Active superusers, and active users with an active clinic-team membership (clinic admin,
    clinician, staff). A patient-portal membership never opens the admin."""
    from clinics.models import Membership
    from clinics.tenancy import CLINIC_TEAM

    if not (user and user.is_active and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, is_active=True, role__in=CLINIC_TEAM).exists()


class TrichotrackAdminSite(admin.AdminSite):
    site_header = "trichotrack"
    site_title = "trichotrack"
    index_title = "Worklist"

    @property
    def login_form(self):
        return clinic_team_login_form()

    index_template = "admin/trichotrack_index.html"

    def has_permission(self, request) -> bool:
        from clinics.tenancy import CLINIC_TEAM, Actor

        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_superuser or bool(Actor.of(request).memberships_with(CLINIC_TEAM))

    def index(self, request, extra_context=None):
        from patients.admin_views import worklist_context

        context = {**worklist_context(request), **(extra_context or {})}
        return super().index(request, extra_context=context)


class TrichotrackAdminConfig(AdminConfig):
    default_site = "config.admin_site.TrichotrackAdminSite"

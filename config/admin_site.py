"""The Django admin as the clinicians' workspace: open to active clinic team members (never to
patient-portal users), with every model admin scoped to the user's clinics
(`clinics.admin.ClinicScopedAdmin`)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class TrichotrackAdminSite(admin.AdminSite):
    site_header = "trichotrack"
    site_title = "trichotrack"
    index_title = "Clinic workspace"

    def has_permission(self, request) -> bool:
        from clinics.tenancy import CLINIC_TEAM, Actor

        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_superuser or bool(Actor.of(request).memberships_with(CLINIC_TEAM))


class TrichotrackAdminConfig(AdminConfig):
    default_site = "config.admin_site.TrichotrackAdminSite"

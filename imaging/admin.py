"""Imaging in the clinic-scoped admin (clinics.admin): devices are managed by clinic admins;
photos, analyses and corrections are results of the API and the workers, shown read-only (a
correction goes through the API, where it is validated and audited with its reason)."""

from django.contrib import admin, messages

from clinics.admin import ClinicScopedAdmin, ScopedInline, holds
from clinics.tenancy import ADMINS, CLINIC_TEAM, CLINICAL
from imaging import services
from imaging.models import Analysis, AnalysisCorrection, AnalysisJob, Device, Photo


class ReadOnlyScopedAdmin(ClinicScopedAdmin):
    view_roles = CLINIC_TEAM

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Device)
class DeviceAdmin(ClinicScopedAdmin):
    view_roles = CLINIC_TEAM
    change_roles = add_roles = delete_roles = ADMINS
    list_display = ["name", "clinic", "magnification", "pixels_per_mm", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    readonly_fields = ["id", "created_at", "updated_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # A device photos were taken with is kept (deactivate it instead).
        if obj is not None and obj.photos.exists():
            return False
        return super().has_delete_permission(request, obj)


class JobInline(ScopedInline):
    model = AnalysisJob
    show_change_link = False
    fields = ["status", "attempts", "created_at", "enqueued_at", "started_at", "finished_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Photo)
class PhotoAdmin(ReadOnlyScopedAdmin):
    list_display = ["id", "patient", "zone", "taken_at", "status", "created_at"]
    list_filter = ["status", "zone"]
    list_select_related = ["patient"]
    # The image is served by the API to authorised users only: no file link here.
    exclude = ["image"]
    readonly_fields = [
        "id",
        "clinic",
        "patient",
        "zone",
        "taken_at",
        "pixels_per_mm",
        "device",
        "clipped",
        "width",
        "height",
        "status",
        "failure_reason",
        "uploaded_by",
        "created_at",
    ]
    inlines = [JobInline]
    actions = ["rerun_analysis"]

    @admin.action(description="Re-run the analysis of the selected photos")
    def rerun_analysis(self, request, queryset):
        """Queue a new analysis of each photo (earlier analyses are kept with their algorithm
        version); only in clinics where the user is a clinician or an admin."""
        queued, refused = 0, 0
        for photo in queryset:
            if not holds(request, CLINICAL, photo.clinic_id):
                refused += 1
                continue
            services.photo_reanalyze(photo=photo, requested_by=request.user)
            queued += 1
        if queued:
            self.message_user(request, f"Queued a new analysis of {queued} photo(s).")
        if refused:
            self.message_user(
                request,
                f"{refused} photo(s) skipped: re-analysis is for clinicians and admins.",
                level=messages.WARNING,
            )


@admin.register(Analysis)
class AnalysisAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "id",
        "photo",
        "hair_count",
        "follicular_unit_count",
        "algorithm_version",
        "created_at",
    ]
    list_select_related = ["photo"]
    exclude = ["overlay"]


@admin.register(AnalysisCorrection)
class AnalysisCorrectionAdmin(ReadOnlyScopedAdmin):
    list_display = [
        "analysis",
        "hair_count",
        "follicular_unit_count",
        "corrected_by",
        "created_at",
    ]

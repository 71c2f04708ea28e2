"""One scoped base for every model admin: rows, related choices and permissions all follow the
user's clinic memberships, exactly as the API's TenantScopedViewSet does."""

from django.contrib import admin
from django.db.models import QuerySet

from clinics.models import AuditEvent, Clinic, Membership, Role
from clinics.tenancy import ADMINS, CLINIC_TEAM, Actor


class ClinicScopedAdmin(admin.ModelAdmin):
    clinic_field = "clinic"
    view_roles = CLINIC_TEAM
    change_roles = CLINIC_TEAM
    add_roles = CLINIC_TEAM
    delete_roles = ADMINS

    def _holds(self, request, roles) -> bool:
        return request.user.is_superuser or bool(Actor.of(request).memberships_with(roles))

    def get_queryset(self, request) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        actor = Actor.of(request)
        return queryset.filter(
            actor.scope(self.view_roles, clinic_field=self.clinic_field, patient_field=None)
        )

    def has_module_permission(self, request) -> bool:
        return self._holds(request, self.view_roles)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.view_roles)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.change_roles)

    def has_add_permission(self, request) -> bool:
        return self._holds(request, self.add_roles)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.delete_roles)

    def user_clinic_ids(self, request) -> list:
        return [m.clinic_id for m in Actor.of(request).memberships_with(self.change_roles)]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Choices of related clinic data are scoped too: no picking another clinic's patient.
        related = db_field.related_model
        if not request.user.is_superuser:
            if related is Clinic:
                kwargs["queryset"] = Clinic.objects.filter(id__in=self.user_clinic_ids(request))
            elif any(f.name == "clinic" for f in related._meta.fields):
                kwargs["queryset"] = related._default_manager.filter(
                    clinic_id__in=self.user_clinic_ids(request)
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInline(admin.TabularInline):
    extra = 0
    show_change_link = True

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser or bool(Actor.of(request).memberships_with(ADMINS))


@admin.register(Membership)
class MembershipAdmin(ClinicScopedAdmin):
    view_roles = change_roles = add_roles = delete_roles = ADMINS
    list_display = ["user", "clinic", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["patient"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [(r.value, r.label) for r in Role if r != Role.PATIENT]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


if admin.site.is_registered(AuditEvent):  # auditlog registers a generic admin of its own
    admin.site.unregister(AuditEvent)


@admin.register(AuditEvent)
class AuditEventAdmin(ClinicScopedAdmin):
    view_roles = ADMINS
    list_display = ["timestamp", "actor", "action", "content_type", "object_repr", "remote_addr"]
    list_filter = ["action", "content_type"]
    date_hierarchy = "timestamp"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

"""One scoped base for every model admin: rows, related choices, filters and permissions all
follow the user's clinic memberships, exactly as the API's TenantScopedViewSet does.

- Rows: `get_queryset` is narrowed to the clinics where the user holds `view_roles`; Django's
  change, history and delete views, search, the changelist filters, actions and autocomplete all
  start from it, so another clinic's object is simply "not found" (a redirect with a message).
- Roles: a permission asked about one object is decided by the user's role in *that object's*
  clinic (a clinician in clinic A who is staff in clinic B cannot edit B's protocols).
- Choices: foreign-key choices (clinics, patients, photos, users...) and the options of related
  list filters are limited to the user's clinics.
- Inlines (`ScopedInline`) follow the same roles, decided in the parent object's clinic.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet

from clinics.models import AuditEvent, Clinic, Membership, Role
from clinics.tenancy import ADMINS, CLINIC_TEAM, Actor


def clinic_id_of(obj, clinic_field: str = "clinic"):
    """The clinic id of an object, following a `clinic_field` path such as "photo__clinic"."""
    *path, last = clinic_field.split("__")
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def _has_field(obj, name: str) -> bool:
    return any(f.name == name for f in obj._meta.fields)


def holds(request, roles, clinic_id=None) -> bool:
    """Whether the user holds one of `roles` (in `clinic_id` when given, else in some clinic)."""
    if request.user.is_superuser:
        return True
    memberships = Actor.of(request).memberships_with(roles)
    if clinic_id is None:
        return bool(memberships)
    return any(m.clinic_id == clinic_id for m in memberships)


def clinic_ids(request, roles) -> list:
    return [m.clinic_id for m in Actor.of(request).memberships_with(roles)]


def scoped_choices(request, related_model, roles) -> QuerySet | None:
    """The choices of a relation to `related_model` for this user, or None to leave them alone
    (superusers; models that do not belong to a clinic and are not users)."""
    if request.user.is_superuser:
        return None
    ids = clinic_ids(request, roles)
    if related_model is Clinic:
        return Clinic.objects.filter(id__in=ids)
    if any(f.name == "clinic" for f in related_model._meta.fields):
        return related_model._default_manager.filter(clinic_id__in=ids)
    if related_model is get_user_model():
        # Users: the team of the user's clinics only (never another clinic's staff, never
        # portal users).
        team = Membership.objects.filter(
            clinic_id__in=ids, is_active=True, role__in=CLINIC_TEAM
        ).values("user_id")
        return related_model._default_manager.filter(id__in=team)
    return None


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices limited to the user's clinics (admins and inlines)."""

    def choice_roles(self):
        return self.change_roles

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = scoped_choices(request, db_field.related_model, self.choice_roles())
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = scoped_choices(request, db_field.related_model, self.choice_roles())
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ClinicScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    clinic_field = "clinic"
    view_roles = CLINIC_TEAM
    change_roles = CLINIC_TEAM
    add_roles = CLINIC_TEAM
    delete_roles = ADMINS

    def _holds(self, request, roles, obj=None) -> bool:
        clinic_id = clinic_id_of(obj, self.clinic_field) if obj is not None else None
        if obj is not None and clinic_id is None and not request.user.is_superuser:
            return False
        return holds(request, roles, clinic_id)

    def get_queryset(self, request) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        actor = Actor.of(request)
        return queryset.filter(
            actor.scope(self.view_roles, clinic_field=self.clinic_field, patient_field=None)
        )

    def get_readonly_fields(self, request, obj=None):
        # Once saved, a row stays in its clinic and with its patient: moving it would split a
        # record from its patient's clinic (and from the scope that protects it).
        fixed = [f for f in ("clinic", "patient") if obj is not None and _has_field(obj, f)]
        return [*super().get_readonly_fields(request, obj), *fixed]

    def has_module_permission(self, request) -> bool:
        return self._holds(request, self.view_roles)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.view_roles, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.change_roles, obj)

    def has_add_permission(self, request) -> bool:
        return self._holds(request, self.add_roles)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.delete_roles, obj)

    def user_clinic_ids(self, request) -> list:
        return clinic_ids(request, self.change_roles)

    def get_list_filter(self, request):
        # A filter on a relation lists only the values present in the user's rows (Django's
        # plain RelatedFieldListFilter would list every clinic's patients, users...).
        scoped = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and self._is_relation(entry):
                entry = (entry, admin.RelatedOnlyFieldListFilter)
            scoped.append(entry)
        return scoped

    def _is_relation(self, path: str) -> bool:
        try:
            field = get_fields_from_path(self.model, path)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return False
        return bool(getattr(field, "is_relation", False))

    def save_model(self, request, obj, form, change):
        # Last line of defence: nothing is written into a clinic where the user lacks the role.
        if getattr(obj, "patient_id", None) and _has_field(obj, "clinic"):
            obj.clinic_id = obj.patient.clinic_id  # rows of a patient live in its clinic
        roles = self.change_roles if change else self.add_roles
        if not self._holds(request, roles, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class RecentRowsFormSet(BaseInlineFormSet):
    """An inline formset over the parent's latest `max_rows` rows only (the inline's ordering
    decides which), so a page stays the same size whatever the length of the history.
    `prepare_rows` computes per-row display values once, in bulk, instead of once per row."""

    max_rows: int | None = None

    def get_queryset(self):
        if getattr(self, "_recent_ready", False):
            return self._queryset
        queryset = super().get_queryset()
        if self.max_rows is not None:
            pks = list(queryset.values_list("pk", flat=True)[: self.max_rows])
            queryset = queryset.filter(pk__in=pks)
        self._queryset = queryset
        self._recent_ready = True
        self.prepare_rows(list(queryset))  # evaluates (and caches) the rows once
        return queryset

    def prepare_rows(self, rows) -> None:
        pass


class ScopedInline(ScopedChoicesMixin, admin.TabularInline):
    """An inline of a clinic-scoped parent: its permissions are the roles the user holds in the
    parent object's clinic (rows of a patient belong to the patient's clinic). With `max_rows`,
    only the latest rows (by `ordering`) are shown and edited here."""

    extra = 0
    show_change_link = True
    formset = RecentRowsFormSet
    max_rows: int | None = None
    view_roles = CLINIC_TEAM
    change_roles = CLINIC_TEAM
    add_roles = CLINIC_TEAM
    delete_roles = ADMINS

    def _holds(self, request, roles, obj=None) -> bool:
        clinic_id = getattr(obj, "clinic_id", None) if obj is not None else None
        return holds(request, roles, clinic_id)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.view_roles, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.change_roles, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.add_roles, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._holds(request, self.delete_roles, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if issubclass(formset, RecentRowsFormSet) and self.max_rows is not None:
            formset = type(formset.__name__, (formset,), {"max_rows": self.max_rows})
        return formset


@admin.register(Membership)
class MembershipAdmin(ClinicScopedAdmin):
    view_roles = change_roles = add_roles = delete_roles = ADMINS
    list_display = ["user", "clinic", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["patient"]
    list_select_related = ["user", "clinic"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [(r.value, r.label) for r in Role if r != Role.PATIENT]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # A membership names an existing team member of one of the admin's clinics.
            kwargs["queryset"] = scoped_choices(request, db_field.related_model, ADMINS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


if admin.site.is_registered(AuditEvent):  # auditlog registers a generic admin of its own
    admin.site.unregister(AuditEvent)


@admin.register(AuditEvent)
class AuditEventAdmin(ClinicScopedAdmin):
    view_roles = ADMINS
    list_display = ["timestamp", "actor", "action", "content_type", "object_repr", "remote_addr"]
    list_filter = ["action", "content_type"]
    date_hierarchy = "timestamp"
    list_select_related = ["actor", "content_type"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

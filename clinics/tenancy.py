"""The one place where clinic scoping and roles are decided.

Every API view over clinic data derives from `TenantScopedViewSet`. Its queryset is always the
subclass's `base_queryset()` narrowed to the rows the requesting user may see for the current
action; a subclass cannot replace that (`get_queryset` is sealed) and an action that does not
declare its roles is refused. Another clinic's object is therefore simply absent: 404, never 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from auditlog.signals import accessed
from django.db.models import Model, Q, QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, mixins, permissions, viewsets

from clinics.models import Clinic, Membership, Role

ANY_ROLE = frozenset(Role)
CLINIC_TEAM = frozenset({Role.CLINIC_ADMIN, Role.CLINICIAN, Role.STAFF})
CLINICAL = frozenset({Role.CLINIC_ADMIN, Role.CLINICIAN})
ADMINS = frozenset({Role.CLINIC_ADMIN})


@dataclass(frozen=True)
class Actor:
    """Who is asking, with their active memberships loaded once per request."""

    user: object
    memberships: tuple[Membership, ...]

    @classmethod
    def of(cls, request) -> Actor:
        cached = getattr(request, "_trichotrack_actor", None)
        if cached is not None and cached.user is request.user:
            return cached
        user = request.user
        memberships: tuple[Membership, ...] = ()
        if user is not None and user.is_authenticated and user.is_active:
            memberships = tuple(
                Membership.objects.filter(user=user, is_active=True).select_related("clinic")
            )
        actor = cls(user=user, memberships=memberships)
        request._trichotrack_actor = actor
        return actor

    def memberships_with(self, roles: Iterable[str]) -> list[Membership]:
        allowed = set(roles)
        return [m for m in self.memberships if m.role in allowed]

    def role_in(self, clinic_id) -> str | None:
        for m in self.memberships:
            if m.clinic_id == clinic_id:
                return m.role
        return None

    def scope(self, roles: Iterable[str], *, clinic_field: str, patient_field: str | None) -> Q:
        """Rows of the clinics where the actor holds one of `roles`; a patient-portal member
        sees only rows of their own patient record, and nothing where `patient_field` is None."""
        condition = Q(pk__in=[])  # deny by default
        for m in self.memberships_with(roles):
            if m.role == Role.PATIENT:
                if patient_field is None:
                    continue
                condition |= Q(**{clinic_field: m.clinic_id, patient_field: m.patient_id})
            else:
                condition |= Q(**{clinic_field: m.clinic_id})
        return condition


def scoped(
    queryset: QuerySet,
    request,
    roles: Iterable[str],
    *,
    clinic_field: str = "clinic",
    patient_field: str | None = "patient",
) -> QuerySet:
    actor = Actor.of(request)
    return queryset.filter(
        actor.scope(roles, clinic_field=clinic_field, patient_field=patient_field)
    )


class HasRoleForAction(permissions.BasePermission):
    """403 unless the user holds, in some clinic, a role the action allows. Object visibility is
    the queryset's business (404), not this class's."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        return bool(Actor.of(request).memberships_with(view.allowed_roles()))


class TenantScopedViewSet(viewsets.GenericViewSet):
    """Base of every clinic-data viewset.

    Subclasses set `roles` ({action: roles}; an unlisted action is refused), implement
    `base_queryset()` (a selector with its select_related/prefetch_related), and say how rows
    reach their clinic and patient (`clinic_field`, `patient_field`; `patient_field = None`
    hides the resource from patient-portal users entirely).
    """

    roles: ClassVar[dict[str, frozenset[str]]] = {}
    clinic_field: ClassVar[str] = "clinic"
    patient_field: ClassVar[str | None] = "patient"
    permission_classes = [HasRoleForAction]
    # Reads of these actions are written to the audit trail as accesses of the record.
    audited_read_actions: ClassVar[frozenset[str]] = frozenset({"retrieve"})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for sealed in ("get_queryset", "permission_classes", "queryset"):
            if sealed in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} may not set {sealed}: scoping lives in TenantScopedViewSet "
                    "(implement base_queryset() and roles instead)."
                )

    def base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def allowed_roles(self) -> frozenset[str]:
        return self.roles.get(self.action or "", frozenset())

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return self.base_queryset().none()
        return scoped(
            self.base_queryset(),
            self.request,
            self.allowed_roles(),
            clinic_field=self.clinic_field,
            patient_field=self.patient_field,
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Search, filters and ordering are list features; on a detail route django-filter
        # would only build (and validate) a form for nothing.
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)

    @cached_property
    def actor(self) -> Actor:
        return Actor.of(self.request)

    def parent_patient(self):
        """The patient named in a nested URL (/patients/{patient_pk}/...), through the same
        scope as everything else: another clinic's patient is a 404."""
        from patients.models import Patient

        queryset = scoped(
            Patient.objects.select_related("clinic"),
            self.request,
            self.allowed_roles(),
            patient_field="pk",
        )
        return get_object_or_404(queryset, pk=self.kwargs["patient_pk"])

    def clinic_for_create(self) -> Clinic:
        return clinic_for_new_object(self.request, self.allowed_roles())

    def record_access(self, instance: Model) -> None:
        accessed.send(sender=instance.__class__, instance=instance)

    def get_object(self):
        instance = super().get_object()
        if self.action in self.audited_read_actions:
            self.record_access(instance)
        return instance


def clinic_for_new_object(request, roles: Iterable[str]) -> Clinic:
    """The clinic a new top-level object belongs to comes from the server: the user's only
    clinic (among those where they hold one of `roles`), or the one named by the X-Clinic
    header among those."""
    actor = Actor.of(request)
    wanted = request.headers.get("X-Clinic")
    team = actor.memberships_with(roles)
    if wanted:
        for m in team:
            if str(m.clinic_id) == wanted:
                return m.clinic
        raise exceptions.ValidationError({"X-Clinic": ["Not one of your clinics."]})
    clinics = {m.clinic_id: m.clinic for m in team}
    if len(clinics) == 1:
        return next(iter(clinics.values()))
    raise exceptions.ValidationError(
        {"X-Clinic": ["You belong to several clinics: name one with the X-Clinic header."]}
    )


# GET/PATCH/DELETE /<records>/{id}/: one row, read, corrected or removed (no PUT: a partial
# update is what clients send). A comment, not a docstring: the schema would show it as the
# description of every subclass.
class RecordDetailViewSet(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantScopedViewSet,
):
    http_method_names = ["get", "patch", "delete", "head", "options"]


class PatientRecordsViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, TenantScopedViewSet):
    """GET/POST /patients/{patient_pk}/<records>/: one patient's rows of one kind.

    The patient is resolved through the tenancy scope first, so another clinic's patient is a
    404 even when the list would be empty; the read is audited as an access of the record.
    Subclasses implement `records()` (a selector) and `record_create(patient=, data=)`
    (a service call)."""

    def records(self) -> QuerySet:
        raise NotImplementedError

    def record_create(self, *, patient, data: dict):
        raise NotImplementedError

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # Before any payload is read: a foreign patient is a 404, not a validation error.
        self.patient = self.parent_patient()

    def base_queryset(self) -> QuerySet:
        patient = getattr(self, "patient", None)  # unset only outside a request (schema)
        if patient is None:
            return self.records().none()
        return self.records().filter(patient_id=patient.pk)

    def list(self, request, *args, **kwargs):
        self.record_access(self.patient)
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        serializer.instance = self.record_create(
            patient=self.patient, data=serializer.validated_data
        )

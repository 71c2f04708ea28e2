"""Admin for lab results, protocols (with their doses), clinic thresholds and the worklist, all
scoped to the user's clinics. ``LabResultInline`` and ``ProtocolInline`` are for the Patient
admin. Every form runs the same clinical checks as the API (labs.services), so the admin
cannot store a result without its canonical value or a dose out of range."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from clinics.admin import ClinicScopedAdmin, RecentRowsFormSet, ScopedInline
from clinics.models import Membership, Role
from clinics.tenancy import ADMINS, CLINICAL, Actor
from labs import selectors, services
from labs.adherence import adherence_to_date
from labs.analytes import AnalyteThresholds
from labs.errors import ClinicalValidationError
from labs.interpretation import Interpretation, interpret
from labs.models import ClinicThreshold, DoseLog, FollowUpItem, LabResult, Protocol
from labs.protocol_rules import parse_co_supplements

# Threshold sets of the clinics seen while one admin page renders: {clinic_id: ThresholdSet}.
# Without it a list of results would read the clinic's thresholds once per row.
_THRESHOLDS: ContextVar[dict | None] = ContextVar("admin_threshold_sets", default=None)


@contextlib.contextmanager
def thresholds_memo():
    token = _THRESHOLDS.set({})
    try:
        yield
    finally:
        _THRESHOLDS.reset(token)


def _thresholds(clinic):
    memo = _THRESHOLDS.get()
    if memo is None:
        return selectors.threshold_set_for_clinic(clinic)
    if clinic.pk not in memo:
        memo[clinic.pk] = selectors.threshold_set_for_clinic(clinic)
    return memo[clinic.pk]


def render_with_memo(response):
    """Render an admin TemplateResponse with the thresholds memo active."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        with thresholds_memo():
            response.render()
    return response


def _form_error(form: forms.BaseForm, exc: ClinicalValidationError) -> forms.ValidationError:
    field = exc.field if exc.field in form.fields else None
    return forms.ValidationError({field: exc.message} if field else exc.message)


class LabResultForm(forms.ModelForm):
    class Meta:
        model = LabResult
        fields = [
            "patient",
            "analyte",
            "value",
            "unit",
            "collected_at",
            "reference_low",
            "reference_high",
            "source",
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            fields = services.validated_lab_fields(
                analyte=data.get("analyte"),
                value=data.get("value"),
                unit=data.get("unit"),
                collected_at=data.get("collected_at"),
                reference_low=data.get("reference_low"),
                reference_high=data.get("reference_high"),
            )
        except ClinicalValidationError as exc:
            raise _form_error(self, exc) from None
        for name, value in fields.items():
            setattr(self.instance, name, value)
            if name in data:
                data[name] = value
        patient = data.get("patient") or getattr(self.instance, "patient", None)
        if patient is not None and patient.pk is not None:
            self.instance.patient = patient
            duplicates = LabResult.objects.filter(
                patient=patient, fingerprint=self.instance.compute_fingerprint()
            ).exclude(pk=self.instance.pk)
            if duplicates.exists():
                raise forms.ValidationError("This patient already has this result.")
        return data


_UNSET = object()


def _reading(result: LabResult, *, thresholds=_UNSET, patient=None) -> Interpretation | str:
    """The result's interpretation, or the message of why it has none. `thresholds`: the
    clinic's set when already known (None: the clinic has none, the defaults apply)."""
    try:
        return interpret(
            result.analyte,
            result.canonical_value,
            thresholds=thresholds if thresholds is not _UNSET else _thresholds(result.clinic),
            context=selectors.interpretation_context(patient or result.patient),
        )
    except ClinicalValidationError as exc:
        return exc.message


def band_badge(band: str, text: str | None = None) -> str:
    """A coloured badge for an interpretation band (styles in admin/base_site.html)."""
    if not band:
        return format_html('<span class="tt-badge tt-band-none">{}</span>', text or "no result")
    return format_html(
        '<span class="tt-badge tt-band-{}">{}</span>', band, text or band.replace("_", " ")
    )


def _reading_html(reading: Interpretation | str | None) -> str:
    if reading is None:
        return "-"
    if isinstance(reading, str):
        return reading
    flags = format_html_join(
        " ",
        '<span class="tt-flag">{}</span>',
        ((flag.value.replace("_", " "),) for flag in reading.flags),
    )
    return format_html(
        '<span title="{} ({})">{} {}</span>',
        reading.reason,
        reading.threshold_set,
        band_badge(reading.band.value),
        flags,
    )


def _band(result: LabResult) -> str:
    if result._state.adding or result.canonical_value is None:
        return "-"
    reading = getattr(result, "_admin_reading", None)
    if reading is None:
        reading = _reading(result)
    return _reading_html(reading)


class LabResultFormSet(RecentRowsFormSet):
    def prepare_rows(self, rows) -> None:
        if not rows:
            return
        patient = self.instance
        thresholds = _thresholds(patient.clinic)
        for row in rows:
            row._admin_reading = _reading(row, thresholds=thresholds, patient=patient)


class LabResultInline(ScopedInline):
    """For the Patient admin: the patient's latest results with their interpretation band and
    flags (the clinic's thresholds)."""

    model = LabResult
    form = LabResultForm
    formset = LabResultFormSet
    fk_name = "patient"
    max_rows = 40
    fields = [
        "analyte",
        "value",
        "unit",
        "collected_at",
        "reference_low",
        "reference_high",
        "source",
        "canonical",
        "interpretation",
    ]
    readonly_fields = ["canonical", "interpretation"]
    ordering = ["-collected_at", "-created_at"]

    @admin.display(description="Canonical")
    def canonical(self, result: LabResult) -> str:
        if result._state.adding or result.canonical_value is None:
            return "-"
        return f"{result.canonical_value.normalize():f} {result.canonical_unit}"

    @admin.display(description="Interpretation")
    def interpretation(self, result: LabResult) -> str:
        return _band(result)


class ProtocolForm(forms.ModelForm):
    class Meta:
        model = Protocol
        fields = [
            "patient",
            "kind",
            "dose_mcg",
            "route",
            "frequency",
            "start_date",
            "end_date",
            "co_supplements",
            "prescriber",
            "notes",
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.protocol_check(
                kind=data.get("kind"),
                route=data.get("route"),
                dose_mcg=data.get("dose_mcg"),
                frequency=data.get("frequency"),
                start_date=data.get("start_date"),
                end_date=data.get("end_date"),
                check_start=self.instance._state.adding or "start_date" in self.changed_data,
            )
            data["co_supplements"] = [
                s.value for s in parse_co_supplements(data.get("co_supplements") or [])
            ]
        except ClinicalValidationError as exc:
            raise _form_error(self, exc) from None
        return data


class ProtocolFormSet(RecentRowsFormSet):
    def prepare_rows(self, rows) -> None:
        today = timezone.localdate()
        doses: dict = {}
        for protocol_id, day in DoseLog.objects.filter(
            protocol_id__in=[row.pk for row in rows]
        ).values_list("protocol_id", "administered_on"):
            doses.setdefault(protocol_id, []).append(day)
        for row in rows:
            taken = sorted(doses.get(row.pk, []))
            row._admin_doses = taken
            try:
                row._admin_adherence = adherence_to_date(
                    row.frequency, row.start_date, row.end_date, taken, today=today
                )
            except (ClinicalValidationError, ValueError):
                row._admin_adherence = None


def _adherence_html(protocol: Protocol) -> str:
    result = getattr(protocol, "_admin_adherence", None)
    if result is None:
        return "-"
    if result.ratio is None:
        return format_html('<span class="tt-muted">no dose due yet</span>')
    pct = round(float(result.ratio) * 100)
    level = "normal" if pct >= 80 else ("borderline" if pct >= 50 else "deficient")
    extra = f", {result.extra_doses} extra" if result.extra_doses else ""
    return format_html(
        '<span class="tt-badge tt-band-{}">{}%</span> {} of {} doses{}',
        level,
        pct,
        result.doses_taken,
        result.doses_scheduled_to_date,
        extra,
    )


class ProtocolInline(ScopedInline):
    """For the Patient admin: protocols with their logged doses and adherence to date."""

    model = Protocol
    form = ProtocolForm
    formset = ProtocolFormSet
    fk_name = "patient"
    change_roles = add_roles = delete_roles = CLINICAL
    max_rows = 20
    ordering = ["-start_date", "-created_at"]
    fields = [
        "kind",
        "dose_mcg",
        "route",
        "frequency",
        "start_date",
        "end_date",
        "co_supplements",
        "doses_logged",
        "adherence",
    ]
    readonly_fields = ["doses_logged", "adherence"]
    formfield_overrides = {
        models.JSONField: {"widget": forms.TextInput(attrs={"size": 16})},
    }

    @admin.display(description="Doses logged")
    def doses_logged(self, protocol: Protocol) -> str:
        taken = getattr(protocol, "_admin_doses", None)
        if not taken:
            return "-"
        return f"{len(taken)} (last {taken[-1]:%d %b %Y})"

    @admin.display(description="Adherence to date")
    def adherence(self, protocol: Protocol) -> str:
        return _adherence_html(protocol)


class DoseLogForm(forms.ModelForm):
    class Meta:
        model = DoseLog
        fields = ["administered_on", "dose_mcg", "by_patient", "notes"]

    def clean(self):
        data = super().clean()
        protocol = self.instance.protocol if self.instance.protocol_id else None
        day = data.get("administered_on")
        if protocol is None or day is None or self.errors:
            return data
        try:
            services.dose_check(
                protocol=protocol, administered_on=day, dose_mcg=data.get("dose_mcg")
            )
        except ClinicalValidationError as exc:
            raise _form_error(self, exc) from None
        return data


class DoseLogInline(ScopedInline):
    model = DoseLog
    form = DoseLogForm
    fields = ["administered_on", "dose_mcg", "by_patient", "logged_by", "notes"]
    readonly_fields = ["logged_by"]
    change_roles = add_roles = delete_roles = CLINICAL
    ordering = ["-administered_on", "-created_at"]
    max_rows = 60

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("logged_by")


def _refresh_worklist(patient) -> None:
    services.worklist_refresh_patient(patient)


@admin.register(LabResult)
class LabResultAdmin(ClinicScopedAdmin):
    form = LabResultForm
    delete_roles = CLINICAL
    list_display = ["patient", "analyte", "value", "unit", "collected_at", "source", "band"]
    list_filter = ["analyte", "source"]
    search_fields = ["patient__last_name", "patient__mrn"]
    date_hierarchy = "collected_at"
    readonly_fields = ["canonical_value", "canonical_unit", "created_by", "created_at"]
    list_select_related = ["patient", "clinic"]

    @admin.display(description="Interpretation")
    def band(self, result: LabResult) -> str:
        return _band(result)

    def changelist_view(self, request, extra_context=None):
        return render_with_memo(super().changelist_view(request, extra_context))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return render_with_memo(super().change_view(request, object_id, form_url, extra_context))

    def save_model(self, request, obj, form, change):
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        _refresh_worklist(obj.patient)


@admin.register(Protocol)
class ProtocolAdmin(ClinicScopedAdmin):
    form = ProtocolForm
    change_roles = add_roles = delete_roles = CLINICAL
    list_display = ["patient", "kind", "dose_mcg", "route", "frequency", "start_date", "end_date"]
    list_filter = ["kind", "route"]
    search_fields = ["patient__last_name", "patient__mrn"]
    list_select_related = ["patient"]
    inlines = [DoseLogInline]
    readonly_fields = ["created_by", "created_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "prescriber" and not request.user.is_superuser:
            clinics = [m.clinic_id for m in Actor.of(request).memberships_with(CLINICAL)]
            users = Membership.objects.filter(
                clinic_id__in=clinics, role__in=[Role.CLINIC_ADMIN, Role.CLINICIAN]
            ).values("user_id")
            kwargs["queryset"] = db_field.related_model._default_manager.filter(id__in=users)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for row in formset.save(commit=False):
            if row.logged_by_id is None:
                row.logged_by = request.user
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _refresh_worklist(form.instance.patient)


class ClinicThresholdForm(forms.ModelForm):
    class Meta:
        model = ClinicThreshold
        fields = ["clinic", "analyte", "low_cutoff", "normal_above", "high_cutoff", "source"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            AnalyteThresholds(
                data.get("analyte"),
                low_cutoff=data.get("low_cutoff"),
                normal_above=data.get("normal_above"),
                high_cutoff=data.get("high_cutoff"),
                source=data.get("source") or "",
            )
        except ClinicalValidationError as exc:
            raise _form_error(self, exc) from None
        return data


@admin.register(ClinicThreshold)
class ClinicThresholdAdmin(ClinicScopedAdmin):
    form = ClinicThresholdForm
    change_roles = add_roles = delete_roles = ADMINS
    list_display = ["clinic", "analyte", "low_cutoff", "normal_above", "high_cutoff", "source"]
    list_filter = ["analyte"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(FollowUpItem)
class FollowUpItemAdmin(ClinicScopedAdmin):
    list_display = ["due_on", "patient", "kind", "phase", "status", "reason", "completed_on"]
    list_filter = ["status", "kind", "phase"]
    search_fields = ["patient__last_name", "patient__mrn"]
    date_hierarchy = "due_on"
    list_select_related = ["patient"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

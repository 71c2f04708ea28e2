"""The patient admin: the clinic's patient list (B12 band, classification, verdict, next due)
and the patient page, the clinician's one-glance workspace (summary cards, chart, assessment,
photos with overlays, then the record's details). Custom views live in `patients.admin_views`."""

from __future__ import annotations

import io
import zipfile

from auditlog.signals import accessed
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.urls import path
from django.utils.html import format_html

from clinics.admin import ClinicScopedAdmin, ScopedInline
from labs.admin import LabResultInline, ProtocolInline, band_badge, thresholds_memo
from labs.fhir import patient_bundle
from labs.followup import FollowUpKind, FollowUpStatus
from labs.models import FollowUpItem
from patients import admin_views
from patients.models import Patient, ShedCount, Symptom, SymptomReport

CLASSIFICATIONS = list(admin_views.CLASSIFICATION_LABELS.items())
VERDICTS = admin_views.VERDICT_LABELS
B12_BANDS = [("deficient", "Deficient"), ("borderline", "Borderline"), ("normal", "Normal")]
OPEN = (FollowUpStatus.DUE.value, FollowUpStatus.OVERDUE.value)


class B12BandFilter(admin.SimpleListFilter):
    title = "latest B12"
    parameter_name = "b12"

    def lookups(self, request, model_admin):
        return [*B12_BANDS, ("none", "No result")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(Q(summary__isnull=True) | Q(summary__latest_b12_band=""))
        if value in dict(B12_BANDS):
            return queryset.filter(summary__latest_b12_band=value)
        return queryset


class ClassificationFilter(admin.SimpleListFilter):
    title = "classification"
    parameter_name = "classification"

    def lookups(self, request, model_admin):
        return CLASSIFICATIONS

    def queryset(self, request, queryset):
        if self.value() in dict(CLASSIFICATIONS):
            return queryset.filter(summary__classification=self.value())
        return queryset


class RetestFilter(admin.SimpleListFilter):
    title = "B12 retest"
    parameter_name = "retest"

    def lookups(self, request, model_admin):
        return [("open", "Due or overdue"), ("due", "Due"), ("overdue", "Overdue")]

    def queryset(self, request, queryset):
        statuses = {"open": OPEN, "due": ("due",), "overdue": ("overdue",)}.get(self.value())
        if statuses is None:
            return queryset
        return queryset.filter(
            Exists(
                FollowUpItem.objects.filter(
                    patient=OuterRef("pk"),
                    kind=FollowUpKind.B12_RETEST.value,
                    status__in=statuses,
                )
            )
        )


class SymptomReportInline(ScopedInline):
    model = SymptomReport
    fields = ["reported_on", "symptoms", "notes"]
    ordering = ["-reported_on", "-created_at"]
    max_rows = 12


class ShedCountInline(ScopedInline):
    model = ShedCount
    fields = ["counted_on", "hairs", "normal_range"]
    readonly_fields = ["normal_range"]
    ordering = ["-counted_on"]
    max_rows = 14

    @admin.display(description="Normal 50-100 a day")
    def normal_range(self, count: ShedCount) -> str:
        if count._state.adding or count.hairs is None:
            return "-"
        if count.hairs > 100:
            return band_badge("high", "above normal")
        return band_badge("normal", "within normal")


def _next_due(field: str) -> Subquery:
    return Subquery(
        FollowUpItem.objects.filter(patient=OuterRef("pk"))
        .exclude(status=FollowUpStatus.DONE.value)
        .order_by("due_on", "kind")
        .values(field)[:1]
    )


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    list_display = [
        "name",
        "mrn",
        "latest_b12",
        "classification",
        "verdict",
        "next_due",
    ]
    list_display_links = ["name"]
    list_filter = [B12BandFilter, ClassificationFilter, RetestFilter, "sex", "diet"]
    search_fields = ["last_name", "first_name", "mrn"]
    list_per_page = 50
    inlines = [LabResultInline, ProtocolInline, ShedCountInline, SymptomReportInline]
    actions = ["export_fhir"]
    change_form_template = "admin/patients/patient/change_form.html"
    search_help_text = "Search by name or MRN."
    fieldsets = [
        (
            "Patient",
            {
                "fields": [
                    "clinic",
                    ("first_name", "last_name"),
                    ("date_of_birth", "sex"),
                    "mrn",
                    "diet",
                ]
            },
        ),
        (
            "B12 risk factors",
            {
                "fields": [
                    ("metformin", "proton_pump_inhibitor", "h2_blocker"),
                    ("atrophic_gastritis", "pernicious_anaemia", "crohns_or_coeliac"),
                    ("autoimmune_disease", "gastric_surgery", "heavy_alcohol_use"),
                ]
            },
        ),
        (
            "Hair",
            {
                "fields": [
                    "hair_loss_onset",
                    ("thin_or_brittle", "premature_greying", "miniaturisation"),
                ]
            },
        ),
    ]

    # --- List ----------------------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("summary", "clinic")
            .annotate(
                next_due_on=_next_due("due_on"),
                next_due_kind=_next_due("kind"),
                next_due_status=_next_due("status"),
            )
        )

    @admin.display(description="Patient", ordering="last_name")
    def name(self, patient: Patient) -> str:
        return f"{patient.last_name}, {patient.first_name}"

    def _summary(self, patient: Patient):
        try:
            return patient.summary
        except Patient.summary.RelatedObjectDoesNotExist:
            return None

    @admin.display(description="Latest B12", ordering="summary__latest_b12_band")
    def latest_b12(self, patient: Patient) -> str:
        summary = self._summary(patient)
        if summary is None or not summary.latest_b12_band:
            return band_badge("")
        when = f" {summary.latest_b12_on:%d %b %Y}" if summary.latest_b12_on else ""
        return format_html(
            '{}<span class="tt-muted">{}</span>', band_badge(summary.latest_b12_band), when
        )

    @admin.display(description="Classification", ordering="summary__classification")
    def classification(self, patient: Patient) -> str:
        summary = self._summary(patient)
        if summary is None or not summary.classification:
            return "-"
        label = dict(CLASSIFICATIONS).get(summary.classification, summary.classification)
        confidence = f" ({summary.confidence})" if summary.confidence else ""
        return f"{label}{confidence}"

    @admin.display(description="Course", ordering="summary__verdict")
    def verdict(self, patient: Patient) -> str:
        summary = self._summary(patient)
        if summary is None or not summary.verdict:
            return "-"
        colour = admin_views.VERDICT_BANDS.get(summary.verdict, "none")
        return band_badge(colour, VERDICTS.get(summary.verdict, summary.verdict))

    @admin.display(description="Next due", ordering="next_due_on")
    def next_due(self, patient: Patient) -> str:
        if not getattr(patient, "next_due_on", None):
            return "-"
        kind = patient.next_due_kind.replace("_", " ").replace("b12", "B12")
        status = patient.next_due_status
        colour = {"overdue": "deficient", "due": "borderline"}.get(status, "none")
        return format_html(
            "{} {} {}",
            f"{patient.next_due_on:%d %b %Y}",
            kind,
            band_badge(colour, status),
        )

    # --- Actions ---------------------------------------------------------------------------------

    @admin.action(description="Export FHIR bundle (JSON)")
    def export_fhir(self, request, queryset):
        patients = list(queryset[:51])
        if not patients:
            self.message_user(request, "No patient of yours was selected.", messages.WARNING)
            return None
        if len(patients) > 50:
            self.message_user(request, "Export at most 50 patients at a time.", messages.WARNING)
            return None
        if len(patients) == 1:
            return admin_views.fhir_download(patients[0])
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for patient in patients:
                zf.writestr(f"fhir-{patient.mrn}.json", patient_bundle(patient).model_dump_json())
                accessed.send(sender=Patient, instance=patient)
        response = HttpResponse(archive.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="fhir-bundles.zip"'
        response["Cache-Control"] = "private, no-store"
        return response

    # --- The patient page --------------------------------------------------------------------

    def get_urls(self):
        def view(function):
            def wrapped(request, *args, **kwargs):
                return function(self, request, *args, **kwargs)

            return self.admin_site.admin_view(wrapped)

        urls = [
            path(
                "<path:object_id>/chart.png",
                view(admin_views.chart_png),
                name="patients_patient_chart",
            ),
            path(
                "<path:object_id>/fhir.json",
                view(admin_views.fhir_export),
                name="patients_patient_fhir",
            ),
            path(
                "<path:object_id>/upload-visit/",
                view(admin_views.visit_upload),
                name="patients_patient_upload_visit",
            ),
            path(
                "<path:object_id>/photos/<uuid:photo_id>/image",
                view(admin_views.photo_image),
                name="patients_patient_photo_image",
            ),
            path(
                "<path:object_id>/photos/<uuid:photo_id>/overlay",
                view(admin_views.photo_overlay),
                name="patients_patient_photo_overlay",
            ),
            path(
                "<path:object_id>/photos/<uuid:photo_id>/correct/",
                view(admin_views.analysis_correct),
                name="patients_patient_photo_correct",
            ),
            path(
                "<path:object_id>/photos/<uuid:photo_id>/reanalyze/",
                view(admin_views.photo_reanalyze),
                name="patients_patient_photo_reanalyze",
            ),
        ]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        patient = self.get_object(request, object_id) if request.method == "GET" else None
        if patient is not None:
            extra_context.update(admin_views.patient_workspace(request, patient))
            accessed.send(sender=Patient, instance=patient)
        response = super().change_view(request, object_id, form_url, extra_context)
        if hasattr(response, "render") and not response.is_rendered:
            with thresholds_memo():
                response.render()
        return response

    def save_formset(self, request, form, formset, change):
        # Inline rows inherit the patient's clinic (PatientOwned.save) and record their author.
        for row in formset.save(commit=False):
            if getattr(row, "created_by_id", True) is None:
                row.created_by = request.user
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()


@admin.register(SymptomReport)
class SymptomReportAdmin(ClinicScopedAdmin):
    list_display = ["reported_on", "patient", "symptom_list", "notes"]
    search_fields = ["patient__last_name", "patient__mrn"]
    date_hierarchy = "reported_on"
    list_select_related = ["patient"]
    fields = ["patient", "reported_on", "symptoms", "notes"]
    autocomplete_fields = ["patient"]

    @admin.display(description="Symptoms")
    def symptom_list(self, report: SymptomReport) -> str:
        labels = dict(Symptom.choices)
        return ", ".join(labels.get(code, code) for code in report.symptoms or []) or "-"


@admin.register(ShedCount)
class ShedCountAdmin(ClinicScopedAdmin):
    list_display = ["counted_on", "patient", "hairs"]
    search_fields = ["patient__last_name", "patient__mrn"]
    date_hierarchy = "counted_on"
    list_select_related = ["patient"]
    fields = ["patient", "counted_on", "hairs"]
    autocomplete_fields = ["patient"]

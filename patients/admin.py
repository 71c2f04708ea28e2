from django.contrib import admin

from clinics.admin import ClinicScopedAdmin, ScopedInline
from labs.admin import LabResultInline, ProtocolInline
from patients.models import Patient, ShedCount, SymptomReport


class SymptomReportInline(ScopedInline):
    model = SymptomReport
    fields = ["reported_on", "symptoms", "notes"]


class ShedCountInline(ScopedInline):
    model = ShedCount
    fields = ["counted_on", "hairs"]


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    list_display = ["last_name", "first_name", "mrn", "date_of_birth", "sex", "diet"]
    list_filter = ["sex", "diet", "metformin", "proton_pump_inhibitor", "pernicious_anaemia"]
    search_fields = ["last_name", "first_name", "mrn"]
    inlines = [LabResultInline, ProtocolInline, SymptomReportInline, ShedCountInline]
    fieldsets = [
        (
            None,
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

    def save_formset(self, request, form, formset, change):
        # Inline rows inherit the patient's clinic (PatientOwned.save) and record their author.
        for row in formset.save(commit=False):
            if row.created_by_id is None:
                row.created_by = request.user
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()

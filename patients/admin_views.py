"""The clinicians' workspace views of the admin: the worklist landing page, the patient page's
summary, the timeline chart, photo and overlay images, the visit upload form, analysis
corrections and re-analysis, and the FHIR export.

Every view reaches its patient through `PatientAdmin.get_object` (the admin's one scoping
mechanism, `clinics.admin.ClinicScopedAdmin`): another clinic's patient is "not found". Images
and downloads answer 404; pages redirect to the admin index with Django's own message.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, time

from auditlog.signals import accessed
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from clinics.admin import holds
from clinics.tenancy import CLINIC_TEAM, CLINICAL, Actor
from imaging import selectors as imaging_selectors
from imaging import services as imaging_services
from imaging.models import Device, Photo, PhotoStatus, Zone
from labs.fhir import patient_bundle
from labs.followup import FollowUpStatus
from labs.models import FollowUpItem
from patients.clinical_record import clinical_record
from patients.models import Patient

OPEN_STATUSES = (FollowUpStatus.DUE.value, FollowUpStatus.OVERDUE.value)
WORKLIST_ROWS = 100
RECENT_PHOTOS = 12
THUMBNAIL_PX = 360


def _scope(request, roles=CLINIC_TEAM) -> Q:
    if request.user.is_superuser:
        return Q()
    return Actor.of(request).scope(roles, clinic_field="clinic", patient_field=None)


# --- The landing page ----------------------------------------------------------------------------


def worklist_context(request) -> dict:
    """What is due or overdue in the user's clinics, and the counts of the day."""
    if not request.user.is_authenticated:
        return {}
    scope = _scope(request)
    items = list(
        FollowUpItem.objects.filter(scope, status__in=OPEN_STATUSES)
        .select_related("patient", "patient__summary")
        .order_by("due_on", "kind", "patient__last_name")[:WORKLIST_ROWS]
    )
    today = timezone.localdate()
    for item in items:
        item.days_late = (today - item.due_on).days
        item.kind_label = item.get_kind_display()
    open_counts = {
        row["status"]: row["n"]
        for row in FollowUpItem.objects.filter(scope, status__in=OPEN_STATUSES)
        .values("status")
        .annotate(n=Count("id"))
    }
    photo_counts = Photo.objects.filter(scope).aggregate(
        processing=Count("id", filter=Q(status__in=[PhotoStatus.QUEUED, PhotoStatus.PROCESSING])),
        failed=Count("id", filter=Q(status=PhotoStatus.FAILED)),
    )
    failed_photos = list(
        Photo.objects.filter(scope, status=PhotoStatus.FAILED)
        .select_related("patient")
        .order_by("-updated_at")[:5]
    )
    return {
        "worklist": items,
        "worklist_truncated": len(items) == WORKLIST_ROWS,
        "counts": {
            "patients": Patient.objects.filter(scope).count(),
            "due": open_counts.get(FollowUpStatus.DUE.value, 0),
            "overdue": open_counts.get(FollowUpStatus.OVERDUE.value, 0),
            "photos_processing": photo_counts["processing"],
            "photos_failed": photo_counts["failed"],
        },
        "failed_photos": failed_photos,
        "clinic_names": sorted(
            {m.clinic.name for m in Actor.of(request).memberships_with(CLINIC_TEAM)}
        ),
        "today": today,
    }


# --- The patient page ------------------------------------------------------------------------


CLASSIFICATION_LABELS = {
    "b12_deficiency_diffuse": "B12 deficiency (diffuse)",
    "androgenetic": "Androgenetic",
    "mixed": "Mixed",
    "indeterminate": "Indeterminate",
}
VERDICT_LABELS = {
    "on_track": "On track",
    "behind": "Behind",
    "ahead": "Ahead",
    "too_early": "Too early",
    "insufficient_data": "Insufficient data",
}
VERDICT_BANDS = {"on_track": "normal", "ahead": "normal", "behind": "deficient"}
RISK_BANDS = {"high": "deficient", "elevated": "borderline", "low": "normal", "none": "none"}
# (figure, label, decimals) shown under each photo.
PHOTO_FIGURES = (
    ("hair_count", "Hairs", 0),
    ("follicular_unit_count", "Follicular units", 0),
    ("hair_density_per_cm2", "Hairs / cm²", 1),
    ("fu_density_per_cm2", "FU / cm²", 1),
    ("hairs_per_fu", "Hairs per FU", 2),
    ("mean_shaft_diameter_um", "Mean shaft µm", 1),
    ("thin_hair_fraction", "Thin (<30 µm)", 2),
)


def _fmt(value, decimals: int) -> str:
    if value is None:
        return "-"
    return f"{value:.{decimals}f}" if decimals else f"{value:,.0f}"


@dataclass
class PhotoCard:
    photo: Photo
    analysis: object | None
    automatic: dict | None
    effective: dict | None
    correction: object | None

    @property
    def rows(self) -> list[tuple[str, str, str, bool]]:
        if self.analysis is None:
            return []
        rows = []
        for name, label, decimals in PHOTO_FIGURES:
            effective = _fmt(self.effective.get(name), decimals)
            automatic = _fmt(self.automatic.get(name), decimals)
            rows.append((label, effective, automatic, effective != automatic))
        return rows


def _photo_cards(patient: Patient) -> tuple[list[PhotoCard], int, object]:
    """The photos of the patient's latest visit (the latest day photos were taken), with their
    current analysis and correction: three queries whatever the history's length."""
    latest = Photo.objects.filter(patient=patient).order_by("-taken_at").values("taken_at").first()
    if latest is None:
        return [], 0, None
    day = timezone.localtime(latest["taken_at"]).date()
    photos = list(
        imaging_selectors.photo_list()
        .filter(patient=patient, taken_at__date=day)
        .order_by("zone", "-taken_at", "-created_at")[:RECENT_PHOTOS]
    )
    cards = []
    for photo in photos:
        analysis = imaging_selectors.current_analysis(photo)
        cards.append(
            PhotoCard(
                photo=photo,
                analysis=analysis,
                automatic=analysis.automatic_figures() if analysis else None,
                effective=analysis.effective_figures() if analysis else None,
                correction=analysis.correction if analysis else None,
            )
        )
    return cards, Photo.objects.filter(patient=patient).count(), day


def patient_workspace(request, patient: Patient) -> dict:
    """The context of the patient page's summary: risk, latest B12, assessment with evidence and
    next steps, course, worklist, recent photos with their overlays and figures."""
    today = timezone.localdate()
    record = clinical_record(patient)
    assessment = record.assessment(today=today)
    course = assessment.course
    b12 = [lab for lab in record.inputs.labs if lab.analyte == "b12"]
    items = list(
        FollowUpItem.objects.filter(patient=patient)
        .exclude(status=FollowUpStatus.DONE.value)
        .order_by("due_on")[:6]
    )
    cards, photo_count, visit_day = _photo_cards(patient)
    return {
        "assessment": assessment,
        "classification_label": CLASSIFICATION_LABELS.get(
            assessment.classification, assessment.classification
        ),
        "verdict_label": VERDICT_LABELS.get(course.verdict, course.verdict),
        "verdict_band": VERDICT_BANDS.get(course.verdict, "none"),
        "risk_band": RISK_BANDS.get(assessment.risk.level, "none"),
        "evidence_rows": [
            (
                e.criterion.replace("_", " ").capitalize(),
                e.label,
                e.points_to,
                e.points_to.replace("_", " ").replace("b12", "B12"),
                e.source,
            )
            for e in assessment.evidence
        ],
        "course": course,
        "risk": assessment.risk,
        "latest_b12": b12[-1] if b12 else None,
        "b12_cutoffs": record.b12_cutoffs,
        "follow_ups": items,
        "photo_cards": cards,
        "visit_day": visit_day,
        "photo_count": photo_count,
        "lab_count": len(record.lab_rows),
        "disclaimer": assessment.disclaimer,
        "can_correct": holds(request, CLINICAL, patient.clinic_id),
        "can_upload": holds(request, CLINIC_TEAM, patient.clinic_id),
        "zones": Zone.choices,
        "today": today,
    }


# --- Images and downloads ----------------------------------------------------------------------


def _patient_or_404(model_admin, request, object_id) -> Patient:
    patient = model_admin.get_object(request, object_id)
    if patient is None:
        raise Http404("No such patient.")
    return patient


def _private(response: HttpResponse, filename: str, *, attachment: bool = False) -> HttpResponse:
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def chart_png(model_admin, request, object_id):
    """The patient's timeline chart, rendered (and cached) by the same function as the API."""
    from patients.charts import timeline_chart

    patient = _patient_or_404(model_admin, request, object_id)
    image = timeline_chart(patient, "png")
    accessed.send(sender=Patient, instance=patient)
    return _private(HttpResponse(image, content_type="image/png"), f"timeline-{patient.mrn}.png")


def _photo_or_404(model_admin, request, object_id, photo_id) -> Photo:
    patient = _patient_or_404(model_admin, request, object_id)
    photo = imaging_selectors.photo_list().filter(patient=patient, pk=photo_id).first()
    if photo is None:
        raise Http404("No such photo.")
    return photo


def _image_response(field_file, *, filename: str, thumbnail: bool) -> HttpResponse:
    try:
        with field_file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("The file is missing.") from exc
    content_type = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    if thumbnail:
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.thumbnail((THUMBNAIL_PX * 2, THUMBNAIL_PX * 2))
                out = io.BytesIO()
                image.convert("RGB").save(out, format="JPEG", quality=85)
                data, content_type = out.getvalue(), "image/jpeg"
        except OSError:
            pass  # serve the stored file as it is
    response = _private(HttpResponse(data, content_type=content_type), filename)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def photo_image(model_admin, request, object_id, photo_id):
    photo = _photo_or_404(model_admin, request, object_id, photo_id)
    accessed.send(sender=Photo, instance=photo)
    return _image_response(
        photo.image, filename=f"photo-{photo.pk}", thumbnail=request.GET.get("size") == "thumb"
    )


def photo_overlay(model_admin, request, object_id, photo_id):
    photo = _photo_or_404(model_admin, request, object_id, photo_id)
    analysis = imaging_selectors.current_analysis(photo)
    if analysis is None or not analysis.overlay:
        raise Http404("This photo has not been analysed yet.")
    accessed.send(sender=Photo, instance=photo)
    return _image_response(
        analysis.overlay,
        filename=f"overlay-{photo.pk}",
        thumbnail=request.GET.get("size") == "thumb",
    )


def fhir_download(patient: Patient) -> HttpResponse:
    bundle = patient_bundle(patient)
    accessed.send(sender=Patient, instance=patient)
    name = f"fhir-{slugify(patient.mrn) or patient.pk}.json"
    return _private(
        HttpResponse(bundle.model_dump_json(indent=2), content_type="application/fhir+json"),
        name,
        attachment=True,
    )


def fhir_export(model_admin, request, object_id):
    return fhir_download(_patient_or_404(model_admin, request, object_id))


# --- Forms on a patient --------------------------------------------------------------------------


def _not_found(model_admin, request, object_id):
    return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)


def _page(model_admin, request, patient, template: str, title: str, **context):
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "original": patient,
            "patient": patient,
            "title": title,
            "patient_url": reverse("admin:patients_patient_change", args=[patient.pk]),
            **context,
        },
    )


CLIPPED_CHOICES = [
    ("", "Let the analysis decide"),
    ("yes", "Clipped (phototrichogram)"),
    ("no", "Not clipped"),
]


class VisitUploadForm(forms.Form):
    taken_on = forms.DateField(
        label="Visit date",
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    device = forms.ModelChoiceField(
        queryset=Device.objects.none(),
        required=False,
        help_text="Its calibration is used unless you type one below.",
    )
    pixels_per_mm = forms.FloatField(
        label="Calibration (px/mm)",
        required=False,
        help_text="Pixels per millimetre; overrides the device's.",
    )
    clipped = forms.ChoiceField(choices=CLIPPED_CHOICES, required=False)

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = Device.objects.filter(
            clinic_id=patient.clinic_id, active=True
        )
        for zone, label in Zone.choices:
            self.fields[f"zone_{zone}"] = forms.FileField(
                label=label,
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
            )

    def zone_fields(self):
        return [self[f"zone_{zone}"] for zone, _ in Zone.choices]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"zone_{zone}") for zone, _ in Zone.choices):
            raise forms.ValidationError("Choose at least one zone photo.")
        if data.get("device") is None and data.get("pixels_per_mm") is None:
            raise forms.ValidationError("Choose the device, or type the calibration in px/mm.")
        return data


def visit_upload(model_admin, request, object_id):
    """One form for a visit's zone photos: each file goes through the API's upload service
    (vetting, re-encoding, job row and publish on commit). All or nothing."""
    patient = model_admin.get_object(request, object_id)
    if patient is None:
        return _not_found(model_admin, request, object_id)
    if not holds(request, CLINIC_TEAM, patient.clinic_id):
        raise PermissionDenied
    form = VisitUploadForm(request.POST or None, request.FILES or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        photos = _upload_visit(request, patient, form)
        if photos is not None:
            messages.success(
                request,
                f"{len(photos)} photo(s) of {form.cleaned_data['taken_on']:%d %b %Y} uploaded "
                "and queued for analysis.",
            )
            return redirect(reverse("admin:patients_patient_change", args=[patient.pk]))
    return _page(
        model_admin,
        request,
        patient,
        "admin/patients/patient/visit_upload.html",
        f"Upload a visit's photos: {patient.first_name} {patient.last_name}",
        form=form,
    )


def _upload_visit(request, patient: Patient, form: VisitUploadForm) -> list[Photo] | None:
    data = form.cleaned_data
    taken_at = datetime.combine(data["taken_on"], time(12), tzinfo=UTC)
    clipped = {"yes": True, "no": False}.get(data.get("clipped") or "")
    device = data.get("device")
    photos, failed, seen = [], False, set()
    with transaction.atomic():
        for zone, _ in Zone.choices:
            upload = data.get(f"zone_{zone}")
            if not upload:
                continue
            try:
                with transaction.atomic():
                    photos.append(
                        imaging_services.photo_upload(
                            patient=patient,
                            uploaded_by=request.user,
                            image=upload,
                            zone=zone,
                            taken_at=taken_at,
                            pixels_per_mm=data.get("pixels_per_mm"),
                            device=device.pk if device else None,
                            clipped=clipped,
                        )
                    )
            except imaging_services.InvalidInput as exc:
                failed = True
                field = {"image": f"zone_{zone}", "device": "device"}.get(
                    exc.field or "", "pixels_per_mm" if exc.field == "pixels_per_mm" else None
                )
                if (field, exc.message) not in seen:
                    seen.add((field, exc.message))
                    form.add_error(field, exc.message)
        if failed:
            transaction.set_rollback(True)  # a visit is uploaded whole or not at all
            return None
    return photos


class CorrectionForm(forms.Form):
    hair_count = forms.IntegerField(min_value=0, max_value=100_000)
    follicular_unit_count = forms.IntegerField(min_value=0, max_value=100_000)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


def analysis_correct(model_admin, request, object_id, photo_id):
    """Recount an analysis: an AnalysisCorrection through the imaging service (audited)."""
    patient = model_admin.get_object(request, object_id)
    if patient is None:
        return _not_found(model_admin, request, object_id)
    photo = imaging_selectors.photo_list().filter(patient=patient, pk=photo_id).first()
    if photo is None:
        return _not_found(model_admin, request, photo_id)
    if not holds(request, CLINICAL, patient.clinic_id):
        raise PermissionDenied
    analysis = imaging_selectors.current_analysis(photo)
    if analysis is None:
        messages.error(request, "This photo has no analysis to correct yet.")
        return redirect(reverse("admin:patients_patient_change", args=[patient.pk]))
    initial = {
        "hair_count": analysis.effective_figures()["hair_count"],
        "follicular_unit_count": analysis.effective_figures()["follicular_unit_count"],
    }
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            imaging_services.analysis_correct(
                photo=photo, corrected_by=request.user, **form.cleaned_data
            )
        except imaging_services.InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"Counts of the {photo.get_zone_display().lower()} photo of "
                f"{photo.taken_at:%d %b %Y} corrected to {form.cleaned_data['hair_count']} hairs, "
                f"{form.cleaned_data['follicular_unit_count']} follicular units.",
            )
            return redirect(reverse("admin:patients_patient_change", args=[patient.pk]))
    return _page(
        model_admin,
        request,
        patient,
        "admin/patients/patient/analysis_correct.html",
        f"Correct the analysis of the {photo.get_zone_display().lower()} photo of "
        f"{photo.taken_at:%d %b %Y}",
        form=form,
        photo=photo,
        analysis=analysis,
        automatic=analysis.automatic_figures(),
        effective=analysis.effective_figures(),
        corrections=sorted(analysis.corrections.all(), key=lambda c: c.created_at, reverse=True),
    )


def photo_reanalyze(model_admin, request, object_id, photo_id):
    """POST: queue a new analysis of one photo (the imaging service; earlier ones are kept)."""
    if request.method != "POST":
        return redirect(reverse("admin:patients_patient_change", args=[object_id]))
    patient = model_admin.get_object(request, object_id)
    if patient is None:
        return _not_found(model_admin, request, object_id)
    photo = Photo.objects.filter(patient=patient, pk=photo_id).first()
    if photo is None:
        return _not_found(model_admin, request, photo_id)
    if not holds(request, CLINICAL, patient.clinic_id):
        raise PermissionDenied
    imaging_services.photo_reanalyze(photo=photo, requested_by=request.user)
    messages.success(
        request,
        f"The {photo.get_zone_display().lower()} photo of {photo.taken_at:%d %b %Y} is queued "
        "for a new analysis.",
    )
    return redirect(reverse("admin:patients_patient_change", args=[patient.pk]))

from django.urls import path
from rest_framework.routers import SimpleRouter

from config.api.renderers import PassthroughRenderer
from patients import views

router = SimpleRouter()
router.register("patients", views.PatientViewSet, basename="patient")
router.register("symptom-reports", views.SymptomReportViewSet, basename="symptom-report")
router.register("shed-counts", views.ShedCountViewSet, basename="shed-count")

list_create = {"get": "list", "post": "create"}
# The chart routes end in a file extension, not a slash, so they are routed by hand.
chart_view_options = {"renderer_classes": [PassthroughRenderer], "detail": True}

urlpatterns = [
    *router.urls,
    path(
        "patients/<uuid:pk>/timeline.png",
        views.PatientViewSet.as_view({"get": "timeline_png"}, **chart_view_options),
        name="patient-timeline-png",
    ),
    path(
        "patients/<uuid:pk>/timeline.svg",
        views.PatientViewSet.as_view({"get": "timeline_svg"}, **chart_view_options),
        name="patient-timeline-svg",
    ),
    path(
        "patients/<uuid:patient_pk>/symptom-reports/",
        views.PatientSymptomReportViewSet.as_view(list_create),
        name="patient-symptom-reports",
    ),
    path(
        "patients/<uuid:patient_pk>/shed-counts/",
        views.PatientShedCountViewSet.as_view(list_create),
        name="patient-shed-counts",
    ),
]

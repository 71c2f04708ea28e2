from django.urls import path
from rest_framework.routers import SimpleRouter

from patients import views

router = SimpleRouter()
router.register("patients", views.PatientViewSet, basename="patient")
router.register("symptom-reports", views.SymptomReportViewSet, basename="symptom-report")
router.register("shed-counts", views.ShedCountViewSet, basename="shed-count")

list_create = {"get": "list", "post": "create"}

urlpatterns = [
    *router.urls,
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

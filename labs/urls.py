from django.urls import path
from rest_framework.routers import SimpleRouter

from labs import views

router = SimpleRouter()
router.register("labs", views.LabResultViewSet, basename="lab-result")
router.register("protocols", views.ProtocolViewSet, basename="protocol")

list_create = {"get": "list", "post": "create"}

urlpatterns = [
    *router.urls,
    path(
        "patients/<uuid:patient_pk>/labs/",
        views.PatientLabResultViewSet.as_view(list_create),
        name="patient-labs",
    ),
    path(
        "patients/<uuid:patient_pk>/labs/import/",
        views.PatientLabImportViewSet.as_view({"post": "create"}),
        name="patient-labs-import",
    ),
    path(
        "patients/<uuid:patient_pk>/fhir/",
        views.PatientFhirExportViewSet.as_view({"get": "retrieve"}),
        name="patient-fhir",
    ),
    path(
        "patients/<uuid:patient_pk>/protocols/",
        views.PatientProtocolViewSet.as_view(list_create),
        name="patient-protocols",
    ),
    path(
        "protocols/<uuid:protocol_pk>/doses/",
        views.ProtocolDoseViewSet.as_view(list_create),
        name="protocol-doses",
    ),
    path("worklist/", views.WorklistViewSet.as_view({"get": "list"}), name="worklist"),
    path(
        "lab-thresholds/",
        views.ClinicThresholdViewSet.as_view({"get": "retrieve", "put": "replace"}),
        name="lab-thresholds",
    ),
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from imaging import views

router = SimpleRouter()
router.register("photos", views.PhotoViewSet, basename="photo")
router.register("devices", views.DeviceViewSet, basename="device")

urlpatterns = [
    *router.urls,
    path(
        "patients/<uuid:patient_pk>/photos/",
        views.PatientPhotoViewSet.as_view({"get": "list", "post": "create"}),
        name="patient-photos",
    ),
]

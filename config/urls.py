from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from clinics import views as clinic_views
from config.health import health

api_v1 = [
    path("auth/token/", clinic_views.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", clinic_views.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/token/revoke/", clinic_views.TokenRevokeView.as_view(), name="token-revoke"),
    path("me/", clinic_views.MeView.as_view(), name="me"),
    path("", include("clinics.urls")),
    path("", include("patients.urls")),
    path("", include("labs.urls")),
    path("", include("imaging.urls")),
]

urlpatterns = [
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
]

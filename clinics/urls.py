from rest_framework.routers import SimpleRouter

from clinics import views

router = SimpleRouter()
router.register("members", views.MemberViewSet, basename="member")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls

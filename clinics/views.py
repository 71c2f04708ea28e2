from datetime import UTC

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views

from clinics import services
from clinics.models import AuditEvent, Membership
from clinics.serializers import (
    ACTION_NAMES,
    AuditEventSerializer,
    MemberCreateSerializer,
    MemberSerializer,
    MemberUpdateSerializer,
    MeSerializer,
)
from clinics.tenancy import ADMINS, Actor, TenantScopedViewSet


class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TenantScopedViewSet,
):
    """The clinic's staff and portal accounts, managed by its admins."""

    schema_resource = "member"
    schema_tags = ["clinic"]

    serializer_class = MemberSerializer
    patient_field = None
    roles = {"list": ADMINS, "retrieve": ADMINS, "create": ADMINS, "partial_update": ADMINS}
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["role", "is_active"]
    search_fields = ["user__username", "user__email", "user__last_name"]

    def base_queryset(self):
        return Membership.objects.select_related("user", "clinic")

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def create(self, request, *args, **kwargs):
        payload = MemberCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.member_add(clinic=self.clinic_for_create(), **payload.validated_data)
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberUpdateSerializer, responses={200: MemberSerializer})
    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        payload = MemberUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.member_update(membership=membership, **payload.validated_data)
        return Response(MemberSerializer(membership).data)


class AuditEventFilter(filters.FilterSet):
    action = filters.ChoiceFilter(
        choices=[(name, name) for name in ACTION_NAMES.values()], method="filter_action"
    )
    object_id = filters.CharFilter(field_name="object_pk")
    since = filters.IsoDateTimeFilter(method="filter_since")
    until = filters.IsoDateTimeFilter(method="filter_until")

    class Meta:
        model = AuditEvent
        fields = ["action", "object_id", "since", "until"]

    # In UTC: PostgreSQL refuses offsets beyond +-15:59 that ISO 8601 parsers accept.
    def filter_since(self, queryset, name, value):
        return queryset.filter(timestamp__gte=value.astimezone(UTC))

    def filter_until(self, queryset, name, value):
        return queryset.filter(timestamp__lt=value.astimezone(UTC))

    def filter_action(self, queryset, name, value):
        codes = {v: k for k, v in ACTION_NAMES.items()}
        return queryset.filter(action=codes[value])


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The clinic's append-only audit trail: who read or changed what, when, from where."""

    schema_resource = "audit_event"
    schema_tags = ["audit"]

    serializer_class = AuditEventSerializer
    patient_field = None
    roles = {"list": ADMINS, "retrieve": ADMINS}
    audited_read_actions = frozenset()
    filterset_class = AuditEventFilter
    ordering_fields = ["timestamp"]

    def base_queryset(self):
        return AuditEvent.objects.select_related("actor", "content_type").order_by("-timestamp")


class MeView(APIView):
    """Who I am and my role in each of my clinics."""

    schema_resource = "me"
    schema_tags = ["auth"]

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer, summary="Get my account and clinic memberships")
    def get(self, request):
        actor = Actor.of(request)
        user = request.user
        data = {
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "memberships": list(actor.memberships),
        }
        return Response(MeSerializer(data).data)


class LoginThrottled:
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    schema_tags = ["auth"]


@extend_schema_view(post=extend_schema(operation_id="auth_token_obtain", summary="Log in"))
class TokenObtainView(LoginThrottled, jwt_views.TokenObtainPairView):
    """Log in: username and password give an `access` token (short-lived) and a `refresh`."""


@extend_schema_view(
    post=extend_schema(operation_id="auth_token_refresh", summary="Refresh an access token")
)
class TokenRefreshView(LoginThrottled, jwt_views.TokenRefreshView):
    """A new access token (and a rotated refresh token) for a valid refresh token."""


@extend_schema_view(
    post=extend_schema(operation_id="auth_token_revoke", summary="Log out (revoke a refresh token)")
)
class TokenRevokeView(LoginThrottled, jwt_views.TokenBlacklistView):
    """Log out: the refresh token can no longer be used."""

from rest_framework import serializers

from clinics.models import STAFF_ROLE_CHOICES as STAFF_ROLES
from clinics.models import AuditEvent, Membership, Role


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.CharField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    clinic = serializers.UUIDField(source="clinic_id", read_only=True)
    patient = serializers.UUIDField(source="patient_id", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "is_active",
            "clinic",
            "patient",
            "created_at",
        ]
        read_only_fields = fields


class MemberCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=STAFF_ROLES)
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=STAFF_ROLES, required=False)
    is_active = serializers.BooleanField(required=False)


ACTION_NAMES = {
    AuditEvent.Action.CREATE: "create",
    AuditEvent.Action.UPDATE: "update",
    AuditEvent.Action.DELETE: "delete",
    AuditEvent.Action.ACCESS: "read",
}


class AuditEventSerializer(serializers.ModelSerializer):
    action = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    object_type = serializers.SerializerMethodField()
    object_id = serializers.CharField(source="object_pk")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "timestamp",
            "action",
            "actor",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "remote_addr",
        ]
        read_only_fields = fields

    def get_action(self, event) -> str:
        return ACTION_NAMES.get(event.action, str(event.action))

    def get_actor(self, event) -> str | None:
        return event.actor.username if event.actor_id else None

    def get_object_type(self, event) -> str:
        return f"{event.content_type.app_label}.{event.content_type.model}"


class MeMembershipSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    clinic = serializers.UUIDField(source="clinic_id")
    clinic_name = serializers.CharField(source="clinic.name")
    role = serializers.ChoiceField(choices=Role.choices)
    patient = serializers.UUIDField(source="patient_id", allow_null=True)


class MeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    email = serializers.CharField()
    memberships = MeMembershipSerializer(many=True)

from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = "Clinics and access"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from clinics.models import Clinic, Membership

        auditlog.register(Membership)
        auditlog.register(Clinic)

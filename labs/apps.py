from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "labs"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from labs.models import ClinicThreshold, DoseLog, LabResult, Protocol

        for model in (LabResult, ClinicThreshold, Protocol, DoseLog):
            auditlog.register(model)

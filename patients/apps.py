from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from patients.models import Patient, ShedCount, SymptomReport

        for model in (Patient, SymptomReport, ShedCount):
            auditlog.register(model)

        from patients.summaries import connect_signals

        connect_signals()

from django.apps import AppConfig


class ImagingConfig(AppConfig):
    name = "imaging"
    verbose_name = "Scalp imaging"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.db.models.signals import post_delete

        from imaging.models import Analysis, AnalysisCorrection, Device, Photo, delete_stored_files

        for model in (Photo, Analysis):
            post_delete.connect(delete_stored_files, sender=model, dispatch_uid=f"files-{model}")

        # AnalysisJob is queue bookkeeping, not clinical data: not audited.
        auditlog.register(Device, exclude_fields=["updated_at"])
        auditlog.register(Photo, exclude_fields=["updated_at"])
        auditlog.register(Analysis)
        auditlog.register(AnalysisCorrection)

from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import ValidationError

from clinics.services import clinic_create


class Command(BaseCommand):
    help = "Create a clinic and its first clinic admin."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-password", required=True)
        parser.add_argument("--admin-email", default="")

    def handle(self, *args, name, admin_username, admin_password, admin_email, **options):
        try:
            clinic = clinic_create(
                name=name,
                admin_username=admin_username,
                admin_password=admin_password,
                admin_email=admin_email,
            )
        except ValidationError as exc:
            raise CommandError(f"Not created: {exc.detail}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created clinic {clinic.name} ({clinic.id}) with admin {admin_username}."
            )
        )

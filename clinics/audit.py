"""Audit trail plumbing: who did it and from where.

django-auditlog writes an entry for every create, update and delete of a registered model and,
through its `accessed` signal, for every read the API records. Its own middleware reads
`request.user` before DRF has authenticated a bearer token, so this one hands auditlog a lazy
actor that is resolved when an entry is written, after authentication.
"""

from auditlog.middleware import AuditlogMiddleware
from django.utils.functional import SimpleLazyObject


class AuditActorMiddleware(AuditlogMiddleware):
    @staticmethod
    def _get_actor(request):
        def resolve():
            user = getattr(request, "user", None)
            return user if user is not None and user.is_authenticated else None

        return SimpleLazyObject(resolve)

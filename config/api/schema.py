"""How the OpenAPI schema names and describes operations, in one place.

Mobile clients are generated from the schema, so an operation's name must not change when its
URL does: operationIds come from what the view is about (`schema_resource`) and the action,
never from the path. A view without a `schema_resource` is reported as a schema warning, which
`spectacular --fail-on-warn` (run by the test suite) turns into a failure.
"""

from drf_spectacular.drainage import warn
from drf_standardized_errors.openapi import AutoSchema as StandardErrorsAutoSchema

SUMMARIES = {
    "list": "List {plural}",
    "create": "Create {article} {singular}",
    "retrieve": "Get {article} {singular}",
    "update": "Replace {article} {singular}",
    "partial_update": "Update {article} {singular}",
    "destroy": "Delete {article} {singular}",
}


def _words(resource: str) -> str:
    return resource.replace("_", " ")


class TrichotrackAutoSchema(StandardErrorsAutoSchema):
    def _resource(self) -> str | None:
        return getattr(self.view, "schema_resource", None)

    def _action(self) -> str:
        action = getattr(self.view, "action", None)
        if action:
            return action
        return {
            "get": "retrieve",
            "post": "create",
            "put": "update",
            "patch": "partial_update",
            "delete": "destroy",
        }[self.method.lower()]

    def get_operation_id(self) -> str:
        resource = self._resource()
        if not resource:
            warn(
                f"{self.view.__class__.__name__} has no schema_resource: its operationId would "
                "follow the URL."
            )
            return super().get_operation_id()
        return f"{resource}_{self._action()}"

    def get_tags(self) -> list[str]:
        tags = getattr(self.view, "schema_tags", None)
        return list(tags) if tags else super().get_tags()

    def get_summary(self) -> str | None:
        explicit = super().get_summary()
        if explicit:
            return explicit
        resource = self._resource()
        template = SUMMARIES.get(self._action())
        if not (resource and template):
            return None
        singular = _words(resource)
        plural = _words(getattr(self.view, "schema_plural", f"{resource}s"))
        article = "an" if singular[0] in "aeiou" else "a"
        return template.format(singular=singular, plural=plural, article=article)

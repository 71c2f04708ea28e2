"""How the OpenAPI schema names and describes operations, in one place.

Mobile clients are generated from the schema, so an operation's name must not change when its
URL does: operationIds come from what the view is about (`schema_resource`) and the action,
never from the path. A view without a `schema_resource` is reported as a schema warning, which
`spectacular --fail-on-warn` (run by the test suite) turns into a failure.
"""

import re

from drf_spectacular.drainage import warn
from drf_standardized_errors.openapi import AutoSchema as StandardErrorsAutoSchema
from inflection import camelize
from rest_framework import serializers

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

    def _should_add_parse_error_response(self) -> bool:
        # Only a request body can fail to parse.
        return (
            self.method in ("POST", "PUT", "PATCH") and super()._should_add_parse_error_response()
        )

    def _should_add_validation_error_response(self) -> bool:
        # A GET of one object takes no input that could be invalid: no 400 to document
        # (django-filter's backends would otherwise suggest one on every detail route).
        if self.method == "GET" and not self._is_list_view():
            return False
        return super()._should_add_validation_error_response()

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


class ValidationErrorItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A machine-readable reason, e.g. `required`, `invalid`.")
    detail = serializers.CharField(help_text="What is wrong, in words a person can act on.")
    attr = serializers.CharField(
        allow_null=True,
        help_text="The field at fault (`field`, `field.0`, `row.3.value`, ...); null when the "
        "request as a whole is at fault.",
    )


class ValidationErrorResponseSerializer(serializers.Serializer):
    """Every 400: one shape whatever the route (the field names differ, not the structure)."""

    type = serializers.ChoiceField(
        choices=[("validation_error", "validation_error"), ("client_error", "client_error")]
    )
    errors = ValidationErrorItemSerializer(many=True)


def _values_key(schema: dict) -> tuple:
    return (schema.get("type"), tuple(sorted(map(str, schema["enum"]))))


def postprocess_named_query_enums(result, generator, request, public):
    """Query parameters with choices point at a named enum component (the one with the same
    values when there is one), so generated clients get one enum type per set of values instead
    of an anonymous copy per operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    named = {
        _values_key(s): name for name, s in schemas.items() if isinstance(s, dict) and "enum" in s
    }
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                target = schema.get("items", schema) if schema.get("type") == "array" else schema
                if "enum" not in target:
                    continue
                key = _values_key(target)
                name = named.get(key)
                if name is None:
                    name = camelize(re.sub(r"\W", "_", parameter["name"])) + "Enum"
                    while name in schemas and _values_key(schemas[name]) != key:
                        name = "Query" + name
                    schemas[name] = {k: v for k, v in target.items() if k != "description"}
                    named[key] = name
                ref = {"$ref": f"#/components/schemas/{name}"}
                if target is schema:
                    parameter["schema"] = ref
                else:
                    schema["items"] = ref
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result


def image_route_errors() -> dict:
    """The error responses of a route whose success is an image: still JSON, in the API's one
    error shape (drf-standardized-errors would otherwise document them as `*/*`)."""
    from drf_standardized_errors.openapi_serializers import (
        ErrorResponse401Serializer,
        ErrorResponse403Serializer,
        ErrorResponse404Serializer,
    )

    return {
        (401, "application/json"): ErrorResponse401Serializer,
        (403, "application/json"): ErrorResponse403Serializer,
        (404, "application/json"): ErrorResponse404Serializer,
    }

"""The OpenAPI schema is a product: mobile clients are generated from it.

It must generate without a warning, and it must equal the committed `openapi.yaml`, so that no
change breaks clients by accident. After an intended API change, regenerate it with
`python manage.py spectacular --file openapi.yaml` and commit it with the change.
"""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parent.parent / "openapi.yaml"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_the_schema_generates_without_warnings_and_validates(generated):
    assert generated["openapi"].startswith("3.")


def test_the_generated_schema_equals_the_committed_one(generated):
    committed = yaml.safe_load(COMMITTED.read_text())
    assert generated == committed, (
        "The API changed but openapi.yaml did not: regenerate it with "
        "`python manage.py spectacular --file openapi.yaml` and review the diff."
    )


def test_every_operation_has_a_stable_id_a_tag_and_a_summary(generated):
    for path, operations in generated["paths"].items():
        for method, operation in operations.items():
            assert operation.get("operationId"), (method, path)
            assert "/" not in operation["operationId"], (method, path)
            assert operation.get("tags"), (method, path)
            assert operation.get("summary"), (method, path)


def test_request_bodies_are_json_except_uploads(generated):
    for path, operations in generated["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if not content:
                continue
            kinds = set(content)
            assert kinds in ({"application/json"}, {"multipart/form-data"}), (method, path, kinds)


def test_the_bearer_token_scheme_is_documented(generated):
    schemes = generated["components"]["securitySchemes"]
    assert schemes["jwtAuth"]["scheme"] == "bearer"

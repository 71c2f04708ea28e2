"""A Python client generated with openapi-python-client from the committed openapi.yaml (the
schema mobile clients are generated from), used against the live server (gunicorn) with a real
Celery worker: log in, create a patient, record a lab result and a protocol, upload a photo,
wait until it is analysed, read the timeline and the assessment.

The generated code itself must be clean: generated without a warning, no duplicated or
anonymous enums, no operation named after its URL.
"""

from __future__ import annotations

import datetime
import importlib
import io
import os
import re
import subprocess
import sys
import time
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.contract.conftest import PASSWORD, scalp_png
from tests.contract.live_server import ROOT, VENV_BIN
from tests.live_worker import flushable_test_database, live_worker  # noqa: F401

# CONTRACT_CLIENT_SCHEMA: generate from another file (e.g. a fresh `manage.py spectacular
# --file /tmp/openapi.yaml` while openapi.yaml is being regenerated); CI uses the committed one.
COMMITTED = Path(os.environ.get("CONTRACT_CLIENT_SCHEMA") or ROOT / "openapi.yaml")
PACKAGE = "trichotrack_client"
# The one operation whose resource-based name coincides with its one-segment URL (/me/).
URL_LIKE_BUT_RESOURCE_NAMED = {"me_retrieve"}
ANALYSIS_TIMEOUT = 90.0
# The generator knows JSON, text and octet-stream bodies; image bodies are bytes to a client too
# (as every mobile generator treats them). Anything else it cannot type stays a warning.
GENERATOR_CONFIG = """\
content_type_overrides:
  image/png: application/octet-stream
  image/jpeg: application/octet-stream
  image/svg+xml: application/octet-stream
  image/*: application/octet-stream
"""


@dataclass
class Generated:
    root: Path  # on sys.path
    package: Path
    output: str
    returncode: int
    schema: dict

    def module(self, operation_id: str):
        found = sorted((self.package / "api").glob(f"*/{operation_id}.py"))
        if not found:
            available = sorted(p.stem for p in (self.package / "api").glob("*/*.py"))
            pytest.fail(
                f"The generated client has no operation {operation_id!r} (is it in the "
                f"committed openapi.yaml?). It has: {', '.join(available)}"
            )
        return importlib.import_module(f"{PACKAGE}.api.{found[0].parent.name}.{operation_id}")

    def operation_id(self, method: str, path: str) -> str:
        try:
            return self.schema["paths"][path][method]["operationId"]
        except KeyError:
            pytest.fail(f"The committed openapi.yaml has no {method.upper()} {path}.")

    def model(self, name: str):
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Generated:
    root = tmp_path_factory.mktemp("generated-client")
    package = root / PACKAGE
    config = root / "generator.yaml"
    config.write_text(GENERATOR_CONFIG)
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(root), "NO_COLOR": "1"}
    completed = subprocess.run(
        [
            str(VENV_BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(COMMITTED),
            "--config",
            str(config),
            "--output-path",
            str(package),
            "--meta",
            "none",
            "--overwrite",
        ],  # fmt: skip
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    sys.path.insert(0, str(root))
    yield Generated(
        root=root,
        package=package,
        output=completed.stdout + completed.stderr,
        returncode=completed.returncode,
        schema=yaml.safe_load(COMMITTED.read_text()),
    )
    sys.path.remove(str(root))
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_the_client_generates_without_warnings(generated):
    assert generated.returncode == 0, generated.output
    assert (generated.package / "client.py").exists(), generated.output
    problems = [
        line
        for line in generated.output.splitlines()
        if re.search(r"warning|error|unsupported|duplicate", line, re.IGNORECASE)
    ]
    assert not problems, "openapi-python-client warned:\n" + generated.output[-8000:]


ENUM_CLASS = re.compile(r"^class (\w+)\((?:str, Enum|int, Enum|IntEnum|StrEnum|Enum)\):", re.M)
ENUM_MEMBER = re.compile(r"^    \w+ = (.+)$", re.M)


def _enums(package: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """{enum class: (module file, its values)} of the generated models."""
    enums = {}
    for module in sorted((package / "models").glob("*.py")):
        text = module.read_text()
        for name in ENUM_CLASS.findall(text):
            body = text.split(f"class {name}(", 1)[1].split("\n\n", 1)[0]
            enums[name] = (module.name, frozenset(ENUM_MEMBER.findall(body)))
    return enums


def test_no_duplicated_or_anonymous_enums(generated):
    """Every enum of the generated client is a named schema component (so its name is stable
    and shared), none is numbered to dodge a name collision, and no two carry the same values."""
    enums = _enums(generated.package)
    assert enums, "no enum generated at all: did the client generate?"
    components = set(generated.schema["components"]["schemas"])
    numbered = sorted(
        f"{name} ({module})"
        for name, (module, _) in enums.items()
        if re.search(r"\d+$", name.removesuffix("Enum"))
        and name not in components
        or re.search(r"_enum_?\d+\.py$|_\d+\.py$", module)
    )
    anonymous = sorted(
        f"{name} ({module})" for name, (module, _) in enums.items() if name not in components
    )
    by_values: dict[frozenset[str], list[str]] = {}
    for name, (_, values) in enums.items():
        by_values.setdefault(values, []).append(name)
    duplicated = sorted(" = ".join(sorted(names)) for names in by_values.values() if len(names) > 1)
    report = []
    if numbered:
        report.append(f"{len(numbered)} numbered enums: " + ", ".join(numbered[:40]))
    if anonymous:
        report.append(
            f"{len(anonymous)} anonymous enums (inline in a parameter or property, named by the "
            "generator after their operation/property): "
            + ", ".join(anonymous[:40])
            + (" ..." if len(anonymous) > 40 else "")
        )
    if duplicated:
        report.append(
            f"{len(duplicated)} sets of enums with identical values: "
            + "; ".join(duplicated[:20])
            + (" ..." if len(duplicated) > 20 else "")
        )
    assert not report, "\n\n".join(report)


def _url_derived_ids(path: str) -> set[str]:
    """The operationIds drf-spectacular would derive from the URL (what we must not ship)."""
    trimmed = re.sub(r"^/api/v1", "", path)
    tokens = [t.replace("-", "_") for t in trimmed.strip("/").split("/") if t and "{" not in t]
    stem = "_".join(tokens)
    actions = ("list", "retrieve", "create", "update", "partial_update", "destroy")
    return {f"{stem}_{action}" for action in actions}


def test_operation_names_do_not_follow_urls(generated):
    """The client's function for an operation is named by its operationId; that name must come
    from the resource, so it does not change when a URL does."""
    offenders = []
    for path, operations in generated.schema["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            op_id = operation["operationId"]
            module = generated.package / "api"
            if not list(module.glob(f"*/{op_id}.py")):
                offenders.append(f"{method.upper()} {path}: no function {op_id} generated")
            if op_id in URL_LIKE_BUT_RESOURCE_NAMED:
                continue
            if op_id in _url_derived_ids(path) or re.search(r"api_v\d|_pk\b|_pk_|\{", op_id):
                offenders.append(f"{method.upper()} {path}: {op_id} is derived from the URL")
    assert not offenders, "\n".join(offenders)


def _value(x):
    return getattr(x, "value", x)


def _body(module, data: dict):
    """The operation's request model, built from a plain dict (its `from_dict`)."""
    hints = typing.get_type_hints(module.sync_detailed)
    body_type = hints["body"]
    return body_type.from_dict(data)


def _ok(response, *statuses: int):
    assert response.status_code in statuses, f"{response.status_code}: {response.content[:2000]!r}"
    assert response.parsed is not None, response.content[:2000]
    return response.parsed


@pytest.mark.worker
@pytest.mark.timeout(300)
def test_a_generated_client_runs_the_clinical_workflow(
    generated,
    api_server,
    seeded,
    live_worker,  # noqa: F811
):
    assert generated.returncode == 0, generated.output
    package = importlib.import_module(PACKAGE)
    live_worker()

    # Log in.
    obtain = generated.module("auth_token_obtain")
    anonymous = package.Client(base_url=api_server.url, timeout=60.0)
    tokens = _ok(
        obtain.sync_detailed(
            client=anonymous,
            body=_body(obtain, {"username": seeded.clinician_a, "password": PASSWORD}),
        ),
        200,
    )
    client = package.AuthenticatedClient(base_url=api_server.url, token=tokens.access, timeout=60.0)

    # Create a patient.
    create_patient = generated.module("patient_create")
    patient = _ok(
        create_patient.sync_detailed(
            client=client,
            body=_body(
                create_patient,
                {
                    "first_name": "Rosalind",
                    "last_name": "Franklin",
                    "mrn": "GEN-0001",
                    "date_of_birth": "1972-07-25",
                    "sex": "female",
                    "diet": "vegan",
                    "metformin": True,
                },
            ),
        ),
        201,
    )

    # Record a lab result and a protocol.
    record_lab = generated.module("patient_lab_result_create")
    collected = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=20)
    lab = _ok(
        record_lab.sync_detailed(
            patient.id,
            client=client,
            body=_body(
                record_lab,
                {
                    "analyte": "b12",
                    "value": "142",
                    "unit": "pg/mL",
                    "collected_at": collected.isoformat(),
                },
            ),
        ),
        201,
    )
    create_protocol = generated.module("patient_protocol_create")
    protocol = _ok(
        create_protocol.sync_detailed(
            patient.id,
            client=client,
            body=_body(
                create_protocol,
                {
                    "kind": "loading_im",
                    "start_date": (datetime.date.today() - datetime.timedelta(days=14)).isoformat(),
                },
            ),
        ),
        201,
    )
    assert lab.id and protocol.id

    # Upload a photo (multipart) and wait until a worker has analysed it.
    upload = generated.module(
        generated.operation_id("post", "/api/v1/patients/{patient_pk}/photos/")
    )
    from trichotrack_client.types import File

    body = _body(
        upload,
        {
            "image": b"",
            "zone": "vertex",
            "taken_at": (
                datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2)
            ).isoformat(),
            "pixels_per_mm": 100.0,
        },
    )
    body.image = File(
        payload=io.BytesIO(scalp_png(width=800, height=600, seed=11)),
        file_name="scalp.png",
        mime_type="image/png",
    )
    queued = _ok(upload.sync_detailed(patient.id, client=client, body=body), 202)
    photo_id = queued.to_dict().get("photo") or queued.to_dict().get("id")
    assert photo_id, queued.to_dict()

    get_photo = generated.module(generated.operation_id("get", "/api/v1/photos/{id}/"))
    deadline = time.monotonic() + ANALYSIS_TIMEOUT
    while True:
        photo = _ok(get_photo.sync_detailed(photo_id, client=client), 200)
        status = _value(photo.status)
        if status == "done":
            break
        assert status not in ("failed", "rejected"), photo.to_dict()
        assert time.monotonic() < deadline, (
            f"not analysed after {ANALYSIS_TIMEOUT:g} s: {photo.to_dict()}"
        )
        time.sleep(0.5)
    analysis = photo.to_dict().get("analysis") or {}
    assert analysis.get("hair_count", 0) > 0, photo.to_dict()

    # The timeline and the assessment (GET /patients/{id}/timeline/ and /assessment/).
    timeline_op = generated.module("patient_timeline")
    timeline = _ok(timeline_op.sync_detailed(patient.id, client=client), 200)
    assessment_op = generated.module("patient_assessment")
    assessment = _ok(assessment_op.sync_detailed(patient.id, client=client), 200)
    timeline_text = str(timeline.to_dict())
    assert "142" in timeline_text or str(lab.id) in timeline_text, timeline.to_dict()
    assert assessment.to_dict(), assessment

"""Schemathesis against the live server (gunicorn on the test database), authenticated, over
every operation, with the checks `not_a_server_error` and `response_schema_conformance`: zero
failures, at least 1,000 requests, bounded in time.

The schema fuzzed is the one the server serves (`/api/schema/`), i.e. the code under test;
tests/test_openapi_contract.py fails whenever it differs from the committed openapi.yaml, so
the two agree whenever the suite is green, and new routes are fuzzed from the moment they exist.

Three passes, each an `st run` subprocess with its own bearer token:
- a patient-portal user of clinic A: every operation, examples + fuzzing (mostly 403/404, and
  their own record);
- a clinician of clinic A: every operation, examples + coverage + fuzzing;
- a clinic admin of clinic A: the admin-only resources (members, audit trail, devices, lab
  thresholds), examples + coverage + fuzzing; last, as it may deactivate the other members.
Path parameters name seeded objects of both clinics about half of the time
(tests/contract/st_hooks.py), so the fuzzer reaches the handlers, not only the 404s.

Tunable: CONTRACT_MAX_EXAMPLES (fuzzed cases per operation and pass), CONTRACT_SEED.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.urls import Resolver404, resolve

from tests.contract.conftest import bearer
from tests.contract.live_server import ROOT, VENV_BIN

CHECKS = "not_a_server_error,response_schema_conformance"
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "6"))
SEED = os.environ.get("CONTRACT_SEED", "20260501")
MIN_REQUESTS = 1000
ADMIN_ONLY = r"^/api/v1/(members|audit-events|devices|lab-thresholds)/"


@dataclass
class Pass:
    name: str
    user: str
    phases: str
    include_path_regex: str | None = None


def _model_of(path: str):
    """The model behind a templated path's `{id}`, through the URL resolver and the view."""
    concrete = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
    try:
        match = resolve(concrete)
    except Resolver404:
        return None
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    meta = getattr(getattr(view, "serializer_class", None), "Meta", None)
    if getattr(meta, "model", None) is not None:
        return meta.model
    try:
        return view().base_queryset().model
    except Exception:  # a view without a model: its ids stay random
        return None


def path_ids(schema: dict) -> dict[str, dict[str, list[str]]]:
    """{path template: {parameter: [ids of real objects, of both clinics]}}"""
    from labs.models import Protocol
    from patients.models import Patient

    by_name = {"patient_pk": Patient, "protocol_pk": Protocol}
    out: dict[str, dict[str, list[str]]] = {}
    for path in schema["paths"]:
        params: dict[str, list[str]] = {}
        for name in re.findall(r"\{([^}]+)\}", path):
            model = by_name.get(name) or (_model_of(path) if name in ("id", "pk") else None)
            if model is not None:
                params[name] = [str(pk) for pk in model.objects.values_list("pk", flat=True)[:30]]
        if params:
            out[path] = params
    return out


def run_pass(server, run: Pass, *, token: str, ids_file: Path, workdir: Path) -> dict:
    report = workdir / f"{run.name}.json"
    count = workdir / f"{run.name}.count"
    command = [
        str(VENV_BIN / "st"), "run", f"{server.url}/api/schema/?format=json",
        "--url", server.url,
        "--checks", CHECKS,
        "--header", f"Authorization: Bearer {token}",
        "--phases", run.phases,
        "--mode", "all",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", SEED,
        "--workers", "1",
        "--request-timeout", "30",
        "--generation-database", "none",
        "--no-shrink",
        "--no-color",
        "--report", "json",
        "--report-json-path", str(report),
    ]  # fmt: skip
    if run.include_path_regex:
        command += ["--include-path-regex", run.include_path_regex]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.contract.st_hooks",
        "CONTRACT_PATH_IDS": str(ids_file),
        "CONTRACT_REQUEST_COUNT": str(count),
        "PYTHONPATH": str(ROOT),
    }
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600
    )
    return {
        "name": run.name,
        "returncode": completed.returncode,
        "output": completed.stdout + completed.stderr,
        "seconds": time.monotonic() - started,
        "report": json.loads(report.read_text()) if report.exists() else None,
        "requests": int(count.read_text()) if count.exists() else 0,
    }


def _failure_details(output: str, limit: int = 12000) -> str:
    """The FAILURES and ERRORS sections of st's output."""
    start = min(
        (i for i in (output.find("= ERRORS ="), output.find("= FAILURES =")) if i >= 0), default=-1
    )
    end = output.find("= WARNINGS =")
    text = output[start:end] if start >= 0 else output[-4000:]
    return text[:limit]


@pytest.mark.services
@pytest.mark.timeout(600)
def test_schemathesis_finds_no_failure_over_every_operation(api_server, seeded, tmp_path):
    schema = requests.get(f"{api_server.url}/api/schema/?format=json", timeout=30).json()
    operations = {
        f"{method.upper()} {path}"
        for path, methods in schema["paths"].items()
        for method in methods
        if method != "parameters"
    }
    ids_file = tmp_path / "path_ids.json"
    ids_file.write_text(json.dumps(path_ids(schema)))
    passes = [
        Pass("patient", seeded.patient_user_a, "examples,fuzzing"),
        Pass("clinician", seeded.clinician_a, "examples,coverage,fuzzing"),
        # Last: it may deactivate or demote the other members.
        Pass("admin", seeded.admin_a, "examples,coverage,fuzzing", ADMIN_ONLY),
    ]
    started = time.monotonic()
    results = [
        run_pass(
            api_server, run, token=bearer(api_server, run.user), ids_file=ids_file, workdir=tmp_path
        )
        for run in passes
    ]
    total_requests = sum(r["requests"] for r in results)
    problems = []
    tested_everything = set()
    print(
        f"\nschemathesis over {len(operations)} operations (seed {SEED}, "
        f"max-examples {MAX_EXAMPLES}):"
    )
    for r in results:
        report = r["report"] or {}
        cases = report.get("test_cases", {})
        ops = report.get("operations", {})
        print(
            f"  {r['name']:<9} {r['requests']:>5} requests, {cases.get('generated', 0):>5} "
            f"test cases, {ops.get('tested', 0)}/{ops.get('selected', 0)} operations, "
            f"{r['seconds']:.0f} s, exit {r['returncode']}"
        )
        if report is None or not report.get("complete"):
            problems.append(f"pass {r['name']} did not complete:\n{r['output'][-4000:]}")
            continue
        if ops.get("selected") == len(operations) and ops.get("tested") == len(operations):
            tested_everything.add(r["name"])
        summary = [
            f"{f['code']} {f['title']} x{f['count']}: {', '.join(f['operations'])}"
            for f in report.get("failures", [])
        ] + [f"{e['title']} x{e['count']}" for e in report.get("errors", [])]
        if summary or r["returncode"] != 0:
            problems.append(
                f"pass {r['name']} (exit {r['returncode']}):\n  "
                + "\n  ".join(summary)
                + "\n"
                + _failure_details(r["output"])
            )
    print(f"  total     {total_requests:>5} requests in {time.monotonic() - started:.0f} s")
    assert not problems, "\n\n".join(problems)
    assert tested_everything, "no pass tested every operation of the schema"
    assert total_requests >= MIN_REQUESTS, f"only {total_requests} requests were sent"

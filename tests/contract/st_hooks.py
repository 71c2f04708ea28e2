"""Schemathesis hooks for the contract run (loaded by the `st` subprocess through
SCHEMATHESIS_HOOKS=tests.contract.st_hooks; no Django here).

Path parameters name a real object about half of the time, so the fuzzer reaches the code
behind the 404: CONTRACT_PATH_IDS names a JSON file {path template: {parameter: [ids]}}
written by the test after seeding.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from functools import cache

import schemathesis
from hypothesis import strategies as st


@cache
def _known_ids() -> dict[str, dict[str, list]]:
    path = os.environ.get("CONTRACT_PATH_IDS")
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    known = _known_ids().get(context.operation.path, {})
    choices = {
        name: st.sampled_from(values)
        for name, values in known.items()
        if values and name in path_parameters
    }
    if not choices:
        return st.just(path_parameters)
    real = st.fixed_dictionaries(choices).map(lambda ids: {**path_parameters, **ids})
    return st.one_of(real, st.just(path_parameters))


_sent = 0
_lock = threading.Lock()


def _write_count() -> None:
    path = os.environ.get("CONTRACT_REQUEST_COUNT")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(str(_sent))


atexit.register(_write_count)


@schemathesis.hook
def after_call(context, case, response):
    """Counts the requests actually sent (the run's figure, written at exit)."""
    global _sent
    with _lock:
        _sent += 1

"""docs/permissions.md, what each role of Airflow 3's simple auth manager may call, is what the live server
answers: the matrix is made again on a stack of its own (scripts/permissions.py makes a backfill and
enqueues a connection test there: never on the stack the notebooks use) and compared with the file."""
from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest
import yaml

from conftest import fresh_stack
from scripts import permissions  # scripts/permissions.py

pytestmark = pytest.mark.airflow3  # the simple auth manager's roles are Airflow 3's
# Airflow's package, found without importing it (~2 s at every collection of the suite)
AIRFLOW = Path(importlib.util.find_spec("airflow").submodule_search_locations[0])
SPEC = AIRFLOW / "api_fastapi" / "core_api" / "openapi" / "v2-rest-api-generated.yaml"


@pytest.fixture(scope="module")
def spec_operations() -> list[dict]:
    return permissions.operations(yaml.safe_load(SPEC.read_text()))


def test_every_operation_gets_a_request_with_no_template_left(spec_operations):
    real = {"backfill_id": 1, "file_token": "t", permissions.TEST_TOKEN: "t"}
    for operation in spec_operations:
        path, query, headers, body = permissions.request_of(operation, real)
        assert "{" not in path, (operation["key"], path)


def test_the_matrix_names_only_operations_of_the_spec(spec_operations):
    """A renamed operation would leave a body, a question or a special case behind, unused: it fails here."""
    keys = {op["key"] for op in spec_operations}
    named = {*permissions.BODIES, *(key for _, key in permissions.QUESTIONS), permissions.LOGOUT,
             permissions.DEFAULTS}
    assert named <= keys, sorted(named - keys)


@pytest.mark.live
def test_docs_permissions_is_current():
    stack = fresh_stack("permissions", major="3")
    try:
        stack.start()
        version, found = permissions.matrix(stack)
    finally:
        stack.stop(quiet=True)
    written, now = permissions.DOC.read_text(), permissions.render(version, found)
    stale = "".join(difflib.unified_diff(written.splitlines(True), now.splitlines(True), "docs/permissions.md",
                                         "what the server answers", n=0))
    assert not stale, f"docs/permissions.md is stale: run `make permissions` and review its diff:\n{stale}"

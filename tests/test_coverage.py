"""How much of Airflow 3's REST API the kit teaches, computed from the live server's own /openapi.json:
every operation (method + path template) is either called by a notebook — and so requested by the
Postman collection, which is built from the notebooks — or listed in docs/api-exclusions.yml with a
reason a learner would accept. The figure is printed, and the README shows the same. The FAB auth manager's
own API (`make airflow AUTH=fab`, lesson 71) is counted beside it, from the live FAB server's
/auth/openapi.json: every one of its operations is taught, none excluded."""
from __future__ import annotations

import re

import pytest
import requests
import yaml

from helpers import load_collection
from postman.operations import request_operation, spec_operations
from stacks.paths import REPO

pytestmark = pytest.mark.airflow3  # the figure is Airflow 3's; Airflow 2.11 is taught beside it
EXCLUSIONS = REPO / "docs" / "api-exclusions.yml"
MINIMUM = 69  # never fewer than this: what the kit taught when the test was written
FIGURE = re.compile(r"(\d+) of the (\d+) operations")
FAB_FIGURE = re.compile(r"(\d+)\s+of\s+the\s+(\d+)\s+operations\s+of\s+the\s+FAB\s+auth\s+manager's\s+API")


def spec_operations_of(url: str) -> dict[str, str]:
    """Every operation of the server's REST API (its /openapi.json): "METHOD /path/{param}" -> tag.
    (The auth manager's own token endpoints, /auth/..., have a document of their own: not counted.)"""
    return spec_operations(requests.get(url + "/openapi.json", timeout=30).json())


def fab_operations_of(url: str) -> dict[str, str]:
    """Every operation of the FAB auth manager's API (its /auth/openapi.json, whose paths are relative to its
    server, /auth): "METHOD /auth/path/{param}" -> tag."""
    spec = requests.get(url + "/auth/openapi.json", timeout=30).json()
    base = spec["servers"][0]["url"].rstrip("/")
    return {f"{operation.split(' ', 1)[0]} {base}{operation.split(' ', 1)[1]}": tag
            for operation, tag in spec_operations(spec).items()}


def coverage(url: str, operations: dict[str, str] | None = None) -> tuple[dict[str, str], set[str]]:
    operations = operations or spec_operations_of(url)
    requests_ = [req["request"] for folder in load_collection()["item"] for req in folder["item"]]
    covered = {request_operation(r, list(operations)) for r in requests_} - {None}
    return operations, covered


def exclusions() -> dict[str, str]:
    return {entry["operation"]: entry["reason"] for entry in yaml.safe_load(EXCLUSIONS.read_text())["excluded"]}


def test_request_operation_picks_the_literal_template():
    ops = ["GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}", "POST /api/v2/dags/{dag_id}/dagRuns/list",
           "POST /api/v2/dags/{dag_id}/dagRuns"]
    request = {"method": "POST", "url": {"raw": "{{baseUrl}}{{api}}/dags/{{dagId}}/dagRuns/list?x=1"}}
    assert request_operation(request, ops) == "POST /api/v2/dags/{dag_id}/dagRuns/list"
    request = {"method": "GET", "url": {"raw": "{{baseUrl}}{{api}}/dags/d/dagRuns/{{runId}}"}}
    assert request_operation(request, ops) == "GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}"


def test_every_operation_is_taught_or_excluded_with_a_reason(stack):
    operations, covered = coverage(stack.url)
    excluded = exclusions()
    print(f"\nThe notebooks and the Postman collection cover {len(covered)} of the {len(operations)} "
          f"operations of Airflow {stack.version}'s REST API; {len(excluded)} are excluded.")
    missing = sorted(set(operations) - covered - set(excluded))
    assert missing == [], "neither taught nor excluded (add a lesson, or a reason to docs/api-exclusions.yml):\n  " + \
        "\n  ".join(missing)
    stale = sorted(set(excluded) - (set(operations) - covered))
    assert stale == [], f"excluded but taught, or not in the API any more: {stale}"
    assert all(len(reason) > 20 for reason in excluded.values()), "every exclusion needs a real reason"
    assert len(covered) >= MINIMUM


def test_the_readme_shows_the_figure(stack):
    operations, covered = coverage(stack.url)
    shown = FIGURE.search((REPO / "README.md").read_text())
    assert shown, "the README does not say how many operations the kit teaches"
    assert (int(shown[1]), int(shown[2])) == (len(covered), len(operations)), \
        f"the README says {shown[0]}; it is {len(covered)} of the {len(operations)} operations"


def test_every_operation_of_the_fab_api_is_taught(fab_stack):
    operations, covered = coverage(fab_stack.url, fab_operations_of(fab_stack.url))
    print(f"\nThe notebooks and the Postman collection cover {len(covered)} of the {len(operations)} operations "
          f"of the FAB auth manager's API (Airflow {fab_stack.version}).")
    assert len(operations) >= 14  # what apache-airflow-providers-fab 3.10.2 has
    missing = sorted(set(operations) - covered)
    assert missing == [], "not taught (lesson 71 calls every operation of FAB's API):\n  " + "\n  ".join(missing)
    shown = FAB_FIGURE.search((REPO / "README.md").read_text())
    assert shown, "the README does not say how many operations of FAB's API the kit teaches"
    assert (int(shown[1]), int(shown[2])) == (len(covered), len(operations)), \
        f"the README says {shown[0]}; it is {len(covered)} of the {len(operations)}"

"""Which operation of Airflow's REST API a request is: the operations of an OpenAPI document ("METHOD /path",
the path as the document writes it, `{dag_id}` and all), and the one a concrete request matches.
Shared by tests/test_coverage.py (what the collection covers) and scripts/api_map.py (docs/api-map.md).
Standard library only."""
from __future__ import annotations

import re

METHODS = ("get", "post", "put", "patch", "delete")


def spec_operations(spec: dict) -> dict[str, str]:
    """Every operation of an OpenAPI document: "METHOD /path/{param}" -> its first tag."""
    return {f"{method.upper()} {path}": (operation.get("tags") or ["?"])[0]
            for path, item in spec["paths"].items() for method, operation in item.items() if method in METHODS}


def template_pattern(operation: str) -> re.Pattern:
    method, path = operation.split(" ", 1)
    return re.compile(f"^{method} " + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$")


def operation_of(method: str, path: str, operations: list[str]) -> str | None:
    """The operation `METHOD /concrete/path` is: the template it matches with the most literal segments
    (`/dags/{dag_id}/dagRuns/list` rather than `/dags/{dag_id}/dagRuns/{dag_run_id}`)."""
    matches = [op for op in operations if template_pattern(op).match(f"{method} {path}")]
    return max(matches, key=lambda op: op.count("/") - op.count("{"), default=None)


def request_operation(request: dict, operations: list[str]) -> str | None:
    """The operation a Postman collection's request is (None: the sign-in API, /openapi.json, ...)."""
    path = request["url"]["raw"].split("?")[0].replace("{{baseUrl}}", "").replace("{{api}}", "/api/v2")
    return operation_of(request["method"], re.sub(r"\{\{[^}]*\}\}", "x", path), operations)

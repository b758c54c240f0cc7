"""What each role of Airflow 3's simple auth manager may call: `make permissions` writes docs/permissions.md.

It starts a throwaway Airflow 3 stack of its own (a home under KIT_HOME, a free port; never yours), then
calls every operation of that server's /openapi.json as each role's user (stacks/stack.py: viewer, user,
op, admin) and records whether Airflow let the call past its role check or answered 403.

Why this changes nothing. Each call names things that do not exist (every path parameter is a
placeholder, e.g. dag_id `kit-permissions-none`) and sends no body: Airflow checks the role first (403), and
an allowed call then answers 404 (no such object) or 422 (the body it needs is missing) before it acts. Two
operations act with neither a path parameter nor a body; the matrix handles each: `GET /api/v2/auth/logout`
revokes the token it is sent, so it gets a token of its own, and `POST /api/v2/connections/defaults` creates
Airflow's default connections, which are deleted again (only those that were not there before).
tests/test_permissions.py checks on the test suite's stack that docs/permissions.md is current and that a
run of the matrix leaves the stack as it found it.
"""
from __future__ import annotations

import os
import shutil
import socket
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repository's packages

from stacks.paths import KIT_HOME, REPO  # noqa: E402
from stacks.stack import Stack  # noqa: E402

DOC = REPO / "docs" / "permissions.md"
ROLES = ("viewer", "user", "op", "admin")
PLACEHOLDER = "kit-permissions-none"  # no DAG, run, task, variable, pool, connection ... has this name
SKIP_MISSING = {"action": "delete", "entities": [PLACEHOLDER], "action_on_non_existence": "skip"}
# Operations whose role check reads the body: the smallest body that makes it check and then act on nothing.
BODIES = {
    **{f"PATCH /api/v2/{what}": {"actions": [SKIP_MISSING]} for what in ("connections", "variables", "pools")},
    "PATCH /api/v2/dags/{dag_id}/dagRuns": {"actions": [SKIP_MISSING]},
    "POST /api/v2/dags/{dag_id}/clearDagRuns": {"dag_runs": [{"dag_run_id": PLACEHOLDER}], "dry_run": True},
    "POST /api/v2/connections/enqueue-test": {"connection_id": PLACEHOLDER, "conn_type": "http"},
    # reads with a body: an empty one (every field has a default)
    "POST /api/v2/dags/{dag_id}/dagRuns/list": {},
    "POST /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/list": {},
}
TEST_TOKEN = "Airflow-Connection-Test-Token"  # the header that names an enqueued connection test
LOGOUT = "GET /api/v2/auth/logout"
DEFAULTS = "POST /api/v2/connections/defaults"
QUESTIONS = [  # what a reader asks first, answered by a row of the table
    ("see the DAGs", "GET /api/v2/dags"),
    ("trigger a DAG", "POST /api/v2/dags/{dag_id}/dagRuns"),
    ("pause a DAG", "PATCH /api/v2/dags/{dag_id}"),
    ("clear failed tasks", "POST /api/v2/dags/{dag_id}/clearTaskInstances"),
    ("set a variable", "POST /api/v2/variables"),
    ("add a connection", "POST /api/v2/connections"),
    ("read the configuration", "GET /api/v2/config"),
    ("delete a DAG", "DELETE /api/v2/dags/{dag_id}"),
]


def operations(spec: dict) -> list[dict]:
    """Every operation of the spec, in its order: key "METHOD /path", tag, summary, parameters."""
    return [{"key": f"{method.upper()} {path}", "method": method.upper(), "path": path,
             "tag": (op.get("tags") or ["(no tag)"])[0], "summary": op.get("summary", ""),
             "parameters": op.get("parameters", [])}
            for path, item in spec["paths"].items() for method, op in item.items()
            if method in ("get", "post", "put", "patch", "delete")]


def placeholder(parameter: dict):
    """A value of the parameter's type that names nothing."""
    schema = parameter.get("schema", {})
    if "const" in schema or "enum" in schema:  # e.g. the batch lists' dag_id "~" (every DAG): reads only
        return schema.get("const", (schema.get("enum") or [None])[0])
    types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    if "integer" in types or "number" in types:
        return 999999999  # no id, map index, try or version number is this high
    if "array" in types:
        return [PLACEHOLDER]
    if "boolean" in types:
        return False
    return PLACEHOLDER


def request_of(operation: dict, real: dict) -> tuple[str, dict, dict, dict | None]:
    """The path with placeholders (or the real ids in `real`) filled in, the required query parameters and
    headers, and the body: none, but for the operations whose role check reads it (BODIES)."""
    path, query, headers = operation["path"], {}, {}
    for parameter in operation["parameters"]:
        value = real.get(parameter["name"], placeholder(parameter))
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(value))
        elif parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = value
        elif parameter["in"] == "header" and parameter.get("required"):
            headers[parameter["name"]] = str(value)
    return path, query, headers, BODIES.get(operation["key"])


def real_ids(url: str, headers: dict) -> dict:
    """The ids whose operations Airflow looks up before it checks the role (a placeholder would answer
    404 to every role): a backfill of daily_report, made and cancelled at once (one run, in 2000), and the
    file token of daily_report's file (`PUT /parseDagFile/{file_token}` asks for the file to be parsed again)."""
    day = "2000-01-01T00:00:00Z"
    for _ in range(30):  # SQLite: Airflow answers 503 while the database is locked by another component
        r = requests.post(f"{url}/api/v2/backfills", headers=headers, timeout=60,
                          json={"dag_id": "daily_report", "from_date": day, "to_date": day, "max_active_runs": 1})
        if r.status_code != 503:
            break
        time.sleep(1)
    r.raise_for_status()
    backfill = r.json()["id"]
    requests.put(f"{url}/api/v2/backfills/{backfill}/cancel", headers=headers, timeout=60).raise_for_status()
    r = requests.get(f"{url}/api/v2/dags/daily_report/details", headers=headers, timeout=60)
    r.raise_for_status()
    file_token = r.json()["file_token"]
    r = requests.post(f"{url}/api/v2/connections/enqueue-test", headers=headers, timeout=60,
                      json=BODIES["POST /api/v2/connections/enqueue-test"])
    r.raise_for_status()
    return {"backfill_id": backfill, "file_token": file_token, TEST_TOKEN: r.json()["token"]}


def token(url: str, username: str, password: str) -> str:
    r = requests.post(f"{url}/auth/token", json={"username": username, "password": password}, timeout=30)
    if r.status_code != 201:
        raise SystemExit(f"{username!r} could not sign in at {url} (POST /auth/token -> {r.status_code}): "
                         f"is this a kit stack with the users of each role (stacks/stack.py ROLE_USERS)?")
    return r.json()["access_token"]


def verdict(r: requests.Response, operation: dict, role: str) -> str:
    """"allowed" (past the role check: whatever it answered then), or "403" (the role check refused)."""
    if r.status_code == 403:
        detail = r.json().get("detail") if r.headers.get("content-type", "").startswith("application/json") else r.text
        if "token" in str(detail).lower():  # not the role check: the token was refused
            raise SystemExit(f"{operation['key']} as {role}: 403 {detail!r}, not the role check's")
        return "403"
    if r.status_code == 401:
        raise SystemExit(f"{operation['key']} as {role}: 401, the token was refused: {r.text[:200]}")
    return "allowed"


def matrix(stack: Stack) -> tuple[str, list[dict]]:
    """The server's version and its operations, each with "roles": role -> "allowed" or "403"."""
    url = stack.url
    spec = requests.get(f"{url}/openapi.json", timeout=60).json()
    version = requests.get(f"{url}/api/v2/version", timeout=60).json()["version"]
    users = {role: name for name, role in stack.roles().items()}
    passwords = stack.passwords()
    tokens = {role: token(url, users[role], passwords[users[role]]) for role in ROLES}
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    real = real_ids(url, admin)
    found = operations(spec)
    for operation in found:
        path, query, headers, body = request_of(operation, real)
        operation["roles"], operation["status"] = {}, {}
        for role in ROLES:
            own = token(url, users[role], passwords[users[role]]) if operation["key"] == LOGOUT else tokens[role]
            if operation["key"] == DEFAULTS:
                before = connection_ids(url, admin)
            r = requests.request(operation["method"], url + path, params=query, json=body, timeout=60,
                                 allow_redirects=False, headers={**headers, "Authorization": f"Bearer {own}"})
            if operation["key"] == DEFAULTS:
                for made in connection_ids(url, admin) - before:
                    requests.delete(f"{url}/api/v2/connections/{made}", headers=admin, timeout=30).raise_for_status()
            operation["roles"][role], operation["status"][role] = verdict(r, operation, role), r.status_code
        for role in ROLES:  # a call that finds the object for admin but answers 404 hides it from this role
            if operation["status"]["admin"] < 300 and operation["status"][role] == 404:
                operation["roles"][role] = "404"
    return version, found


def connection_ids(url: str, headers: dict) -> set[str]:
    found: list[str] = []
    while True:
        r = requests.get(f"{url}/api/v2/connections", params={"limit": 100, "offset": len(found)}, headers=headers,
                         timeout=30)
        r.raise_for_status()
        page = [c["connection_id"] for c in r.json()["connections"]]
        found += page
        if not page:
            return set(found)


def render(version: str, found: list[dict]) -> str:
    """docs/permissions.md: counts per role, the questions a reader asks first, then a table per tag."""
    allowed = {role: sum(op["roles"][role] == "allowed" for op in found) for role in ROLES}
    by_key = {op["key"]: op for op in found}

    def row(op: dict, *first: str) -> str:
        return "| " + " | ".join([*first, *(op["roles"][r] for r in ROLES)]) + " |"

    lines = [
        "# What each role may call",
        "",
        f"Every operation of the REST API of Airflow {version} (its `/openapi.json`), called as each role of the",
        "simple auth manager, Airflow 3's default: **allowed** (Airflow let the call past its role check),",
        "**403** (the role check refused it), or **404** where Airflow refuses by not finding what the role may",
        "not see. The kit's Airflow 3 has one user per role, `viewer`, `user`, `op` and `admin`",
        "([settings.md](settings.md)); lesson 70 signs in as each.",
        "",
        "Generated by `make permissions` (`scripts/permissions.py`) on a throwaway stack: do not edit it by",
        "hand. `tests/test_permissions.py` fails when it is stale.",
        "",
        "| role | may call | refused |",
        "|---|---|---|",
        *[f"| `{role}` | {allowed[role]} of {len(found)} | {len(found) - allowed[role]} |" for role in ROLES],
        "",
        "Each role may do what the one before it may, and more: `viewer` reads (all but connections and",
        "variables); `user` also triggers, pauses, clears, marks and deletes DAGs, runs and task instances,",
        "and backfills; `op` also manages connections, variables and pools, and asset events, asset state and",
        "queued events; on the REST API `admin` may do nothing more than `op`.",
        "",
        "## At a glance",
        "",
        "| can a ... | operation | " + " | ".join(ROLES) + " |",
        "|---|---|" + "---|" * len(ROLES),
        *[row(by_key[key], question, f"`{key.replace('/api/v2', '', 1)}`") for question, key in QUESTIONS],
        "",
        "## How it is made",
        "",
        f"Each operation is called once per role with placeholders for its parameters (`{PLACEHOLDER}`, or",
        "999999999 for a number) and no body. Airflow checks the role before it does anything: a refused call",
        "answers 403; an allowed one goes on and answers 404 (nothing has that name), 422 (the body is",
        "missing) or 200, and changes nothing. Where that is not enough, the script says so and why",
        "(`scripts/permissions.py`): a few operations whose role check reads the body get the smallest body",
        "that acts on nothing (a bulk delete of a name that does not exist, a dry run); three look their",
        "object up before the check, so they get a real one (a backfill made and cancelled at once, a DAG",
        "file's token, an enqueued connection test); the logout gets a token of its own to revoke; and the",
        "default connections that `POST /connections/defaults` creates are deleted again.",
        "",
    ]
    for tag in sorted({op["tag"] for op in found}):
        lines += [f"## {tag}", "", "| operation | summary | " + " | ".join(ROLES) + " |",
                  "|---|---|" + "---|" * len(ROLES)]
        lines += [row(op, f"`{op['key'].replace('/api/v2', '', 1)}`", op["summary"]) for op in found
                  if op["tag"] == tag]
        lines.append("")
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    home = KIT_HOME / "permissions"
    stack = Stack("3", home=home, port=free_port(), templates=KIT_HOME / "templates")
    stack.stop(quiet=True)  # one left by an interrupted run, if it proves ours
    shutil.rmtree(home, ignore_errors=True)
    print(f"Starting a throwaway Airflow {stack.version} in {home} (port {stack.port}): not yours ...", flush=True)
    try:
        stack.start()
        version, found = matrix(stack)
    finally:
        stack.stop(quiet=True)
        shutil.rmtree(home, ignore_errors=True)
    DOC.write_text(render(version, found))
    if os.environ.get("KIT_PERMISSIONS_STATUS"):  # what each call answered: to review the matrix
        for op in found:
            print(op["key"], *(f"{role}={op['status'][role]}" for role in ROLES), file=sys.stderr)
    for role in ROLES:
        print(f"  {role:7} may call {sum(op['roles'][role] == 'allowed' for op in found)} of {len(found)} operations")
    print(f"Wrote {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

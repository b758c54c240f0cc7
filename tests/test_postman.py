"""The Postman collection (postman/): run by newman against the live stack, mirrored by the notebooks,
and made only of calls that the running Airflow's own OpenAPI document has.

newman is the npm package pinned in postman/package.json (its lock in postman/package-lock.json);
when postman/node_modules is missing, the first test that needs it runs `npm ci --prefix postman`.
"""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import types
from pathlib import Path

import pytest
import requests
import yaml

from helpers import (
    ENVIRONMENTS,
    OUTLINE,
    POSTMAN,
    collection_outline,
    environment,
    live_values,
    load_collection,
    run_newman,
)

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
AF_METHODS = {"get": "GET", "post": "POST", "patch": "PATCH", "delete": "DELETE", "table": "GET",
              "items": "GET"}
RAW_METHODS = {"get": "GET", "post": "POST", "patch": "PATCH", "delete": "DELETE", "put": "PUT"}


def forget_form_submission(stack):
    """Folder 31's form submission is stored by the DAG form_submission in SQLite (in the test stack's
    own include/), which Postman cannot reach: delete its row as notebook 31 does, so the run leaves
    nothing behind."""
    database = stack.project / "include" / "form_submissions.db"
    if database.exists():
        with sqlite3.connect(database) as db:
            db.execute("DELETE FROM form_submissions WHERE submission_id = 'notebook31-0001'")
        db.close()


def test_collection_runs_green_and_cleans_up(stack, af, newman, tmp_path):
    """The whole collection with the environment a user imports for this Airflow: every test green, and
    the stack left as it found it, so that a second run starts where the first did (the suite's one
    real second run is the notebooks', on Airflow 3: tests/test_notebooks.py). Then folder 10 again with
    authMode auto, which finds out how to sign in (a JWT on Airflow 3, Basic auth on 2.11)."""
    from conftest import stack_state
    from test_notebooks import changes

    template = "local-airflow3" if af.major >= 3 else "local-airflow2"
    before = stack_state(af)
    try:
        first = run_newman(newman, environment(template, tmp_path, **live_values()), tmp_path)
        after = stack_state(af)
        values = {**live_values(), "authMode": "auto"}
        auto = run_newman(newman, environment(template, tmp_path, **values), tmp_path,
                          folders=[load_collection()["item"][0]["name"]])
    finally:
        forget_form_submission(stack)
    collection = load_collection()
    sent = [r for f, r, _ in collection_requests(collection)
            if af.major >= 3 or not skipped_on_airflow_2(f, r, collection)]  # newman counts no skipped request
    assert first["stats"]["requests"]["total"] >= len(sent)
    assert not changes(before, after), f"the collection left the stack changed: {changes(before, after)}"
    assert auto["stats"]["assertions"]["failed"] == 0 and auto["stats"]["assertions"]["total"] > 0


# --- the collection mirrors the notebooks ------------------------------------------------------
def collection_requests(collection: dict) -> list[tuple[str, str, dict]]:
    return [(folder["name"], req["name"], req["request"])
            for folder in collection["item"] for req in folder["item"]]


def collection_path(raw: str) -> str:
    """`{{baseUrl}}{{api}}/dags/{{dagId}}?limit=1` -> `/api/v2/dags/{}`."""
    path = raw.split("?")[0].replace("{{baseUrl}}", "").replace("{{api}}", "/api/v2")
    return re.sub(r"\{\{[^}]*\}\}", "{}", path)


def notebook_path(path: str) -> str:
    path = path.split("?")[0]
    return path if path.startswith(("/api/", "/auth/")) else "/api/v2" + path


def fstring_text(node: ast.AST) -> str | None:
    """A str literal or f-string as text, each placeholder written `{}`; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def airflow3_branch(test: ast.AST) -> bool | None:
    """Whether an `if` test that reads `af.major` is true on Airflow 3; None when it does not read it."""
    if "af.major" not in ast.unparse(test):
        return None
    try:
        return bool(eval(compile(ast.Expression(test), "<test>", "eval"),
                         {"af": types.SimpleNamespace(major=3)}))
    except Exception:
        return None


class CallFinder(ast.NodeVisitor):
    """The API calls of one cell, in source order (see notebook_calls for the rules)."""

    def __init__(self):
        self.calls: list[tuple[int, int, str, str]] = []

    def visit_If(self, node):
        self._branch(node)

    def visit_IfExp(self, node):
        self._branch(node)

    def _branch(self, node):
        taken = airflow3_branch(node.test)
        if taken is None:
            return self.generic_visit(node)
        self.visit(node.test)
        for child in (node.body if taken else node.orelse) if isinstance(node, ast.If) else \
                [node.body if taken else node.orelse]:
            self.visit(child)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and node.args:
            owner, name, first = func.value.id, func.attr, node.args[0]
            if owner == "af" and name in AF_METHODS:
                for path in self._paths(first):
                    if path.startswith("/"):
                        self.calls.append((node.lineno, node.col_offset, AF_METHODS[name], notebook_path(path)))
            elif owner == "requests" and name in RAW_METHODS and isinstance(first, ast.JoinedStr):
                path = raw_requests_path(first)
                if path:
                    self.calls.append((node.lineno, node.col_offset, RAW_METHODS[name], path))
        self.generic_visit(node)

    def _paths(self, node):
        if isinstance(node, ast.IfExp):
            taken = airflow3_branch(node.test)
            if taken is not None:
                return self._paths(node.body if taken else node.orelse)
            return self._paths(node.body) + self._paths(node.orelse)
        text = fstring_text(node)
        return [text] if text is not None else []


def raw_requests_path(node: ast.JoinedStr) -> str | None:
    """f"{api}/dags" -> /api/v2/dags; f"{af.url}/auth/token" -> /auth/token; anything else None."""
    if not node.values or not isinstance(node.values[0], ast.FormattedValue):
        return None
    head = ast.unparse(node.values[0].value)
    rest = fstring_text(ast.JoinedStr(values=node.values[1:])) or ""
    if head == "api" and rest.startswith("/"):
        return "/api/v2" + rest.split("?")[0]
    if head == "af.url" and rest.startswith(("/api/", "/auth/")):
        return rest.split("?")[0]
    return None


def notebook_title(nb: dict) -> str:
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError("the notebook has no title (a first-level heading)")


def notebook_calls(path: Path) -> list[tuple[str, str]]:
    """The API calls a notebook makes, in order, as (METHOD, /full/path with {} placeholders).

    Counted, from each code cell in order (parsed with ast, in source order within a cell):
    - `af.get/post/patch/delete/table/items(PATH, ...)` where PATH is a str literal or f-string starting
      with "/"; placeholders become `{}`, and `/api/v2` is prefixed unless PATH starts with /api/ or
      /auth/. `af.table` and `af.items` are GETs (all pages of one list call: one request).
    - raw `requests.get/post/patch/put/delete(URL, ...)` as notebook 10 makes them by hand, where URL
      is an f-string starting with `{api}` (the API root, `af.url + af.api`: counted as /api/v2) or with
      `{af.url}` followed by /api/... or /auth/... (e.g. f"{af.url}/auth/token").
    - Where code branches on `af.major` (an `if` statement or a conditional expression whose test reads
      af.major), only the branch taken on Airflow 3 counts: the collection is written for Airflow 3, and
      its request scripts make the Airflow 2 form of the same call (a request per call site, not per
      branch). A test that does not read af.major counts both branches.
    - Only calls through `af` (and raw requests to `{api}` / `{af.url}`) count: the collection runs
      against one server. Notebook 90's second connection, `af2` (an Airflow 2.11 beside the Airflow 3),
      is not counted: its raw requests to f"{af2.url}/api/v1/..." are the same webinar calls that it then
      sends to f"{af.url}/api/v1/...", which the collection's requests make, succeeding on Airflow 2.
    - Helpers that poll (af.wait_for_run) and calls inside the helper are not notebook calls; the
      collection waits in a request's pre-request script instead. Calls to other addresses (a
      plugin's own pages such as f"{af.url}/sql-runner/run") are not REST API calls and not counted.
    - Each call site counts once, where it is written: also inside a loop (the collection sends that
      request once per value) and inside a function the notebook defines (counted where the function
      is defined, not where it is called).
    Paths are then compared segment by segment (see same_call).
    """
    nb = json.loads(path.read_text())
    calls = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "\n".join(line for line in "".join(cell["source"]).splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        finder = CallFinder()
        finder.visit(ast.parse(source))
        calls += [(method, p) for _, _, method, p in sorted(finder.calls)]
    return calls


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_the_notebook_call_rules():
    source = '''
a = af.get("/version")
b = af.get("/monitor/health" if af.major >= 3 else "/health")
if af.major >= 3:
    r = requests.post(f"{af.url}/auth/token", json={})
    s = requests.get(f"{api}/dags", headers={})
else:
    s = requests.get(f"{api}/dags", auth=("a", "b"))
t = af.table(f"/dags/{dag_id}/dagRuns", columns=["x"])
af.wait_for_run(dag_id, run_id)
af.post(f"/dags/{dag_id}/dagRuns", json={"logical_date": None} if af.major >= 3 else {})
v1 = requests.get(f"{af2.url}/api/v1/providers", auth=("a", "b"))
af2.delete(f"/dags/{dag_id}/dagRuns/{run_id}")
'''
    finder = CallFinder()
    finder.visit(ast.parse(source))
    assert [c[2:] for c in sorted(finder.calls)] == [
        ("GET", "/api/v2/version"), ("GET", "/api/v2/monitor/health"), ("POST", "/auth/token"),
        ("GET", "/api/v2/dags"), ("GET", "/api/v2/dags/{}/dagRuns"), ("POST", "/api/v2/dags/{}/dagRuns")]


def test_every_notebook_has_its_folder_with_the_same_calls():
    """One folder per notebook, same title and order; one request per call, same method, path, order."""
    collection = load_collection()
    expected = [(notebook_title(json.loads(nb.read_text())), [f"{m} {p}" for m, p in notebook_calls(nb)])
                for nb in notebooks()]
    actual = [(folder["name"], [f"{r['request']['method']} {collection_path(r['request']['url']['raw'])}"
                                for r in folder["item"]]) for folder in collection["item"]]
    assert [title for title, _ in actual] == [title for title, _ in expected], \
        "the collection's folders are not the notebooks' titles, in order"
    for (title, want), (_, have) in zip(expected, actual):
        if len(have) == len(want) and all(map(same_call, have, want)):
            continue
        assert have == want, f"folder {title!r}: the requests differ from the notebook's calls"


def same_call(request: str, call: str) -> bool:
    """Same method and path, segment by segment; a `{}` segment on either side (a {{variable}} of the
    collection, an f-string placeholder of the notebook) matches any one segment: the notebook may
    write `task_3` where the collection chains the failed task's id, or an f-string where the
    collection shows the DAG id."""
    (m1, p1), (m2, p2) = request.split(" ", 1), call.split(" ", 1)
    s1, s2 = p1.split("/"), p2.split("/")
    return m1 == m2 and len(s1) == len(s2) and all(a == b or "{}" in (a, b) for a, b in zip(s1, s2))


# --- how the collection is built from the notebooks and postman/folders/*.js ----------------------------
def builder():
    """postman/build_collection.py as a module (with folder_scripts.py and notebook_calls.py beside it)."""
    from postman import build_collection
    return build_collection


def notebook_file(tmp_path: Path, *cells: str) -> Path:
    """A notebook whose code cells are `cells` (a markdown cell before each)."""
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# 99 · A test\n\n**Overview.** A test."}]}
    for n, source in enumerate(cells):
        nb["cells"] += [{"cell_type": "markdown", "metadata": {}, "source": f"Call {n + 1}, introduced."},
                        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                         "source": source}]
    path = tmp_path / "99_test.ipynb"
    path.write_text(json.dumps({"cells": nb["cells"], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_a_request_is_its_notebook_call(tmp_path):
    """Method, path, query and body as the notebook's call makes them: constants filled in, the Airflow 3
    branch of af.major, a table call's first page of 100; a value known only at run time is what @where
    names."""
    bc = builder()
    nb = bc.read_notebook(notebook_file(tmp_path, """
conf = {"message": "hi"}
logical_date = {"logical_date": None} if af.major >= 3 else {}
run = af.post("/dags/d/dagRuns", json={**logical_date, "conf": conf})
run_id = run["dag_run_id"]
failed = af.table(f"/dags/d/dagRuns/{run_id}/taskInstances", state="failed", columns=["task_id"])
log = af.get(f"/dags/d/dagRuns/{run_id}/taskInstances/task_3/logs/1")
"""))
    where = bc.where_of(["run_id = {{runId}}", "/task_3 = {{taskId}}"], "test")
    post, table, log = (call.request(where) for call in nb.calls)
    assert (post["method"], post["path"], post["body"]) == \
        ("POST", "/dags/d/dagRuns", {"logical_date": None, "conf": {"message": "hi"}})
    assert (table["path"], table["query"], table["paged"]) == \
        ("/dags/d/dagRuns/{{runId}}/taskInstances", {"state": "failed"}, True)
    assert log["path"] == "/dags/d/dagRuns/{{runId}}/taskInstances/{{taskId}}/logs/1"
    assert nb.introduction(nb.calls[0]) == "Call 1, introduced." and nb.overview == "A test."


def test_the_build_says_what_a_folder_lacks(tmp_path):
    """A call without its section, or a run-time value without its @where, stops the build with a
    message that says what to write where."""
    bc = builder()
    nb = bc.read_notebook(notebook_file(tmp_path, 'run = af.post("/dags/d/dagRuns", json={"conf": {}})',
                                        'af.get(f"/dags/d/dagRuns/{run[\'dag_run_id\']}")'))
    js = tmp_path / "99_test.js"
    section = "/**\n * {name}\n */\ntest: {{\n  status(200);\n}}\n"
    js.write_text("/** The folder. */\n\n" + section.format(name="1 · Trigger"))
    with pytest.raises(bc.BuildError, match="makes 2 API calls, postman/folders/99_test.js has 1 sections"):
        bc.build_folder(nb, bc.read_folder_scripts(js), {})
    js.write_text("/** The folder. */\n\n" + section.format(name="1 · Trigger") + section.format(name="2 · Look"))
    with pytest.raises(bc.BuildError, match=re.escape("`@where run['dag_run_id'] = {{aVariable}}`")):
        bc.build_folder(nb, bc.read_folder_scripts(js), {})


def test_snippet_arguments_read_where_they_land():
    """In code as written; inside a string as text (an expression spliced in, a rest joined by "or");
    in a comment as text (an array as its items)."""
    from postman.folder_scripts import Snippet, expand

    builder()
    snippets = {"check": Snippet("check", ["$dag", "$runs", "...$codes"], [
        "// $dag: $runs",
        "const runs = $runs;",
        "pm.test(\"status is $codes\", () => x([$codes], '$dag/dagRuns'));"])}
    assert expand(["if (a) {", "  check('rf', [\"r1\", \"r2\"], 200, 201);", "}"], snippets) == [
        "if (a) {", "  // rf: r1, r2", '  const runs = ["r1", "r2"];',
        "  pm.test(\"status is 200 or 201\", () => x([200, 201], 'rf/dagRuns'));", "}"]
    assert expand(["check(pm.collectionVariables.get('d'), [], 200);"], snippets)[2] == \
        "pm.test(\"status is 200\", () => x([200], '' + pm.collectionVariables.get('d') + '/dagRuns'));"


def test_every_javascript_file_is_valid_javascript():
    """The folders' scripts, the snippets and the collection's scripts: each file parses on its own."""
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed (newman needs it too)")
    files = [p for p in POSTMAN.rglob("*.js") if "node_modules" not in p.parts]
    assert len(files) >= len(notebooks()) + 3
    for path in files:
        done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, f"{path.relative_to(REPO)}:\n{done.stderr}"


# --- the collection itself -------------------------------------------------------------------------
def test_collection_is_built_from_its_sources():
    """postman/build_collection.py makes exactly the committed JSON (nobody edited one without the other)."""
    done = subprocess.run([sys.executable, "-m", "postman.build_collection", "--check"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_collection_matches_its_outline():
    """Each folder's requests (name, method and URL, in order) and each request's pm.test names are those
    of tests/data/postman-outline.json, whatever shape the scripts take. After a lesson changed its calls
    or its tests on purpose, refresh the file and review its diff:
    KIT_REFRESH_OUTLINE=1 .venv/bin/python -m pytest tests/test_postman.py -k outline"""
    outline = collection_outline(load_collection())
    if os.environ.get("KIT_REFRESH_OUTLINE") == "1":
        OUTLINE.write_text(json.dumps(outline, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(OUTLINE.read_text())
    assert [f["folder"] for f in outline] == [f["folder"] for f in expected]
    for have, want in zip(outline, expected):
        assert len(have["requests"]) == len(want["requests"]), f"{have['folder']}: the number of requests changed"
        for request, wanted in zip(have["requests"], want["requests"]):
            assert request == wanted, f"{have['folder']}: a request changed (or moved)"


def test_collection_format_and_descriptions():
    collection = load_collection()
    assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
    assert any(e["listen"] == "prerequest" and "/auth/token" in "\n".join(e["script"]["exec"])
               for e in collection["event"])
    for folder, name, req in collection_requests(collection):
        assert len(req.get("description", "")) > 40, f"{folder} / {name}: no description"
        item = next(i for f in collection["item"] if f["name"] == folder for i in f["item"] if i["name"] == name)
        tests = "\n".join("\n".join(e["script"]["exec"]) for e in item["event"] if e["listen"] == "test")
        assert "pm.test(" in tests, f"{folder} / {name}: no test script"
        raw = req["url"]["raw"]
        assert raw.startswith("{{baseUrl}}"), raw
        assert not re.search(r"(manual|scheduled|api)__\d{4}-", raw), f"{name}: a hard-coded run id in {raw}"


def test_environments_keep_credentials_secret():
    envs = {p.name.split(".")[0]: json.loads(p.read_text()) for p in ENVIRONMENTS.glob("*.json")}
    assert set(envs) == {"local-airflow3", "local-airflow2", "astro-local", "hosted"}
    for name, env in envs.items():
        values = {v["key"]: v for v in env["values"]}
        for key in ("password", "token"):
            if key in values:
                assert values[key]["type"] == "secret", f"{name}: {key} is not a secret variable"
    value = lambda env, key: {v["key"]: v["value"] for v in envs[env]["values"]}[key]  # noqa: E731
    assert (value("local-airflow3", "baseUrl"), value("local-airflow3", "authMode")) == ("http://127.0.0.1:8080", "jwt")
    assert (value("local-airflow2", "baseUrl"), value("local-airflow2", "api"),
            value("local-airflow2", "authMode")) == ("http://127.0.0.1:8082", "/api/v1", "basic")
    assert value("astro-local", "authMode") == "none" and value("astro-local", "baseUrl").endswith(":8080")
    assert value("hosted", "authMode") == "token"


# --- the collection and the server's OpenAPI document ----------------------------------------------
def airflow2_paths() -> dict[str, str]:
    """Where a notebook's call picks another path on Airflow 2 (`af.get("/monitor/health" if af.major >= 3
    else "/health")`), its request's pre-request script does the same: Airflow 3 path -> Airflow 2 path,
    placeholders written {}. (A branch that only changes a placeholder, as the DAG source by file token,
    is the same path here.)"""
    found = {}
    for nb in notebooks():
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "\n".join(line for line in "".join(cell["source"]).splitlines()
                               if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(source)):
                taken = airflow3_branch(node.test) if isinstance(node, ast.IfExp) else None
                if taken is None:
                    continue
                branches = (node.body, node.orelse) if taken else (node.orelse, node.body)
                on_3, on_2 = (fstring_text(n) for n in branches)
                if on_3 and on_2 and on_3.startswith("/") and on_2.startswith("/") and on_3 != on_2:
                    found[on_3.split("?")[0]] = on_2.split("?")[0]
    return found


def test_requests_change_their_path_on_airflow2_where_the_notebook_does():
    """Where a notebook's call picks another path on Airflow 2, the request of that call changes its path
    on Airflow 2 in its pre-request script, and the OpenAPI check below looks for that path there."""
    paths = airflow2_paths()
    assert "/monitor/health" in paths, "the rule finds no call that picks another path on Airflow 2"
    collection = load_collection()
    for folder, name, req in collection_requests(collection):
        if collection_path(req["url"]["raw"]).removeprefix("/api/v2") in paths:
            pre = script_of(collection, folder, name, "prerequest")
            assert "=== '2')" in pre and "pm.request.url.path" in pre, \
                f"{folder} / {name}: the notebook sends another path on Airflow 2, the request does not"


def openapi_operations(af) -> set[tuple[str, str]]:
    if af.major >= 3:
        specs = [("", requests.get(f"{af.url}/openapi.json", timeout=30).json()),
                 ("/auth", requests.get(f"{af.url}/auth/openapi.json", timeout=30).json())]
    else:
        r = af.request("GET", "/api/v1/openapi.yaml")
        specs = [("/api/v1", yaml.safe_load(r.text))]
    ops = set()
    for prefix, spec in specs:
        for path, item in spec["paths"].items():
            for method in item:
                if method in ("get", "post", "put", "patch", "delete"):
                    ops.add((method.upper(), prefix + re.sub(r"\{[^}]*\}", "{}", path)))
    return ops


def script_of(collection: dict, folder: str, name: str, listen: str) -> str:
    item = next(i for f in collection["item"] if f["name"] == folder for i in f["item"] if i["name"] == name)
    return "\n".join("\n".join(e["script"]["exec"]) for e in item["event"] if e["listen"] == listen)


def skipped_on_airflow_2(folder: str, name: str, collection: dict) -> bool:
    pre = script_of(collection, folder, name, "prerequest")
    return bool(re.search(r"=== '2'\) pm\.execution\.skipRequest\(\)", pre))


def test_every_request_is_in_the_servers_openapi(af):
    ops = openapi_operations(af)
    collection = load_collection()
    v1_paths = airflow2_paths()
    missing = []
    for folder, name, req in collection_requests(collection):
        path = collection_path(req["url"]["raw"])
        if path.startswith("/api/v1/"):  # folder 90: the webinar's calls, sent as it made them
            if af.major >= 3:
                continue  # to Airflow 3 on purpose: its tests expect the 404 / 405
        elif af.major < 3:
            if skipped_on_airflow_2(folder, name, collection):
                continue
            rest = path.removeprefix("/api/v2")
            path = "/api/v1" + v1_paths.get(rest, rest)
        # a template's {} matches a variable ({} here too) or a literal value (a DAG id)
        if not any(m == req["method"] and re.match("^" + re.escape(p).replace(r"\{\}", "[^/]+") + "$", path)
                   for m, p in ops):
            missing.append(f"{folder} / {name}: {req['method']} {path}")
    assert not missing, "not in the server's OpenAPI document:\n  " + "\n  ".join(missing)

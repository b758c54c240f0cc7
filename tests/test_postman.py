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
from pathlib import Path

import pytest
import requests
import yaml

from helpers import (
    ENVIRONMENTS,
    OUTLINE,
    POSTMAN,
    changes,
    collection_outline,
    environment,
    live_values,
    load_collection,
    outline_json,
    run_newman,
)
from postman.notebook_calls import path_text, reads_af_major
from scripts import doctor  # scripts/doctor.py

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
SNIPPETS = POSTMAN / "scripts" / "snippets.js"


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
    sent = [r for f, r, _ in collection_requests(collection)  # newman counts no skipped request
            if not fab_only(f, r, collection) and (af.major >= 3 or not skipped_on_airflow_2(f, r, collection))]
    assert first["stats"]["requests"]["total"] >= len(sent)
    assert not changes(before, after), f"the collection left the stack changed: {changes(before, after)}"
    assert auto["stats"]["assertions"]["failed"] == 0 and auto["stats"]["assertions"]["total"] > 0


# --- the collection's requests -----------------------------------------------------------------
def collection_requests(collection: dict) -> list[tuple[str, str, dict]]:
    return [(folder["name"], req["name"], req["request"])
            for folder in collection["item"] for req in folder["item"]]


def collection_path(raw: str) -> str:
    """`{{baseUrl}}{{api}}/dags/{{dagId}}?limit=1` -> `/api/v2/dags/{}`."""
    path = raw.split("?")[0].replace("{{baseUrl}}", "").replace("{{api}}", "/api/v2")
    return re.sub(r"\{\{[^}]*\}\}", "{}", path)


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


# --- how the collection is built from the notebooks and postman/folders/*.js ----------------------------
def builder():
    """postman/build_collection.py as a module (with folder_scripts.py and notebook_calls.py beside it)."""
    from postman import build_collection
    return build_collection


@pytest.mark.live  # installs newman, twice
@pytest.mark.airflow3  # npm does the same whichever Airflow the suite runs
def test_two_pytests_that_need_newman_at_once_install_it_once(tmp_path):
    """make test's pytests ask for newman at about the same time. The second waits for the first's
    install and uses it: one `npm ci` unpacking while another starts leaves neither installed (exit 217,
    seen in CI). Here in a copy of postman/'s package files, the second asking 2 s after the first."""
    for name in ("package.json", "package-lock.json"):
        shutil.copy(POSTMAN / name, tmp_path / name)
    ask = ("import sys, time; from pathlib import Path; sys.path.insert(0, 'tests'); time.sleep(float(sys.argv[1]));"
           " from helpers import install_newman; print(install_newman(Path(sys.argv[2])))")
    askers = [subprocess.Popen([sys.executable, "-c", ask, str(delay), str(tmp_path)], cwd=REPO, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE) for delay in (0, 2)]
    answers = [asker.communicate(timeout=600) for asker in askers]
    script = tmp_path / "node_modules" / "newman" / "bin" / "newman.js"
    for asker, (out, err) in zip(askers, answers):
        assert asker.returncode == 0 and out.strip() == str(script), err[-3000:]
    version = subprocess.run(["node", str(script), "--version"], capture_output=True, text=True, timeout=60)
    locked = json.loads((POSTMAN / "package-lock.json").read_text())["packages"]["node_modules/newman"]["version"]
    assert version.stdout.strip() == locked


def notebook_file(tmp_path: Path, *cells: str | tuple[str, str]) -> Path:
    """notebooks/99_test.ipynb in tmp_path, whose code cells are `cells` (a markdown cell before each): a
    source, or (cell id, source); a cell without an id of its own is `cell-N`."""
    nb = {"cells": [{"cell_type": "markdown", "id": "title", "metadata": {},
                     "source": "# 99 · A test\n\n**Overview.** A test."}]}
    for n, cell in enumerate(cells):
        cell_id, source = cell if isinstance(cell, tuple) else (f"cell-{n + 1}", cell)
        nb["cells"] += [{"cell_type": "markdown", "id": f"intro-{n + 1}", "metadata": {},
                         "source": f"Call {n + 1}, introduced."},
                        {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None, "outputs": [],
                         "source": source}]
    path = tmp_path / "99_test.ipynb"
    path.write_text(json.dumps({"cells": nb["cells"], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def folder_file(tmp_path: Path, *sections: tuple[str, str]) -> Path:
    """postman/folders/99_test.js in tmp_path: a section per (name, @call key), each testing the status."""
    path = tmp_path / "99_test.js"
    path.write_text("/** The folder. */\n\n" + "".join(f"/** {name}\n * @call {key}\n * @status 200\n */\n\n"
                                                     for name, key in sections))
    return path


def build(tmp_path: Path, nb: Path, js: Path) -> dict:
    bc = builder()
    return bc.build_folder(bc.read_notebook(nb), bc.read_folder_scripts(js), bc.read_snippets(SNIPPETS))


def test_a_request_is_its_notebook_call(tmp_path):
    """Method, path, query and body as the notebook's call makes them: constants filled in, the Airflow 3
    branch of af.major, a table call's first page of 100, af.put as a PUT; a value known only at run time
    is what @where names."""
    bc = builder()
    nb = bc.read_notebook(notebook_file(tmp_path, """
conf = {"message": "hi"}
logical_date = {"logical_date": None} if af.major >= 3 else {}
run = af.post("/dags/d/dagRuns", json={**logical_date, "conf": conf})
run_id = run["dag_run_id"]
failed = af.table(f"/dags/d/dagRuns/{run_id}/taskInstances", state="failed", columns=["task_id"])
log = af.get(f"/dags/d/dagRuns/{run_id}/taskInstances/task_3/logs/1")
af.put(f"/dags/d/dagRuns/{run_id}/taskInstances/task_3/state-store/k", json={"value": 1})
"""))
    where = bc.where_of(["run_id = {{runId}}", "/task_3 = {{taskId}}"], "test")
    post, table, log, put = (call.request(where) for call in nb.calls)
    assert (post["method"], post["path"], post["body"]) == \
        ("POST", "/dags/d/dagRuns", {"logical_date": None, "conf": {"message": "hi"}})
    assert (table["path"], table["query"], table["paged"]) == \
        ("/dags/d/dagRuns/{{runId}}/taskInstances", {"state": "failed"}, True)
    assert log["path"] == "/dags/d/dagRuns/{{runId}}/taskInstances/{{taskId}}/logs/1"
    assert (put["method"], put["path"], put["body"]) == \
        ("PUT", "/dags/d/dagRuns/{{runId}}/taskInstances/{{taskId}}/state-store/k", {"value": 1})
    assert nb.introduction(nb.calls[0]) == "Call 1, introduced." and nb.overview == "A test."


def test_a_request_for_the_servers_own_document_is_under_the_base_url(tmp_path):
    """`af.get("/openapi.json")` asks for the document at the server's root, as the client does: the request is
    {{baseUrl}}/openapi.json, not under {{api}}."""
    nb = builder().read_notebook(notebook_file(tmp_path, 'spec = af.get("/openapi.json")'))
    request = nb.calls[0].request({})
    assert builder().url(request["path"], request["query"], request["under_api"])["raw"] == "{{baseUrl}}/openapi.json"


def test_calls_inside_af_quiet_are_read_as_any_others(tmp_path):
    """`with af.quiet():` (a lesson's start-clean) is no call of its own; the calls inside it are calls."""
    nb = builder().read_notebook(notebook_file(tmp_path, ("start-clean", """
with af.quiet():
    af.delete("/variables/kit_99")
""")))
    assert (nb.unreadable, [(call.method, call.key) for call in nb.calls]) == \
        ([], [("DELETE", "DELETE /variables/kit_99")])


def test_sections_pair_with_calls_by_name_not_by_place(tmp_path):
    """A call's key is its method and path as written; ` in CELL-ID` where several cells make it, ` as NAME`
    where one cell makes it several times. The sections' order in the .js file does not matter, and two
    identical calls swapped in their cell keep their own scripts."""
    trigger = 'logical_date = {{"logical_date": None}}\n{} = af.post("/dags/d/dagRuns", json={{"dag_run_id": "{}"}})\n'
    cells = [("trigger", trigger.format("first", "a") + trigger.format("second", "b").split("\n", 1)[1]),
             ("look-once", 'run = af.get("/dags/d/dagRuns/a")'), ("look-again", 'run = af.get("/dags/d/dagRuns/a")'),
             ("version", 'af.get("/version")')]
    sections = [("4 · Version", "GET /version"), ("3 · Look again", "GET /dags/d/dagRuns/a in look-again"),
                ("2 · Second", "POST /dags/d/dagRuns as second"), ("1 · First", "POST /dags/d/dagRuns as first"),
                ("3 · Look", "GET /dags/d/dagRuns/a in look-once")]
    folder = build(tmp_path, notebook_file(tmp_path, *cells), folder_file(tmp_path, *sections))
    sent = [(r["name"], json.loads(r["request"].get("body", {}).get("raw", "{}")).get("dag_run_id"))
            for r in folder["item"]]
    assert sent == [("1 · First", "a"), ("2 · Second", "b"), ("3 · Look", None), ("3 · Look again", None),
                    ("4 · Version", None)]
    cells[0] = ("trigger", trigger.format("second", "b") + trigger.format("first", "a").split("\n", 1)[1])
    folder = build(tmp_path, notebook_file(tmp_path, *cells), folder_file(tmp_path, *sections))
    assert [(r["name"], json.loads(r["request"]["body"]["raw"])["dag_run_id"]) for r in folder["item"][:2]] == \
        [("2 · Second", "b"), ("1 · First", "a")]


NOTEBOOK = [("trigger", 'run = af.post("/dags/d/dagRuns", json={"conf": {}})'),
            ("look", 'af.get(f"/dags/d/dagRuns/{run[\'dag_run_id\']}")')]
TRIGGER = ("1 · Trigger", "POST /dags/d/dagRuns")


def test_a_call_without_a_section_stops_the_build(tmp_path):
    """It names the notebook, the cell and the call, and the key a section for it gives."""
    with pytest.raises(builder().BuildError, match=re.escape(
            "notebooks/99_test.ipynb, cell 5 (id look): `af.get(f\"/dags/d/dagRuns/{run['dag_run_id']}\")` has no "
            "section in postman/folders/99_test.js: add one with `@call GET /dags/d/dagRuns/{run['dag_run_id']}`")):
        build(tmp_path, notebook_file(tmp_path, *NOTEBOOK), folder_file(tmp_path, TRIGGER))


def test_a_section_without_a_call_stops_the_build(tmp_path):
    """A section whose @call the notebook does not make (here a typo): the section, and the nearest call."""
    js = folder_file(tmp_path, TRIGGER, ("2 · Look", "GET /dags/d/dagRuns/{run['dag_run_id']}"),
                     ("3 · Look", "GET /dags/d/dagRun/{run['dag_run_id']}"))
    with pytest.raises(builder().BuildError, match=re.escape(
            "postman/folders/99_test.js:13, '3 · Look': `@call GET /dags/d/dagRun/{run['dag_run_id']}` names no call "
            "of notebooks/99_test.ipynb (did you mean `GET /dags/d/dagRuns/{run['dag_run_id']}`?)")):
        build(tmp_path, notebook_file(tmp_path, *NOTEBOOK), js)


def test_two_sections_for_one_call_stop_the_build(tmp_path):
    look = ("2 · Look", "GET /dags/d/dagRuns/{run['dag_run_id']}")
    js = folder_file(tmp_path, TRIGGER, look, ("1b · Again", TRIGGER[1]))
    with pytest.raises(builder().BuildError, match=re.escape(
            "postman/folders/99_test.js: '1 · Trigger' (line 3) and '1b · Again' (line 13) name the same call "
            "`POST /dags/d/dagRuns`, notebooks/99_test.ipynb, cell 3 (id trigger): "
            "`af.post(\"/dags/d/dagRuns\", json={\"conf\": {}})`: one section per call")):
        build(tmp_path, notebook_file(tmp_path, *NOTEBOOK), js)


@pytest.mark.parametrize("code", ['af.get(path)', 'af.request("GET", "/dags")', 'af.call("GET", "/dags")',
                                  'af.fetch("/dags")', 'af.get("dags")'])
def test_an_af_call_the_builder_cannot_read_stops_the_build(tmp_path, code):
    """A path in a variable (or not starting with /), af.request(), af.call(), a method it does not know:
    never dropped without a word."""
    nb = notebook_file(tmp_path, NOTEBOOK[0], ("odd", f'path = "/dags"\nanswer = {code}'))
    with pytest.raises(builder().BuildError, match=re.escape(
            f"notebooks/99_test.ipynb, cell 5 (id odd): `{code}`: the builder cannot read this call")):
        build(tmp_path, nb, folder_file(tmp_path, TRIGGER))


@pytest.mark.parametrize("tag, message", [("@calls GET /version", "unknown tag @calls"),
                                          ("@status OK", "`@status OK`: HTTP status codes")])
def test_a_tag_the_builder_does_not_know_stops_the_build(tmp_path, tag, message):
    js = tmp_path / "99_test.js"
    js.write_text(f"/** The folder. */\n\n/** 1 · Version\n * {tag}\n */\ntest: {{ status(200); }}\n")
    with pytest.raises(builder().ScriptError, match=re.escape(f"99_test.js:3, '1 · Version': {message}")):
        builder().read_folder_scripts(js)


def test_a_value_known_only_when_the_notebook_runs_needs_its_where(tmp_path):
    js = folder_file(tmp_path, TRIGGER, ("2 · Look", "GET /dags/d/dagRuns/{run['dag_run_id']}"))
    with pytest.raises(builder().BuildError, match=re.escape("`@where run['dag_run_id'] = {{aVariable}}`")):
        build(tmp_path, notebook_file(tmp_path, *NOTEBOOK), js)


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
    assert node, f"`make check` needs Node.js: {doctor.test_tool_checks()['node'].fix}"
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
        OUTLINE.write_text(outline_json(outline))
    expected = json.loads(OUTLINE.read_text())
    assert [f["folder"] for f in outline] == [f["folder"] for f in expected]
    for have, want in zip(outline, expected):
        assert len(have["requests"]) == len(want["requests"]), f"{have['folder']}: the number of requests changed"
        for request, wanted in zip(have["requests"], want["requests"]):
            assert request == wanted, f"{have['folder']}: a request changed (or moved)"


def event_script(item: dict, listen: str) -> str:
    return "\n".join(line for event in item.get("event", []) if event["listen"] == listen
                     for line in event["script"]["exec"])


def deletes_right_after_ending(folder: dict) -> list[str]:
    """The requests of a folder that delete a run after a request marked one failed, with no wait for the
    scheduler between (as tests/test_notebooks.py checks of the lessons: apache/airflow#63926)."""
    found, marked = [], False
    for item in folder["item"]:
        request, raw = item["request"], item["request"].get("body", {}).get("raw", "")
        url = request["url"]["raw"] if isinstance(request["url"], dict) else request["url"]
        if request["method"] == "PATCH" and "/dagRuns/" in url and '"state": "failed"' in raw:
            marked = True
            if "'runEnded', 'true'" not in event_script(item, "test"):
                found.append(f"{item['name']}: marks a run failed and does not say so (rememberEnded())")
        deletes = (request["method"] == "DELETE" and re.search(r"/dagRuns/[^/]+$", url)) or '"action": "delete"' in raw
        if marked and deletes and "dagRuns" in url:
            if "'runEnded') === 'true'" not in event_script(item, "prerequest"):
                found.append(f"{item['name']}: deletes a run that may just have been marked failed without "
                             f"waiting for the scheduler first (waitForSchedulerIfEnded())")
            marked = False
    return found


def test_a_run_marked_failed_is_deleted_once_the_scheduler_let_go():
    found = [f"{folder['name']} / {problem}" for folder in load_collection()["item"]
             for problem in deletes_right_after_ending(folder)]
    assert not found, found


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
    assert set(envs) == {"local-airflow3", "local-airflow2", "local-airflow3-fab", "astro-local", "hosted"}
    for name, env in envs.items():
        values = {v["key"]: v for v in env["values"]}
        for key in ("password", "token"):
            if key in values:
                assert values[key]["type"] == "secret", f"{name}: {key} is not a secret variable"
    value = lambda env, key: {v["key"]: v["value"] for v in envs[env]["values"]}[key]  # noqa: E731
    assert (value("local-airflow3", "baseUrl"), value("local-airflow3", "authMode")) == ("http://127.0.0.1:8080", "jwt")
    assert (value("local-airflow2", "baseUrl"), value("local-airflow2", "api"),
            value("local-airflow2", "authMode")) == ("http://127.0.0.1:8082", "/api/v1", "basic")
    assert (value("local-airflow3-fab", "baseUrl"), value("local-airflow3-fab", "authMode"),
            value("local-airflow3-fab", "authManager")) == ("http://127.0.0.1:8084", "jwt", "fab")
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
                taken = reads_af_major(node.test) if isinstance(node, ast.IfExp) else None
                if taken is None:
                    continue
                branches = (node.body, node.orelse) if taken else (node.orelse, node.body)
                on_3, on_2 = (path_text(n) for n in branches)
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
                 ("/auth", requests.get(f"{af.url}/auth/openapi.json", timeout=30).json()),
                 ("", {"paths": {"/openapi.json": {"get": {}}, "/auth/openapi.json": {"get": {}}}})]  # the
        # documents themselves, which they do not list (notebook 63 reads both)
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


def fab_only(folder: str, name: str, collection: dict) -> bool:
    """A request of folder 71, which skips itself unless the environment is the FAB stack's."""
    pre = script_of(collection, folder, name, "prerequest")
    return bool(re.search(r"'authManager'\) !== 'fab'\) pm\.execution\.skipRequest\(\)", pre))


def fab_folder(collection: dict) -> str:
    folders = {f for f, r, _ in collection_requests(collection) if fab_only(f, r, collection)}
    assert len(folders) == 1, f"one folder for the FAB stack, not {sorted(folders)}"
    return folders.pop()


def missing_from_openapi(ops: set[tuple[str, str]], requests_: list[tuple[str, str, dict]]) -> list[str]:
    """The requests whose method and path no operation of `ops` has (a template's {} matches a variable, {} here
    too, or a literal value, a DAG id)."""
    missing = []
    for folder, name, req in requests_:
        path = collection_path(req["url"]["raw"])
        if not any(m == req["method"] and re.match("^" + re.escape(p).replace(r"\{\}", "[^/]+") + "$", path)
                   for m, p in ops):
            missing.append(f"{folder} / {name}: {req['method']} {path}")
    return missing


def test_every_request_is_in_the_servers_openapi(af):
    ops = openapi_operations(af)
    collection = load_collection()
    v1_paths = airflow2_paths()
    checked = []
    for folder, name, req in collection_requests(collection):
        path = collection_path(req["url"]["raw"])
        if 'status is 405"' in script_of(collection, folder, name, "test"):
            continue  # folder 50: a method the path does not take, on purpose (405 Method Not Allowed)
        if fab_only(folder, name, collection):
            continue  # folder 71: the FAB stack's (test_the_fab_folder_runs_green_on_the_fab_stack)
        if path.startswith("/api/v1/"):  # folder 90: the webinar's calls, sent as it made them
            if af.major >= 3:
                continue  # to Airflow 3 on purpose: its tests expect the 404 / 405
        elif af.major < 3:
            if skipped_on_airflow_2(folder, name, collection):
                continue
            rest = path.removeprefix("/api/v2")
            path = "/api/v1" + v1_paths.get(rest, rest)
            req = {**req, "url": {**req["url"], "raw": path}}
        checked.append((folder, name, req))
    missing = missing_from_openapi(ops, checked)
    assert not missing, "not in the server's OpenAPI document:\n  " + "\n  ".join(missing)


@pytest.mark.airflow3
def test_the_fab_folder_runs_green_on_the_fab_stack(fab_stack, newman, tmp_path):
    """Folder 71 with the environment a user imports for the FAB stack: every request in the FAB server's
    OpenAPI documents, every test green, and the stack left as it found it (its users and roles too). The
    other folders are not for it: newman runs this folder only."""
    from apikit import Airflow
    from conftest import stack_state

    af = Airflow(fab_stack.url, verbose=False)
    collection = load_collection()
    folder = fab_folder(collection)
    mine = [(f, r, req) for f, r, req in collection_requests(collection) if f == folder]
    missing = missing_from_openapi(openapi_operations(af), mine)
    assert not missing, "not in the FAB server's OpenAPI documents:\n  " + "\n  ".join(missing)
    before = stack_state(af, fab_api=True)
    run = run_newman(newman, environment("local-airflow3-fab", tmp_path, **{**live_values(), "baseUrl": fab_stack.url}),
                     tmp_path, folders=[folder])
    answered = {e["item"]["name"] for e in run["executions"] if e.get("response")}
    assert answered == {name for _, name, _ in mine}, "a request of the folder skipped itself on the FAB stack"
    assert not changes(before, stack_state(af, fab_api=True)), "the folder left the FAB stack changed"

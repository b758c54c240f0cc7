"""Helpers that several test modules share (the stacks themselves are in conftest.py)."""
from __future__ import annotations

import fcntl
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import yaml

from apikit import AirflowAPIError
from scripts import doctor  # scripts/doctor.py
from stacks.paths import REPO

POSTMAN = REPO / "postman"
COLLECTION = POSTMAN / "airflow-api-kit.postman_collection.json"
ENVIRONMENTS = POSTMAN / "environments"


# --- triggering runs ---------------------------------------------------------------------------------
def run_body(af, **fields) -> dict:
    """A trigger's body: Airflow 3 requires "logical_date" (null: now, no clash with other runs);
    Airflow 2 refuses null, so it is left out there."""
    return {"logical_date": None, **fields} if af.major >= 3 else fields


def trigger(af, dag_id: str, conf: dict | None = None, **fields) -> str:
    """Trigger `dag_id` with `conf`; the new run's id."""
    return af.post(f"/dags/{dag_id}/dagRuns", json=run_body(af, conf=conf or {}, **fields))["dag_run_id"]


def delete_runs(af, run_ids, dag_id: str = "dependent_dag", timeout: float = 120) -> None:
    """Wait for each run to finish, then delete it (a run that was never made is fine)."""
    for run_id in run_ids:
        try:
            af.wait_for_run(dag_id, run_id, timeout=timeout, progress=False)
            af.delete(f"/dags/{dag_id}/dagRuns/{run_id}")
        except AirflowAPIError as exc:
            if exc.status != 404:
                raise


def changes(before: dict, after: dict) -> dict:
    """What differs between two states of a stack (conftest.stack_state): what was left behind, what removed."""
    return {key: {"left behind": sorted(set(after[key]) - set(before[key])),
                  "removed": sorted(set(before[key]) - set(after[key]))}
            for key in before if after[key] != before[key]}


# --- the Docker Compose files, read as Compose reads them ------------------------------------------
COMPOSE_FILES = {"3": REPO / "docker-compose.yml", "2": REPO / "docker-compose.airflow2.yml"}
# Compose's interpolation: $$ is a literal $, ${VAR}, ${VAR:-default}, ${VAR-default}, $VAR.
COMPOSE_VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_]\w*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}"
                              r"|(?P<named>[A-Za-z_]\w*))")


def interpolate(value, env: dict):
    """The file as Compose sees it with these variables set (and the others unset)."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(m):
        if m["escaped"]:
            return "$"
        name = m["braced"] or m["named"]
        if m["op"] == ":-":
            return env.get(name) or m["default"]
        if m["op"] == "-":
            return env.get(name, m["default"])
        return env.get(name, "")
    return COMPOSE_VARIABLE.sub(substitute, value)


def load_compose(major: str, env: dict | None = None) -> dict:
    """docker-compose.yml (3) or docker-compose.airflow2.yml (2), with these variables set."""
    return interpolate(yaml.safe_load(COMPOSE_FILES[major].read_text()), env or {})


def compose_environment(service: dict) -> dict:
    """A service's environment, whether the file writes it as a mapping or as a list of NAME=value."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


# --- waiting ---------------------------------------------------------------------------------------
def wait_until(look, timeout: float, what: str, until=bool, step: float = 0.5):
    """The one way the tests wait: call `look()` every `step` seconds until `until` holds for what it
    returned (by default: until that is true), and return that. After `timeout` seconds an AssertionError
    says what was waited for, for how long, and what `look()` returned last."""
    began = time.monotonic()
    while True:
        seen = look()
        if until(seen):
            return seen
        waited = time.monotonic() - began
        if waited >= timeout:
            last = repr(seen)
            raise AssertionError(f"Waited {waited:.0f} s (the limit: {timeout:g} s) for {what}; the last thing "
                                 f"seen: {last if len(last) <= 1500 else last[:1500] + ' ...'}")
        time.sleep(step)


def wait_for_dags(af, dag_ids: set[str], timeout: float = 90) -> None:
    """Until a DAG a test wrote (or deleted and wrote again) is listed; a start waits for those of dags/."""
    wait_until(lambda: {d["dag_id"] for d in af.items("/dags")}, timeout,
               f"the API to list the DAGs {sorted(dag_ids)}", until=lambda listed: dag_ids <= listed)


# --- fake servers, on 127.0.0.1 -------------------------------------------------------------------
@contextmanager
def serving(server: http.server.HTTPServer):
    """`server` answering from a thread of its own while the block runs (its URL is the block's value),
    shut down and closed after it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


class FakeHandler(http.server.BaseHTTPRequestHandler):
    """The base of a fake server's request handler: logs nothing, answers JSON with `reply`."""

    def log_message(self, *args):
        pass

    def reply(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


# Debian's and Homebrew's Chromium, or Google Chrome on macOS (scripts/doctor.py finds it): playwright's own
# browser download is not needed (and blocked on some networks). CHROMIUM names another one.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str:
    """The Chromium the browser tests drive, as `make doctor` finds it; an AssertionError with its fix otherwise."""
    found = doctor.chromium()
    assert found, f"The browser tests need Chromium: {doctor.CHROMIUM_FIX}."
    return found


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


# --- Postman: the collection ------------------------------------------------------------------------
OUTLINE = REPO / "tests" / "data" / "postman-outline.json"
PM_TEST = re.compile(r"pm\.test\((.*?), \(\) =>", re.S)


def load_collection() -> dict:
    return json.loads(COLLECTION.read_text())


def pm_test_name(first_argument: str) -> str:
    """A pm.test's name as its script writes it: a plain string's text, anything else as written."""
    text = first_argument.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" and text[0] not in text[1:-1]:
        return text[1:-1]
    return text


def outline_json(outline: list[dict]) -> str:
    """The outline as JSON with a line per request, so that its diff names the requests that changed."""
    def dump(value):
        return json.dumps(value, ensure_ascii=False)
    folders = [f'{{"folder": {dump(f["folder"])}, "requests": [\n  ' + ",\n  ".join(map(dump, f["requests"])) + "]}"
               for f in outline]
    return "[\n" + ",\n".join(folders) + "\n]\n"


def collection_outline(collection: dict) -> list[dict]:
    """What the collection holds, for tests/data/postman-outline.json: each folder's requests in order,
    each with its method and URL and the set of its pm.test names (its scripts' shape left out)."""
    def tests(item):
        return sorted({pm_test_name(m) for e in item["event"] for m in PM_TEST.findall("\n".join(e["script"]["exec"]))})
    return [{"folder": folder["name"], "requests": [
        {"name": item["name"], "request": f"{item['request']['method']} {item['request']['url']['raw']}",
         "tests": tests(item)} for item in folder["item"]]} for folder in collection["item"]]


# --- running newman -----------------------------------------------------------------------------
def environment(template: str, tmp_path: Path, **values: str) -> Path:
    """An environment file made from postman/environments/<template>, with `values` replacing its own
    (the live stack's URL and credentials, from os.environ)."""
    env = json.loads((ENVIRONMENTS / f"{template}.postman_environment.json").read_text())
    known = {v["key"] for v in env["values"]}
    for v in env["values"]:
        if v["key"] in values:
            v["value"] = values[v["key"]]
    env["values"] += [{"key": k, "value": val, "type": "default", "enabled": True}
                      for k, val in values.items() if k not in known]
    path = tmp_path / f"{template}.{len(list(tmp_path.iterdir()))}.postman_environment.json"
    path.write_text(json.dumps(env))
    return path


def live_values() -> dict:
    """The environment variables the session's stack set (conftest.py): URL and credentials."""
    values = {"baseUrl": os.environ["AIRFLOW_URL"].rstrip("/"),
              "username": os.environ.get("AIRFLOW_USERNAME", "admin"),
              "password": os.environ.get("AIRFLOW_PASSWORD", "admin")}
    if os.environ.get("AIRFLOW_TOKEN"):
        values.update(authMode="token", token=os.environ["AIRFLOW_TOKEN"])
    return values


def install_newman(folder: Path = POSTMAN) -> Path:
    """newman from `folder`/node_modules, installed from its package-lock.json when it is missing. Under a
    lock on that package-lock.json: `make test`'s pytests reach this at about the same time, and an
    `npm ci` started while another is unpacking deletes the other's files (both fail, exit 217)."""
    script = folder / "node_modules" / "newman" / "bin" / "newman.js"
    with open(folder / "package-lock.json") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not script.exists():
            npm = shutil.which("npm")
            tools = doctor.test_tool_checks()
            assert npm and tools["node"].ok, "newman needs Node.js 18 or newer with npm (`make doctor` " \
                f"checks): {tools['node'].fix}; then: npm ci --prefix postman"
            subprocess.run([npm, "ci", "--prefix", str(folder), "--no-audit", "--no-fund"], check=True,
                           timeout=600, stdout=subprocess.DEVNULL)
    assert script.exists(), f"npm ci --prefix {folder} did not install {script}"
    return script


def run_newman(newman: Path, env_file: Path, tmp_path: Path, folders=(), timeout=900,
               collection: Path = COLLECTION) -> dict:
    """Run the collection (or some folders); fail with every failed assertion and error, listed."""
    report = tmp_path / f"newman-report.{len(list(tmp_path.iterdir()))}.json"
    cmd = ["node", str(newman), "run", str(collection), "-e", str(env_file), "--color", "off",
           "--reporters", "cli,json", "--reporter-json-export", str(report), "--timeout-request", "60000"]
    for folder in folders:
        cmd += ["--folder", folder]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=POSTMAN)
    assert report.exists(), f"newman made no report:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    run = json.loads(report.read_text())["run"]
    failures = [f"{f['source'].get('name', '?')}: {f['error'].get('test') or f['error'].get('name')}: "
                f"{f['error'].get('message')}" for f in run["failures"]]
    assert not failures and done.returncode == 0, \
        "newman failed:\n  " + "\n  ".join(failures) + "\n\n" + done.stdout[-6000:] + done.stderr[-2000:]
    assert run["stats"]["assertions"]["total"] > 0
    return run

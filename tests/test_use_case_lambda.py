"""The AWS Lambda use case: use_cases/lambda/lambda_function.py invoked with recorded S3 events
against the live stack (one run per event, duplicates included), and against a fake Airflow on
127.0.0.1 for what the live stack cannot do on demand (5xx answers) or a port where nothing listens."""
import ast
import http.server
import importlib.util
import json
import threading
from pathlib import Path

import pytest

from apikit import AirflowAPIError
from conftest import MAJOR, free_port, wait_for_dags

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "use_cases" / "lambda" / "events"
DAG = "s3_file_arrived"


def load_lambda():
    spec = importlib.util.spec_from_file_location("lambda_function",
                                                  REPO / "use_cases" / "lambda" / "lambda_function.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(name):
    return json.loads((EVENTS / f"{name}.json").read_text())


class Context:  # the part of Lambda's context object the handler reads
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"


@pytest.fixture()
def fn(stack, monkeypatch):
    """A freshly loaded function (no warm caches), configured for the live stack, counting calls."""
    module = load_lambda()
    for name in ("AIRFLOW_TOKEN", "MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIRFLOW_URL", stack.url)
    monkeypatch.setenv("AIRFLOW_USERNAME", "admin")
    monkeypatch.setenv("AIRFLOW_PASSWORD", "admin")
    monkeypatch.setenv("DAG_ID", DAG)
    monkeypatch.setenv("BACKOFF_SECONDS", "0.05")
    module.calls, module.sleeps = [], []
    real_urlopen = module.urlopen

    def counting_urlopen(request, timeout=None):
        module.calls.append(f"{request.get_method()} {request.full_url}")
        return real_urlopen(request, timeout=timeout)

    monkeypatch.setattr(module, "urlopen", counting_urlopen)
    monkeypatch.setattr(module, "sleep", module.sleeps.append)  # no real waiting
    return module


@pytest.fixture(scope="module", autouse=True)
def dag_listed(af):
    wait_for_dags(af, {DAG})


def forget_run(af, run_id):
    try:
        af.delete(f"/dags/{DAG}/dagRuns/{run_id}")
    except AirflowAPIError as exc:
        assert exc.status == 404


@pytest.fixture()
def forget(af):
    """forget(run_id): the run is deleted before the test (a run left on a reused stack would make the
    first trigger a 409) and, once finished, after it (the stack is left as the test found it)."""
    made = []

    def forget_(run_id):
        forget_run(af, run_id)
        made.append(run_id)

    yield forget_
    for run_id in made:
        try:
            af.wait_for_run(DAG, run_id, timeout=300, progress=False)
        except AirflowAPIError:  # never triggered
            pass
        forget_run(af, run_id)


def test_object_created_triggers_one_run_and_a_duplicate_none(af, fn, forget):
    s3_event = event("s3_object_created")
    run_id = fn.run_id_for(fn.created_objects(s3_event)[0])
    forget(run_id)
    first = fn.lambda_handler(s3_event, Context())
    assert first["triggered"] == [run_id] and first["already_triggered"] == []
    again = fn.lambda_handler(s3_event, Context())  # S3 delivered it twice, or Lambda retried
    assert again["triggered"] == [] and again["already_triggered"] == [run_id]
    assert [r["dag_run_id"] for r in af.items(f"/dags/{DAG}/dagRuns")].count(run_id) == 1
    assert af.wait_for_run(DAG, run_id, timeout=300, progress=False)["state"] == "success"
    plan = af.get(f"/dags/{DAG}/dagRuns/{run_id}/taskInstances/plan_load/xcomEntries/return_value")["value"]
    plan = plan if af.major >= 3 else ast.literal_eval(plan)  # 2.x: the Python repr
    assert plan["key"] == "sales/2024-05-14/orders batch 1.csv"  # the event's key, URL-decoded
    assert (plan["uri"], plan["action"], plan["table"]) == (
        "s3://kit-landing-zone/sales/2024-05-14/orders batch 1.csv", "load", "sales")
    assert fn.sleeps == []  # nothing was retried


def test_eventbridge_and_mixed_records(af, fn, forget):
    bridge, mixed = event("eventbridge_object_created"), event("s3_two_objects")
    ids = [fn.run_id_for(o) for e in (bridge, mixed) for o in fn.created_objects(e)]
    assert len(ids) == 2  # the delete record of s3_two_objects is skipped
    for run_id in ids:
        forget(run_id)
    assert fn.lambda_handler(bridge, Context())["triggered"] == ids[:1]
    assert fn.lambda_handler(mixed, Context())["triggered"] == ids[1:]
    run = af.get(f"/dags/{DAG}/dagRuns/{ids[1]}")
    assert run["conf"]["key"] == "images/planté-01.parquet" and run["conf"]["size"] == 73400320


def test_s3_test_event_is_skipped(fn):
    assert fn.lambda_handler(event("s3_test_event"), Context())["skipped"] is True
    assert fn.calls == []


def test_client_error_is_not_retried(fn, monkeypatch):
    monkeypatch.setenv("DAG_ID", "no_such_dag")
    with pytest.raises(fn.TriggerError, match="404"):
        fn.lambda_handler(event("s3_object_created"), Context())
    assert sum(c.endswith("/dags/no_such_dag/dagRuns") for c in fn.calls) == 1
    assert fn.sleeps == []


def test_wrong_password_is_not_retried(fn, monkeypatch):
    monkeypatch.setenv("AIRFLOW_PASSWORD", "wrong")
    # Airflow 3 refuses the token request; Airflow 2 (basic + session auth backends) the call itself
    refused = "/auth/token -> 401" if MAJOR == "3" else "/dagRuns -> 403"
    with pytest.raises(fn.TriggerError, match=refused):
        fn.lambda_handler(event("s3_object_created"), Context())
    assert sum(c.startswith("POST") for c in fn.calls) == 1 and fn.sleeps == []  # sent once


# --- transient errors, against a fake Airflow ----------------------------------------------------
@pytest.fixture()
def fake_airflow():
    """127.0.0.1 only: answers /version and /auth/token, and dagRuns with the statuses in `plan`."""
    plan, posts = [], []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self.reply(200, {"version": "3.3.2"})

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/auth/token":
                return self.reply(201, {"access_token": "fake"})
            posts.append(self.path)
            status = plan.pop(0) if plan else 503
            self.reply(status, {"detail": "fake"} if status >= 400 else {"dag_run_id": "x", "state": "queued"})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", plan, posts
    finally:
        server.shutdown()
        server.server_close()


def test_5xx_is_retried_with_back_off_then_succeeds(fn, fake_airflow, monkeypatch):
    url, plan, posts = fake_airflow
    monkeypatch.setenv("AIRFLOW_URL", url)
    plan[:] = [503, 502, 200]
    result = fn.lambda_handler(event("s3_object_created"), Context())
    assert len(result["triggered"]) == 1 and len(posts) == 3
    assert len(fn.sleeps) == 2 and fn.sleeps[1] > fn.sleeps[0]  # exponential back-off


def test_5xx_retries_are_bounded(fn, fake_airflow, monkeypatch):
    url, plan, posts = fake_airflow
    monkeypatch.setenv("AIRFLOW_URL", url)
    monkeypatch.setenv("MAX_ATTEMPTS", "3")
    with pytest.raises(fn.TransientError, match="503.*3 tries"):
        fn.lambda_handler(event("s3_object_created"), Context())
    assert len(posts) == 3 and len(fn.sleeps) == 2


def test_connection_refused_is_retried_and_bounded(fn, monkeypatch):
    monkeypatch.setenv("AIRFLOW_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("MAX_ATTEMPTS", "3")
    with pytest.raises(fn.TransientError, match="3 tries"):
        fn.lambda_handler(event("s3_object_created"), Context())
    assert len(fn.calls) == 3 and len(fn.sleeps) == 2

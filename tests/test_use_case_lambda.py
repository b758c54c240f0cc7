"""The AWS Lambda use case: use_cases/lambda/lambda_function.py invoked with recorded S3 events
against the live stack (one run per event, duplicates included), and against a fake Airflow on
127.0.0.1 for what the live stack cannot do on demand (5xx answers) or a port where nothing listens.
With MODE=asset_event it reports an asset event instead (notebook 30): one per upload, duplicates
included, on Airflow 3 and 2.11 (datasets)."""
import ast
import http.server
import importlib.util
import json
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from apikit import AirflowAPIError
from conftest import MAJOR, free_port
from helpers import FakeHandler, serving, wait_for_dags, wait_until

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
    for name in ("AIRFLOW_TOKEN", "MAX_ATTEMPTS", "MODE", "ASSET_URI"):
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

    class Handler(FakeHandler):
        def do_GET(self):
            self.reply(200, {"version": "3.3.2"})

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/auth/token":
                return self.reply(201, {"access_token": "fake"})
            posts.append(self.path)
            status = plan.pop(0) if plan else 503
            self.reply(status, {"detail": "fake"} if status >= 400 else {"dag_run_id": "x", "state": "queued"})

    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as url:
        yield url, plan, posts


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


# --- MODE=asset_event: an asset event instead of a run (notebook 30) ------------------------------
SALES_URI = "s3://kit-landing-zone/sales"  # the asset of dags/asset_consumer.py


def unique(s3_event: dict) -> dict:
    """The recorded S3 event with a sequencer of its own: a new upload, whatever the stack saw before."""
    s3_event = json.loads(json.dumps(s3_event))
    s3_event["Records"][0]["s3"]["object"]["sequencer"] += uuid.uuid4().hex[:8].upper()
    return s3_event


def waiting_for_sales(af) -> list[str]:
    """The DAGs whose queue holds news of the sales asset (asset_consumer's, until the scheduler has made
    its run; asset_two_inputs's, until its second asset has news too)."""
    if af.major >= 3:
        sales_id = next(a["id"] for a in af.items("/assets", uri_pattern=SALES_URI) if a["uri"] == SALES_URI)
        return [q["dag_id"] for q in af.get(f"/assets/{sales_id}/queuedEvents")["queued_events"]]
    try:  # Airflow 2.11 answers an empty queue with 404
        return [q["dag_id"] for q in af.get(f"/datasets/queuedEvent/{quote(SALES_URI, safe='')}")["queued_events"]]
    except AirflowAPIError as exc:
        assert exc.status == 404
        return []


@pytest.fixture()
def asset_mode(af, fn, monkeypatch):
    """The function with MODE=asset_event. Afterwards the stack is left as the test found it: the runs of
    asset_consumer that its events started are deleted once finished, and what asset_two_inputs waits with
    (it waits for a second asset) is deleted. The events stay: Airflow keeps them, as history."""
    monkeypatch.setenv("MODE", "asset_event")
    wait_for_dags(af, {"asset_consumer", "asset_two_inputs"})
    before = {r["dag_run_id"] for r in af.items("/dags/asset_consumer/dagRuns")}
    yield fn
    wait_until(lambda: waiting_for_sales(af), 120, "the scheduler to make the run of asset_consumer the events "
               "asked for (the DAGs whose queue holds news of the sales asset)",
               until=lambda waiting: "asset_consumer" not in waiting)
    for run in af.items("/dags/asset_consumer/dagRuns"):
        if run["dag_run_id"] not in before:
            af.wait_for_run("asset_consumer", run["dag_run_id"], timeout=300, progress=False)
            af.delete(f"/dags/asset_consumer/dagRuns/{run['dag_run_id']}")
    try:
        af.delete("/dags/asset_two_inputs/assets/queuedEvents" if af.major >= 3 else
                  "/dags/asset_two_inputs/datasets/queuedEvent")
    except AirflowAPIError as exc:
        assert exc.status == 404  # nothing waited


def asset_events(af, asset_id: int, timeout: float = 60) -> list[dict]:
    """The asset's events. Airflow 3.3.2 answers 500 while a run that an event created is queued and has
    no start date yet (apache/airflow#71360, fixed after 3.3.2): asked again until it answers."""
    def answer() -> list[dict] | AirflowAPIError:
        try:
            return af.items("/assets/events", asset_id=asset_id) if af.major >= 3 else \
                af.items("/datasets/events", dataset_id=asset_id)
        except AirflowAPIError as exc:
            if exc.status != 500:
                raise
            return exc

    return wait_until(answer, timeout, f"the events of asset {asset_id} without a 500 (apache/airflow#71360)",
                      until=lambda seen: not isinstance(seen, AirflowAPIError))


def test_asset_event_reported_once_and_a_duplicate_not(af, asset_mode):
    fn = asset_mode
    s3_event = unique(event("s3_object_created"))
    dedup_key = fn.run_id_for(fn.created_objects(s3_event)[0])
    first = fn.lambda_handler(s3_event, Context())
    assert first["mode"] == "asset_event" and len(first["reported"]) == 1 and first["already_reported"] == []
    again = fn.lambda_handler(s3_event, Context())  # S3 delivered it twice, or Lambda retried
    assert again == {**first, "reported": [], "already_reported": first["reported"]}
    assert fn.sleeps == []  # nothing was retried
    asset_id = fn.asset_id_for(SALES_URI)
    mine = [e for e in asset_events(af, asset_id) if (e["extra"] or {}).get("dedup_key") == dedup_key]
    assert [e["id"] for e in mine] == first["reported"]  # one event, though the upload was reported twice
    assert {k: mine[0]["extra"][k] for k in ("bucket", "key", "size")} == {
        "bucket": "kit-landing-zone", "key": "sales/2024-05-14/orders batch 1.csv", "size": 18342}
    # ... and the DAG scheduled on the asset ran on it: its task got the event, with the object's key
    def runs_it_started() -> list[dict]:
        return [r for e in asset_events(af, asset_id) if e["id"] == mine[0]["id"] for r in e["created_dagruns"]]

    runs = wait_until(runs_it_started, 120, "the event to start a run of asset_consumer")
    run_id = runs[0].get("run_id") or runs[0].get("dag_run_id")  # 2.11: dag_run_id
    assert runs[0]["dag_id"] == "asset_consumer"
    assert af.wait_for_run("asset_consumer", run_id, timeout=300, progress=False)["state"] == "success"
    got = af.get(f"/dags/asset_consumer/dagRuns/{run_id}/taskInstances/report_new_sales/xcomEntries/return_value")
    got = got["value"] if af.major >= 3 else ast.literal_eval(got["value"])  # 2.x: the Python repr
    assert any(e["extra"].get("dedup_key") == dedup_key and e["extra"]["key"] == "sales/2024-05-14/orders batch 1.csv"
               for e in got)


def test_asset_event_for_an_unknown_asset_is_not_retried(fn, monkeypatch):
    monkeypatch.setenv("MODE", "asset_event")
    monkeypatch.setenv("ASSET_URI", "s3://kit-landing-zone/no-such-folder")
    with pytest.raises(fn.TriggerError, match="no asset s3://kit-landing-zone/no-such-folder"):
        fn.lambda_handler(unique(event("s3_object_created")), Context())
    assert not [c for c in fn.calls if c.startswith("POST") and "events" in c] and fn.sleeps == []


def test_an_unknown_mode_is_refused(fn, monkeypatch):
    monkeypatch.setenv("MODE", "dag-run")
    with pytest.raises(fn.TriggerError, match="MODE=dag-run"):
        fn.lambda_handler(event("s3_object_created"), Context())
    assert fn.calls == []


def test_the_asset_is_the_objects_folder(monkeypatch):
    module = load_lambda()
    monkeypatch.delenv("ASSET_URI", raising=False)
    objects = [o for name in ("s3_object_created", "eventbridge_object_created", "s3_two_objects")
               for o in module.created_objects(event(name))]
    assert [module.asset_uri_for(o) for o in objects] == [SALES_URI, SALES_URI, "s3://kit-landing-zone/images"]
    monkeypatch.setenv("ASSET_URI", "s3://elsewhere/orders")
    assert module.asset_uri_for(objects[0]) == "s3://elsewhere/orders"


# --- asset events: transient errors, against a fake Airflow 3 -------------------------------------
@pytest.fixture()
def fake_assets_airflow():
    """127.0.0.1 only: an Airflow 3 with one asset (SALES_URI, id 7) that keeps the events posted to it.
    `plan` has one (status, kept) per POST of an event: kept, the event is stored even when the answer is
    an error (the answer was lost on its way back, as with a timeout after Airflow committed)."""
    plan, events, posts = [], [], []

    class Handler(FakeHandler):
        def do_GET(self):
            path = urlparse(self.path).path
            if path == "/api/v2/version":
                return self.reply(200, {"version": "3.3.2"})
            if path == "/api/v2/assets":
                return self.reply(200, {"assets": [{"id": 7, "uri": SALES_URI}], "total_entries": 1})
            if path == "/api/v2/assets/events":  # newest first
                return self.reply(200, {"asset_events": events[::-1], "total_entries": len(events)})
            self.reply(404, {"detail": "fake: not found"})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if self.path == "/auth/token":
                return self.reply(201, {"access_token": "fake"})
            posts.append(body)
            status, kept = plan.pop(0) if plan else (503, False)
            if kept:
                events.append({"id": len(events) + 1, "asset_id": body["asset_id"], "extra": body["extra"],
                               "timestamp": "2024-05-14T09:21:40Z", "created_dagruns": []})
            self.reply(status, events[-1] if status < 300 else {"detail": "fake"})

    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as url:
        yield url, plan, posts


def test_asset_event_5xx_is_retried_then_reported(fn, fake_assets_airflow, monkeypatch):
    url, plan, posts = fake_assets_airflow
    monkeypatch.setenv("AIRFLOW_URL", url)
    monkeypatch.setenv("MODE", "asset_event")
    plan[:] = [(503, False), (502, False), (200, True)]
    result = fn.lambda_handler(event("s3_object_created"), Context())
    assert result["reported"] == [1] and len(posts) == 3 and posts[0]["asset_id"] == 7
    assert posts[0]["extra"]["key"] == "sales/2024-05-14/orders batch 1.csv"
    assert len(fn.sleeps) == 2 and fn.sleeps[1] > fn.sleeps[0]  # exponential back-off


def test_asset_event_retry_looks_first_when_an_answer_was_lost(fn, fake_assets_airflow, monkeypatch):
    """Airflow stored the event but its answer never arrived (503 here): the next try finds the event by
    its dedup_key and posts no second one."""
    url, plan, posts = fake_assets_airflow
    monkeypatch.setenv("AIRFLOW_URL", url)
    monkeypatch.setenv("MODE", "asset_event")
    plan[:] = [(503, True)]
    result = fn.lambda_handler(event("s3_object_created"), Context())
    assert result["reported"] == [] and result["already_reported"] == [1]
    assert len(posts) == 1 and len(fn.sleeps) == 1


def test_asset_event_retries_are_bounded(fn, fake_assets_airflow, monkeypatch):
    url, plan, posts = fake_assets_airflow
    monkeypatch.setenv("AIRFLOW_URL", url)
    monkeypatch.setenv("MODE", "asset_event")
    monkeypatch.setenv("MAX_ATTEMPTS", "3")
    with pytest.raises(fn.TransientError, match="503.*3 tries"):
        fn.lambda_handler(event("s3_object_created"), Context())
    assert len(posts) == 3 and len(fn.sleeps) == 2

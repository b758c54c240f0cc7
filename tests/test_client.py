"""The client helper against the live stack: each way of signing in, and each error a learner meets."""
import http.server
import json
import subprocess
import sys
import threading
import uuid
from datetime import datetime

import pytest
import requests

from apikit import Airflow, AirflowAPIError, AirflowAuthError, AirflowError, AirflowNotRunning, frame
from apikit.client import echo_line
from conftest import free_port
from helpers import delete_runs, run_body


@pytest.mark.airflow3
def test_jwt_sign_in(stack):
    af = Airflow(stack.url, "admin", "admin", verbose=False)
    assert (af.version, af.api) == (stack.version, "/api/v2")
    assert af.auth.startswith("JWT")
    assert af.session.headers["Authorization"].startswith("Bearer ey")


@pytest.mark.airflow2
def test_basic_sign_in(stack):
    af = Airflow(stack.url, "admin", "admin", verbose=False)
    assert (af.version, af.api, af.auth) == (stack.version, "/api/v1", "basic (admin)")


def test_url_with_api_prefix_still_works(stack):
    assert Airflow(f"{stack.url}/api/v{2 if stack.major == '3' else 1}/", verbose=False).url == stack.url


def test_wrong_password_says_what_to_check(stack):
    with pytest.raises(AirflowAuthError, match="AIRFLOW_PASSWORD"):
        Airflow(stack.url, "admin", "not-the-password")


def test_airflow_not_running_says_how_to_start_it():
    with pytest.raises(AirflowNotRunning, match="make airflow"):
        Airflow(f"http://127.0.0.1:{free_port()}")


def test_a_server_that_is_not_airflow():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(AirflowError, match="not the Airflow API"):
            Airflow(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


def test_apikit_stands_alone():
    """The notebooks' helper runs against any Airflow: it never imports the kit's local stacks."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, apikit, apikit.widgets; print(*sys.modules)"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert "apikit.client" in loaded and not [m for m in loaded if m.split(".")[0] == "stacks"]


@pytest.mark.airflow3  # Airflow 2.11's API has no PUT
def test_put_signs_in_again_and_explains_errors(stack, capsys):
    """af.put goes through the client as af.patch does: an expired token is renewed, an error is explained."""
    af = Airflow(stack.url, "admin", "admin", verbose=False)
    file_token = af.get("/dags/dependent_dag")["file_token"]
    af.session.headers["Authorization"] = "Bearer expired.or.tampered"
    af.verbose = True
    af.put(f"/parseDagFile/{file_token}")
    # the token (the DAG file's bundle and name, signed) makes the line longer than the echo's 120 characters
    assert capsys.readouterr().out.strip() == echo_line(f"PUT /api/v2/parseDagFile/{file_token}", 201)
    with pytest.raises(AirflowAPIError) as err:
        af.put("/backfills/0/pause")
    assert str(err.value).startswith("PUT /api/v2/backfills/0/pause -> 404: ")  # with Airflow's detail


@pytest.mark.airflow3
def test_api_v1_on_airflow_3_points_to_v2(af):
    with pytest.raises(AirflowAPIError, match="use /api/v2/dags") as err:
        af.get("/api/v1/dags")
    assert err.value.status == 404


def test_paths_that_name_their_own_api_are_sent_as_they_are():
    """Under the API's prefix but the paths that name their own: /api/..., the sign-in API (/auth/...) and
    the server's OpenAPI document (/openapi.json, at its root on Airflow 3)."""
    af = object.__new__(Airflow)  # path() needs only the prefix: no server
    af.api = "/api/v2"
    assert [af.path(p) for p in ("/dags", "dags", "/api/v1/dags", "/auth/token", "/openapi.json")] == \
        ["/api/v2/dags", "/api/v2/dags", "/api/v1/dags", "/auth/token", "/openapi.json"]


@pytest.mark.airflow3
def test_the_servers_own_document_is_reached(af):
    assert "/api/v2/dags" in af.get("/openapi.json")["paths"]


def test_http_errors_carry_airflows_detail(af):
    with pytest.raises(AirflowAPIError) as err:
        af.post("/dags/no_such_dag/dagRuns", json={"logical_date": None} if af.major >= 3 else {})
    assert err.value.status == 404 and "no_such_dag" in str(err.value)


@pytest.mark.airflow3
def test_validation_errors_name_the_field(af):
    with pytest.raises(AirflowAPIError) as err:
        af.post("/dags/dependent_dag/dagRuns", json={"conf": {}})  # 3.x requires logical_date
    assert err.value.status == 422 and "logical_date" in str(err.value)


@pytest.mark.airflow2
def test_airflow_2_rejects_null_logical_date(af):
    with pytest.raises(AirflowAPIError) as err:
        af.post("/dags/dependent_dag/dagRuns", json={"logical_date": None})
    assert err.value.status == 400


@pytest.mark.airflow3
def test_static_token(stack):
    token = requests.post(f"{stack.url}/auth/token", json={"username": "admin", "password": "admin"},
                          timeout=10).json()["access_token"]
    af = Airflow(stack.url, token=token, verbose=False)
    assert af.auth == "static token (token= or AIRFLOW_TOKEN; never renewed)"
    assert any(d["dag_id"] == "dependent_dag" for d in af.items("/dags"))
    with pytest.raises(AirflowAuthError, match="AIRFLOW_TOKEN"):
        Airflow(stack.url, token=token[:-4] + "AAAA")


@pytest.mark.airflow3
def test_expired_jwt_is_renewed(stack):
    af = Airflow(stack.url, "admin", "admin", verbose=False)
    af.session.headers["Authorization"] = "Bearer expired.or.tampered"
    assert af.get("/dags", limit=1)["total_entries"] >= 3
    assert af.session.headers["Authorization"] != "Bearer expired.or.tampered"


def test_items_follow_pages(af):
    assert {d["dag_id"] for d in af.items("/dags", page_size=1)} >= {"api_dag", "dependent_dag",
                                                                      "random_failures"}


def test_table_has_the_asked_columns(af):
    frame = af.table("/dags", columns=["dag_id", "is_paused"])
    assert list(frame.columns) == ["dag_id", "is_paused"]
    assert {"api_dag", "dependent_dag", "random_failures"} <= set(frame["dag_id"])


def test_verbose_calls_show_method_path_status_and_quiet_ones_do_not(af, capsys):
    af.verbose = True
    try:
        af.get("/version")
        with af.quiet():
            af.get("/version")
        af.get("/health" if af.major < 3 else "/monitor/health")
    finally:
        af.verbose = False
    health = "/health" if af.major < 3 else "/monitor/health"
    assert capsys.readouterr().out.split("\n")[:-1] == [f"GET {af.api}/version -> 200",
                                                        f"GET {af.api}{health} -> 200"]


@pytest.mark.parametrize("call", [  # lesson 31's XCom of a long run id (171 characters); lesson 30's (127)
    "GET /api/v2/dags/s3_file_arrived/dagRuns/s3__kit-landing-zone_sales_2024-05-14_orders_batch_1.csv__"
    "4029080f7f06647a/taskInstances/plan_load/xcomEntries/return_value",
    "GET /api/v2/dags/asset_two_inputs/dagRuns/asset_triggered__2026-12-07T07:12:24.543646+00:00_cjMbwTjf"
    "/upstreamAssetEvents"])
def test_a_long_call_is_echoed_on_lines_cut_before_a_slash(call):
    lines = echo_line(call, 200).split("\n")
    assert len(lines) > 1 and all(len(line) <= 120 for line in lines), lines
    assert "".join(line.strip() for line in lines) == f"{call} -> 200"
    assert echo_line("GET /api/v2/dags", 200) == "GET /api/v2/dags -> 200"


def test_a_frame_shows_what_the_api_sent():
    """Integers stay integers; a null, or a field one object lacks, reads None, the same in every table."""
    table = frame([{"run": 1, "note": None}, {"run": 2, "conf": {"a": 1}}], ["run", "note", "conf", "gone"])
    assert table.to_dict("records") == [{"run": 1, "note": None, "conf": None, "gone": None},
                                        {"run": 2, "note": None, "conf": {"a": 1}, "gone": None}]
    assert "NaN" not in table.to_string() and "1.0" not in table.to_string()
    assert frame({"run": 3}).to_dict("records") == [{"run": 3}]


def test_wait_for_scheduler_answers_its_next_heartbeat(af):
    """af.wait_for_scheduler (a lesson waits for it between marking a run failed and deleting it) returns
    a heartbeat of the scheduler later than the one the health check showed before the call."""
    health = "/monitor/health" if af.major >= 3 else "/health"
    before = af.get(health)["scheduler"]["latest_scheduler_heartbeat"]
    beat = af.wait_for_scheduler(timeout=60)
    assert datetime.fromisoformat(beat) > datetime.fromisoformat(before), (before, beat)


# --- waiting for a run: af.wait_for_run polls; Airflow 3's /wait (notebook 12) finds the same -----------
def new_run(af, conf: dict) -> str:
    """A run of dependent_dag with a run id of the test's own (its path then needs no quoting)."""
    run_id = f"kit_test_wait_{uuid.uuid4().hex[:8]}"
    af.post("/dags/dependent_dag/dagRuns", json=run_body(af, dag_run_id=run_id, conf=conf))
    return run_id


def test_wait_for_run_polls_the_run(af):
    """af.wait_for_run asks `GET .../dagRuns/{run_id}` until the run has finished, on every version, and
    never the experimental /wait (its docstring says why); it answers the finished run."""
    run_id = new_run(af, {"message": "polled"})
    sent = []

    def record(response, *args, **kwargs):
        sent.append((response.request.method, response.request.path_url))

    af.session.hooks["response"].append(record)
    try:
        run = af.wait_for_run("dependent_dag", run_id, timeout=300, progress=False)
    finally:
        af.session.hooks["response"].remove(record)
        delete_runs(af, [run_id])
    assert run["dag_run_id"] == run_id and run["state"] == "success"
    assert sent and set(sent) == {("GET", f"{af.api}/dags/dependent_dag/dagRuns/{run_id}")}


@pytest.mark.airflow3
def test_the_wait_call_finds_what_polling_finds(af):
    """`GET .../dagRuns/{run_id}/wait` (notebook 12, the Postman folders 12 and 60): one request whose
    answer is a line of JSON per check, the last one the finished run with the return values of the tasks
    named in `result`; polling the same run afterwards finds the same state."""
    run_id = new_run(af, {"message": "waited for"})
    try:
        answer = af.get(f"/dags/dependent_dag/dagRuns/{run_id}/wait", interval=0.5, result="report")
        polled = af.wait_for_run("dependent_dag", run_id, timeout=300, progress=False)
    finally:
        delete_runs(af, [run_id])
    lines = [json.loads(line) for line in answer.splitlines()]
    assert all(line["state"] in ("queued", "running") for line in lines[:-1])
    assert lines[-1]["state"] == polled["state"] == "success"
    assert lines[-1]["results"]["report"]["message"] == "waited for"


@pytest.mark.airflow2
def test_airflow_2_has_no_wait_call(af):
    """Why notebook 12 polls on Airflow 2.11: the route itself is missing there (404 from the web server,
    not Airflow's "DAGRun not found")."""
    run_id = new_run(af, {"message": "no /wait"})
    try:
        with pytest.raises(AirflowAPIError) as err:
            af.get(f"/dags/dependent_dag/dagRuns/{run_id}/wait", interval=0.5)
    finally:
        delete_runs(af, [run_id])
    assert err.value.status == 404 and "DAGRun" not in str(err.value.detail)

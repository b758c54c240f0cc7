"""A session with a stack over time: credentials that expire or are missing, the server stopped and
restarted under a live client, a component that dies (named by `make status`) and a crash of the whole
stack (recovered from by the next start), `stop` leaving no process, and logs that hold no secret.

One stack for the whole module (starting one costs most of the time): a password of its own, so
that "no credentials given" really fails and a scan of the logs for it means something, and on
Airflow 3 a JWT lifetime of two seconds, so that tokens really expire during the test.
The tests run in file order and share it; the last ones stop it."""
from __future__ import annotations

import json
import os
import resource
import signal
import socket
import time

import psutil
import pytest
import requests

from apikit.client import Airflow, AirflowAuthError, AirflowNotRunning
from conftest import MAJOR, fresh_stack
from helpers import environment, load_collection, run_body, run_newman, wait_until
from stacks import processes

pytestmark = pytest.mark.live  # a stack of the module's own
PASSWORD = "kit-test-Pw-not-admin"
JWT_SECONDS = 2  # api_auth.jwt_expiration_time: the tokens the API hands out live this long
tokens_seen: set[str] = set()  # every Bearer token a test of this module used: none may be in a log


@pytest.fixture(scope="module")
def own_stack():
    extra = {}
    if MAJOR == "3":
        extra = {"AIRFLOW__API_AUTH__JWT_EXPIRATION_TIME": str(JWT_SECONDS),
                 "AIRFLOW__API_AUTH__JWT_LEEWAY": "0"}  # default 10 s of grace after `exp`
    stack = fresh_stack("sessions", password=PASSWORD, extra_env=extra)
    stack.start()
    yield stack
    stack.stop(quiet=True)


@pytest.fixture(scope="module")
def own_af(own_stack):
    return Airflow(own_stack.url, "admin", PASSWORD, verbose=False)


def bearer(af: Airflow) -> str | None:
    header = af.session.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        tokens_seen.add(header[len("Bearer "):])
        return header[len("Bearer "):]
    return None


# --- credentials ---------------------------------------------------------------------------------
def test_missing_credentials_say_what_to_set(own_stack, monkeypatch):
    for var in ("AIRFLOW_USERNAME", "AIRFLOW_PASSWORD", "AIRFLOW_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(AirflowAuthError) as err:
        Airflow(own_stack.url)  # nothing given, nothing set: admin:admin is tried and refused
    message = str(err.value)
    assert "No AIRFLOW_USERNAME / AIRFLOW_PASSWORD is set" in message
    assert "AIRFLOW_PASSWORD" in message and PASSWORD not in message


def test_given_wrong_password_is_not_called_missing(own_stack):
    with pytest.raises(AirflowAuthError) as err:
        Airflow(own_stack.url, "admin", "admin")
    assert "AIRFLOW_PASSWORD" in str(err.value) and "No AIRFLOW_USERNAME" not in str(err.value)


@pytest.mark.airflow3
def test_client_keeps_working_across_real_jwt_expiry(own_stack, own_af):
    first = bearer(own_af)
    assert first and 0 < own_af._token_expires - time.time() <= JWT_SECONDS + 1
    time.sleep(JWT_SECONDS + 1)
    # The server itself now refuses that token: it really expired.
    refused = requests.get(f"{own_stack.url}/api/v2/dags", timeout=10,
                           headers={"Authorization": f"Bearer {first}"})
    assert refused.status_code in (401, 403), refused.text
    # Renewal before a call (the client reads `exp`) ...
    assert own_af.get("/dags", dag_id_pattern="dependent_dag")["total_entries"] == 1
    second = bearer(own_af)
    assert second != first
    # ... and renewal after a refusal, when the client could not know the token expired.
    time.sleep(JWT_SECONDS + 1)
    own_af._token_expires = 0.0  # as if the token had no readable `exp`
    assert own_af.get("/dags", dag_id_pattern="dependent_dag")["total_entries"] == 1
    assert bearer(own_af) not in (first, second)
    # A run triggered across an expiry is recorded once.
    run = own_af.post("/dags/dependent_dag/dagRuns", json=run_body(own_af, dag_run_id="kit_test_jwt"))
    time.sleep(JWT_SECONDS + 1)
    assert own_af.wait_for_run("dependent_dag", run["dag_run_id"], progress=False)["state"] == "success"
    bearer(own_af)



@pytest.mark.airflow3
@pytest.mark.parametrize("saved_expiry", ["its own", "far ahead"])
def test_postman_recovers_from_an_expired_token(own_stack, own_af, newman, tmp_path, saved_expiry):
    """The collection holds a JWT that has expired (saved by an earlier session). With its own expiry
    saved beside it, the pre-request script signs in anew before sending; with an expiry far ahead
    (a clock that is off, a server restarted with another secret), Airflow refuses it with a 401 and
    after.js signs in again and sends that request once more. Either way: no failure."""
    answer = requests.post(f"{own_stack.url}/auth/token", json={"username": "admin", "password": PASSWORD},
                           timeout=10)
    token = answer.json()["access_token"]
    tokens_seen.add(token)
    time.sleep(JWT_SECONDS + 1)
    assert requests.get(f"{own_stack.url}/api/v2/dags", timeout=10,
                        headers={"Authorization": f"Bearer {token}"}).status_code == 401
    expires = (time.time() + (3600 if saved_expiry == "far ahead" else -1)) * 1000
    collection = load_collection()
    saved = {"jwt": token, "jwtExpiresAt": str(int(expires)), "jwtFor": f"{own_stack.url} admin"}
    for variable in collection["variable"]:
        variable["value"] = saved.get(variable["key"], variable["value"])
    path = tmp_path / "saved-token.postman_collection.json"
    path.write_text(json.dumps(collection))
    env = environment("local-airflow3", tmp_path, baseUrl=own_stack.url, password=PASSWORD)
    folder = collection["item"][1]["name"]  # 01 DAGs: every request signed with the saved token
    run = run_newman(newman, env, tmp_path, folders=[folder], collection=path)
    # newman's report can list one request twice (the same httpRequestId): each is counted once
    answers = list({e["cursor"]["httpRequestId"]: (e["item"]["name"], e["response"]["code"])
                    for e in run["executions"]}.values())
    first_name = collection["item"][1]["item"][0]["name"]
    if saved_expiry == "far ahead":
        assert answers[:2] == [(first_name, 401), (first_name, 200)], answers  # refused, then resent
        assert [code for _, code in answers[2:]].count(401) == 0
    else:
        assert 401 not in [code for _, code in answers], answers  # renewed before sending
    assert len([a for a in answers if a[1] != 401]) == len(collection["item"][1]["item"])

# --- server stopped mid-session, then restarted ----------------------------------------------------
def test_stopped_mid_session_then_restarted(own_stack, own_af):
    assert own_af.get("/dags", dag_id_pattern="dependent_dag")["total_entries"] == 1
    bearer(own_af)
    own_stack.stop(quiet=True)
    try:
        for _ in range(2):  # the same client, while the server is down: a clear error every time
            with pytest.raises(AirflowNotRunning, match="make airflow") as err:
                own_af.get("/dags")
            assert own_stack.url in str(err.value)
    finally:
        own_stack.start()
    # The same client object works again: no reconnecting by hand (on 3.x the token is renewed).
    assert own_af.get("/dags", dag_id_pattern="dependent_dag")["total_entries"] == 1
    run = own_af.post("/dags/dependent_dag/dagRuns",
                      json=run_body(own_af, dag_run_id="kit_test_after_restart"))
    assert own_af.wait_for_run("dependent_dag", run["dag_run_id"], progress=False)["state"] == "success"
    bearer(own_af)


# --- a component dies, then the whole stack crashes -------------------------------------------------
@pytest.mark.airflow3  # the same code starts and stops both versions; once is enough
def test_a_dead_component_is_named_and_a_crash_recovered_from(own_stack, own_af):
    state = json.loads(own_stack.statefile.read_text())
    os.killpg(state["components"]["scheduler"]["pid"], signal.SIGKILL)  # the scheduler dies, the rest runs on
    wait_until(own_stack.dead_components, 10, "the record to show the scheduler dead, and only it",
               until=lambda dead: dead == ["scheduler"], step=0.2)
    status = own_stack.status()
    assert status.startswith("NOT WORKING") and "scheduler" in status and "make airflow" in status, status
    for p in own_stack.processes():  # now a crash of everything: only the record is left behind
        p.kill()
    wait_until(lambda: (own_stack.processes(), own_stack.port_free()), 10,
               "every process of the stack to be gone and its port free (processes, port free)",
               until=lambda seen: seen == ([], True), step=0.2)
    assert own_stack.statefile.exists()
    own_stack.start()  # removes the stale record, starts anew
    assert own_stack.healthy()
    assert own_af.get("/dags", dag_id_pattern="dependent_dag")["total_entries"] == 1  # the same client


# --- stop leaves no process; logs hold no secret ----------------------------------------------------
def kit_processes(home: str) -> list[str]:
    """Every live process (of this user) whose command line or environment names the stack's home."""
    found = []
    for p in psutil.process_iter(["pid", "cmdline", "environ", "status"]):
        try:
            if p.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            cmdline = " ".join(p.info["cmdline"] or [])
            env = p.info["environ"] or {}
            if home in cmdline or env.get("AIRFLOW_HOME") == home:
                found.append(f"{p.info['pid']}: {cmdline[:120]}")
        except psutil.Error:
            pass
    return found


def cpu_seconds(p: psutil.Process) -> float:
    """A process's CPU-seconds, with those of the children it has reaped."""
    t = p.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def test_stop_leaves_no_process_even_during_a_run(own_stack, own_af):
    """`stop` leaves nothing behind, and the zygote outlives its components: it reaps each (its exit code
    written beside its log), so their CPU-seconds reach whoever started the stack (`make test` counts them)."""
    home = str(own_stack.home)
    assert len(kit_processes(home)) >= 2, "the check would not see the stack's processes"
    for i in range(3):  # stop while runs are queued or running: their task processes go too
        own_af.post("/dags/dependent_dag/dagRuns", json=run_body(own_af, dag_run_id=f"kit_test_stop_{i}"))
    bearer(own_af)
    time.sleep(2)
    state = json.loads(own_stack.statefile.read_text())
    started = [processes.alive(rec, state["mark"]) for rec in [state["zygote"], *state["components"].values()]]
    used = sum(cpu_seconds(p) for p in started)  # the zygote is this test's child: its stack started here
    counted = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_stack.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    reaped = after.ru_utime + after.ru_stime - counted.ru_utime - counted.ru_stime
    assert reaped >= used - 0.05, f"{reaped:.2f} CPU-s reached this process, the stack had used {used:.2f}"
    exits = {name: (own_stack.logs / f"{name}.exit").exists() for name in state["components"]}
    assert all(exits.values()), f"not reaped by the zygote (no exit code written): {exits}"
    wait_until(lambda: kit_processes(home), 10, "no process of the stack to be left (none outside its group)",
               until=lambda left: left == [])
    assert own_stack.processes() == [] and not own_stack.statefile.exists()
    with socket.socket() as s:  # the port is free (connections of the client may be in TIME_WAIT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", own_stack.port))


def test_logs_hold_no_credential(own_stack):
    tokens = {t for t in tokens_seen if len(t) > 20}
    assert own_stack.major == "2" or tokens, "no token was recorded: the check would be empty"
    passwords_file = (own_stack.home / "passwords.json").read_text() if MAJOR == "3" else None
    logs = sorted(own_stack.logs.rglob("*.log"))
    assert {p.name for p in logs} >= {"scheduler.log", "api-server.log" if MAJOR == "3" else "webserver.log"}
    for log in logs:
        text = log.read_text(errors="replace")
        assert PASSWORD not in text, f"{log} contains the password"
        if passwords_file:
            assert passwords_file not in text, f"{log} contains the passwords file"
        for token in tokens:
            assert token not in text and token.split(".")[2] not in text, f"{log} contains a JWT it was sent"

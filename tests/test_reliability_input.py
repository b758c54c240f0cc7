"""Issue 9 on the session stack: bad input gets Airflow's clear 4xx and triggers nothing, a trigger
retried after a timeout starts one run only, and task processes listen on 127.0.0.1 only."""
from __future__ import annotations

import http.server
import os
import threading
import time
import uuid

import psutil
import pytest
import requests

from apikit.client import Airflow, AirflowAPIError, AirflowTimeout


def body(af: Airflow, **fields) -> dict:
    # 3.x requires "logical_date" (null: now, and no clash with other runs); 2.x refuses null.
    return {"logical_date": None, **fields} if af.major >= 3 else fields


def run_count(af: Airflow, dag_id: str = "dependent_dag") -> int:
    return af.get(f"/dags/{dag_id}/dagRuns", limit=1)["total_entries"]


def delete_runs(af: Airflow, run_ids, dag_id: str = "dependent_dag") -> None:
    for run_id in run_ids:
        try:
            af.wait_for_run(dag_id, run_id, timeout=120, progress=False)
            af.delete(f"/dags/{dag_id}/dagRuns/{run_id}")
        except AirflowAPIError as exc:
            if exc.status != 404:
                raise


# --- conf that is not a JSON object ---------------------------------------------------------------
@pytest.mark.parametrize("conf", [["a", "list"], "a string", 42], ids=["list", "string", "number"])
def test_conf_that_is_not_an_object_is_refused_and_triggers_nothing(af, conf):
    before = run_count(af)
    with pytest.raises(AirflowAPIError) as err:
        af.post("/dags/dependent_dag/dagRuns", json=body(af, dag_run_id=f"rel9_conf_{uuid.uuid4().hex[:8]}",
                                                         conf=conf))
    assert 400 <= err.value.status < 500 and err.value.status != 404
    message = str(err.value)
    assert "conf" in message, message  # the detail names the field that is wrong
    assert len(message) < 600 and "Traceback" not in message
    time.sleep(1)
    assert run_count(af) == before


# --- ids that do not exist ------------------------------------------------------------------------
def test_unknown_dag_id_is_a_clear_404(af):
    for call in (lambda: af.get("/dags/no_such_dag_rel9"),
                 lambda: af.post("/dags/no_such_dag_rel9/dagRuns", json=body(af)),
                 lambda: af.patch("/dags/no_such_dag_rel9", json={"is_paused": False})):
        with pytest.raises(AirflowAPIError) as err:
            call()
        assert err.value.status == 404 and "no_such_dag_rel9" in str(err.value), str(err.value)


def test_unknown_task_id_is_a_clear_404(af):
    with pytest.raises(AirflowAPIError) as err:
        af.get("/dags/dependent_dag/tasks/no_such_task_rel9")
    assert err.value.status == 404 and "no_such_task_rel9" in str(err.value), str(err.value)


def test_unknown_run_id_is_a_clear_404(af):
    with pytest.raises(AirflowAPIError) as err:
        af.get("/dags/dependent_dag/dagRuns/no_such_run_rel9")
    assert err.value.status == 404 and "no_such_run_rel9" in str(err.value), str(err.value)


# --- a duplicate run id ---------------------------------------------------------------------------
def test_duplicate_run_id_is_409_and_triggers_nothing(af):
    run_id = f"rel9_dup_{uuid.uuid4().hex[:8]}"
    try:
        af.post("/dags/dependent_dag/dagRuns", json=body(af, dag_run_id=run_id, conf={"n": 1}))
        before = run_count(af)
        with pytest.raises(AirflowAPIError) as err:
            af.post("/dags/dependent_dag/dagRuns", json=body(af, dag_run_id=run_id, conf={"n": 2}))
        assert err.value.status == 409 and "that id is taken" in str(err.value), str(err.value)
        assert "dags/dependent_dag/dagRuns" in str(err.value) and "Serious error" not in str(err.value)
        assert run_count(af) == before
        run = af.wait_for_run("dependent_dag", run_id, progress=False)
        assert run["state"] == "success" and run["conf"] == {"n": 1}  # the first one, untouched
    finally:
        delete_runs(af, [run_id])


# --- a trigger retried after a timeout ------------------------------------------------------------
class SlowProxy(http.server.ThreadingHTTPServer):
    """Forwards every call to Airflow; the first POST is delivered, but its answer comes too late
    for the client: a response lost on shared Wi-Fi."""

    def __init__(self, target: str, delay: float):
        self.target, self.delay, self.delayed = target, delay, 0
        super().__init__(("127.0.0.1", 0), ProxyHandler)


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def forward(self):
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        r = requests.request(self.command, self.server.target + self.path, data=data, headers=headers,
                             timeout=60)
        if self.command == "POST" and "/dagRuns" in self.path and not self.server.delayed:
            self.server.delayed += 1
            time.sleep(self.server.delay)  # Airflow has created the run; the answer is late
        try:
            self.send_response(r.status_code)
            for k, v in r.headers.items():
                if k.lower() not in ("content-length", "transfer-encoding", "connection",
                                     "content-encoding"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(r.content)))
            self.end_headers()
            self.wfile.write(r.content)
        except OSError:  # the client gave up waiting
            pass

    do_GET = do_POST = do_PATCH = do_DELETE = forward


def trigger_once(af: Airflow, dag_id: str, run_id: str, conf: dict, attempts: int = 3) -> str:
    """The retry pattern: the caller chooses the run id, so sending it again cannot start a second
    run; a 409 means an earlier attempt got through."""
    for attempt in range(attempts):
        try:
            af.post(f"/dags/{dag_id}/dagRuns", json=body(af, dag_run_id=run_id, conf=conf))
            return "triggered"
        except AirflowTimeout:
            if attempt == attempts - 1:
                raise
        except AirflowAPIError as exc:
            if exc.status == 409:
                return "already triggered"
            raise
    raise AssertionError("unreachable")


def test_trigger_retried_after_a_timeout_starts_one_run(stack, af):
    proxy = SlowProxy(stack.url, delay=4)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    run_id = f"rel9_retry_{uuid.uuid4().hex[:8]}"
    marker = {"retry_test": run_id}
    try:
        slow = Airflow(f"http://127.0.0.1:{proxy.server_address[1]}", "admin", "admin", timeout=2,
                       verbose=False)
        before = run_count(af)
        # Without a helper: the bare POST times out and the client says it may have taken effect.
        with pytest.raises(AirflowTimeout, match="may or may not have taken effect"):
            slow.post("/dags/dependent_dag/dagRuns", json=body(slow, dag_run_id=run_id, conf=marker))
        assert af.get(f"/dags/dependent_dag/dagRuns/{run_id}")["conf"] == marker  # it did
        # The retry of the same trigger: a 409, counted as done.
        assert trigger_once(slow, "dependent_dag", run_id, marker) == "already triggered"
        assert run_count(af) == before + 1
        runs = [r for r in af.items("/dags/dependent_dag/dagRuns") if r["conf"] == marker]
        assert [r["dag_run_id"] for r in runs] == [run_id]
        assert af.wait_for_run("dependent_dag", run_id, progress=False)["state"] == "success"
    finally:
        proxy.shutdown()
        proxy.server_close()
        delete_runs(af, [run_id])


def test_retry_pattern_triggers_when_nothing_got_through(af):
    run_id = f"rel9_retry_ok_{uuid.uuid4().hex[:8]}"
    try:
        assert trigger_once(af, "dependent_dag", run_id, {}) == "triggered"
        assert trigger_once(af, "dependent_dag", run_id, {}) == "already triggered"
    finally:
        delete_runs(af, [run_id])


# --- 127.0.0.1 only, task processes included --------------------------------------------------------
def stack_processes(stack, known: dict[int, bool]) -> list[psutil.Process]:
    """The stack's live processes: its process group, and any process with its AIRFLOW_HOME (Airflow
    2 starts each task in a session of its own). `known` caches the answer per pid: the scan must be
    quick, to see task processes that live a second."""
    home, pgid, found = str(stack.home), stack.pgid(), []
    for pid in psutil.pids():
        try:
            if pid not in known:
                known[pid] = os.getpgid(pid) == pgid or \
                    psutil.Process(pid).environ().get("AIRFLOW_HOME") == home
            if known[pid]:
                found.append(psutil.Process(pid))
        except (OSError, psutil.Error):
            known[pid] = False
    return found


def test_listens_on_loopback_only_during_dag_runs(stack, af):
    known: dict[int, bool] = {}
    before = {p.pid for p in stack_processes(stack, known)}
    run_ids = [f"rel9_listen_{i}_{uuid.uuid4().hex[:6]}" for i in range(6)]
    listening, new_processes, states = set(), {}, set()
    finished = threading.Event()
    watcher = Airflow(stack.url, "admin", "admin", verbose=False)  # its own session, in its thread

    def watch():
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and not finished.is_set():
            states.clear()
            states.update(watcher.get(f"/dags/dependent_dag/dagRuns/{r}")["state"] for r in run_ids)
            if states <= {"success", "failed"}:
                break
            time.sleep(0.5)
        finished.set()

    try:
        for run_id in run_ids:
            af.post("/dags/dependent_dag/dagRuns", json=body(af, dag_run_id=run_id))
        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        while not finished.is_set():  # scan as often as possible while the runs go on
            for p in stack_processes(stack, known):
                try:
                    if p.pid not in before:
                        new_processes.setdefault(p.pid, " ".join(p.cmdline())[:100])
                    listening |= {(c.laddr.ip, c.laddr.port) for c in p.net_connections(kind="inet")
                                  if c.status == psutil.CONN_LISTEN}
                except psutil.Error:
                    pass
        thread.join()
        assert states == {"success"}
    finally:
        finished.set()
        delete_runs(af, run_ids)
    # Airflow 2 starts each task as `airflow tasks run` (seconds); Airflow 3's LocalExecutor forks a
    # task process from a worker that can be gone in well under a second: not always seen.
    assert new_processes or af.major >= 3, "no task process was seen: the check saw nothing of the runs"
    assert listening and {ip for ip, _ in listening} == {"127.0.0.1"}, (listening, new_processes)

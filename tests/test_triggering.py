"""Triggering runs through the API, as a web form, a Lambda or a script would: bad input gets Airflow's
clear 4xx and triggers nothing; unknown ids are a clear 404; a duplicate run id is a 409 that triggers
nothing; a trigger retried after a timeout starts one run only; a burst of triggers from many threads
loses and duplicates nothing.

On Airflow 3 with SQLite the burst needs plugins/one_writer.py (one changing API request at a time):
without it, ten concurrent triggers deadlock the api-server's event loop on SQLite's write lock,
triggers fail with a 500 and the scheduler exits. The unit tests at the end check the middleware."""
from __future__ import annotations

import asyncio
import http.server
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from apikit.client import Airflow, AirflowAPIError, AirflowTimeout
from helpers import delete_runs, run_body, serving, wait_until


def run_count(af: Airflow, dag_id: str = "dependent_dag") -> int:
    return af.get(f"/dags/{dag_id}/dagRuns", limit=1)["total_entries"]


# --- conf that is not a JSON object ---------------------------------------------------------------
@pytest.mark.parametrize("conf", [["a", "list"], "a string", 42], ids=["list", "string", "number"])
def test_conf_that_is_not_an_object_is_refused_and_triggers_nothing(af, conf):
    before = run_count(af)
    with pytest.raises(AirflowAPIError) as err:
        af.post("/dags/dependent_dag/dagRuns", json=run_body(af, dag_run_id=f"kit_test_conf_{uuid.uuid4().hex[:8]}",
                                                         conf=conf))
    assert 400 <= err.value.status < 500 and err.value.status != 404
    message = str(err.value)
    assert "conf" in message, message  # the detail names the field that is wrong
    assert len(message) < 600 and "Traceback" not in message
    time.sleep(1)
    assert run_count(af) == before


# --- ids that do not exist ------------------------------------------------------------------------
def test_unknown_dag_id_is_a_clear_404(af):
    for call in (lambda: af.get("/dags/no_such_dag_kit_test"),
                 lambda: af.post("/dags/no_such_dag_kit_test/dagRuns", json=run_body(af)),
                 lambda: af.patch("/dags/no_such_dag_kit_test", json={"is_paused": False})):
        with pytest.raises(AirflowAPIError) as err:
            call()
        assert err.value.status == 404 and "no_such_dag_kit_test" in str(err.value), str(err.value)


def test_unknown_task_id_is_a_clear_404(af):
    with pytest.raises(AirflowAPIError) as err:
        af.get("/dags/dependent_dag/tasks/no_such_task_kit_test")
    assert err.value.status == 404 and "no_such_task_kit_test" in str(err.value), str(err.value)


def test_unknown_run_id_is_a_clear_404(af):
    with pytest.raises(AirflowAPIError) as err:
        af.get("/dags/dependent_dag/dagRuns/no_such_run_kit_test")
    assert err.value.status == 404 and "no_such_run_kit_test" in str(err.value), str(err.value)


# --- a duplicate run id ---------------------------------------------------------------------------
def test_duplicate_run_id_is_409_and_triggers_nothing(af):
    run_id = f"kit_test_dup_{uuid.uuid4().hex[:8]}"
    try:
        af.post("/dags/dependent_dag/dagRuns", json=run_body(af, dag_run_id=run_id, conf={"n": 1}))
        before = run_count(af)
        with pytest.raises(AirflowAPIError) as err:
            af.post("/dags/dependent_dag/dagRuns", json=run_body(af, dag_run_id=run_id, conf={"n": 2}))
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
            af.post(f"/dags/{dag_id}/dagRuns", json=run_body(af, dag_run_id=run_id, conf=conf))
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
    run_id = f"kit_test_retry_{uuid.uuid4().hex[:8]}"
    marker = {"retry_test": run_id}
    try:
        with serving(SlowProxy(stack.url, delay=4)) as proxy_url:
            slow = Airflow(proxy_url, "admin", "admin", timeout=2, verbose=False)
            before = run_count(af)
            # Without a helper: the bare POST times out and the client says it may have taken effect.
            with pytest.raises(AirflowTimeout, match="may or may not have taken effect"):
                slow.post("/dags/dependent_dag/dagRuns", json=run_body(slow, dag_run_id=run_id, conf=marker))
            assert af.get(f"/dags/dependent_dag/dagRuns/{run_id}")["conf"] == marker  # it did
            # The retry of the same trigger: a 409, counted as done.
            assert trigger_once(slow, "dependent_dag", run_id, marker) == "already triggered"
        assert run_count(af) == before + 1
        runs = [r for r in af.items("/dags/dependent_dag/dagRuns") if r["conf"] == marker]
        assert [r["dag_run_id"] for r in runs] == [run_id]
        assert af.wait_for_run("dependent_dag", run_id, progress=False)["state"] == "success"
    finally:
        delete_runs(af, [run_id])


def test_retry_pattern_triggers_when_nothing_got_through(af):
    run_id = f"kit_test_retry_ok_{uuid.uuid4().hex[:8]}"
    try:
        assert trigger_once(af, "dependent_dag", run_id, {}) == "triggered"
        assert trigger_once(af, "dependent_dag", run_id, {}) == "already triggered"
    finally:
        delete_runs(af, [run_id])


# --- a burst from many threads ----------------------------------------------------------------------
def burst(stack, af, total: int, threads: int, timeout: float) -> None:
    batch = f"kit_test_burst_{uuid.uuid4().hex[:6]}"
    run_ids = [f"{batch}_{i:03d}" for i in range(total)]
    chunks = [run_ids[i::threads] for i in range(threads)]

    def trigger(chunk: list[str]) -> list[str]:
        """A trigger that times out is sent again with the same run id (safe: a 409 on the repeat means
        the first attempt got through). Any other error fails the test: a 500 is not retried."""
        client = Airflow(stack.url, "admin", "admin", verbose=False, timeout=120)
        made = []
        for run_id in chunk:
            body = run_body(client, dag_run_id=run_id, conf={"batch": batch})
            try:
                made.append(client.post("/dags/dependent_dag/dagRuns", json=body)["dag_run_id"])
            except AirflowTimeout:
                existing = client.get(f"/dags/dependent_dag/dagRuns/{run_id}")
                made.append(existing["dag_run_id"])
        return made

    try:
        with ThreadPoolExecutor(threads) as pool:
            answered = [run_id for made in pool.map(trigger, chunks) for run_id in made]
        assert sorted(answered) == run_ids  # every trigger answered with its own run

        def runs() -> list[dict]:
            return [r for r in af.items("/dags/dependent_dag/dagRuns") if r["dag_run_id"].startswith(batch)]

        wait_until(lambda: Counter(r["state"] for r in runs()), timeout, f"the {total} runs of the burst to finish",
                   until=lambda states: set(states) <= {"success", "failed"}, step=2)
        ours = runs()
        states = [r["state"] for r in ours]
        assert sorted(r["dag_run_id"] for r in ours) == run_ids  # none lost, none twice
        assert all(r["conf"] == {"batch": batch} for r in ours)
        assert states.count("success") == total, {s: states.count(s) for s in set(states)}
        assert stack.dead_components() == []  # nothing gave up on a locked database
    finally:
        for run_id in run_ids:
            try:
                af.delete(f"/dags/dependent_dag/dagRuns/{run_id}")
            except Exception:  # not created, or already gone
                pass


@pytest.mark.airflow3
def test_burst_of_100_triggers_from_10_threads(stack, af):
    burst(stack, af, total=100, threads=10, timeout=420)


@pytest.mark.airflow2  # SequentialExecutor: one task at a time (about 3 s each), so a smaller burst
def test_burst_of_20_triggers_from_10_threads(stack, af):
    burst(stack, af, total=20, threads=10, timeout=420)


# --- the middleware (plugins/one_writer.py), without a server -------------------------------------
def one_writer():
    import importlib.util

    from stacks.paths import REPO
    spec = importlib.util.spec_from_file_location("one_writer", REPO / "plugins" / "one_writer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def most_at_once(method: str, path: str, count: int = 5) -> int:
    """How many of `count` concurrent requests the middleware lets into the app at the same time."""
    inside, most = 0, 0

    async def app(scope, receive, send):
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= 1

    async def main():
        middleware = one_writer().OneWriterAtATime(app)
        scope = {"type": "http", "method": method, "path": path}
        await asyncio.gather(*(middleware(scope, None, None) for _ in range(count)))

    asyncio.run(main())
    return most


@pytest.mark.airflow3
def test_changing_api_requests_go_one_at_a_time():
    assert most_at_once("POST", "/api/v2/dags/dependent_dag/dagRuns") == 1
    assert most_at_once("PATCH", "/execution/task-instances/x/state") == 1
    assert most_at_once("DELETE", "/api/v2/variables/x") == 1


@pytest.mark.airflow3
def test_reads_and_other_paths_are_not_held_back():
    assert most_at_once("GET", "/api/v2/dags") == 5
    # the SQL runner page calls the REST API itself while its own POST is in flight
    assert most_at_once("POST", "/sql-runner/run") == 5


@pytest.mark.airflow3
def test_the_stack_loads_the_middleware(stack, af):
    names = {p["name"] for p in af.get("/plugins")["plugins"]}
    assert "one_writer" in names

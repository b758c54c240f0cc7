"""Issue 9, load: a burst of triggers from concurrent threads, each thread with a client of its own (a
requests.Session is not meant to be shared between threads): every trigger answered at once with its
own run, every run recorded once and finished with success; none lost, none duplicated.

On Airflow 3 with SQLite this needs plugins/one_writer.py (one changing API request at a time): without
it, ten concurrent triggers deadlock the api-server's event loop on SQLite's write lock, triggers fail
with a 500 and the scheduler exits. The unit tests below check the middleware itself."""
from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from apikit.client import Airflow, AirflowTimeout


def burst(stack, af, total: int, threads: int, timeout: float) -> None:
    batch = f"rel9_load_{uuid.uuid4().hex[:6]}"
    run_ids = [f"{batch}_{i:03d}" for i in range(total)]
    chunks = [run_ids[i::threads] for i in range(threads)]

    def trigger(chunk: list[str]) -> list[str]:
        """A trigger that times out is sent again with the same run id (safe: a 409 on the repeat means
        the first attempt got through). Any other error fails the test: a 500 is not retried."""
        client = Airflow(stack.url, "admin", "admin", verbose=False, timeout=120)
        made = []
        for run_id in chunk:
            body = {"dag_run_id": run_id, "conf": {"batch": batch}}
            if client.major >= 3:
                body["logical_date"] = None
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

        deadline = time.monotonic() + timeout
        while True:
            ours = [r for r in af.items("/dags/dependent_dag/dagRuns") if r["dag_run_id"].startswith(batch)]
            states = [r["state"] for r in ours]
            if all(s in ("success", "failed") for s in states) or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert sorted(r["dag_run_id"] for r in ours) == run_ids  # none lost, none twice
        assert all(r["conf"] == {"batch": batch} for r in ours)
        assert states.count("success") == total, {s: states.count(s) for s in set(states)}
        assert stack.dead_component() is None  # nothing gave up on a locked database
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
    from apikit.stack import REPO
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

"""The stack: 127.0.0.1 only, harmless to start twice (one after the other or at once), ready for a first
trigger when its start returns, clear about a busy port, clean to stop; it signals only its own processes,
also after a change of the clock, names a component that dies, and recovers from a crash."""
import ast
import contextlib
import gc
import inspect
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from contextlib import closing
from datetime import datetime
from pathlib import Path

import psutil
import pytest
import requests

from apikit.client import Airflow, AirflowAPIError
from bench import bench  # bench/bench.py
from conftest import MAJOR, STACK_KINDS, free_port, fresh_stack
from helpers import delete_runs, trigger, wait_for_dags, wait_until
from stacks import processes, zygote
from stacks.paths import REPO, TEST_HOME
from stacks.stack import Stack, StackError, dags_in, local_stack, macos_fork_safety

# The kinds of stack: the session's (Airflow 3 or 2) and, on Airflow 3, the FAB auth manager's
AUTHS = ["on", "fab"] if MAJOR == "3" else ["on"]


@pytest.fixture(params=STACK_KINDS)
def any_stack(request):
    """Each kind of stack the kit starts, for what every one of them must do."""
    return request.getfixturevalue(request.param)


def test_listens_on_loopback_only(any_stack):
    stack = any_stack
    procs = stack.processes()
    assert len(procs) >= len(stack.components())
    listening = []
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):  # one that has exited since (a DAG file's parsing)
            listening += [c.laddr for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening, "the stack listens nowhere?"
    assert {addr.ip for addr in listening} == {"127.0.0.1"}, listening
    assert stack.port in {addr.port for addr in listening}


# --- task processes: on 127.0.0.1 only, at most four at once -----------------------------------------
HOLD_DAG = "kit_test_hold"  # bench/bench.py's DAG: its first task holds for the conf's `hold` seconds


@pytest.fixture(scope="module")
def hold(stack, af):
    """Triggers a run of HOLD_DAG, written into the test stack's dags/, whose first task holds for `seconds`;
    the run's id. The runs and the DAG are deleted when the module's tests have run."""
    dag_file = bench.write_dag(stack.project / "dags", HOLD_DAG)
    wait_for_dags(af, {HOLD_DAG})
    run_ids = []

    def run(seconds: float) -> str:
        run_ids.append(trigger(af, HOLD_DAG, {"hold": seconds}))
        return run_ids[-1]

    yield run
    delete_runs(af, run_ids, HOLD_DAG)
    dag_file.unlink()
    try:
        af.delete(f"/dags/{HOLD_DAG}")
    except AirflowAPIError as exc:
        assert exc.status == 404, exc


def task_instances(af, run_ids: list[str]) -> list[dict]:
    return [ti for run_id in run_ids for ti in af.items(f"/dags/{HOLD_DAG}/dagRuns/{run_id}/taskInstances")]


def test_listens_on_loopback_only_during_dag_runs(stack, af, hold):
    """Every process of the stack, task processes included, listens on 127.0.0.1 only. Two runs hold their
    first task for 3 s: the scan must have seen those tasks' processes (their pids, as the API records them)."""
    before = {p.pid for p in stack.processes()}
    run_ids = [hold(3) for _ in range(2)]
    listening, seen = set(), {}

    def scan() -> set[str]:
        """Every process of the stack now (what it listens on, which are new); the runs' states."""
        for p in stack.processes():
            try:
                if p.pid not in before:
                    seen.setdefault(p.pid, " ".join(p.cmdline())[:100])
                listening.update((c.laddr.ip, c.laddr.port) for c in p.net_connections(kind="inet")
                                 if c.status == psutil.CONN_LISTEN)
            except psutil.Error:  # it exited between the listing and the question
                pass
        return {af.get(f"/dags/{HOLD_DAG}/dagRuns/{r}")["state"] for r in run_ids}

    states = wait_until(scan, 150, "the two runs to finish while their processes are scanned (their states)",
                        until=lambda seen_states: seen_states <= {"success", "failed"}, step=0.1)
    assert states == {"success"}, states
    task_pids = [ti["pid"] for ti in task_instances(af, run_ids) if ti["task_id"] == "first"]
    assert len(task_pids) == 2 and all(pid in seen for pid in task_pids), (task_pids, seen)  # the scan saw them
    assert listening and {ip for ip, _ in listening} == {"127.0.0.1"}, (listening, seen)


def most_at_once(spans: list[tuple[str, str]]) -> int:
    """How many of these (start, end) times overlap at the most; one that ends as another starts does not."""
    changes = sorted([(datetime.fromisoformat(start), 1) for start, _ in spans] +
                     [(datetime.fromisoformat(end), -1) for _, end in spans])
    running = most = 0
    for _, change in changes:
        running += change
        most = max(most, running)
    return most


def test_most_at_once_counts_overlapping_spans():
    def at(second: int) -> str:
        return f"2024-01-01T00:00:0{second}Z"

    assert most_at_once([(at(0), at(5)), (at(1), at(2)), (at(1), at(3))]) == 3
    assert most_at_once([(at(0), at(5)), (at(5), at(6)), (at(5), at(6))]) == 2  # one ended as two started


@pytest.mark.airflow3  # Airflow 2.11 runs one task at a time (SQLite allows no more)
def test_at_most_four_tasks_run_at_once(af, hold):
    """Four task slots ([core] parallelism 4; Airflow's default of 32 starts as many worker processes, 1.1 GB):
    six runs whose first task holds for 6 s would all run at once with more slots. Counted from the start
    and end times Airflow recorded for each task instance: at most four ran at the same time, and more
    than one did (the LocalExecutor runs tasks side by side)."""
    run_ids = [hold(6) for _ in range(6)]
    for run_id in run_ids:
        assert af.wait_for_run(HOLD_DAG, run_id, timeout=300, progress=False)["state"] == "success"
    spans = [(ti["start_date"], ti["end_date"]) for ti in task_instances(af, run_ids)]
    assert len(spans) == 12
    most = most_at_once(spans)
    assert 2 <= most <= 4, f"{most} at once: {sorted(spans)}"


@pytest.mark.airflow2  # Airflow 3 runs tasks on the LocalExecutor
def test_airflow_2_runs_each_task_in_a_fork_of_the_scheduler(stack, af):
    """One task at a time, as SQLite needs, but no new Python per task (plugins/forking_sequential_executor.py)."""
    run_id = trigger(af, "dependent_dag")
    try:
        assert af.wait_for_run("dependent_dag", run_id, progress=False)["state"] == "success"
        log = (stack.logs / "scheduler.log").read_text()
        assert f"Executing command in a fork: ['airflow', 'tasks', 'run', 'dependent_dag', 'report', '{run_id}'" in log
    finally:
        delete_runs(af, [run_id])


def test_start_twice_is_harmless(stack, capsys):
    recorded = stack.statefile.read_text()
    Stack(stack.major, home=stack.home, port=stack.port, project=stack.project).start()
    assert "already running" in capsys.readouterr().out
    assert stack.statefile.read_text() == recorded and stack.healthy()


def marks_of(home) -> set[str]:
    """The marks of the starts whose processes run in `home` (one start: one mark)."""
    found = set()
    for p in psutil.process_iter(["environ", "status"]):
        env = p.info["environ"] or {}
        if env.get("AIRFLOW_HOME") == str(home) and p.info["status"] != psutil.STATUS_ZOMBIE:
            found.add(env.get(processes.MARK))
    return found


@pytest.mark.live
def test_two_starts_at_once_make_one_stack(capsys):
    """Two `make airflow` at the same time on one home: the second waits for the first to finish, then
    finds the stack running. One set of components, and neither start fails."""
    first = fresh_stack("twice")
    second = Stack(first.major, home=first.home, port=first.port, project=first.project,
                   templates=first.templates)
    failures = []

    def start(stack):
        try:
            stack.start()
        except Exception as exc:  # whatever it is, the test names it
            failures.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in (first, second)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        out = capsys.readouterr().out
        assert failures == [], failures
        assert out.count(" is ready at ") == 1 and out.count(" is already running at ") == 1, out
        assert f"Waiting for another start (or stop, or reset) of Airflow {first.major} in {first.home}" in out
        assert len(marks_of(first.home)) == 1 and first.dead_components() == [] and first.healthy()
    finally:
        first.stop(quiet=True)


def test_the_dag_ids_are_read_from_the_files_without_running_them(tmp_path):
    """What the start waits for: the DAG ids each file of dags/ defines as it is written; a file that is not
    Python gets None (Airflow names it in an import error); what only a run of the file could tell (a DAG
    under an `if`, an id computed) is left out, and so is a file Airflow itself skips."""
    (tmp_path / "classic.py").write_text("from airflow import DAG\nwith DAG('one'):\n    pass\nDAG(dag_id='two')\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "decorated.py").write_text(
        "from airflow.sdk import dag\n\n@dag\ndef three(): ...\n\n@dag(schedule=None)\ndef four(): ...\n\n"
        "@dag(dag_id='five')\ndef named_otherwise(): ...\n\nif NEW_AIRFLOW:\n    @dag\n    def six(): ...\n")
    (tmp_path / "computed.py").write_text("from airflow import DAG\nfor n in range(3):\n    DAG(f'dag_{n}')\n")
    (tmp_path / "broken.py").write_text("from airflow import DAG\nDAG('seven'\n")
    (tmp_path / "helper.py").write_text("def dag_id(name): return name (\n")  # no "airflow": never read
    assert dags_in(tmp_path) == {"broken.py": None, "classic.py": {"one", "two"},
                                 "sub/decorated.py": {"three", "four", "five"}}
    assert set().union(*dags_in(REPO / "dags").values()) >= {"api_dag", "dependent_dag", "random_failures"}


BROKEN = {  # files a learner could leave in dags/: Airflow cannot load either
    "kit_test_syntax_error.py": "from airflow import DAG\n\nDAG('kit_test_syntax_error'\n",
    "kit_test_missing_module.py": "import no_such_module\nfrom airflow import DAG\n\nDAG('kit_test_missing_module')\n",
}


@pytest.mark.live
def test_a_start_returns_once_the_dags_are_listed(capsys):
    """A learner's first trigger right after `make airflow` finds its DAG: the start returns when the API
    lists every DAG of dags/, and names each file Airflow could not load, with the DAG missing and the
    error. A later start, the files mended, names nothing: Airflow's record of the errors is old."""
    stack = fresh_stack("dags-listed")
    for name, text in BROKEN.items():
        (stack.project / "dags" / name).write_text(text)
    try:
        stack.start()
        listed = {d["dag_id"] for d in Airflow(stack.url, "admin", "admin", verbose=False).items("/dags")}
        out = capsys.readouterr().out
        expected = {dag_id for ids in dags_in(REPO / "dags").values() for dag_id in ids}
        assert len(expected) >= 10 and expected <= listed, expected - listed
        assert f"The DAG file {stack.project / 'dags' / 'kit_test_syntax_error.py'} could not be loaded." in out
        assert f"{stack.project / 'dags' / 'kit_test_missing_module.py'} could not be loaded, so " \
               f"kit_test_missing_module is not listed." in out
        assert "SyntaxError" in out and "No module named 'no_such_module'" in out, out  # Airflow's own words
        stack.stop(quiet=True)
        for name in BROKEN:
            (stack.project / "dags" / name).unlink()
        stack.start()
        assert "could not be loaded" not in capsys.readouterr().out
    finally:
        stack.stop(quiet=True)


def test_local_stack_is_the_running_stack_that_serves_a_url(stack, tmp_path, monkeypatch):
    """Notebook 63 reads the access log of the stack it talks to: the running stack whose record names the
    port of its URL, and no other (a stopped stack's record, another port, another machine)."""
    assert local_stack(stack.url).logs == stack.logs
    assert local_stack(f"http://localhost:{stack.port}/").home == stack.home
    assert local_stack(f"http://127.0.0.1:{free_port()}") is None
    assert local_stack(f"http://airflow.example.com:{stack.port}") is None
    port = free_port()  # a record left by a stack that is gone (a crash, a reboot)
    (tmp_path / "airflow3").mkdir()
    (tmp_path / "airflow3" / "stack.json").write_text(json.dumps(
        {"mark": uuid.uuid4().hex, "port": port, "airflow": stack.version, "components": {}}))
    monkeypatch.setattr("stacks.stack.KIT_HOME", tmp_path)
    assert local_stack(f"http://127.0.0.1:{port}") is None


def test_fab_is_airflow_3_only_and_says_how_to_start_it(tmp_path):
    """`make airflow AUTH=fab AIRFLOW=2`: an error that says what to do, and nothing made."""
    done = subprocess.run(["make", "-s", "airflow", "AUTH=fab", "AIRFLOW=2", f"KIT_HOME={tmp_path}"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "AUTH=fab is Airflow 3 only" in done.stderr, done.stdout + done.stderr
    assert "run `make airflow AUTH=fab` without AIRFLOW=2" in done.stderr
    assert not (tmp_path / "airflow2-fab").exists() and not (tmp_path / "airflow2").exists()


def test_busy_port_gets_a_clear_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(StackError, match=f"(?s)Port {port} .* in use.*AIRFLOW_PORT="):
            Stack(home=tmp_path / "home", port=port).start()  # the port check comes first


def test_every_component_carries_the_mark_of_its_start(any_stack):
    stack = any_stack
    state = json.loads(stack.statefile.read_text())
    assert set(state["components"]) == set(stack.components())
    for name, rec in state["components"].items():
        p = processes.alive(rec, state["mark"])
        assert p is not None, f"{name} is not running"
        assert p.environ()[processes.MARK] == state["mark"]
        assert os.getpgid(p.pid) == p.pid  # a process group of its own: stopping it reaches its children


def test_the_components_are_forks_of_one_parent_that_imported_airflow(stack):
    """Airflow is imported once per start, by the zygote (stacks/zygote.py); each component is a fork of it,
    which `ps` shows as the Airflow command it runs, not as the zygote. Once they are forked, the zygote
    is a small Python that only reaps them: it holds no copy of Airflow beside theirs."""
    state = json.loads(stack.statefile.read_text())
    zygote = processes.alive(state["zygote"], state["mark"])
    assert zygote is not None and zygote.cmdline()[-3:-1] == [str(REPO / "stacks" / "zygote.py"), "--reap"], state
    assert zygote.memory_info().rss < 50e6, f"the reaper holds {zygote.memory_info().rss / 1e6:.0f} MB"
    for name, rec in state["components"].items():
        p = processes.alive(rec, state["mark"])
        assert p.ppid() == zygote.pid, f"{name} is not a fork of the zygote"
        assert p.cmdline()[0].startswith("airflow ") or p.cmdline()[0] == "airflow", (name, p.cmdline())


@pytest.mark.airflow3  # Airflow 3's LocalExecutor, in this venv
def test_the_schedulers_task_workers_leave_the_zygotes_objects_frozen(monkeypatch):
    """LocalExecutor forks its workers between gc.freeze() and gc.unfreeze(); with the zygote's
    keep_frozen() nothing is unfrozen after the forks (the zygote's objects stay out of the collector's
    reach in the scheduler, and their pages shared)."""
    from airflow.executors.local_executor import LocalExecutor

    airflows = inspect.getsource(LocalExecutor._spawn_workers_with_gc_freeze)
    assert airflows.index("gc.freeze()") < airflows.index("self._spawn_worker()") < airflows.index("gc.unfreeze()"), \
        "Airflow's LocalExecutor forks its workers differently now: see stacks/zygote.py, keep_frozen()"
    monkeypatch.setattr(LocalExecutor, "_spawn_workers_with_gc_freeze", LocalExecutor._spawn_workers_with_gc_freeze)
    zygote.keep_frozen()
    executor, frozen_at_fork = LocalExecutor.__new__(LocalExecutor), []
    executor._spawn_worker = lambda: frozen_at_fork.append(gc.get_freeze_count())
    gc.freeze()  # as the zygote does before it forks the scheduler
    try:
        executor._spawn_workers_with_gc_freeze(2)
        assert len(frozen_at_fork) == 2 and frozen_at_fork[0] > 0
        assert gc.get_freeze_count() >= frozen_at_fork[-1], "the workers' fork unfroze the zygote's objects"
    finally:
        gc.unfreeze()


@pytest.mark.airflow3  # Airflow 3's modules, in this venv
def test_the_zygote_shares_modules_this_airflow_has():
    """stacks/zygote.py imports SHARED before its forks and passes over a module this Airflow lacks (2.11
    lacks Airflow 3's): on Airflow 3 each one is there, or its pages would be one copy per component again."""
    import importlib.util

    assert [name for name in zygote.SHARED if importlib.util.find_spec(name) is None] == []


@pytest.mark.airflow3  # Airflow 3 in this process
def test_airflow_imported_by_a_test_keeps_its_files_in_the_test_home():
    """A test that imports Airflow here (the two above and below) leaves nothing in ~/airflow."""
    from airflow import configuration

    assert Path(configuration.AIRFLOW_HOME).resolve().is_relative_to(TEST_HOME), configuration.AIRFLOW_HOME


@pytest.mark.airflow3  # Airflow 3's task execution API (Cadwyn), in this venv
@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")  # svcs imports it, for Airflow
def test_the_execution_api_builds_its_newest_version_first_and_every_version_as_cadwyn_does(monkeypatch):
    """stacks/zygote.py's newest_version_first(): the API's first request builds the newest version's
    routes only; the first request for an older version (by its header, or for its OpenAPI document)
    builds every version. Then each version's OpenAPI document is the one Cadwyn builds in one go."""
    import asyncio

    import httpx
    from airflow.api_fastapi.execution_api.app import create_task_execution_api_app
    from cadwyn import Cadwyn
    from cadwyn.routing import _RootCadwynAPIRouter

    def get(app, path: str, **kwargs) -> httpx.Response:
        async def call():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
                return await client.get(path, **kwargs)
        return asyncio.run(call())

    def documents(app) -> dict:
        return {v: get(app, "/openapi.json", params={"version": v}).json() for v in app.router.versioned_routers}

    def built(app) -> list[str]:
        return [v for v, router in app.router.versioned_routers.items() if router.routes]

    cadwyns = documents(create_task_execution_api_app())
    newest, *older = cadwyns
    assert len(older) >= 8 and all(d["paths"] for d in cadwyns.values())
    for owner, name in [(Cadwyn, "_cadwyn_initialize"), (Cadwyn, "openapi_jsons"), (_RootCadwynAPIRouter, "__call__")]:
        monkeypatch.setattr(owner, name, getattr(owner, name))  # put back after the test
    zygote.newest_version_first()
    for older_version_asked in ({"path": "/openapi.json", "params": {"version": older[-1]}},
                                {"path": "/health", "headers": {"Airflow-API-Version": older[0]}}):
        app = create_task_execution_api_app()
        assert get(app, "/openapi.json", params={"version": newest}).json() == cadwyns[newest]
        assert built(app) == [newest]
        assert get(app, **older_version_asked).status_code == 200
        assert built(app) == [newest, *older], older_version_asked
    assert documents(app) == cadwyns


@pytest.mark.airflow3  # Airflow 3's in-process execution API, in this venv
@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")  # svcs imports it, for Airflow
def test_the_in_process_execution_api_is_built_at_its_first_request(monkeypatch):
    """stacks/zygote.py's in_process_api_at_first_call(): the execution API that the dag-processor makes
    for its parsers builds its app at the first request, not when a client is made, and answers it;
    Airflow makes that API in the function that needs it, by the module's name."""
    import httpx
    from airflow.api_fastapi.execution_api import app as execution_api
    from airflow.dag_processing import manager

    maker = inspect.getsource(manager._make_execution_api)
    assert "from airflow.api_fastapi.execution_api.app import InProcessExecutionAPI" in maker, maker
    monkeypatch.setattr(execution_api, "InProcessExecutionAPI", execution_api.InProcessExecutionAPI)
    built, create = [], execution_api.create_task_execution_api_app
    monkeypatch.setattr(execution_api, "create_task_execution_api_app", lambda **kw: built.append(1) or create(**kw))
    zygote.in_process_api_at_first_call()
    with httpx.Client(transport=manager._make_execution_api().transport, base_url="http://in-process.invalid./") as api:
        assert built == [], "the app was built before any request"
        assert api.get("/health").json() == {"status": "healthy"} and built == [1]
        assert api.get("/health").is_success and built == [1]


# --- the kit's user, where it is in the database ----------------------------------------------------
@pytest.mark.live
@pytest.mark.parametrize("kind", ["fab_stack"] if MAJOR == "3" else ["stack"])
def test_the_kits_user_has_a_password_cheap_to_check(kind, request):
    """On 2.x (and on the FAB stack) the kit's user is in the database; every Basic-auth call checks its
    password there: stored with 1,000 PBKDF2 rounds (PASSWORD_HASH), not werkzeug's default scrypt."""
    stack = request.getfixturevalue(kind)
    with closing(sqlite3.connect(f"file:{stack.home / 'airflow.db'}?mode=ro", uri=True)) as db:
        stored = db.execute("SELECT password FROM ab_user WHERE username = ?", (stack.username,)).fetchone()[0]
    assert stored.startswith("pbkdf2:sha256:1000$"), stored.split("$")[0]
    if kind == "fab_stack":  # signs in with it
        signed_in = requests.post(f"{stack.url}/auth/token", timeout=30,
                                  json={"username": stack.username, "password": stack.password})
    else:
        signed_in = requests.get(f"{stack.url}/api/v1/dags", auth=(stack.username, stack.password), timeout=30)
    assert signed_in.ok, signed_in.text


# --- the scheduler's idle sleep -------------------------------------------------------------------
@pytest.mark.airflow3  # plain Python and SQLite: once is enough
def test_the_schedulers_idle_sleep_ends_when_the_database_changes(tmp_path):
    """stacks/zygote.py's waking sleep: the time given while nothing changes, short (AGAIN) when the
    database changed since the last sleep ended (what the scheduler's loop wrote), over as soon as it
    changes, and at the latest just after the clock's next whole second (SQLite's clock)."""
    database = tmp_path / "airflow.db"

    def commit():
        with closing(sqlite3.connect(database, isolation_level=None)) as db:
            db.execute("INSERT INTO dag_run VALUES (1)")

    def took(seconds: float) -> float:
        began = time.monotonic()
        sleep(seconds)
        return time.monotonic() - began

    def after_a_whole_second():  # the next one is a second away
        time.sleep(1.03 - time.time() % 1)

    with closing(sqlite3.connect(database, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")  # as Airflow's SQLite database
        db.execute("CREATE TABLE dag_run (id INTEGER)")
    sleep = zygote.waking_sleep(str(database))
    after_a_whole_second()
    commit()  # between two sleeps: what the loop wrote
    assert took(20) < 0.6, "a change made before the sleep began did not shorten it"
    assert took(0.3) >= 0.3, "the same change shortened the next sleep too"
    after_a_whole_second()
    threading.Timer(0.3, commit).start()
    assert took(20) < 0.8, "the sleep went on after a commit"
    assert took(20) < 10, "the sleep went on past the clock's next whole second"


def test_the_scheduler_sleeps_where_the_zygote_wakes_it():
    """The waking sleep replaces `time` in Airflow's scheduler module: there, `time` must be the module
    imported whole and its one use the idle sleep of the scheduler's loop. An Airflow that sleeps
    elsewhere, or otherwise, would leave the scheduler sleeping as stock, or waking too early."""
    source = Stack(MAJOR).venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
        "site-packages" / "airflow" / "jobs" / "scheduler_job_runner.py"
    tree = ast.parse(source.read_text())
    imports = [n for n in tree.body if isinstance(n, ast.Import) and any(a.name == "time" for a in n.names)]
    assert [a.asname for n in imports for a in n.names if a.name == "time"] == [None], source
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            and n.value.id == "time"]
    assert [u.attr for u in uses] == ["sleep"], f"{source} uses time.{[u.attr for u in uses]}"
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.func is uses[0])
    assert "_scheduler_idle_sleep_time" in ast.unparse(call), ast.unparse(call)


def test_the_stacks_scheduler_wakes_on_commit(any_stack):
    """Each kind of stack's scheduler sleeps the waking sleep (it says so in its log)."""
    log = (any_stack.logs / "scheduler.log").read_text()
    assert "The scheduler's idle sleep ends when the database changes" in log


# --- never a process the kit did not start -------------------------------------------------------
def make(*args, home, port, auth="on"):
    """`make ARGS` with the stacks' homes in `home` and the ports given: never the user's own stack."""
    return subprocess.run(["make", "-s", *args, f"KIT_HOME={home}", f"AIRFLOW_PORT={port}",
                           f"AIRFLOW2_PORT={port}", f"AIRFLOW_FAB_PORT={port}", f"AIRFLOW={MAJOR}",
                           f"AIRFLOW_AUTH={auth}"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_a_record_naming_a_foreign_process_group_signals_nothing(tmp_path):
    """After a reboot, or once numbers are reused, a record names somebody else's processes: here a
    `sleep` in a session of its own. make down and make airflow (with each AUTH) remove the record and
    leave it be; make status only reads: it says each stack is stopped and leaves the records to them."""
    other = subprocess.Popen(["sleep", "300"], start_new_session=True)
    stacks = {auth: Stack(MAJOR, home=tmp_path / "home", auth=auth) for auth in AUTHS}  # their names
    records = {auth: tmp_path / f"airflow{MAJOR}{'-fab' if auth == 'fab' else ''}" / "stack.json" for auth in AUTHS}
    try:
        started = psutil.Process(other.pid).create_time()

        def write_records():
            for name in ("airflow3", "airflow2", "airflow3-fab"):
                home = tmp_path / name
                home.mkdir(exist_ok=True)
                (home / "stack.json").write_text(json.dumps({  # the same number, another process
                    "mark": "a-start-before-the-reboot",
                    "components": {"scheduler": {"pid": other.pid, "started": started - 3600}}}))
            (tmp_path / "jupyter.json").write_text(json.dumps(
                {"mark": "a-start-before-the-reboot", "pid": other.pid, "started": started - 3600}))

        with socket.socket() as busy:  # `make airflow` gets as far as the port check, no further
            busy.bind(("127.0.0.1", 0))  # bound, not listening: a connection is refused at once
            port = busy.getsockname()[1]
            for args, auth in [(["down"], "on"), (["status"], "on"), *((["airflow"], auth) for auth in AUTHS)]:
                write_records()
                done = make(*args, home=tmp_path, port=port, auth=auth)
                said = done.stdout + done.stderr
                assert other.poll() is None, f"make {args[0]} AUTH={auth} signalled a process it did not start"
                if args == ["status"]:
                    for each in AUTHS:
                        assert f"{stacks[each].title}: stopped" in done.stdout and records[each].exists(), said
                else:
                    assert "Nothing was signalled" in said, said
                    assert not any(records[each].exists() for each in (AUTHS if args == ["down"] else [auth])), said
                    if args == ["airflow"]:
                        assert "in use" in done.stderr, said  # it stopped at the busy port, as it should
    finally:
        other.kill()
        other.wait()


# --- a change of the system clock ------------------------------------------------------------------
def test_a_clock_change_does_not_make_a_running_stack_look_broken(stack):
    """psutil computes a process's start time from the system clock: once the clock is set (by hand, or
    stepped by NTP), it reads seconds away from what the start recorded. The mark decides, not the time."""
    recorded = stack.statefile.read_text()
    moved = json.loads(recorded)
    for rec in moved["components"].values():
        rec["started"] -= 3
    stack.statefile.write_text(json.dumps(moved))
    try:
        assert stack.dead_components() == []
        assert stack.status() == f"running: Airflow {stack.version} at {stack.url}"
    finally:
        stack.statefile.write_text(recorded)


def test_where_the_environment_cannot_be_read_the_start_time_decides(tmp_path, monkeypatch):
    """Where a process's environment cannot be read (another OS's rules), a recorded pid counts if its
    start time is the recorded one, give or take seconds: 3 s off (a clock change) is ours and stopped,
    an hour off is somebody else's process (the number reused) and never signalled."""
    mark = processes.new_mark()
    ours = processes.spawn(["sleep", "300"], dict(os.environ), tmp_path / "sleep.log", mark)
    other = subprocess.Popen(["sleep", "300"], start_new_session=True)
    moved = [{"pid": p.pid, "started": psutil.Process(p.pid).create_time() + by}
             for p, by in ((ours, -3), (other, -3600))]

    def unreadable(process):
        raise psutil.AccessDenied(process.pid)

    monkeypatch.setattr(psutil.Process, "environ", unreadable)
    try:
        assert [p.pid for p in processes.ours(mark, moved)] == [ours.pid]
        assert processes.stop(mark, moved, grace=5) == 1
        assert not psutil.pid_exists(ours.pid) and other.poll() is None
    finally:
        for proc in (ours, other):
            proc.kill()
            proc.wait()


# --- a component that dies --------------------------------------------------------------------------
class Crashing(Stack):
    """A stack whose dag-processor (2.x: webserver) exits at once: an option it does not know."""

    def components(self):
        found = super().components()
        crashing = "dag-processor" if self.major == "3" else "webserver"
        found[crashing] = [*found[crashing], "--no-such-option"]
        return found


@pytest.mark.live
@pytest.mark.parametrize("auth", AUTHS)
def test_a_component_that_exits_at_start_up_ends_the_start_with_its_name(auth):
    """The start ends with the name of the component that exited, its exit code and the end of its log,
    and stops the rest: not with a time-out that names nothing. The time-out given is far longer than a
    start takes, so only the start's check for exited components can end it with this message."""
    plain = fresh_stack(f"crash-at-start-{auth}", auth=auth)
    stack = Crashing(plain.major, home=plain.home, port=plain.port, project=plain.project,
                     templates=plain.templates, auth=auth)
    crashing = "dag-processor" if stack.major == "3" else "webserver"
    with pytest.raises(StackError) as err:
        stack.start(timeout=600)
    message = str(err.value)
    assert f"Airflow's {crashing} exited during start-up (exit code 2)" in message, message
    assert "unrecognized arguments: --no-such-option" in message  # the end of its log
    assert "not healthy after" not in message, message
    assert stack.processes() == [] and not stack.statefile.exists()


class Hanging(Stack):
    """A stack whose zygote never forks: a marked `sleep` in its place."""

    def spawn_components(self, env):
        return processes.spawn(["sleep", "300"], env, self.logs / "zygote.log", self.mark)


@pytest.mark.live
def test_a_zygote_that_forks_nothing_ends_the_start_and_is_stopped():
    """A start whose zygote forks nothing in time ends as a start that times out, and leaves no process behind."""
    plain = fresh_stack("zygote-hangs")
    stack = Hanging(plain.major, home=plain.home, port=plain.port, project=plain.project, templates=plain.templates)
    with pytest.raises(StackError, match=r"not healthy after 3 s \(AIRFLOW_START_TIMEOUT\): its components were not"):
        stack.start(timeout=3)
    assert stack.zygote.poll() is not None and processes.marked(stack.mark) == []


REAPER = """
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: None)  # the zygote: it waits for its children
child = os.fork()
if child == 0:  # a component that outlasts its SIGTERM, in a session of its own
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    open(sys.argv[1] + ".pid", "w").write(str(os.getpid()))
    time.sleep(300)
    os._exit(0)
os.waitpid(child, 0)
open(sys.argv[1], "w").write("reaped")
"""


def test_a_stop_kills_the_zygote_only_after_it_has_reaped_the_rest(tmp_path):
    """A component that outlasts its SIGTERM gets a SIGKILL; the zygote gets none until it has had the time
    to reap it (else that component's CPU-seconds would be counted by nobody): here a stand-in of both."""
    mark, reaped = processes.new_mark(), tmp_path / "reaped"
    parent = processes.spawn([sys.executable, "-c", REAPER, str(reaped)], dict(os.environ),
                             tmp_path / "reaper.log", mark)
    try:
        pid = tmp_path / "reaped.pid"
        child = int(wait_until(lambda: pid.read_text() if pid.exists() else "", 30, step=0.1,
                               what="the stand-in to fork its component", until=str.isdigit))
        records = [processes.record(parent), processes.record(child)]
        assert processes.stop(mark, records, grace=1, reaper=records[0]) == 2
        assert reaped.exists(), "the zygote was killed before it reaped its component"
        assert processes.marked(mark) == [] and parent.poll() is not None
    finally:
        processes.stop(mark, grace=1)
        parent.poll()


# --- start-up cost ----------------------------------------------------------------------------------
def test_migrate_is_skipped_while_the_schema_is_current(stack):
    """`airflow db migrate` takes ~4 s even with nothing to do: a start skips it while the database is
    at the revision recorded after the last migrate (docs/benchmarks.md)."""
    log = stack.logs / "setup.log"
    size = log.stat().st_size if log.exists() else 0
    stack.migrate(stack.env())
    assert (log.stat().st_size if log.exists() else 0) == size, "db migrate ran again on a current database"
    recorded = json.loads((stack.home / "migrated.json").read_text())
    assert recorded == stack.schema() and recorded["revision"]


def test_a_new_home_copies_the_template_database(stack, tmp_path):
    """A test stack's new home starts from a database migrated once per Airflow version."""
    template = stack.template()
    assert template is not None and template.exists()
    new = Stack(stack.major, home=tmp_path / "home", port=free_port(), templates=stack.templates)
    new.logs.mkdir(parents=True)
    new.migrate(new.env())
    assert not (new.logs / "setup.log").exists(), "db migrate ran although a template was there"
    assert new.schema() == stack.schema()



def test_reset_brings_back_nothing_from_a_killed_stacks_journal(tmp_path, monkeypatch):
    """Airflow 3 runs SQLite with a write-ahead log: a stack killed under load leaves `airflow.db-wal`
    holding its last writes. `make reset` must not let SQLite replay them into the fresh database."""
    stack = Stack("3", home=tmp_path / "home", port=free_port(), templates=tmp_path / "templates")
    stack.templates.mkdir()
    stack.home.mkdir()
    with closing(sqlite3.connect(stack.template())) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE variable (key TEXT)")
        db.commit()
    database = stack.home / "airflow.db"
    shutil.copyfile(stack.template(), database)
    killed = ("import os, sqlite3, sys; db = sqlite3.connect(sys.argv[1]); "
              "db.execute(\"INSERT INTO variable VALUES ('theirs')\"); db.commit(); os._exit(9)")
    subprocess.run([sys.executable, "-c", killed, str(database)], check=False)
    assert (stack.home / "airflow.db-wal").exists(), "the killed writer left no journal: nothing to test"
    monkeypatch.setattr(stack, "start", lambda: stack.migrate({}))  # the database part of a start
    stack.reset()
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT key FROM variable").fetchall() == []


def test_a_stop_that_leaves_a_process_says_so_and_keeps_the_record(tmp_path, monkeypatch):
    """A process that outlives SIGKILL (stuck in the kernel) is named, and the record stays so that
    `make down` can find it again; the stack does not claim to be stopped."""
    stack = Stack(home=tmp_path / "home", port=free_port())
    stack.home.mkdir()
    mark = processes.new_mark()
    stuck = processes.spawn(["sleep", "300"], dict(os.environ), tmp_path / "sleep.log", mark)
    try:  # until its exec, the child has this process's environment, without the mark (seen on a busy machine)
        wait_until(lambda: processes.marked(mark), 30, what="the spawned sleep to carry its mark")
        stack.statefile.write_text(json.dumps({"mark": mark, "port": stack.port, "airflow": stack.version,
                                               "components": {"scheduler": processes.record(stuck)}}))
        monkeypatch.setattr(processes, "stop", lambda *args, **kwargs: 0)  # signals that do not work
        with pytest.raises(StackError) as err:
            stack.stop()
        assert f"pid {stuck.pid}" in str(err.value) and "did not stop" in str(err.value)
        assert stack.statefile.exists() and stuck.poll() is None
    finally:
        stuck.kill()
        stuck.wait()


# --- macOS ------------------------------------------------------------------------------------------
def test_macos_gets_the_fork_safety_settings(monkeypatch, tmp_path):
    """Checked here on Linux with the platform faked: the settings are Airflow's FAQ advice for macOS."""
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("no_proxy", "corp.example.com")
    env = Stack(home=tmp_path).env()
    assert env["OBJC_DISABLE_INITIALIZE_FORK_SAFETY"] == "YES"
    assert env["no_proxy"] == env["NO_PROXY"] == "corp.example.com,127.0.0.1,localhost"
    assert macos_fork_safety({})["no_proxy"] == "127.0.0.1,localhost"
    monkeypatch.setattr(sys, "platform", "linux")
    assert "OBJC_DISABLE_INITIALIZE_FORK_SAFETY" not in Stack(home=tmp_path).env()

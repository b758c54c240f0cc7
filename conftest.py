"""The test suite's own Airflow: started once for the whole run, in .airflow-test/ on a free port,
so it never touches the stack you started with `make up`; stopped at the end, pass or fail.

KIT_AIRFLOW picks the version (3, the default, or 2); `make test` runs the suite once for each.
Tests that only apply to one version carry the marker `airflow3` or `airflow2` and are left out of the
other version's run. notebooks/08_migration.ipynb needs both versions at once: it runs in the Airflow 3
run, with an Airflow 2 beside the session's stack (peer_stack)."""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import time
from pathlib import Path

import pytest

from apikit.stack import REPO, Stack

# KIT_TEST_HOME lets two test runs share a checkout without sharing a stack.
TEST_HOME = Path(os.environ.get("KIT_TEST_HOME") or REPO / ".airflow-test").resolve()
KIT_DAGS = {"api_dag", "dependent_dag", "random_failures"}
MAJOR = os.environ.get("KIT_AIRFLOW", "3")
MIGRATION = "08_migration.ipynb"  # talks to an Airflow 2 and an Airflow 3


def pytest_collection_modifyitems(config, items):
    other = {"3": "airflow2", "2": "airflow3"}[MAJOR]

    def left_out(item) -> bool:  # 08 already ran in the Airflow 3 run, against both versions
        return other in item.keywords or (MAJOR == "2" and MIGRATION in item.nodeid)

    config.hook.pytest_deselected(items=[item for item in items if left_out(item)])
    items[:] = [item for item in items if not left_out(item)]
    # tests/test_notebooks_again.py: each notebook runs again right after nbval's last cell of it.
    for again in [item for item in items if item.path.name == "test_notebooks_again.py"]:
        notebook = again.callspec.params["notebook"].name
        items.remove(again)
        cells = [i for i, item in enumerate(items) if item.path.name == notebook]
        items.insert(cells[-1] + 1 if cells else len(items), again)


def pytest_report_header(config):
    return f"Airflow {Stack(MAJOR).version} (KIT_AIRFLOW={MAJOR})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_stack(name: str, **kwargs) -> Stack:
    """A new stack with an empty home (a fresh database) on a free port; not started yet."""
    home = TEST_HOME / name
    kwargs.setdefault("major", MAJOR)
    Stack(kwargs["major"], home=home).stop(quiet=True)  # one left by an interrupted run
    shutil.rmtree(home, ignore_errors=True)
    return Stack(home=home, port=free_port(), **kwargs)


def wait_for_dags(af, dag_ids=KIT_DAGS, timeout=90) -> None:
    deadline = time.monotonic() + timeout
    while not dag_ids <= {d["dag_id"] for d in af.items("/dags")}:
        assert time.monotonic() < deadline, f"the DAGs {sorted(dag_ids)} were not listed in {timeout} s"
        time.sleep(1)


_stack: Stack | None = None
_peer: Stack | None = None


def stop_stacks() -> None:
    for stack in (_peer, _stack):
        if stack is not None:
            stack.stop(quiet=True)


def session_stack() -> Stack:
    """The session's stack, started on first use; AIRFLOW_URL etc. then point at it."""
    global _stack
    if _stack is None:
        _stack = fresh_stack(f"airflow{MAJOR}")
        atexit.register(stop_stacks)
        signal.signal(signal.SIGTERM, lambda *_: (stop_stacks(), os._exit(143)))
        _stack.start()
        os.environ.update(AIRFLOW_URL=_stack.url, AIRFLOW_USERNAME="admin", AIRFLOW_PASSWORD="admin")
        os.environ.pop("AIRFLOW_TOKEN", None)
        from apikit import Airflow
        wait_for_dags(Airflow(verbose=False))
    return _stack


def peer_stack() -> Stack:
    """The Airflow 2 beside the session's Airflow 3 for notebook 08, started on first use (only when
    08 runs); AIRFLOW2_URL then points at it. Stopped with the session's stack."""
    global _peer
    if _peer is None:
        _peer = fresh_stack("airflow2-peer", major="2")
        _peer.start()
        os.environ["AIRFLOW2_URL"] = _peer.url
        from apikit import Airflow
        wait_for_dags(Airflow(_peer.url, "admin", "admin", verbose=False))
    return _peer


def stack_state(af) -> dict:
    """What a notebook may create or change on the stack, by name (tests/test_notebooks_again.py)."""
    return {
        "variables": sorted(v["key"] for v in af.items("/variables")),
        "connections": sorted(c["connection_id"] for c in af.items("/connections")),
        "pools": sorted((p["name"], p["slots"]) for p in af.items("/pools")),
        "paused DAGs": sorted(d["dag_id"] for d in af.items("/dags") if d["is_paused"]),
        "DAG runs": sorted((r["dag_id"], r["dag_run_id"]) for r in af.items("/dags/~/dagRuns")),
    }


state_before_notebook: dict[str, dict] = {}  # notebook name -> stack_state before nbval's first cell


def pytest_runtest_setup(item):
    """Notebook cells (nbval) take no fixtures: start the stack for them too, never using yours."""
    session_stack()
    if item.path.suffix == ".ipynb" and item.name == "Cell 0":
        from apikit import Airflow
        state_before_notebook[item.path.name] = stack_state(Airflow(verbose=False))
    if MIGRATION in item.nodeid:
        peer_stack()


def pytest_sessionfinish(session):
    stop_stacks()


@pytest.fixture(scope="session")
def stack():
    return session_stack()


@pytest.fixture(scope="session")
def af(stack):
    from apikit import Airflow
    return Airflow(stack.url, "admin", "admin", verbose=False)


@pytest.fixture(scope="session")
def auth_off_stack():
    """A second Airflow 3 as the Astro CLI's local one runs: simple auth manager, everyone admin."""
    stack = fresh_stack("auth-off", major="3", auth="off")
    atexit.register(stack.stop, quiet=True)
    stack.start()
    yield stack
    stack.stop(quiet=True)

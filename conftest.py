"""The test suite's own Airflow stacks: each in a home of its own under .airflow-test/ (KIT_TEST_HOME),
on a free port, with its own copy of dags/, plugins/ and include/, so that a test never touches the
stack you started with `make up` nor the files of your checkout. Stopped at the end, pass or fail,
and on Ctrl-C or SIGTERM: with them every process the session started (kernels, newman, browsers).

KIT_AIRFLOW picks the version (3, the default, or 2); `make test` runs the suite once for each.
Tests that only apply to one version carry the marker `airflow3` or `airflow2` and are left out of the
other version's run. notebooks/90_migration.ipynb needs both versions at once: it runs in the Airflow 3
run, with an Airflow 2 beside the session's stack (peer_stack) while its cells run."""
from __future__ import annotations

import atexit
import functools
import json
import os
import random
import runpy
import shutil
import signal
import socket
import textwrap
from pathlib import Path

import pytest

from stacks import processes
from stacks.paths import REPO, TEST_HOME  # KIT_TEST_HOME: two test runs share a checkout, not a stack
from stacks.stack import Stack, StackError

TEMPLATES = TEST_HOME / "templates"  # migrated databases, one per Airflow version: kept between runs
AIRFLOW_3_ONLY = {path.name for path in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")  # said in the intro
                  if "**Airflow 3 only**" in "".join(json.loads(path.read_text())["cells"][0]["source"])}
MAJOR = os.environ.get("KIT_AIRFLOW", "3")
# `make test` runs each version's suite in three pytests at once (scripts/test.sh), each with stacks of its
# own: KIT_TEST_PART=lessons, the notebooks and tests/test_notebooks.py (what each lesson leaves behind,
# checked right after its last cell); KIT_TEST_PART=stacks, the tests of the kit's own machinery
# (STACK_TESTS: its stacks, sessions against them, the suite itself, the bench, the workshop);
# KIT_TEST_PART=tests, the other files of tests/ (the API, its clients, the Postman collection, the use cases)
PART = os.environ.get("KIT_TEST_PART", "")
PARTS = ("tests", "stacks", "lessons")
assert PART in ("", *PARTS), f"KIT_TEST_PART={PART!r}: leave it unset for the whole suite, or give one of {PARTS}"
OTHER = {"3": "2", "2": "3"}[MAJOR]
MIGRATION = "90_migration.ipynb"  # talks to an Airflow 2 and an Airflow 3
FAB_LESSON = "71_fab_auth_manager.ipynb"  # talks to the FAB stack (`make airflow AUTH=fab`)
# Every process this session starts carries its mark (nested sessions add theirs: a list of words).
SESSION_VARIABLE = "KIT_TEST_SESSIONS"
SESSION = processes.new_mark()
os.environ[SESSION_VARIABLE] = f"{os.environ.get(SESSION_VARIABLE, '')} {SESSION}".strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Every way the client, a notebook or a DAG finds an Airflow points at this session's stacks before any
# test runs: AIRFLOW_URL or the ports from your .env (which `make` exports) never reach a test, even when
# the session's stack fails to start.
PORTS = {MAJOR: free_port(), OTHER: free_port(), "fab": free_port()}  # the session's; 90's peer; FAB
os.environ.update({
    "AIRFLOW_FAB_PORT": str(PORTS["fab"]), "AIRFLOW_FAB_URL": f"http://127.0.0.1:{PORTS['fab']}",
    "AIRFLOW": MAJOR, "AIRFLOW_URL": f"http://127.0.0.1:{PORTS[MAJOR]}",
    "AIRFLOW2_URL": f"http://127.0.0.1:{PORTS['2']}",
    "AIRFLOW_PORT": str(PORTS["3"]), "AIRFLOW2_PORT": str(PORTS["2"]),
    "AIRFLOW_USERNAME": "admin", "AIRFLOW_PASSWORD": "admin", "AIRFLOW_AUTH": "on",
    # Airflow imported by a test in this process (the zygote's changes to it) keeps its files here, not in
    # ~/airflow; every stack has a home of its own (stacks/stack.py sets AIRFLOW_HOME for its processes)
    "AIRFLOW_HOME": str(TEST_HOME / "in-process")})
os.environ.pop("AIRFLOW_TOKEN", None)


# --- order and selection -----------------------------------------------------------------------
def params_of(item) -> dict:
    """A parametrized test's parameters by name ({} for a notebook cell or a test without parameters)."""
    return getattr(getattr(item, "callspec", None), "params", {})


def notebook_items(items) -> dict[str, list]:
    """The nbval items of each notebook, in order, by notebook file name."""
    found: dict[str, list] = {}
    for item in items:
        if item.path.suffix == ".ipynb":
            found.setdefault(item.path.name, []).append(item)
    return found


LESSON_TESTS = {"test_notebooks.py"}  # the lessons' part: the notebooks, and this
STACK_TESTS = {"test_stack.py", "test_sessions.py", "test_suite.py", "test_bench.py", "test_auth_off.py",
               "test_workshop.py"}  # the stacks' part


def part_of(item) -> str:
    """The part of the suite a test belongs to (KIT_TEST_PART): the lessons, the stacks, or the tests."""
    if item.path.suffix == ".ipynb" or item.path.name in LESSON_TESTS:
        return "lessons"
    return "stacks" if item.path.name in STACK_TESTS else "tests"


def pytest_collection_modifyitems(config, items):
    other = f"airflow{OTHER}"

    def left_out(item) -> bool:  # 90 already ran in the Airflow 3 run, against both versions
        return other in item.keywords or (MAJOR == "2" and MIGRATION in item.nodeid) or \
            (PART != "" and part_of(item) != PART)

    config.hook.pytest_deselected(items=[item for item in items if left_out(item)])
    items[:] = [item for item in items if not left_out(item)]
    if MAJOR == "2":  # notebooks that say "**Airflow 3 only**" at the top are skipped, visibly
        for item in items:
            name = item.path.name if item.path.suffix == ".ipynb" else params_of(item).get("notebook", Path()).name
            if name in AIRFLOW_3_ONLY:
                item.add_marker(pytest.mark.skip(reason=f"{name} is Airflow 3 only (it says so at the top)"))
    # tests/test_notebooks.py: each right after nbval's last cell of its notebook.
    for check in [item for item in items if item.path.name == "test_notebooks.py"
                  and "notebook" in params_of(item)]:
        notebook = check.callspec.params["notebook"].name
        items.remove(check)
        cells = notebook_items(items).get(notebook, [])
        items.insert(items.index(cells[-1]) + 1 if cells else len(items), check)
    for name, cells in notebook_items(items).items():
        FIRST_CELL[name], LAST_CELL[name] = cells[0].nodeid, cells[-1].nodeid
    global LAST_FAB_USE
    LAST_FAB_USE = last_fab_use(items)
    for item in items:  # `make check` leaves out what needs a running Airflow (marker: live)
        if item.path.suffix == ".ipynb" or {"stack", "fab_stack", "any_stack"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.live)


def last_fab_use(items) -> str | None:
    """The node id of the last test that needs the FAB stack (its fixture, a parameter naming the fixture,
    or a cell of lesson 71), if any."""
    def uses_fab(item) -> bool:
        return "fab_stack" in getattr(item, "fixturenames", ()) or "fab_stack" in params_of(item).values() \
            or FAB_LESSON in item.nodeid

    return next((item.nodeid for item in reversed(items) if uses_fab(item)), None)


def pytest_report_header(config):
    return [f"Airflow {Stack(MAJOR).version} (KIT_AIRFLOW={MAJOR}{', KIT_TEST_PART=' + PART if PART else ''}); "
            f"stacks in {TEST_HOME}",
            f"each lesson is first stopped at a cell chosen at random: KIT_STOP_SEED={STOP_SEED} replays it"]


# --- stacks --------------------------------------------------------------------------------------
started: list[Stack] = []  # every stack this session started: stopped at the end, whatever happens


def fresh_stack(name: str, port: int | None = None, **kwargs) -> Stack:
    """A new stack with an empty home (a fresh database, copied from the template), its own copy of
    the kit's dags/, plugins/ and include/, on a free port; not started yet. Call .start() on it."""
    if os.environ.get("KIT_CHECK_ONLY"):
        raise AssertionError("`make check` starts no Airflow, but this test does: mark it "
                             "@pytest.mark.live (tests that use the `stack` fixture are marked already)")
    kwargs.setdefault("major", MAJOR)
    home = TEST_HOME / f"{name}-{kwargs['major']}{'-' + PART if PART else ''}"
    Stack(kwargs["major"], home=home).stop(quiet=True)  # one left by an interrupted run (if it proves ours)
    shutil.rmtree(home, ignore_errors=True)
    project = home / "project"
    for folder in ("dags", "plugins", "include"):
        shutil.copytree(REPO / folder, project / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.db", ".ipynb_checkpoints"))
    stack = Stack(home=home, port=port or free_port(), project=project, templates=TEMPLATES, **kwargs)
    started.append(stack)
    return stack


def stop_everything() -> None:
    """Every stack this session started, then any other process that carries the session's mark."""
    for stack in started:
        stack.stop(quiet=True)
    processes.stop(SESSION, grace=5, variable=SESSION_VARIABLE)


def interrupted(signum, frame):
    stop_everything()
    os._exit(128 + signum)


def stop_on_signals() -> None:
    """SIGTERM (a CI time-out, `make test` interrupted) and SIGHUP stop everything, then end the session.
    Again after each test: what a test runs in this process may leave a signal at its default, which ends
    the session at once and leaves its stacks running (nbclient's execute() does: asyncio's
    remove_signal_handler() puts back SIG_DFL, not the handler it found)."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)


atexit.register(stop_everything)
stop_on_signals()


class Started:
    """A stack started on first use for the whole session. If it fails to start, every test that needs
    it fails at once with the same message: no test falls back to another Airflow."""

    def __init__(self, name: str, major: str, auth: str = "on"):
        self.name, self.major, self.auth = name, major, auth
        self.stack: Stack | None = None
        self.failure: str | None = None

    def get(self) -> Stack:
        if self.failure:
            pytest.fail(self.failure, pytrace=False)
        if self.stack is None:
            stack = fresh_stack(self.name, port=PORTS["fab" if self.auth == "fab" else self.major],
                                major=self.major, auth=self.auth)
            print(f"Starting the test stack: {stack.title} {stack.version} in {stack.home}, port {stack.port}")
            try:
                stack.start()  # returns once the DAGs of dags/ are listed
            except (StackError, OSError) as exc:
                stack.stop(quiet=True)
                self.failure = f"The test stack ({stack.title}, {stack.home}) did not start:\n{exc}"
                pytest.fail(self.failure, pytrace=False)
            self.stack = stack
        return self.stack

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop(quiet=True)
            self.stack = None


main = Started("airflow", MAJOR)
peer = Started("peer", OTHER)  # notebook 90's other Airflow: started for its cells, stopped after them
# Airflow 3 with the FAB auth manager: lesson 71, its Postman folder, the coverage of FAB's API, the tests
# every kind of stack must pass; started on first use, stopped after the last test that uses it (an idle
# stack still costs CPU: its scheduler's loop)
fab = Started("fab", "3", auth="fab")
LAST_FAB_USE: str | None = None  # the session's last test that uses it (last_fab_use)


def session_stack() -> Stack:
    return main.get()


# --- notebooks: the stack before the first cell and after the last --------------------------------
FIRST_CELL: dict[str, str] = {}  # notebook file name -> node id of its first / last nbval item
LAST_CELL: dict[str, str] = {}
state_before_notebook: dict[str, dict] = {}  # notebook file name -> stack_state before its first cell
state_after_notebook: dict[str, dict] = {}  # ... and after its last cell
STOPPED_AFTER: dict[str, int] = {}  # notebook file name -> the cell its run before nbval's stopped after
# Each lesson is first run up to a cell chosen at random, then stopped (KIT_STOP_SEED replays a choice).
STOP_SEED = int(os.environ.get("KIT_STOP_SEED") or random.SystemRandom().randrange(1_000_000))


def stack_state(af, fab_api: bool = False) -> dict:
    """What a notebook may create or change on the stack, by name (tests/test_notebooks.py); with `fab_api`,
    FAB's users and roles too."""
    state = {
        "variables": sorted(v["key"] for v in af.items("/variables")),
        "connections": sorted(c["connection_id"] for c in af.items("/connections")),
        "pools": sorted((p["name"], p["slots"]) for p in af.items("/pools")),
        "paused DAGs": sorted(d["dag_id"] for d in af.items("/dags") if d["is_paused"]),
        "DAG runs": sorted((r["dag_id"], r["dag_run_id"]) for r in af.items("/dags/~/dagRuns")),
    }
    if fab_api:
        state["FAB users"] = sorted(u["username"] for u in af.items("/auth/fab/v1/users", key="users"))
        state["FAB roles"] = sorted(r["name"] for r in af.items("/auth/fab/v1/roles", key="roles"))
    return state


def lesson_state(name: str) -> dict:
    """stack_state of the stack the lesson talks to: the FAB stack for lesson 71, else the session's."""
    from apikit import Airflow
    stack = fab.get() if name == FAB_LESSON else session_stack()
    return stack_state(Airflow(stack.url, verbose=False), fab_api=name == FAB_LESSON)


def pytest_runtest_setup(item):
    """Notebook cells (nbval) take no fixtures: start the stack for them too, never using yours. Before a
    lesson's first cell: the stack's state, then the lesson run in a kernel of its own up to a cell chosen
    at random and stopped there, as a learner who restarts the kernel half-way; nbval's run that follows
    is the learner's run from the top (tests/test_notebooks.py compares the states)."""
    if item.path.suffix != ".ipynb":
        return
    session_stack()  # the lessons compare its state before and after (a lesson may need another stack too)
    if MIGRATION in item.nodeid:
        peer.get()
    if FAB_LESSON in item.nodeid:
        fab.get()
    if item.nodeid in FIRST_CELL.values():
        state_before_notebook[item.path.name] = lesson_state(item.path.name)
        STOPPED_AFTER[item.path.name] = run_and_stop(item.path)


def run_and_stop(path: Path) -> int:
    """Run the lesson's cells up to a code cell chosen with STOP_SEED (the last one is a complete run),
    then shut its kernel down; the number of that cell."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    code = [n for n, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    stop = random.Random(f"{STOP_SEED} {path.name}").choice(code)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        with client.setup_kernel():
            for n in code:
                client.execute_cell(nb.cells[n], n)
                if n == stop:
                    break
    except Exception as exc:
        raise AssertionError(f"{path.name}, run up to cell {stop} to be stopped there "
                             f"(KIT_STOP_SEED={STOP_SEED} replays it), failed before: {exc}") from None
    return stop


def pytest_runtest_teardown(item, nextitem):
    stop_on_signals()
    # (a lesson left out, as an Airflow 3 only one on Airflow 2, has no state before: nothing to compare)
    if item.nodeid in LAST_CELL.values() and main.stack is not None and item.path.name in state_before_notebook:
        state_after_notebook[item.path.name] = lesson_state(item.path.name)
    if MIGRATION in item.nodeid and (nextitem is None or MIGRATION not in nextitem.nodeid):
        peer.stop()
    if item.nodeid == LAST_FAB_USE:
        fab.stop()


# --- lessons: what each one claims, checked in its own kernel -------------------------------------
@functools.cache
def lesson_checks(name: str) -> dict[str, str]:
    """tests/lessons/NN_name.py for notebooks/NN_name.ipynb: AFTER maps the id of a cell to the checks of
    what the lesson claims there (Python that the lesson's own kernel runs right after that cell, on
    every Airflow version: on 2.11 nbval compares no outputs, so these checks are what proves them)."""
    path = REPO / "tests" / "lessons" / f"{Path(name).stem}.py"
    return runpy.run_path(str(path)).get("AFTER", {}) if path.exists() else {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    if item.path.suffix == ".ipynb":
        checks = lesson_checks(item.path.name).get(item.cell.get("id"))
        if checks:
            check_in_kernel(item, textwrap.dedent(checks).strip())
    return result


def check_in_kernel(item, code: str) -> None:
    from nbval.plugin import NbCellError

    reply = item.parent.kernel.kc.execute_interactive(code, silent=True, store_history=False, timeout=300,
                                                       output_hook=lambda message: None)["content"]
    if reply["status"] != "ok":
        raise NbCellError(item.cell_num, f"what the lesson claims after cell {item.cell['id']!r} does not hold "
                          f"(tests/lessons/{item.path.stem}.py): {reply.get('ename')}: {reply.get('evalue')}",
                          code, "\n".join(reply.get("traceback", [])))


def pytest_sessionfinish(session):
    stop_everything()


@pytest.fixture(scope="session")
def stack():
    return session_stack()


@pytest.fixture(scope="session")
def fab_stack():
    """Airflow 3 with the FAB auth manager (`make airflow AUTH=fab`); Airflow 3 runs only."""
    assert MAJOR == "3", "the FAB stack is Airflow 3's: mark the test airflow3"
    return fab.get()


# Every kind of stack the kit starts, for the tests every one of them must pass (127.0.0.1 only, ...)
STACK_KINDS = ["stack", "fab_stack"] if MAJOR == "3" else ["stack"]


@pytest.fixture(scope="session")
def af(stack):
    from apikit import Airflow
    return Airflow(stack.url, "admin", "admin", verbose=False)


@pytest.fixture(scope="session")
def newman() -> Path:
    """newman from postman/node_modules, installed from postman/package-lock.json when it is missing."""
    from helpers import install_newman
    return install_newman()

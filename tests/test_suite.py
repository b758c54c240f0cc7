"""The test suite itself. It never touches what is yours: when its stack cannot start, no test falls back
to your Airflow (AIRFLOW_URL from .env, or the default ports); it writes nothing into your checkout; and
an interrupted `make test` leaves no process behind (each of these runs a small suite of its own in a
subprocess, with a test home of its own). And what `make test` prints at its end: where its time went
(scripts/test_report.py)."""
from __future__ import annotations

import asyncio
import http.server
import os
import re
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import psutil
import pytest

from conftest import LESSON_TESTS, MAJOR, PARTS, STACK_TESTS, TEMPLATES
from helpers import wait_until
from scripts import test_report  # scripts/test_report.py
from stacks.paths import REPO


def inner_env(tmp_path: Path, **extra: str) -> dict:
    """The environment of a suite run inside this one: a test home of its own (sharing the migrated
    database templates), and nothing of this session's stacks."""
    home = tmp_path / "test-home"
    home.mkdir()
    if TEMPLATES.exists():
        (home / "templates").symlink_to(TEMPLATES)
    # none of this session's settings, but its mark (KIT_TEST_SESSIONS): the inner suite's processes carry it too
    outer = ("KIT_AIRFLOW", "KIT_TEST_HOME", "KIT_TEST_VERSIONS", "KIT_TEST_PART", "KIT_CHECK_ONLY")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYTEST")) and k not in outer}
    env.update(KIT_TEST_HOME=str(home), **extra)
    return env


class Recorder(http.server.ThreadingHTTPServer):
    """An HTTP server that answers nothing useful and records every request it gets."""

    def __init__(self, port: int):
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", port), RecordingHandler)


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self):
        self.server.requests.append(f"{self.command} {self.path}")
        self.send_response(503)
        self.end_headers()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = record


def decoys() -> list[Recorder]:
    """A decoy on a free port, and on the default ports 8080 and 8082 where they are free."""
    found = [Recorder(0)]
    for port in (8080, 8082):
        try:
            found.append(Recorder(port))
        except OSError:  # your own stack runs there: the decoy on the free port stands in for it
            pass
    for server in found:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return found


def beside_decoys(tmp_path: Path, tests: list[str], **extra: str) -> tuple[subprocess.CompletedProcess, list]:
    """A suite run inside this one, with the addresses your .env would set (and `make` export) pointing
    at decoys; returns its result and the decoys, with what they received."""
    servers = decoys()
    yours = servers[0].server_address[1]
    try:
        env = inner_env(tmp_path, KIT_AIRFLOW=MAJOR, AIRFLOW_URL=f"http://127.0.0.1:{yours}",
                        AIRFLOW_PORT=str(yours), AIRFLOW2_PORT=str(yours),
                        AIRFLOW2_URL=f"http://127.0.0.1:{yours}", **extra)
        done = subprocess.run([sys.executable, "-m", "pytest", *tests], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=600)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    return done, servers


@pytest.mark.live
@pytest.mark.airflow3  # one run of the inner suite checks the conftest both versions share
def test_a_test_stack_that_does_not_start_sends_nothing_to_yours(tmp_path):
    began = time.monotonic()
    done, servers = beside_decoys(tmp_path, ["tests/test_client.py", "tests/test_dags.py",
                                             "notebooks/10_connect.ipynb", "notebooks/11_dags.ipynb"],
                                  AIRFLOW_START_TIMEOUT="1")
    took = time.monotonic() - began
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-3000:]
    assert "did not start" in output and "not healthy after 1 s" in output, output[-3000:]
    assert output.count("Starting the test stack: Airflow") == 1, "the failed start was tried again"
    for server in servers:
        assert server.requests == [], f"requests reached the decoy on {server.server_address}: {server.requests}"
    assert took < 180, f"the failing suite took {took:.0f} s: a test waited for a stack that was not there"


@pytest.mark.live
@pytest.mark.airflow3  # one run of the inner suite checks the conftest both versions share
def test_a_running_test_suite_sends_nothing_to_yours(tmp_path):
    """The same decoys, and a test stack that starts: the notebook and the client tests talk to the test
    stack only (conftest points AIRFLOW_URL and the ports at it)."""
    done, servers = beside_decoys(tmp_path, ["tests/test_client.py", "notebooks/10_connect.ipynb"])
    output = done.stdout + done.stderr
    assert done.returncode == 0 and " passed" in output, output[-3000:]
    for server in servers:
        assert server.requests == [], f"requests reached the decoy on {server.server_address}: {server.requests}"


def kit_test_processes(test_home: Path) -> list[str]:
    """Every live process of an inner suite: its pytests, stacks, kernels (by KIT_TEST_HOME)."""
    found = []
    for p in psutil.process_iter(["pid", "environ", "cmdline", "status"]):
        env = p.info["environ"] or {}
        if p.info["status"] != psutil.STATUS_ZOMBIE and (
                env.get("KIT_TEST_HOME") == str(test_home) or str(test_home) in " ".join(p.info["cmdline"] or [])):
            found.append(f"{p.info['pid']}: {' '.join(p.info['cmdline'] or [])[:150]}")
    return found


def checkout_files() -> dict[str, float]:
    """dags/ and include/ of the checkout: every file with its modification time."""
    return {str(p.relative_to(REPO)): p.stat().st_mtime for folder in ("dags", "include")
            for p in (REPO / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.live
@pytest.mark.airflow3  # the inner `make test` runs both versions
def test_sigterm_to_make_test_leaves_nothing_behind(tmp_path):
    """`make test` on both versions, interrupted with SIGTERM (a CI time-out) while its stacks run (on
    Airflow 3 the FAB stack too, which lesson 71 started) and notebook 23 has written its broken DAG file: no
    process of it is left, and the checkout's dags/ and include/ are as they were."""
    before = checkout_files()
    env = inner_env(tmp_path, KIT_TEST_VERSIONS="3 2")
    test_home = Path(env["KIT_TEST_HOME"])
    output = tmp_path / "make-test.log"
    with open(output, "wb") as out:
        inner = subprocess.Popen(["make", "-s", "test",  # in this order: 71 first (skipped on Airflow 2)
                                  "PYTEST_ARGS=notebooks/71_fab_auth_manager.ipynb notebooks/23_monitoring.ipynb"],
                                 cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        broken = [test_home / f"airflow-{major}" / "project" / "dags" / "kit_23_broken_dag.py"
                  for major in ("3", "2")]

        def at_the_broken_file() -> bool:  # notebook 23 is at its import-error section
            assert inner.poll() is None, output.read_text()[-3000:]
            return any(p.exists() for p in broken)

        wait_until(at_the_broken_file, 240, "the inner suite to get to notebook 23's broken DAG file")
        assert len(kit_test_processes(test_home)) > 5, "the check would not see the suite's processes"
        assert any("/.venv-fab/" in line for line in kit_test_processes(test_home)), "the FAB stack is not running"
        inner.send_signal(signal.SIGTERM)  # to make alone, as a CI time-out sends it
        inner.wait(timeout=120)
        assert "make test: interrupted" in output.read_text(), output.read_text()[-3000:]
        wait_until(lambda: kit_test_processes(test_home), 60, "every process of the inner suite to be gone",
                   until=lambda left: left == [])
    finally:
        if inner.poll() is None:
            os.killpg(inner.pid, signal.SIGKILL)
        inner.wait()
        for line in kit_test_processes(test_home):  # only after a failure: the test's own leftovers
            psutil.Process(int(line.split(":")[0])).kill()
    assert checkout_files() == before


def collect(tmp_path: Path, part: str) -> subprocess.Popen:
    """A pytest of Airflow 3's suite that lists the tests it would run, with KIT_TEST_PART=part (or unset)."""
    home = tmp_path / (part or "whole")
    home.mkdir()
    env = inner_env(home, KIT_AIRFLOW="3", **({"KIT_TEST_PART": part} if part else {}))
    return subprocess.Popen([sys.executable, "-m", "pytest", "--collect-only", "-q"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_library_in_a_test_resets_sigterm():
    """What nbclient's execute() does (tests/test_auth_off.py runs a lesson with it, in this process):
    asyncio adds a SIGTERM handler, then removes it, and leaves SIGTERM at its default. The next test
    checks that the session's handler, which stops its stacks, is back."""
    loop = asyncio.new_event_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, lambda: None)
        loop.remove_signal_handler(signal.SIGTERM)
    finally:
        loop.close()
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_after_it_a_sigterm_still_stops_the_sessions_stacks():
    """After the test above: a SIGTERM to this pytest (make test interrupted, a CI time-out) stops every
    stack it started before it ends (conftest.py, stop_on_signals()), instead of ending it at once."""
    import conftest

    assert signal.getsignal(signal.SIGTERM) is conftest.interrupted
    assert signal.getsignal(signal.SIGHUP) is conftest.interrupted


def test_the_fab_stack_stops_after_the_last_test_that_uses_it(monkeypatch):
    """An idle stack costs CPU all the same (its scheduler's loop): the FAB stack, started on first use, is
    stopped after the session's last test that needs it, however that test asks for it."""
    import conftest

    def item(nodeid, fixtures=(), **params):
        return types.SimpleNamespace(nodeid=nodeid, path=REPO / nodeid.split("::")[0], fixturenames=list(fixtures),
                                     callspec=types.SimpleNamespace(params=params))

    fixture = item("tests/test_coverage.py::test_fab", ["fab_stack"])
    param = item("tests/test_stack.py::test_any[fab_stack]", ["any_stack"], any_stack="fab_stack")
    cell = item(f"notebooks/{conftest.FAB_LESSON}::Cell 3")
    plain = item("tests/test_stack.py::test_any[stack]", ["stack", "any_stack"], any_stack="stack")
    assert conftest.last_fab_use([fixture, plain]) == fixture.nodeid
    assert conftest.last_fab_use([cell, fixture, param, plain]) == param.nodeid
    assert conftest.last_fab_use([fixture, plain, cell, plain]) == cell.nodeid
    assert conftest.last_fab_use([plain]) is None
    stopped = []
    monkeypatch.setattr(conftest, "fab", types.SimpleNamespace(stop=lambda: stopped.append(True)))
    monkeypatch.setattr(conftest, "LAST_FAB_USE", param.nodeid)
    conftest.pytest_runtest_teardown(fixture, param)
    assert not stopped
    conftest.pytest_runtest_teardown(param, plain)
    assert stopped


@pytest.mark.airflow3  # conftest selects by part on both versions alike: one version's collections prove it
def test_the_three_parts_of_the_suite_run_every_test_once(tmp_path):
    """`make test` runs each version's suite in three pytests at once (KIT_TEST_PART): together they run
    every test of the whole suite, none twice; the lessons' part has every notebook with the check of what
    it leaves behind (tests/test_notebooks.py inserts each right after its notebook's last cell), the stacks'
    part the files of STACK_TESTS."""
    pytests = {part: collect(tmp_path, part) for part in ("", *PARTS)}  # at once: ~3 s each
    ids = {}
    for part, listing in pytests.items():
        out, _ = listing.communicate(timeout=120)
        assert listing.returncode == 0, out[-3000:]
        ids[part] = {line for line in out.splitlines() if "::" in line}
    whole, parts = ids.pop(""), ids
    assert all(parts.values()), {part: len(found) for part, found in parts.items()}
    assert sum(len(found) for found in parts.values()) == len(whole), "a test is in two parts"
    assert set().union(*parts.values()) == whole, sorted(whole ^ set().union(*parts.values()))[:20]
    files = {part: {i.split("::")[0] for i in found} for part, found in parts.items()}
    notebooks = {str(p.relative_to(REPO)) for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert files["lessons"] == notebooks | {f"tests/{name}" for name in LESSON_TESTS}
    assert files["stacks"] == {f"tests/{name}" for name in STACK_TESTS}


# --- what `make test` prints at its end ----------------------------------------------------------------
def test_the_report_sums_each_file_per_version(tmp_path, capsys):
    """What `make test` prints at its end: seconds per file and version, from the JUnit reports (Airflow 3's
    two parts, airflow3-tests.xml and airflow3-lessons.xml, in one column)."""
    def report(name, cases):
        rows = "".join(f'<testcase file="{f}" name="t{i}" time="{t}"/>' for i, (f, t) in enumerate(cases))
        (tmp_path / f"{name}.xml").write_text(f"<testsuites><testsuite>{rows}</testsuite></testsuites>")

    report("airflow3-tests", [("test_one.py", 10), ("test_one.py", 5), ("test_two.py", 1)])
    report("airflow3-lessons", [("lesson.ipynb", 40)])
    report("airflow2", [("test_one.py", 7), ("test_two.py", 2)])
    assert test_report.main(["--home", str(tmp_path), "--rows", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["Airflow", "3", "Airflow", "2.11"]
    assert lines[2].split() == ["lesson.ipynb", "40s", "-"]  # the slowest first
    assert lines[3].split() == ["test_one.py", "15s", "7s"]
    assert lines[4].split() == ["the", "other", "1", "1s", "2s"]
    assert lines[5].split() == ["in", "all", "56s", "9s"]
    assert test_report.main(["--home", str(tmp_path / "none")]) == 1


def test_make_test_ends_with_its_wall_time_and_cpu_seconds(tmp_path):
    """`make test`'s last lines: its wall time and the CPU-seconds of everything it ran (here one version,
    one test that needs no Airflow: still a Python or two, and a second or more of CPU)."""
    done = subprocess.run(["scripts/test.sh", "-q", "tests/test_suite.py::test_the_report_sums_each_file_per_version"],
                          cwd=REPO, env=inner_env(tmp_path, KIT_TEST_VERSIONS="3"), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("make test: "))
    found = re.fullmatch(r"make test: \d+ min \d+ s in all, (\d+) CPU-seconds", line)
    assert found and int(found.group(1)) >= 1, line

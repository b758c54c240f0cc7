"""`make bench` runs: a tiny count against the kit's own stack prints every row and writes the JSON.

Not a timed test: the figures themselves are not checked (the machine may be busy), only that each
measurement was taken."""
import json
import subprocess
import sys

import psutil
import pytest

from bench import bench  # bench/bench.py (the checkout's folders are importable in the tests)
from conftest import TEMPLATES
from stacks.paths import REPO


@pytest.mark.live
@pytest.mark.airflow3  # the benchmark measures both versions itself; one smoke run is enough
def test_bench_smoke_run_prints_every_row(tmp_path):
    out = tmp_path / "latest.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench.py"), "--kit-only", "--versions", "3",
         "--no-cold", "--runs", "2", "--burst", "4", "--concurrency", "1", "--settle", "1", "--idle", "5",
         "--new-dag-timeout", "60", "--burst-timeout", "90", "--json", str(out), "--no-docs",
         "--workdir", str(tmp_path), "--templates", str(TEMPLATES)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for _, label, _, _ in bench.ROWS:
        assert label in done.stdout, f"row {label!r} missing from the table:\n{done.stdout}"
    assert "stock / kit" in done.stdout

    results = json.loads(out.read_text())
    kit = results["targets"]["kit3"]
    assert "error" not in kit, kit
    assert {"nproc", "memory_gb", "cpu"} <= set(results["machine"])
    assert kit["warm_s"] > 0 and kit["new_dag_s"] is not None and kit["first_trigger_s"] > 0
    assert kit["trigger"]["runs"] == 2 and kit["trigger"]["failed"] == 0
    assert kit["burst"]["accepted"] == 4 and kit["burst"]["lost"] == 0
    assert kit["burst"]["duplicated"] == 0 and kit["burst"]["all_succeeded_in"] is not None
    assert kit["memory_idle_mb"] > 0 and kit["memory_after_burst_mb"] > 0 and kit["memory_kind"] == "PSS"
    assert kit["idle_cpu_per_min"] > 0 and kit["first_start_s"] > 0  # an idle scheduler still loops
    assert kit["trigger"]["profile_median"], "no profile of where the time goes"
    assert not list(tmp_path.glob("apikit-bench-*")), "the work folder was not cleaned up"


def test_memory_is_uss_where_the_system_has_no_pss(monkeypatch):
    """PSS is Linux's: on macOS psutil reports USS (and RSS), and the benchmark says which it measured."""
    from collections import namedtuple

    import psutil

    mac = namedtuple("pfullmem", "rss vms pfaults pageins uss")
    monkeypatch.setattr(psutil.Process, "memory_full_info", lambda self: mac(30, 40, 0, 0, 20))
    assert bench.memory_kind() == "USS"
    linux = namedtuple("pfullmem", "rss vms shared text lib data dirty uss pss swap")
    monkeypatch.setattr(psutil.Process, "memory_full_info", lambda self: linux(*range(10)))
    assert bench.memory_kind() == "PSS"


def test_idle_cpu_counts_what_the_processes_reaped_too():
    """Idle CPU per minute: a process's own CPU-seconds and those of the children it has reaped (the DAG
    processor's parsers do not outlive a parse). Here a parent that, once the window has begun, forks a
    child that spins for 0.5 CPU-s and reaps it before the window ends: 0.5 CPU-s in a 1 s window is 30
    CPU-s a minute, however busy the machine is (the window's end waits for the child's end)."""
    import select
    import types

    code = ("import os, sys, time\nprint('ready', flush=True)\nsys.stdin.readline()\nif os.fork() == 0:\n"
            "    while time.process_time() < 0.5: pass\n    os._exit(0)\nos.wait()\nprint('reaped', flush=True)\n"
            "sys.stdin.readline()")
    parent = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    calls = []

    def processes():
        """The window's beginning lets the parent fork; its end waits until the child has been reaped."""
        calls.append(1)
        if len(calls) == 1:
            parent.stdin.write("fork\n")
            parent.stdin.flush()
        else:
            assert select.select([parent.stdout], [], [], 60)[0], "the child did not end within 60 s"
            assert parent.stdout.readline().strip() == "reaped"
        return [psutil.Process(parent.pid)]

    try:
        assert parent.stdout.readline().strip() == "ready"  # its start-up is before the window: not counted
        per_minute = bench.idle_cpu(types.SimpleNamespace(processes=processes), 1)
        assert 29 <= per_minute <= 33, per_minute
    finally:
        parent.kill()
        parent.wait()

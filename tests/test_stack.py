"""The stack: 127.0.0.1 only, harmless to start twice, clear about a busy port, clean to stop."""
import json
import os
import signal
import socket
import time

import psutil
import pytest

from apikit.stack import Stack, StackError, group_alive
from conftest import fresh_stack


def group_processes(pgid):
    found = []
    for p in psutil.process_iter():
        try:
            if os.getpgid(p.pid) == pgid and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except (OSError, psutil.Error):
            pass
    return found


def test_listens_on_loopback_only(stack):
    processes = group_processes(stack.pgid())
    assert len(processes) >= 4
    listening = [c.laddr for p in processes for c in p.net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN]
    assert listening, "the stack listens nowhere?"
    assert {addr.ip for addr in listening} == {"127.0.0.1"}, listening
    assert stack.port in {addr.port for addr in listening}


@pytest.mark.airflow3
def test_parallelism_sized_for_a_laptop(stack):
    workers = [p for p in group_processes(stack.pgid()) if "LocalExecutor" in " ".join(p.cmdline())]
    assert 1 <= len(workers) <= 4


def test_start_twice_is_harmless(stack, capsys):
    pgid = stack.pgid()
    Stack(stack.major, home=stack.home, port=stack.port).start()
    assert "already running" in capsys.readouterr().out
    assert stack.pgid() == pgid and stack.healthy()


def test_busy_port_gets_a_clear_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(StackError, match=f"(?s)Port {port} .* in use.*AIRFLOW_PORT="):
            Stack(home=tmp_path / "home", port=port).start()  # the port check comes first


@pytest.mark.airflow3  # the same code starts and stops both versions; once is enough
def test_recovers_after_kill_9_and_stops_without_leftovers():
    stack = fresh_stack("crash")
    try:
        stack.start()
        pgid = stack.pgid()
        os.killpg(pgid, signal.SIGKILL)  # a crash: every process gone, the pid file left behind
        deadline = time.monotonic() + 10
        while group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert stack.pidfile.exists()
        stack.start()
        assert stack.healthy()
        pgid = stack.pgid()
        stack.stop()
        assert group_processes(pgid) == []
        assert not stack.pidfile.exists()
        with socket.socket() as s:
            s.bind(("127.0.0.1", stack.port))  # the port is free again
    finally:
        stack.stop(quiet=True)


def test_migrate_is_skipped_while_the_schema_is_current(stack):
    """`airflow db migrate` takes ~4 s even with nothing to do: a start skips it while the database is
    at the revision recorded after the last migrate (docs/benchmarks.md)."""
    log = stack.logs / "setup.log"
    size = log.stat().st_size
    stack.migrate(stack.env())
    assert log.stat().st_size == size, "db migrate ran again on a current database"
    recorded = json.loads((stack.home / "migrated.json").read_text())
    assert recorded == stack.schema() and recorded["revision"]

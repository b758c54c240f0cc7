"""The processes the kit starts, and only those: start, find, stop.

Every process the kit starts gets a mark in its environment, `AIRFLOW_API_KIT_RUN=<id>` (a new random
id for each start), which the processes it starts in turn inherit: Airflow's executor workers, task
processes, gunicorn workers. The mark decides what is ours. A pid alone proves nothing (after a reboot,
or once the number is reused, it names somebody else's process); only where the environment cannot be
read (another user's process, some other OS) does a recorded pid count, and then only with the start
time recorded for it, give or take a few seconds (a change of the system clock moves it).

Each process is started without a shell, in a session (and process group) of its own: Ctrl-C in the
terminal does not reach it, and stopping it also reaches the processes it forked, which stay in its
group even if they clear their environment.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import uuid
from pathlib import Path

import psutil

MARK = "AIRFLOW_API_KIT_RUN"
CLOCK_TOLERANCE = 5  # seconds: how far a recorded start time may be from the one read now


def new_mark() -> str:
    return uuid.uuid4().hex


def spawn(command: list[str], env: dict, log: Path, mark: str, cwd: Path | None = None,
          nice: int = 0) -> subprocess.Popen:
    """Start `command` in a session of its own, its output appended to `log`, carrying `mark`."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(command, env=marked_env(env, mark), cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    if nice:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, proc.pid, nice)
    return proc


def marked_env(env: dict, mark: str) -> dict:
    """`env` with the mark. SPT_NOENV: Airflow and gunicorn name their processes with setproctitle, which
    by default writes the title over the environment the kernel shows (/proc/PID/environ), mark and all;
    with it set, the title is only shortened to the length of the command line."""
    return {**env, MARK: mark, "SPT_NOENV": "1"}


def record(proc: subprocess.Popen | int) -> dict:
    """What finds the process again: its pid, and its start time for where the mark cannot be read."""
    pid = proc if isinstance(proc, int) else proc.pid
    return {"pid": pid, "started": psutil.Process(pid).create_time()}


def alive(rec: dict, mark: str, variable: str = MARK) -> psutil.Process | None:
    """The recorded process, if it still runs and is ours; else None."""
    try:
        p = psutil.Process(int(rec["pid"]))
        if p.status() == psutil.STATUS_ZOMBIE:
            return None
        try:
            ours = mark in p.environ().get(variable, "").split()
        except psutil.AccessDenied:
            ours = abs(p.create_time() - float(rec["started"])) < CLOCK_TOLERANCE
        return p if ours else None
    except (psutil.Error, KeyError, TypeError, ValueError):
        return None


def marked(mark: str, variable: str = MARK) -> list[psutil.Process]:
    """Every live process whose environment has `variable` = `mark` (or `mark` among its words), but
    this one. Processes of other users cannot be read, so they never match."""
    found = []
    for p in psutil.process_iter(["environ", "status"]):
        env = p.info["environ"]
        if env and mark in env.get(variable, "").split() and p.info["status"] != psutil.STATUS_ZOMBIE \
                and p.pid != os.getpid():
            found.append(p)
    return found


def ours(mark: str, records: list[dict] = (), variable: str = MARK) -> list[psutil.Process]:
    """The processes proven ours (carrying the mark, or recorded: see alive()), and the live descendants
    of those (their parent, proven ours, started them)."""
    found = {p.pid: p for p in marked(mark, variable)}
    for rec in records:
        p = alive(rec, mark, variable)
        if p is not None:
            found.setdefault(p.pid, p)
    for p in list(found.values()):
        with contextlib.suppress(psutil.Error):
            for child in p.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    if child.status() != psutil.STATUS_ZOMBIE:
                        found.setdefault(child.pid, child)
    return list(found.values())


def stop(mark: str, records: list[dict] = (), grace: float = 20, variable: str = MARK,
         reaper: dict | None = None) -> int:
    """SIGTERM to our processes, SIGKILL to those left after `grace` seconds; returns how many there were.

    A whole process group is signalled only when it is the group of a recorded process (its leader)
    and a process proven ours is in it now: so that children which cleared their environment go too.
    `reaper` (the record of the parent that reaps the others: stacks/zygote.py) gets its SIGKILL only if
    it has not exited 5 s after the others got theirs: it reaps each, so that their CPU-seconds are counted."""
    leaders = {int(r["pid"]) for r in records}
    reaping = {int(reaper["pid"])} if reaper else set()
    seen: set[int] = set()
    for sig, wait, spared in ((signal.SIGTERM, grace, set()), (signal.SIGKILL, 5, reaping), (signal.SIGKILL, 5, set())):
        procs = ours(mark, records, variable)  # again before SIGKILL: with any started meanwhile
        seen |= {p.pid for p in procs}
        for group in {group_of(p.pid) for p in procs} & (leaders - spared):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, sig)
        for p in procs:
            if p.pid not in spared:
                with contextlib.suppress(psutil.Error):
                    p.send_signal(sig)
        psutil.wait_procs(procs, timeout=wait)
    return len(seen)


def group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def describe(p: psutil.Process) -> str:
    """A process as a person can find it in `ps`: pid, state and the start of its command line."""
    try:
        return f"pid {p.pid} ({p.status()}: {' '.join(p.cmdline())[:80]})"
    except psutil.Error:
        return f"pid {p.pid}"

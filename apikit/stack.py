"""Start, stop and check the kit's local Airflow: `python -m apikit.stack start|stop|status`.

Every component runs in one process group of its own, so that stopping the stack stops all of it
(SIGTERM to `airflow standalone` alone leaves dozens of processes holding the port). Settings come from
environment variables, documented in .env.example.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PORT = {"3": 8080, "2": 8082}


def airflow_version_pinned(major: str) -> str:
    """The Airflow version that requirements/airflowN.in pins: the one source of truth."""
    for line in (REPO / "requirements" / f"airflow{major}.in").read_text().splitlines():
        if line.startswith("apache-airflow=="):
            return line.split("==", 1)[1].strip()
    raise RuntimeError(f"requirements/airflow{major}.in pins no apache-airflow version")


class StackError(RuntimeError):
    """Something about the stack a user can fix; the message says how."""


class Stack:
    """One local Airflow: its home folder, its port, its process group."""

    def __init__(self, major: str = "3", home: Path | None = None, port: int | None = None,
                 username: str = "admin", password: str = "admin", auth: str = "on",
                 extra_env: dict | None = None):
        self.major = str(major)
        if self.major not in DEFAULT_PORT:
            raise StackError(f"AIRFLOW={major} is not a stack the kit has: use AIRFLOW=3 or AIRFLOW=2.")
        self.home = Path(home or REPO / ".airflow" / f"airflow{self.major}").resolve()
        self.port = int(port or DEFAULT_PORT[self.major])
        self.username, self.password, self.auth = username, password, auth
        self.version = airflow_version_pinned(self.major)
        self.venv = REPO / (".venv" if self.major == "3" else ".venv-airflow2")
        self.extra_env = dict(extra_env or {})
        self.url = f"http://127.0.0.1:{self.port}"
        self.pidfile = self.home / "stack.pid"
        self.logs = self.home / "logs"

    # --- configuration -------------------------------------------------------------------------
    def env(self) -> dict:
        """The environment every component runs with: the whole of the kit's Airflow configuration."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
        env.update({
            "AIRFLOW_HOME": str(self.home),
            "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            # Four task slots suit a laptop; the default of 32 starts 32 worker processes (1.1 GB).
            "AIRFLOW__CORE__PARALLELISM": "4",
            # The connection api_dag uses to call this same Airflow's REST API.
            "AIRFLOW_CONN_AIRFLOW_API": json.dumps({
                "conn_type": "http", "host": "127.0.0.1", "port": self.port, "schema": "http",
                "login": self.username, "password": self.password}),
            "AIRFLOW_API_KIT_STACK": self.major,
        })
        if self.major == "3":
            env.update({
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{self.username}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": str(self.auth == "off"),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": self.url,
                "AIRFLOW__API__WORKERS": "1",
                # A task's calls to the execution API may wait on a busy laptop (default 5 s: the
                # task is killed and fails through no fault of its own).
                "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
                # New DAG files are listed within seconds (default: 5 minutes).
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "3",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
                "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
                # The scheduler loop sleeps 0.2 s when idle (default 1 s): each run waits for a
                # loop three times (run start, second task, run end).
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
                # A task's supervisor notices its task has exited within 1 s (default: up to 5 s,
                # its heartbeat interval), so a finished task frees its slot at once.
                "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            })
        else:
            env.update({
                "AIRFLOW__CORE__EXECUTOR": "SequentialExecutor",  # the only one SQLite allows on 2.x
                "AIRFLOW__API__AUTH_BACKENDS":
                    "airflow.api.auth.backend.basic_auth,airflow.api.auth.backend.session",
                "AIRFLOW__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
                "AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(self.port),
                "AIRFLOW__WEBSERVER__BASE_URL": self.url,
                "AIRFLOW__WEBSERVER__WORKERS": "1",
                "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "3",
                "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "10",
                "AIRFLOW__CORE__DAG_FILE_PROCESSOR_TIMEOUT": "120",
            })
        env.update(self.extra_env)
        return env

    def components(self) -> dict[str, list[str]]:
        if self.major == "3":
            # No log-serving sub-processes: they bind 0.0.0.0 and the api-server reads local logs.
            return {"api-server": ["api-server"], "scheduler": ["scheduler", "--skip-serve-logs"],
                    "dag-processor": ["dag-processor"], "triggerer": ["triggerer", "--skip-serve-logs"]}
        return {"webserver": ["webserver"], "scheduler": ["scheduler", "--skip-serve-logs"]}

    # --- state ---------------------------------------------------------------------------------
    def pgid(self) -> int | None:
        """The process group of a running stack, or None (a stale pid file is removed)."""
        try:
            pgid = int(self.pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        if group_alive(pgid):
            return pgid
        self.pidfile.unlink(missing_ok=True)
        return None

    def server_version(self) -> str | None:
        """The version the server on our port reports, or None if nothing Airflow-like answers."""
        for path in ("/api/v2/version", "/api/v1/version"):
            try:
                r = requests.get(self.url + path, timeout=3,
                                 auth=(self.username, self.password) if "v1" in path else None)
                if r.ok:
                    return r.json().get("version")
            except (requests.RequestException, ValueError):
                return None
        return None

    def healthy(self) -> bool:
        return components_healthy(self.url, self.major) and self.server_version() == self.version

    def status(self) -> str:
        pgid = self.pgid()
        if pgid and self.healthy():
            return f"running: Airflow {self.version} at {self.url} (process group {pgid})"
        if pgid:
            return f"started but not healthy: process group {pgid}; logs in {self.logs}"
        return "stopped"

    # --- start ---------------------------------------------------------------------------------
    def start(self, timeout: float = 240) -> None:
        if not (self.venv / "bin" / "airflow").exists():
            raise StackError(f"Airflow {self.major} is not installed in {self.venv}: run `make airflow`.")
        if self.pgid():
            if self.healthy():
                print(f"Airflow {self.version} is already running at {self.url}.")
                return
            print("A stack from an earlier start is still there but not healthy: restarting it.")
            self.stop(quiet=True)
        self.check_port_free()
        self.home.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        (self.home / "passwords.json").write_text(json.dumps({self.username: self.password}))
        began = time.monotonic()
        env = self.env()
        self.migrate(env)
        # One shell in a new session starts every component and waits: they all share its process
        # group, which is what `stop` signals.
        airflow = shlex.quote(str(self.venv / "bin" / "airflow"))
        # The triggerer starts at a lower CPU priority: the start is CPU-bound (each component imports
        # Airflow), health needs the other three, and no kit DAG defers a task at once.
        script = " ".join(
            f"{'nice -n 10 ' if name == 'triggerer' else ''}{airflow} {' '.join(args)} "
            f">>{shlex.quote(str(self.logs / name))}.log 2>&1 &"
            for name, args in self.components().items()) + " wait"
        proc = subprocess.Popen(["/bin/sh", "-c", script], env=env, cwd=self.home,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self.pidfile.write_text(f"{proc.pid}\n")
        self.wait_healthy(proc, began, timeout)

    def check_port_free(self) -> None:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", self.port))
                return
            except OSError:
                pass
        holder = port_holder(self.port)
        other = self.server_version()
        what = f"Airflow {other}" if other else (holder or "another program")
        var = "AIRFLOW_PORT" if self.major == "3" else "AIRFLOW2_PORT"
        raise StackError(
            f"Port {self.port} on 127.0.0.1 is already in use by {what}.\n"
            f"Stop that program (if it is a kit stack from another checkout: `make down` there), "
            f"or use another port: make up {var}={self.port + 10}")

    def migrate(self, env: dict) -> None:
        """Create or upgrade the metadata database; on 2.x, the user. Skipped when the database is still
        at the revision this Airflow version migrated it to (`airflow db migrate` takes ~4 s even then)."""
        marker = self.home / "migrated.json"
        schema = self.schema()
        if schema["revision"] and marker.exists() and json.loads(marker.read_text()) == schema:
            return
        marker.unlink(missing_ok=True)
        steps = [["db", "migrate"]]
        if self.major == "2":
            steps.append(["users", "create", "--username", self.username, "--password", self.password,
                          "--firstname", "Admin", "--lastname", "User", "--role", "Admin",
                          "--email", f"{self.username}@example.com"])
        for step in steps:
            with open(self.logs / "setup.log", "ab") as log:
                done = subprocess.run([str(self.venv / "bin" / "airflow"), *step], env=env,
                                      cwd=self.home, stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT)
            if done.returncode != 0 and step[0] == "db":
                raise StackError(f"`airflow {' '.join(step)}` failed:\n{tail(self.logs / 'setup.log')}")
        marker.write_text(json.dumps(self.schema()))

    def schema(self) -> dict:
        """This Airflow version and its database's schema revision (alembic's; None if none to read)."""
        database, revision = self.home / "airflow.db", None
        if database.exists():
            try:
                with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
                    revision = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            except (sqlite3.Error, TypeError):
                pass
        return {"airflow": self.version, "revision": revision}

    def wait_healthy(self, launcher: subprocess.Popen, began: float, timeout: float) -> None:
        launched = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.healthy():
                print(f"Airflow {self.version} is healthy at {self.url} "
                      f"after {time.monotonic() - began:.0f} s.")
                return
            if launcher.poll() is not None:  # every component has exited
                self.stop(quiet=True)
                logs = "\n".join(f"--- {name}.log:\n{tail(self.logs / (name + '.log'), 10)}"
                                  for name in self.components())
                raise StackError(f"Airflow's components all exited during start-up (code "
                                 f"{launcher.returncode}). The ends of their logs:\n{logs}")
            # A component that exits early: given a few seconds to start, and seen twice.
            if time.monotonic() - launched > 5 and self.dead_component():
                time.sleep(1)
                name = self.dead_component()
                if name:
                    self.stop(quiet=True)
                    log = self.logs / f"{name}.log"
                    raise StackError(f"Airflow's {name} stopped during start-up. The end of its log "
                                     f"({log}):\n{tail(log)}")
            time.sleep(0.5)
        self.stop(quiet=True)
        raise StackError(f"Airflow was not healthy after {timeout:.0f} s; logs are in {self.logs}.")

    def dead_component(self) -> str | None:
        """A component that is no longer running, by the name its process shows."""
        pgid = self.pgid()
        if not pgid:
            return None
        try:
            import psutil
        except ImportError:
            return None
        running = " ".join(" ".join(p.info["cmdline"] or []) for p in psutil.process_iter(["cmdline"])
                           if safe_pgid(p.pid) == pgid)
        for name, args in self.components().items():
            if args[0] not in running and args[0].replace("-", "_") not in running:
                return name
        return None

    # --- stop ----------------------------------------------------------------------------------
    def stop(self, quiet: bool = False, grace: float = 20) -> None:
        pgid = self.pgid()
        if pgid is None:
            if not quiet:
                print(f"Airflow {self.major} is not running.")
            return
        stop_group(pgid, grace)
        self.pidfile.unlink(missing_ok=True)
        if not quiet:
            print(f"Stopped Airflow {self.major} (process group {pgid}).")


def components_healthy(url: str, major: str) -> bool:
    """The health endpoint says the database, the scheduler (and on 3.x the DAG processor) are healthy."""
    path = "/api/v2/monitor/health" if major == "3" else "/api/v1/health"
    try:
        r = requests.get(url + path, timeout=3)
        parts = r.json()
    except (requests.RequestException, ValueError):
        return False
    wanted = ("metadatabase", "scheduler") + (("dag_processor",) if major == "3" else ())
    return r.ok and all((parts.get(p) or {}).get("status") == "healthy" for p in wanted)


def stop_group(pgid: int, grace: float = 20) -> None:
    """SIGTERM to the whole process group; SIGKILL to what is left after `grace` seconds."""
    kill_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if group_alive(pgid):
        kill_group(pgid, signal.SIGKILL)
        while group_alive(pgid) and time.monotonic() < deadline + 5:
            time.sleep(0.1)


def kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def group_alive(pgid: int) -> bool:
    """True while any process of the group lives (zombies of our own children do not count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        import psutil
        return any(p.status() != psutil.STATUS_ZOMBIE for p in psutil.process_iter()
                   if safe_pgid(p.pid) == pgid)
    except ImportError:
        return True


def safe_pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def port_holder(port: int) -> str | None:
    try:
        import psutil
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                proc = psutil.Process(conn.pid)
                return f"pid {conn.pid} ({' '.join(proc.cmdline())[:80]})"
    except Exception:  # no psutil, or no permission to look: the message stays general
        return None
    return None


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def from_environment(major: str | None = None) -> Stack:
    major = str(major or os.environ.get("AIRFLOW", "3"))
    port = os.environ.get("AIRFLOW_PORT" if major == "3" else "AIRFLOW2_PORT")
    return Stack(major, port=int(port) if port else None,
                 username=os.environ.get("AIRFLOW_USERNAME", "admin"),
                 password=os.environ.get("AIRFLOW_PASSWORD", "admin"),
                 auth=os.environ.get("AIRFLOW_AUTH", "on"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apikit.stack", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status", "restart"])
    parser.add_argument("--all", action="store_true", help="with stop: every kit stack (2 and 3)")
    args = parser.parse_args(argv)
    try:
        stacks = [from_environment(m) for m in ("3", "2")] if args.all else [from_environment()]
        for stack in stacks:
            if args.action in ("stop", "restart"):
                stack.stop()
            if args.action in ("start", "restart"):
                stack.start()
                auth = "auth off (everyone is admin)" if stack.auth == "off" else \
                    f"user {stack.username}, password {stack.password}"
                print(f"\n  Airflow UI and API: {stack.url}    ({auth})\n"
                      f"  API base: {stack.url}/api/v{2 if stack.major == '3' else 1}\n"
                      f"  Logs: {stack.logs}\n  Stop it with: make down\n")
            if args.action == "status":
                print(f"Airflow {stack.major}: {stack.status()}")
    except StackError as exc:
        print(f"\nError: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start, stop and check the kit's local Airflow: `python -m stacks.stack start|stop|status|restart|reset`.

Each component (api-server, scheduler, dag-processor, triggerer; on 2.x webserver and scheduler) runs
as a process of its own, in a session of its own, forked from one parent that imported Airflow once
(stacks/zygote.py), which is started without a shell and marked in its environment (stacks/processes.py).
The stack records the mark and each component's pid in its home (stack.json): `stop` signals only what
proves to be ours, and `status`, which only reads, names a component that has died. A start, stop or
reset holds the home's lock from beginning to end, so a second `make airflow` waits for the first and
then finds the stack running. A start returns once the API is healthy and lists the DAGs of dags/ (or
says which are missing, and why). Settings come from environment variables, documented in .env.example.
"""
from __future__ import annotations

import argparse
import ast
import base64
import contextlib
import fcntl
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import closing, contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import requests

from stacks import processes
from stacks.paths import KIT_HOME, REPO, TEST_HOME

DEFAULT_PORT = {"3": 8080, "2": 8082}
# AUTH=fab (AIRFLOW_AUTH): Airflow 3 with the FAB auth manager (lesson 71), a stack of its own beside the
# others: its own environment (.venv-fab, requirements/fab.in), home, port and users (created in its database).
FAB_PORT = 8084
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
AUTHS = ("on", "off", "fab")
API = {"3": "/api/v2", "2": "/api/v1"}
START_TIMEOUT = 240  # seconds; AIRFLOW_START_TIMEOUT changes it
# Airflow 3: besides the kit's admin, one user per other role of the simple auth manager, named after its
# role, with its name as its password (lesson 70, docs/permissions.md). Passwords for a stack that listens
# on 127.0.0.1 only: never use them on an Airflow others can reach.
ROLE_USERS = ("viewer", "user", "op")
# How often Airflow parses a DAG file that has not changed, in seconds (default 30). A changed file is
# parsed at once whatever this says (Airflow compares its modification time), a new one within the
# dags folder's listing interval (3 s, below); this only re-runs unchanged files, which on an idle stack
# was its largest use of CPU: 13 files every 10 s, ~10 CPU-s a minute (docs/benchmarks.md).
PARSE_UNCHANGED_EVERY = "120"
# How the kit's user's password is stored where it is in the database (2.x, FAB): werkzeug's format, with
# 1,000 PBKDF2 rounds instead of werkzeug's default scrypt (N=32768). On 2.x every API call signs in with
# Basic auth, and FAB checks the password against this each time: scrypt took ~0.1 CPU-s a call, more
# than the rest of the call. For admin:admin on 127.0.0.1; users made through the API get the default.
PASSWORD_HASH = "pbkdf2:sha256:1000"


def airflow_version_pinned(major: str) -> str:
    """The Airflow version that requirements/airflowN.in pins: the one source of truth."""
    for line in (REPO / "requirements" / f"airflow{major}.in").read_text().splitlines():
        if line.startswith("apache-airflow=="):
            return line.split("==", 1)[1].strip()
    raise RuntimeError(f"requirements/airflow{major}.in pins no apache-airflow version")


class StackError(RuntimeError):
    """Something about the stack a user can fix; the message says how."""


class Stack:
    """One local Airflow: its home folder, its port, its processes.

    `project` is the folder whose dags/, plugins/ and include/ the stack uses (the checkout; the test
    suite gives each of its stacks a copy of its own). `templates` is a folder of freshly migrated
    metadata databases: a new home copies one instead of running `airflow db migrate`."""

    def __init__(self, major: str = "3", home: Path | None = None, port: int | None = None,
                 username: str = "admin", password: str = "admin", auth: str = "on",
                 extra_env: dict | None = None, project: Path | None = None,
                 templates: Path | None = None):
        self.major = str(major)
        if self.major not in DEFAULT_PORT:
            raise StackError(f"AIRFLOW={major} is not a stack the kit has: use AIRFLOW=3 or AIRFLOW=2.")
        if auth not in AUTHS:
            raise StackError(f"AIRFLOW_AUTH={auth} is not a setting the kit has: use on (the default), off "
                             f"(no sign-in), or fab (`make airflow AUTH=fab`: the FAB auth manager).")
        self.fab = auth == "fab"
        if self.fab and self.major != "3":
            raise StackError("AUTH=fab is Airflow 3 only (Airflow 2.11 has the FAB auth manager already, and "
                             "nothing else): run `make airflow AUTH=fab` without AIRFLOW=2.")
        self.title = f"Airflow {self.major}" + (" (FAB)" if self.fab else "")  # in messages
        self.home = Path(home or KIT_HOME / f"airflow{self.major}{'-fab' if self.fab else ''}").resolve()
        self.port = int(port or (FAB_PORT if self.fab else DEFAULT_PORT[self.major]))
        self.username, self.password, self.auth = username, password, auth
        self.version = airflow_version_pinned(self.major)
        self.venv = REPO / (".venv-fab" if self.fab else ".venv" if self.major == "3" else ".venv-airflow2")
        self.extra_env = dict(extra_env or {})
        self.project = Path(project or REPO).resolve()
        self.templates = Path(templates).resolve() if templates else None
        self.url = f"http://127.0.0.1:{self.port}"
        self.statefile = self.home / "stack.json"
        self.logs = self.home / "logs"
        self.zygote: subprocess.Popen | None = None  # the parent of the components this object started
        self.started: dict[str, dict] = {}  # their records, by name
        self.mark = ""  # their mark
        self.holding = False  # whether this object holds the home's lock (see locked())

    # --- configuration -------------------------------------------------------------------------
    def env(self) -> dict:
        """The environment every component runs with: the whole of the kit's Airflow configuration."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AIRFLOW__") and k != processes.MARK}
        env.update({
            "AIRFLOW_HOME": str(self.home),
            # A changed DAG file is stored as a new version within seconds (default: at most every 30 s).
            "AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL": "5",
            "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.project / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(self.project / "plugins"),
            # include/ is a package the DAGs and plugins import (include.sql_guard), as in an Astro project
            "PYTHONPATH": os.pathsep.join(p for p in (str(self.project), os.environ.get("PYTHONPATH")) if p),
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
        if sys.platform == "darwin":
            env.update(macos_fork_safety(env))
        if self.major == "3":
            env.update({
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS":
                    ",".join(f"{name}:{role}" for name, role in self.roles().items()),
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
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": PARSE_UNCHANGED_EVERY,
                "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
                # A task's supervisor notices its task has exited within 1 s (default: up to 5 s,
                # its heartbeat interval), so a finished task frees its slot at once.
                "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
                # What the lessons show, off by default in Airflow: GET /config (sensitive values are
                # masked; a production deployment should not expose even that), and testing a connection
                # (POST /connections/test runs code of a provider with the connection's credentials:
                # anyone who may edit connections could use it to reach other systems).
                "AIRFLOW__API__EXPOSE_CONFIG": "True",
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            })
            if self.fab:  # its users are in the database (migrate()), with FAB's roles
                env["AIRFLOW__CORE__AUTH_MANAGER"] = FAB_AUTH_MANAGER
        else:
            env.update({
                # One task at a time, the only way SQLite allows on 2.x, run in a fork of the scheduler
                # instead of a new Python per task (plugins/forking_sequential_executor.py)
                "AIRFLOW__CORE__EXECUTOR": "forking_sequential_executor.ForkingSequentialExecutor",
                "AIRFLOW__API__AUTH_BACKENDS":
                    "airflow.api.auth.backend.basic_auth,airflow.api.auth.backend.session",
                "AIRFLOW__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
                "AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(self.port),
                "AIRFLOW__WEBSERVER__BASE_URL": self.url,
                "AIRFLOW__WEBSERVER__WORKERS": "1",
                # On a fresh database the webserver's first worker writes the UI's permissions before it
                # answers: on a busy machine that can take longer than the 120 s the webserver gives its
                # gunicorn master by default, after which it shuts itself down.
                "AIRFLOW__WEBSERVER__WEB_SERVER_MASTER_TIMEOUT": "600",
                "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "3",
                "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": PARSE_UNCHANGED_EVERY,
                "AIRFLOW__CORE__DAG_FILE_PROCESSOR_TIMEOUT": "120",
            })
        env.update(self.extra_env)
        return env

    def roles(self) -> dict[str, str]:
        """Airflow 3: each user of the simple auth manager and its role; the kit's user is the admin."""
        return {self.username: "admin", **{name: name for name in ROLE_USERS if name != self.username}}

    def passwords(self) -> dict[str, str]:
        """Airflow 3: each user's password (the passwords file the simple auth manager reads)."""
        return {name: self.password if name == self.username else name for name in self.roles()}

    def components(self) -> dict[str, list[str]]:
        """Each component's `airflow` arguments, in the order they are started."""
        if self.major == "3":
            # No log-serving sub-processes: they bind 0.0.0.0 and the api-server reads local logs.
            return {"api-server": ["api-server"], "scheduler": ["scheduler", "--skip-serve-logs"],
                    "dag-processor": ["dag-processor"], "triggerer": ["triggerer", "--skip-serve-logs"]}
        return {"webserver": ["webserver"], "scheduler": ["scheduler", "--skip-serve-logs"]}

    # --- state: only read ------------------------------------------------------------------------
    def state(self) -> dict | None:
        """What the last start recorded, if any of its processes still runs."""
        try:
            state = json.loads(self.statefile.read_text())
            return state if processes.ours(state["mark"], recorded(state)) else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def processes(self) -> list[psutil.Process]:
        """Every live process of this stack: its components and what they started."""
        state = self.state()
        return processes.ours(state["mark"], recorded(state)) if state else []

    def dead_components(self, state: dict | None = None) -> list[str]:
        """The recorded components that are no longer running."""
        state = state or self.state()
        if not state:
            return []
        return [name for name, rec in state["components"].items() if processes.alive(rec, state["mark"]) is None]

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
        state = self.state()
        if not state:
            return "stopped"
        dead = self.dead_components(state)
        if dead:
            ends = "\n".join(f"    {name}: {tail(self.logs / f'{name}.log', 1).strip() or '(empty log)'}"
                             for name in dead)
            return (f"NOT WORKING: Airflow {self.version} at {self.url} has lost its {', '.join(dead)} "
                    f"(the last line of each log, in {self.logs}):\n{ends}\n"
                    f"  `make airflow` restarts the stack.")
        if self.healthy():
            return f"running: Airflow {self.version} at {self.url}"
        return f"started, not healthy (yet?): Airflow {self.version} at {self.url}; logs in {self.logs}"

    # --- what a start, stop or reset holds ----------------------------------------------------------
    @contextmanager
    def locked(self):
        """The home's lock (stack.lock), held from the beginning to the end of a start, stop or reset: a
        second one on the same home waits for it, then finds the stack as the first one left it."""
        if self.holding:  # this object holds it already (a reset stops, then starts)
            yield
            return
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / "stack.lock", "w") as lock:  # closing it lets go of the lock
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"Waiting for another start (or stop, or reset) of {self.title} in {self.home} "
                      f"to finish ...", flush=True)
                fcntl.flock(lock, fcntl.LOCK_EX)
            self.holding = True
            try:
                yield
            finally:
                self.holding = False

    def forget_record(self, quiet: bool) -> None:
        """Remove a record whose processes are all gone (a crash, a reboot), or that cannot be read."""
        if self.statefile.exists():
            self.statefile.unlink()
            if not quiet:
                print(f"Removed the record of an earlier start ({self.statefile}): none of its processes "
                      f"is running any more. Nothing was signalled.")

    # --- start ---------------------------------------------------------------------------------
    def start(self, timeout: float | None = None) -> None:
        timeout = float(timeout or os.environ.get("AIRFLOW_START_TIMEOUT") or START_TIMEOUT)
        if not (self.venv / "bin" / "airflow").exists():
            raise StackError(f"{self.title} is not installed in {self.venv}: run `make airflow"
                             f"{' AUTH=fab' if self.fab else ''}`.")
        with self.locked():
            state = self.state()
            if state:
                dead = self.dead_components(state)
                if not dead and self.healthy():
                    print(f"Airflow {self.version} is already running at {self.url}.")
                    return
                print(f"A stack from an earlier start is still there but "
                      f"{'has lost its ' + ', '.join(dead) if dead else 'is not healthy'}: restarting it.")
                self.stop(quiet=True)
            self.forget_record(quiet=False)
            self.check_port_free()
            self.logs.mkdir(exist_ok=True)
            (self.home / "passwords.json").write_text(json.dumps(self.passwords()))
            self.write_config()
            began, since = time.monotonic(), time.time()
            env = self.env()
            self.migrate(env)
            self.mark, self.started, zygote = processes.new_mark(), {}, None
            try:
                self.zygote = self.spawn_components(env)
                zygote = processes.record(self.zygote)
                self.started = self.wait_for_forks(began, timeout)
            finally:  # written even if the start failed half-way: `stop` finds what was started
                self.statefile.write_text(json.dumps({"mark": self.mark, "port": self.port, "airflow": self.version,
                                                      "components": self.started, "zygote": zygote}, indent=1))
            self.wait_healthy(began, timeout)
            self.wait_for_dags(began, began + timeout, since)

    def spawn_components(self, env: dict) -> subprocess.Popen:
        """The zygote (stacks/zygote.py): it imports Airflow once, then forks every component from itself."""
        for old in [*self.logs.glob("*.exit"), self.home / "components.json"]:
            old.unlink(missing_ok=True)
        components = [{"name": name, "args": args, "log": str(self.logs / f"{name}.log"),
                       # The triggerer runs at a lower CPU priority: the start is CPU-bound, health needs
                       # the other three, and no kit DAG defers a task at once.
                       "nice": 10 if name == "triggerer" else 0,
                       # Its idle sleep ends when the database changes (stacks/zygote.py, wake_on_commit)
                       "wake_on_commit": name == "scheduler"}
                      for name, args in self.components().items()]
        spec = self.home / "zygote.json"
        spec.write_text(json.dumps({"pids": str(self.home / "components.json"), "components": components}))
        return processes.spawn([str(self.venv / "bin" / "python"), str(REPO / "stacks" / "zygote.py"), str(spec)],
                               env, self.logs / "zygote.log", self.mark, cwd=self.home)

    def wait_for_forks(self, began: float, timeout: float) -> dict[str, dict]:
        """Each component's record, once the zygote has forked them all (it writes their pids)."""
        pids = self.home / "components.json"
        while not pids.exists():
            code = self.zygote.poll()
            if code is not None or time.monotonic() - began > timeout:
                processes.stop(self.mark, grace=5)  # the zygote, if it still runs, and any fork it made
                self.zygote.poll()
                log = self.logs / "zygote.log"
                if code is None:
                    raise StackError(f"Airflow was not healthy after {timeout:.0f} s (AIRFLOW_START_TIMEOUT): "
                                     f"its components were not started yet; logs are in {self.logs}.")
                raise StackError(f"Airflow's components were not started: the zygote that starts them exited "
                                 f"(exit code {code}). The end of its log ({log}):\n{tail(log)}")
            time.sleep(0.05)
        return {name: record(pid) for name, pid in json.loads(pids.read_text()).items()}

    def port_free(self) -> bool:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", self.port))
                return True
            except OSError:
                return False

    def check_port_free(self) -> None:
        if self.port_free():
            return
        holder = port_holder(self.port)
        other = self.server_version()
        what = f"Airflow {other}" if other else (holder or "another program")
        var = port_variable(self.major, self.auth)
        raise StackError(
            f"Port {self.port} on 127.0.0.1 is already in use by {what}.\n"
            f"Stop that program (if it is a kit stack from another checkout: `make down` there), "
            f"or use another port: make up {var}={self.port + 10}")

    def write_config(self) -> None:
        """A new home gets an airflow.cfg with this home's own secret keys, before any component starts.
        (Without one, each component writes a default airflow.cfg with random keys of its own at the same
        time: tokens the scheduler signs would not be valid at the api-server.) Every other setting is
        in env(), and Airflow's defaults apply to the rest."""
        config = self.home / "airflow.cfg"
        if config.exists():
            return
        key = lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()  # noqa: E731 - also a Fernet key
        sections = {"core": {"fernet_key": key()}}
        if self.major == "3":
            sections.update(api={"secret_key": key()}, api_auth={"jwt_secret": key()})
        else:
            sections.update(webserver={"secret_key": key()})
        text = "# Written by the kit (stacks/stack.py): this home's secret keys; settings are in the kit's env.\n"
        text += "".join(f"\n[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
                        for name, values in sections.items())
        config.write_text(text)
        config.chmod(0o600)

    def migrate(self, env: dict) -> None:
        """Create or upgrade the metadata database; on 2.x and with FAB, the user (in the database).

        Skipped when the database is still at the revision this Airflow version migrated it to
        (`airflow db migrate` takes ~4 s even then). A new home copies a template database (see
        `templates`) when there is one for this version (and, on 2.x, user), and makes it otherwise."""
        marker = self.home / "migrated.json"
        schema = self.schema()
        if schema["revision"] and marker.exists() and json.loads(marker.read_text()) == schema:
            return
        marker.unlink(missing_ok=True)
        database, template = self.home / "airflow.db", self.template()
        if not database.exists():
            remove_database(database)  # a journal left beside it would be replayed into the new one
        if template and template.exists() and not database.exists():
            shutil.copyfile(template, database)
            marker.write_text(json.dumps(self.schema()))
            return
        steps = [["db", "migrate"]]
        if self.user_in_database:
            steps.append(["users", "create", "--username", self.username, "--password", self.password,
                          "--firstname", "Admin", "--lastname", "User", "--role", "Admin",
                          "--email", f"{self.username}@example.com"])
        fresh = not database.exists()
        for step in steps:
            with open(self.logs / "setup.log", "ab") as log:
                done = subprocess.run([str(self.venv / "bin" / "airflow"), *step], env=env,
                                      cwd=self.home, stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT)
            if done.returncode != 0 and step[0] == "db":
                raise StackError(f"`airflow {' '.join(step)}` failed:\n{tail(self.logs / 'setup.log')}")
        if self.user_in_database:
            self.store_password(database)
        marker.write_text(json.dumps(self.schema()))
        if template and fresh:
            template.parent.mkdir(parents=True, exist_ok=True)
            partial = template.with_name(f".{template.name}.{os.getpid()}")
            with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as copy:
                source.backup(copy)  # with what is still in its write-ahead log (a file copy is not)
            os.replace(partial, template)  # whole or not at all, for a stack starting beside this one

    @property
    def user_in_database(self) -> bool:
        """Whether the kit's user is in the database (2.x, FAB), not in a file (the simple auth manager)."""
        return self.major == "2" or self.fab

    def store_password(self, database: Path) -> None:
        """The kit's user's password, hashed as PASSWORD_HASH says, by werkzeug (in this Airflow's venv)."""
        code = ("import sys; from werkzeug.security import generate_password_hash; "
                "print(generate_password_hash(sys.stdin.read(), method=sys.argv[1]))")
        hashed = subprocess.run([str(self.venv / "bin" / "python"), "-c", code, PASSWORD_HASH], input=self.password,
                                capture_output=True, text=True, check=True).stdout.strip()
        with closing(sqlite3.connect(database)) as db, db:
            db.execute("UPDATE ab_user SET password = ? WHERE username = ?", (hashed, self.username))

    def template(self) -> Path | None:
        """The template database for this stack: one per Airflow version (on 2.x and with FAB, where the
        user is in the database, per user and password too)."""
        if not self.templates:
            return None
        name = f"airflow-{self.version}{'-fab' if self.fab else ''}"
        if self.user_in_database:
            import hashlib
            user = f"{self.username}:{self.password}:{PASSWORD_HASH}"
            name += "-" + hashlib.sha256(user.encode()).hexdigest()[:12]
        return self.templates / f"{name}.db"

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

    def wait_healthy(self, began: float, timeout: float) -> None:
        """Until the API says healthy; a component that exits on the way fails the start at once."""
        warm_up = None
        while time.monotonic() - began < timeout:
            if warm_up is None and self.major == "3" and self.server_version():
                warm_up = threading.Thread(target=self.warm_up_execution_api, daemon=True)
                warm_up.start()
            if self.healthy():
                # Healthy answers alone do not prove they come from this start: check that
                # every component, the api-server holding the port among them, still runs.
                self.fail_if_a_component_exited()
                if warm_up is not None:
                    warm_up.join(max(1.0, timeout - (time.monotonic() - began)))
                return
            self.fail_if_a_component_exited()
            time.sleep(0.25)
        self.stop(quiet=True)
        raise StackError(f"Airflow was not healthy after {timeout:.0f} s (AIRFLOW_START_TIMEOUT); "
                         f"logs are in {self.logs}.")

    def wait_for_dags(self, began: float, deadline: float, since: float) -> None:
        """Until the API lists every DAG that the files of dags/ define, or an import error names the file:
        a learner's first trigger finds its DAG. Then it says which DAGs are missing, and why."""
        folder = Path(self.env()["AIRFLOW__CORE__DAGS_FOLDER"])  # the project's dags/, or extra_env's
        expected = dags_in(folder)
        while True:
            self.fail_if_a_component_exited()
            listed, errors = self.parsed(folder, since)
            waiting = {name: ids for name, ids in expected.items()
                       if name not in errors and (ids is None or not ids <= listed)}
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        for name, error in errors.items():
            missing = ", ".join(sorted((expected.get(name) or set()) - listed))
            print(f"\nThe DAG file {folder / name} could not be loaded"
                  f"{f', so {missing} is not listed' if missing else ''}. The end of Airflow's import error:\n"
                  + textwrap.indent("\n".join(error.splitlines()[-12:]), "    ") + "\n")
        if waiting:
            files = "; ".join(f"{name} ({', '.join(sorted(ids - listed)) if ids else 'not valid Python'})"
                              for name, ids in waiting.items())
            raise StackError(f"Airflow {self.version} runs at {self.url}, but after {deadline - began:.0f} s its "
                             f"API lists neither the DAGs of these files of {folder} nor an import "
                             f"error for them: {files}. The logs are in {self.logs}; `make down` stops the stack.")
        print(f"Airflow {self.version} is ready at {self.url} after {time.monotonic() - began:.0f} s: "
              f"healthy, with {len(listed)} DAGs listed.")

    def parsed(self, folder: Path, since: float) -> tuple[set[str], dict[str, str]]:
        """The DAG ids the API lists, and the import errors recorded since `since` (by file, relative to
        the DAGs folder); nothing while the API does not answer."""
        api, prefix = requests.Session(), self.url + API[self.major]
        try:
            if self.major == "2":
                api.auth = (self.username, self.password)
            else:  # with auth off every request is admin's, and no token is needed
                r = api.post(f"{self.url}/auth/token", timeout=10,
                             json={"username": self.username, "password": self.password})
                if r.ok:
                    api.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
            listed = {d["dag_id"] for d in pages(api, f"{prefix}/dags", "dags")}
            # 2.x names a file by its path, 3.x by its path in dags/; an error from before this start is
            # left out (the file may have been mended since)
            return listed, {Path(folder, e["filename"]).relative_to(folder).as_posix(): e["stack_trace"]
                            for e in pages(api, f"{prefix}/importErrors", "import_errors")
                            if datetime.fromisoformat(e["timestamp"]).timestamp() > since - 1}
        except (requests.RequestException, ValueError, KeyError):
            return set(), {}

    def fail_if_a_component_exited(self) -> None:
        for name, rec in self.started.items():
            if processes.alive(rec, self.mark) is None:
                code = self.exit_code(name)
                self.stop(quiet=True)
                log = self.logs / f"{name}.log"
                raise StackError(f"Airflow's {name} exited during start-up (exit code "
                                 f"{code}). The end of its log ({log}):\n{tail(log)}")

    def exit_code(self, name: str) -> str:
        """A component's exit code, as the zygote writes it when the component has exited ("?" if none)."""
        deadline = time.monotonic() + 2  # the zygote reaps it a moment after it has exited
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                return str(int((self.logs / f"{name}.exit").read_text()))
            time.sleep(0.05)
        return "?"

    def warm_up_execution_api(self) -> None:
        """The api-server builds the task execution API's routes (Cadwyn's, its newest version only:
        stacks/zygote.py) on the first request to /execution/: ~0.3 s, with its event loop blocked. Without
        this, that first request is the first task's, and slows a learner's first run (docs/benchmarks.md).
        Reads only."""
        try:
            requests.get(f"{self.url}/execution/health", timeout=60)
        except requests.RequestException:
            pass  # a stack that does not answer fails its health check anyway

    # --- reset ---------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to a clean stack, e.g. between two groups of a workshop: a fresh metadata database (no
        runs, variables, connections or pools but the default pool; the DAGs unpaused when they are
        listed again) and no logs; the secret keys and the installation stay, and so do the files in the
        checkout (dags/, include/)."""
        with self.locked():
            self.stop(quiet=True)
            remove_database(self.home / "airflow.db")
            (self.home / "migrated.json").unlink(missing_ok=True)
            shutil.rmtree(self.logs, ignore_errors=True)
            self.start()

    # --- stop ----------------------------------------------------------------------------------
    def stop(self, quiet: bool = False, grace: float = 20) -> None:
        with self.locked() if self.home.exists() else nullcontext():
            state = self.state()
            if state is None:
                self.forget_record(quiet)
                if not quiet:
                    print(f"{self.title} is not running.")
                return
            records = recorded(state)
            count = processes.stop(state["mark"], records, grace, reaper=state.get("zygote"))
            if self.zygote:  # reap our own child, if this object started it
                self.zygote.poll()
            left = processes.ours(state["mark"], records)
            if left:  # the record stays: a later `make down` finds them again
                raise StackError(
                    f"{len(left)} of {self.title}'s processes did not stop, even after SIGKILL: "
                    + "; ".join(processes.describe(p) for p in left[:5])
                    + ".\nNothing else was changed. Run `make down` again; if they stay, they are stuck "
                    "in the kernel (state D: a hung disk or network file system).")
            self.statefile.unlink(missing_ok=True)
            deadline = time.monotonic() + 5  # a process that was killed may take a moment to let go of it
            while not self.port_free() and time.monotonic() < deadline:
                time.sleep(0.1)
        if not quiet:
            print(f"Stopped {self.title} ({count} processes).")


def record(pid: int) -> dict:
    """A component's record; one that has already exited and been reaped (a bad option) is recorded as
    such, and the start's check for exited components names it."""
    try:
        return processes.record(pid)
    except psutil.NoSuchProcess:
        return {"pid": pid, "started": None}


def recorded(state: dict) -> list[dict]:
    """The records of a start: each component's and their zygote's (none in a record from before it)."""
    return [*state["components"].values(), *([state["zygote"]] if state.get("zygote") else [])]


def remove_database(database: Path) -> None:
    """An SQLite database with its journals. Airflow 3 runs SQLite in write-ahead-log mode: a stack
    that was killed leaves `airflow.db-wal` beside the database, and SQLite would replay those pages
    into whatever database is put at that path next (a reset would bring the old variables back)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)


def macos_fork_safety(env: dict) -> dict:
    """On macOS, a task process forked by the executor that makes an HTTP call (api_dag, the use cases)
    can crash in the system's proxy lookup (Objective-C after fork): Airflow's FAQ advises these two."""
    local = "127.0.0.1,localhost"
    no_proxy = ",".join(v for v in (env.get("no_proxy") or env.get("NO_PROXY"), local) if v)
    return {"OBJC_DISABLE_INITIALIZE_FORK_SAFETY": "YES", "no_proxy": no_proxy, "NO_PROXY": no_proxy}


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


def dags_in(folder: Path) -> dict[str, set[str] | None]:
    """The DAG ids each file of a DAGs folder defines, read from its code without running it: `DAG("id")`,
    `DAG(dag_id="id")`, `@dag(dag_id="id")`, `@dag` (the function's name); None for a file that is not
    valid Python. A DAG defined under an `if` (Airflow 3 only, say) cannot be known this way and is left
    out, and so are the files Airflow itself skips: those without the words "airflow" and "dag"."""
    found: dict[str, set[str] | None] = {}
    for path in sorted(folder.rglob("*.py")):
        text = path.read_text(errors="replace")
        if "airflow" not in text.lower() or "dag" not in text.lower():
            continue
        try:
            module = ast.parse(text)
        except SyntaxError:
            found[path.relative_to(folder).as_posix()] = None
            continue
        ids = {dag_id for statement in module.body if not isinstance(statement, ast.If)
               for node in ast.walk(statement) for dag_id in dag_ids(node)}
        if ids:
            found[path.relative_to(folder).as_posix()] = ids
    return found


def dag_ids(node: ast.AST) -> list[str]:
    """The DAG id a call of DAG(...) or a function decorated with @dag names, if written out."""
    def named(call: ast.AST, name: str) -> bool:
        return name in (getattr(call, "id", None), getattr(call, "attr", None))

    def given(call: ast.Call) -> ast.AST | None:
        return next((k.value for k in call.keywords if k.arg == "dag_id"), call.args[0] if call.args else None)

    if isinstance(node, ast.Call) and named(node.func, "DAG"):
        dag_id = given(node)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        calls = [d for d in node.decorator_list if named(d.func if isinstance(d, ast.Call) else d, "dag")]
        if not calls:
            return []
        dag_id = given(calls[0]) if isinstance(calls[0], ast.Call) else None
        dag_id = dag_id or ast.Constant(node.name)
    else:
        return []
    return [dag_id.value] if isinstance(dag_id, ast.Constant) and isinstance(dag_id.value, str) else []


def pages(api: requests.Session, url: str, key: str) -> list[dict]:
    """Every item of a list endpoint of the Airflow API, page by page."""
    found: list[dict] = []
    while True:
        r = api.get(url, params={"limit": 100, "offset": len(found)}, timeout=10)
        r.raise_for_status()
        found += r.json()[key]
        if not r.json()[key] or len(found) >= r.json()["total_entries"]:
            return found


def port_holder(port: int) -> str | None:
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                return processes.describe(psutil.Process(conn.pid))
    except (psutil.Error, OSError):  # no permission to look (macOS): the message stays general
        return None
    return None


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def port_variable(major: str, auth: str) -> str:
    """The setting that names a stack's port."""
    return "AIRFLOW_FAB_PORT" if auth == "fab" else "AIRFLOW_PORT" if major == "3" else "AIRFLOW2_PORT"


def from_environment(major: str | None = None, auth: str | None = None) -> Stack:
    major = str(major or os.environ.get("AIRFLOW", "3"))
    auth = auth or os.environ.get("AIRFLOW_AUTH") or "on"
    port = os.environ.get(port_variable(major, auth))
    return Stack(major, port=int(port) if port else None,
                 username=os.environ.get("AIRFLOW_USERNAME", "admin"),
                 password=os.environ.get("AIRFLOW_PASSWORD", "admin"),
                 auth=auth, templates=KIT_HOME / "templates")


def every_stack() -> list[Stack]:
    """`make down` and `make status`: Airflow 3, Airflow 2 and Airflow 3 with FAB, each as its settings say."""
    auth = os.environ.get("AIRFLOW_AUTH") or "on"
    other = "on" if auth == "fab" else auth
    return [from_environment("3", other), from_environment("2", other), from_environment("3", "fab")]


def local_stack(url: str) -> Stack | None:
    """The kit's running stack that serves `url` on this machine (started by `make airflow`, the test suite
    or `make notebooks`), found by the port its record names; None for any other Airflow, whose files (its
    logs) are not on this machine. Notebook 63 reads its api-server's access log."""
    address = urlsplit(url)
    if address.hostname not in ("127.0.0.1", "localhost"):
        return None
    # the homes: KIT_HOME/airflowN, the suite's TEST_HOME/NAME-N, make notebooks' TEST_HOME/notebooks/PID/airflowN
    for record in [*KIT_HOME.glob("*/stack.json"), *TEST_HOME.glob("*/stack.json"),
                   *TEST_HOME.glob("*/*/*/stack.json")]:
        try:
            state = json.loads(record.read_text())
            if state["port"] != address.port:
                continue
            stack = Stack(state["airflow"].split(".")[0], home=record.parent, port=address.port)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, StackError):
            continue
        if stack.state():  # its processes still run
            return stack
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks.stack", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status", "restart", "reset"])
    parser.add_argument("--all", action="store_true", help="with stop and status: every stack (3, 2, 3 with FAB)")
    args = parser.parse_args(argv)
    problems = 0
    try:
        stacks = every_stack() if args.all else [from_environment()]
        for stack in stacks:
            if args.action in ("stop", "restart"):
                stack.stop()
            if args.action in ("start", "restart"):
                stack.start()
            if args.action == "reset":
                began = time.monotonic()
                stack.reset()
                print(f"Reset Airflow {stack.version} to a clean stack in {time.monotonic() - began:.0f} s.")
            if args.action in ("start", "restart", "reset"):
                auth = "auth off (everyone is admin)" if stack.auth == "off" else \
                    f"user {stack.username}, password {stack.password}"
                print(f"\n  Airflow UI and API: {stack.url}    ({auth})\n"
                      f"  API base: {stack.url}{API[stack.major]}\n"
                      f"  Logs: {stack.logs}\n  Stop it with: make down\n")
            if args.action == "status":
                status = stack.status()
                problems += status.startswith("NOT WORKING")
                print(f"{stack.title}: {status}")
    except StackError as exc:
        print(f"\nError: {exc}", file=sys.stderr)
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

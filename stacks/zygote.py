"""The parent of a stack's components: imports Airflow once, then forks each component from itself.

    <venv>/bin/python stacks/zygote.py SPEC.json

Started by stacks/stack.py with the Airflow venv's Python (so it imports nothing of the kit), marked
and in a session of its own like any process of the kit (stacks/processes.py). Each component would
otherwise import Airflow and its command line on its own, four processes at once on a laptop's cores
(~2 CPU-s each); here the import happens once, `gc.freeze()` keeps the imported objects' pages shared
by the forks, and each component is a fork that runs `airflow <its arguments>` as the CLI would: in a
session of its own, its output in its own log, `ps` showing `airflow <arguments>`.

SPEC.json: {"components": [{"name": .., "args": [..], "log": .., "nice": 0, "wake_on_commit": false}, ..],
"pids": PATH}. The zygote writes {name: pid} to PATH once every component is forked. Then it needs
Airflow no more, and becomes the reaper (reap()): it execs a new, small Python (`-I -S`: no site-packages)
in its place, the same process, still the parent of them all: the ~45 MB of imported pages that every
fork has copied by then (writing to their objects' refcounts) are then no longer held also by a process
that does not use them (docs/benchmarks.md). The reaper writes each
component's exit code beside its log when it exits (NAME.exit) and, once all have exited, exits. A
SIGTERM (`make down`) it passes on to the components still running, and it exits only once it has reaped
them all: a component's CPU-seconds are added to the zygote's, and so to its starter's (`make test`
counts them), only if the zygote outlives it. A component marked "wake_on_commit" (the scheduler) ends
its idle sleep as soon as another process commits to the database (wake_on_commit()). The task
execution API builds its newest version first (newest_version_first()), and the dag-processor's
in-process copy of it is built at its first call (in_process_api_at_first_call()).
"""
from __future__ import annotations

import copy
import gc
import importlib
import json
import math
import os
import signal
import sqlite3
import sys
import time
import traceback
import types

# Imported before the forks: what more than one component needs (the models, the task SDK, the
# executors' and the jobs' modules, the task execution API's), and what every component imports as it
# starts (the command's daemon option, the migrations check with alembic, requests, uvicorn, ...): one
# copy of their pages instead of one per component. The api-server's app is its own, built in its fork.
SHARED = ("airflow.models", "airflow.sdk", "airflow.serialization.serialized_objects",
          "airflow.jobs.scheduler_job_runner", "airflow.executors.local_executor",
          "airflow.dag_processing.manager", "airflow.jobs.triggerer_job_runner",
          "airflow.sdk.execution_time.supervisor", "airflow.api_fastapi.execution_api.app",
          "airflow.cli.commands.daemon_utils", "airflow.utils.providers_configuration_loader",
          "airflow.utils.memray_utils", "airflow.migrations.utils", "alembic.script", "alembic.runtime.migration",
          "airflow.models.renderedtifields", "airflow.models.task_state_store", "airflow.models.dag_favorite",
          "requests", "uvicorn", "sqlparse", "pydantic.v1", "fastapi.staticfiles")


def prepare() -> None:
    """Import Airflow, its command line and the SHARED modules this Airflow has; no database is touched."""
    import airflow.__main__  # noqa: F401 - Airflow, its configuration and settings
    from airflow.cli import cli_parser

    cli_parser.get_parser()
    for name in SHARED:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a module of Airflow 3 on Airflow 2.11: the other modules go on
            if not name.startswith(exc.name or "?"):
                raise
    newest_version_first()
    in_process_api_at_first_call()
    from airflow import settings

    if getattr(settings, "engine", None) is not None:  # no pooled connection may be shared by the forks
        settings.engine.dispose()


def keep_frozen() -> None:
    """Airflow 3's LocalExecutor forks its task workers (in the scheduler) between `gc.freeze()` and
    `gc.unfreeze()`. Under the zygote, that unfreeze also hands back to the collector every object the
    zygote froze, and the scheduler's next full collection writes to each of them: ~50 MB of pages the
    forks shared become the scheduler's own copies. Here the workers are forked the same way and nothing
    is unfrozen: what the scheduler holds when it forks them stays frozen too (as Airflow's dag-processor
    does before it forks its parsers). The only change to Airflow's method; tests/test_stack.py checks
    that this Airflow's method still forks between the two calls."""
    from airflow.executors.local_executor import LocalExecutor  # in SHARED, both versions

    if not hasattr(LocalExecutor, "_spawn_workers_with_gc_freeze"):  # Airflow 2.11's (its stack runs another)
        return

    def spawn_workers(self, spawn_number: int) -> None:
        gc.freeze()
        for _ in range(spawn_number):
            self._spawn_worker()

    LocalExecutor._spawn_workers_with_gc_freeze = spawn_workers


def newest_version_first() -> None:
    """Airflow 3's task execution API keeps every version it has had (9 in 3.3.2), and Cadwyn, which
    serves them, builds the routes of all of them at the API's first request: ~3 CPU-s and ~45 MB in the
    api-server, on the way of every start (stacks/stack.py's warm-up); the dag-processor and the triggerer
    do the same at their first in-process call. This Airflow's tasks speak its newest version. Here the
    first request builds the newest version's routes only; the first request for another version (a task
    SDK older than this Airflow), or for another version's OpenAPI document, builds them all as Cadwyn
    does before it is answered. The only change to Cadwyn (pinned with Airflow): tests/test_stack.py
    checks that the API is then, version by version, the one Cadwyn builds."""
    try:
        from cadwyn import Cadwyn, HeadVersion, Version, VersionBundle
        from cadwyn.route_generation import _DELETED_ROUTE_TAG
        from cadwyn.routing import _RootCadwynAPIRouter
    except ModuleNotFoundError:  # Airflow 2.11 has no Cadwyn
        return
    build, route, openapi = Cadwyn._cadwyn_initialize, _RootCadwynAPIRouter.__call__, Cadwyn.openapi_jsons

    def initialize(app) -> None:
        every = app.versions
        newest = every.versions[0].value
        if len(every.versions) == 1 or every.head_version.changes:
            return build(app)
        # The newest version alone, from the newest routes: not those that only older versions bring back
        latest = app._latest_version_router
        app._latest_version_router = copy.copy(latest)
        app._latest_version_router.routes = [r for r in latest.routes
                                             if _DELETED_ROUTE_TAG not in getattr(r, "tags", ())]
        app.versions = VersionBundle(HeadVersion(), Version(newest), api_version_var=every.api_version_var)
        try:
            build(app)
        finally:
            app.versions, app._latest_version_router = every, latest

        def build_every_version() -> None:  # Cadwyn's own build, in place of the newest version's
            del app.router.build_every_version
            built = app.router.versioned_routers[newest]
            ids = {id(r) for r in built.routes}
            app.router.routes = [r for r in app.router.routes if id(r) not in ids]
            app.router.versioned_routers[newest] = type(built)(**app._kwargs_to_router)
            build(app)

        app.router.newest, app.router.build_every_version = newest, build_every_version

    def build_for(router, version: str | None) -> None:
        if hasattr(router, "build_every_version") and version not in (None, router.newest):
            router.build_every_version()

    async def routed(router, scope, receive, send) -> None:
        if scope["type"] != "lifespan":
            build_for(router, router.api_version_var.get(None))
        await route(router, scope, receive, send)

    async def openapi_jsons(app, request):
        build_for(app.router, request.query_params.get("version")
                  or request.headers.get(app.router.api_version_parameter_name))
        return await openapi(app, request)

    Cadwyn._cadwyn_initialize, _RootCadwynAPIRouter.__call__, Cadwyn.openapi_jsons = \
        initialize, routed, openapi_jsons


def in_process_api_at_first_call() -> None:
    """The dag-processor answers what its DAG files' parsers ask of Airflow (a DAG file that reads a
    Variable as it is parsed) with the task execution API in its own process (Airflow's
    InProcessExecutionAPI). Its transport builds the API's app, with an event loop and a thread of its
    own, as soon as the client is made, at the first parse: ~1.1 CPU-s and ~20 MB, for calls that the
    kit's DAGs do not make. Here the transport builds it at its first request, and hands every request to
    it (the triggerer, which makes its client at its first request already, gets the same). Airflow makes
    one by this module's name in the function that needs it (tests/test_stack.py checks), so this one."""
    try:
        from airflow.api_fastapi.execution_api import app as execution_api
    except ModuleNotFoundError:  # Airflow 2.11
        return
    import functools
    import threading

    import httpx

    class AtFirstRequest(httpx.BaseTransport):
        def __init__(self, build) -> None:
            self.build, self.built, self.lock = build, None, threading.Lock()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            with self.lock:
                if self.built is None:
                    self.built = self.build()
            return self.built.handle_request(request)

        def close(self) -> None:
            if self.built is not None:
                self.built.close()

    airflows = execution_api.InProcessExecutionAPI

    class InProcessExecutionAPI(airflows):
        @functools.cached_property
        def transport(self) -> httpx.BaseTransport:  # attrs computes Airflow's (a slot) in __getattr__
            return AtFirstRequest(lambda: airflows.__getattr__(self, "transport"))

    execution_api.InProcessExecutionAPI = InProcessExecutionAPI


POLL = 0.02  # s: how often a waking sleep asks SQLite whether the database changed
AGAIN = 0.1  # s: the longest sleep after a loop that changed the database
TICK = 0.02  # s: how long after a whole second of the clock a sleep ends at the latest


def waking_sleep(database: str):
    """A `time.sleep` for the scheduler's loop, on a SQLite `database`. It ends at the earliest of:
    - another connection committing (`PRAGMA data_version` changes: SQLite's own way of telling);
    - just after the clock's next whole second: SQLite's clock has whole seconds, and the scheduler starts
      a queued run once `now()` has reached the run's `run_after` (a run triggered at 12:00:00.4 starts
      from 12:00:01 on: nothing is written at that moment to wake the scheduler);
    - AGAIN, when the database changed since the last such sleep ended (what the scheduler's loop wrote,
      or others while it ran): a loop that changed something is followed by another soon;
    - the time given."""
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)  # never writes

    def changes() -> int:
        return connection.execute("PRAGMA data_version").fetchone()[0]

    seen = changes()

    def sleep(seconds: float) -> None:
        nonlocal seen
        before, now = changes(), time.time()
        if before != seen:
            seconds = min(seconds, AGAIN)
        deadline = time.monotonic() + min(seconds, math.floor(now) + 1 + TICK - now)
        while changes() == before and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(POLL, left))
        seen = changes()

    return sleep


def wake_on_commit() -> None:
    """The scheduler sleeps between two loops when it has nothing to do (`[scheduler]
    scheduler_idle_sleep_time`, 1 s): each step of a run (started, its tasks scheduled, success) waits for
    the next loop, and a shorter sleep makes an idle scheduler loop, and use CPU, all the time. Here that
    sleep is waking_sleep(): over when another process commits (a trigger, a task's new state, a parsed
    DAG), 0.1 s after a loop that changed the database (the next step of a run), and otherwise at the
    clock's next whole second: once a second, as stock Airflow's (an idle loop writes nothing). It is the
    one call to `time.sleep` in airflow/jobs/scheduler_job_runner.py (both versions; tests/test_stack.py
    checks): that module's `time` becomes the time module with this sleep. Nothing else changes."""
    from airflow.configuration import conf
    from airflow.jobs import scheduler_job_runner
    from sqlalchemy.engine import make_url

    url = make_url(conf.get("database", "sql_alchemy_conn"))
    if url.get_backend_name() != "sqlite" or not url.database:
        return
    scheduler_job_runner.time = types.SimpleNamespace(**{**vars(time), "sleep": waking_sleep(url.database)})
    print("The scheduler's idle sleep ends when the database changes (stacks/zygote.py).", flush=True)


def run(component: dict) -> None:
    """In the fork: become `airflow <args>` in a session of its own, writing to its own log; never return."""
    code = 1
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # blocked in the zygote: main()
        os.setsid()
        if component.get("nice"):
            os.nice(component["nice"])
        log = os.open(component["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        sys.argv = ["airflow", *component["args"]]
        from setproctitle import setproctitle

        setproctitle(" ".join(sys.argv))
        if component.get("wake_on_commit"):
            wake_on_commit()
        from airflow.__main__ import main

        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def main(spec_path: str) -> None:
    spec = json.loads(open(spec_path).read())
    prepare()
    keep_frozen()
    gc.freeze()  # the objects imported so far stay where they are: the forks share their pages
    children = {}
    sys.stdout.flush()  # nothing buffered may be written twice, by a fork too
    sys.stderr.flush()
    # From the first fork on, a SIGTERM waits (blocked, and still pending across the exec) until the reaper
    # handles it: the zygote never ends before passing it on to every component it has forked
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    for component in spec["components"]:
        pid = os.fork()
        if pid == 0:
            run(component)
        children[pid] = component
    partial = spec["pids"] + ".partial"
    with open(partial, "w") as out:
        json.dump({c["name"]: pid for pid, c in children.items()}, out)
    os.replace(partial, spec["pids"])
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-I", "-S", os.path.abspath(__file__), "--reap", spec_path])


def reap(spec_path: str) -> int:
    """The zygote once it has forked every component (main() execs this): the components' parent, which
    writes each one's exit code when it exits, passes a SIGTERM on to them, and exits after the last."""
    spec = json.loads(open(spec_path).read())
    pids = json.loads(open(spec["pids"]).read())
    children = {pids[c["name"]]: c for c in spec["components"]}
    signal.signal(signal.SIGTERM, lambda signum, frame: stop(children))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    while children:
        pid, status = os.wait()
        component = children.pop(pid, None)
        if component:
            code = os.waitstatus_to_exitcode(status)
            with open(component["log"].removesuffix(".log") + ".exit", "w") as out:
                out.write(str(code))
            print(f"{component['name']} (pid {pid}) exited with code {code}", flush=True)
    return 0


def stop(children: dict) -> None:
    """SIGTERM to each component still running; the zygote goes on reaping them (and exits after the last)."""
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:  # exited, not reaped yet
            pass


if __name__ == "__main__":
    sys.exit(reap(sys.argv[2]) if sys.argv[1] == "--reap" else main(sys.argv[1]))

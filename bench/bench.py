"""`make bench`: the kit's Airflow against stock Airflow on this machine, side by side, in one run.

For each Airflow version (3.x, the kit's default, and 2.11, the webinar's) it measures
  cold set-up   fresh venv + install + first start until the API is healthy
                (kit: scripts/bootstrap.sh into a temporary venv, then stacks.stack.Stack.start;
                 stock: `python3 -m venv` + `pip install apache-airflow==X`, then `airflow standalone`)
  warm start    stopped stack -> healthy API
  new DAG file  a DAG file written into the dags folder -> GET /dags/{id} answers 200
  trigger       POST .../dagRuns -> the run of a two-task DAG is seen as success (p50, p95 over --runs)
  burst         --burst triggers, --concurrency at a time -> all succeeded; lost and duplicated runs
  memory        total PSS of the stack's processes at idle and after the burst (PSS is Linux's; on
                macOS, USS, the memory each process has to itself; RSS where neither can be read)
  idle CPU      CPU-seconds per minute the stack's processes use while nothing runs (after the memory)
and prints a table with the ratio stock / kit (how many times slower or heavier stock is).
Results go to bench/results/latest.json and into docs/benchmarks.md (between its figure markers).

Stock Airflow runs with its defaults except: AIRFLOW_HOME (a temporary folder, whose dags/ holds only
the bench DAG), the port (never 8080, which belongs to your dev stack) and [api] base_url naming that
port (without it, stock's task workers call the execution API on localhost:8080). On 2.11 the REST API
additionally needs [api] auth_backends with basic_auth: stock 2.11 allows only browser sessions.
Stock standalone binds 0.0.0.0 (api-server/webserver and its serve-logs on 8793/8794): stock behaviour.

Usage: .venv/bin/python bench/bench.py [--runs 20] [--burst 100] [--kit-only] [--versions 3,2] ...
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

from stacks import processes
from stacks.stack import Stack, airflow_version_pinned, components_healthy

REPO = Path(__file__).resolve().parent.parent

RESULTS = REPO / "bench" / "results"
DOCS = REPO / "docs" / "benchmarks.md"
CACHE = Path(os.environ.get("BENCH_CACHE") or
             Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "airflow-api-kit-bench")
BENCH_DAG = "bench_two_tasks"
MARK_BEGIN, MARK_END = "<!-- bench:figures:begin -->", "<!-- bench:figures:end -->"

DAG_SOURCE = '''"""Written by bench/bench.py: two tiny tasks, one after the other. The first holds for the
run's conf `hold` seconds (tests/test_stack.py uses this DAG to keep tasks running; the benchmark's runs
have no conf)."""
import time

import pendulum

try:
    from airflow.sdk import dag, task  # Airflow 3
except ImportError:
    from airflow.decorators import dag, task  # Airflow 2


@dag(dag_id="{dag_id}", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
     catchup=False, tags=["bench"])
def bench():
    @task
    def first(dag_run=None):
        time.sleep(float((dag_run.conf or {}).get("hold", 0)))
        return 1

    @task
    def second():
        return 2

    first() >> second()


bench()
'''


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 8080:
            return port


def write_dag(folder: Path, dag_id: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dag_id}.py"
    path.write_text(DAG_SOURCE.replace("{dag_id}", dag_id))
    return path


# --- the API, the same way for every target -------------------------------------------------------
class Api:
    """A bare REST client: JWT on Airflow 3, Basic auth on 2; one session per thread."""

    def __init__(self, url: str, major: str, username: str, password: str):
        self.url, self.major, self.username, self.password = url, major, username, password
        self.base = url + ("/api/v2" if major == "3" else "/api/v1")
        self.local = threading.local()
        self.token = self._token() if major == "3" else None

    def _token(self) -> str:
        r = requests.post(self.url + "/auth/token", timeout=30,
                          json={"username": self.username, "password": self.password})
        r.raise_for_status()
        return r.json()["access_token"]

    @property
    def session(self) -> requests.Session:
        s = getattr(self.local, "s", None)
        if s is None:
            s = self.local.s = requests.Session()
            if self.token:
                s.headers["Authorization"] = f"Bearer {self.token}"
            else:
                s.auth = (self.username, self.password)
        return s

    def request(self, method: str, path: str, **kw) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=kw.pop("timeout", 60), **kw)

    def trigger(self, dag_id: str, run_id: str, logical_date: dt.datetime | None = None) -> int:
        body = {"dag_run_id": run_id}
        # Airflow 3 wants logical_date: null; Airflow 2 sets "now" when it is missing, but two runs
        # in the same microsecond would collide, so the burst gives each run a date of its own.
        if self.major == "3":
            body["logical_date"] = None
        elif logical_date is not None:
            body["logical_date"] = logical_date.isoformat()
        try:
            return self.request("POST", f"/dags/{dag_id}/dagRuns", json=body, timeout=20).status_code
        except requests.RequestException:
            return 0

    def runs(self, dag_id: str) -> list[dict]:
        out, offset = [], 0
        while True:
            r = self.request("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100, "offset": offset})
            r.raise_for_status()
            page = r.json()["dag_runs"]
            out += page
            offset += len(page)
            if not page or offset >= r.json().get("total_entries", 0):
                return out


# --- what is measured: a kit stack or stock standalone --------------------------------------------
class Target:
    kind = ""

    def __init__(self, major: str, workdir: Path):
        self.major, self.workdir = major, workdir
        self.version = airflow_version_pinned(major)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.name = f"{self.kind} {self.version}"

    def healthy(self) -> bool:
        return components_healthy(self.url, self.major)

    def memory_mb(self) -> tuple[float, int]:
        """Total memory (MEMORY_KIND) of every process of the stack (its components and what they started)."""
        procs = {p.pid: p for p in self.processes()}
        if not procs:
            return 0.0, 0
        total, self.breakdown = 0, {}
        for p in procs.values():
            with contextlib.suppress(psutil.Error):
                used = memory_of(p)
                total += used
                name = " ".join(p.cmdline()[:4]).replace(str(REPO), ".")[-60:] or p.name()
                self.breakdown[name] = round(self.breakdown.get(name, 0) + used / 2**20, 1)
        return total / 2**20, len(procs)


def cpu_seconds(p: psutil.Process) -> float:
    """A process's CPU-seconds (user + system), with those of the children it has reaped (a DAG file's
    parser, a task's fork): what it has cost so far."""
    t = p.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def idle_cpu(target: Target, seconds: float) -> float:
    """CPU-seconds per minute that the stack's processes use over `seconds` while nothing runs."""
    def now() -> dict[int, float]:
        found = {}
        for p in target.processes():
            with contextlib.suppress(psutil.Error):
                found[p.pid] = cpu_seconds(p)
        return found

    first = now()
    time.sleep(seconds)
    return sum(cpu - first.get(pid, 0.0) for pid, cpu in now().items()) * 60 / seconds


def memory_kind() -> str:
    """PSS (Linux: shared pages split among their users) where the system reports it, else USS (macOS:
    what a process has to itself), else RSS."""
    try:
        info = psutil.Process().memory_full_info()
    except psutil.Error:
        return "RSS"
    return "PSS" if hasattr(info, "pss") else "USS" if hasattr(info, "uss") else "RSS"


MEMORY_KIND = memory_kind()


def memory_of(p: psutil.Process) -> int:
    if MEMORY_KIND == "RSS":
        return p.memory_info().rss
    return getattr(p.memory_full_info(), MEMORY_KIND.lower())


class Kit(Target):
    kind = "kit"

    def __init__(self, major: str, workdir: Path, cold: bool, templates: Path | None = None):
        super().__init__(major, workdir)
        self.dags = workdir / "dags"
        self.venv = workdir / "venv" if cold else REPO / (".venv" if major == "3" else ".venv-airflow2")
        # A template database only where the first start is not measured as part of a cold set-up.
        self.stack = Stack(major, home=workdir / "home", port=self.port, templates=None if cold else templates,
                           extra_env={"AIRFLOW__CORE__DAGS_FOLDER": str(self.dags)})
        self.stack.venv = self.venv
        self.username = self.password = "admin"

    def install(self) -> float:
        began = time.monotonic()
        lock = REPO / "requirements" / f"airflow{self.major}.lock"
        with open(self.workdir / "install.log", "wb") as out:
            subprocess.run([str(REPO / "scripts" / "bootstrap.sh"), str(lock), str(self.venv)],
                           cwd=REPO, stdout=out, stderr=subprocess.STDOUT, check=True)
        return time.monotonic() - began

    def start(self) -> float:
        began = time.monotonic()
        with contextlib.redirect_stdout(io.StringIO()):
            self.stack.start(timeout=600)
        return time.monotonic() - began

    def stop(self) -> None:
        self.stack.stop(quiet=True)

    def processes(self) -> list[psutil.Process]:
        return self.stack.processes()

    def healthy(self) -> bool:
        return self.stack.healthy()


class Stock(Target):
    kind = "stock"

    def __init__(self, major: str, workdir: Path, reuse_install: bool):
        super().__init__(major, workdir)
        self.home = workdir / "home"
        self.dags = self.home / "dags"  # stock's default dags folder
        self.cache = CACHE / f"stock-{self.version}"
        self.venv = self.cache / "venv"
        self.reuse_install = reuse_install
        self.install_note = ""
        self.proc: subprocess.Popen | None = None
        self.mark = processes.new_mark()
        self.username = "admin"

    def install(self) -> float:
        meta = self.cache / "install.json"
        if self.reuse_install and (self.venv / "bin" / "airflow").exists() and meta.exists():
            recorded = json.loads(meta.read_text())
            self.install_note = f"install time recorded {recorded['when']} (--reuse-install)"
            return float(recorded["seconds"])
        shutil.rmtree(self.venv, ignore_errors=True)
        self.cache.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        with open(self.cache / "install.log", "wb") as out:
            subprocess.run(["python3", "-m", "venv", str(self.venv)], check=True, stdout=out,
                           stderr=subprocess.STDOUT)
            subprocess.run([str(self.venv / "bin" / "python"), "-m", "pip", "install", "-q",
                            f"apache-airflow=={self.version}"], check=True, stdout=out,
                           stderr=subprocess.STDOUT)
        seconds = time.monotonic() - began
        meta.write_text(json.dumps({"seconds": round(seconds, 1), "when": now_iso(),
                                    "command": f"python3 -m venv && pip install apache-airflow=="
                                               f"{self.version}"}, indent=1))
        return seconds

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AIRFLOW") and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        env.update(AIRFLOW_HOME=str(self.home),
                   PATH=f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
        if self.major == "3":
            env.update(AIRFLOW__API__PORT=str(self.port),
                       AIRFLOW__API__BASE_URL=f"http://localhost:{self.port}")
        else:
            env.update(AIRFLOW__WEBSERVER__WEB_SERVER_PORT=str(self.port),
                       AIRFLOW__WEBSERVER__BASE_URL=f"http://localhost:{self.port}",
                       AIRFLOW__API__AUTH_BACKENDS=
                       "airflow.api.auth.backend.basic_auth,airflow.api.auth.backend.session")
        return env

    def start(self) -> float:
        began = time.monotonic()
        self.home.mkdir(parents=True, exist_ok=True)
        self.proc = processes.spawn([str(self.venv / "bin" / "airflow"), "standalone"], self.env(),
                                    self.home / "standalone.log", self.mark, cwd=self.home)
        self.record = processes.record(self.proc)
        while time.monotonic() - began < 600:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stock standalone exited; see {self.home / 'standalone.log'}")
            if self.healthy() and self.password_file().exists():
                return time.monotonic() - began
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"stock standalone not healthy after 600 s; see {self.home}")

    def password_file(self) -> Path:
        return self.home / ("simple_auth_manager_passwords.json.generated" if self.major == "3"
                            else "standalone_admin_password.txt")

    @property
    def password(self) -> str:
        text = self.password_file().read_text().strip()
        return json.loads(text)[self.username] if self.major == "3" else text

    def processes(self) -> list[psutil.Process]:
        return processes.ours(self.mark, [self.record]) if self.proc else []

    def stop(self) -> None:
        if not self.proc:
            return
        processes.stop(self.mark, [self.record], grace=30)
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)
        self.proc = None


# --- the measurements ------------------------------------------------------------------------------
def wait_listed(api: Api, dag_id: str, timeout: float, step: float = 0.25) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        with contextlib.suppress(requests.RequestException):
            if api.request("GET", f"/dags/{dag_id}", timeout=10).status_code == 200:
                return time.monotonic() - began
        time.sleep(step)
    return None


def parse_ts(value: str | None) -> float | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def profile_run(api: Api, dag_id: str, run_id: str, posted_at: float) -> dict:
    """Where the seconds of one run went, from the timestamps Airflow recorded."""
    run = api.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()
    tis = api.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances").json()["task_instances"]
    ti = {t["task_id"]: t for t in tis}
    first, second = ti.get("first", {}), ti.get("second", {})
    points = {
        "posted": posted_at,
        "run_started": parse_ts(run.get("start_date")),
        "first_queued": parse_ts(first.get("queued_when")),
        "first_started": parse_ts(first.get("start_date")),
        "first_ended": parse_ts(first.get("end_date")),
        "second_queued": parse_ts(second.get("queued_when")),
        "second_started": parse_ts(second.get("start_date")),
        "second_ended": parse_ts(second.get("end_date")),
        "run_ended": parse_ts(run.get("end_date")),
    }
    names = list(points)
    return {f"{a} -> {b}": points[b] - points[a] for a, b in zip(names, names[1:])
            if points[a] is not None and points[b] is not None}


def first_trigger(api: Api, dag_id: str, tag: str, timeout: float = 300) -> float | None:
    """A learner's first run: triggered the moment the start has returned, until it is success."""
    run_id, began = f"bench_first_{tag}", time.perf_counter()
    if api.trigger(dag_id, run_id, dt.datetime.now(dt.UTC)) not in (200, 201):
        return None
    while time.perf_counter() - began < timeout:
        with contextlib.suppress(requests.RequestException, ValueError):
            state = api.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}", timeout=20).json().get("state")
            if state in ("success", "failed"):
                return time.perf_counter() - began if state == "success" else None
        time.sleep(0.1)
    return None


def trigger_latency(api: Api, dag_id: str, runs: int, tag: str, timeout: float = 300) -> dict:
    times, profiles, failed = [], [], 0
    for i in range(runs + 1):  # the first run warms up (imports, caches) and is reported apart
        run_id = f"bench_lat_{tag}_{i}"
        posted_wall, began = time.time(), time.perf_counter()
        code = api.trigger(dag_id, run_id, dt.datetime.now(dt.UTC))
        if code not in (200, 201):
            raise RuntimeError(f"trigger refused: HTTP {code}")
        state = None
        while time.perf_counter() - began < timeout:
            state = None
            with contextlib.suppress(requests.RequestException, ValueError):
                r = api.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}", timeout=20)
                state = r.json().get("state") if r.ok else None
            if state in ("success", "failed"):
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - began
        failed += state != "success"
        if i == 0:
            warmup = seconds
            continue
        times.append(seconds)
        with contextlib.suppress(Exception):
            profiles.append(profile_run(api, dag_id, run_id, posted_wall))
    steps = {k: statistics.median(p[k] for p in profiles if k in p) for k in (profiles[0] if profiles else {})}
    return {"p50": percentile(times, 50), "p95": percentile(times, 95), "first_run": warmup,
            "runs": len(times), "failed": failed, "all": times, "profile_median": steps}


def burst(api: Api, dag_id: str, count: int, concurrency: int, tag: str, timeout: float) -> dict:
    run_ids = [f"bench_burst_{tag}_{i:03d}" for i in range(count)]
    base = dt.datetime.now(dt.UTC)
    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        codes = list(pool.map(lambda i: api.trigger(dag_id, run_ids[i], base + dt.timedelta(milliseconds=i)),
                              range(count)))
    sent = time.perf_counter() - began
    accepted = {rid for rid, code in zip(run_ids, codes) if code in (200, 201)}
    prefix = f"bench_burst_{tag}_"
    mine: list[dict] = []
    while time.perf_counter() - began < timeout:
        with contextlib.suppress(requests.RequestException, ValueError, KeyError):
            mine = [r for r in api.runs(dag_id) if r["dag_run_id"].startswith(prefix)]
            if sum(r["state"] in ("success", "failed") for r in mine) >= len(accepted):
                break
        time.sleep(0.5)
    elapsed = time.perf_counter() - began
    seen = [r["dag_run_id"] for r in mine]
    succeeded = {r["dag_run_id"] for r in mine if r["state"] == "success"}
    return {"count": count, "concurrency": concurrency, "timeout_s": timeout, "sent_in": sent,
            "all_succeeded_in":
            elapsed if succeeded >= accepted and len(accepted) == count else None,
            "accepted": len(accepted), "refused": count - len(accepted),
            "lost": len(accepted - set(seen)), "unfinished": len((accepted & set(seen)) - succeeded),
            "succeeded": len(succeeded & accepted), "failed": sum(r["state"] == "failed" for r in mine),
            "duplicated": len(seen) - len(set(seen)) + len(set(seen) - set(run_ids))}


def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure(target: Target, args) -> dict:
    res: dict = {"name": target.name, "kind": target.kind, "version": target.version,
                 "port": target.port}
    write_dag(target.dags, BENCH_DAG)
    log(f"{target.name}: installing" + ("" if args.cold else " (skipped: --no-cold)"))
    install = target.install() if (args.cold or target.kind == "stock") else None
    if target.kind == "stock" and target.install_note:
        res["note"] = target.install_note
    first_start = target.start()
    res["install_s"], res["first_start_s"] = install, first_start
    res["cold_s"] = install + first_start if (install is not None and args.cold) else None
    log(f"{target.name}: cold set-up {fmt_s(res['cold_s'])} (install {fmt_s(install)}, "
        f"first start {fmt_s(first_start)})")
    api = Api(target.url, target.major, target.username, target.password)
    if wait_listed(api, BENCH_DAG, 300) is None:
        raise RuntimeError(f"{target.name}: {BENCH_DAG} was never listed")
    api.request("PATCH", f"/dags/{BENCH_DAG}", json={"is_paused": False}).raise_for_status()
    target.stop()
    res["warm_s"] = target.start()
    log(f"{target.name}: warm start {fmt_s(res['warm_s'])}")
    api = Api(target.url, target.major, target.username, target.password)
    res["first_trigger_s"] = first_trigger(api, BENCH_DAG, uuid.uuid4().hex[:6])
    log(f"{target.name}: first trigger right after the start -> success {fmt_s(res['first_trigger_s'])}")
    time.sleep(args.settle)
    res["memory_kind"] = MEMORY_KIND
    res["memory_idle_mb"], res["processes_idle"] = target.memory_mb()
    res["memory_idle_by_process"] = getattr(target, "breakdown", {})
    log(f"{target.name}: idle {MEMORY_KIND} {res['memory_idle_mb']:.0f} MB in {res['processes_idle']} processes")
    res["idle_cpu_per_min"] = idle_cpu(target, args.idle)
    res["idle_cpu_window_s"] = args.idle
    log(f"{target.name}: idle CPU {res['idle_cpu_per_min']:.1f} CPU-s per minute (over {args.idle:.0f} s)")

    tag = uuid.uuid4().hex[:6]
    new_id = f"bench_new_{tag}"
    write_dag(target.dags, new_id)
    res["new_dag_s"] = wait_listed(api, new_id, args.new_dag_timeout)
    res["new_dag_timeout_s"] = args.new_dag_timeout
    log(f"{target.name}: new DAG file listed after {fmt_s(res['new_dag_s'])}")

    res["trigger"] = trigger_latency(api, BENCH_DAG, args.runs, tag)
    log(f"{target.name}: trigger -> success p50 {fmt_s(res['trigger']['p50'])} "
        f"p95 {fmt_s(res['trigger']['p95'])} (first run {fmt_s(res['trigger']['first_run'])})")
    res["burst"] = burst(api, BENCH_DAG, args.burst, args.concurrency, tag, args.burst_timeout)
    log(f"{target.name}: burst of {args.burst}: {fmt_s(res['burst']['all_succeeded_in'])}, "
        f"lost {res['burst']['lost']}, duplicated {res['burst']['duplicated']}")
    res["memory_after_burst_mb"], res["processes_after_burst"] = target.memory_mb()
    log(f"{target.name}: {MEMORY_KIND} after burst {res['memory_after_burst_mb']:.0f} MB")
    target.stop()
    return res


# --- the report ------------------------------------------------------------------------------------
def fmt_s(v) -> str:
    return "-" if v is None else f"{v:.1f} s" if v >= 10 else f"{v:.2f} s"


ROWS = [  # key, label, unit, target for the kit (issue 25's where it set one)
    ("cold_s", "cold set-up (install + first healthy)", "s", "<= 30 s"),
    ("first_start_s", "first start on a new home", "s", "<= 8 s"),
    ("warm_s", "warm start (stopped -> healthy)", "s", "<= 6 s"),
    ("first_trigger_s", "first trigger right after the start -> success", "s", "<= 1.5 s"),
    ("trigger.p50", "trigger -> success, p50", "s", "<= 1.0 s, >= 2.5x"),
    ("trigger.p95", "trigger -> success, p95", "s", ""),
    ("burst.all_succeeded_in", "burst: all succeeded", "s", ""),
    ("burst.accepted", "burst: triggers accepted", "n", ""),
    ("burst.lost", "burst: lost (accepted, never listed)", "n", "0"),
    ("burst.duplicated", "burst: duplicated", "n", "0"),
    ("new_dag_s", "new DAG file -> listed", "s", "<= 5 s"),
    ("memory_idle_mb", f"memory ({MEMORY_KIND}) idle", "MB", "<= 550 MB"),
    ("idle_cpu_per_min", "CPU idle, per minute", "CPU-s", ""),
    ("memory_after_burst_mb", f"memory ({MEMORY_KIND}) after burst", "MB", ""),
]


def pick(res: dict | None, key: str):
    for part in key.split("."):
        if not isinstance(res, dict):
            return None
        res = res.get(part)
    return res


def cell(res: dict | None, key: str, unit: str) -> str:
    if res is None:
        return "not run"
    if "error" in res:
        return "error"
    v = pick(res, key)
    if key == "new_dag_s" and v is None:
        return f"> {res.get('new_dag_timeout_s', 0):.0f} s"
    if key == "burst.all_succeeded_in" and v is None:
        b = res.get("burst") or {}
        return f"{b.get('succeeded', 0)} of {b.get('count', 0)} in {b.get('timeout_s', 0):.0f} s"
    if v is None:
        return "-"
    if unit == "CPU-s":
        return f"{v:.1f} CPU-s"
    return fmt_s(v) if unit == "s" else f"{v:.0f} MB" if unit == "MB" else str(v)


def ratio(kit: dict | None, stock: dict | None, key: str, unit: str) -> str:
    if unit == "n":
        return ""
    a, b = pick(kit, key), pick(stock, key)
    if key == "new_dag_s" and stock and b is None and a:
        return f"> {stock.get('new_dag_timeout_s', 0) / a:.0f}x"
    if not a or not b:
        return "-"
    return f"{b / a:.1f}x"


def table(results: dict) -> str:
    lines = []
    for major in ("3", "2"):
        kit, stock = results["targets"].get(f"kit{major}"), results["targets"].get(f"stock{major}")
        if kit is None and stock is None:
            continue
        version = airflow_version_pinned(major)
        head = ["", f"kit {version}", f"stock {version}", "stock / kit", "kit target"]
        rows = [[label, cell(kit, key, unit), cell(stock, key, unit), ratio(kit, stock, key, unit),
                 target] for key, label, unit, target in ROWS]
        widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
        lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
        lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        lines += ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
        lines.append("")
    return "\n".join(lines)


def machine() -> dict:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "cpu": model or platform.processor(), "os": platform.platform(),
            "python": platform.python_version()}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def profile_text(results: dict) -> str:
    out = []
    for res in results["targets"].values():
        prof = pick(res, "trigger.profile_median")
        if prof:
            out.append(f"{res['name']}: median seconds between the timestamps of one trigger -> success")
            out += [f"    {k:<34} {v:6.2f}" for k, v in prof.items()]
    return "\n".join(out)


def write_docs(results: dict, text: str) -> None:
    m = results["machine"]
    block = "\n".join([
        MARK_BEGIN,
        f"Measured {results['finished']} with `{results['command']}`.",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB memory, {m['os']}, "
        f"Python {m['python']}. Load average (1, 5, 15 min) at the start: {results['load_start']}; "
        f"at the end: {results['load_end']}.",
        "",
        text.strip(),
        "",
        "Where the time of one trigger -> success goes (medians over the runs above):",
        "",
        "```",
        profile_text(results),
        "```",
        *([""] + [f"- {n}" for n in results["notes"]] if results["notes"] else []),
        MARK_END,
    ])
    doc = DOCS.read_text() if DOCS.exists() else f"# Benchmarks\n\n{MARK_BEGIN}\n{MARK_END}\n"
    if MARK_BEGIN in doc and MARK_END in doc:
        doc = doc[:doc.index(MARK_BEGIN)] + block + doc[doc.index(MARK_END) + len(MARK_END):]
    else:
        doc += "\n" + block + "\n"
    DOCS.write_text(doc)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench/bench.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=20, help="timed trigger -> success runs (default 20)")
    p.add_argument("--burst", type=int, default=100, help="triggers in the burst (default 100)")
    p.add_argument("--concurrency", type=int, default=10, help="triggers in flight at once (10)")
    p.add_argument("--versions", default="3,2", help="Airflow majors to measure: 3,2 (default), 3 or 2")
    p.add_argument("--kit-only", action="store_true", help="measure the kit only, no stock Airflow")
    p.add_argument("--stock2", action="store_true",
                   help="also stock 2.11 (pip install + standalone; off by default: slow)")
    p.add_argument("--no-cold", dest="cold", action="store_false",
                   help="kit: skip the install into a temporary venv (use .venv); cold set-up not measured")
    p.add_argument("--reuse-install", action="store_true",
                   help="stock: reuse the cached venv and its recorded install time")
    p.add_argument("--settle", type=float, default=15, help="seconds idle before the idle memory (15)")
    p.add_argument("--idle", type=float, default=60, help="seconds over which the idle CPU is measured (60)")
    p.add_argument("--new-dag-timeout", type=float, default=330,
                   help="give up waiting for a new DAG file after this many seconds (330)")
    p.add_argument("--burst-timeout", type=float, default=180,
                   help="give up waiting for the burst after this many seconds (180)")
    p.add_argument("--json", type=Path, default=RESULTS / "latest.json")
    p.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    p.add_argument("--workdir", type=Path, help="where homes and temporary venvs go (default: /tmp)")
    p.add_argument("--templates", type=Path,
                   help="with --no-cold: a folder of migrated databases to start from (as the tests' stacks do)")
    args = p.parse_args(argv)

    majors = [m.strip() for m in args.versions.split(",") if m.strip()]
    results = {"started": now_iso(), "command": "bench/bench.py " + " ".join(argv or sys.argv[1:]),
               "machine": machine(), "load_start": load(), "targets": {}, "notes": []}
    root = Path(tempfile.mkdtemp(prefix="apikit-bench-", dir=args.workdir))
    log(f"work folder {root}; load average {results['load_start']}")
    plan = []
    for major in majors:
        plan.append(("kit", major))
        if not args.kit_only and (major == "3" or args.stock2):
            plan.append(("stock", major))
    if "2" in majors and not args.stock2 and not args.kit_only:
        results["notes"].append("Stock 2.11 was not measured (run with --stock2): 2.11 shows the kit alone.")
    interrupted = False
    try:
        for kind, major in plan:
            workdir = root / f"{kind}{major}"
            workdir.mkdir()
            target = Kit(major, workdir, args.cold, args.templates) if kind == "kit" else \
                Stock(major, workdir, args.reuse_install)
            try:
                results["targets"][f"{kind}{major}"] = measure(target, args)
            except KeyboardInterrupt:  # Ctrl-C: stop this stack, keep the figures so far
                interrupted = True
                results["targets"][f"{kind}{major}"] = {"name": target.name, "error": "interrupted"}
                results["notes"].append(f"Interrupted during {target.name}.")
                break
            except Exception as exc:  # one target failing leaves the others' figures
                log(f"{target.name}: FAILED: {exc}")
                results["targets"][f"{kind}{major}"] = {"name": target.name, "error": str(exc)}
            finally:
                target.stop()
                if kind == "kit" and args.cold:
                    shutil.rmtree(workdir / "venv", ignore_errors=True)
    finally:
        if interrupted or any("error" in r for r in results["targets"].values()):
            log(f"kept {root} for its logs")
        else:
            shutil.rmtree(root, ignore_errors=True)
    results["finished"], results["load_end"] = now_iso(), load()
    text = table(results)
    print("\n" + text)
    print(profile_text(results))
    for n in results["notes"]:
        print(f"Note: {n}")
    print(f"Load average: {results['load_start']} at the start, {results['load_end']} at the end.")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1))
    print(f"Written: {args.json}" + ("" if args.no_docs else f" and {DOCS}"))
    if not args.no_docs:
        write_docs(results, text)
    return 1 if any("error" in r for r in results["targets"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())

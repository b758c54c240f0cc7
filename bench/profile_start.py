"""Where a warm start of the kit's stack and an idle minute of it spend CPU, and what it holds, per component.

    .venv/bin/python bench/profile_start.py [--versions 3,2] [--idle 60] [--starts 2]

For each version: a stack on a free port with a temporary home (its database copied from a migrated
template, as the test suite's stacks are), started once, stopped, then started again (`--starts` warm
starts) while every process of the stack is sampled every 0.1 s: its CPU-seconds (user + system, with
those of the children it has reaped: the DAG processor's parsers, a task's fork). Then the stack idles
for `--idle` seconds and the same is read at the beginning and the end; then each component's memory
(PSS and USS: see memory()). It also times what every
component pays before it does anything of its own: one Python importing Airflow and its command line
(`airflow version`'s imports).
Nothing it starts outlives it; the temporary folder is removed at the end.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import cpu_seconds, free_port, load  # noqa: E402  (bench/bench.py)
from stacks.stack import Stack  # noqa: E402


def component_of(p: psutil.Process, pids: dict[int, str]) -> str:
    """The component a process belongs to: the one whose recorded pid is it or one of its ancestors."""
    with contextlib.suppress(psutil.Error):
        for q in [p, *p.parents()]:
            if q.pid in pids:
                return pids[q.pid]
    return "other"


def sample(stack: Stack) -> dict[int, tuple[str, float]]:
    """{pid: (component, CPU-seconds)} for every live process of the stack."""
    state = stack.state()
    if not state:
        return {}
    pids = {rec["pid"]: name for name, rec in state["components"].items()}
    if state.get("zygote"):
        pids[state["zygote"]["pid"]] = "zygote"  # stacks/zygote.py: the components' parent
    found = {}
    for p in stack.processes():
        with contextlib.suppress(psutil.Error):
            found[p.pid] = (component_of(p, pids), cpu_seconds(p))
    return found


def per_component(samples: dict[int, tuple[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, seconds in samples.values():
        out[name] = out.get(name, 0.0) + seconds
    return out


def import_cost(stack: Stack) -> float:
    """CPU-seconds of one Python importing Airflow and its command line, as every component does first."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(stack.venv / "bin" / "python"), "-c",
                    "import airflow.__main__, airflow.cli.cli_parser; airflow.cli.cli_parser.get_parser()"],
                   env=stack.env(), check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def warm_start(stack: Stack) -> tuple[float, dict[str, float]]:
    """Seconds until the start returned, and each component's CPU-seconds by then."""
    seen: dict[int, tuple[str, float]] = {}
    done = threading.Event()

    def start():
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                stack.start(timeout=600)
        finally:
            done.set()

    began = time.monotonic()
    thread = threading.Thread(target=start)
    thread.start()
    while not done.is_set():
        seen.update(sample(stack))  # a process that exits keeps its last sample
        time.sleep(0.1)
    seconds = time.monotonic() - began
    seen.update(sample(stack))
    thread.join()
    return seconds, per_component(seen)


def idle(stack: Stack, seconds: float) -> dict[str, float]:
    """Each component's CPU-seconds per minute over `seconds` of idling."""
    first = sample(stack)
    time.sleep(seconds)
    last = sample(stack)
    out: dict[str, float] = {}
    for pid, (name, cpu) in last.items():
        out[name] = out.get(name, 0.0) + cpu - first.get(pid, (name, 0.0))[1]
    return {name: v * 60 / seconds for name, v in out.items()}


def memory(stack: Stack) -> dict[str, tuple[float, float]]:
    """Each component's memory in MB, summed over its processes: PSS (each shared page divided among the
    processes that map it: the sum is the stack's) and USS (the pages only that process holds)."""
    out: dict[str, tuple[float, float]] = {}
    for pid, (name, _) in sample(stack).items():
        with contextlib.suppress(psutil.Error):
            info = psutil.Process(pid).memory_full_info()
            pss, uss = out.get(name, (0.0, 0.0))
            out[name] = (pss + getattr(info, "pss", info.uss) / 1e6, uss + info.uss / 1e6)
    return out


def show(title: str, figures: dict[str, float], unit: str) -> None:
    print(f"  {title}")
    for name, v in sorted(figures.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<16} {v:7.1f} {unit}")
    print(f"    {'in all':<16} {sum(figures.values()):7.1f} {unit}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench/profile_start.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--versions", default="3", help="Airflow majors: 3, 2 or 3,2 (default 3)")
    p.add_argument("--starts", type=int, default=2, help="warm starts to profile (default 2)")
    p.add_argument("--idle", type=float, default=60, help="seconds of idling to measure (default 60)")
    p.add_argument("--templates", type=Path, default=Path(".airflow-test/templates"),
                   help="migrated databases to start from (default: the test suite's)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="an environment variable for the stack, e.g. an Airflow setting to try (repeatable)")
    args = p.parse_args(argv)
    extra_env = dict(item.split("=", 1) for item in args.set)
    print(f"load average {load()}")
    for major in [m.strip() for m in args.versions.split(",") if m.strip()]:
        with tempfile.TemporaryDirectory(prefix="apikit-profile-") as root:
            stack = Stack(major, home=Path(root) / "home", port=free_port(), templates=args.templates.resolve(),
                          extra_env=extra_env)
            print(f"\nAirflow {stack.version} (kit), home {stack.home}")
            print(f"  one Python importing Airflow and its CLI: {import_cost(stack):.1f} CPU-s")
            try:
                first, _ = warm_start(stack)
                print(f"  first start: {first:.1f} s")
                for n in range(args.starts):
                    stack.stop(quiet=True)
                    seconds, cpu = warm_start(stack)
                    show(f"warm start {n + 1}: {seconds:.1f} s wall, CPU-seconds by the time it returned "
                         f"(load {load()}):", cpu, "CPU-s")
                show(f"idle, {args.idle:.0f} s, 15 s after the start (load {load()}):",
                     (time.sleep(15), idle(stack, args.idle))[1], "CPU-s per minute")
                held = memory(stack)
                print(f"  memory at the end of the idle time, MB (load {load()}):")
                print(f"    {'':<16} {'PSS':>7} {'own (USS)':>10}")
                for name, (pss, uss) in sorted(held.items(), key=lambda kv: -kv[1][0]):
                    print(f"    {name:<16} {pss:7.0f} {uss:10.0f}")
                pss, uss = (sum(v[i] for v in held.values()) for i in (0, 1))
                print(f"    {'in all':<16} {pss:7.0f} {uss:10.0f}")
            finally:
                stack.stop(quiet=True)
    print(f"\nload average {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make doctor`: is this machine ready for the kit? A checklist to run before a workshop, with the fix
for every line that is not green. Standard library only: it runs before anything is installed.

Exit status 1 when something a learner needs (to `make up` and run the notebooks) is missing; what only
the tests need (Node.js with npm, Chromium) is listed apart and never fails the check.
"""
from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIN_PYTHON = (3, 11)
MIN_DISK_GB = 3  # both environments (~1.5 GB), the wheelhouse if any, logs and databases
INDEX = os.environ.get("UV_INDEX_URL") or os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple/"
WHEELHOUSE = Path(os.environ.get("KIT_WHEELHOUSE") or REPO / "wheelhouse")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    needed: bool = True  # False: only for `make test`


def python_check(python: str) -> Check:
    try:
        out = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True, timeout=20)
        version = out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        version = ""
    ok = bool(version) and tuple(int(x) for x in version.split(".")[:2]) >= MIN_PYTHON
    return Check(f"Python {'.'.join(map(str, MIN_PYTHON))} or newer", ok,
                 f"{python}: {version or 'not found'}",
                 "install Python 3.11+ (python.org, brew install python@3.12, apt-get install python3), "
                 "or name it: make up PYTHON=/path/to/python3.12")


def tool_check(name: str, command: str, fix: str, needed: bool = True) -> Check:
    path = shutil.which(command)
    return Check(name, path is not None, path or "not found", fix, needed)


def port_check(port: int, what: str) -> Check:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            free = True
        except OSError:
            free = False
    kit_home = Path(os.environ.get("KIT_HOME") or REPO / ".airflow")
    ours = not free and port == int(os.environ.get("AIRFLOW_PORT") or 8080) and \
        (kit_home / "airflow3" / "stack.json").exists()
    return Check(f"port {port} free ({what})", free or ours,
                 "free" if free else ("in use by the kit's own stack" if ours else "in use by another program"),
                 f"stop the program that uses it, or pick another port: make up "
                 f"{'AIRFLOW_PORT' if port == 8080 else 'JUPYTER_PORT'}={port + 10}")


def disk_check() -> Check:
    free_gb = shutil.disk_usage(REPO).free / 2**30
    return Check(f"{MIN_DISK_GB} GB of free disk", free_gb >= MIN_DISK_GB, f"{free_gb:.1f} GB free in {REPO}",
                 "free some disk space (the kit's environments take about 1.5 GB)")


def index_check(timeout: float = 8) -> Check:
    if WHEELHOUSE.is_dir() and any(WHEELHOUSE.glob("*.whl")):
        return Check("packages to install", True, f"the wheelhouse {WHEELHOUSE} (offline install)")
    try:
        with urllib.request.urlopen(urllib.request.Request(INDEX.rstrip("/") + "/uv/", method="HEAD"),
                                    timeout=timeout) as answer:
            ok, detail = answer.status < 400, f"{INDEX} answers ({answer.status})"
    except (urllib.error.URLError, OSError) as exc:
        ok, detail = False, f"{INDEX} cannot be reached ({getattr(exc, 'reason', exc)})"
    return Check("packages to install", ok, detail,
                 "connect to the internet (or a proxy: HTTPS_PROXY), or copy a wheelhouse made by "
                 "`make wheelhouse` into wheelhouse/ (workshops: hand it out on a USB stick)")


def memory_check() -> Check:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        gb = pages * size / 2**30
    except (ValueError, OSError, AttributeError):
        return Check("4 GB of memory", True, "unknown (not checked on this system)")
    return Check("4 GB of memory", gb >= 4, f"{gb:.1f} GB", "Airflow 3 takes about 0.7 GB; close other programs")


def checks(python: str) -> list[Check]:
    return [
        python_check(python),
        tool_check("make", "make", "install make (macOS: xcode-select --install; Debian: apt-get install make)"),
        memory_check(),
        disk_check(),
        port_check(int(os.environ.get("AIRFLOW_PORT") or 8080), "Airflow"),
        port_check(int(os.environ.get("JUPYTER_PORT") or 8888), "JupyterLab"),
        index_check(),
        tool_check("Node.js with npm (newman)", "npm", "apt-get install nodejs npm, or brew install node",
                   needed=False),
        Check("Chromium (browser tests)", chromium() is not None, chromium() or "not found",
              "apt-get install chromium, or brew install --cask chromium (or set CHROMIUM)", needed=False),
    ]


def chromium() -> str | None:
    for candidate in [os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome"), "/Applications/Chromium.app/Contents/MacOS/Chromium",
                      "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"]:
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def main() -> int:
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    mark = {True: "\033[32m ok \033[0m" if color else " ok ", False: "\033[31mFAIL\033[0m" if color else "FAIL"}
    optional = "\033[33m -- \033[0m" if color else " -- "
    python = os.environ.get("PYTHON") or "python3"
    print(f"airflow-api-kit doctor ({platform.system()} {platform.machine()})\n")
    missing = 0
    results = checks(python)
    for check in results:
        label = mark[check.ok] if check.ok or check.needed else optional
        print(f"[{label}] {check.name}: {check.detail}")
        if not check.ok:
            print(f"       fix: {check.fix}" + ("" if check.needed else "  (only `make test` needs this)"))
            missing += check.needed
    print()
    if missing:
        print(f"{missing} thing(s) a learner needs are missing: fix the lines marked FAIL, then run make doctor again.")
        return 1
    print("Ready: `make up` installs the kit and starts Airflow and JupyterLab.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

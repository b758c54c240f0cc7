"""`make doctor`: is this machine ready for the kit? A checklist to run before a workshop, with the fix
for every line that is not green. Standard library only: it runs before anything is installed.

Exit status 1 when something a learner needs (to `make up` and run the notebooks) is missing. What only
`make check` and `make test` need (ShellCheck, Node.js with npm, Chromium) is listed apart, with how to
install it, and never fails the check. `doctor.py --tool shellcheck` checks one such tool alone (exit 1 if
it is missing): scripts/check.sh asks it, so that a missing tool is explained in the same words.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
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
    only_for: str = ""  # the commands that alone need it ("make test"); empty: every command does
    warning: bool = False  # a risk to know of, not a missing piece: never fails the doctor


@dataclass
class Tool:
    name: str
    command: str
    only_for: str
    fix: str
    minimum: int = 0  # the oldest major version that does


# What `make check` and `make test` need beyond what `make up` does (README, "You need").
TOOLS = [
    Tool("ShellCheck (lints the scripts)", "shellcheck", "make check",
         "apt-get install shellcheck, or brew install shellcheck"),
    Tool("Node.js 18 or newer (node --check, newman)", "node", "make check and make test",
         "apt-get install nodejs npm, or brew install node", minimum=18),
    Tool("npm (installs newman)", "npm", "make test", "apt-get install npm, or brew install node"),
]
CHROMIUM_FIX = "apt-get install chromium, or brew install --cask chromium (or set CHROMIUM=/path/to/chrome)"
# How to install what every command needs (the README's "You need" names each package).
PYTHON_FIX = ("install Python 3.11+ (apt-get install python3, brew install python@3.12, or python.org), "
              "or name it: make up PYTHON=/path/to/python3.12")
MAKE_FIX = "apt-get install make; macOS: xcode-select --install"
INSTALLER_FIX = ("apt-get install python3-venv (Debian, Ubuntu; python3.N-venv for a python3.N), or install uv "
                 "(brew install uv; elsewhere: https://docs.astral.sh/uv/)")
MACOS_BROWSERS = ["/Applications/Chromium.app/Contents/MacOS/Chromium",
                  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"]


def python_check(python: str) -> Check:
    try:
        out = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True, timeout=20)
        version = out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        version = ""
    ok = bool(version) and tuple(int(x) for x in version.split(".")[:2]) >= MIN_PYTHON
    return Check(f"Python {'.'.join(map(str, MIN_PYTHON))} or newer", ok,
                 f"{python}: {version or 'not found'}", PYTHON_FIX)


def installer_check(python: str) -> Check:
    """uv installs the environments; without it, scripts/bootstrap.sh makes a venv and installs uv (or the
    environments) with pip: Debian and Ubuntu ship Python without venv's pip (ensurepip) unless python3-venv
    is installed."""
    name, fix = "uv, or Python's venv with pip (to install the kit)", INSTALLER_FIX
    uv = shutil.which("uv") or next((str(p) for p in [REPO / ".tools" / "uv" / "bin" / "uv"] if p.exists()), None)
    if uv:
        return Check(name, True, uv, fix)
    try:
        venv = subprocess.run([python, "-c", "import ensurepip, venv"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        venv = False
    return Check(name, venv, f"{python} -m venv (no uv on PATH)" if venv else
                 f"no uv on PATH, and {python} has no venv with pip (the module ensurepip is missing)", fix)


def tool_check(name: str, command: str, fix: str, only_for: str = "", minimum: int = 0) -> Check:
    path = shutil.which(command)
    if path is None or not minimum:
        return Check(name, path is not None, path or "not found", fix, only_for)
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
        major = int(version.lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        version, major = "an unknown version", 0
    return Check(name, major >= minimum, f"{path}: {version}", fix, only_for)


def test_tool_checks() -> dict[str, Check]:
    """What `make check` and `make test` need beyond what `make up` does, by command."""
    checks = {t.command: tool_check(t.name, t.command, t.fix, t.only_for, t.minimum) for t in TOOLS}
    checks["chromium"] = Check("Chromium (the browser tests)", chromium() is not None, chromium() or "not found",
                               CHROMIUM_FIX, "make test")
    return checks


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


def credentials_check() -> Check | None:
    """When AIRFLOW_URL names another machine: do the notebooks still sign in with the kit's local admin:admin?"""
    host = urllib.parse.urlsplit(os.environ.get("AIRFLOW_URL", "")).hostname or ""
    if host in ("", "127.0.0.1", "localhost", "::1"):
        return None  # the kit's own Airflow (or none named)
    default = not (os.environ.get("AIRFLOW_TOKEN") or os.environ.get("AIRFLOW_USERNAME")
                   or os.environ.get("AIRFLOW_PASSWORD"))
    detail = ("AIRFLOW_URL names another machine, and the notebooks would send it admin:admin, the kit's local "
              "default" if default else "AIRFLOW_URL names another machine; the notebooks send your environment's")
    return Check(f"credentials for {host}", not default, detail,
                 "set AIRFLOW_USERNAME and AIRFLOW_PASSWORD, or AIRFLOW_TOKEN, for that Airflow (in your environment "
                 "or .env, never in a notebook); or unset AIRFLOW_URL to use the kit's local Airflow", warning=True)


def checks(python: str) -> list[Check]:
    return [
        python_check(python),
        tool_check("make", "make", MAKE_FIX),
        installer_check(python),
        memory_check(),
        disk_check(),
        port_check(int(os.environ.get("AIRFLOW_PORT") or 8080), "Airflow"),
        port_check(int(os.environ.get("JUPYTER_PORT") or 8888), "JupyterLab"),
        index_check(),
        *test_tool_checks().values(),
        *filter(None, [credentials_check()]),
    ]


def chromium() -> str | None:
    """The Chromium the browser tests drive: $CHROMIUM, then chromium (or chromium-browser, google-chrome)
    on PATH, then the macOS app folders (tests/helpers.py launches it)."""
    for candidate in [os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome"), *MACOS_BROWSERS]:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def line(check: Check, color: bool) -> str:
    """The check's line, and where it failed the fix; marked -- where only some commands need it."""
    marks = {"ok": "\033[32m ok \033[0m", "FAIL": "\033[31mFAIL\033[0m", "--": "\033[33m -- \033[0m",
             "warn": "\033[33mwarn\033[0m"}
    mark = "ok" if check.ok else "warn" if check.warning else "FAIL" if not check.only_for else "--"
    text = f"[{marks[mark] if color else f'{mark:^4}'}] {check.name}"
    text += f", for {check.only_for}" if check.only_for else ""
    text += f": {check.detail}"
    if not check.ok:
        text += f"\n       fix: {check.fix}" + (f"  (needed only by {check.only_for})" if check.only_for else "")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/doctor.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tool", choices=[*(t.command for t in TOOLS), "chromium"],
                        help="check only this tool of `make check` and `make test` (exit 1 if it is missing)")
    args = parser.parse_args(argv)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    if args.tool:
        check = test_tool_checks()[args.tool]
        print(line(check, color))
        return 0 if check.ok else 1
    python = os.environ.get("PYTHON") or "python3"
    print(f"airflow-api-kit doctor ({platform.system()} {platform.machine()})\n")
    results = checks(python)
    for check in results:
        print(line(check, color))
    missing = sum(not c.ok and not c.only_for and not c.warning for c in results)
    print()
    if missing:
        print(f"{missing} thing(s) a learner needs are missing: fix the lines marked FAIL, then run make doctor again.")
        return 1
    print("Ready: `make up` installs the kit and starts Airflow and JupyterLab.")
    if any(not c.ok and c.only_for for c in results):
        print("(The lines marked -- are for `make check` and `make test` only.)")
    if any(not c.ok and c.warning for c in results):
        print("(The lines marked warn do not stop you: read them before you go on.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

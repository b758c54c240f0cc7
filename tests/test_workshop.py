"""Tools for a workshop room: `make doctor` (is this machine ready?), `make reset` (a clean stack between
two groups), `make wheelhouse` and the offline install it allows (a room with bad Wi-Fi), and the dev
container (Codespaces, VS Code)."""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apikit import Airflow
from conftest import MAJOR, TEMPLATES, TEST_HOME, free_port
from helpers import trigger
from stacks.paths import REPO
from stacks.stack import DEFAULT_PORT, Stack

DOCTOR = REPO / "scripts" / "doctor.py"


# --- make doctor ---------------------------------------------------------------------------------
def doctor(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """scripts/doctor.py with free ports and a wheelhouse (no network needed), unless `env` says else."""
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir(exist_ok=True)
    (wheelhouse / "uv-0.0.0-py3-none-any.whl").touch()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "JUPYTER", "KIT_", "PYTHON"))}
    base.update(AIRFLOW_PORT=str(free_port()), JUPYTER_PORT=str(free_port()), KIT_WHEELHOUSE=str(wheelhouse),
                NO_COLOR="1")
    base.update(env)
    return subprocess.run([sys.executable, str(DOCTOR)], capture_output=True, text=True, env=base, timeout=60)


def line_of(output: str, name: str) -> str:
    return next(line for line in output.splitlines() if name in line)


def test_doctor_is_green_on_a_ready_machine(tmp_path):
    done = doctor(tmp_path)
    assert done.returncode == 0, done.stdout
    assert "Ready: `make up`" in done.stdout
    assert line_of(done.stdout, "Python 3.11 or newer").startswith("[ ok ]")


def test_doctor_fails_with_the_fix_for_an_old_python(tmp_path):
    old = tmp_path / "python3.9"
    old.write_text("#!/bin/sh\necho 3.9.18\n")
    old.chmod(0o755)
    done = doctor(tmp_path, PYTHON=str(old))
    assert done.returncode == 1
    assert line_of(done.stdout, "Python 3.11 or newer").startswith("[FAIL]")
    assert "3.9.18" in done.stdout and "make up PYTHON=" in done.stdout


def test_doctor_names_a_busy_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = doctor(tmp_path, JUPYTER_PORT=str(port))
    assert done.returncode == 1
    assert line_of(done.stdout, f"port {port}").startswith("[FAIL]")
    assert f"JUPYTER_PORT={port + 10}" in done.stdout


def test_doctor_without_a_network_asks_for_the_wheelhouse(tmp_path):
    nowhere = f"http://127.0.0.1:{free_port()}/simple/"
    done = doctor(tmp_path, KIT_WHEELHOUSE=str(tmp_path / "none"), UV_INDEX_URL=nowhere)
    assert done.returncode == 1
    assert line_of(done.stdout, "packages to install").startswith("[FAIL]") and "make wheelhouse" in done.stdout
    assert doctor(tmp_path, UV_INDEX_URL=nowhere).returncode == 0  # with a wheelhouse: nothing to download


def fake_bin(tmp_path: Path, *tools: str) -> Path:
    """A folder for PATH with only these tools of the machine (python3 is this Python)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in tools:
        (bin_dir / tool).symlink_to(sys.executable if tool == "python3" else shutil.which(tool))
    return bin_dir


def check_and_fix(output: str, name: str) -> tuple[str, str]:
    """The doctor's line for the check called `name`, and the line after it (its fix, if it failed)."""
    lines = output.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("[") and f"] {name}" in line)
    return lines[at], lines[at + 1]


def test_doctor_names_each_tool_of_the_checks_and_tests_with_its_install_command(tmp_path):
    """On a PATH with Python and make only, ShellCheck, Node.js, npm and Chromium are each named, for the
    command that needs it, with how to install it on Debian/Ubuntu and on macOS; a learner's check passes."""
    done = doctor(tmp_path, PATH=str(fake_bin(tmp_path, "python3", "make")), CHROMIUM="")
    assert done.returncode == 0, done.stdout
    for name, needed_by, fix in [
            ("ShellCheck", "make check", "apt-get install shellcheck, or brew install shellcheck"),
            ("Node.js 18 or newer", "make check and make test", "apt-get install nodejs npm, or brew install node"),
            ("npm", "make test", "apt-get install npm, or brew install node"),
            ("Chromium", "make test", "apt-get install chromium, or brew install --cask chromium")]:
        check, how = check_and_fix(done.stdout, name)
        assert check.startswith("[ -- ]") and check.endswith(f", for {needed_by}: not found"), check
        assert how.strip().startswith(f"fix: {fix}") and how.endswith(f"(needed only by {needed_by})"), how


def test_doctor_warns_when_another_airflow_would_get_admin_admin(tmp_path):
    """AIRFLOW_URL on another machine with no credentials of its own: the notebooks would send it the kit's
    local admin:admin. A warning with the fix, and the doctor still passes; no warning once credentials are set,
    and none for the kit's own Airflow."""
    done = doctor(tmp_path, AIRFLOW_URL="https://airflow.example.com")
    check, how = check_and_fix(done.stdout, "credentials for airflow.example.com")
    assert done.returncode == 0, done.stdout
    assert check.startswith("[warn]") and "admin:admin" in check, check
    assert "set AIRFLOW_USERNAME and AIRFLOW_PASSWORD, or AIRFLOW_TOKEN" in how, how
    done = doctor(tmp_path, AIRFLOW_URL="https://airflow.example.com", AIRFLOW_TOKEN="t")
    assert check_and_fix(done.stdout, "credentials for airflow.example.com")[0].startswith("[ ok ]")
    assert "credentials for" not in doctor(tmp_path, AIRFLOW_URL="http://127.0.0.1:8080").stdout


def test_doctor_names_a_node_too_old_for_newman(tmp_path):
    bin_dir = fake_bin(tmp_path, "python3", "make")
    (bin_dir / "node").write_text("#!/bin/sh\necho v16.20.2\n")
    (bin_dir / "node").chmod(0o755)
    done = doctor(tmp_path, PATH=str(bin_dir))
    check, how = check_and_fix(done.stdout, "Node.js 18 or newer")
    assert check.startswith("[ -- ]") and check.endswith(f"{bin_dir / 'node'}: v16.20.2"), check
    assert "brew install node" in how


def test_doctor_asks_for_python3_venv_where_there_is_no_uv(tmp_path, monkeypatch):
    """Without uv, the install makes a venv with pip: Debian and Ubuntu's Python has none (ensurepip is in
    their python3-venv), and the doctor says so instead of the install failing half-way."""
    from scripts import doctor as doctor_module

    shadow = tmp_path / "no-ensurepip"
    shadow.mkdir()
    (shadow / "ensurepip.py").write_text("raise ImportError('ensurepip is in the package python3-venv')\n")
    monkeypatch.setenv("PATH", str(fake_bin(tmp_path, "python3")))  # no uv on it
    monkeypatch.setattr(doctor_module, "REPO", tmp_path)  # nor the kit's own .tools/uv
    monkeypatch.setenv("PYTHONPATH", str(shadow))
    check = doctor_module.installer_check(sys.executable)
    assert not check.ok and "ensurepip is missing" in check.detail, check
    assert check.fix.startswith("apt-get install python3-venv") and "brew install uv" in check.fix
    monkeypatch.delenv("PYTHONPATH")
    assert doctor_module.installer_check(sys.executable).ok  # this Python has venv with pip


# --- make reset ----------------------------------------------------------------------------------
@pytest.mark.live
@pytest.mark.airflow3  # the same code resets both versions
def test_reset_gives_a_clean_stack(tmp_path):
    """A stack used by a group (a variable, a run, a paused DAG), then `make reset`:
    healthy again, with nothing of theirs left. How long it takes is printed (docs/workshop.md)."""
    kit_home = tmp_path / "kit-home"
    kit_home.mkdir()
    (kit_home / "templates").symlink_to(TEMPLATES)  # as after the first start
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(KIT_HOME=str(kit_home), AIRFLOW_PORT=str(port), AIRFLOW="3")
    stack = Stack("3", home=kit_home / "airflow3", port=port)
    try:
        subprocess.run([sys.executable, "-m", "stacks.stack", "start"], env=env, check=True, cwd=REPO,
                       capture_output=True, timeout=300)
        af = Airflow(stack.url, "admin", "admin", verbose=False)
        af.post("/variables", json={"key": "kit_group_1", "value": "theirs"})
        run_id = trigger(af, "dependent_dag")
        af.wait_for_run("dependent_dag", run_id, progress=False)
        af.patch("/dags/random_failures", json={"is_paused": True})
        began = time.monotonic()
        done = subprocess.run(["make", "-s", "reset", f"KIT_HOME={kit_home}", f"AIRFLOW_PORT={port}", "AIRFLOW=3"],
                              env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
        took = time.monotonic() - began
        assert done.returncode == 0, done.stdout + done.stderr
        print(f"make reset took {took:.1f} s")
        af = Airflow(stack.url, "admin", "admin", verbose=False)
        assert stack.healthy()
        assert af.items("/variables") == [] and af.items("/dags/~/dagRuns") == []
        assert [p["name"] for p in af.items("/pools")] == ["default_pool"]
        assert not af.get("/dags/random_failures")["is_paused"]  # listed again when the reset returned
        assert re.search(r"Reset Airflow .* to a clean stack in \d+ s", done.stdout), done.stdout
    finally:
        stack.stop(quiet=True)


# --- make wheelhouse, and an install with no network ------------------------------------------------
@pytest.mark.live
def test_offline_install_from_the_wheelhouse_starts_the_stack(tmp_path):
    """`make wheelhouse` (once: it is kept in the test home), then this version's environment installed
    into a new venv with every package index unreachable, and a stack started from it."""
    wheelhouse = TEST_HOME / "wheelhouse"
    TEST_HOME.mkdir(exist_ok=True)
    with open(TEST_HOME / "wheelhouse.lock", "w") as lock:  # the other version's pass may build it too
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = subprocess.run(["make", "-s", "wheelhouse", f"KIT_WHEELHOUSE={wheelhouse}"], cwd=REPO,
                               capture_output=True, text=True, timeout=1200)
    assert built.returncode == 0, built.stdout + built.stderr
    nowhere = f"http://127.0.0.1:{free_port()}/simple/"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env.update(KIT_WHEELHOUSE=str(wheelhouse), UV_INDEX_URL=nowhere, PIP_INDEX_URL=nowhere,
               UV_CACHE_DIR=str(tmp_path / "uv-cache"))  # an empty cache: every wheel from the wheelhouse
    venv = tmp_path / "venv"
    lock = REPO / "requirements" / f"airflow{MAJOR}.lock"
    args = [str(REPO / "scripts" / "bootstrap.sh"), str(lock), str(venv)] + (["--kit"] if MAJOR == "3" else [])
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no network needed" in done.stdout
    stack = Stack(MAJOR, home=tmp_path / "home", port=free_port(), templates=TEMPLATES)
    stack.venv = venv
    try:
        stack.start()
        assert stack.healthy()
    finally:
        stack.stop(quiet=True)


# --- the dev container ------------------------------------------------------------------------------
DEVCONTAINER = REPO / ".devcontainer" / "devcontainer.json"
# The properties the kit uses, as the Dev Container specification defines them
# (containers.dev/implementors/json_reference; its schema, devContainer.base.schema.json, is not
# published in a package registry this project can install from, so it is not vendored here).
SPEC = {
    "name": str, "image": str, "features": dict, "hostRequirements": dict, "postCreateCommand": str,
    "postAttachCommand": str, "forwardPorts": list, "portsAttributes": dict, "customizations": dict,
}
ON_AUTO_FORWARD = {"notify", "openBrowser", "openBrowserOnce", "openPreview", "silent", "ignore"}


def test_devcontainer_is_what_the_specification_allows():
    config = json.loads(DEVCONTAINER.read_text())
    assert set(config) <= set(SPEC), f"unknown properties: {set(config) - set(SPEC)}"
    for key, kind in SPEC.items():
        assert isinstance(config.get(key, kind()), kind), f"{key} must be a {kind.__name__}"
    assert all(isinstance(p, int) and 0 < p < 65536 for p in config["forwardPorts"])
    for port, attributes in config["portsAttributes"].items():
        assert port.isdigit() and attributes["label"] and attributes["onAutoForward"] in ON_AUTO_FORWARD
    assert all(re.fullmatch(r"ghcr\.io/devcontainers/features/[a-z-]+:\d+", f) for f in config["features"])


def test_devcontainer_gives_a_ready_kit():
    config = json.loads(DEVCONTAINER.read_text())
    python = re.search(r"/python:(\d+)\.(\d+)", config["image"])
    assert python and (int(python[1]), int(python[2])) >= (3, 11), config["image"]
    targets = set(re.findall(r"^([a-z-]+):", (REPO / "Makefile").read_text(), re.M))
    for command in (config["postCreateCommand"], config["postAttachCommand"]):
        assert command.split()[0] == "make" and command.split()[1] in targets, command
    assert set(config["forwardPorts"]) == set(DEFAULT_PORT.values()) | {8888}
    assert {str(p) for p in config["forwardPorts"]} == set(config["portsAttributes"])

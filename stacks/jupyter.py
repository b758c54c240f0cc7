"""JupyterLab on notebooks/ for `make up`: `python -m stacks.jupyter [stop|status]`.

It runs in the foreground (Ctrl-C stops it); what identifies it (pid, start time and the mark in its
environment, see stacks/processes.py) is kept so that `make down` can stop one left running in another
terminal, and nothing else. It listens on 127.0.0.1 only.

It opens ready for the course: the first lesson open, and nothing to dismiss before its first cell runs
(stacks/jupyterlab/overrides.json turns off the news prompt and the update check, which would otherwise
greet a learner with a question; settings the learner changes in JupyterLab still win).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from stacks import processes
from stacks.paths import KIT_HOME, REPO
from stacks.stack import from_environment

STATEFILE = KIT_HOME / "jupyter.json"
FIRST_LESSON = "10_connect.ipynb"


def run(notebooks: Path = REPO / "notebooks") -> int:
    port = os.environ.get("JUPYTER_PORT", "8888")
    STATEFILE.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if not env.get("AIRFLOW_URL"):  # the notebooks talk to the stack just started
        env["AIRFLOW_URL"] = from_environment().url
    mark = processes.new_mark()
    env = processes.marked_env(env, mark)
    print(f"Starting JupyterLab on notebooks/: open the link with a token it prints below; it opens the first "
          f"lesson, {FIRST_LESSON}.\nCtrl-C stops JupyterLab; Airflow keeps running until `make down`.\n")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--notebook-dir={notebooks}", f"--LabApp.default_url=/lab/tree/{FIRST_LESSON}",
               f"--LabApp.app_settings_dir={Path(__file__).parent / 'jupyterlab'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers, WSL: JupyterLab refuses root unless told
        command.append("--allow-root")
    proc = subprocess.Popen(command, start_new_session=True, env=env)
    STATEFILE.write_text(json.dumps({"mark": mark, **processes.record(proc)}))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        stop()
        return 0
    finally:
        STATEFILE.unlink(missing_ok=True)


def recorded() -> dict | None:
    try:
        state = json.loads(STATEFILE.read_text())
        return state if processes.ours(state["mark"], [state]) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def stop() -> None:
    state = recorded()
    if state:
        processes.stop(state["mark"], [state], grace=10)
        print("Stopped JupyterLab.")
    STATEFILE.unlink(missing_ok=True)


def status() -> str:
    return "running" if recorded() else "stopped"


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop()
    elif sys.argv[1:] == ["status"]:
        print(f"JupyterLab: {status()}")
    elif sys.argv[1:2] == ["--notebooks"]:  # another folder of lessons (the tests run a copy)
        sys.exit(run(Path(sys.argv[2])))
    else:
        sys.exit(run())

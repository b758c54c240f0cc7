"""JupyterLab on notebooks/ for `make up`: `python -m apikit.jupyter [stop]`.

It runs in the foreground (Ctrl-C stops it); its pid is kept so that `make down` can stop one left
running in another terminal. It listens on 127.0.0.1 only.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

from apikit.stack import REPO, from_environment

PIDFILE = REPO / ".airflow" / "jupyter.pid"


def run() -> int:
    port = os.environ.get("JUPYTER_PORT", "8888")
    PIDFILE.parent.mkdir(exist_ok=True)
    env = dict(os.environ)
    if not env.get("AIRFLOW_URL"):  # the notebooks talk to the stack just started
        env["AIRFLOW_URL"] = from_environment().url
    print(f"Starting JupyterLab on notebooks/: open the http://127.0.0.1:{port}/lab?token=<token> link "
          f"it prints below.\nCtrl-C stops JupyterLab; Airflow keeps running until `make down`.\n")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--notebook-dir={REPO / 'notebooks'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers, WSL: JupyterLab refuses root unless told
        command.append("--allow-root")
    proc = subprocess.Popen(command, start_new_session=True, env=env)
    PIDFILE.write_text(f"{proc.pid}\n")
    try:
        return proc.wait()
    except KeyboardInterrupt:
        stop()
        return 0
    finally:
        PIDFILE.unlink(missing_ok=True)


def stop() -> None:
    try:
        pgid = int(PIDFILE.read_text())
        os.killpg(pgid, signal.SIGTERM)
        print(f"Stopped JupyterLab (process group {pgid}).")
    except (OSError, ValueError):
        pass
    PIDFILE.unlink(missing_ok=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        sys.exit(run())

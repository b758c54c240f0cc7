"""`make notebooks [NB="notebooks/11_dags.ipynb ..."]`: run notebooks top to bottom and save them with
their outputs, as they are committed.

They run against private stacks of their own (homes under .airflow-test/notebooks/, one folder per call
of this script, so that two can run at once; free ports; an Airflow 2.11 beside the Airflow 3 for
notebook 90, an Airflow 3 with the FAB auth manager for lesson 71), never against the stack `make up`
started, and the stacks are stopped and their homes removed afterwards. In the saved outputs the private
ports read as the default ones (8080, 8082, 8084), so a reader on GitHub sees the addresses `make up` (or
`make airflow AUTH=fab`) gives; per-cell execution times are left out, so that a diff shows only what
changed.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from stacks.paths import REPO, TEST_HOME
from stacks.stack import DEFAULT_PORT, FAB_PORT, Stack, StackError

HOME = TEST_HOME / "notebooks" / str(os.getpid())
NEEDS_BOTH = {"90_migration.ipynb"}  # talks to an Airflow 2 and an Airflow 3
NEEDS_FAB = {"71_fab_auth_manager.ipynb"}  # talks to the FAB stack (`make airflow AUTH=fab`)


def start(major: str, port: int, auth: str = "on") -> Stack:
    home = HOME / f"airflow{major}{'-fab' if auth == 'fab' else ''}"
    project = home / "project"
    for folder in ("dags", "plugins", "include"):
        shutil.copytree(REPO / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    stack = Stack(major, home=home, port=port, project=project, templates=TEST_HOME / "templates", auth=auth)
    stack.start()  # returns once the DAGs of dags/ are listed
    return stack


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean(nb: nbformat.NotebookNode, ports: dict[int, int]) -> None:
    """Private ports read as the default ones; no per-cell execution times."""
    pattern = re.compile(r"127\.0\.0\.1:(\d+)")

    def fix(text: str) -> str:
        return pattern.sub(lambda m: f"127.0.0.1:{ports.get(int(m[1]), int(m[1]))}", text)

    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = fix(output["text"])
            for kind, value in output.get("data", {}).items():
                if isinstance(value, str) and kind.startswith("text/"):
                    output["data"][kind] = fix(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every notebooks/NN_*.ipynb")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    stacks: dict[str, Stack] = {}
    try:
        majors = {"3"} | ({"2"} if any(p.name in NEEDS_BOTH for p in notebooks) else set())
        for major in sorted(majors, reverse=True):
            stacks[major] = start(major, free_port())
        if any(p.name in NEEDS_FAB for p in notebooks):
            stacks["fab"] = start("3", free_port(), auth="fab")
        env = {"AIRFLOW_URL": stacks["3"].url, "AIRFLOW_USERNAME": "admin", "AIRFLOW_PASSWORD": "admin"}
        if "2" in stacks:
            env["AIRFLOW2_URL"] = stacks["2"].url
        if "fab" in stacks:
            env["AIRFLOW_FAB_URL"] = stacks["fab"].url
        os.environ.update(env)
        os.environ.pop("AIRFLOW_TOKEN", None)
        ports = {stack.port: FAB_PORT if stack.fab else DEFAULT_PORT[major] for major, stack in stacks.items()}
        for path in notebooks:
            began = time.monotonic()
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": str(path.resolve().parent)}}).execute()
            clean(nb, ports)
            nbformat.write(nb, path)
            print(f"ran {path} in {time.monotonic() - began:.0f} s")
    except StackError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    finally:
        for stack in stacks.values():
            stack.stop(quiet=True)
        shutil.rmtree(HOME, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Lesson 62's TypeScript client (clients/typescript, `make typescript`): make typescript's steps against the
test stack on Airflow 3 (the npm packages installed from the folder's lock, the types generated from the
server's /openapi.json, tsc, the client run by Node.js), tsc refusing a misspelt field, and what
make typescript says where it cannot run (Airflow 2.11, no Airflow).

The client runs in a copy of clients/typescript with packages of its own (`npm ci`), so that a test never
writes your node_modules, src/airflow.d.ts or dist/."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from apikit import AirflowAPIError
from conftest import free_port
from stacks.paths import REPO

CLIENT = REPO / "clients" / "typescript"
MAKE_TYPESCRIPT = REPO / "scripts" / "typescript.sh"
RUN_ID = "kit_62_typescript"  # the run the client makes, and deletes


def run(folder: Path, *command: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=folder, env={**os.environ, "AIRFLOW_URL": url}, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def client(stack, tmp_path_factory) -> Path:
    """A copy of clients/typescript, its packages installed from its lock, its types generated from the test
    stack's /openapi.json: `npm ci`, then `npm run generate`, as make typescript does."""
    assert shutil.which("npm") and shutil.which("node"), \
        "the TypeScript client needs Node.js 18+ with npm (e.g. apt-get install nodejs npm)"
    folder = tmp_path_factory.mktemp("client") / "typescript"
    shutil.copytree(CLIENT, folder, ignore=shutil.ignore_patterns("node_modules", "dist", "airflow.d.ts"))
    for step in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "--silent", "generate"]):
        done = run(folder, *step, url=stack.url)
        assert done.returncode == 0, f"{' '.join(step)} failed:\n{done.stdout}{done.stderr}"
    return folder


@pytest.mark.airflow3
def test_the_client_triggers_waits_reads_and_deletes_its_run(client, stack, af):
    """`npm run build` (tsc) then `npm start`: the run it made with its conf finished, its task returned the
    conf, and the run is gone."""
    for step in (["npm", "run", "--silent", "build"], ["npm", "start", "--silent"]):
        done = run(client, *step, url=stack.url)
        assert done.returncode == 0, f"{' '.join(step)} failed:\n{done.stdout}{done.stderr}"
    assert done.stdout.splitlines() == [
        f"triggered dependent_dag: {RUN_ID}, queued",
        "the run finished: success",
        'report returned: {"message":"hello from TypeScript","requested_by":"lesson 62","run_type":"manual"}',
        "deleted the run: 204"]
    with pytest.raises(AirflowAPIError) as gone:
        af.get(f"/dags/dependent_dag/dagRuns/{RUN_ID}")
    assert gone.value.status == 404


@pytest.mark.airflow3
def test_tsc_refuses_a_misspelt_field_and_passes_the_client(client, stack):
    right = run(client, "npx", "tsc", "--noEmit", url=stack.url)
    assert right.returncode == 0, right.stdout + right.stderr
    typo = run(client, "npx", "tsc", "-p", "typo", url=stack.url)
    assert typo.returncode == 2, typo.stdout + typo.stderr
    assert typo.stdout.startswith("typo/trigger_with_a_typo.ts(10,3): error TS2561: Object literal may only specify "
                                  "known properties, but 'dag_runid' does not exist in type "), typo.stdout
    assert typo.stdout.rstrip().endswith("Did you mean to write 'dag_run_id'?"), typo.stdout


def make_typescript(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run([MAKE_TYPESCRIPT], env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def test_make_typescript_with_airflow_2_says_it_is_for_airflow_3():
    done = make_typescript(AIRFLOW="2")
    assert done.returncode == 2 and "make typescript is for Airflow 3" in done.stderr, done.stderr


def test_make_typescript_without_an_airflow_says_how_to_start_one():
    url = f"http://127.0.0.1:{free_port()}"
    done = make_typescript(AIRFLOW="3", AIRFLOW_URL=url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.strip() == f"No Airflow answers at {url}: start it with `make airflow`, or set AIRFLOW_URL."


@pytest.mark.airflow2
def test_make_typescript_at_airflow_2_says_it_needs_airflow_3(stack):
    """Pointed at Airflow 2.11 (AIRFLOW_URL), it stops before installing or generating anything."""
    done = make_typescript(AIRFLOW="3", AIRFLOW_URL=stack.url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{stack.url}/openapi.json answers 404: make typescript needs Airflow 3" in done.stderr

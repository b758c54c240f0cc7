"""Auth off, as the Astro CLI's local Airflow 3 runs it (simple auth manager, everyone is admin): the
client, notebook 10, api_dag and the Postman environment *Astro local* on such a stack. One stack for
the module, stopped when its last test has run."""
from __future__ import annotations

import pytest

from apikit import Airflow
from conftest import fresh_stack
from helpers import environment, load_collection, run_newman
from stacks.paths import REPO

pytestmark = [pytest.mark.airflow3, pytest.mark.live]  # the Astro CLI runs Airflow 3


@pytest.fixture(scope="module")
def auth_off_stack():
    stack = fresh_stack("auth-off", major="3", auth="off")
    try:
        stack.start()
        yield stack
    finally:
        stack.stop(quiet=True)


def test_the_stack_has_auth_off(auth_off_stack):
    assert auth_off_stack.env()["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "True"


def test_client_needs_no_credentials(auth_off_stack):
    af = Airflow(auth_off_stack.url, "nobody", "nothing", verbose=False)
    assert af.auth.startswith("none")
    assert "Authorization" not in af.session.headers
    assert {"api_dag", "dependent_dag"} <= {d["dag_id"] for d in af.items("/dags")}


def test_connect_notebook_runs(auth_off_stack, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("AIRFLOW_URL", auth_off_stack.url)  # the kernel inherits it
    notebook = nbformat.read(REPO / "notebooks" / "10_connect.ipynb", as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert f"Connected to Airflow {auth_off_stack.version} at {auth_off_stack.url}" in text
    assert "Auth: none (this Airflow has auth off" in text


def test_api_dag_runs(auth_off_stack):
    """api_dag asks POST /auth/token for a JWT: with auth off it gets one too, and the run works."""
    af = Airflow(auth_off_stack.url, verbose=False, timeout=120)  # patient on a busy machine
    run = af.post("/dags/api_dag/dagRuns", json={"logical_date": None, "conf": {"message": "auth off"}})
    finished = af.wait_for_run("api_dag", run["dag_run_id"], timeout=300, progress=False)
    assert finished["state"] == "success"
    dependent = af.get(f"/dags/dependent_dag/dagRuns/from_api_dag__{run['dag_run_id']}")
    assert dependent["state"] == "success" and dependent["conf"]["message"] == "auth off"


def test_astro_local_postman_environment(auth_off_stack, newman, tmp_path):
    """The environment *Astro local* (authMode none) against an Airflow with auth off: folders 10, 11."""
    env = environment("astro-local", tmp_path, baseUrl=auth_off_stack.url)
    folders = [f["name"] for f in load_collection()["item"][:2]]  # 00 connect, 01 DAGs
    run = run_newman(newman, env, tmp_path, folders=folders)
    names = [e["item"]["name"] for e in run["executions"]]
    assert any("no credentials" in n for n in names)  # which answered 200 there: auth is off

"""The kit's DAGs: each file loads with no import error in the Airflow under test and defines the DAG
the notebooks use (a DagBag filled by that Airflow's own Python, .venv or .venv-airflow2, no server
needed); and on the live stack they do what their docs say."""
import ast
import json
import subprocess
from pathlib import Path

import pytest

from apikit.stack import Stack
from conftest import MAJOR
from helpers import trigger

DAGS = Path(__file__).resolve().parent.parent / "dags"
EXPECTED = {"api_dag.py": "api_dag", "dependent_dag.py": "dependent_dag",
            "random_failures.py": "random_failures", "form_submission.py": "form_submission",
            "s3_file_arrived.py": "s3_file_arrived", "sql_query.py": "sql_query"}

LOAD = """
import json, sys
from airflow.models.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1], include_examples=False) if sys.argv[2] == "2" else DagBag(dag_folder=sys.argv[1])
print(json.dumps({"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {
    dag_id: {"fileloc": dag.fileloc, "doc_md": dag.doc_md, "tags": sorted(dag.tags),
             "schedule": str(getattr(dag, "schedule", None) if sys.argv[2] != "2" else dag.schedule_interval),
             "tasks": {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}}
    for dag_id, dag in bag.dags.items()}}))
"""


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    """Filled by the Airflow under test, configured as the kit's stack configures it (no server needed)."""
    stack = Stack(MAJOR, home=tmp_path_factory.mktemp("dagbag"))
    done = subprocess.run([str(stack.venv / "bin" / "python"), "-c", LOAD, str(DAGS), stack.major],
                          env=stack.env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_import_errors(dagbag):
    assert dagbag["import_errors"] == {}


@pytest.mark.parametrize("filename,dag_id", sorted(EXPECTED.items()))
def test_dag_file_defines_its_dag(dagbag, filename, dag_id):
    dag = dagbag["dags"].get(dag_id)
    assert dag is not None, f"{filename} defines no DAG {dag_id!r}"
    assert Path(dag["fileloc"]).name == filename
    assert dag["schedule"] == "None", "the kit's DAGs run when triggered, never on a schedule"
    assert dag["doc_md"] and dag["tags"], f"{dag_id} needs a doc_md and tags for the UI"


def test_every_dag_file_is_known():
    assert {p.name for p in DAGS.glob("*.py")} == set(EXPECTED)


def test_random_failures_is_a_chain_of_five(dagbag):
    """One failed task leaves the rest upstream_failed: what the clear-task-instances demo needs."""
    tasks = dagbag["dags"]["random_failures"]["tasks"]
    assert tasks == {"task_1": [], **{f"task_{n}": [f"task_{n - 1}"] for n in range(2, 6)}}


# --- on the live stack -----------------------------------------------------------------------------
def states(af, dag_id, run_id):
    tis = af.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
    return {ti["task_id"]: ti["state"] for ti in tis}


def test_dependent_dag_returns_its_conf(af):
    run_id = trigger(af, "dependent_dag", {"message": "hi", "requested_by": "pytest"})
    assert af.wait_for_run("dependent_dag", run_id, progress=False)["state"] == "success"
    xcom = af.get(f"/dags/dependent_dag/dagRuns/{run_id}/taskInstances/report/xcomEntries/return_value")
    value = xcom["value"] if af.major >= 3 else ast.literal_eval(xcom["value"])  # 2.x: a string
    assert value["message"] == "hi" and value["requested_by"] == "pytest"


def test_random_failures_fail_task_then_clear(af):
    run_id = trigger(af, "random_failures", {"fail_task": "task_3"})
    assert af.wait_for_run("random_failures", run_id, progress=False)["state"] == "failed"
    assert states(af, "random_failures", run_id) == {
        "task_1": "success", "task_2": "success", "task_3": "failed",
        "task_4": "upstream_failed", "task_5": "upstream_failed"}
    cleared = af.post("/dags/random_failures/clearTaskInstances", json={
        "dry_run": False, "only_failed": True, "reset_dag_runs": True, "dag_run_id": run_id,
        "include_downstream": True})
    assert {ti["task_id"] for ti in cleared["task_instances"]} >= {"task_3"}
    assert af.wait_for_run("random_failures", run_id, progress=False)["state"] == "success"
    assert set(states(af, "random_failures", run_id).values()) == {"success"}


def test_api_dag_triggers_dependent_dag_through_the_api(af):
    run_id = trigger(af, "api_dag", {"message": "via api_dag"})
    assert af.wait_for_run("api_dag", run_id, progress=False)["state"] == "success"
    child = af.get(f"/dags/dependent_dag/dagRuns/from_api_dag__{run_id}")
    assert child["state"] == "success"
    assert child["conf"]["message"] == "via api_dag"

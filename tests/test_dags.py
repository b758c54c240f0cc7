"""The kit's DAG files load with no import error in the Airflow under test, and each defines the DAG
the notebooks use. The DagBag is filled by that Airflow's own Python (.venv or .venv-airflow2)."""
import json
import subprocess
from pathlib import Path

import pytest

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
def dagbag(stack):
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

"""The kit's DAG files load with no import error, and each defines the DAG the notebooks use."""
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parent.parent / "dags"
EXPECTED = {"api_dag.py": "api_dag", "dependent_dag.py": "dependent_dag",
            "random_failures.py": "random_failures"}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.models.dagbag import DagBag
    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


@pytest.mark.parametrize("filename,dag_id", sorted(EXPECTED.items()))
def test_dag_file_defines_its_dag(dagbag, filename, dag_id):
    dag = dagbag.get_dag(dag_id)
    assert dag is not None, f"{filename} defines no DAG {dag_id!r}"
    assert Path(dag.fileloc).name == filename
    assert dag.schedule is None if hasattr(dag, "schedule") else dag.schedule_interval is None
    assert dag.doc_md and dag.tags, f"{dag_id} needs a doc_md and tags for the UI"


def test_every_dag_file_is_known(dagbag):
    assert {p.name for p in DAGS.glob("*.py")} == set(EXPECTED)


def test_random_failures_is_a_chain_of_five(dagbag):
    """One failed task leaves the rest upstream_failed: what the clear-task-instances demo needs."""
    dag = dagbag.get_dag("random_failures")
    assert sorted(dag.task_ids) == [f"task_{n}" for n in range(1, 6)]
    for n in range(2, 6):
        assert dag.get_task(f"task_{n}").upstream_task_ids == {f"task_{n - 1}"}

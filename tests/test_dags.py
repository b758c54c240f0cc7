"""The kit's DAGs: each file loads with no import error in the Airflow under test and defines the DAG
the notebooks use (a DagBag filled by that Airflow's own Python, .venv or .venv-airflow2, no server
needed); and on the live stack they do what their docs say."""
import ast
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import MAJOR
from helpers import trigger
from stacks.stack import Stack

DAGS = Path(__file__).resolve().parent.parent / "dags"
EXPECTED = {"api_dag.py": "api_dag", "dependent_dag.py": "dependent_dag",
            "random_failures.py": "random_failures", "form_submission.py": "form_submission",
            "s3_file_arrived.py": "s3_file_arrived", "sql_query.py": "sql_query",
            "daily_report.py": "daily_report", "report_review.py": "report_review",
            "asset_producer.py": "asset_producer", "asset_consumer.py": "asset_consumer",
            "asset_two_inputs.py": "asset_two_inputs", "changing_state.py": "changing_state",
            "sales_by_region.py": "sales_by_region"}
# DAGs that need Airflow 3: on Airflow 2 their file loads, and defines no DAG (no human in the loop, no
# partitions there).
AIRFLOW_3_ONLY = {"report_review", "sales_by_region"}
# The exception to "triggered, never on a schedule": notebook 40's backfills make the runs a schedule
# would have made for past days, so its DAG has one. It never runs on its own all the same: paused when
# it first appears, no catchup, and a schedule that ended (test_scheduled_dag_never_runs_by_itself).
SCHEDULED = {"daily_report": "@daily"}
# The other deliberate exception: DAGs scheduled on assets (notebook 30), which run when an event of their
# assets arrives (reported through the API, or made by asset_producer), never on a clock. On Airflow 3
# their schedule lists the assets; Airflow 2.11 calls that schedule "Dataset".
ASSET_SCHEDULED = {"asset_consumer": ["s3://kit-landing-zone/sales"],
                   "asset_two_inputs": ["s3://kit-landing-zone/sales", "s3://kit-landing-zone/fx-rates"]}
# And a partitioned DAG (notebook 21): its schedule, PartitionedAtRuntime(), never makes a run; each run is
# triggered with the partition it is for.
PARTITIONED = {"sales_by_region"}

LOAD = """
import json, sys
from airflow.models.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1], include_examples=False) if sys.argv[2] == "2" else DagBag(dag_folder=sys.argv[1])
print(json.dumps({"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {
    dag_id: {"fileloc": dag.fileloc, "doc_md": dag.doc_md, "tags": sorted(dag.tags),
             "schedule": str(getattr(dag, "schedule", None) if sys.argv[2] != "2" else dag.schedule_interval),
             "paused_upon_creation": dag.is_paused_upon_creation, "catchup": dag.catchup,
             "end_date": dag.end_date and dag.end_date.isoformat(),
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
    if MAJOR == "2" and dag_id in AIRFLOW_3_ONLY:
        assert dag is None, f"{filename} defines {dag_id!r} on Airflow 2, which lacks what it needs"
        return
    assert dag is not None, f"{filename} defines no DAG {dag_id!r}"
    assert Path(dag["fileloc"]).name == filename
    if dag_id in PARTITIONED:  # triggered with a partition key, never on a clock
        assert "PartitionedAtRuntime" in dag["schedule"]
    elif dag_id in ASSET_SCHEDULED:  # on its assets' events, never on a clock
        uris = ASSET_SCHEDULED[dag_id]
        assert dag["schedule"] == "Dataset" if MAJOR == "2" else \
            dag["schedule"].count("Asset(") == len(uris) and all(f"uri='{uri}'" in dag["schedule"] for uri in uris)
    else:
        assert dag["schedule"] == SCHEDULED.get(dag_id, "None"), \
            "the kit's DAGs run when triggered, never on a schedule (SCHEDULED lists the exception)"
    assert dag["doc_md"] and dag["tags"], f"{dag_id} needs a doc_md and tags for the UI"


@pytest.mark.parametrize("dag_id", ["daily_report"])
def test_scheduled_dag_never_runs_by_itself(dagbag, dag_id):
    """The kit's stacks unpause new DAGs, and the notebooks' clean-up checks count every DAG run: a DAG
    with a time schedule starts paused, makes no runs for missed intervals, and its schedule has ended."""
    dag = dagbag["dags"][dag_id]
    assert dag["paused_upon_creation"] is True and dag["catchup"] is False
    assert dag["end_date"] and datetime.fromisoformat(dag["end_date"]) < datetime.now(UTC), \
        f"{dag_id}'s schedule has not ended (end_date {dag['end_date']}): the scheduler would run it"


def test_every_dag_file_is_known():
    assert {p.name for p in DAGS.glob("*.py")} == set(EXPECTED)


def test_random_failures_is_a_chain_of_five(dagbag):
    """One failed task leaves the rest upstream_failed: what the clear-task-instances demo needs."""
    tasks = dagbag["dags"]["random_failures"]["tasks"]
    assert tasks == {"task_1": [], **{f"task_{n}": [f"task_{n - 1}"] for n in range(2, 6)}}


@pytest.mark.airflow3
def test_report_review_asks_then_branches(dagbag):
    """Notebook 41: a question (review), then a branch a person chooses (choose_channel) between two tasks."""
    tasks = dagbag["dags"]["report_review"]["tasks"]
    assert tasks == {"prepare_report": [], "review": ["prepare_report"], "choose_channel": ["review"],
                     "send_email": ["choose_channel"], "post_to_slack": ["choose_channel"]}


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

"""
### dependent_dag

The DAG that is triggered from outside: by `api_dag` through the REST API, by a notebook, by Postman.
It reads the run's conf and says what it received; its return value is stored as an XCom, so you can
read it back through the API (`GET .../taskInstances/report/xcomEntries/return_value`).

Conf (optional): `{"message": "any text", "requested_by": "who triggered it"}`.
"""
from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context


@dag(
    dag_id="dependent_dag",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["webinar", "triggered"],
    doc_md=__doc__,
    params={"message": "hello from the API", "requested_by": "someone"},
)
def dependent_dag():
    @task
    def report() -> dict:
        context = get_current_context()
        conf = context["dag_run"].conf or {}
        run_type = context["dag_run"].run_type  # Airflow 3: an enum (DagRunType.MANUAL); 2.x: "manual"
        received = {
            "message": conf.get("message", "hello from the API"),
            "requested_by": conf.get("requested_by", "someone"),
            "run_type": getattr(run_type, "value", run_type),  # "manual", "scheduled", ...
        }
        print(f"dependent_dag received: {received}")
        return received

    report()


dependent_dag()

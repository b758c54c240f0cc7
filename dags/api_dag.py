"""
### api_dag

A DAG that calls the Airflow REST API from inside a task: it triggers `dependent_dag` with a conf,
then waits (a sensor) until that run has finished. (The webinar's version posted to the wrong DAG id.)

The API address and credentials come from the Airflow connection `airflow_api`, which the kit's stack
defines (environment variable `AIRFLOW_CONN_AIRFLOW_API`; the Astro project defines it in
`airflow_settings.yaml`). On Airflow 3 the task first asks `POST /auth/token` for a JWT; on Airflow 2
it uses Basic auth, as the webinar did.

Conf (optional): `{"message": "text passed on to dependent_dag"}`.
"""
from __future__ import annotations

from datetime import timedelta

import pendulum
import requests

try:  # Airflow 3
    from airflow.sdk import BaseHook, dag, get_current_context, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.hooks.base import BaseHook
    from airflow.operators.python import get_current_context

TARGET = "dependent_dag"


def api_session() -> tuple[requests.Session, str]:
    """A session authenticated against the API named by the `airflow_api` connection."""
    conn = BaseHook.get_connection("airflow_api")
    base = f"{conn.schema or 'http'}://{conn.host}:{conn.port}"
    session = requests.Session()
    version = session.get(f"{base}/api/v2/version", timeout=10)
    if version.status_code == 404:  # Airflow 2: /api/v1 with Basic auth
        session.auth = (conn.login, conn.password)
        return session, f"{base}/api/v1"
    token = session.post(f"{base}/auth/token", timeout=10,
                         json={"username": conn.login, "password": conn.password})
    if token.status_code == 201:
        session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session, f"{base}/api/v2"


@dag(
    dag_id="api_dag",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["webinar", "api"],
    doc_md=__doc__,
    params={"message": "triggered by api_dag"},
)
def api_dag():
    @task
    def trigger_dependent_dag() -> str:
        context = get_current_context()
        conf = {"message": (context["dag_run"].conf or {}).get("message", "triggered by api_dag"),
                "requested_by": f"api_dag run {context['dag_run'].run_id}"}
        session, api = api_session()
        # One run id per api_dag run: a retry of this task finds the run instead of starting another.
        run_id = f"from_api_dag__{context['dag_run'].run_id}"
        body = {"dag_run_id": run_id, "conf": conf}
        if api.endswith("v2"):
            body["logical_date"] = None
        response = session.post(f"{api}/dags/{TARGET}/dagRuns", json=body, timeout=30)
        if response.status_code == 409:
            print(f"{run_id} exists already (a retry): not triggering it twice")
        else:
            response.raise_for_status()
            print(f"POST {api}/dags/{TARGET}/dagRuns -> {response.status_code}: {run_id}")
        return run_id

    # A sensor in reschedule mode gives its slot back between checks: on Airflow 2 with SQLite (one task
    # at a time) a plain waiting task would keep dependent_dag from running. Two retries: Airflow 3.3's
    # scheduler now and then takes a poke that ended in "reschedule" for a lost task and fails it (a known
    # race, apache/airflow#71172); a retry just pokes again.
    @task.sensor(poke_interval=2, timeout=240, mode="reschedule", retries=2, retry_delay=timedelta(seconds=1))
    def wait_for_dependent_dag(dependent_run_id: str) -> bool:
        session, api = api_session()
        run = session.get(f"{api}/dags/{TARGET}/dagRuns/{dependent_run_id}", timeout=30)
        run.raise_for_status()
        state = run.json()["state"]
        print(f"{TARGET} run {dependent_run_id} is {state}")
        if state == "failed":
            raise RuntimeError(f"{TARGET} run {dependent_run_id} failed")
        return state == "success"

    wait_for_dependent_dag(trigger_dependent_dag())


api_dag()

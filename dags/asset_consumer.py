"""
### asset_consumer

Scheduled on the asset **`sales_landing`** (`s3://kit-landing-zone/sales`): it has no time schedule
and is never triggered by name; it runs whenever an **asset event** for that asset arrives, whoever
reports it: the task of `asset_producer`, a `POST /api/v2/assets/events` from outside (an S3
notification through the Lambda function of `use_cases/lambda/`, a notebook, Postman), or a
materialize call.

Its task `report_new_sales` reads the events that started the run (`triggering_asset_events`) and
returns what they said (the URI, the event's `extra`, where it came from). Through the API:
`GET /api/v2/dags/asset_consumer/dagRuns/{dag_run_id}/upstreamAssetEvents`.

On Airflow 2.11 the same DAG is scheduled on a dataset (`schedule=[Dataset(...)]`, the context's
`triggering_dataset_events`).
"""
from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import Asset, dag, get_current_context, task

    SALES = Asset(name="sales_landing", uri="s3://kit-landing-zone/sales")
    TRIGGERING, BY_URI = "triggering_asset_events", False
except ImportError:  # Airflow 2.11: datasets
    from airflow.datasets import Dataset
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context

    SALES = Dataset("s3://kit-landing-zone/sales")
    TRIGGERING, BY_URI = "triggering_dataset_events", True  # keyed by URI on 2.x


@dag(
    dag_id="asset_consumer",
    schedule=[SALES],  # runs on every new event of the asset
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["assets", "event-driven"],
    doc_md=__doc__,
)
def asset_consumer():
    @task
    def report_new_sales() -> list[dict]:
        events = get_current_context()[TRIGGERING]
        arrived = [{"uri": SALES.uri, "extra": dict(event.extra or {}),
                    "source_dag_id": event.source_dag_id}
                   for event in events[SALES.uri if BY_URI else SALES]]
        print(f"asset_consumer: {len(arrived)} new event(s) of {SALES.uri}: {arrived}")
        return arrived

    report_new_sales()


asset_consumer()

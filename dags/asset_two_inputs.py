"""
### asset_two_inputs

Scheduled on **two** assets: `sales_landing` (`s3://kit-landing-zone/sales`) **and** `fx_rates`
(`s3://kit-landing-zone/fx-rates`). It runs only once **both** have had a new event since its last
run. Until then, the event that came first waits as a **queued event** of this DAG: notebook
`30_assets` reads the queue (`GET /api/v2/dags/asset_two_inputs/assets/queuedEvents`) and empties it
(`DELETE` on the same path, or per asset).

Its task `convert_sales` says which events started the run: the events of both assets since the
previous run (`triggering_asset_events`; through the API, the run's `upstreamAssetEvents`).

On Airflow 2.11 the same DAG waits for two datasets (`schedule=[Dataset(...), Dataset(...)]`).
"""
from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import Asset, dag, get_current_context, task

    SALES = Asset(name="sales_landing", uri="s3://kit-landing-zone/sales")
    RATES = Asset(name="fx_rates", uri="s3://kit-landing-zone/fx-rates")
    TRIGGERING, BY_URI = "triggering_asset_events", False
except ImportError:  # Airflow 2.11: datasets
    from airflow.datasets import Dataset
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context

    SALES = Dataset("s3://kit-landing-zone/sales")
    RATES = Dataset("s3://kit-landing-zone/fx-rates")
    TRIGGERING, BY_URI = "triggering_dataset_events", True  # keyed by URI on 2.x


@dag(
    dag_id="asset_two_inputs",
    schedule=[SALES, RATES],  # both: runs when each of them has a new event
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["assets", "event-driven"],
    doc_md=__doc__,
)
def asset_two_inputs():
    @task
    def convert_sales() -> dict:
        events = get_current_context()[TRIGGERING]
        counts = {asset.uri: len(events[asset.uri if BY_URI else asset]) for asset in (SALES, RATES)}
        print(f"asset_two_inputs: new events per asset: {counts}")
        return counts

    convert_sales()


asset_two_inputs()

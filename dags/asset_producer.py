"""
### asset_producer

Makes the asset **`sales_landing`** (`s3://kit-landing-zone/sales`): its task `land_sales_file` has
the asset as an **outlet**, so each time the task succeeds Airflow records an **asset event** for it,
and every DAG scheduled on the asset runs (`asset_consumer`; `asset_two_inputs` once `fx_rates` has
news too). Notebook `30_assets` runs it with `POST /api/v2/assets/{asset_id}/materialize`: "make
this asset", without naming the DAG.

The task says what landed in the event's `extra` (bucket, key, size, where from) and, on Airflow 3.3+,
keeps a little state **on the asset** across runs (the asset state store, `asset_state_store`):
`files_landed`, a counter, and `last_key`, read back through `GET /api/v2/assets/{asset_id}/state-store`.

It also declares the asset alias **`kit_landing_zone`** (Airflow 3): an alias stands for assets a task
only picks when it runs (`outlet_events[alias].add(Asset(...))`). This task adds none to it: the alias is
here so that the lesson has one to read (`GET /api/v2/assets/aliases`).

Conf (optional): `{"key": "sales/2024-05-14/orders.csv", "size": 1024}`. On Airflow 2.11 assets are
called datasets (`Dataset` in `airflow.datasets`): the same DAG, without the alias and the state store.
"""
from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import Asset, AssetAlias, dag, get_current_context, task

    SALES = Asset(name="sales_landing", uri="s3://kit-landing-zone/sales")
    ALIASES = [AssetAlias("kit_landing_zone")]
except ImportError:  # Airflow 2.11: datasets, identified by their URI only
    from airflow.datasets import Dataset
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context

    SALES = Dataset("s3://kit-landing-zone/sales")
    ALIASES = []


@dag(
    dag_id="asset_producer",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["assets", "event-driven"],
    doc_md=__doc__,
    params={"key": "sales/2024-05-14/orders.csv", "size": 1024},
)
def asset_producer():
    @task(outlets=[SALES, *ALIASES])  # an outlet: the task's success is an event of the asset
    def land_sales_file(asset_state_store=None) -> dict:
        context = get_current_context()
        conf = context["dag_run"].conf or {}
        landed = {"bucket": "kit-landing-zone", "key": conf.get("key", "sales/2024-05-14/orders.csv"),
                  "size": int(conf.get("size", 1024)), "source": "asset_producer"}
        context["outlet_events"][SALES].extra = landed  # the asset event's extra
        if asset_state_store is not None:  # Airflow 3.3+: key/value state kept on the asset itself
            state = asset_state_store[SALES]
            state.set("files_landed", (state.get("files_landed", default=0) or 0) + 1)
            state.set("last_key", landed["key"])
        print(f"landed: {landed}")
        return landed

    land_sales_file()


asset_producer()

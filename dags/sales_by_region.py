"""
### sales_by_region

A **partitioned** DAG (Airflow 3.3+): each run is for one *partition* of the data, here a region, named
by the run's `partition_key`. It is never scheduled: you trigger it with the key,

```
POST /api/v2/dags/sales_by_region/dagRuns
{"logical_date": null, "partition_key": "eu"}
```

and its task `load_region` loads that region's sales (it only prints the key, and returns it).
Notebook `21_changing_state` clears its runs by partition (`POST .../clearDagRuns` with
`partition_key`) and resets a run's partition (`POST .../clearPartitions`).

On Airflow 2, and on Airflow 3 before 3.3, this file defines no DAG: Airflow 2 to 3.1 have no partitions,
and 3.2, which has `partition_key`, has no `PartitionedAtRuntime` yet (task SDK 1.3, Airflow 3.3).
"""
from __future__ import annotations

import pendulum

try:  # Airflow 3.3+: a timetable whose runs get their partition key when they are triggered
    from airflow.sdk import PartitionedAtRuntime, dag, get_current_context, task
except ImportError:  # Airflow 2, or 3 before 3.3: no PartitionedAtRuntime, so this file defines no DAG
    PartitionedAtRuntime = None

if PartitionedAtRuntime is not None:

    @dag(
        dag_id="sales_by_region",
        schedule=PartitionedAtRuntime(),  # never scheduled: triggered with a partition_key
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        catchup=False,
        tags=["partitions", "changing-state"],
        doc_md=__doc__,
    )
    def sales_by_region():
        @task
        def load_region() -> str | None:
            region = get_current_context()["dag_run"].partition_key
            print(f"loading the sales of region {region}")
            return region

        load_region()

    sales_by_region()

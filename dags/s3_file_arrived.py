"""
### s3_file_arrived

The AWS Lambda use case: `use_cases/lambda/lambda_function.py` triggers this DAG when a file lands in
an S3 bucket, with the object's bucket and key in the conf, and a run id derived from the S3 event so
that a duplicate delivery never starts a second run.

`describe_object` checks the conf and works out what arrived (its `s3://` URI, format, size);
`plan_load` decides what to do with it: data files (CSV, JSON, Parquet) are loaded into the table
named after the key's first folder, anything else is skipped with a reason. The result is the XCom
of `plan_load`. (This kit has no AWS account: a real pipeline would read the object here, e.g. with
`ObjectStoragePath("s3://...")` and the Amazon provider.)

Conf (as the Lambda sends it): `bucket`, `key` (required), `size`, `etag`, `sequencer`,
`event_name`, `event_time`, `event_id`, `request_id`.
"""
from __future__ import annotations

from pathlib import PurePosixPath

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.exceptions import AirflowFailException
    from airflow.operators.python import get_current_context

FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "json", ".parquet": "parquet"}


@dag(
    dag_id="s3_file_arrived",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["use-case", "event-driven", "aws"],
    doc_md=__doc__,
    params={"bucket": "kit-landing-zone", "key": "sales/2024-05-14/orders.csv", "size": 0},
)
def s3_file_arrived():
    @task
    def describe_object() -> dict:
        conf = get_current_context()["dag_run"].conf or {}
        bucket, key = conf.get("bucket"), conf.get("key")
        if not bucket or not key:
            raise AirflowFailException(f"the conf needs 'bucket' and 'key', got {sorted(conf)}")
        path = PurePosixPath(key)
        described = {
            "uri": f"s3://{bucket}/{key}",
            "bucket": bucket,
            "key": key,
            "folder": path.parts[0] if len(path.parts) > 1 else "",
            "format": FORMATS.get(path.suffix.lower(), "other"),
            "size_bytes": int(conf.get("size") or 0),
            "event_time": conf.get("event_time"),
        }
        print(f"arrived: {described}")
        return described

    @task
    def plan_load(obj: dict) -> dict:
        if obj["format"] == "other":
            return {**obj, "action": "skip", "reason": "not a data file (csv, json, parquet)"}
        if obj["size_bytes"] == 0:
            return {**obj, "action": "skip", "reason": "empty file"}
        table = (obj["folder"] or "landing").replace("-", "_")
        return {**obj, "action": "load", "table": table}

    plan_load(describe_object())


s3_file_arrived()

"""
### sql_query

Ad-hoc SQL for analysts: trigger this DAG with a query and its parameters in the conf, and read the
result back as the XCom of `run_query` (columns and rows, which a notebook turns into a DataFrame).

It runs against a small sample database, a shop with `customers`, `products` and `orders`
(`include/sample_shop.db`, built from `include/sample_shop.sql` on first use). Only **read-only**
queries get through, behind three locks: `check_query` accepts exactly one `SELECT`/`WITH` statement
(no writes, PRAGMA, ATTACH, second statements, hidden statements in comments); the database is opened
read-only (`mode=ro`); and an SQLite authorizer denies everything but reading.

Conf:

| key | meaning | default |
|---|---|---|
| `sql` | one SELECT query; parameters as `:name` (or `?`) | customers of a country |
| `parameters` | values for the placeholders: `{"name": value}` (or a list for `?`) | `{"country": "GB"}` |
| `max_rows` | at most this many rows are returned | `1000` |

Values are bound by SQLite, never pasted into the text, so a parameter cannot change the query.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.exceptions import AirflowFailException
    from airflow.operators.python import get_current_context

# include/ is a package on the import path, as in an Astro project: the project folder is on PYTHONPATH
# in each way the kit runs Airflow (its local stack, Docker Compose, the Astro image).
from include.sql_guard import UnsafeQuery, check_read_only, run_query as run_read_only

PROJECT = Path(__file__).resolve().parent.parent

SCRIPT = PROJECT / "include" / "sample_shop.sql"
DATABASE = PROJECT / "include" / "sample_shop.db"
DEFAULT_SQL = "SELECT name, country, signed_up FROM customers WHERE country = :country ORDER BY name"


def ensure_sample_database() -> Path:
    """Build include/sample_shop.db from its SQL script if it is missing (atomically: a reader
    never sees a half-built file)."""
    if not DATABASE.exists():
        partial = DATABASE.with_name(f".{DATABASE.stem}.{os.getpid()}.db")
        partial.unlink(missing_ok=True)
        with sqlite3.connect(partial) as conn:
            conn.executescript(SCRIPT.read_text())
        conn.close()
        os.replace(partial, DATABASE)
    return DATABASE


@dag(
    dag_id="sql_query",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["use-case", "sql"],
    doc_md=__doc__,
    params={"sql": DEFAULT_SQL, "parameters": {"country": "GB"}, "max_rows": 1000},
)
def sql_query():
    @task
    def check_query() -> str:
        """The guard: one read-only statement, or the run fails with the reason (no retries)."""
        sql = get_current_context()["params"].get("sql")
        try:
            checked = check_read_only(sql)
        except UnsafeQuery as exc:
            raise AirflowFailException(f"query rejected: {exc}") from None
        print(f"accepted: {checked}")
        return checked

    @task
    def run_query(sql: str) -> dict:
        params = get_current_context()["params"]
        parameters = params.get("parameters") or {}
        max_rows = int(params.get("max_rows") or 1000)
        try:
            result = run_read_only(ensure_sample_database(), sql, parameters, max_rows=max_rows)
        except (UnsafeQuery, sqlite3.Error) as exc:
            raise AirflowFailException(f"query failed: {exc}") from None
        for row in result["rows"]:  # BLOBs as hex: an XCom is JSON
            row[:] = [v.hex() if isinstance(v, bytes) else v for v in row]
        print(f"{result['row_count']} rows, columns {result['columns']}")
        return result

    run_query(check_query())


sql_query()

"""
### daily_report

A daily report, for the lesson on backfills (notebook 40): a backfill (`POST /api/v2/backfills`) runs
it for days in the past, one run per day, the day being the run's *logical date*. Its one task,
`report`, says which day it reports on, in well under a second.

Unlike the kit's other DAGs it has a schedule, `@daily`, since a backfill makes the runs that a
schedule would have made for days gone by. Still, it never runs on its own:

- its schedule begins on 1 January 2024 and ends on 31 December 2024 (`start_date`, `end_date`): the
  scheduler has no run left to make, and a backfill picks days of 2024;
- `catchup=False`: when unpaused, the scheduler does not make the runs it missed either (a backfill
  does, on request);
- it is paused when it first appears (`is_paused_upon_creation=True`; the kit's stack unpauses new
  DAGs). A backfill's runs only start while the DAG is unpaused: notebook 40 unpauses it for them and
  pauses it again at the end.
"""
from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context


@dag(
    dag_id="daily_report",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    end_date=pendulum.datetime(2024, 12, 31, tz="UTC"),
    catchup=False,
    is_paused_upon_creation=True,
    tags=["backfill", "scheduled"],
    doc_md=__doc__,
)
def daily_report():
    @task
    def report() -> str:
        day = get_current_context()["logical_date"].strftime("%Y-%m-%d")
        line = f"report for {day}"
        print(line)
        return line

    report()


daily_report()

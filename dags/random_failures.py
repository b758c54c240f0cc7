"""
### random_failures

Five tasks in a row that fail some of the time: the webinar's DAG for finding failed tasks through the
API and clearing them with `POST /dags/random_failures/clearTaskInstances`.

Trigger it with a conf to choose what happens (all keys optional):

| key | meaning | default |
|---|---|---|
| `failure_rate` | chance that a task fails, from 0 to 1 | `0` |
| `fail_task` | a task that fails on its first try and succeeds once cleared, e.g. `"task_3"` | none |

`{"fail_task": "task_3"}` gives a failed run on demand: `task_3` fails, `task_4` and `task_5` are
`upstream_failed`; clearing the failed task (and its downstream) lets the run finish in success.
"""
from __future__ import annotations

import random

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context

TASKS = [f"task_{n}" for n in range(1, 6)]


def maybe_fail(name: str) -> str:
    context = get_current_context()
    conf = context["dag_run"].conf or {}
    try_number = context["ti"].try_number
    if conf.get("fail_task") == name and try_number <= 1:
        raise RuntimeError(f"{name} failed on purpose (conf fail_task={name!r}); clear it to retry")
    rate = float(conf.get("failure_rate", 0))
    if random.random() < rate:
        raise RuntimeError(f"{name} failed at random (failure_rate={rate})")
    return f"{name} succeeded on try {try_number}"


@dag(
    dag_id="random_failures",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["webinar", "clear-tasks"],
    doc_md=__doc__,
    params={"failure_rate": 0, "fail_task": None},
)
def random_failures():
    previous = None
    for name in TASKS:
        current = task(task_id=name)(maybe_fail)(name)
        if previous is not None:
            previous >> current
        previous = current


random_failures()

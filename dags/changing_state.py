"""
### changing_state

The DAG of notebook `21_changing_state`, which changes the state of its runs and tasks through the REST
API the way the UI's buttons do: mark a task success or failed, a whole task group, one instance of a
mapped task, a run; clear a run; read why a task does not start, each try, the task's extra link.

`extract` → `load` (a task group: `load.orders`, `load.customers`) → `transform` (mapped: one
instance per region that `extract` returns, `eu`, `us`, `apac`) → `hold` → `publish`.

- `transform` tries twice (one retry, a second later); a region listed in the conf's `broken` fails
  both tries, so the run fails, until someone marks that instance success.
- `hold` waits for `hold` seconds (from the conf, at most 30) on its first try only, so that a run is
  still running when you mark it; cleared, it does not wait again.
- `publish` is a small custom operator with an **extra link**, *Report*: the address where the run's
  report would be published (Airflow 3; on Airflow 2.11 an operator's own link must be registered by a
  plugin, so there the task has none).

Conf (all optional):

| key | meaning | default |
|---|---|---|
| `hold` | seconds `hold` waits on its first try (at most 30) | `0` |
| `broken` | regions whose `transform` fails, e.g. `["us"]` | `[]` |
"""
from __future__ import annotations

import time
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import BaseOperator, BaseOperatorLink, dag, get_current_context, task, task_group

    AIRFLOW_3 = True
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task, task_group
    from airflow.models.baseoperator import BaseOperator
    from airflow.models.baseoperatorlink import BaseOperatorLink
    from airflow.operators.python import get_current_context

    AIRFLOW_3 = False

REGIONS = ["eu", "us", "apac"]
REPORTS = "https://reports.example.com"  # where the reports would be published: an example address
MAX_HOLD = 30  # seconds


def report_url(dag_id: str, run_id: str) -> str:
    return f"{REPORTS}/{dag_id}/{run_id}"


class ReportLink(BaseOperatorLink):
    """The extra link *Report* of `publish`: the UI shows it as a button on the task instance."""

    name = "Report"

    def get_link(self, operator, *, ti_key) -> str:
        return report_url(ti_key.dag_id, ti_key.run_id)


class PublishReportOperator(BaseOperator):
    """Publishes the run's report (here it only says where), with a link to it (`ReportLink`).

    Airflow 3 works the link out when the task has run, and keeps it with the task instance; Airflow 2
    shows an operator's own link only when a plugin registers its class, so there it has none."""

    operator_extra_links = (ReportLink(),) if AIRFLOW_3 else ()

    def execute(self, context) -> str:
        url = report_url(context["dag"].dag_id, context["run_id"])
        print(f"report published at {url}")
        return url


@dag(
    dag_id="changing_state",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["changing-state", "mapped-tasks", "task-group"],
    doc_md=__doc__,
    params={"hold": 0, "broken": []},
)
def changing_state():
    @task
    def extract() -> list[str]:
        print(f"found data for {REGIONS}")
        return REGIONS

    @task_group(group_id="load")
    def load():
        @task
        def orders() -> int:
            return 128

        @task
        def customers() -> int:
            return 42

        orders()
        customers()

    @task(retries=1, retry_delay=timedelta(seconds=1), map_index_template="{{ region }}")
    def transform(region: str) -> str:
        context = get_current_context()
        context["region"] = region  # names the instance: its rendered_map_index
        if region in (context["dag_run"].conf or {}).get("broken", []):
            raise RuntimeError(f"the data of {region} is broken (conf broken); mark this instance success "
                               f"once it is fixed by hand")
        return f"{region} transformed"

    @task
    def hold() -> None:
        context = get_current_context()
        seconds = float((context["dag_run"].conf or {}).get("hold", 0))
        if context["ti"].try_number <= 1:  # cleared, it does not wait again
            time.sleep(max(0.0, min(seconds, MAX_HOLD)))

    regions = extract()
    loaded = load()
    regions >> loaded
    transformed = transform.expand(region=regions)
    loaded >> transformed
    transformed >> hold() >> PublishReportOperator(task_id="publish")


changing_state()

"""Folder for notebooks/02_dag_runs.ipynb: trigger with a conf, watch, list runs and task instances,
a task's log, XComs, api_dag triggering dependent_dag, delete the runs."""
import json

from common import NO_LOGICAL_DATE_ON_2, ON_AIRFLOW_2, request, status, wait_for_runs

RF = "pm.collectionVariables.get('rfRunId')"
DD = "pm.collectionVariables.get('ddRunId')"
API = "pm.collectionVariables.get('apiRunId')"
CHILD = "pm.collectionVariables.get('childRunId')"
DATED = "pm.collectionVariables.get('datedRunId')"
DAY = "2024-05-01T00:00:00Z"
CONF = {"message": "hello from notebook 02", "requested_by": "02_dag_runs"}


def success(var: str) -> list[str]:
    return status(200) + [
        "const data = pm.response.json();",
        f'pm.test("the run succeeded", () => {{ pm.expect(data.dag_run_id).to.eql(pm.collectionVariables.get(\'{var}\')); '
        "pm.expect(data.state).to.eql('success'); });",
    ]


def deleted() -> list[str]:
    return status(204)


FOLDER = {
    "notebook": "02_dag_runs.ipynb",
    "name": "02 · DAG runs",
    "description": """
Mirrors `notebooks/02_dag_runs.ipynb`: trigger `random_failures` and `dependent_dag` with a conf, and
`dependent_dag` for a given date (the webinar's call), wait for the runs, list runs and task instances, read a task's log and its XComs, let `api_dag` trigger
`dependent_dag` through the API, and delete the five runs.

Run ids are never typed in: each trigger's test keeps the run id Airflow chose in a collection variable
(`rfRunId`, `ddRunId`, `datedRunId`, `apiRunId`, `childRunId`) that the later requests use. The requests that need a
finished run wait for it in their pre-request script (in the Collection Runner and with Send alike).
""",
    "requests": [
        request(
            "1 · Trigger random_failures", "POST", "/dags/random_failures/dagRuns",
            body={"logical_date": None, "conf": {"failure_rate": 0}},
            pre=NO_LOGICAL_DATE_ON_2,
            description="""
`POST /api/v2/dags/random_failures/dagRuns` with `{"logical_date": null, "conf": {"failure_rate": 0}}`.
The `conf` is the run's configuration, which its tasks read: `failure_rate` 0 means no task fails this
time. Airflow 3 requires `logical_date` (`null`: now, with no data interval); on Airflow 2 the
pre-request script removes it. Add `"dag_run_id": "..."` to name the run yourself; otherwise Airflow
chooses `manual__<time>`. The answer is the new run, `queued`; the test keeps its id in `rfRunId`.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("a new queued run with the conf", () => {',
                "  pm.expect(data.dag_run_id).to.match(/^manual__/);",
                "  pm.expect(data.state).to.eql('queued');",
                "  pm.expect(data.conf).to.eql({failure_rate: 0});",
                "});",
                "pm.collectionVariables.set('rfRunId', data.dag_run_id);",
            ]),
        request(
            "2 · Trigger dependent_dag with a conf", "POST", "/dags/dependent_dag/dagRuns",
            body={"logical_date": None, "conf": CONF},
            pre=NO_LOGICAL_DATE_ON_2,
            description="""
`POST /api/v2/dags/dependent_dag/dagRuns` with a conf: `dependent_dag`'s one task, `report`, prints the
conf it received and returns it (requests 7 and 8 read it back). Change the conf to anything JSON. The
test keeps the run id in `ddRunId`.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                f'pm.test("queued, with the conf", () => {{ pm.expect(data.state).to.eql(\'queued\'); '
                f"pm.expect(data.conf).to.eql({json.dumps(CONF)}); }});",
                "pm.collectionVariables.set('ddRunId', data.dag_run_id);",
            ]),
        request(
            "3a · A run for a given date: find a leftover", "GET", "/dags/dependent_dag/dagRuns",
            query={"logical_date_gte": DAY, "logical_date_lte": "2024-05-01T23:59:59Z", "limit": 100, "offset": 0},
            pre=[
                f"{ON_AIRFLOW_2} {{  // Airflow 2 still calls it execution_date",
                "  pm.request.url.query.each(q => { q.key = q.key.replace('logical_date', 'execution_date'); });",
                "}",
            ],
            description="""
`GET /api/v2/dags/dependent_dag/dagRuns?logical_date_gte=2024-05-01T00:00:00Z&logical_date_lte=...`:
there can be only one run of a DAG per logical date, and a second trigger with the same date answers 409
Conflict. So that the folder can run twice, it first looks for a run for that date left by an
interrupted earlier run; the test keeps its id in `datedLeftoverRunId` (empty when there is none).
""",
            tests=status(200) + [
                "const found = pm.response.json().dag_runs.map(r => r.dag_run_id);",
                'pm.test("at most one run per logical date", () => pm.expect(found.length).to.be.below(2));',
                "pm.collectionVariables.set('datedLeftoverRunId', found[0] || '');",
            ]),
        request(
            "3b · Delete the leftover, if any", "DELETE", "/dags/dependent_dag/dagRuns/{{datedLeftoverRunId}}",
            pre=["if (!pm.collectionVariables.get('datedLeftoverRunId')) pm.execution.skipRequest();  // none"],
            description="""
`DELETE /api/v2/dags/dependent_dag/dagRuns/{{datedLeftoverRunId}}`: deletes the leftover run the previous
request found; skipped when there is none.
""",
            tests=status(204)),
        request(
            "3c · Trigger a run for a given date: the webinar's call", "POST", "/dags/dependent_dag/dagRuns",
            body={"logical_date": DAY, "conf": CONF},
            description="""
`POST /api/v2/dags/dependent_dag/dagRuns` with `{"logical_date": "2024-05-01T00:00:00Z", "conf": {...}}`.
The webinar triggered with a date: the run's **logical date** (Airflow 2 called it `execution_date`, and
still accepts that name), the moment the run is "for", as when you re-run yesterday's load. Both
versions accept `logical_date`. Change the date (and request 3a's filter with it). The test keeps the
run id in `datedRunId`.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("queued, for 1 May 2024", () => { pm.expect(data.logical_date).to.match(/^2024-05-01/); '
                "pm.expect(data.state).to.eql('queued'); });",
                "pm.collectionVariables.set('datedRunId', data.dag_run_id);",
            ]),
        request(
            "4a · Watch the runs", "GET", "/dags/random_failures/dagRuns/{{rfRunId}}",
            pre=wait_for_runs(("random_failures", RF), ("dependent_dag", DD), ("dependent_dag", DATED)),
            description="""
`GET /api/v2/dags/random_failures/dagRuns/{{rfRunId}}`: the run, with its `state`, `start_date` and
`end_date`. A client learns that a run has finished by asking again until the state is `success` or
`failed`; the pre-request script does that (once a second, the three runs of this folder) before this
request is sent.
""",
            tests=success("rfRunId")),
        request(
            "4b · Check: dependent_dag's run", "GET", "/dags/dependent_dag/dagRuns/{{ddRunId}}",
            description="`GET /api/v2/dags/dependent_dag/dagRuns/{{ddRunId}}`: the other run, finished too.",
            tests=success("ddRunId")),
        request(
            "4c · Check: the dated run", "GET", "/dags/dependent_dag/dagRuns/{{datedRunId}}",
            description="`GET /api/v2/dags/dependent_dag/dagRuns/{{datedRunId}}`: the run for 1 May 2024, finished too.",
            tests=success("datedRunId")),
        request(
            "5a · List runs of one DAG", "GET", "/dags/random_failures/dagRuns",
            query={"order_by": "-id", "limit": 100, "offset": 0},
            description="""
`GET /api/v2/dags/random_failures/dagRuns`: the webinar's call, every run of one DAG, a page at a time
(`limit`, `offset`); `order_by=-id` puts the newest first (without it, the newest come last). Filter
with `state=failed`, `run_type=manual`, `start_date_gte=...` and more.
""",
            tests=status(200) + [
                "const run = pm.response.json().dag_runs.find(r => r.dag_run_id === pm.collectionVariables.get('rfRunId'));",
                'pm.test("lists this folder\'s run, succeeded", () => pm.expect(run.state).to.eql(\'success\'));',
            ]),
        request(
            "5b · List runs of every DAG", "GET", "/dags/~/dagRuns",
            query={"order_by": "-id", "limit": 100, "offset": 0},
            description="""
`GET /api/v2/dags/~/dagRuns`: the DAG id `~` stands for every DAG, so this lists the runs of all DAGs
in one list (newest first here).
""",
            tests=status(200) + [
                "const ids = pm.response.json().dag_runs.map(r => r.dag_run_id);",
                'pm.test("lists the three runs of this folder so far", () => pm.expect(ids).to.include.members('
                "['rfRunId', 'ddRunId', 'datedRunId'].map(v => pm.collectionVariables.get(v))));",
            ]),
        request(
            "6 · A run's task instances", "GET", "/dags/random_failures/dagRuns/{{rfRunId}}/taskInstances",
            description="""
`GET /api/v2/dags/random_failures/dagRuns/{{rfRunId}}/taskInstances`: one task in one run each, with its
`state`, `try_number` (1 for a first try), when and where it ran.
""",
            tests=status(200) + [
                "const tis = pm.response.json().task_instances.sort((a, b) => a.task_id.localeCompare(b.task_id));",
                'pm.test("five tasks, all succeeded on the first try", () => {',
                "  pm.expect(tis.map(t => t.task_id)).to.eql(['task_1', 'task_2', 'task_3', 'task_4', 'task_5']);",
                "  pm.expect(tis.every(t => t.state === 'success' && t.try_number === 1)).to.eql(true);",
                "});",
            ]),
        request(
            "7 · A task's log", "GET", "/dags/dependent_dag/dagRuns/{{ddRunId}}/taskInstances/report/logs/1",
            headers={"Accept": "application/json"},
            description="""
`GET /api/v2/dags/dependent_dag/dagRuns/{{ddRunId}}/taskInstances/report/logs/1`: the log of the task
`report`, try 1 (each try has its own log). Airflow 3 answers structured JSON, `content` being a list of
events; what the task printed has the logger `task.stdout`. Airflow 2 answers text (here
`{"content": "..."}`, as the header `Accept: application/json` asks).
""",
            tests=status(200) + [
                "const content = pm.response.json().content;",
                "const text = typeof content === 'string' ? content : content.map(e => e.event).join('\\n');",
                'pm.test("the task printed the conf it received", () => '
                "pm.expect(text).to.include('dependent_dag received').and.include('hello from notebook 02'));",
            ]),
        request(
            "8a · The task's XComs", "GET",
            "/dags/dependent_dag/dagRuns/{{ddRunId}}/taskInstances/report/xcomEntries",
            description="""
`GET /api/v2/dags/dependent_dag/dagRuns/{{ddRunId}}/taskInstances/report/xcomEntries`: the small values
the task passed on. Its return value is the XCom `return_value`; a returned dict is also stored key by
key. The list shows the keys, not the values.
""",
            tests=status(200) + [
                "const keys = pm.response.json().xcom_entries.map(x => x.key);",
                'pm.test("return_value and the conf\'s keys", () => pm.expect(keys).to.include.members('
                "['message', 'requested_by', 'return_value', 'run_type']));",
            ]),
        request(
            "8b · One XCom, with its value", "GET",
            "/dags/dependent_dag/dagRuns/{{ddRunId}}/taskInstances/report/xcomEntries/return_value",
            description="""
`GET .../taskInstances/report/xcomEntries/return_value`: one XCom with its `value`. Airflow 3 answers
the value as JSON; Airflow 2 as a string (its Python repr). Change `return_value` to another key of
request 8a.
""",
            tests=status(200) + [
                "const value = pm.response.json().value;",
                'pm.test("the conf the run was given", () => {',
                "  if (typeof value === 'string') pm.expect(value).to.include('hello from notebook 02');",
                "  else pm.expect(value.message).to.eql('hello from notebook 02');",
                "});",
            ]),
        request(
            "9a · Trigger api_dag, which triggers dependent_dag", "POST", "/dags/api_dag/dagRuns",
            body={"logical_date": None, "conf": {"message": "relayed by api_dag"}},
            pre=NO_LOGICAL_DATE_ON_2,
            description="""
`POST /api/v2/dags/api_dag/dagRuns`: the webinar's `api_dag` does from inside Airflow what this folder
did from outside: its task posts to `/dags/dependent_dag/dagRuns` (signing in with the connection
`airflow_api`) and waits for that run. It names the run `from_api_dag__` + its own run id; the test
keeps both ids (`apiRunId`, `childRunId`).
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("queued", () => pm.expect(data.state).to.eql(\'queued\'));',
                "pm.collectionVariables.set('apiRunId', data.dag_run_id);",
                "pm.collectionVariables.set('childRunId', 'from_api_dag__' + data.dag_run_id);",
            ]),
        request(
            "9b · The run api_dag started", "GET", "/dags/dependent_dag/dagRuns/{{childRunId}}",
            pre=wait_for_runs(("api_dag", API), ("dependent_dag", CHILD)),
            description="""
`GET /api/v2/dags/dependent_dag/dagRuns/{{childRunId}}`: the run of `dependent_dag` that `api_dag`
started, found by its run id, with the conf `api_dag` relayed. The pre-request script first waits for
`api_dag`'s run to finish.
""",
            tests=success("childRunId") + [
                'pm.test("with the relayed conf", () => pm.expect(data.conf).to.eql({message: "relayed by api_dag", '
                "requested_by: 'api_dag run ' + pm.collectionVariables.get('apiRunId')}));",
            ]),
        request(
            "9c · Check: api_dag's run", "GET", "/dags/api_dag/dagRuns/{{apiRunId}}",
            description="`GET /api/v2/dags/api_dag/dagRuns/{{apiRunId}}`: `api_dag`'s own run succeeded.",
            tests=success("apiRunId")),
        request(
            "Cleanup 1 · Delete the random_failures run", "DELETE", "/dags/random_failures/dagRuns/{{rfRunId}}",
            description="""
`DELETE /api/v2/dags/random_failures/dagRuns/{{rfRunId}}`: deletes a run with its task instances, XComs
and logs entries in the database. Answers 204, no body.
""",
            tests=deleted()),
        request(
            "Cleanup 2 · Delete the dependent_dag run", "DELETE", "/dags/dependent_dag/dagRuns/{{ddRunId}}",
            description="`DELETE /api/v2/dags/dependent_dag/dagRuns/{{ddRunId}}` (204).", tests=deleted()),
        request(
            "Cleanup 3 · Delete the dated run", "DELETE", "/dags/dependent_dag/dagRuns/{{datedRunId}}",
            description="`DELETE /api/v2/dags/dependent_dag/dagRuns/{{datedRunId}}` (204).", tests=deleted()),
        request(
            "Cleanup 4 · Delete the api_dag run", "DELETE", "/dags/api_dag/dagRuns/{{apiRunId}}",
            description="`DELETE /api/v2/dags/api_dag/dagRuns/{{apiRunId}}` (204).", tests=deleted()),
        request(
            "Cleanup 5 · Delete the run api_dag started", "DELETE", "/dags/dependent_dag/dagRuns/{{childRunId}}",
            description="`DELETE /api/v2/dags/dependent_dag/dagRuns/{{childRunId}}` (204).", tests=deleted()),
        request(
            "Cleanup 6 · Check: the runs are gone", "GET", "/dags/~/dagRuns",
            query={"order_by": "-id", "limit": 100, "offset": 0},
            description="`GET /api/v2/dags/~/dagRuns`: none of this folder's five runs is left.",
            tests=status(200) + [
                "const ids = pm.response.json().dag_runs.map(r => r.dag_run_id);",
                "const mine = ['rfRunId', 'ddRunId', 'datedRunId', 'apiRunId', 'childRunId'].map(v => pm.collectionVariables.get(v));",
                'pm.test("none of this folder\'s runs is left", () => pm.expect(ids).to.not.include.any.members(mine));',
            ]),
    ],
}

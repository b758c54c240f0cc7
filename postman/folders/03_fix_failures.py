"""Folder for notebooks/03_fix_failures.ipynb: make a task fail, find it, read why, clear it (dry run
first), watch the run succeed, the tries, delete the run."""
from common import NO_LOGICAL_DATE_ON_2, all_succeeded_task_3_on_try_2, request, status, wait_for_runs

RUN = "pm.collectionVariables.get('failRunId')"
CLEAR_BODY = ('{{\n  "dry_run": {dry},\n  "only_failed": true,\n  "reset_dag_runs": true,\n'
              '  "dag_run_id": "{{{{failRunId}}}}",\n  "include_downstream": true\n}}')


def run_state(check: str, expected: str) -> list[str]:
    return status(200) + [
        f'pm.test("the run is {check}", () => pm.expect(pm.response.json().state).{expected});',
    ]


FOLDER = {
    "notebook": "03_fix_failures.ipynb",
    "name": "03 · Fix failures",
    "description": """
Mirrors `notebooks/03_fix_failures.ipynb`: the webinar's way to fix failures. Trigger `random_failures`
with `{"fail_task": "task_3"}` so that `task_3` fails, find the failed task instance with a `state`
filter, read the exception in its log, clear it with `POST /dags/random_failures/clearTaskInstances`
(a dry run first, then for real), watch the run succeed, and delete it.

The run id (`failRunId`) and the failed task (`failedTaskId`) are found by the requests, never typed in.
""",
    "requests": [
        request(
            "1a · Trigger a run that will fail", "POST", "/dags/random_failures/dagRuns",
            body={"logical_date": None, "conf": {"fail_task": "task_3"}},
            pre=NO_LOGICAL_DATE_ON_2,
            description="""
`POST /api/v2/dags/random_failures/dagRuns` with `{"logical_date": null, "conf": {"fail_task": "task_3"}}`:
`task_3` fails on its first try, so `task_4` and `task_5` never start (`upstream_failed`) and the run
fails. Change `fail_task` to make another task fail. The test keeps the run id in `failRunId`.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("queued, with the conf", () => pm.expect(data.conf).to.eql({fail_task: "task_3"}));',
                "pm.collectionVariables.set('failRunId', data.dag_run_id);",
            ]),
        request(
            "1b · The run has finished: failed", "GET", "/dags/random_failures/dagRuns/{{failRunId}}",
            pre=wait_for_runs(("random_failures", RUN)),
            description="""
`GET /api/v2/dags/random_failures/dagRuns/{{failRunId}}`, once the run has finished (the pre-request
script waits for it): `failed`.
""",
            tests=run_state("failed", "to.eql('failed')")),
        request(
            "2a · Find the failed task", "GET", "/dags/random_failures/dagRuns/{{failRunId}}/taskInstances",
            query={"state": "failed"},
            description="""
`GET /api/v2/dags/random_failures/dagRuns/{{failRunId}}/taskInstances?state=failed`: only the task
instances in that state (repeat it for several: `state=failed&state=upstream_failed`). With `~` as the
run id, the same call finds failed tasks in every run of the DAG. The test keeps the failed task's id
in `failedTaskId`, which the next requests use.
""",
            tests=status(200) + [
                "const tis = pm.response.json().task_instances;",
                'pm.test("task_3 failed, on try 1", () => pm.expect(tis.map(t => [t.task_id, t.try_number]))'
                ".to.eql([['task_3', 1]]));",
                "pm.collectionVariables.set('failedTaskId', tis[0].task_id);",
            ]),
        request(
            "2b · All the run's task instances", "GET", "/dags/random_failures/dagRuns/{{failRunId}}/taskInstances",
            description="""
`GET .../dagRuns/{{failRunId}}/taskInstances` without the filter: `task_4` and `task_5` did not run
(`upstream_failed`, `try_number` 0) because `task_3` failed.
""",
            tests=status(200) + [
                "const states = Object.fromEntries(pm.response.json().task_instances.map(t => [t.task_id, t.state]));",
                'pm.test("two succeeded, one failed, two upstream_failed", () => pm.expect(states).to.eql({',
                "  task_1: 'success', task_2: 'success', task_3: 'failed',",
                "  task_4: 'upstream_failed', task_5: 'upstream_failed'}));",
            ]),
        request(
            "3 · Why did it fail?", "GET",
            "/dags/random_failures/dagRuns/{{failRunId}}/taskInstances/{{failedTaskId}}/logs/1",
            headers={"Accept": "application/json"},
            description="""
`GET .../dagRuns/{{failRunId}}/taskInstances/{{failedTaskId}}/logs/1`: the log of try 1 of the failed
task. On Airflow 3 a list of events, the failure being the event of level `error` whose `error_detail`
holds the exception; on Airflow 2 text with the traceback in it.
""",
            tests=status(200) + [
                "const content = pm.response.json().content;",
                "const text = typeof content === 'string' ? content : JSON.stringify(content);",
                'pm.test("the exception is in the log", () => '
                "pm.expect(text).to.include('RuntimeError').and.include('failed on purpose'));",
            ]),
        request(
            "4a · Clear it: the dry run", "POST", "/dags/random_failures/clearTaskInstances",
            body=CLEAR_BODY.format(dry="true"),
            description="""
`POST /api/v2/dags/random_failures/clearTaskInstances`: clearing a task instance resets it, so the
scheduler runs it again. The body chooses which: `dag_run_id` (only this run), `only_failed` (only
failed and upstream_failed task instances), `include_downstream` (also the tasks after them),
`reset_dag_runs` (put the run back to `queued`), and `dry_run`: only list what would be cleared, change
nothing. Both Airflow 2 and 3 default `dry_run` to `true`.

The webinar cleared by date instead (`"start_date"`, `"end_date"`: runs whose logical date is in the
range); runs triggered with `"logical_date": null` have none, so `dag_run_id` is used here.
""",
            tests=status(200) + [
                "const ids = pm.response.json().task_instances.map(t => t.task_id).sort();",
                'pm.test("would clear task_3 and what follows it", () => '
                "pm.expect(ids).to.eql(['task_3', 'task_4', 'task_5']));",
            ]),
        request(
            "4b · Check: nothing changed", "GET", "/dags/random_failures/dagRuns/{{failRunId}}",
            description="`GET .../dagRuns/{{failRunId}}`: after the dry run the run is still `failed`.",
            tests=run_state("still failed", "to.eql('failed')")),
        request(
            "6a · Clear it for real", "POST", "/dags/random_failures/clearTaskInstances",
            body=CLEAR_BODY.format(dry="false"),
            description="""
The same call with `"dry_run": false`: the answer lists the cleared task instances, and the run is
reset to `queued`, so the scheduler runs the cleared tasks again.
""",
            tests=status(200) + [
                "const ids = pm.response.json().task_instances.map(t => t.task_id).sort();",
                'pm.test("cleared task_3 and what follows it", () => '
                "pm.expect(ids).to.eql(['task_3', 'task_4', 'task_5']));",
            ]),
        request(
            "6b · Check: the run is reset", "GET", "/dags/random_failures/dagRuns/{{failRunId}}",
            description="`GET .../dagRuns/{{failRunId}}`: no longer `failed` (`queued` or `running`).",
            tests=run_state("not failed any more", "to.not.eql('failed')")),
        request(
            "7a · Watch the run succeed", "GET", "/dags/random_failures/dagRuns/{{failRunId}}/taskInstances",
            pre=wait_for_runs(("random_failures", RUN)),
            description="""
`GET .../dagRuns/{{failRunId}}/taskInstances` once the run has finished again (the pre-request script
waits): every task succeeded; `task_3` on its second try, `task_1` and `task_2` kept their first.
""",
            tests=status(200) + all_succeeded_task_3_on_try_2()),
        request(
            "7b · Check: the run succeeded", "GET", "/dags/random_failures/dagRuns/{{failRunId}}",
            description="`GET .../dagRuns/{{failRunId}}`: `success`.",
            tests=run_state("success", "to.eql('success')")),
        request(
            "8 · Every try of the cleared task", "GET",
            "/dags/random_failures/dagRuns/{{failRunId}}/taskInstances/{{failedTaskId}}/tries",
            description="""
`GET .../taskInstances/{{failedTaskId}}/tries`: Airflow keeps each try of a task instance, with its own
state and log (`.../logs/1`, `.../logs/2`): failed on try 1, succeeded on try 2.
""",
            tests=status(200) + [
                "const tries = pm.response.json().task_instances.map(t => [t.try_number, t.state])"
                ".sort((a, b) => a[0] - b[0]);",
                'pm.test("failed, then succeeded", () => pm.expect(tries).to.eql([[1, \'failed\'], [2, \'success\']]));',
            ]),
        request(
            "Cleanup 1 · Delete the run", "DELETE", "/dags/random_failures/dagRuns/{{failRunId}}",
            description="`DELETE /api/v2/dags/random_failures/dagRuns/{{failRunId}}`: the run and its task instances (204).",
            tests=status(204)),
        request(
            "Cleanup 2 · Check: the run is gone", "GET", "/dags/random_failures/dagRuns",
            query={"order_by": "-id", "limit": 100, "offset": 0},
            description="`GET /api/v2/dags/random_failures/dagRuns`: the run is not listed any more.",
            tests=status(200) + [
                'pm.test("the run is gone", () => pm.expect(pm.response.json().dag_runs.map(r => r.dag_run_id))'
                ".to.not.include(pm.collectionVariables.get('failRunId')));",
            ]),
    ],
}

"""Folder for notebooks/05_monitoring.ipynb: health, providers, import errors, DAG stats, task
instances and run durations of three runs, the event log."""
from common import ON_AIRFLOW_2, loop_next, loop_pre, request, status, wait_for_runs

RUN_IDS = ["kit_05_run_1", "kit_05_run_2", "kit_05_run_3"]
RUN = "runId05"


def stats_of_random_failures() -> list[str]:
    return [
        "const dag = pm.response.json().dags.find(d => d.dag_id === 'random_failures');",
        "const counts = Object.fromEntries((dag ? dag.stats : []).map(s => [s.state, s.count]));",
    ]


FOLDER = {
    "notebook": "05_monitoring.ipynb",
    "name": "05 · Monitoring",
    "description": f"""
Mirrors `notebooks/05_monitoring.ipynb`: what a dashboard or a cron job checks. The health of each
component, the installed providers, import errors (DAG files that fail to load), DAG stats (runs per
state), the task instances and durations of three runs of `random_failures`, and the event log,
Airflow's audit trail.

The folder triggers three runs with fixed ids ({", ".join(f"`{r}`" for r in RUN_IDS)}), deletes
leftovers of an interrupted run first, and deletes the runs at the end. The requests that stand for a
loop of the notebook are sent once per run id (the Collection Runner repeats them; with Send, send them
three times). The notebook also drops a broken DAG file into `dags/` to show an import error: do the
same by hand and send request 3.3 to see it.
""",
    "requests": [
        request(
            "0 · Start clean: delete leftover runs", "DELETE", f"/dags/random_failures/dagRuns/{{{{{RUN}}}}}",
            pre=loop_pre(RUN, RUN_IDS),
            description="""
`DELETE /api/v2/dags/random_failures/dagRuns/{{runId05}}` for each of the three run ids: a run of this
folder that was interrupted may have left its runs, and triggering them again would answer 409
Conflict. 204: deleted; 404: nothing to delete.
""",
            tests=status(204, 404) + loop_next(RUN, len(RUN_IDS))),
        request(
            "1 · Health", "GET", "/monitor/health",
            pre=[
                f"{ON_AIRFLOW_2} {{  // Airflow 2 has /api/v1/health instead",
                "  pm.request.url.path = pm.request.url.path.filter(p => p !== 'monitor');",
                "}",
            ],
            description="""
`GET /api/v2/monitor/health` (Airflow 2: `GET /api/v1/health`): each component with its status; the
scheduler, triggerer and DAG processor also report their latest heartbeat.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("database and scheduler healthy", () => pm.expect([data.metadatabase.status, '
                "data.scheduler.status]).to.eql(['healthy', 'healthy']));",
            ]),
        request(
            "2 · Providers", "GET", "/providers", query={"limit": 100, "offset": 0},
            description="""
`GET /api/v2/providers`: the provider packages this Airflow has installed (operators, hooks and
connection types for other systems), with `package_name`, `description` and `version`.
""",
            tests=status(200) + [
                "const names = pm.response.json().providers.map(p => p.package_name);",
                "// @task and PythonOperator: the standard provider on Airflow 3, core on Airflow 2",
                "const expected = pm.collectionVariables.get('major') === '2' ? "
                "'apache-airflow-providers-http' : 'apache-airflow-providers-standard';",
                'pm.test("has the provider the kit relies on", () => '
                "pm.expect(names).to.include(expected));",
            ]),
        request(
            "3.1 · Where is the DAGs folder?", "GET", "/dags/random_failures",
            description="""
`GET /api/v2/dags/random_failures`: every DAG knows the file it came from (`fileloc`), so the folder of
`random_failures.py` is the DAGs folder, where the notebook drops a broken file.
""",
            tests=status(200) + [
                'pm.test("fileloc is random_failures.py", () => '
                "pm.expect(pm.response.json().fileloc).to.match(/random_failures\\.py$/));",
            ]),
        request(
            "3.3 · Import errors", "GET", "/importErrors", query={"limit": 100, "offset": 0},
            description="""
`GET /api/v2/importErrors`: the webinar's call, the DAG files that failed to load, with `filename`,
`timestamp` and the `stack_trace`. The notebook writes `kit_05_broken_dag.py` (a syntax error) into the
DAGs folder and asks until it is listed; copy any DAG file with a syntax error into `dags/` and send
this again after a few seconds to see yours.
""",
            tests=status(200) + [
                'pm.test("a list of import errors", () => pm.expect(pm.response.json().import_errors).to.be.an(\'array\'));',
            ]),
        request(
            "3.4 · Import errors, after removing the file", "GET", "/importErrors",
            query={"limit": 100, "offset": 0},
            description="""
`GET /api/v2/importErrors` again: once the broken file is gone, the DAG processor drops its import error
too (within seconds on the kit's stack).
""",
            tests=status(200) + [
                "const files = pm.response.json().import_errors.map(e => e.filename);",
                'pm.test("no error of the notebook\'s broken file", () => '
                "pm.expect(files.filter(f => f.endsWith('kit_05_broken_dag.py'))).to.eql([]));",
            ]),
        request(
            "4 · DAG stats, before", "GET", "/dagStats", query={"dag_ids": "random_failures"},
            description="""
`GET /api/v2/dagStats?dag_ids=random_failures`: how many runs of the DAG are in each state. The counts
depend on everything that ever ran, so the test keeps them (`statsBefore`) to compare after this
folder's runs (request 6).
""",
            tests=status(200) + stats_of_random_failures() + [
                'pm.test("counts runs per state", () => pm.expect(Object.keys(counts).every(s => '
                "['queued', 'running', 'success', 'failed'].includes(s))).to.eql(true));",
                "pm.collectionVariables.set('statsBefore', JSON.stringify(counts));",
            ]),
        request(
            "5 · Trigger three runs", "POST", "/dags/random_failures/dagRuns",
            body=f'{{"dag_run_id": "{{{{{RUN}}}}}", "logical_date": null, "conf": {{"failure_rate": 0}}}}',
            pre=loop_pre(RUN, RUN_IDS) + [
                "if (loopIndex === 0) pm.collectionVariables.set('triggeredAt', new Date().toISOString());",
                f"{ON_AIRFLOW_2} {{  // Airflow 2 sets the logical date itself",
                "  const b = JSON.parse(pm.request.body.raw);",
                "  delete b.logical_date;",
                "  pm.request.body.update(JSON.stringify(b));",
                "}",
            ],
            description="""
`POST /api/v2/dags/random_failures/dagRuns` with `{"dag_run_id": "{{runId05}}", "logical_date": null,
"conf": {"failure_rate": 0}}`, once for each of the three run ids: naming the run yourself makes it easy
to find (and a second trigger with the same id answers 409). The pre-request script also notes the time
of the first trigger (`triggeredAt`), to find the event log entries later.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                f'pm.test("queued, with the id asked for", () => pm.expect(data.dag_run_id).to.eql(pm.collectionVariables.get(\'{RUN}\')));',
            ] + loop_next(RUN, len(RUN_IDS))),
        request(
            "6 · DAG stats, after", "GET", "/dagStats", query={"dag_ids": "random_failures"},
            pre=wait_for_runs(*[("random_failures", repr(r)) for r in RUN_IDS]),
            description="""
`GET /api/v2/dagStats?dag_ids=random_failures` once the three runs have finished (the pre-request
script waits for them, as the notebook's af.wait_for_run does): three more successful runs than before.
""",
            tests=status(200) + stats_of_random_failures() + [
                "const before = JSON.parse(pm.collectionVariables.get('statsBefore') || '{}');",
                'pm.test("three more successful runs", () => '
                "pm.expect((counts.success || 0) - (before.success || 0)).to.eql(3));",
            ]),
        request(
            "7 · A Gantt chart of a run: its task instances", "GET",
            f"/dags/random_failures/dagRuns/{RUN_IDS[0]}/taskInstances",
            description=f"""
`GET /api/v2/dags/random_failures/dagRuns/{RUN_IDS[0]}/taskInstances`: each task with its `start_date`
and `end_date`, what the notebook draws as a Gantt chart. The five tasks run one after the other.
""",
            tests=status(200) + [
                "const tis = pm.response.json().task_instances.sort((a, b) => a.task_id.localeCompare(b.task_id));",
                'pm.test("five tasks succeeded, one after the other", () => {',
                "  pm.expect(tis.map(t => t.state)).to.eql(Array(5).fill('success'));",
                "  for (let i = 1; i < tis.length; i++) "
                "pm.expect(Date.parse(tis[i].start_date)).to.be.at.least(Date.parse(tis[i - 1].end_date));",
                "});",
            ]),
        request(
            "8 · Run durations", "GET", "/dags/random_failures/dagRuns",
            query={"order_by": "-id", "limit": 100, "offset": 0},
            description="""
`GET /api/v2/dags/random_failures/dagRuns`: the webinar's call; each run's `start_date` and `end_date`
give its duration (Airflow 3 also answers `duration`, in seconds).
""",
            tests=status(200) + [
                f"const mine = pm.response.json().dag_runs.filter(r => {RUN_IDS!r}.includes(r.dag_run_id));",
                'pm.test("this folder\'s three runs succeeded, each took some time", () => {',
                "  pm.expect(mine.map(r => r.state)).to.eql(['success', 'success', 'success']);",
                "  mine.forEach(r => pm.expect(Date.parse(r.end_date)).to.be.above(Date.parse(r.start_date)));",
                "});",
            ]),
        request(
            "9 · The event log", "GET", "/eventLogs",
            query={"dag_id": "random_failures", "after": "{{triggeredAt}}", "limit": 100, "offset": 0},
            description="""
`GET /api/v2/eventLogs?dag_id=random_failures&after={{triggeredAt}}`: Airflow's audit trail since this
folder triggered its runs: API calls that change something (`trigger_dag_run`, `delete_dag_run`, ...,
with the user as `owner`) and every task's state changes (`running`, `success`, ...).
""",
            tests=status(200) + [
                "const events = pm.response.json().event_logs;",
                "// Airflow 2 calls the event api.post_dag_run and records no run id with it",
                "const triggers = pm.collectionVariables.get('major') === '2'",
                "  ? events.filter(e => e.event === 'api.post_dag_run')",
                f"  : events.filter(e => e.event === 'trigger_dag_run' && {RUN_IDS!r}.includes(e.run_id));",
                'pm.test("one trigger per run, by this user", () => {',
                "  pm.expect(triggers.length).to.eql(3);",
                "  if (['jwt', 'basic'].includes(pm.collectionVariables.get('authModeUsed')))  // signed in as username",
                "    pm.expect(triggers.every(e => e.owner === pm.variables.get('username'))).to.eql(true);",
                "});",
            ]),
        request(
            "Cleanup 1 · Delete the runs", "DELETE", f"/dags/random_failures/dagRuns/{{{{{RUN}}}}}",
            pre=loop_pre(RUN, RUN_IDS),
            description="""
`DELETE /api/v2/dags/random_failures/dagRuns/{{runId05}}` for each of the three runs (204); their task
instances and logs go with them.
""",
            tests=status(204) + loop_next(RUN, len(RUN_IDS))),
        request(
            "Cleanup 2 · Check: the runs are gone", "GET", "/dags/random_failures/dagRuns",
            query={"order_by": "-id", "limit": 100, "offset": 0},
            description="`GET /api/v2/dags/random_failures/dagRuns`: none of the three runs is left.",
            tests=status(200) + [
                "const ids = pm.response.json().dag_runs.map(r => r.dag_run_id);",
                f'pm.test("none of this folder\'s runs is left", () => pm.expect(ids).to.not.include.any.members({RUN_IDS!r}));',
            ]),
    ],
}

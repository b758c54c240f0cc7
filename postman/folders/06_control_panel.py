"""Folder for notebooks/06_control_panel.ipynb: the four calls of the control panel (list DAGs, trigger
with a checked conf, live status, log tail), the run counts of its tests, and the cleanup.

The notebook defines its calls in functions (trigger, status, log_tail) before it uses them; the
folder follows the order of the notebook's source, so the trigger comes right after the DAG list."""
from common import ON_AIRFLOW_2, request, status, wait_for_runs

RUN = "pm.collectionVariables.get('panelRunId')"
DAG = "pm.collectionVariables.get('panelDagId')"

# The panel's check, before anything is sent: the body is JSON and its conf a JSON object.
PARSE_BODY = [
    "function checkBody(text) {  // [body, null] if the conf can be sent, else [null, what is wrong]",
    "  let body;",
    "  try { body = JSON.parse(text); } catch (e) { return [null, 'Conf is not valid JSON: ' + e.message]; }",
    "  const conf = body.conf === undefined ? {} : body.conf;",
    "  if (conf === null || typeof conf !== 'object' || Array.isArray(conf))",
    "    return [null, 'Conf must be a JSON object like {\"message\": \"hi\"}, not ' + JSON.stringify(conf)];",
    "  return [body, null];",
    "}",
]


def count_runs(name: str, description: str, tests: list[str]) -> dict:
    return request(
        name, "GET", "/dags/dependent_dag/dagRuns", query={"limit": 1},
        description=description,
        tests=status(200) + [
            "const total = pm.response.json().total_entries;",
            "const before = Number(pm.collectionVariables.get('panelRunsBefore'));",
        ] + tests)


FOLDER = {
    "notebook": "06_control_panel.ipynb",
    "name": "06 · A control panel for your DAGs",
    "description": """
Mirrors `notebooks/06_control_panel.ipynb`, whose ipywidgets panel makes four calls: list the DAGs,
trigger a run with a conf (checked before sending: it must be a JSON object), follow the run's status
and its tasks, and show the end of the last task's log. Here the same calls, in the order the notebook
defines them, then the run counts its tests check, and the cleanup.

To use it as a panel: change the DAG in request 2's pre-request script (`panelDagId`) and the conf in its
body, and send requests 2 to 6.
""",
    "variables": {"panelDagId": "dependent_dag"},  # a default, until the request that sets it runs
    "requests": [
        request(
            "1 · The DAGs to choose from", "GET", "/dags", query={"limit": 100, "offset": 0},
            description="""
`GET /api/v2/dags`: the panel's drop-down lists every DAG of this Airflow (add `offset` for the next
page if there are more than `limit`).
""",
            tests=status(200) + [
                "const ids = pm.response.json().dags.map(d => d.dag_id);",
                'pm.test("lists the webinar\'s DAGs", () => pm.expect(ids).to.include.members('
                "['random_failures', 'dependent_dag', 'api_dag']));",
            ]),
        request(
            "2 · Check the conf, then trigger", "POST", "/dags/{{panelDagId}}/dagRuns",
            body={"logical_date": None, "conf": {"message": "hello from the control panel"}},
            pre=[
                "pm.collectionVariables.set('panelDagId', 'dependent_dag');  // the DAG to trigger",
            ] + PARSE_BODY + [
                "// The panel checks the conf first: a mistake is reported, and nothing is sent.",
                "const [body, problem] = checkBody(pm.request.body.raw);",
                "pm.test('the check refuses a conf that is not JSON', () => "
                "pm.expect(checkBody('{\"conf\": {\"message\": \"hi\",}}')[1]).to.match(/not valid JSON/));",
                "pm.test('the check refuses JSON that is not an object', () => "
                "pm.expect(checkBody('{\"conf\": [\"a\", \"b\"]}')[1]).to.match(/JSON object/));",
                "if (problem) {",
                "  console.error(problem + ' Nothing was triggered.');",
                "  pm.execution.skipRequest();",
                "} else {",
                f"  {ON_AIRFLOW_2} delete body.logical_date;  // Airflow 2 sets the logical date itself",
                "  pm.request.body.update(JSON.stringify(body));",
                "  // the number of runs before this one, for the checks of requests 5 to 7",
                "  pm.sendRequest({url: pm.variables.replaceIn('{{baseUrl}}{{api}}/dags/dependent_dag/dagRuns?limit=1'),",
                "                  header: {Authorization: pm.request.headers.get('Authorization') || ''}},",
                "    (err, res) => pm.collectionVariables.set('panelRunsBefore', String(res.json().total_entries)));",
                "}",
            ],
            description="""
`POST /api/v2/dags/{{panelDagId}}/dagRuns` with `{"logical_date": null, "conf": {...}}`. A run's conf must
be a JSON object: Airflow answers 422 for anything else. The pre-request script checks it as the panel
does (`JSON.parse`, then: is it an object?) and, if it is not, logs what is wrong to the console and
sends nothing. Change the conf in the body, and the DAG (`panelDagId`) in the pre-request script. The
test keeps the run id in `panelRunId`.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("triggered, with the conf", () => pm.expect(data.conf.message).to.eql(\'hello from the control panel\'));',
                "pm.collectionVariables.set('panelRunId', data.dag_run_id);",
            ]),
        request(
            "3a · Live status: the run", "GET", "/dags/{{panelDagId}}/dagRuns/{{panelRunId}}",
            pre=wait_for_runs(("' + " + DAG + " + '", RUN)),
            description="""
`GET /api/v2/dags/{{panelDagId}}/dagRuns/{{panelRunId}}`: the run's state. The panel asks every second
until it is `success` or `failed`; the pre-request script does the same before this request is sent.
""",
            tests=status(200) + [
                'pm.test("the run succeeded", () => pm.expect(pm.response.json().state).to.eql(\'success\'));',
            ]),
        request(
            "3b · Live status: its tasks", "GET", "/dags/{{panelDagId}}/dagRuns/{{panelRunId}}/taskInstances",
            description="""
`GET .../dagRuns/{{panelRunId}}/taskInstances`: the state and try of each task, the panel's task table.
""",
            tests=status(200) + [
                "const states = pm.response.json().task_instances.map(t => t.state);",
                'pm.test("every task succeeded", () => pm.expect(states).to.eql([\'success\']));',
            ]),
        request(
            "4a · Log tail: the task that started last", "GET",
            "/dags/{{panelDagId}}/dagRuns/{{panelRunId}}/taskInstances",
            description="""
`GET .../dagRuns/{{panelRunId}}/taskInstances` again, to find the task that started last and its
`try_number`; the test keeps them in `panelTaskId` and `panelTry` for the log request.
""",
            tests=status(200) + [
                "const started = pm.response.json().task_instances.filter(t => t.start_date);",
                "const last = started.sort((a, b) => Date.parse(b.start_date) - Date.parse(a.start_date))[0];",
                'pm.test("found the last task: report", () => pm.expect(last.task_id).to.eql(\'report\'));',
                "pm.collectionVariables.set('panelTaskId', last.task_id);",
                "pm.collectionVariables.set('panelTry', String(last.try_number));",
            ]),
        request(
            "4b · Log tail: its log", "GET",
            "/dags/{{panelDagId}}/dagRuns/{{panelRunId}}/taskInstances/{{panelTaskId}}/logs/{{panelTry}}",
            headers={"Accept": "application/json"},
            description="""
`GET .../taskInstances/{{panelTaskId}}/logs/{{panelTry}}`: the task's log. Airflow 3 answers structured
entries (`event` is the message); Airflow 2 text. The panel shows its last lines.
""",
            tests=status(200) + [
                "const content = pm.response.json().content;",
                "const lines = typeof content === 'string' ? content.split('\\n') : content.map(e => e.event || '');",
                'pm.test("the task printed the conf", () => pm.expect(lines.join(\'\\n\'))'
                ".to.include('dependent_dag received').and.include('hello from the control panel'));",
            ]),
        count_runs(
            "5 · How many runs dependent_dag has", """
`GET /api/v2/dags/dependent_dag/dagRuns?limit=1`: `total_entries` is the number of runs on all pages,
so one item is enough to count them: one more than before the trigger (request 2 counted them first).
""", ['pm.test("one run more than before the trigger", () => pm.expect(total).to.eql(before + 1));']),
        count_runs(
            "6 · Check: a refused conf sent nothing", """
`GET /api/v2/dags/dependent_dag/dagRuns?limit=1` again: the confs the panel refused (request 2's
pre-request tests) sent nothing, so the count has not changed.
""", ['pm.test("no other run", () => pm.expect(total).to.eql(before + 1));']),
        count_runs(
            "7 · Check: exactly one run more", """
`GET /api/v2/dags/dependent_dag/dagRuns?limit=1`: exactly one run more than before, the notebook's
last check before the cleanup.
""", ['pm.test("exactly one run more", () => pm.expect(total).to.eql(before + 1));']),
        request(
            "Cleanup 1 · Delete the run", "DELETE", "/dags/{{panelDagId}}/dagRuns/{{panelRunId}}",
            description="`DELETE /api/v2/dags/{{panelDagId}}/dagRuns/{{panelRunId}}`: the run the panel triggered (204).",
            tests=status(204)),
        count_runs(
            "Cleanup 2 · Check: as many runs as before", """
`GET /api/v2/dags/dependent_dag/dagRuns?limit=1`: as many runs as before the trigger.
""", ['pm.test("as many runs as before", () => pm.expect(total).to.eql(before));']),
    ],
}

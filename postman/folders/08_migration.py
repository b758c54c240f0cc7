"""Folder for notebooks/08_migration.ipynb: the webinar's five calls as it made them (/api/v1, Basic auth),
what Airflow 3 answers to them, the steps to their Airflow 3 forms, and those forms."""
import json

from common import ON_AIRFLOW_2, all_succeeded_task_3_on_try_2, request, status, wait_for_runs

DATE = "2024-02-03T14:15:22Z"  # the logical (Airflow 2: execution) date of the folder's run
RUN = "pm.collectionVariables.get('migrationRunId')"
TRIGGER_V1 = {"execution_date": DATE, "conf": {"fail_task": "task_3"}}
CLEAR_V1 = {"dry_run": False, "task_ids": ["task_3", "task_4", "task_5"],
            "start_date": "2024-02-03T14:15:00+00:00", "end_date": "2024-02-03T14:16:00+00:00",
            "only_failed": True, "only_running": False, "include_subdags": False,
            "include_parentdag": False, "reset_dag_runs": True}
CLEAR_V2 = {k: v for k, v in CLEAR_V1.items() if k not in ("include_subdags", "include_parentdag")}
BY_DATE = {"logical_date_gte": DATE, "logical_date_lte": DATE, "limit": 100, "offset": 0}

ON_2 = "const onAirflow2 = pm.collectionVariables.get('major') === '2';"
# The webinar's requests sign themselves in with Basic auth (X-Kit-Auth: none keeps the collection's
# script from signing them in its own way), on Airflow 2 and 3 alike.
WEBINAR_AUTH = [
    "// The webinar's way of signing in: HTTP Basic auth with every call, on either Airflow",
    "const pair = `${pm.variables.get('username')}:${pm.variables.get('password')}`;",
    "pm.request.headers.upsert({key: 'Authorization', value: 'Basic ' + "
    "CryptoJS.enc.Base64.stringify(CryptoJS.enc.Utf8.parse(pair))});",
]
ONLY_ON_3 = [f"{ON_AIRFLOW_2} pm.execution.skipRequest();  // Airflow 3 only: on Airflow 2 the requests 1.x are these calls"]


def wait_if(opening: str) -> list[str]:
    """Pre-request lines that wait until this folder's run has finished, inside `opening` (an `if (...) {`)."""
    return [opening] + ["  " + line for line in wait_for_runs(("random_failures", RUN))] + ["}"]
DATE_NAMES_ON_2 = [
    f"{ON_AIRFLOW_2} {{  // Airflow 2 still calls it execution_date",
    "  pm.request.url.query.each(q => { q.key = q.key.replace('logical_date', 'execution_date'); });",
    "}",
]
REMOVED = "/api/v1 has been removed in Airflow 3"


def webinar(name, method, path, *, description, on_2, on_3, body=None, pre=()):
    """One of the webinar's calls as it made it: on Airflow 2 `on_2` checks the answer; on Airflow 3
    the status `on_3` (404 for a GET, 405 for a POST: /api/v1 is gone)."""
    check_3 = [f'pm.test("Airflow 3: {on_3}, /api/v1 is gone", () => pm.expect(pm.response.code).to.eql({on_3}));']
    if on_3 == 404:
        check_3.append(f'pm.test("Airflow 3 says so", () => pm.expect(pm.response.text()).to.include("{REMOVED}"));')
    return request(
        name, method, path, body=body, headers={"X-Kit-Auth": "none"}, pre=WEBINAR_AUTH + list(pre),
        description=description,
        tests=[ON_2, "if (onAirflow2) {"] + ["  " + line for line in status(200) + on_2] + ["} else {"]
        + ["  " + line for line in check_3] + ["}"])


FOLDER = {
    "notebook": "08_migration.ipynb",
    "name": "08 · Migrating the webinar's calls from Airflow 2 to Airflow 3",
    "description": """
Mirrors `notebooks/08_migration.ipynb`: the webinar's five calls exactly as its README makes them
(`/api/v1`, Basic auth; call 5's invalid JSON fixed, call 3 dated 2024 and with a conf so that `task_3`
fails), then the steps to their Airflow 3 forms, then those forms.

Run it with either environment. With *Local Airflow 2.11* the requests 1.x succeed, as in the webinar,
and the Airflow 3 requests (2.x and 3.x) are skipped. With *Local Airflow 3* the requests 1.x get the
answers Airflow 3 gives an Airflow 2 client (404, or 405 for a POST), and the requests 2.x and 3.x
fix them step by step. The notebook sends the five to both servers at once.

The folder's run is for the logical date 2024-02-03T14:15:22Z; a leftover for that date is deleted first,
and the run at the end.
""",
    "requests": [
        request(
            "0a · Start clean: a leftover run for the date?", "GET", "/dags/random_failures/dagRuns",
            query=BY_DATE, pre=DATE_NAMES_ON_2,
            description=f"""
`GET /api/v2/dags/random_failures/dagRuns?logical_date_gte={DATE}&logical_date_lte={DATE}` (Airflow 2:
`execution_date_gte`/`_lte`): a DAG has one run per logical date, and this folder's trigger would answer
409 Conflict if an interrupted earlier run left one. The test keeps its id in `migrationLeftoverRunId`.
""",
            tests=status(200) + [
                "const found = pm.response.json().dag_runs.map(r => r.dag_run_id);",
                'pm.test("at most one run for the date", () => pm.expect(found.length).to.be.below(2));',
                "pm.collectionVariables.set('migrationLeftoverRunId', found[0] || '');",
            ]),
        request(
            "0b · Delete the leftover, if any", "DELETE", "/dags/random_failures/dagRuns/{{migrationLeftoverRunId}}",
            pre=["if (!pm.collectionVariables.get('migrationLeftoverRunId')) pm.execution.skipRequest();  // none"],
            description="""
`DELETE /api/v2/dags/random_failures/dagRuns/{{migrationLeftoverRunId}}`: the leftover the previous
request found; skipped when there is none.
""",
            tests=status(204)),
        webinar(
            "1.1 · Webinar call 1 as it was: Get Providers", "GET", "/api/v1/providers",
            description="""
`GET /api/v1/providers` with Basic auth (`admin:admin`), as the webinar sent it. Airflow 2.11: 200 and
the installed provider packages. Airflow 3: 404, `/api/v1` has been removed.
""",
            on_2=['pm.test("lists providers", () => pm.expect(pm.response.json().providers).to.be.an("array").that.is.not.empty);'],
            on_3=404),
        webinar(
            "1.2 · Webinar call 2 as it was: Get Import Errors", "GET", "/api/v1/importErrors",
            description="""
`GET /api/v1/importErrors`: DAG files that could not be parsed, with the error. Airflow 2.11: 200.
Airflow 3: 404.
""",
            on_2=['pm.test("answers import_errors", () => pm.expect(pm.response.json().import_errors).to.be.an("array"));'],
            on_3=404),
        webinar(
            "1.3 · Webinar call 3 as it was: Trigger a DAG Run", "POST", "/api/v1/dags/random_failures/dagRuns",
            body=TRIGGER_V1,
            description=f"""
`POST /api/v1/dags/random_failures/dagRuns` with `{json.dumps(TRIGGER_V1)}`: the webinar's body, dated
2024 (our `random_failures` starts on 2024-01-01; a run dated before gets no tasks) and with a conf that
makes `task_3` fail. Airflow 2.11: 200, the run `manual__2024-02-03T14:15:22+00:00` (kept in
`migrationRunId`). Airflow 3: 405 Method Not Allowed.
""",
            on_2=["const data = pm.response.json();",
                  'pm.test("queued, named after its date", () => '
                  "pm.expect([data.state, data.dag_run_id]).to.eql(['queued', 'manual__2024-02-03T14:15:22+00:00']));",
                  "pm.collectionVariables.set('migrationRunId', data.dag_run_id);"],
            on_3=405),
        webinar(
            "1.4 · Webinar call 4 as it was: GET DAG Runs", "GET", "/api/v1/dags/random_failures/dagRuns",
            description="""
`GET /api/v1/dags/random_failures/dagRuns`: the DAG's runs, with `execution_date` and
`external_trigger`. Airflow 2.11: 200, the run of request 1.3 among them. Airflow 3: 404.
""",
            on_2=['pm.test("the run is listed", () => pm.expect(pm.response.json().dag_runs.map(r => r.dag_run_id))'
                  ".to.include(pm.collectionVariables.get('migrationRunId')));"],
            on_3=404),
        webinar(
            "1.5 · Webinar call 5 as it was: Rerun Tasks", "POST", "/api/v1/dags/random_failures/clearTaskInstances",
            body=CLEAR_V1,
            pre=wait_if("if (pm.collectionVariables.get('major') === '2') {  // wait until the run has failed"),
            description="""
`POST /api/v1/dags/random_failures/clearTaskInstances` with the webinar's body, its invalid JSON fixed
(`"task_ids": ["random-task]` lacked a quote) and naming our tasks: `task_3` failed, `task_4` and
`task_5` were held back (`only_failed` covers both states); `start_date`/`end_date` bracket the run's
execution date. On Airflow 2.11 the pre-request script waits for the run to fail first; 200, the three
task instances cleared. Airflow 3: 405.
""",
            on_2=['pm.test("cleared task_3, task_4, task_5", () => pm.expect(pm.response.json().task_instances'
                  ".map(t => t.task_id).sort()).to.eql(['task_3', 'task_4', 'task_5']));"],
            on_3=405),
        request(
            "2.1 · Step 1: /api/v2, still with Basic auth", "GET", "/api/v2/providers",
            headers={"X-Kit-Auth": "none"}, pre=ONLY_ON_3 + WEBINAR_AUTH,
            description="""
`GET /api/v2/providers` with Basic auth: the new prefix alone is not enough, Airflow 3 answers 401
`Not authenticated`: it takes no Basic auth. Skipped on Airflow 2.
""",
            tests=status(401)),
        request(
            "2.2 · Step 2: a token instead", "POST", "/auth/token",
            headers={"X-Kit-Auth": "none", "Content-Type": "application/json"},
            body='{"username": "{{username}}", "password": "{{password}}"}',
            pre=ONLY_ON_3 + ["if (pm.collectionVariables.get('authModeUsed') === 'token') pm.execution.skipRequest();"],
            description="""
`POST /auth/token` with `{"username": ..., "password": ...}`: 201 and an `access_token` (a JWT), kept
in `migrationToken` and sent by the next requests as `Authorization: Bearer {{migrationToken}}`. Skipped
on Airflow 2 and with `authMode` `token`.
""",
            tests=status(200, 201) + [
                "const token = pm.response.json().access_token;",
                'pm.test("answers an access_token (a JWT)", () => pm.expect(token).to.match(/^ey/));',
                "pm.collectionVariables.set('migrationToken', token);",
            ]),
        request(
            "2.3 · Call 1 with the token", "GET", "/api/v2/providers",
            headers={"Authorization": "Bearer {{migrationToken}}"}, pre=ONLY_ON_3,
            description="`GET /api/v2/providers` with `Authorization: Bearer {{migrationToken}}`: 200. Skipped on Airflow 2.",
            tests=status(200)),
        request(
            "2.4 · Call 2 with the token", "GET", "/api/v2/importErrors",
            headers={"Authorization": "Bearer {{migrationToken}}"}, pre=ONLY_ON_3,
            description="`GET /api/v2/importErrors` with the token: 200. Calls 1, 2 and 4 need only the prefix and the token. Skipped on Airflow 2.",
            tests=status(200)),
        request(
            "2.5 · Step 3: the webinar's trigger body on /api/v2", "POST", "/api/v2/dags/random_failures/dagRuns",
            headers={"Authorization": "Bearer {{migrationToken}}"}, pre=ONLY_ON_3, body=TRIGGER_V1,
            description="""
`POST /api/v2/dags/random_failures/dagRuns` with the webinar's body: 422, one line per problem:
`execution_date` is not a field any more (`extra_forbidden`), and `logical_date` is required (`missing`;
it may be `null`, "now"). Nothing is triggered. Skipped on Airflow 2.
""",
            tests=status(422) + [
                "const problems = pm.response.json().detail.map(e => `${e.loc[e.loc.length - 1]} ${e.type}`).sort();",
                'pm.test("execution_date refused, logical_date missing", () => pm.expect(problems)'
                ".to.eql(['execution_date extra_forbidden', 'logical_date missing']));",
            ]),
        request(
            "2.6 · Step 3: the webinar's clear body on /api/v2", "POST", "/api/v2/dags/random_failures/clearTaskInstances",
            headers={"Authorization": "Bearer {{migrationToken}}"}, pre=ONLY_ON_3, body=CLEAR_V1,
            description="""
`POST /api/v2/dags/random_failures/clearTaskInstances` with the webinar's body: 422, `include_subdags`
and `include_parentdag` are refused, each on its own (SubDAGs were removed in Airflow 3). Nothing is
cleared. Skipped on Airflow 2.
""",
            tests=status(422) + [
                "const problems = pm.response.json().detail.map(e => `${e.loc[e.loc.length - 1]} ${e.type}`).sort();",
                'pm.test("the two SubDAG keys are refused", () => pm.expect(problems)'
                ".to.eql(['include_parentdag extra_forbidden', 'include_subdags extra_forbidden']));",
            ]),
        request(
            "3.1 · Airflow 3 form of call 1: Get Providers", "GET", "/providers", pre=ONLY_ON_3,
            description="`GET /api/v2/providers`, signed in by the collection: 200, the standard provider among them. Skipped on Airflow 2.",
            tests=status(200) + [
                'pm.test("has the standard provider", () => pm.expect(pm.response.json().providers.map(p => p.package_name))'
                ".to.include('apache-airflow-providers-standard'));",
            ]),
        request(
            "3.2 · Airflow 3 form of call 2: Get Import Errors", "GET", "/importErrors", pre=ONLY_ON_3,
            description="`GET /api/v2/importErrors`: 200, `import_errors` and `total_entries`. Skipped on Airflow 2.",
            tests=status(200) + [
                'pm.test("answers import_errors", () => pm.expect(pm.response.json().import_errors).to.be.an("array"));',
            ]),
        request(
            "3.3 · Airflow 3 form of call 3: Trigger a DAG Run", "POST", "/dags/random_failures/dagRuns",
            body={"logical_date": DATE, "conf": {"fail_task": "task_3"}}, pre=ONLY_ON_3,
            description=f"""
`POST /api/v2/dags/random_failures/dagRuns` with `{{"logical_date": "{DATE}", "conf": {{"fail_task":
"task_3"}}}}`: `execution_date` renamed, nothing else. 200; the run id is `manual__` and the time of
the trigger (Airflow 2 used the date), kept in `migrationRunId`. Skipped on Airflow 2.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("queued, for the webinar\'s date", () => { pm.expect(data.state).to.eql(\'queued\'); '
                "pm.expect(data.logical_date).to.match(/^2024-02-03T14:15:22/); });",
                "pm.collectionVariables.set('migrationRunId', data.dag_run_id);",
            ]),
        request(
            "3.4 · Airflow 3 form of call 4: GET DAG Runs", "GET", "/dags/random_failures/dagRuns",
            query=BY_DATE, pre=ONLY_ON_3,
            description=f"""
`GET /api/v2/dags/random_failures/dagRuns?logical_date_gte={DATE}&logical_date_lte={DATE}`: the date
filter is renamed too. The one run of request 3.3. Skipped on Airflow 2.
""",
            tests=status(200) + [
                'pm.test("the run of 3.3, only", () => pm.expect(pm.response.json().dag_runs.map(r => r.dag_run_id))'
                ".to.eql([pm.collectionVariables.get('migrationRunId')]));",
            ]),
        request(
            "3.5 · Airflow 3 form of call 5: Rerun Tasks", "POST", "/dags/random_failures/clearTaskInstances",
            body=CLEAR_V2,
            pre=ONLY_ON_3 + wait_if("if (pm.collectionVariables.get('major') !== '2') {  // wait until the run has failed"),
            description="""
`POST /api/v2/dags/random_failures/clearTaskInstances` with the webinar's body without
`include_subdags` and `include_parentdag`, once the run has failed (the pre-request script waits): 200,
`task_3` and the two tasks it held back cleared. Skipped on Airflow 2.
""",
            tests=status(200) + [
                "const cleared = pm.response.json().task_instances.map(t => [t.task_id, t.dag_run_id]).sort();",
                "const run = pm.collectionVariables.get('migrationRunId');",
                'pm.test("cleared task_3, task_4, task_5 of the run", () => pm.expect(cleared)'
                ".to.eql([['task_3', run], ['task_4', run], ['task_5', run]]));",
            ]),
        request(
            "3.6 · Check: the cleared tasks re-ran", "GET", "/dags/random_failures/dagRuns/{{migrationRunId}}/taskInstances",
            pre=ONLY_ON_3 + wait_if("if (pm.collectionVariables.get('major') !== '2') {"),
            description="""
`GET .../dagRuns/{{migrationRunId}}/taskInstances` once the run has finished again: every task
succeeded, `task_3` on its second try. Skipped on Airflow 2.
""",
            tests=status(200) + all_succeeded_task_3_on_try_2()),
        request(
            "3.7 · Check: the run succeeded", "GET", "/dags/random_failures/dagRuns/{{migrationRunId}}", pre=ONLY_ON_3,
            description="`GET /api/v2/dags/random_failures/dagRuns/{{migrationRunId}}`: `success`. Skipped on Airflow 2.",
            tests=status(200) + [
                'pm.test("the run is success", () => pm.expect(pm.response.json().state).to.eql(\'success\'));',
            ]),
        request(
            "Cleanup 1 · Delete the run", "DELETE", "/dags/random_failures/dagRuns/{{migrationRunId}}",
            pre=wait_for_runs(("random_failures", RUN)),
            description="""
`DELETE /api/v2/dags/random_failures/dagRuns/{{migrationRunId}}` (Airflow 2: `/api/v1/...`): the run
this folder made, once it has finished (the pre-request script waits). 204.
""",
            tests=status(204)),
        request(
            "Cleanup 2 · Check: no run for the date", "GET", "/dags/random_failures/dagRuns",
            query=BY_DATE, pre=DATE_NAMES_ON_2,
            description="`GET .../dagRuns?logical_date_gte=...&logical_date_lte=...` (Airflow 2: `execution_date_...`): none left.",
            tests=status(200) + [
                'pm.test("no run for the date", () => pm.expect(pm.response.json().dag_runs).to.eql([]));',
            ]),
    ],
}

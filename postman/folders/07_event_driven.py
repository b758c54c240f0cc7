"""Folder for notebooks/07_event_driven.ipynb: the webinar's three event-driven use cases, a website
form, an AWS Lambda function for S3 events, and analysts' SQL, as the API calls each one sends."""
import json

from common import (NO_LOGICAL_DATE_ON_2, ON_AIRFLOW_2, loop_next, loop_pre, only_on_airflow_3, request, status,
                    wait_for_runs)

FORM_RUN = "form__notebook07-0001"
FORM = {"submission_id": "notebook07-0001", "name": "Ada Lovelace", "email": "Ada@Example.com",
        "company": "Analytical Engines", "interest": "demo", "message": "A demo next week?"}
LAMBDA_RUN = "s3__kit-landing-zone_sales_2024-05-14_orders_batch_1.csv__4029080f7f06647a"
LAMBDA_CONF = {"bucket": "kit-landing-zone", "key": "sales/2024-05-14/orders batch 1.csv", "size": 18342,
               "etag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0066432B51774C4E62",
               "event_name": "ObjectCreated:Put", "event_time": "2024-05-14T09:21:37.512Z",
               "request_id": "postman"}
SQL_RUNS = ["notebook07__top_customers", "notebook07__sneaky", "notebook07__widget_1"]
TOP_SQL = ("SELECT c.name, c.country, ROUND(SUM(o.quantity * p.price), 2) AS spent "
           "FROM orders o JOIN customers c USING (customer_id) JOIN products p USING (product_id) "
           "WHERE o.ordered_on >= :since GROUP BY c.name ORDER BY spent DESC")
WIDGET_SQL = ("SELECT category, COUNT(*) AS products, MIN(price) AS cheapest\n"
              "FROM products WHERE price <= :max_price\nGROUP BY category ORDER BY category")
LEFTOVERS = [{"leftoverDagId": "form_submission", "leftoverRunId": FORM_RUN},
             {"leftoverDagId": "s3_file_arrived", "leftoverRunId": LAMBDA_RUN}] + \
            [{"leftoverDagId": "sql_query", "leftoverRunId": run} for run in SQL_RUNS]


def trigger(name: str, dag_id: str, run_id: str, conf: dict, description: str, tests=()) -> dict:
    return request(
        name, "POST", f"/dags/{dag_id}/dagRuns",
        body={"dag_run_id": run_id, "logical_date": None, "conf": conf}, pre=NO_LOGICAL_DATE_ON_2,
        description=description,
        tests=status(200) + [
            "const data = pm.response.json();",
            f'pm.test("queued, as {run_id}", () => pm.expect([data.dag_run_id, data.state]).to.eql([\'{run_id}\', \'queued\']));',
        ] + list(tests))


def xcom_value() -> list[str]:
    return [
        "let value = pm.response.json().value;",
        "if (typeof value === 'string') {  // Airflow 2: a Python repr; good enough as JSON for these values",
        "  value = JSON.parse(value.replace(/'/g, '\"').replace(/\\bTrue\\b/g, 'true').replace(/\\bFalse\\b/g, 'false')"
        ".replace(/\\bNone\\b/g, 'null'));",
        "}",
    ]


FOLDER = {
    "notebook": "07_event_driven.ipynb",
    "name": "07 · Event-driven triggering: a web form, an AWS Lambda, analysts' SQL",
    "variables": ["leftoverDagId", "leftoverRunId"],
    "description": """
Mirrors `notebooks/07_event_driven.ipynb`: the webinar's *Event-Based DAGs with Remote Triggering*,
three ways something outside Airflow starts a DAG the moment an event happens, each one a
`POST .../dagRuns` with a conf:

- **a website form**: the server behind the page (`use_cases/website_form/`) triggers `form_submission`
  with the form as the conf, and polls the run's state;
- **an AWS Lambda function** (`use_cases/lambda/`): an S3 event becomes a run of `s3_file_arrived`, with a
  run id derived from the event, so a duplicate delivery answers 409 and never starts a second run;
- **analysts' SQL**: `sql_query` runs a read-only query with parameters and returns columns and rows; a
  write is refused.

The run ids are fixed (as the notebook's), so the folder deletes leftovers first and its runs at the
end. The form's row stays in `include/form_submissions.db` (Postman cannot reach SQLite; the notebook
deletes it). The notebook's calls to the SQL runner plugin's own page (`/sql-runner/...`) are not Airflow
REST API calls and have no request here.
""",
    "requests": [
        request(
            "0 · Start clean: delete leftover runs", "DELETE", "/dags/{{leftoverDagId}}/dagRuns/{{leftoverRunId}}",
            pre=loop_pre("leftover", LEFTOVERS),
            description="""
`DELETE /api/v2/dags/{{leftoverDagId}}/dagRuns/{{leftoverRunId}}` for each of the five fixed run ids of
this folder: an interrupted earlier run may have left them, and triggering them again would answer 409.
204: deleted; 404: nothing to delete.
""",
            tests=status(204, 404) + loop_next("leftover", len(LEFTOVERS))),
        trigger(
            "1a · The website form: trigger form_submission", "form_submission", FORM_RUN, FORM, """
`POST /api/v2/dags/form_submission/dagRuns` as the form's server sends it: the form as the conf, and a
run id made of the submission id the page created (`form__<submission_id>`), so that pressing *Send*
twice cannot start two runs. Only the server knows the Airflow URL and credentials: the browser posts to
its own server. Change the fields of the conf, and `submission_id` with the run id.
""", tests=["pm.collectionVariables.set('formRunId', data.dag_run_id);"]),
        request(
            "1b · The form's run has finished", "GET", "/dags/form_submission/dagRuns/{{formRunId}}",
            pre=wait_for_runs(("form_submission", "pm.collectionVariables.get('formRunId')"), timeout=300),
            description="""
`GET /api/v2/dags/form_submission/dagRuns/{{formRunId}}`: the page asks its server for the state once a
second, and the server asks Airflow this; the pre-request script waits the same way. `validate` checked
the fields and `store` wrote the row to `include/form_submissions.db`.
""",
            tests=status(200) + [
                'pm.test("the submission was validated and stored", () => '
                "pm.expect(pm.response.json().state).to.eql('success'));",
            ]),
        request(
            "2a · The AWS Lambda: only one run per S3 event", "GET", "/dags/s3_file_arrived/dagRuns",
            query={"run_id_pattern": "s3__kit-landing-zone_sales_2024-05-14_orders", "limit": 100, "offset": 0},
            pre=only_on_airflow_3("run_id_pattern") + [
                "// What use_cases/lambda/lambda_function.py sends for the recorded S3 event (events/",
                "// s3_object_created.json), twice, as S3 may deliver it: the same run id, so 200 then 409.",
                f"const lambdaRun = '{LAMBDA_RUN}';",
                "pm.collectionVariables.set('lambdaRunId', lambdaRun);",
                f"const lambdaBody = {{dag_run_id: lambdaRun, logical_date: null, conf: {json.dumps(LAMBDA_CONF)}}};",
                f"{ON_AIRFLOW_2} delete lambdaBody.logical_date;",
                "const send = (then) => pm.sendRequest({",
                "  url: pm.variables.replaceIn('{{baseUrl}}{{api}}/dags/s3_file_arrived/dagRuns'), method: 'POST',",
                "  header: {'Content-Type': 'application/json', Authorization: pm.request.headers.get('Authorization') || ''},",
                "  body: {mode: 'raw', raw: JSON.stringify(lambdaBody)},",
                "}, (err, res) => then(res.code));",
                "send((first) => send((again) => {",
                "  pm.test('the event triggers a run', () => pm.expect(first).to.eql(200));",
                "  pm.test('the same event again: 409, no second run', () => pm.expect(again).to.eql(409));",
                "}));",
            ],
            description="""
The Lambda function (`use_cases/lambda/lambda_function.py`) turns an S3 *ObjectCreated* event into
`POST /api/v2/dags/s3_file_arrived/dagRuns` with the object as the conf and a run id derived from the
bucket, the key and the event's sequencer. This request's pre-request script sends that call twice, as
S3 may deliver an event twice: the first answers 200, the second **409 Conflict** (the Lambda counts it
as done), then this request lists the DAG's runs with `run_id_pattern`: only one.
""",
            tests=status(200) + [
                "const runs = pm.response.json().dag_runs.filter(r => r.dag_run_id === pm.collectionVariables.get('lambdaRunId'));",
                'pm.test("one run, for the object\'s key", () => {',
                "  pm.expect(runs.length).to.eql(1);",
                "  pm.expect(runs[0].conf.key).to.eql('sales/2024-05-14/orders batch 1.csv');",
                "});",
            ]),
        request(
            "2b · What the DAG made of the file", "GET",
            "/dags/s3_file_arrived/dagRuns/{{lambdaRunId}}/taskInstances/plan_load/xcomEntries/return_value",
            pre=wait_for_runs(("s3_file_arrived", "pm.collectionVariables.get('lambdaRunId')"), timeout=300),
            description="""
`GET .../dagRuns/{{lambdaRunId}}/taskInstances/plan_load/xcomEntries/return_value`, once the run has
finished: the task `plan_load` returns the plan for the file (its `s3://` URI, format, size, and the
table to load it into).
""",
            tests=status(200) + xcom_value() + [
                'pm.test("load it into the table sales", () => pm.expect([value.action, value.table]).to.eql([\'load\', \'sales\']));',
            ]),
        trigger(
            "3a · Analysts' SQL: a read-only query with parameters", "sql_query", SQL_RUNS[0],
            {"sql": TOP_SQL, "parameters": {"since": "2024-03-15"}, "max_rows": 100}, """
`POST /api/v2/dags/sql_query/dagRuns`: `sql_query` runs the conf's query read-only against the sample shop
database (`customers`, `products`, `orders`). Values are written `:name` in the query and given in
`parameters`: SQLite binds them, so a value can never change the query. Change the query, its
parameters, `max_rows`, and the run id (a new one each time).
"""),
        request(
            "3b · The query's result", "GET",
            f"/dags/sql_query/dagRuns/{SQL_RUNS[0]}/taskInstances/run_query/xcomEntries/return_value",
            pre=wait_for_runs(("sql_query", repr(SQL_RUNS[0])), timeout=300),
            description=f"""
`GET /api/v2/dags/sql_query/dagRuns/{SQL_RUNS[0]}/taskInstances/run_query/xcomEntries/return_value`, once
the run has finished: the XCom of `run_query`, `columns` and `rows`.
""",
            tests=status(200) + xcom_value() + [
                'pm.test("the top customers since 2024-03-15", () => {',
                "  pm.expect(value.columns).to.eql(['name', 'country', 'spent']);",
                "  pm.expect(value.rows.map(r => r[0])).to.eql(['Barbara Liskov', 'Edsger Dijkstra', "
                "'Katherine Johnson', 'Alan Turing', 'Grace Hopper']);",
                "});",
            ]),
        trigger(
            "3c · A write does not get through", "sql_query", SQL_RUNS[1], {"sql": "SELECT 1; DELETE FROM orders"}, """
`POST /api/v2/dags/sql_query/dagRuns` with a second statement that tries to delete the orders. The guard
(`include/sql_guard.py`) lets only one `SELECT`/`WITH` statement through, so the run fails in
`check_query`.
"""),
        request(
            "3d · The run failed in check_query", "GET", f"/dags/sql_query/dagRuns/{SQL_RUNS[1]}/taskInstances",
            pre=wait_for_runs(("sql_query", repr(SQL_RUNS[1])), timeout=300),
            description=f"""
`GET /api/v2/dags/sql_query/dagRuns/{SQL_RUNS[1]}/taskInstances`, once the run has finished: `check_query`
failed and `run_query` never ran (`upstream_failed`).
""",
            tests=status(200) + [
                "const states = Object.fromEntries(pm.response.json().task_instances.map(t => [t.task_id, t.state]));",
                'pm.test("refused before it ran", () => pm.expect(states).to.eql({check_query: \'failed\', '
                "run_query: 'upstream_failed'}));",
            ]),
        trigger(
            "3e · The analysts' form: run a query", "sql_query", SQL_RUNS[2],
            {"sql": WIDGET_SQL, "parameters": {"max_price": 50}}, """
`POST /api/v2/dags/sql_query/dagRuns`: what the notebook's ipywidgets form sends when *Run* is pressed,
the query and parameters typed into it.
"""),
        request(
            "3f · The form's result", "GET",
            f"/dags/sql_query/dagRuns/{SQL_RUNS[2]}/taskInstances/run_query/xcomEntries/return_value",
            pre=wait_for_runs(("sql_query", repr(SQL_RUNS[2])), timeout=300),
            description="""
`GET .../run_query/xcomEntries/return_value` of the form's run, once it has finished: the table the form
shows.
""",
            tests=status(200) + xcom_value() + [
                'pm.test("products per category up to 50", () => pm.expect(value.rows).to.eql('
                "[['electronics', 1, 9.99], ['furniture', 1, 39.9], ['stationery', 2, 4.5]]));",
            ]),
        request(
            "3g · The SQL runner plugin (Airflow 3)", "GET", "/plugins", query={"limit": 100, "offset": 0},
            description="""
`GET /api/v2/plugins`: the plugins of this Airflow. `plugins/sql_runner.py` adds a page for analysts to
the api-server at `/sql-runner/` (a FastAPI app, `fastapi_apps`), which triggers `sql_query` with the
signed-in user's token. Airflow 2 has no FastAPI plugins.
""",
            tests=status(200) + [
                "const runner = pm.response.json().plugins.find(p => p.name === 'sql_runner');",
                "if (pm.collectionVariables.get('major') !== '2') {",
                '  pm.test("the sql_runner plugin serves /sql-runner", () => pm.expect((runner.fastapi_apps || [])'
                ".map(a => a.url_prefix)).to.include('/sql-runner'));",
                "}",
            ]),
        request(
            "Cleanup 1 · Delete the form's run", "DELETE", "/dags/form_submission/dagRuns/{{formRunId}}",
            description="`DELETE /api/v2/dags/form_submission/dagRuns/{{formRunId}}` (204).", tests=status(204)),
        request(
            "Cleanup 2 · Delete the Lambda's run", "DELETE", "/dags/s3_file_arrived/dagRuns/{{lambdaRunId}}",
            description="`DELETE /api/v2/dags/s3_file_arrived/dagRuns/{{lambdaRunId}}` (204).", tests=status(204)),
        request(
            "Cleanup 3 · Delete the SQL runs", "DELETE", "/dags/sql_query/dagRuns/{{sqlRunId}}",
            pre=loop_pre("sqlRunId", SQL_RUNS),
            description="`DELETE /api/v2/dags/sql_query/dagRuns/{{sqlRunId}}` for each of the three SQL runs (204).",
            tests=status(204) + loop_next("sqlRunId", len(SQL_RUNS))),
        request(
            "Cleanup 4 · Check: no SQL run left", "GET", "/dags/sql_query/dagRuns",
            query={"run_id_pattern": "notebook07", "limit": 100, "offset": 0},
            pre=only_on_airflow_3("run_id_pattern"),
            description="`GET /api/v2/dags/sql_query/dagRuns?run_id_pattern=notebook07`: none left.",
            tests=status(200) + [
                f'pm.test("none of this folder\'s SQL runs is left", () => pm.expect(pm.response.json().dag_runs'
                f".map(r => r.dag_run_id)).to.not.include.any.members({json.dumps(SQL_RUNS)}));",
            ]),
    ],
}

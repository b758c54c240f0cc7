"""Folder for notebooks/01_dags.ipynb: list DAGs (paging), one DAG, details, tasks, source, pause."""
from common import ON_AIRFLOW_2, request, status

WEBINAR = "pm.expect(ids).to.eql(['api_dag', 'dependent_dag', 'random_failures'])"

FOLDER = {
    "notebook": "01_dags.ipynb",
    "name": "01 · DAGs",
    "description": """
Mirrors `notebooks/01_dags.ipynb`: list DAGs one page at a time (`limit`, `offset`) and all at once,
read the DAG `random_failures`, its details, tasks and source code, then pause and unpause it. Leaves
the DAG unpaused, as it found it.

The DAG it reads is the collection variable `dagId`, set by request 3's pre-request script: change it
there to read another DAG.
""",
    "variables": {"dagId": "random_failures"},  # a default, until the request that sets it runs
    "requests": [
        request(
            "1a · List DAGs, one page at a time", "GET", "/dags",
            query={"tags": "webinar", "order_by": "dag_id", "limit": 2, "offset": 0},
            description="""
`GET /api/v2/dags?tags=webinar&order_by=dag_id&limit=2&offset=0`: the DAGs tagged `webinar`, sorted by
`dag_id`, two at a time. A list call answers one page (at most `limit` items, 50 by default on Airflow 3,
100 on Airflow 2) starting at `offset`, and `total_entries`, the number of items on all pages. Change
`limit`, `offset`, the tag or the sort order (`-dag_id` sorts backwards).
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("3 webinar DAGs in all, 2 on this page", () => {',
                "  pm.expect(data.total_entries).to.eql(3);",
                "  pm.expect(data.dags.map(d => d.dag_id)).to.eql(['api_dag', 'dependent_dag']);",
                "});",
            ]),
        request(
            "1b · The next page", "GET", "/dags",
            query={"tags": "webinar", "order_by": "dag_id", "limit": 2, "offset": 2},
            description="""
`GET /api/v2/dags?tags=webinar&order_by=dag_id&limit=2&offset=2`: the next page starts where the first
one ended, at `offset=2`. It holds the one DAG left.
""",
            tests=status(200) + [
                'pm.test("the last webinar DAG", () => '
                "pm.expect(pm.response.json().dags.map(d => d.dag_id)).to.eql(['random_failures']));",
            ]),
        request(
            "2 · List DAGs, all pages at once", "GET", "/dags",
            query={"tags": "webinar", "order_by": "dag_id", "limit": 100, "offset": 0},
            description="""
`GET /api/v2/dags?tags=webinar&order_by=dag_id&limit=100&offset=0`: the notebook's `af.table()` repeats
the call with a growing `offset` until it has `total_entries` items; here one page of 100 holds them
all. Check `total_entries` against the length of `dags` to know whether there is another page.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                "const ids = data.dags.map(d => d.dag_id);",
                f'pm.test("all the webinar DAGs, on one page", () => {{ {WEBINAR}; '
                "pm.expect(data.total_entries).to.eql(ids.length); });",
            ]),
        request(
            "3 · One DAG", "GET", "/dags/{{dagId}}",
            pre=["pm.collectionVariables.set('dagId', 'random_failures');  // the DAG this folder reads"],
            description="""
`GET /api/v2/dags/{{dagId}}`: one DAG, with the same fields as in the list: whether it is paused, its
schedule, `max_active_runs`, owners, the file it comes from. `dagId` is set to `random_failures` by this
request's pre-request script: change it there to read another DAG. The test keeps the DAG's
`file_token` (in `fileToken`), which Airflow 2 needs to read the source.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("the DAG asked for, not paused", () => {',
                "  pm.expect(data.dag_id).to.eql(pm.collectionVariables.get('dagId'));",
                "  pm.expect(data.is_paused).to.eql(false);",
                "  pm.expect(data.fileloc).to.match(/random_failures\\.py$/);",
                "});",
                "pm.collectionVariables.set('fileToken', data.file_token || '');",
            ]),
        request(
            "4 · The DAG's details", "GET", "/dags/{{dagId}}/details",
            description="""
`GET /api/v2/dags/{{dagId}}/details`: more than the list has: `catchup`, `start_date`, the `params` a
run's conf can set (with their defaults), and the DAG's documentation (`doc_md`), which says how to make
`random_failures` fail on purpose.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("no catchup; params failure_rate and fail_task; documented", () => {',
                "  pm.expect(data.catchup).to.eql(false);",
                "  pm.expect(Object.keys(data.params)).to.have.members(['failure_rate', 'fail_task']);",
                "  pm.expect(data.doc_md).to.include('fail_task');",
                "});",
            ]),
        request(
            "5 · The DAG's tasks", "GET", "/dags/{{dagId}}/tasks",
            description="""
`GET /api/v2/dags/{{dagId}}/tasks`: one entry per task, with its operator, `trigger_rule`, `retries`
and `downstream_task_ids` (the tasks that come after it). `random_failures` is five tasks in a row.
""",
            tests=status(200) + [
                "const tasks = pm.response.json().tasks.sort((a, b) => a.task_id.localeCompare(b.task_id));",
                'pm.test("five tasks in a row", () => {',
                "  pm.expect(tasks.map(t => t.task_id)).to.eql(['task_1', 'task_2', 'task_3', 'task_4', 'task_5']);",
                "  pm.expect(tasks.map(t => t.downstream_task_ids))"
                ".to.eql([['task_2'], ['task_3'], ['task_4'], ['task_5'], []]);",
                "});",
            ]),
        request(
            "6 · The DAG's source code", "GET", "/dagSources/{{dagId}}",
            headers={"Accept": "application/json"},
            pre=[
                f"{ON_AIRFLOW_2} {{  // Airflow 2 finds the source by the DAG's file token",
                "  pm.request.url.path[pm.request.url.path.length - 1] = pm.collectionVariables.get('fileToken');",
                "}",
            ],
            description="""
`GET /api/v2/dagSources/{{dagId}}` on Airflow 3, which finds the source by DAG id and answers
`{"content": ..., "dag_id": ..., "version_number": ...}`. Airflow 2 wants the `file_token` from
`GET /dags/{dag_id}` instead (`GET /api/v1/dagSources/{file_token}`: the pre-request script puts it in),
and answers plain text unless asked for JSON (the header `Accept: application/json`).
""",
            tests=status(200) + [
                "const text = pm.response.json().content;",
                'pm.test("the DAG\'s Python source", () => {',
                "  pm.expect(text).to.include('dag_id=\"random_failures\"');",
                "  pm.expect(text.split('@dag(').length - 1).to.eql(1);",
                "});",
            ]),
        request(
            "7a · Pause the DAG", "PATCH", "/dags/{{dagId}}", body={"is_paused": True},
            description="""
`PATCH /api/v2/dags/{{dagId}}` with `{"is_paused": true}`: a paused DAG starts no new runs (a trigger is
accepted, but its run waits in `queued`). The answer is the DAG. Request 8 unpauses it again; run both,
or the other folders' runs of this DAG will wait.
""",
            tests=status(200) + [
                'pm.test("is paused", () => pm.expect(pm.response.json().is_paused).to.eql(true));',
            ]),
        request(
            "7b · List the paused DAGs", "GET", "/dags",
            query={"tags": "webinar", "paused": "true", "limit": 100, "offset": 0},
            description="""
`GET /api/v2/dags?tags=webinar&paused=true&limit=100&offset=0`: the list filtered by that state, only the
paused DAGs (`paused=false`: only the active ones).
""",
            tests=status(200) + [
                'pm.test("only the paused DAG", () => pm.expect(pm.response.json().dags.map(d => d.dag_id))'
                ".to.eql([pm.collectionVariables.get('dagId')]));",
            ]),
        request(
            "8a · Unpause it", "PATCH", "/dags/{{dagId}}", body={"is_paused": False},
            description="""
`PATCH /api/v2/dags/{{dagId}}` with `{"is_paused": false}`: the DAG runs again. The other folders need
it unpaused, so this is also this folder's cleanup.
""",
            tests=status(200) + [
                'pm.test("is not paused", () => pm.expect(pm.response.json().is_paused).to.eql(false));',
            ]),
        request(
            "8b · Check: not paused", "GET", "/dags/{{dagId}}",
            description="""
`GET /api/v2/dags/{{dagId}}` once more, to see that the DAG is unpaused for good (the notebook's check).
""",
            tests=status(200) + [
                'pm.test("is not paused", () => pm.expect(pm.response.json().is_paused).to.eql(false));',
            ]),
    ],
}

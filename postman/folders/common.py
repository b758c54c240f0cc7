"""What the folder files use to describe their requests; build_collection.py turns them into Postman's
collection format (v2.1).

A request is written once, readably:

    request("1 · Which Airflow is this?", "GET", "/version",
            description="What it does, and what to change.",
            tests=status(200) + ['pm.test("has a version", () => pm.expect(body().version).to.be.a("string"));'])

- path: as the notebook's call writes it (`/dags/{{dagId}}` for `f"/dags/{dag_id}"`): without the API
  prefix, which the collection adds as `{{baseUrl}}{{api}}`; a path that starts with /api/ or /auth/ is
  kept as it is (after `{{baseUrl}}`). Values a previous request returned are `{{variables}}`.
- query: query parameters, a dict; body: the JSON body, a dict (or a raw string with {{variables}}).
- tests / pre: lines of JavaScript for the request's test and pre-request scripts.
"""
from __future__ import annotations

import json


def request(name: str, method: str, path: str, *, description: str, tests: list[str],
            query: dict | None = None, body=None, pre: list[str] | None = None,
            headers: dict | None = None) -> dict:
    assert path.startswith("/"), path
    return {"name": name, "method": method.upper(), "path": path, "description": description.strip(),
            "tests": list(tests), "query": dict(query or {}), "body": body, "pre": list(pre or []),
            "headers": dict(headers or {})}


def status(*codes: int) -> list[str]:
    """A test that the status is one of `codes`; it prints Airflow's detail when it is not."""
    expected = ", ".join(str(c) for c in codes)
    return [f'pm.test("status is {" or ".join(str(c) for c in codes)}", () => '
            f'pm.expect(pm.response.code, pm.response.text()).to.be.oneOf([{expected}]));']


def body_json(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2)


# Lines many requests share.
ON_AIRFLOW_2 = "if (pm.collectionVariables.get('major') === '2')"


def run_url(dag_id: str, run_id: str) -> str:
    """A JS expression: the URL of one DAG run; `run_id` is a JS expression too."""
    return f"pm.variables.replaceIn('{{{{baseUrl}}}}{{{{api}}}}/dags/{dag_id}/dagRuns/') + {run_id}"


def wait_for_runs(*runs: tuple[str, str], timeout: int = 600) -> list[str]:
    """Pre-request lines that wait until each run has finished, asking once a second (what the
    notebooks' af.wait_for_run does); `runs` are (dag_id, JS expression of the run id)."""
    urls = ", ".join(run_url(dag, run) for dag, run in runs)
    return [
        "// Wait until the run(s) have finished, as the notebook's af.wait_for_run does: ask once a second.",
        f"const runUrls = [{urls}];",
        f"const deadline = Date.now() + {timeout} * 1000;",
        "const signedIn = pm.request.headers.get('Authorization');",
        "function waitFor(i) {",
        "  if (i >= runUrls.length) return;",
        "  pm.sendRequest({url: runUrls[i], header: signedIn ? {Authorization: signedIn} : {}}, (err, res) => {",
        "    const state = !err && res.code === 200 ? res.json().state : String(err || res.code);",
        "    if (['success', 'failed'].includes(state)) return waitFor(i + 1);",
        "    if (Date.now() > deadline) return console.error(`${runUrls[i]} is still ${state}`);",
        "    setTimeout(() => waitFor(i), 1000);",
        "  });",
        "}",
        "waitFor(0);",
    ]


# Airflow 2 rejects "logical_date": null (3.x requires the key): drop it from the body there.
NO_LOGICAL_DATE_ON_2 = [
    f"{ON_AIRFLOW_2} {{  // Airflow 2 wants no logical_date (3.x requires it, null = now)",
    "  const b = JSON.parse(pm.request.body.raw);",
    "  delete b.logical_date;",
    "  pm.request.body.update(JSON.stringify(b));",
    "}",
]


def loop_pre(var: str, values: list) -> list[str]:
    """Pre-request lines of a request that the runner repeats once per value (a notebook's loop):
    the collection variable `var` holds the current value; a value that is a dict sets one collection
    variable per key instead (e.g. a DAG id and a run id)."""
    shown = ", ".join(v if isinstance(v, str) else "/".join(v.values()) for v in values)
    lines = [
        f"// Sent once per value, as the notebook's loop does: {shown}.",
        f"const loopValues = {json.dumps(values)};",
        f"const loopIndex = Number(pm.collectionVariables.get('{var}Index') || 0);",
    ]
    if all(isinstance(v, str) for v in values):
        return lines + [f"pm.collectionVariables.set('{var}', loopValues[loopIndex]);"]
    return lines + ["Object.entries(loopValues[loopIndex]).forEach(([k, v]) => pm.collectionVariables.set(k, v));"]


def loop_next(var: str, count: int) -> list[str]:
    """Test lines closing loop_pre: send the request again until every value had its turn."""
    return [
        f"const nextIndex = Number(pm.collectionVariables.get('{var}Index') || 0) + 1;",
        f"if (nextIndex < {count}) {{  // the next value: the runner sends this request again",
        f"  pm.collectionVariables.set('{var}Index', String(nextIndex));",
        "  pm.execution.setNextRequest(pm.info.requestId);",
        "} else {",
        f"  pm.collectionVariables.set('{var}Index', '0');",
        "}",
    ]


def only_on_airflow_3(*params: str) -> list[str]:
    """Pre-request lines removing query parameters that Airflow 2 does not know (it answers 400 for
    an unknown parameter); the tests filter the answer themselves."""
    names = ", ".join(f"'{p}'" for p in params)
    return [f"{ON_AIRFLOW_2} [{names}].forEach(p => pm.request.url.query.remove(p));  // Airflow 3 only"]


def all_succeeded_task_3_on_try_2() -> list[str]:
    """Tests of a random_failures run whose task_3 failed once and was cleared: every task succeeded,
    task_3 on its second try, the others on their first."""
    return [
        "const tries = Object.fromEntries(pm.response.json().task_instances.map(t => [t.task_id, [t.state, t.try_number]]));",
        'pm.test("all succeeded; task_3 on try 2", () => pm.expect(tries).to.eql({',
        "  task_1: ['success', 1], task_2: ['success', 1], task_3: ['success', 2],",
        "  task_4: ['success', 1], task_5: ['success', 1]}));",
    ]

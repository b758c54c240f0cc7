"""SQL runner: an Airflow 3 plugin page for analysts who don't write Python.

The api-server serves it at /sql-runner/ (and the Airflow UI lists it under *Plugins*, "SQL runner").
The page sends a query and its parameters; the plugin checks the query with the same read-only guard
as the DAG (include/sql_guard.py), triggers `sql_query` through the public REST API **as the signed-in
user** (the request's own JWT, from the Airflow UI's `_token` cookie or an `Authorization: Bearer`
header, is passed on, so Airflow's permissions apply), and then polls the run and shows its result.

    POST /sql-runner/run            {"sql": "...", "parameters": {...}, "max_rows": 100}
                                    -> {"dag_run_id": "..."}   (400 with the reason if rejected)
    GET  /sql-runner/runs/{run_id}  -> {"state": "...", "result": {"columns": [...], "rows": [...]}}

Airflow 3 only (FastAPI apps in plugins, `fastapi_apps`, are new in 3.0): on Airflow 2 this file
loads and adds nothing.
"""
import html

from airflow.plugins_manager import AirflowPlugin

try:  # Airflow 3 serves FastAPI apps of plugins; Airflow 2 has no use for them
    import requests
    from fastapi import Body, FastAPI, HTTPException, Request
    from fastapi.responses import HTMLResponse
except ImportError:
    FastAPI = None

DAG_ID = "sql_query"
URL_PREFIX = "/sql-runner"
EXAMPLE = ("SELECT c.name, SUM(o.quantity * p.price) AS spent\nFROM orders o\n"
           "JOIN customers c USING (customer_id)\nJOIN products p USING (product_id)\n"
           "WHERE c.country = :country\nGROUP BY c.name\nORDER BY spent DESC")


def build_app():
    from include.sql_guard import UnsafeQuery, check_read_only

    app = FastAPI(title="SQL runner", description="Read-only SQL on the kit's sample database, "
                  "through the sql_query DAG.")

    def api_root(request: Request) -> str:
        try:
            from airflow.configuration import conf
            base = conf.get("api", "base_url", fallback="") or ""
        except Exception:  # noqa: BLE001 - any config problem: use the request's own address
            base = ""
        return (base or f"{request.url.scheme}://{request.url.netloc}").rstrip("/") + "/api/v2"

    def credentials(request: Request) -> dict:
        """The caller's JWT, passed on: the public API decides what this user may do."""
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else request.cookies.get("_token")
        if not token:
            raise HTTPException(401, "Sign in to Airflow first (no token in the request).")
        return {"Authorization": f"Bearer {token}"}

    def call(request: Request, method: str, path: str, **kwargs) -> dict:
        try:
            r = requests.request(method, api_root(request) + path, headers=credentials(request),
                                 timeout=60, **kwargs)
        except requests.RequestException as exc:
            raise HTTPException(503, f"Airflow's API did not answer ({type(exc).__name__}): try again") from None
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail", r.text)
            except ValueError:
                detail = r.text[:300]
            raise HTTPException(r.status_code, f"{method} /api/v2{path}: {detail}")
        return r.json()

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> str:
        return PAGE.replace("{{ROOT}}", html.escape(request.scope.get("root_path", URL_PREFIX))) \
                   .replace("{{EXAMPLE}}", html.escape(EXAMPLE))

    @app.post("/run")
    def run(request: Request, sql: str = Body(...), parameters: dict | list | None = Body(None),
            max_rows: int = Body(1000, ge=1, le=10000)) -> dict:
        credentials(request)  # 401 before anything else
        try:
            check_read_only(sql)
        except UnsafeQuery as exc:
            raise HTTPException(400, f"Query rejected: {exc}") from None
        created = call(request, "POST", f"/dags/{DAG_ID}/dagRuns", json={
            "logical_date": None,
            "conf": {"sql": sql, "parameters": parameters or {}, "max_rows": max_rows}})
        return {"dag_run_id": created["dag_run_id"], "state": created["state"]}

    @app.get("/runs/{run_id}")
    def status(request: Request, run_id: str) -> dict:
        run = call(request, "GET", f"/dags/{DAG_ID}/dagRuns/{run_id}")
        answer = {"dag_run_id": run_id, "state": run["state"], "result": None, "error": None}
        if run["state"] == "success":
            xcom = call(request, "GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/run_query"
                                        f"/xcomEntries/return_value")
            answer["result"] = xcom["value"]
        elif run["state"] == "failed":
            tis = call(request, "GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances")
            failed = [ti["task_id"] for ti in tis["task_instances"] if ti["state"] == "failed"]
            answer["error"] = ("the query was rejected by the guard" if "check_query" in failed
                               else "the query failed: see the run_query log in Airflow")
        return answer

    return app


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SQL runner</title>
<style>
 body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1f2937;max-width:60rem}
 textarea{width:100%;font:14px monospace;box-sizing:border-box}
 input{font:14px monospace;width:100%;box-sizing:border-box}
 button{margin-top:.6rem;padding:.45rem 1.2rem;font:inherit}
 table{border-collapse:collapse;margin-top:1rem} td,th{border:1px solid #d1d5db;padding:.25rem .6rem;text-align:left}
 th{background:#f3f4f6} #status{margin-top:.8rem} #status[data-state=failed],#status[data-state=error]{color:#b91c1c}
</style></head><body>
<h1>SQL runner</h1>
<p>Read-only SQL on the sample shop database (<code>customers</code>, <code>products</code>,
<code>orders</code>), run by the Airflow DAG <code>sql_query</code>. One SELECT; put values in the
parameters, as <code>:name</code> in the query.</p>
<label for="sql">Query</label>
<textarea id="sql" rows="8">{{EXAMPLE}}</textarea>
<label for="parameters">Parameters (JSON)</label>
<input id="parameters" value='{"country": "US"}'>
<button id="run">Run</button>
<div id="status" role="status"></div>
<div id="result"></div>
<script>
"use strict";
const root = "{{ROOT}}";
const statusBox = document.getElementById("status");
function show(state, text) { statusBox.dataset.state = state; statusBox.textContent = text; }
function table(result) {
  const t = document.createElement("table"); t.id = "result-table";
  const head = t.insertRow();
  for (const c of result.columns) {
    const th = document.createElement("th"); th.textContent = c; head.appendChild(th);
  }
  for (const row of result.rows) {
    const tr = t.insertRow();
    for (const v of row) tr.insertCell().textContent = v === null ? "NULL" : v;
  }
  return t;
}
document.getElementById("run").addEventListener("click", async () => {
  document.getElementById("result").replaceChildren();
  let parameters;
  try { parameters = JSON.parse(document.getElementById("parameters").value || "{}"); }
  catch (e) { show("error", "The parameters are not valid JSON."); return; }
  show("queued", "Sending…");
  const r = await fetch(`${root}/run`, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({sql: document.getElementById("sql").value, parameters})});
  const body = await r.json();
  if (!r.ok) { show("error", typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)); return; }
  const runId = body.dag_run_id;
  for (let i = 0; i < 300; i++) {
    let s;
    try {
      const r = await fetch(`${root}/runs/${encodeURIComponent(runId)}`, {credentials: "same-origin"});
      s = await r.json();
      if (!r.ok) s = {state: r.status === 503 ? "queued" : "error", error: s.detail};
    } catch (e) { s = {state: "queued"}; }  // busy or briefly away: ask again
    if (s.state === "error") { show("error", String(s.error)); return; }
    if (s.state === "success") {
      show("success", `${s.result.row_count} rows${s.result.truncated ? " (truncated)" : ""} · run ${runId}`);
      document.getElementById("result").appendChild(table(s.result)); return;
    }
    if (s.state === "failed") { show("failed", `Run ${runId} failed: ${s.error}`); return; }
    show(s.state || "queued", `Run ${runId}: ${s.state}…`);
    await new Promise(res => setTimeout(res, 1000));
  }
  show("error", "Still running; look at the run in Airflow.");
});
</script></body></html>
"""

_app = build_app() if FastAPI is not None else None


class SqlRunnerPlugin(AirflowPlugin):
    name = "sql_runner"
    fastapi_apps = [{"app": _app, "url_prefix": URL_PREFIX, "name": "SQL runner"}] if _app else []
    external_views = [{"name": "SQL runner", "href": f"{URL_PREFIX}/", "destination": "nav",
                       "category": "Plugins", "url_route": "sql_runner"}] if _app else []

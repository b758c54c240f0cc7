"""Analysts' ad-hoc SQL, end to end on the live stack: the sql_query DAG through the REST API, and the
SQL runner plugin page the api-server serves (over HTTP and in headless Chromium)."""
import ast

import pandas as pd
import pytest
import requests

from helpers import launch_chromium, wait_for_dags

DAG = "sql_query"


@pytest.fixture(scope="module", autouse=True)
def dag_listed(af):
    wait_for_dags(af, {DAG})


def run_sql(af, sql, parameters=None, max_rows=100):
    conf = {"sql": sql, "parameters": parameters or {}, "max_rows": max_rows}
    body = {"logical_date": None, "conf": conf} if af.major >= 3 else {"conf": conf}
    run_id = af.post(f"/dags/{DAG}/dagRuns", json=body)["dag_run_id"]
    return run_id, af.wait_for_run(DAG, run_id, timeout=300, progress=False)["state"]


def result_of(af, run_id):
    value = af.get(f"/dags/{DAG}/dagRuns/{run_id}/taskInstances/run_query/xcomEntries/return_value")["value"]
    return value if af.major >= 3 else ast.literal_eval(value)  # 2.x: the Python repr


def test_query_with_parameters_returns_a_table(af):
    run_id, state = run_sql(af, "SELECT name, country FROM customers WHERE country = :country "
                                "ORDER BY name", {"country": "US"})
    assert state == "success"
    value = result_of(af, run_id)
    frame = pd.DataFrame(value["rows"], columns=value["columns"])
    assert frame.to_dict("list") == {"name": ["Barbara Liskov", "Grace Hopper", "Katherine Johnson"],
                                     "country": ["US", "US", "US"]}


def test_a_write_is_rejected_and_changes_nothing(af):
    run_id, state = run_sql(af, "SELECT 1; DELETE FROM orders")
    assert state == "failed"
    tis = {ti["task_id"]: ti["state"]
           for ti in af.get(f"/dags/{DAG}/dagRuns/{run_id}/taskInstances")["task_instances"]}
    assert tis == {"check_query": "failed", "run_query": "upstream_failed"}
    _, state = run_sql(af, "SELECT count(*) AS n FROM orders")
    assert state == "success"


def test_max_rows_caps_the_result(af):
    run_id, state = run_sql(af, "SELECT * FROM orders ORDER BY order_id", max_rows=3)
    value = result_of(af, run_id)
    assert state == "success" and value["row_count"] == 3 and value["truncated"] is True


# --- the plugin page ------------------------------------------------------------------------------
def bearer(af):
    return {"Authorization": af.session.headers["Authorization"]}


@pytest.mark.airflow3  # FastAPI apps in plugins are new in Airflow 3
def test_plugin_is_registered(af):
    plugins = {p["name"]: p for p in af.get("/plugins")["plugins"]}
    assert "sql_runner" in plugins
    assert [a["url_prefix"] for a in plugins["sql_runner"]["fastapi_apps"]] == ["/sql-runner"]


@pytest.mark.airflow3
def test_plugin_page_and_run_over_http(af):
    page = requests.get(f"{af.url}/sql-runner/", timeout=10)
    assert page.status_code == 200 and "SQL runner" in page.text and 'id="sql"' in page.text
    assert requests.post(f"{af.url}/sql-runner/run", json={"sql": "SELECT 1"},
                         timeout=10).status_code == 401  # no credentials, no run
    rejected = requests.post(f"{af.url}/sql-runner/run", headers=bearer(af), timeout=10,
                             json={"sql": "DROP TABLE customers"})
    assert rejected.status_code == 400 and "rejected" in rejected.json()["detail"]
    started = requests.post(f"{af.url}/sql-runner/run", headers=bearer(af), timeout=30, json={
        "sql": "SELECT category, count(*) AS n FROM products WHERE price < :max GROUP BY category "
               "ORDER BY category", "parameters": {"max": 50}})
    assert started.status_code == 200, started.text
    run_id = started.json()["dag_run_id"]
    assert af.wait_for_run(DAG, run_id, timeout=300, progress=False)["state"] == "success"
    status = requests.get(f"{af.url}/sql-runner/runs/{run_id}", headers=bearer(af), timeout=30).json()
    assert status["state"] == "success"
    assert status["result"]["columns"] == ["category", "n"]
    assert status["result"]["rows"] == [["electronics", 1], ["furniture", 1], ["stationery", 2]]


@pytest.mark.airflow3
def test_plugin_page_in_the_browser(af):
    """Signed in to Airflow (the UI's `_token` cookie), run the example query from the page."""
    from playwright.sync_api import sync_playwright

    token = af.session.headers["Authorization"].split(" ", 1)[1]
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "_token", "value": token, "url": af.url}])
            page = context.new_page()
            page.goto(f"{af.url}/sql-runner/")
            page.fill("#parameters", '{"country": "GB"}')
            page.click("#run")
            page.wait_for_selector("#status[data-state=success]", timeout=300_000)
            cells = page.locator("#result-table tr").all_inner_texts()
            assert cells[0].split("\t") == ["name", "spent"]
            assert [row.split("\t")[0] for row in cells[1:]] == ["Alan Turing", "Ada Lovelace"]
        finally:
            browser.close()

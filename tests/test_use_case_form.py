"""The website-form use case, end to end: headless Chromium fills in and submits the form served by
use_cases/website_form/server.py; the server triggers form_submission; the page shows the outcome;
the DAG run and the stored row are checked. The browser only ever talks to the form server."""
import importlib.util
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import psutil
import pytest
import requests

from helpers import launch_chromium, serving, wait_for_dags, wait_until

REPO = Path(__file__).resolve().parent.parent
DAG = "form_submission"


def load_server_module():
    spec = importlib.util.spec_from_file_location(
        "website_form_server", REPO / "use_cases" / "website_form" / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CREATED = []  # submission ids this module made: their rows are deleted at the end


@pytest.fixture(scope="module")
def database(stack):
    """The table form_submission writes to: in the test stack's own copy of include/."""
    return stack.project / "include" / "form_submissions.db"


@pytest.fixture(scope="module")
def form_url(af, database):
    wait_for_dags(af, {DAG})
    try:
        with serving(load_server_module().make_server(0)) as url:  # a free port, on 127.0.0.1
            yield url
    finally:
        if database.exists() and CREATED:  # tidy up, for a later run on the same stack
            with sqlite3.connect(database, timeout=30) as conn:
                conn.executemany("DELETE FROM form_submissions WHERE submission_id = ?",
                                 [(s,) for s in CREATED])
            conn.close()


def stored_row(database, submission_id):
    """The row form_submission stored for this submission; None if none (nor the table, before any run
    stored one: this test may run alone)."""
    if not database.exists():
        return None
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        try:
            row = conn.execute("SELECT * FROM form_submissions WHERE submission_id = ?",
                               (submission_id,)).fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            return None
    return dict(row) if row else None


def test_server_listens_on_loopback_only(form_url):
    port = int(form_url.rsplit(":", 1)[1])
    listening = [c.laddr.ip for c in psutil.Process().net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    assert listening == ["127.0.0.1"], listening


def test_submit_in_the_browser(af, form_url, database):
    from playwright.sync_api import sync_playwright

    requested = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(form_url)
            page.fill("#name", "Grace Hopper")
            page.fill("#email", "Grace.Hopper@Example.com")
            page.fill("#company", "Navy Computing")
            page.select_option("#interest", "pricing")
            page.fill("#message", "We would like a quote for 40 seats.")
            page.click("#submit")
            page.wait_for_selector("#status[data-state=success]", timeout=300_000)
            message = page.inner_text("#status")
            run_id = page.get_attribute("#status", "data-run-id")
        finally:
            browser.close()
    assert "Thank you" in message
    # The browser never talked to Airflow, so it never needed (or saw) a credential.
    assert requested and all(url.startswith(form_url) for url in requested), requested
    run = af.get(f"/dags/{DAG}/dagRuns/{run_id}")
    assert run["state"] == "success"
    assert run["conf"]["email"] == "Grace.Hopper@Example.com" and run["conf"]["interest"] == "pricing"
    CREATED.append(run_id.removeprefix("form__"))
    row = stored_row(database, run_id.removeprefix("form__"))
    assert row is not None, f"no row for {run_id} in {database}"
    assert (row["name"], row["email"], row["company"], row["interest"], row["run_id"]) == (
        "Grace Hopper", "grace.hopper@example.com", "Navy Computing", "pricing", run_id)


def submit(form_url, **fields):
    form = {"submission_id": f"pytest-{time.time_ns()}", "name": "Alan Turing",
            "email": "alan@example.org", "company": "", "interest": "demo", "message": "", **fields}
    CREATED.append(form["submission_id"])
    return form["submission_id"], requests.post(f"{form_url}/api/submit", json=form, timeout=30)


def wait_state(form_url, run_id, timeout=300):
    def state():
        answer = requests.get(f"{form_url}/api/status", params={"run_id": run_id}, timeout=60)
        return answer.json().get("state") if answer.status_code == 200 else None  # 503: busy, again

    return wait_until(state, timeout, f"the form's run {run_id} to finish, as the form's status page says",
                      until=lambda seen: seen in ("success", "failed"), step=1)


def test_invalid_submission_fails_and_stores_nothing(form_url, database):
    """The DAG checks again what a browser may have let through (or a script sent directly)."""
    submission_id, response = submit(form_url, email="not-an-address", interest="free stuff")
    assert response.status_code == 200
    assert wait_state(form_url, response.json()["run_id"]) == "failed"
    assert stored_row(database, submission_id) is None


def test_same_submission_twice_is_one_run(af, form_url, database):
    submission_id, first = submit(form_url)
    again = requests.post(f"{form_url}/api/submit", timeout=30, json={
        "submission_id": submission_id, "name": "Alan Turing", "email": "alan@example.org",
        "interest": "demo"})
    assert first.json()["state"] == "queued" and again.json()["state"] == "already submitted"
    assert wait_state(form_url, first.json()["run_id"]) == "success"
    runs = [r for r in af.items(f"/dags/{DAG}/dagRuns") if submission_id in r["dag_run_id"]]
    assert len(runs) == 1 and stored_row(database, submission_id)["name"] == "Alan Turing"


def test_status_answers_only_for_form_runs(form_url):
    r = requests.get(f"{form_url}/api/status", params={"run_id": "manual__2024-01-01"}, timeout=10)
    assert r.status_code == 400


def test_chromium_is_found_where_it_is(tmp_path, monkeypatch):
    """$CHROMIUM first, then PATH (chromium, chromium-browser, google-chrome), then the macOS app folders;
    a clear message when there is none (`make doctor` finds it the same way)."""
    import helpers
    from scripts import doctor

    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CHROMIUM", str(fake))
    assert helpers.chromium_path() == str(fake)
    monkeypatch.delenv("CHROMIUM")
    on_path = tmp_path / "bin"
    on_path.mkdir()
    (on_path / "chromium-browser").symlink_to(fake)
    monkeypatch.setenv("PATH", str(on_path))
    assert helpers.chromium_path() == str(on_path / "chromium-browser")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(doctor, "MACOS_BROWSERS", [str(tmp_path / "Chromium.app" / "Chromium")])
    with pytest.raises(AssertionError, match="apt-get install chromium"):
        helpers.chromium_path()

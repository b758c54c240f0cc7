"""
### form_submission

The website-form use case: a page on a website (here `use_cases/website_form/server.py`) sends what a
prospective customer typed to `POST /dags/form_submission/dagRuns` as the run's conf. This DAG checks
the submission again (never trust a browser), then stores it in the SQLite table `form_submissions`
of `include/form_submissions.db` (created on first use).

Conf:

| key | meaning |
|---|---|
| `submission_id` | an id the form gives each submission (letters, digits, `-`); the run id is `form__<submission_id>` |
| `name`, `email` | required |
| `company`, `message` | optional (message: at most 2000 characters) |
| `interest` | one of `demo`, `pricing`, `support`, `other` |

An invalid submission fails `validate` (no retries) with the reasons in its log, and nothing is
stored. Storing is idempotent: a retried `store` task does not store the row twice.
"""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task
    from airflow.exceptions import AirflowFailException
    from airflow.operators.python import get_current_context

DATABASE = Path(__file__).resolve().parent.parent / "include" / "form_submissions.db"
INTERESTS = ("demo", "pricing", "support", "other")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
SCHEMA = """CREATE TABLE IF NOT EXISTS form_submissions (
    submission_id TEXT PRIMARY KEY,
    run_id        TEXT NOT NULL,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,
    company       TEXT,
    interest      TEXT NOT NULL,
    message       TEXT,
    stored_at     TEXT NOT NULL
)"""


def problems(form: dict) -> list[str]:
    """What is wrong with a submission (an empty list: nothing)."""
    found = []
    if not re.fullmatch(r"[A-Za-z0-9-]{8,64}", str(form.get("submission_id", ""))):
        found.append("submission_id: 8 to 64 letters, digits or '-'")
    name = str(form.get("name", "")).strip()
    if not 1 <= len(name) <= 100:
        found.append("name: required, at most 100 characters")
    if not EMAIL.match(str(form.get("email", "")).strip()) or len(str(form.get("email"))) > 200:
        found.append("email: not an e-mail address")
    if len(str(form.get("company") or "")) > 100:
        found.append("company: at most 100 characters")
    if form.get("interest") not in INTERESTS:
        found.append(f"interest: one of {', '.join(INTERESTS)}")
    if len(str(form.get("message") or "")) > 2000:
        found.append("message: at most 2000 characters")
    return found


@dag(
    dag_id="form_submission",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["use-case", "event-driven"],
    doc_md=__doc__,
    params={"submission_id": "example-0001", "name": "Ada Lovelace", "email": "ada@example.com",
            "company": "Analytical Engines Ltd", "interest": "demo", "message": "Please call me."},
)
def form_submission():
    @task
    def validate() -> dict:
        conf = get_current_context()["dag_run"].conf or {}
        found = problems(conf)
        if found:
            raise AirflowFailException("invalid submission: " + "; ".join(found))
        return {"submission_id": conf["submission_id"], "name": conf["name"].strip(),
                "email": conf["email"].strip().lower(), "company": (conf.get("company") or "").strip(),
                "interest": conf["interest"], "message": (conf.get("message") or "").strip()}

    @task
    def store(submission: dict) -> dict:
        run_id = get_current_context()["dag_run"].run_id
        DATABASE.parent.mkdir(exist_ok=True)
        with sqlite3.connect(DATABASE, timeout=30) as conn:
            conn.execute(SCHEMA)
            conn.execute(
                "INSERT INTO form_submissions VALUES (:submission_id, :run_id, :name, :email, :company,"
                " :interest, :message, :stored_at) ON CONFLICT (submission_id) DO NOTHING",
                {**submission, "run_id": run_id, "stored_at": pendulum.now("UTC").isoformat()})
        conn.close()
        print(f"stored submission {submission['submission_id']} in {DATABASE}")
        return {"submission_id": submission["submission_id"], "stored": True}

    store(validate())


form_submission()

"""
### report_review

Human in the loop (Airflow 3.1+): a report is prepared, then the run **waits for a person** to approve
it and to choose where it goes. Notebook `41_human_in_the_loop` answers these questions through the
REST API; the UI shows them, with a form, under Browse → *Required Actions*.

1. `prepare_report` makes a small report (its title comes from the conf, default `Weekly sales`).
2. `review` (`ApprovalOperator`) asks: publish this report? Options `Approve` and `Reject`, and a
   form field `note` (published with the report, or why it was rejected). **Reject** skips everything
   after it: nothing is published, and the run still succeeds (a rejection is an answer, not an error).
3. `choose_channel` (`HITLBranchOperator`) asks where to publish: `Email` or `Slack`. Only the chosen
   task runs (`send_email` or `post_to_slack`); the other one is skipped.
4. `send_email` / `post_to_slack` "publish" the report (they print it and return what they sent).

A question waits for its answer for at most a day; then Airflow takes its default (`Reject`, `Email`).

Conf (optional): `{"title": "Weekly sales"}`.

On Airflow 2 this file defines no DAG: Airflow 2 has no human-in-the-loop operators.
"""
from __future__ import annotations

from datetime import timedelta

import pendulum

try:  # Airflow 3.1+: the standard provider's human-in-the-loop operators
    from airflow.providers.standard.operators.hitl import ApprovalOperator, HITLBranchOperator
    from airflow.sdk import Param, dag, get_current_context, task
except ImportError:  # Airflow 2 (or 3.0): no human in the loop, so this file defines no DAG
    ApprovalOperator = None

WAIT = timedelta(days=1)  # how long a question waits for an answer before its default is taken


def publish(channel: str) -> dict:
    context = get_current_context()
    report = context["ti"].xcom_pull(task_ids="prepare_report")
    review = context["ti"].xcom_pull(task_ids="review")  # the answer: chosen_options, params_input, ...
    sent = {"channel": channel, "title": report["title"], "note": review["params_input"].get("note", ""),
            "approved_by": review["responded_by_user"]["name"]}
    print(f"published {sent}")
    return sent


if ApprovalOperator is not None:

    @dag(
        dag_id="report_review",
        schedule=None,
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        catchup=False,
        tags=["human-in-the-loop", "triggered"],
        doc_md=__doc__,
        params={"title": "Weekly sales"},
    )
    def report_review():
        @task
        def prepare_report() -> dict:
            conf = get_current_context()["dag_run"].conf or {}
            return {"title": conf.get("title", "Weekly sales"), "orders": 128, "revenue": 5312.4}

        review = ApprovalOperator(
            task_id="review",
            subject="Publish the report {{ ti.xcom_pull(task_ids='prepare_report')['title'] }}?",
            body="**{{ ti.xcom_pull(task_ids='prepare_report')['orders'] }} orders**, revenue "
                 "{{ ti.xcom_pull(task_ids='prepare_report')['revenue'] }} EUR. Approve to publish it.",
            params={"note": Param("", type="string", description="Published with the report, or why it was rejected")},
            defaults="Reject",
            response_timeout=WAIT,
        )

        choose_channel = HITLBranchOperator(
            task_id="choose_channel",
            subject="Where should the report go?",
            options=["Email", "Slack"],
            options_mapping={"Email": "send_email", "Slack": "post_to_slack"},
            defaults="Email",
            response_timeout=WAIT,
        )

        @task
        def send_email() -> dict:
            return publish("email")

        @task
        def post_to_slack() -> dict:
            return publish("slack")

        prepare_report() >> review >> choose_channel >> [send_email(), post_to_slack()]

    report_review()

"""What lesson 90 claims, checked in its kernel right after the cell named (conftest.py). The lesson runs in the
Airflow 3 test run only (with an Airflow 2.11 beside it), where nbval compares its outputs: these are the claims
its outputs do not show, as the dates in run ids and logical dates read TIMESTAMP there (tests/sanitize.cfg)."""
AFTER = {
    "call-3-airflow2": """
        assert triggered_v1.status_code == 200 and triggered_v1.json()["state"] == "queued"
        assert WEBINAR_RUN == "manual__2024-02-03T14:15:22+00:00"  # Airflow 2 names a manual run after its date
    """,
    "failed-on-airflow2": """
        assert dict(zip(tis_v1["task_id"], tis_v1["state"])) == {
            "task_1": "success", "task_2": "success", "task_3": "failed",
            "task_4": "upstream_failed", "task_5": "upstream_failed"}
    """,
    "rerun-on-airflow2": """
        assert run_v1["state"] == "success" and set(tis_v1["state"]) == {"success"}
        assert dict(zip(tis_v1["task_id"], tis_v1["try_number"]))["task_3"] == 2
    """,
    "same-five-on-airflow3": """
        assert [r.status_code for r in same_five] == [404, 404, 405, 404, 405]
        assert all("/api/v1 has been removed in Airflow 3" in r.text for r in same_five if r.status_code == 404)
    """,
    "call-3-airflow3": """
        assert triggered["state"] == "queued" and triggered["logical_date"].startswith("2024-02-03T14:15:22")
        # Airflow 3 names it after the time of the trigger, not after its logical date
        assert RUN.startswith("manual__") and "2024-02-03" not in RUN
    """,
    "call-4-airflow3": """
        assert list(runs["dag_run_id"]) == [RUN]
    """,
    "rerun-on-airflow3": """
        assert run["state"] == "success"
        assert dict(zip(tis["task_id"], tis["try_number"])) == {
            "task_1": 1, "task_2": 1, "task_3": 2, "task_4": 1, "task_5": 1}
    """,
    "changes-table": """
        assert len(changes) == 44  # every change, each one proven (changes_proven_on_both_servers raises otherwise)
        assert changes.map(len).max().max() <= 100  # a table that reads: no column wider than 100 characters
    """,
    "cleanup": """
        with af.quiet(), af2.quiet():
            assert af.items("/dags/random_failures/dagRuns", logical_date_gte=WEBINAR_DATE,
                            logical_date_lte=WEBINAR_DATE) == []
            assert af2.items("/dags/random_failures/dagRuns", execution_date_gte=WEBINAR_DATE,
                             execution_date_lte=WEBINAR_DATE) == []
    """,
}

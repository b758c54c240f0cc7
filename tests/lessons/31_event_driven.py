"""What lesson 31 claims, checked in its kernel right after the cell named (conftest.py), on Airflow 3 and
2.11 (where nbval compares no outputs)."""
AFTER = {
    "form-trigger": """
        assert (form_run["dag_run_id"], form_run["state"]) == (FORM_RUN, "queued")
    """,
    "form-run-finished": """
        assert form_run["state"] == "success"
    """,
    "form-stored": """
        assert stored.to_dict("records") == [{**form, "run_id": FORM_RUN, "email": "ada@example.com"}]  # validated
    """,
    "lambda-first": """
        assert first["triggered"] == [LAMBDA_RUN] and first["already_triggered"] == []
    """,
    "lambda-again": """
        assert again["triggered"] == [] and again["already_triggered"] == [LAMBDA_RUN]  # 409: no second run
    """,
    "lambda-one-run": """
        assert len(runs) == 1 and runs["key"][0] == "sales/2024-05-14/orders batch 1.csv"
    """,
    "lambda-plan": """
        assert (plan["action"], plan["table"]) == ("load", "sales")
    """,
    "sql-result": """
        assert list(top.columns) == ["name", "country", "spent"]
        assert list(top["name"]) == [
            "Barbara Liskov", "Edsger Dijkstra", "Katherine Johnson", "Alan Turing", "Grace Hopper"]
        assert list(top["spent"]) == [347.0, 63.9, 45.0, 39.96, 22.5]
    """,
    "sql-refused": """
        assert dict(zip(sneaky_tis["task_id"], sneaky_tis["state"])) == {
            "check_query": "failed", "run_query": "upstream_failed"}
    """,
    "sql-form-click": """
        assert last["frame"].to_dict("list") == {"category": ["electronics", "furniture", "stationery"],
                                                  "products": [1, 1, 2], "cheapest": [9.99, 39.9, 4.5]}
    """,
    "sql-plugin": """
        assert af.major < 3 or (len(sql_runner) == 1 and started.status_code == polled.status_code == 200)
        assert af.major < 3 or [row[0] for row in from_page["rows"]] == ["Ada Lovelace", "Alan Turing"]
        assert af.major >= 3 or plugin_run_id is None
    """,
    "cleanup": """
        with af.quiet():
            left = {run["dag_run_id"] for run in af.items("/dags/sql_query/dagRuns")}
            left |= {run["dag_run_id"] for dag_id in ["form_submission", "s3_file_arrived"]
                     for run in af.items(f"/dags/{dag_id}/dagRuns")}
        assert not left & {FORM_RUN, LAMBDA_RUN, *SQL_RUNS, *widget_runs, plugin_run_id}
        with sqlite3.connect(form_db) as db:
            rows = db.execute("SELECT COUNT(*) FROM form_submissions WHERE submission_id = ?", [form["submission_id"]])
            assert rows.fetchone() == (0,)  # the form's row is gone too
        db.close()
    """,
}

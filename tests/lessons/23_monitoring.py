"""What lesson 23 claims, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "start-clean": """
        assert not {r["dag_run_id"] for r in af.items("/dags/random_failures/dagRuns")} & set(RUN_IDS)
    """,
    "health": """
        assert health["metadatabase"]["status"] == "healthy" and health["scheduler"]["status"] == "healthy"
    """,
    "jobs": """
        assert af.major < 3 or dict(zip(jobs["job_type"], jobs["state"])) == {
            "DagProcessorJob": "running", "SchedulerJob": "running", "TriggererJob": "running"}
    """,
    "providers": """
        # @task and PythonOperator: the standard provider on Airflow 3; Airflow 2 has them in its core
        assert ("apache-airflow-providers-standard" if af.major >= 3 else "apache-airflow-providers-http") in set(
            providers["package_name"])
        assert providers["description"].map(len).max() <= 100  # shown in full (display.max_colwidth)
    """,
    "plugin-errors": """
        assert plugin_errors["total_entries"] == len(plugin_errors["import_errors"]) == 0
    """,
    "config": """
        # the kit's Airflow 3 exposes its configuration (masked); its Airflow 2.11 answers 403
        hidden = set(zip(masked["section"], masked["key"]))
        assert af.major < 3 or {("core", "fernet_key"), ("database", "sql_alchemy_conn")} <= hidden
        assert af.major >= 3 or config == {"sections": []}
    """,
    "config-option": """
        assert option.values.tolist() == ([["core", "parallelism", "4"]] if af.major >= 3 else [])
    """,
    "df56a0f0": """
        assert dags_folder.is_dir() and not broken.exists() and not warned.exists()
    """,
    "import-errors": """
        assert len(mine) == 1 and "SyntaxError" in mine["stack_trace"].iloc[0]
    """,
    "import-error": """
        assert Path(import_error["filename"]).name == BROKEN_FILE and trace[-1] == "SyntaxError: invalid syntax"
    """,
    "import-errors-after": """
        assert not broken.exists() and len(mine) == 0
    """,
    "dag-warnings": """
        assert list(dag_warnings["warning_type"]) == ["runtime varying value" if af.major >= 3 else "non-existent pool"]
    """,
    "d071fe6d": """
        assert not warned.exists() and warned_dag[stale_field] is (af.major >= 3)
    """,
    "dag-warnings-after": """
        assert len(af.table("/dagWarnings", dag_id=WARNED_DAG)) == 0
    """,
    "dag-stats-before": """
        assert set(before) <= {"queued", "running", "success", "failed"}
    """,
    "trigger": """
        assert [r["dag_run_id"] for r in runs] == RUN_IDS
    """,
    "wait": """
        assert [r["state"] for r in finished] == ["success"] * 3
    """,
    "dag-stats-after": """
        assert dict(zip(added["state"], added["runs added by this lesson"]))["success"] == 3
    """,
    "gantt-chart": """
        assert list(gantt["task_id"]) == [f"task_{n}" for n in range(1, 6)]
        assert set(gantt["state"]) == {"success"} and (gantt["duration_s"] >= 0).all()
        assert (start.iloc[1:].values >= end.iloc[:-1].values).all()  # a chain: each starts after the one before ended
    """,
    "run-durations": """
        assert list(durations["dag_run_id"]) == RUN_IDS and set(durations["state"]) == {"success"}
    """,
    "durations-chart": """
        assert (durations["seconds"] > 0).all()
    """,
    "events-per-run": """
        per_event = events.pivot_table(index="event", columns="run_id", values="when", aggfunc="count", fill_value=0)
        assert per_event.loc["running"].tolist() == [5, 5, 5] and per_event.loc["success"].tolist() == [5, 5, 5]
        if af.major >= 3:
            assert per_event.loc["trigger_dag_run"].tolist() == [1, 1, 1]
            assert set(events.loc[events["event"] == "trigger_dag_run", "owner"]) == {af.username}
        else:  # Airflow 2 names the event after the endpoint, api.post_dag_run, and records no run id with it
            assert len(api_posts) == 3 and set(api_posts["owner"]) == {af.username}
    """,
    "event-log-entry": """
        import json
        assert entry["event_log_id"] == event_log_id and entry["owner"] == af.username and json.loads(entry["extra"])
    """,
    "cleanup": """
        assert not {r["dag_run_id"] for r in af.items("/dags/random_failures/dagRuns")} & set(RUN_IDS)
        assert not broken.exists() and not warned.exists()
    """,
}

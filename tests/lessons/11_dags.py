"""What lesson 11 claims, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "start-clean": """
        assert not any(d["is_paused"] for d in af.items("/dags", tags="webinar"))
        assert not versioned_file.exists()
    """,
    "list-one-page": """
        assert page_1["total_entries"] == 3 and [d["dag_id"] for d in page_1["dags"]] == ["api_dag", "dependent_dag"]
    """,
    "next-page": """
        assert page_2["total_entries"] == 3 and [d["dag_id"] for d in page_2["dags"]] == ["random_failures"]
    """,
    "list-all-pages": """
        assert list(dags["dag_id"]) == ["api_dag", "dependent_dag", "random_failures"]
        assert list(dags["fileloc"]) == ["api_dag.py", "dependent_dag.py", "random_failures.py"]
    """,
    "one-dag": """
        assert dag["dag_id"] == dag_id and dag["is_paused"] is False
        assert os.path.basename(dag["fileloc"]) == "random_failures.py"
    """,
    "details": """
        assert details["catchup"] is False and details["start_date"].startswith("2024-01-01")
    """,
    "params": """
        assert set(details["params"]) == {"failure_rate", "fail_task"}
    """,
    "doc": """
        assert "fail_task" in details["doc_md"]
    """,
    "tasks": """
        assert list(tasks["task_id"]) == ["task_1", "task_2", "task_3", "task_4", "task_5"]
        assert [list(d) for d in tasks["downstream_task_ids"]] == [["task_2"], ["task_3"], ["task_4"], ["task_5"], []]
    """,
    "source": """
        assert 'dag_id="random_failures"' in code_text and code_text.count("@dag(") == 1
    """,
    "versions": """
        assert af.major < 3 or versions["version_number"].max() == source["version_number"]
    """,
    "one-version": """
        assert af.major < 3 or one_version.loc[0, "version_number"] == source["version_number"]
    """,
    "pause": """
        assert paused["is_paused"] is True
    """,
    "list-paused": """
        assert list(paused_dags["dag_id"]) == [dag_id]
    """,
    "unpause": """
        assert unpaused["is_paused"] is False and af.get(f"/dags/{dag_id}")["is_paused"] is False
    """,
    "filter-matches": """
        assert list(matched["dag_id"]) == ["api_dag", "dependent_dag"] and not any(matched["is_paused"])
    """,
    "pause-all": """
        assert paused_all["total_entries"] == 2 and len(paused_all["dags"]) == 1
        assert paused_all["dags"][0]["is_paused"] is True
    """,
    "paused-now": """
        # Airflow 3.3 pauses every match; Airflow 2.11 only the DAGs on the answer's page
        on_page = {d["dag_id"] for d in paused_all["dags"]}
        paused_ids = set(paused_now[paused_now["is_paused"]]["dag_id"])
        assert paused_ids == ({"api_dag", "dependent_dag"} if af.major >= 3 else on_page)
    """,
    "unpause-all": """
        assert sorted(d["dag_id"] for d in unpaused_all["dags"]) == ["api_dag", "dependent_dag"]
        assert unpaused_all["total_entries"] == 2
        assert not any(d["is_paused"] for d in af.items("/dags", tags="webinar"))
    """,
    "favorites-listed": """
        assert af.major < 3 or dag_id in set(favorites["dag_id"])
        assert af.major < 3 or af.get(f"/dags/{dag_id}/details")["is_favorite"] is True  # Airflow 3.1.1 and later
    """,
    "unfavorite": """
        assert af.major < 3 or dag_id not in {d["dag_id"] for d in af.items("/dags", is_favorite="true")}
    """,
    "tags": """
        assert {"api", "clear-tasks", "triggered", "webinar"} <= set(tag_names) and tag_names == sorted(tag_names)
    """,
    "versioned-listed": """
        assert [(d["dag_id"], d["is_paused"], os.path.basename(d["fileloc"])) for d in listed] == \\
            [(VERSIONED, False, versioned_file.name)]
    """,
    "versioned-run": """
        assert af.major < 3 or (run["state"] == "success" and [v["version_number"] for v in run["dag_versions"]] == [1])
    """,
    "file-token": """
        assert file_token and (af.major < 3 or latest == 1)
    """,
    "versioned-tasks": """
        ordered = sorted(versioned_tasks["tasks"], key=lambda t: t["task_id"])
        assert [(t["task_id"], t["downstream_task_ids"]) for t in ordered] == [("extract", ["load"]), ("load", [])]
    """,
    "two-versions": """
        assert af.major < 3 or list(two_versions["version_number"]) == [1, 2]
    """,
    "versioned-stale": """
        assert not versioned_file.exists() and versioned[stale_field] is (af.major >= 3)
    """,
    "versioned-delete": """
        try:
            af.get(f"/dags/{VERSIONED}")
            gone = False
        except AirflowAPIError as error:
            gone = error.status == 404
        assert gone and not versioned_file.exists()
    """,
}

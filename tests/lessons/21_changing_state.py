"""What lesson 21 claims, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "start-clean": """
        assert af.get(f"/dags/{DAG_ID}")["is_paused"] is False
        for dag_id, run_id in RUNS:  # nothing of a stopped run left: each answers 404
            try:
                af.get(f"/dags/{dag_id}/dagRuns/{run_id}")
                raise AssertionError(f"{run_id} is still there")
            except AirflowAPIError as error:
                assert error.status == 404, error
    """,
    "trigger": """
        assert [(r["dag_run_id"], r["state"]) for r in (stuck, broken)] == [(STUCK, "queued"), (BROKEN, "queued")]
    """,
    "read-hold": """
        assert (hold["state"], hold["try_number"]) == ("running", 1)
    """,
    "publish-dependencies": """
        assert [d["name"] for d in deps] == ["Task Instance State", "Trigger Rule"] and "{'hold'}" in deps[1]["reason"]
    """,
    "mark-hold-dry-run": """
        assert [ti["task_id"] for ti in would["task_instances"]] == ["hold"]
        assert af.major < 3 or would["task_instances"][0]["state"] == "running"  # a dry run changes nothing
    """,
    "mark-hold": """
        assert [(ti["task_id"], ti["state"], ti["note"]) for ti in marked] == [("hold", "success", NOTE)]
    """,
    "stuck-goes-on": """
        assert af.get(f"/dags/{DAG_ID}/dagRuns/{STUCK}")["state"] == "success"
        assert set(tis["state"]) == {"success"} and len(tis) == 8
    """,
    "hold-first-try": """
        assert (first_try["try_number"], first_try["state"]) == (1, "success")
    """,
    "external-log-url": """
        assert af.major < 3 or (answer["status"][0] == 400 and "does not support external logs" in answer["detail"][0])
    """,
    "task-publish": """
        assert task["operator_name"] == task["class_ref"]["class_name"] == "PublishReportOperator"
    """,
    "publish-links": """
        assert found == ({"Report": f"https://reports.example.com/{DAG_ID}/{STUCK}"} if af.major >= 3 else {})
    """,
    "list-mapped": """
        assert af.get(f"/dags/{DAG_ID}/dagRuns/{BROKEN}")["state"] == "failed"
        assert list(mapped["rendered_map_index"]) == ["eu", "us", "apac"]
        assert list(mapped["state"]) == ["success", "failed", "success"]
    """,
    "mapped-instance": """
        assert (us["rendered_map_index"], us["state"], us["try_number"], us["max_tries"]) == ("us", "failed", 2, 1)
    """,
    "mapped-tries": """
        assert sorted(us_tries["try_number"]) == [1, 2] and set(us_tries["state"]) == {"failed"}
    """,
    "mapped-first-try": """
        assert (us_first["map_index"], us_first["try_number"], us_first["state"]) == (1, 1, "failed")
    """,
    "mark-mapped-dry-run": """
        assert [ti["task_id"] for ti in would] == ["transform"]
        assert af.major < 3 or (would[0]["map_index"], would[0]["state"]) == (1, "failed")  # a dry run changes nothing
    """,
    "mark-mapped": """
        assert list(marked["state"]) == ["success"]
        assert af.get(f"/dags/{DAG_ID}/dagRuns/{BROKEN}")["state"] == "success"  # the run resumed, and succeeded
    """,
    "mark-group-dry-run": """
        assert af.major < 3 or list(would["task_id"]) == ["load.customers", "load.orders"]
        assert af.major < 3 or set(would["state"]) == {"success"}  # a dry run changes nothing
    """,
    "mark-group": """
        assert af.major < 3 or list(group["state"]) == ["failed", "failed"]
        # a finished run keeps its state
        assert af.major < 3 or af.get(f"/dags/{DAG_ID}/dagRuns/{STUCK}")["state"] == "success"
    """,
    "mark-run": """
        assert (run["state"], run["note"]) == ("failed", RUN_NOTE)
    """,
    "clear-run-dry-run": """
        assert len(would) == 8
        assert af.major < 3 or sorted(would[would["state"] == "failed"]["task_id"]) == ["load.customers", "load.orders"]
    """,
    "pause": """
        assert paused["is_paused"] is True
    """,
    "clear-run": """
        assert (cleared["dag_run_id"], cleared["state"], cleared["note"]) == (STUCK, "queued", RUN_NOTE)
    """,
    "mapped-dependencies": """
        assert [d["name"] for d in deps] == ["Dag Not Paused", "Dagrun Running", "Task Instance State", "Trigger Rule"]
    """,
    "unpause": """
        assert unpaused["is_paused"] is False and af.get(f"/dags/{DAG_ID}/dagRuns/{STUCK}")["state"] == "success"
    """,
    "mark-many": """
        assert af.major < 3 or list(bulk["updated"]) == [f"{DAG_ID}.{run}.transform[0]" for run in (BROKEN, STUCK)]
    """,
    "clear-two-runs-dry-run": """
        assert af.major < 3 or (list(would["dag_run_id"]) == [BROKEN, STUCK] and set(would["map_index"]) == {0})
    """,
    "clear-two-runs": """
        assert af.major < 3 or list(runs["state"]) == ["queued", "queued"]
        assert af.major < 3 or {af.get(f"/dags/{DAG_ID}/dagRuns/{r}")["state"] for r in (STUCK, BROKEN)} == {"success"}
    """,
    "delete-task-instance": """
        assert af.major < 3 or (len(left) == 7 and "publish" not in set(left["task_id"]))
    """,
    "trigger-partitions": """
        assert af.major < 3 or list(partitioned["partition_key"]) == ["eu", "us"]
        assert af.major < 3 or {af.get(f"/dags/{PARTITIONED}/dagRuns/{r}")["state"] for r in (EU, US)} == {"success"}
    """,
    "clear-partition-dry-run": """
        assert af.major < 3 or list(would["dag_run_id"]) == [EU]
    """,
    "clear-partition": """
        assert af.major < 3 or (list(again["dag_run_id"]) == [EU] and again["state"][0] == "queued")
    """,
    "out-of-partition-dry-run": """
        assert af.major < 3 or counted.to_dict("records") == [
            {"dag_runs_cleared": 1, "task_instances_cleared": 0, "dry_run": True}]
    """,
    "out-of-partition": """
        assert af.major < 3 or done["dag_runs_cleared"][0] == 1
        assert af.major < 3 or (us_run["partition_key"], us_run["state"]) == (None, "success")
    """,
    "notes-two-dags": """
        assert af.major < 3 or list(notes["updated"]) == [f"{DAG_ID}.{BROKEN}", f"{PARTITIONED}.{EU}"]
    """,
    "list-runs": """
        assert list(zip(listed_runs["dag_id"], listed_runs["dag_run_id"])) == sorted(RUNS, key=lambda r: r[1])
    """,
    "list-task-instances": """
        tries = sorted(zip(listed_tis["dag_run_id"], listed_tis["try_number"]))
        assert af.major < 3 or tries == [(EU, 2), (STUCK, 2), (US, 1)]
    """,
    "cleanup": """
        assert not {r["dag_run_id"] for r in af.items("/dags/~/dagRuns")} & {run_id for _, run_id in RUNS}
    """,
}

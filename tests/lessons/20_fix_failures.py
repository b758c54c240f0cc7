"""What lesson 20 claims, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "fe32988b": """
        assert (run["dag_run_id"], run["state"]) == (RUN_ID, "queued")
    """,
    "run-failed": """
        assert run["state"] == "failed"
    """,
    "find-failed-task": """
        assert list(failed["task_id"]) == ["task_3"] and list(failed["try_number"]) == [1]
    """,
    "all-task-instances": """
        assert dict(zip(before["task_id"], zip(before["state"], before["try_number"]))) == {
            "task_1": ("success", 1), "task_2": ("success", 1), "task_3": ("failed", 1),
            "task_4": ("upstream_failed", 0), "task_5": ("upstream_failed", 0)}
    """,
    "why-it-failed": """
        assert errors[-1] == "RuntimeError: task_3 failed on purpose (conf fail_task='task_3'); clear it to retry"
    """,
    "clear-dry-run": """
        assert sorted(dry["task_id"]) == ["task_3", "task_4", "task_5"]
    """,
    "clear-dry-run-check": """
        assert af.get(f"/dags/random_failures/dagRuns/{RUN_ID}")["state"] == "failed"  # the dry run changed nothing
    """,
    "clear": """
        assert sorted(ti["task_id"] for ti in cleared["task_instances"]) == ["task_3", "task_4", "task_5"]
        assert af.get(f"/dags/random_failures/dagRuns/{RUN_ID}")["state"] != "failed"  # reset: queued or running
    """,
    "watch-succeed": """
        assert af.get(f"/dags/random_failures/dagRuns/{RUN_ID}")["state"] == "success"
        assert dict(zip(after["task_id"], zip(after["state"], after["try_number"]))) == {
            "task_1": ("success", 1), "task_2": ("success", 1), "task_3": ("success", 2),
            "task_4": ("success", 1), "task_5": ("success", 1)}
    """,
    "tries": """
        assert sorted(zip(tries["try_number"], tries["state"])) == [(1, "failed"), (2, "success")]
    """,
    "cleanup": """
        assert RUN_ID not in {r["dag_run_id"] for r in af.items("/dags/random_failures/dagRuns")}
    """,
}

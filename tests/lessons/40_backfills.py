"""What lesson 40 claims beyond its outputs, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "start-clean": """
        with af.quiet():
            active = [b["id"] for b in af.items("/backfills", dag_id=DAG_ID) if b["completed_at"] is None]
            runs = {r["dag_run_id"] for r in af.items(f"/dags/{DAG_ID}/dagRuns")}
        assert active == [] and not runs & set(RUN_IDS), (active, runs)
    """,
    "watch-runs": """
        assert list(runs["state"]) == ["success", "success"]
        # max_active_runs 1: the second run began after the first had ended (ISO times in UTC sort as text)
        assert runs["start_date"][1] >= runs["end_date"][0]
    """,
    "cleanup": """
        with af.quiet():
            left = {r["dag_run_id"] for r in af.items(f"/dags/{DAG_ID}/dagRuns")}
            paused = af.get(f"/dags/{DAG_ID}")["is_paused"]
        assert not left & set(RUN_IDS) and paused, (left, paused)  # the runs deleted, the DAG paused as it comes
    """,
}

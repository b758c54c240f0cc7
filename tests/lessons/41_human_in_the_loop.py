"""What lesson 41 claims beyond its outputs, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "answer-again": """
        with af.quiet():
            review = af.get(f"/dags/{DAG_ID}/dagRuns/{APPROVED}/taskInstances/review/-1/hitlDetails")
        assert review["chosen_options"] == ["Approve"]  # the first answer counts
    """,
    "cleanup": """
        with af.quiet():
            left = {r["dag_run_id"] for r in af.items(f"/dags/{DAG_ID}/dagRuns")}
        assert not left & set(RUNS), left
    """,
}

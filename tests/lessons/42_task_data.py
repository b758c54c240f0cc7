"""What lesson 42 claims beyond its outputs, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "read-xcom": """
        assert read_back["value"] == changed["value"] == {"checked_by": "lesson 42", "rows": 130}
    """,
    "after-new-try": """
        # a new try: the XCom written through the API is gone; the state kept, values too
        assert report["try_number"] == 2 and REVIEW["key"] not in set(xcoms_now["key"])
        assert state_now.values.tolist() == state[["key", "value"]].values.tolist()
    """,
    "cleanup": """
        with af.quiet():
            assert status_of(lambda: af.get(f"/dags/{DAG_ID}/dagRuns/{RUN_ID}")) == 404  # the run is gone
    """,
}

"""What lesson 70 claims beyond its outputs, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "setup": """
        with af.quiet():
            runs = {r["dag_run_id"] for r in af.items(f"/dags/{DAG_ID}/dagRuns")}
            keys = {v["key"] for v in af.items("/variables")}
        assert not runs & set(RUN_IDS) and not keys & set(VARIABLES), (runs, keys)  # started clean
    """,
    "sign-in": """
        admin_token = af.session.headers["Authorization"].split()[1]
        assert claims(viewer_token)["role"] == "viewer" and claims(admin_token)["role"] == "admin"
    """,
    "viewer-triggers": """
        with af.quiet():
            runs = {r["dag_run_id"] for r in af.items(f"/dags/{DAG_ID}/dagRuns")}
        assert "kit_70_viewer" not in runs  # the 403 made nothing
    """,
    "user-variable": """
        with af.quiet():
            keys = {v["key"] for v in af.items("/variables")}
        assert "kit_70_limit" not in keys  # the 403 made nothing
    """,
    "table": """
        # each role may do what the one before it may, and more (a status under 300 is allowed)
        allowed = {role: {row["call"] for row in table if row[role] < 300} for role in ROLES}
        assert allowed["viewer"] < allowed["user"] < allowed["op"] == allowed["admin"], allowed
        with af.quiet():
            runs = {r["dag_run_id"] for r in af.items(f"/dags/{DAG_ID}/dagRuns")}
        assert {f"kit_70_table_{role}" for role in ("user", "op", "admin")} <= runs  # the allowed triggers
        assert "kit_70_table_viewer" not in runs
    """,
    "cleanup": """
        with af.quiet():
            runs = {r["dag_run_id"] for r in af.items(f"/dags/{DAG_ID}/dagRuns")}
            keys = {v["key"] for v in af.items("/variables")}
        assert not runs & set(RUN_IDS) and not keys & set(VARIABLES), (runs, keys)  # nothing left
    """,
}

"""What lesson 71 claims beyond its outputs, checked in its kernel right after the cell named (conftest.py)."""
# No user, role or run of the lesson's on the stack: it starts clean, and leaves nothing behind.
NONE_OF_ITS_OWN = """
    with af.quiet():
        users = {u["username"] for u in af.items("/auth/fab/v1/users", key="users")}
        roles = {r["name"] for r in af.get("/auth/fab/v1/roles")["roles"]}
        runs = {r["dag_run_id"] for r in af.items(f"/dags/{DAG_ID}/dagRuns")}
    assert USER not in users and ROLE not in roles and RUN_ID not in runs, (users, roles, runs)
"""

AFTER = {
    "setup": NONE_OF_ITS_OWN + """
    assert af.auth.startswith("JWT")  # signed in with a token from FAB's POST /auth/token
""",
    "token": """
        assert admin_claims["sub"].isdigit() and "role" not in admin_claims  # FAB's token: the user's id only
    """,
    "spec": """
        # every operation of FAB's API is called in this lesson (the Postman folder made of its calls is
        # counted against the live server's document by tests/test_coverage.py)
        assert len(operations) == len({(o["method"], o["path"]) for o in operations}) > 0
        assert all(o["path"].startswith("/auth/") for o in operations)
    """,
    "create-role": """
        with af.quiet():
            made = af.get(f"/auth/fab/v1/roles/{ROLE}")
        assert {(a["action"]["name"], a["resource"]["name"]) for a in made["actions"]} == {
            ("can_read", "DAGs"), ("can_edit", "DAGs"), ("can_create", "DAG Runs"), ("can_read", "DAG Runs")}
    """,
    "as-service": """
        assert trigger.status_code == 200 and variables.status_code == 403
        with af.quiet():
            run = af.get(f"/dags/{DAG_ID}/dagRuns/{RUN_ID}")
        assert run["dag_run_id"] == RUN_ID  # the trigger made the run, as the service
    """,
    "allowed": """
        allowed = {what for what, status in statuses.items() if status < 300}
        assert allowed == {"read DAGs", "read the run", "unpause a DAG"}, statuses
        assert {status for what, status in statuses.items() if what not in allowed} == {403}, statuses
        with af.quiet():
            assert af.get(f"/dags/{DAG_ID}/dagRuns/{RUN_ID}")["dag_run_id"] == RUN_ID  # the 403 deleted nothing
    """,
    "fab-logout": """
        assert logout.status_code == 307 and again.status_code == 200  # FAB's logout revokes nothing
    """,
    "logout": """
        assert logout.status_code == 307 and again.status_code == 403  # Airflow's logout revokes the token
    """,
    "cleanup": NONE_OF_ITS_OWN,
}

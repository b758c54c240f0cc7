"""What lesson 60 claims beyond its outputs, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "token": """
        assert token_response.status_code == 201 and token.count(".") == 2  # a JWT: header.payload.signature
    """,
    "ctl-login": """
        assert json.loads((CTL_HOME / "production.json").read_text()) == {"api_url": af.url}  # the address only
    """,
    "ctl-dags": """
        assert set(ctl_dags["is_paused"]) <= {"True", "False"}  # every value comes out as text
    """,
    "ctl-conf-refused": """
        assert refused.returncode == 2 and "invalid dict value" in refused.stderr
    """,
    "ctl-cannot": """
        groups = airflowctl("--help", show=False).stdout
        assert "taskinstance" not in groups.replace("_", "").replace("-", "").lower()  # no group for task instances
    """,
    "side-by-side": """
        same = side_by_side.drop(index="triggered run")
        assert same["raw HTTP"].equals(same["Python client"])  # raw HTTP and the Python client found the same
    """,
    "cleanup": """
        mine = {HTTP, CLIENT, CTL}
        with af.quiet():
            runs = {r["dag_run_id"] for r in af.items(f"/dags/{DAG}/dagRuns")}
            variables = {v["key"] for v in af.items("/variables")}
        assert not mine & runs and not mine & variables and not CTL_HOME.exists(), (runs, variables)
    """,
}

"""What lesson 60 claims beyond its outputs, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "ctl-dags": """
        assert set(ctl_dags["is_paused"]) <= {"True", "False"}  # every value comes out as text
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

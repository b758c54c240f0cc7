"""What lesson 13 claims, checked in its kernel right after the cell named (conftest.py)."""
PANEL_RUNS = """[r for r in af.items("/dags/~/dagRuns") if "kit_13__" in r["dag_run_id"]]"""
AFTER = {
    "start-clean": f"""
        assert not {PANEL_RUNS}
    """,
    "dags": """
        assert {"random_failures", "dependent_dag", "api_dag"} <= set(dags["dag_id"])
    """,
    "refused-json": f"""
        assert refused is None and created_runs == [] and not {PANEL_RUNS}  # nothing was sent
    """,
    "refused-list": f"""
        assert refused_list is None and created_runs == [] and not {PANEL_RUNS}  # nothing was sent
    """,
    "trigger-run": f"""
        assert run_id.startswith("kit_13__") and created_runs == [("dependent_dag", run_id)]
        assert [(r["dag_id"], r["dag_run_id"]) for r in {PANEL_RUNS}] == created_runs  # exactly one run
    """,
    "follow": """
        assert final_state == state == "success"
        assert list(tasks["task_id"]) == ["report"] and list(tasks["state"]) == ["success"]
    """,
    "tail": """
        assert task_id == "report" and len(printed) == 1
        assert "'message': 'hello from the control panel'" in printed[0]
    """,
    "cleanup": f"""
        assert deleted == [("dependent_dag", run_id)] and created_runs == []
        assert not {PANEL_RUNS}
    """,
}

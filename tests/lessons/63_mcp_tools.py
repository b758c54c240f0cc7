"""What lesson 63 claims beyond its outputs, checked in its kernel right after the cell named (conftest.py):
what Airflow itself holds after each tool call, no file in the servers' HOME, no server left running.
A check that calls Airflow follows the cell that has read the tool call's lines of the access log (the
"-sent" cell), never the tool call's own cell: its request would be read as the tool's."""
AFTER = {
    "start-clean": """
        with af.quiet():
            assert not [run for run in af.items(f"/dags/{DAG}/dagRuns")
                        if (run["conf"] or {}).get("requested_by") == CONF["requested_by"]]
    """,
    "trigger-and-wait-sent": """
        with af.quiet():
            run = af.get(f"/dags/{DAG}/dagRuns/{run_id}")
        assert (run["state"], run["conf"]) == ("success", CONF)  # as Airflow has it, not only as the tool said
    """,
    "read-only-sent": """
        with af.quiet():
            assert af.get(f"/dags/{DAG}/dagRuns/{run_id}")["state"] == "success"  # refused: not deleted
    """,
    "delete-run-sent": """
        from apikit import AirflowAPIError
        try:
            with af.quiet():
                af.get(f"/dags/{DAG}/dagRuns/{run_id}")
            raise AssertionError(f"the run {run_id} is still there")
        except AirflowAPIError as error:
            assert error.status == 404
    """,
    "tool-map": """
        assert list((SERVER_DIR / "home").rglob("*")) == []  # nothing written to the servers' HOME
    """,
    "cleanup": """
        import psutil
        running = []
        for child in psutil.Process().children(recursive=True):
            try:
                running += [child.pid] if str(MCP_SERVER) in " ".join(child.cmdline()) else []
            except psutil.Error:  # it has exited meanwhile
                pass
        assert running == [] and not SERVER_DIR.exists()  # both servers exited, their folder is gone
    """,
}

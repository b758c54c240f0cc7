"""What lesson 63 claims beyond its outputs, checked in its kernel right after the cell named (conftest.py):
what Airflow itself holds after each tool call, no file in the servers' HOME, no server left running.
A check that calls Airflow follows the cell that has read the tool call's lines of the access log (the
"-sent" cell), never the tool call's own cell: its request would be read as the tool's. And it waits for
its request's line in the access log: the api-server writes it just after the answer, and on a busy machine
that can be after the next cell has taken the log's end as its start (`since = log_size()`), which would
then read the check's request as its tool's."""
# Defined in each check that calls Airflow: wait until the access log has the check's request (`path`).
LOGGED = """
        def _logged(since, path):
            deadline = time.monotonic() + 30
            while ACCESS_LOG is not None:
                with open(ACCESS_LOG, "rb") as log:
                    log.seek(since)
                    if f"path={path} ".encode() in log.read():
                        return
                assert time.monotonic() < deadline, f"the check's request {path} is not in the access log after 30 s"
                time.sleep(0.1)
"""
AFTER = {
    "start-clean": """
        with af.quiet():
            assert not [run for run in af.items(f"/dags/{DAG}/dagRuns")
                        if (run["conf"] or {}).get("requested_by") == CONF["requested_by"]]
    """,
    "trigger-and-wait-sent": LOGGED + """
        _since = log_size()
        with af.quiet():
            run = af.get(f"/dags/{DAG}/dagRuns/{run_id}")
        assert (run["state"], run["conf"]) == ("success", CONF)  # as Airflow has it, not only as the tool said
        _logged(_since, f"{af.api}/dags/{DAG}/dagRuns/{run_id}")
    """,
    "read-only-sent": LOGGED + """
        _since = log_size()
        with af.quiet():
            assert af.get(f"/dags/{DAG}/dagRuns/{run_id}")["state"] == "success"  # refused: not deleted
        _logged(_since, f"{af.api}/dags/{DAG}/dagRuns/{run_id}")
    """,
    "delete-run-sent": LOGGED + """
        from apikit import AirflowAPIError
        _since = log_size()
        try:
            with af.quiet():
                af.get(f"/dags/{DAG}/dagRuns/{run_id}")
            raise AssertionError(f"the run {run_id} is still there")
        except AirflowAPIError as error:
            assert error.status == 404
        _logged(_since, f"{af.api}/dags/{DAG}/dagRuns/{run_id}")
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

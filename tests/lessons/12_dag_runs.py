"""What lesson 12 claims, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "start-clean": """
        assert not [r for r in af.items("/dags/~/dagRuns") if "kit_12_" in r["dag_run_id"]]
    """,
    "trigger": """
        assert (rf_run["dag_run_id"], rf_run["state"]) == ("kit_12_random_failures", "queued")
        assert rf_run["conf"] == {"failure_rate": 0}
    """,
    "trigger-with-conf": """
        assert (dd_run["dag_run_id"], dd_run["state"], dd_run["conf"]) == ("kit_12_dependent", "queued", conf)
    """,
    "trigger-for-date": """
        assert dated_run["logical_date"].startswith("2024-05-01") and dated_run["state"] == "queued"
    """,
    "finished": """
        assert rf_run["state"] == "success"
        assert af.get("/dags/dependent_dag/dagRuns/kit_12_dependent")["state"] == "success"
        assert af.get("/dags/dependent_dag/dagRuns/kit_12_dated")["state"] == "success"
    """,
    "trigger-to-wait": """
        assert (wait_run["dag_run_id"], wait_run["state"]) == ("kit_12_wait", "queued")
    """,
    "wait": """
        assert lines[-1]["state"] == "success" and all(line["state"] in ("queued", "running") for line in lines[:-1])
        assert af.major < 3 or lines[-1]["results"]["report"]["message"] == conf["message"]
    """,
    "list-runs": """
        assert list(runs[runs["dag_run_id"] == "kit_12_random_failures"]["state"]) == ["success"]
    """,
    "list-runs-every-dag": """
        assert list(zip(mine["dag_id"], mine["dag_run_id"])) == [
            ("dependent_dag", "kit_12_dated"), ("dependent_dag", "kit_12_dependent"), ("dependent_dag", "kit_12_wait"),
            ("random_failures", "kit_12_random_failures")]
        assert set(mine["state"]) == {"success"}
        assert [d is None for d in mine["logical_date"]] == [False, True, True, True] or af.major < 3
    """,
    "task-instances": """
        assert list(tis["task_id"]) == ["task_1", "task_2", "task_3", "task_4", "task_5"]
        assert set(tis["state"]) == {"success"} and list(tis["try_number"]) == [1] * 5
    """,
    "log": """
        assert printed and printed[-1].startswith("dependent_dag received: {")
        assert repr(conf["message"]) in printed[-1] and repr(conf["requested_by"]) in printed[-1]
    """,
    "xcoms": """
        assert {"message", "requested_by", "return_value", "run_type"} <= set(xcoms["key"])
    """,
    "return-value": """
        assert value["message"] == conf["message"] and value["requested_by"] == conf["requested_by"]
    """,
    "trigger-api-dag": """
        assert (api_run["dag_run_id"], api_run["state"]) == ("kit_12_api", "queued")
    """,
    "child-run": """
        assert af.get("/dags/api_dag/dagRuns/kit_12_api")["state"] == "success"
        assert child["state"] == "success"
        assert child["conf"] == {"message": "relayed by api_dag", "requested_by": "api_dag run kit_12_api"}
    """,
    "cleanup": """
        assert not [r for r in af.items("/dags/~/dagRuns") if "kit_12_" in r["dag_run_id"]]
    """,
}

"""What lesson 50 claims, checked in its kernel right after the cell named (conftest.py), on both versions."""
AFTER = {
    "start-clean": """
        assert not [v for v in af.items("/variables") if v["key"].startswith("kit_50_")]
        assert not [r for r in af.items(f"/dags/{DAG_ID}/dagRuns") if r["dag_run_id"].startswith("kit_50_")]
        assert af.get(f"/dags/{DAG_ID}")["is_paused"], "daily_report is paused: the lesson's runs run nothing"
    """,
    "make-variables": """
        ours = sorted(v["key"] for v in af.items("/variables") if v["key"].startswith("kit_50_"))
        assert ours == [f"kit_50_{n:03}" for n in range(120)]
    """,
    "one-page": """
        assert len(page["variables"]) == (50 if af.major >= 3 else 100)  # fallback_page_limit
        assert page["total_entries"] == 120 if af.major >= 3 else page["total_entries"] >= 120
    """,
    "the-cap": """
        assert len(page["variables"]) == 100 < page["total_entries"]  # maximum_page_limit, silently
    """,
    "walk-pages": """
        walked = [v["key"] for o in range(0, offset, 50)
                  for v in af.get("/variables", order_by="key", limit=50, offset=o, **OURS)["variables"]]
        ours = [key for key in walked if key.startswith("kit_50_")]
        assert ours == [f"kit_50_{n:03}" for n in range(120)]  # each once, in order
        assert af.major < 3 or [p["variables"] for p in pages] == [50, 50, 20]
    """,
    "order-names": """
        top = af.get("/variables", order_by="-key", limit=200, **OURS)["variables"]
        ours = [v["key"] for v in top if v["key"].startswith("kit_50_")]
        assert ours[:3] == ["kit_50_119", "kit_50_118", "kit_50_117"]
        for name in ("_val", "value"):  # the value sorts as _val on Airflow 3, value on 2.11
            try:
                af.get("/variables", order_by=name, limit=1)
                status = 200
            except AirflowAPIError as error:
                status = error.status
            assert status == (200 if (name == "_val") == (af.major >= 3) else 400), (name, status)
    """,
    "list-changes": """
        assert first[-1]["key"] == second[0]["key"]  # seen twice: the new one shifted the second page
    """,
    "make-runs": """
        made = [r["dag_run_id"] for r in af.items(f"/dags/{DAG_ID}/dagRuns")
                if r["dag_run_id"].startswith("kit_50_run_")]
        assert sorted(made) == (RUN_IDS if af.major >= 3 else [])
    """,
    "first-cursor-page": """
        if af.major >= 3:
            assert [r["dag_run_id"] for r in page["dag_runs"]] == RUN_IDS[:5]
            assert page["next_cursor"] and page["previous_cursor"] is None
            assert page["total_entries"] == 12 and page["total_entries_limit"] >= 12
    """,
    "follow-run-cursor": """
        if af.major >= 3:
            assert [(p["runs"], p["first"], p["last"]) for p in pages] == [
                (5, "kit_50_run_00", "kit_50_run_04"), (5, "kit_50_run_05", "kit_50_run_09"),
                (2, "kit_50_run_10", "kit_50_run_11")]
            assert [p["next_cursor"] for p in pages][-1] is None
            back = af.get(f"/dags/{DAG_ID}/dagRuns", run_id_prefix_pattern="kit_50_run_", limit=5, cursor="")
            back = af.get(f"/dags/{DAG_ID}/dagRuns", run_id_prefix_pattern="kit_50_run_", limit=5,
                          cursor=back["next_cursor"])
            assert back["previous_cursor"].startswith("~")  # a backward cursor
            before = af.get(f"/dags/{DAG_ID}/dagRuns", run_id_prefix_pattern="kit_50_run_", limit=5,
                            cursor=back["previous_cursor"])
            assert [r["dag_run_id"] for r in before["dag_runs"]] == RUN_IDS[:5]
    """,
    "follow-ti-cursor": """
        if af.major >= 3:
            assert [p["task instances"] for p in pages] == [5, 5, 2] and pages[-1]["next_cursor"] is None
            assert (pages[0]["first"], pages[-1]["last"]) == ("kit_50_run_00.report", "kit_50_run_11.report")
    """,
    "status-400": """
        assert seen[-1][0] == 400 and "Ordering with 'name' is disallowed" in seen[-1][2]
    """,
    "status-401": """
        assert answer.status_code == (401 if af.major >= 3 else 403)  # 2.11: the role Public
        if af.major >= 3:
            assert answer.json() == {"detail": "Not authenticated"}
        else:
            assert answer.headers["Content-Type"] == "application/problem+json"
            assert set(answer.json()) == {"detail", "status", "title", "type"}
        wrong = requests.post(f"{af.url}/auth/token", json={"username": "admin", "password": "wrong"}, timeout=10)
        assert af.major < 3 or (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid credentials"})
    """,
    "status-403": """
        assert status == 403
        assert detail == ("Invalid JWT token" if af.major >= 3 else
                          "Your Airflow administrator chose not to expose the configuration, "
                          "most likely for security reasons.")
    """,
    "status-404": """
        assert seen[-1][0] == 404 and isinstance(seen[-1][2], str)
    """,
    "status-405": """
        assert seen[-1][0] == 405
    """,
    "status-409": """
        assert seen[-1][0] == 409
        if af.major >= 3:  # the database refused it: an object
            assert seen[-1][2]["reason"] == "Unique constraint violation" and "look for ID" in seen[-1][2]["message"]
        else:
            assert seen[-1][2] == "Pool: default_pool already exists"
    """,
    "status-422": """
        status, call, detail = seen[-1]
        if af.major >= 3:  # a list of validation errors
            assert status == 422 and [(d["loc"], d["msg"], d["type"]) for d in detail] == [
                (["body", "value"], "Field required", "missing")]
        else:  # 2.11: 400 and a sentence
            assert status == 400 and "Missing data for required field" in detail
        assert "kit_50_no_value" not in {v["key"] for v in af.items("/variables")}
    """,
    "errors-table": """
        assert [status for status, _, _ in seen] == ([400, 401, 403, 404, 405, 409, 422] if af.major >= 3
                                                    else [400, 403, 403, 404, 405, 409, 400])
    """,
    "retry-policy": """
        assert af.session.get_adapter(af.url + af.api).max_retries is RETRY
        assert "POST" not in RETRY.allowed_methods and "PATCH" not in RETRY.allowed_methods
        assert af.get("/version")["version"] == af.version  # calls go through the policy as before
    """,
    "retry-wait": """
        assert 7 <= waited < 7 + 4 * 0.5 + 5  # waits of 0, 1, 2, 4 s and up to 0.5 s each at random
    """,
    "idempotent-trigger": """
        mine = [r for r in af.items(f"/dags/{DAG_ID}/dagRuns") if r["dag_run_id"] == TRIGGER["dag_run_id"]]
        assert len(mine) == 1  # sent twice, one run
    """,
    "cleanup": """
        assert not [v for v in af.items("/variables") if v["key"].startswith("kit_50_")]
        assert not [r for r in af.items(f"/dags/{DAG_ID}/dagRuns") if r["dag_run_id"].startswith("kit_50_")]
    """,
}

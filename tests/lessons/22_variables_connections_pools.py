"""What lesson 22 claims, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "start-clean": """
        assert set(leftovers.values()) <= {200, 404}, leftovers  # 200: a leftover deleted; 404: none
        for path in ("/variables/kit_22_greeting", "/connections/kit_22_http", "/connections/kit_22_files",
                     "/pools/kit_22_pool", "/pools/kit_22_pool_small"):
            assert status_of(lambda: af.get(path)) == 404, path
    """,
    "create-variable": """
        assert (variable["key"], variable["value"], variable["description"]) == (
            "kit_22_greeting", "hello from lesson 22", "created by lesson 22")
    """,
    "read-variable": """
        assert variable["value"] == "hello from lesson 22"
    """,
    "update-variable": """
        assert json.loads(variable["value"]) == {"greeting": "hello", "times": 2}
        assert variable["description"] == "created by lesson 22"  # left out of the PATCH: unchanged
    """,
    "list-variables": """
        assert "kit_22_greeting" in set(variables["key"])
    """,
    "bulk-variables": """
        assert af.major < 3 or (bulk["create"]["success"], [e["status_code"] for e in bulk["create"]["errors"]],
                                bulk["update"]["success"], bulk["delete"], color) == (
            [], [409], ["kit_22_greeting"], {"success": [], "errors": []}, 404)
        assert af.major < 3 or af.get("/variables/kit_22_greeting")["value"] == "hello, in bulk"
    """,
    "create-connection": """
        assert (connection["connection_id"], connection["host"]) == ("kit_22_http", "api.example.com")
        assert connection.get("password") != "not-a-real-secret"  # the API never sends a password back
    """,
    "read-connection": """
        assert connection["port"] == 443 and json.loads(connection["extra"]) == {"timeout": 10}
        assert connection.get("password") != "not-a-real-secret"
    """,
    "update-connection": """
        assert connection["host"] == "api2.example.com"
        assert connection["login"] == "kit" and connection["port"] == 443  # not in the mask: unchanged
    """,
    "list-connections": """
        assert "kit_22_http" in set(connections["connection_id"])
    """,
    "bulk-connections": """
        assert af.major < 3 or (bulk["create"]["success"], bulk["update"]["success"], http["host"], http["port"],
                                [e["status_code"] for e in bulk["delete"]["errors"]]) == (
            ["kit_22_files"], ["kit_22_http"], "api2.example.com", 8443, [404])
    """,
    "test-connections": """
        if af.major >= 3:
            assert (stored["status"], unsaved["status"], elsewhere.status) == (True, False, 400)
            assert stored["message"] == "Path /tmp is existing."
            assert "differs from the stored connection" in elsewhere.detail
        else:
            assert tested["HTTP status"] in (200, 403)  # 403: testing is disabled, as on the kit's 2.11 stack
    """,
    "test-on-a-worker": """
        assert af.major < 3 or (queued["state"], result["state"], result["result_message"]) == (
            "pending", "success", "Path /tmp is existing.")
    """,
    "default-connections": """
        if af.major >= 3:
            assert "sqlite_default" in made and sorted(removed["delete"]["success"]) == made
            assert not {c["connection_id"] for c in af.items("/connections")} & set(made)  # deleted again
    """,
    "create-pool": """
        assert (pool["name"], pool["slots"], pool["open_slots"]) == ("kit_22_pool", 2, 2)
    """,
    "read-pool": """
        assert pool["slots"] == 2
    """,
    "update-pool": """
        assert (pool["slots"], pool["open_slots"], pool["description"]) == (5, 5, "created by lesson 22")
    """,
    "list-pools": """
        assert {"kit_22_pool", "default_pool"} <= set(pools["name"])
    """,
    "bulk-pools": """
        assert af.major < 3 or ([bulk[a]["success"] for a in ("create", "update", "delete")],
                                mine[["name", "slots"]].values.tolist()) == (
            [["kit_22_pool_small"], ["kit_22_pool"], []], [["kit_22_pool", 3], ["kit_22_pool_small", 1]])
        assert "default_pool" in {p["name"] for p in af.items("/pools")}
    """,
    "cleanup-check": """
        for path in ("/variables/kit_22_greeting", "/connections/kit_22_http", "/connections/kit_22_files",
                     "/pools/kit_22_pool", "/pools/kit_22_pool_small"):
            assert status_of(lambda: af.get(path)) == 404, path
    """,
}

"""What lesson 72 claims beyond its outputs, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "short-stack": """
        with af.quiet():  # the lesson's second Airflow leaves yours as it was: tokens of 24 hours there
            options = af.get("/config", section="api_auth")["sections"][0]["options"]
        assert {o["key"]: o["value"] for o in options}["jwt_expiration_time"] == "86400", options
        assert short_stack.url != af.url and short_stack.home != KIT_HOME / "airflow3"
    """,
    "client-renews": """
        configuration.access_token = short_token  # ended: `renewed()` also recovers from the 401 itself
        assert renewed(configuration, dag_api.get_dags, limit=1, margin=-3600).total_entries == 0
        assert configuration.access_token != short_token
    """,
    "logout": """
        assert hours_left > 23  # revoked, yet far from its end
    """,
    "cleanup": """
        assert short_stack.state() is None and not short_stack.home.exists()  # stopped, its home gone
        with contextlib.suppress(requests.ConnectionError):
            raise AssertionError(f"something still answers at {short_stack.url}: "
                                 f"{requests.get(short_stack.url, timeout=5).status_code}")
    """,
}

"""What lesson 10 claims, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "version": """
        assert version["version"].split(".")[0] == str(af.major) in ("2", "3")
    """,
    "health": """
        assert health["metadatabase"]["status"] == "healthy"
        assert health["scheduler"]["status"] == "healthy"
    """,
    "no-credentials": """
        assert no_credentials.status_code in ((401,) if af.major >= 3 else (401, 403))
    """,
    "get-token": """
        assert af.major < 3 or (answer.status_code == 201 and token.startswith("ey"))
    """,
    "sign-in": """
        assert signed_in.status_code == 200 and "dags" in signed_in.json()
    """,
    "browser-login": """
        assert af.major < 3 or (login.status_code == 307 and "/login" in login.headers["location"])
    """,
    "browser-logout": """
        assert af.major < 3 or (logout.status_code == 307 and after.status_code in (401, 403))
    """,
    "list-dags": """
        assert list(dags["dag_id"]) == ["api_dag", "dependent_dag", "random_failures"]
        assert not any(dags["is_paused"])
        assert "webinar" in dags.loc[0, "tags"]
    """,
}

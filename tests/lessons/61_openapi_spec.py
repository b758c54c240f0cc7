"""What lesson 61 claims, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "document": """
        assert requests.get(af.url + "/openapi.json", timeout=30).json() == spec  # served to anyone, no token
    """,
}

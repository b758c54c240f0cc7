"""What lesson 62 claims, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "generate": """
        text = (CLIENT / "src" / "airflow.d.ts").read_text()
        with af.quiet():
            document = af.get("/openapi.json")
        ids = [operation["operationId"] for item in document["paths"].values()
               for method, operation in item.items() if method in ("get", "post", "put", "patch", "delete")]
        assert ids and all(f"    {operation_id}: {{" in text for operation_id in ids)  # the server's operations
    """,
    "build": """
        compiled = CLIENT / "dist" / "trigger_and_wait.js"
        assert compiled.stat().st_mtime >= (CLIENT / "src" / "trigger_and_wait.ts").stat().st_mtime
    """,
}

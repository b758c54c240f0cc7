"""What lesson 20 claims, checked in its kernel right after the cell named (conftest.py)."""
AFTER = {
    "find-failed-task": """
        assert list(failed["task_id"]) == ["task_3"] and list(failed["try_number"]) == [1]
    """,
}

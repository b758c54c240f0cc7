"""docs/api-map.md, the map from each operation of the kit's Airflow 3 REST API to every way the kit shows to make
it (`make api-map`, scripts/api_map.py): the committed map is what the sources make now, and each entry names
something that exists, checked against the thing itself: the notebook's cells, the built Postman collection,
the Python client's classes, airflowctl's parser, the MCP server's tool list, the TypeScript sources. And what the
map reads from the MCP server's code agrees with what its calls were seen to send in the api-server's access log
(notebook 63, tests/test_mcp.py, docs/mcp.md). No Airflow needed: the operations are the pinned document's."""
from __future__ import annotations

import argparse
import json
import re

import pytest

from helpers import load_collection
from scripts import api_map  # scripts/api_map.py
from stacks.paths import REPO

pytestmark = pytest.mark.airflow3  # the map is of Airflow 3's API; nothing in it depends on the test run's Airflow

# What the MCP tools' calls were seen to send (the api-server's access log, notebook 63's `tool-map`; docs/mcp.md),
# and what their code sends only on a path those calls did not take.
SEEN = {"list_dags": {"GET /api/v2/dags"},
        "trigger_dag_and_wait": {"GET /api/v2/dags/{dag_id}", "POST /api/v2/dags/{dag_id}/dagRuns",
                                 "GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}"},
        "get_task_logs": {"GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}"},
        "get_dag_run": {"GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}"},
        "delete_dag_run": {"GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}",
                           "DELETE /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}"},
        "get_dag_details": {"GET /api/v2/dags/{dag_id}"},
        "get_airflow_version": {"GET /api/v2/version"},
        "pause_dag": {"PATCH /api/v2/dags/{dag_id}"}}  # read-only mode names it in its refusal (test_mcp.py)
NOT_TAKEN = {"trigger_dag_and_wait": {"PATCH /api/v2/dags/{dag_id}",  # unpauses the DAG first, if it is paused
                                      # the failed tasks, when the run did not succeed
                                      "GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"}}


@pytest.fixture(scope="module")
def built() -> api_map.ApiMap:
    return api_map.build()


def test_the_committed_map_is_what_make_api_map_writes(built):
    assert api_map.MAP.read_text() == api_map.render(built), \
        "docs/api-map.md is stale: run `make api-map` and commit it"


def test_one_row_per_operation_of_the_pinned_document(built):
    operations = [row.operation for row in built.rows]
    assert sorted(operations) == sorted(api_map.operations()) and len(operations) == 128


def test_one_fab_row_per_operation_of_the_fab_api_each_with_its_lesson(built):
    """The FAB auth manager's API (lesson 71): every operation of the document its provider ships, each made by
    a lesson (the live server's document is counted by tests/test_coverage.py)."""
    assert sorted(row.operation for row in built.fab_rows) == sorted(api_map.fab_operations())
    assert len(built.fab_rows) >= 14
    assert all(row.operation.split(" ", 1)[1].startswith("/auth/") for row in built.fab_rows)
    assert [row.operation for row in built.fab_rows if not row.lessons] == []


def test_every_lesson_cell_is_a_code_cell_of_its_notebook(built):
    missing = []
    for row in [*built.rows, *built.fab_rows]:
        for lesson in row.lessons:
            path = REPO / lesson.notebook
            cells = json.loads(path.read_text())["cells"] if path.exists() else []
            if lesson.cell_id not in {c.get("id") for c in cells if c["cell_type"] == "code"}:
                missing.append(f"{row.operation}: {lesson.notebook} has no code cell {lesson.cell_id!r}")
    assert missing == []


def test_every_postman_request_is_in_the_collection(built):
    requests = {(folder["name"], item["name"]) for folder in load_collection()["item"] for item in folder["item"]}
    missing = [f"{row.operation}: {lesson.folder} · {lesson.request}" for row in [*built.rows, *built.fab_rows]
               for lesson in row.lessons if (lesson.folder, lesson.request) not in requests]
    assert missing == [], "not in postman/airflow-api-kit.postman_collection.json (make postman?)"


def test_every_python_client_method_exists(built):
    import airflow_client.client  # here, not at the top: collecting the suite should not import it (~1 s)

    missing = [f"{row.operation}: {name}" for row in built.rows for name in row.client
               if not callable(getattr(getattr(airflow_client.client, name.split(".")[0], None), name.split(".")[1],
                                       None))]
    assert missing == []


def has_command(parser: argparse.ArgumentParser, words: list[str]) -> bool:
    """Whether airflowctl's parser has the command `words` (a group and its command, or a command alone)."""
    for word in words:
        subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subparsers or word not in subparsers[0].choices:
            return False
        parser = subparsers[0].choices[word]
    return not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)


def airflowctl_parser() -> argparse.ArgumentParser:
    from airflowctl.ctl import cli_parser  # here, not at the top: collecting the suite should not import it

    return cli_parser.get_parser()


def test_every_airflowctl_command_is_in_its_parser(built):
    parser = airflowctl_parser()
    commands = [(row.operation, c) for row in built.rows for c in row.airflowctl] + \
        [("(no operation)", c) for c in built.ctl_stray]
    assert len(commands) > 50
    missing = [f"{op}: airflowctl {command}" for op, command in commands if not has_command(parser, command.split())]
    assert missing == []


def test_has_command_tells_a_group_from_a_command():
    parser = airflowctl_parser()
    assert has_command(parser, ["dags", "pause"]) and has_command(parser, ["version"])
    assert not has_command(parser, ["dags"]) and not has_command(parser, ["dags", "nonesuch"])


def test_every_mcp_tool_is_in_the_servers_tool_list(built):
    assert len(built.tool_list) == 34
    assert sorted(built.mcp_tools) == built.tool_list, "the map's reading of the tools' code missed a tool, or more"
    named = {tool for row in built.rows for tool in row.mcp}
    assert named - set(built.tool_list) == set()


def test_what_the_map_reads_of_the_mcp_tools_is_what_they_were_seen_to_send(built):
    read = {tool: set(built.mcp_tools[tool]) for tool in SEEN}
    assert read == {tool: seen | NOT_TAKEN.get(tool, set()) for tool, seen in SEEN.items()}


def test_every_typescript_call_marked_is_in_its_source(built):
    marked = [(row.operation, path) for row in built.rows for path in row.typescript]
    assert len(marked) >= 3
    missing = [f"{op}: {path}" for op, path in marked
               if not re.search(r"\.{}\(\s*\"{}\"".format(*map(re.escape, op.split(" ", 1))),
                                (REPO / path).read_text())]
    assert missing == []
    operations = set(api_map.operations())
    assert set(api_map.typescript_calls()) <= operations, "clients/typescript/src calls a path the API does not have"

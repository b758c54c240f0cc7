"""The MCP server of notebook 63 (astro-airflow-mcp, in .venv-mcp), started over stdio and driven by the MCP
Python SDK against the test stack, as an AI assistant's host drives it: its tools and what they say of
themselves, a run triggered through it to success and deleted, read-only mode refusing a write before it
reaches Airflow, nothing written to its HOME. And the kit's own Airflow never loads it as a plugin."""
from __future__ import annotations

import asyncio
import json
import os
from contextlib import asynccontextmanager
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from apikit import AirflowAPIError
from conftest import SESSION_VARIABLE
from stacks.paths import REPO
from stacks.stack import local_stack

SERVER = REPO / ".venv-mcp" / "bin" / "astro-airflow-mcp"
DAG = "dependent_dag"
# What each tool that may change something says of itself: (readOnlyHint, destructiveHint, idempotentHint)
WRITES = {"pause_dag": (False, False, True), "unpause_dag": (False, False, True),
          "trigger_dag": (False, False, False), "trigger_dag_and_wait": (False, False, False),
          "delete_dag_run": (False, True, False), "clear_dag_run": (False, True, True),
          "clear_task_instances": (False, True, True)}
READS = {"list_dags", "get_dag_details", "get_dag_source", "get_dag_stats", "list_dag_runs", "get_dag_run",
         "list_tasks", "get_task", "get_task_instance", "get_task_logs", "list_assets", "list_asset_events",
         "get_upstream_asset_events", "list_connections", "get_variable", "list_variables", "get_pool",
         "list_pools", "list_plugins", "list_providers", "get_airflow_version", "get_airflow_config",
         "list_dag_warnings", "list_import_errors", "explore_dag", "diagnose_dag_run", "get_system_health"}


@asynccontextmanager
async def mcp_session(stack, home: Path, **settings: str):
    """A session with the server, started over stdio as notebook 63 starts it: against `stack`, signing in
    as admin, telemetry off, HOME (and the working directory) `home`, `settings` added to its environment.
    It carries the session's mark, as every process the suite starts."""
    assert SERVER.exists(), f"{SERVER} is missing: `make mcp` installs it (`make test` does too)"
    env = {"AIRFLOW_API_URL": stack.url, "AIRFLOW_USERNAME": "admin", "AIRFLOW_PASSWORD": "admin",
           "AF_TELEMETRY_DISABLED": "1", "HOME": str(home), SESSION_VARIABLE: os.environ[SESSION_VARIABLE],
           **settings}
    with open(home.parent / f"{home.name}-server.log", "a") as log:
        async with stdio_client(StdioServerParameters(command=str(SERVER), env=env, cwd=home), errlog=log) as pipes:
            async with ClientSession(*pipes) as session:
                await session.initialize()
                yield session


def home_in(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def answer(result) -> dict:
    """A tool's answer: one text part, a JSON document (errors too: isError stays False)."""
    assert not result.isError and len(result.content) == 1, result
    return json.loads(result.content[0].text)


def test_the_kits_environment_holds_no_mcp_plugin():
    """astro-airflow-mcp declares an Airflow plugin: in .venv, every Airflow process of the kit would load it
    and the api-server would serve MCP at /mcp/v1/ without signing in. It lives in .venv-mcp only."""
    plugins = {entry.value for entry in entry_points(group="airflow.plugins")}
    assert not any(value.startswith("astro_airflow_mcp") for value in plugins), \
        "astro-airflow-mcp is installed in the kit's environment: uninstall it there (`make mcp` puts it in .venv-mcp)"


@pytest.mark.airflow3
def test_its_tools_say_what_they_do(stack, tmp_path):
    async def listed():
        async with mcp_session(stack, home_in(tmp_path)) as session:
            return (await session.list_tools()).tools

    tools = {tool.name: tool.annotations for tool in asyncio.run(listed())}
    assert set(tools) == READS | set(WRITES)
    said = {name: (hints.readOnlyHint, hints.destructiveHint, hints.idempotentHint) for name, hints in tools.items()}
    assert {name: said[name] for name in WRITES} == WRITES
    assert {said[name] for name in READS} == {(True, False, True)}
    assert all(hints.openWorldHint for hints in tools.values())  # each talks to an Airflow outside


@pytest.mark.airflow3
def test_a_run_triggered_through_it_succeeds_its_log_is_read_and_it_is_deleted(stack, af, tmp_path):
    conf = {"requested_by": "kit_test_mcp"}

    async def trigger_read_delete():
        async with mcp_session(stack, home_in(tmp_path)) as session:
            arguments = {"dag_id": DAG, "conf": conf, "timeout": 300}
            done = answer(await session.call_tool("trigger_dag_and_wait", arguments))
            run = {"dag_id": DAG, "dag_run_id": done["dag_run"]["dag_run_id"]}
            found = af.get(f"/dags/{DAG}/dagRuns/{run['dag_run_id']}")
            log = answer(await session.call_tool("get_task_logs", {**run, "task_id": "report"}))
            deleted = answer(await session.call_tool("delete_dag_run", run))
            return done, found, log, deleted

    done, found, log, deleted = asyncio.run(trigger_read_delete())
    run_id = done["dag_run"]["dag_run_id"]
    assert (done["dag_run"]["state"], done["timed_out"]) == ("success", False)
    assert (found["state"], found["conf"]) == ("success", conf)  # as Airflow itself has it
    printed = [event["event"] for event in log["content"] if event.get("logger") == "task.stdout"]
    assert len(printed) == 1 and "'requested_by': 'kit_test_mcp'" in printed[0], printed
    assert deleted["message"] == f"DAG run '{run_id}' deleted"
    with pytest.raises(AirflowAPIError) as gone:
        af.get(f"/dags/{DAG}/dagRuns/{run_id}")
    assert gone.value.status == 404


@pytest.mark.airflow3
def test_read_only_mode_refuses_a_write_before_it_reaches_airflow(stack, af, tmp_path):
    """AF_READ_ONLY=true: the writes are still listed, a read answers, and a write is answered with an error
    (isError False: the server's own JSON error) without its request ever reaching Airflow."""
    access_log = local_stack(stack.url).logs / "api-server.log"

    async def pause_read_only():
        async with mcp_session(stack, home_in(tmp_path), AF_READ_ONLY="true") as session:
            listed = {tool.name for tool in (await session.list_tools()).tools}
            read = answer(await session.call_tool("get_dag_details", {"dag_id": DAG}))
            since = access_log.stat().st_size
            refused = answer(await session.call_tool("pause_dag", {"dag_id": DAG}))
            return listed, read, refused, since

    try:
        listed, read, refused, since = asyncio.run(pause_read_only())
        assert listed == READS | set(WRITES) and read["dag_id"] == DAG
        assert refused["error_type"] == "ReadOnlyError" and refused["retryable"] is False
        assert refused["error"] == (f"Operation 'PATCH dags/{DAG}' is blocked: running in read-only mode "
                                    f"($AF_READ_ONLY=true). Only read operations are allowed.")
        assert af.get(f"/dags/{DAG}")["is_paused"] is False
        with open(access_log, "rb") as log:
            log.seek(since)
            sent = [line for line in log.read().decode().splitlines() if "[http.access]" in line]
        assert not [line for line in sent if "method=PATCH" in line], sent
    finally:  # a read-only mode that let the write through must not leave the DAG paused for other tests
        if af.get(f"/dags/{DAG}")["is_paused"]:
            af.patch(f"/dags/{DAG}", json={"is_paused": False})


@pytest.mark.airflow3
def test_nothing_is_written_to_its_home(stack, tmp_path):
    """With the settings notebook 63 gives it (telemetry off), the server writes nothing into its HOME (nor
    into its working directory, here the same folder): without them it keeps an id in ~/.astro/config.yaml."""
    home = home_in(tmp_path)

    async def read_twice():
        async with mcp_session(stack, home) as session:
            answer(await session.call_tool("get_airflow_version", {}))
            answer(await session.call_tool("list_dags", {}))

    asyncio.run(read_twice())
    assert sorted(path.relative_to(home).as_posix() for path in home.rglob("*")) == []

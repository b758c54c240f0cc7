"""The kit's Airflow settings are written in four places, each in the form its tool reads: the local
stack's environment (stacks/stack.py), the two Docker Compose files, and the Astro project's
airflow_settings.yaml. They must agree wherever they mean the same thing; where they differ by design
(the database, the host names inside a container network), that is said here."""
from __future__ import annotations

import json

import pytest
import yaml

from helpers import compose_environment, load_compose
from stacks.paths import REPO
from stacks.stack import Stack

# Settings every stack of the kit has, whatever runs it. The local stack's value is the reference.
SHARED = ["AIRFLOW__CORE__LOAD_EXAMPLES", "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION",
          "AIRFLOW__CORE__PARALLELISM", "AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL"]
SHARED_3 = ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"]
SHARED_2 = ["AIRFLOW__API__AUTH_BACKENDS"]
# The parts of the connection api_dag uses that do not depend on where the api-server is.
CONNECTION = ("conn_type", "schema", "login", "password")


def stack_env(major: str, tmp_path) -> dict:
    return Stack(major, home=tmp_path).env()


def compose_env(major: str) -> dict:
    services = load_compose(major)["services"]
    return {k: str(v) for k, v in compose_environment(services["airflow-scheduler"]).items()}


def normal(value: str) -> str:
    return value.strip().lower() if value.strip().lower() in ("true", "false") else value.strip()


@pytest.mark.parametrize("major", ["3", "2"])
def test_compose_has_the_stacks_settings(major, tmp_path):
    ours, compose = stack_env(major, tmp_path), compose_env(major)
    for name in SHARED + (SHARED_3 if major == "3" else SHARED_2):
        assert name in compose, f"docker-compose: {name} is missing (the local stack sets {ours[name]!r})"
        assert normal(compose[name]) == normal(ours[name]), f"{name}: compose {compose[name]!r}, stack {ours[name]!r}"


@pytest.mark.parametrize("major", ["3", "2"])
def test_the_connection_api_dag_uses_agrees(major, tmp_path):
    ours = json.loads(stack_env(major, tmp_path)["AIRFLOW_CONN_AIRFLOW_API"])
    compose = json.loads(compose_env(major)["AIRFLOW_CONN_AIRFLOW_API"])
    assert {k: compose[k] for k in CONNECTION} == {k: ours[k] for k in CONNECTION}
    # by design: inside Compose's network the api-server is a service name, on port 8080
    assert (ours["host"], compose["host"], compose["port"]) == (
        "127.0.0.1", "airflow-apiserver" if major == "3" else "airflow-webserver", 8080)
    if major == "3":
        astro = next(c for c in yaml.safe_load((REPO / "airflow_settings.yaml").read_text())["airflow"]["connections"]
                     if c["conn_id"] == "airflow_api")
        assert {k: astro[f"conn_{k}" if k != "conn_type" else k] for k in CONNECTION} == \
            {k: ours[k] for k in CONNECTION}
        assert (astro["conn_host"], astro["conn_port"]) == ("api-server", 8080)  # Astro's own network


def test_a_difference_is_caught(tmp_path, monkeypatch):
    """The check above compares values, not only names: a stack setting changed is a mismatch."""
    ours = stack_env("3", tmp_path)
    monkeypatch.setattr(Stack, "env", lambda self: {**ours, "AIRFLOW__CORE__PARALLELISM": "32"})
    with pytest.raises(AssertionError, match="PARALLELISM"):
        test_compose_has_the_stacks_settings("3", tmp_path)

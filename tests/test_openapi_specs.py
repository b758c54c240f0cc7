"""The OpenAPI documents that specs/ keeps (`make specs`, scripts/specs.py; lesson 61 compares them): the releases
scripts/specs.py pins, and the kit's Airflow 3's is the one the installed package ships and the server serves."""
from __future__ import annotations

import importlib.util
import runpy
from pathlib import Path

import pytest
import yaml

from stacks.paths import REPO
from stacks.stack import airflow_version_pinned

pytestmark = pytest.mark.airflow3  # the documents do not depend on the Airflow a test run picks: checked once
SPECS = runpy.run_path(str(REPO / "scripts" / "specs.py"))
KITS = SPECS["spec_path"](airflow_version_pinned("3"))


def test_specs_holds_the_releases_make_specs_writes():
    assert sorted((REPO / "specs").glob("airflow-*.openapi.yaml")) == \
        sorted(SPECS["spec_path"](version) for version in SPECS["VERSIONS"]), \
        "specs/ is not what `make specs` writes: run it, and commit specs/"


def test_the_kits_document_is_the_one_its_airflow_ships():
    """The file the installed apache-airflow-core holds, byte for byte: after a new Airflow pin, `make specs`."""
    airflow = Path(importlib.util.find_spec("airflow").submodule_search_locations[0])
    shipped = airflow.parent / SPECS["IN_THE_WHEEL"]
    assert KITS.read_bytes() == shipped.read_bytes(), f"{KITS.name} is not {shipped}: run `make specs`"


def test_the_server_serves_the_kits_document(af):
    """GET /openapi.json (JSON) is the kept document (YAML), read as data."""
    assert af.get("/openapi.json") == yaml.safe_load(KITS.read_text())

"""One source of truth for versions: requirements/airflowN.in pins Airflow; the rest follows it."""
import re

import pytest

from stacks.paths import REPO
from stacks.stack import airflow_version_pinned


@pytest.mark.parametrize("major", ["3", "2"])
def test_lock_follows_the_pin(major):
    lock = (REPO / "requirements" / f"airflow{major}.lock").read_text()
    assert f"\napache-airflow=={airflow_version_pinned(major)}\n" in lock, \
        f"requirements/airflow{major}.lock is stale: run `make lock` and commit it"


@pytest.mark.parametrize("major", ["3", "2"])
def test_readme_names_the_pinned_version(major):
    readme = (REPO / "README.md").read_text()
    named = set(re.findall(rf"Airflow ({major}\.\d+\.\d+)", readme))
    assert named == {airflow_version_pinned(major)}, f"README names Airflow {named}"


def test_the_server_runs_the_pinned_version(stack):
    assert stack.server_version() == airflow_version_pinned(stack.major)


def test_the_kits_python_has_the_pinned_airflow_3():
    from importlib.metadata import version
    assert version("apache-airflow") == airflow_version_pinned("3")


def test_airflow3_lock_leaves_out_a_slow_import():
    """rfc3987-syntax (JupyterLab's jsonschema[format-nongpl]) builds a grammar with lark when imported,
    and every Airflow process imports jsonschema: it made each one start 1.6 s slower (4.4 s instead of
    2.2 s for `airflow version`). `make lock` leaves both out; jsonschema works without them."""
    lock = (REPO / "requirements" / "airflow3.lock").read_text()
    assert "\nrfc3987-syntax==" not in lock and "\nlark==" not in lock, \
        "requirements/airflow3.lock lists rfc3987-syntax or lark again: re-lock with `make lock`"

"""One source of truth for versions: requirements/airflowN.in pins Airflow; the rest follows it."""
import re

from apikit.stack import REPO, airflow_version_pinned


def test_lock_follows_the_pin():
    lock = (REPO / "requirements" / "airflow3.lock").read_text()
    assert f"\napache-airflow=={airflow_version_pinned('3')}\n" in lock, \
        "requirements/airflow3.lock is stale: run `make lock` and commit it"


def test_readme_names_the_pinned_version():
    readme = (REPO / "README.md").read_text()
    named = set(re.findall(r"Airflow (3\.\d+\.\d+)", readme))
    assert named == {airflow_version_pinned("3")}, f"README names Airflow {named}"


def test_installed_airflow_is_the_pinned_one(stack):
    from importlib.metadata import version
    assert version("apache-airflow") == airflow_version_pinned("3") == stack.server_version()

"""The Astro CLI project (`astro dev start` in the repo): its files exist and agree with the lock, the
image gets only what the DAGs need, and the DAGs load as the Astro image would load them. Live: the
kit's own stack with auth off, as the Astro CLI's local Airflow 3 runs, works with the connect notebook
and with api_dag."""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stacks.paths import REPO
from stacks.stack import airflow_version_pinned

# The Airflow version each Astro Runtime 3.x image ships (Astro's runtime release notes; the Astro CLI's
# runtime version catalog lists 3.3-8 with airflowVersion 3.3.2). When requirements/airflow3.in moves
# to another Airflow, put the runtime that ships it in the Dockerfile and here.
RUNTIME_AIRFLOW = {"3.3-8": "3.3.2"}
RUNTIME_IMAGE = "astrocrpublic.azurecr.io/runtime"
PROJECT_FILES = ["Dockerfile", "requirements.txt", "packages.txt", "airflow_settings.yaml",
                 ".astro/config.yaml", ".dockerignore"]
# What the image must get, and what must stay out of it (course material, the kit's own tooling).
IN_IMAGE = ["dags/api_dag.py", "plugins/.gitkeep", "include", "requirements.txt", "packages.txt",
            "Dockerfile"]
NOT_IN_IMAGE = ["notebooks/10_connect.ipynb", "postman/x.json", "tests/test_astro.py", ".venv/bin/python",
                ".venv-airflow2/bin/python", ".airflow/airflow3/airflow.db", ".airflow-test/x", ".git/HEAD",
                ".env", "airflow_settings.yaml", "include/sample_shop.db", "dags/__pycache__/x.pyc"]
ASTRO_HOME = "usr/local/airflow"  # AIRFLOW_HOME in the Astro Runtime image; the project is copied there


def requirement_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.split(r"[\s=<>!~\[;]", line)[0].lower())
    return names


def third_party_imports() -> set[str]:
    """Top-level modules that dags/, include/ and plugins/ import, less the standard library, Airflow and include."""
    found = set()
    for path in [*(REPO / "dags").glob("*.py"), *(REPO / "include").glob("**/*.py"),
                 *(REPO / "plugins").glob("**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in ("airflow", "include")}


def dockerignore_patterns() -> list[tuple[bool, re.Pattern]]:
    """.dockerignore as Docker reads it: paths from the context root, `*`, `?`, `**`, `!` exceptions."""
    patterns = []
    for line in (REPO / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
        patterns.append((negate, re.compile(regex + r"(?:/.*)?\Z")))  # a folder takes its contents
    return patterns


def ignored(relative: str, patterns) -> bool:
    verdict = False
    for negate, regex in patterns:
        if regex.match(relative):
            verdict = not negate
    return verdict


def build_context(dest: Path) -> list[str]:
    """Copy what `docker build` would send for the Astro image to dest; return the files copied."""
    patterns = dockerignore_patterns()
    copied = []
    for root, dirs, files in os.walk(REPO):
        rel_root = Path(root).relative_to(REPO).as_posix()
        rel_root = "" if rel_root == "." else rel_root + "/"
        dirs[:] = [d for d in dirs if not ignored(rel_root + d, patterns)]
        for name in files:
            rel = rel_root + name
            if not ignored(rel, patterns):
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / rel, dest / rel)
                copied.append(rel)
    return copied


def settings_connection(conn_id: str) -> dict:
    settings = yaml.safe_load((REPO / "airflow_settings.yaml").read_text())
    found = [c for c in settings["airflow"]["connections"] if c["conn_id"] == conn_id]
    assert len(found) == 1, f"airflow_settings.yaml defines {len(found)} connections {conn_id!r}"
    return found[0]


# --- the project files ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", PROJECT_FILES)
def test_project_file_exists(name):
    assert (REPO / name).is_file(), f"{name} is missing: the Astro CLI project needs it"


def test_runtime_image_ships_the_pinned_airflow():
    froms = re.findall(r"^FROM\s+(\S+)", (REPO / "Dockerfile").read_text(), re.M)
    assert len(froms) == 1, f"one FROM line expected, found {froms}"
    image, _, tag = froms[0].partition(":")
    assert image == RUNTIME_IMAGE, f"the Dockerfile should build on {RUNTIME_IMAGE} (Astro Runtime 3.x)"
    assert tag in RUNTIME_AIRFLOW, f"Astro Runtime {tag}: which Airflow does it ship? Add it to RUNTIME_AIRFLOW"
    assert RUNTIME_AIRFLOW[tag] == airflow_version_pinned("3"), \
        f"Astro Runtime {tag} ships Airflow {RUNTIME_AIRFLOW[tag]}, requirements/airflow3.in pins " \
        f"{airflow_version_pinned('3')}"
    assert tag.split("-")[0] == ".".join(airflow_version_pinned("3").split(".")[:2])  # 3.3-N is Airflow 3.3


def test_requirements_are_what_the_dags_import():
    names = requirement_names(REPO / "requirements.txt")
    assert not {n for n in names if n.startswith("apache-airflow")}, \
        "requirements.txt must not install Airflow: the Astro Runtime image brings it"
    assert set(names) == third_party_imports(), \
        "requirements.txt should list exactly the packages dags/, include/ and plugins/ import"
    lock = (REPO / "requirements" / "airflow3.lock").read_text().lower()
    for name in names:
        assert f"\n{name}==" in lock, f"{name} is not in the kit's lock: the DAGs are tested without it"


def test_packages_txt_lists_debian_packages_only():
    for line in (REPO / "packages.txt").read_text().splitlines():
        line = line.strip()
        assert not line or line.startswith("#") or re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", line), line


def test_astro_config_names_the_project():
    config = yaml.safe_load((REPO / ".astro" / "config.yaml").read_text())
    assert config["project"]["name"] == "airflow-api-kit"


def test_dockerignore_keeps_course_material_out_of_the_image():
    patterns = dockerignore_patterns()
    for path in IN_IMAGE:
        assert not ignored(path, patterns), f"{path} must go into the image"
    for path in NOT_IN_IMAGE:
        assert ignored(path, patterns), f"{path} must stay out of the image"


def test_airflow_settings_define_the_connection_api_dag_uses():
    assert 'get_connection("airflow_api")' in (REPO / "dags" / "api_dag.py").read_text()
    conn = settings_connection("airflow_api")
    # In the Astro CLI's local Airflow 3 the api-server is the service `api-server`, port 8080.
    assert (conn["conn_type"], conn["conn_schema"], conn["conn_host"], conn["conn_port"]) == \
        ("http", "http", "api-server", 8080)
    assert (conn["conn_login"], conn["conn_password"]) == ("admin", "admin")


def dockerfile_env(name: str) -> str:
    """The value the Dockerfile's `ENV name=...` gives, in an image where `name` was not set before
    (Docker's ${name:+...} then adds nothing)."""
    line = next(line for line in (REPO / "Dockerfile").read_text().splitlines() if line.startswith(f"ENV {name}="))
    return re.sub(r"\$\{\w+:\+[^}]*\}\}?", "", line.split("=", 1)[1])


def test_dockerfile_env_reads_the_value_docker_gives():
    assert dockerfile_env("PYTHONPATH") == "/usr/local/airflow"


def test_dags_load_as_in_the_astro_image(tmp_path):
    """The build context, copied to /usr/local/airflow as the image does, with the connection of
    airflow_settings.yaml: every DAG file loads, and api_dag finds the API where Astro serves it."""
    home = tmp_path / ASTRO_HOME
    copied = build_context(home)
    assert all(not p.startswith(("notebooks/", "postman/", "tests/")) for p in copied)
    conn = settings_connection("airflow_api")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update({
        "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_AIRFLOW_API": json.dumps({
            "conn_type": conn["conn_type"], "host": conn["conn_host"], "port": conn["conn_port"],
            "schema": conn["conn_schema"], "login": conn["conn_login"], "password": conn["conn_password"]}),
        # The Dockerfile's ENV PYTHONPATH, with the image's AIRFLOW_HOME where the copy is
        "PYTHONPATH": dockerfile_env("PYTHONPATH").replace("/" + ASTRO_HOME, str(home)),
    })
    script = f"""
import json, sys
from pathlib import Path
# Only the copy: not the checkout, which the kit's editable install puts on sys.path.
sys.path = [p for p in sys.path if Path(p or '.').resolve() != Path({str(REPO)!r})]
from airflow.models.connection import Connection
from airflow.models.dagbag import DagBag
bag = DagBag(dag_folder={str(home / 'dags')!r})
conn = Connection.get_connection_from_secrets("airflow_api")
print(json.dumps({{"errors": {{k: str(v) for k, v in bag.import_errors.items()}},
                  "dags": {{d: Path(dag.fileloc).name for d, dag in bag.dags.items()}},
                  "base": f"{{conn.schema or 'http'}}://{{conn.host}}:{{conn.port}}",
                  "modules": sorted(m.__file__ for n, m in sys.modules.items()
                                    if n.split(".")[0] in ("include", "plugins") and getattr(m, "__file__", None))}}))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == {}
    assert {p.name for p in (REPO / "dags").glob("*.py")} == set(result["dags"].values())
    assert {"api_dag", "dependent_dag", "random_failures"} <= set(result["dags"])
    assert result["base"] == "http://api-server:8080"  # how api_dag builds the API address
    assert all(Path(m).is_relative_to(home) for m in result["modules"]), result["modules"]

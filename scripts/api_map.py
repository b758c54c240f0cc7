"""`make api-map`: docs/api-map.md, one row per operation of the kit's Airflow 3 REST API (the pinned document in
specs/, which tests/test_openapi_specs.py proves is what the server serves), with every way the kit shows to make
it, each read from its own source, never written by hand:

    lesson and cell      the notebooks' calls, with their cell ids, as the Postman builder reads them
    Postman request      the request the builder makes of each call (folder · name)
    Python client        apache-airflow-client: each API class's methods, the path and method each one sends
    airflowctl           apache-airflow-ctl: the commands its parser has, and the path each one's operation sends
    MCP tool             astro-airflow-mcp (in .venv-mcp): the REST calls each tool's code makes, read from it
    TypeScript           the openapi-fetch call of every path; those clients/typescript/src makes, marked

and, apart, one row per operation of the FAB auth manager's own API (lesson 71), from the document its provider
ships (in .venv-fab, `make airflow AUTH=fab`), with its lesson cell and Postman request.

`--check` only compares (exit 1 when docs/api-map.md is not what the sources make); tests/test_api_map.py
runs it and checks that every entry names something that exists."""
from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

import yaml

from postman.build_collection import build_folder, load_folders, pair
from postman.folder_scripts import read_snippets
from postman.operations import operation_of, request_operation, spec_operations
from scripts.specs import spec_path
from stacks.paths import REPO
from stacks.stack import airflow_version_pinned

MAP = REPO / "docs" / "api-map.md"
MCP_PYTHON = REPO / ".venv-mcp" / "bin" / "python"
FAB_DOCUMENT = "airflow/providers/fab/auth_manager/api_fastapi/openapi/v2-fab-auth-manager-generated.yaml"
TYPESCRIPT = REPO / "clients" / "typescript" / "src"
API = "/api/v2"


@dataclass
class Lesson:
    notebook: str  # notebooks/NN_name.ipynb
    cell_id: str
    folder: str  # the Postman folder and request made of the call
    request: str


@dataclass
class Row:
    operation: str  # "GET /api/v2/dags/{dag_id}"
    tag: str
    lessons: list[Lesson] = field(default_factory=list)
    client: list[str] = field(default_factory=list)  # "DAGApi.get_dag"
    airflowctl: list[str] = field(default_factory=list)  # "dags get"
    mcp: list[str] = field(default_factory=list)  # tool names
    typescript: list[str] = field(default_factory=list)  # the files of clients/typescript/src that call it


@cache
def operations() -> dict[str, str]:
    """The operations of the kit's Airflow 3, from its pinned OpenAPI document: "METHOD /api/v2/..." -> tag."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: 0.3 s, not 2.5
    return spec_operations(yaml.load(spec_path(airflow_version_pinned("3")).read_text(), Loader=loader))


@cache
def fab_operations() -> dict[str, str]:
    """The operations of the FAB auth manager's API, from the document apache-airflow-providers-fab ships (its
    paths written in full, /auth/...), in .venv-fab: "METHOD /auth/..." -> tag."""
    found = sorted(REPO.glob(f".venv-fab/lib/python3*/site-packages/{FAB_DOCUMENT}"))
    if not found:
        raise SystemExit("The FAB provider is not installed in .venv-fab: make .venv-fab/.kit-lock (make api-map "
                         "does it), then again.")
    return spec_operations(yaml.safe_load(found[0].read_text()))


def fab_version() -> str:
    for line in (REPO / "requirements" / "fab.in").read_text().splitlines():
        if line.startswith("apache-airflow-providers-fab=="):
            return line.split("==", 1)[1].strip()
    raise RuntimeError("requirements/fab.in pins no apache-airflow-providers-fab version")


# --- the lessons and the Postman collection ------------------------------------------------------------
def lessons(ops: list[str]) -> dict[str, list[Lesson]]:
    """Each notebook call with its cell id and the request the Postman builder makes of it, by operation."""
    found: dict[str, list[Lesson]] = {}
    shared = read_snippets(REPO / "postman" / "scripts" / "snippets.js")
    for nb, fs in load_folders():
        folder = build_folder(nb, fs, shared)
        for (call, _), item in zip(pair(nb, fs), folder["item"]):
            op = request_operation(item["request"], ops)
            if op:
                found.setdefault(op, []).append(
                    Lesson(f"notebooks/{nb.path.name}", call.cell_id, folder["name"], item["name"]))
    return found


# --- apache-airflow-client -----------------------------------------------------------------------------
class _Recorder:
    """Stands for the client's ApiClient: keeps what a method's request serializer would send."""

    sent: tuple[str, str] | None = None

    def param_serialize(self, method, resource_path, **_):
        self.sent = (method, resource_path)

    def __getattr__(self, name):  # select_header_accept and the like: not what is sent where
        return lambda *args, **kwargs: None


def client_methods() -> dict[str, list[str]]:
    """Every API method of the Python client ("DAGApi.get_dag") by the operation its request serializer
    (`_get_dag_serialize`) sends: each one called with a recorder in place of the HTTP client."""
    import airflow_client.client.api as api

    found: dict[str, list[str]] = {}
    for class_name, cls in inspect.getmembers(api, inspect.isclass):
        recorder = _Recorder()
        instance = cls(api_client=recorder)
        for name, _ in inspect.getmembers(cls, inspect.isfunction):
            serializer = getattr(instance, f"_{name}_serialize", None)
            if name.startswith("_") or serializer is None:
                continue
            serializer(**{p: None for p in inspect.signature(serializer).parameters})
            method, path = recorder.sent
            found.setdefault(f"{method} {path}", []).append(f"{class_name}.{name}")
    return found


# --- airflowctl ------------------------------------------------------------------------------------------
VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE"}


def template(node: ast.AST, names: dict[str, ast.AST]) -> str | None:
    """A path as the code writes it, its f-string fields as {name}; a name assigned in the function, resolved."""
    if isinstance(node, ast.Name) and node.id in names:
        node = names[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
                       for part in node.values)
    return None


def assignments(function: ast.FunctionDef) -> dict[str, ast.AST]:
    return {target.id: node.value for node in ast.walk(function) if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def ctl_operation_requests(source: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """airflowctl's operations module: (class, method) -> the (METHOD, path) each method sends
    (`self.client.get(path)`, or `execute_list(path=...)`, which reads every page with GET)."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for cls in ast.parse(source).body:
        if not isinstance(cls, ast.ClassDef):
            continue
        for function in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
            names = assignments(function)
            for node in ast.walk(function):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                attr, owner = node.func.attr, node.func.value
                if attr in VERBS and isinstance(owner, ast.Attribute) and owner.attr == "client" and node.args:
                    sent = (VERBS[attr], template(node.args[0], names))
                elif attr == "execute_list":
                    sent = ("GET", template(next(k.value for k in node.keywords if k.arg == "path"), names))
                else:
                    continue
                found.setdefault((cls.name, function.name), []).append(sent)
    return found


def ctl_commands() -> list[tuple[str, str]]:
    """Every command of airflowctl's parser ("dags get", "version") with its function: the operations
    method it is made from (`DagsOperations.get`, airflowctl's CommandFactory: one command per method), or
    the module function a hand-written command runs (`airflowctl.ctl.commands.dag_command.pause`)."""
    from airflowctl.ctl import cli_parser

    def walk(parser: argparse.ArgumentParser, words: list[str]):
        subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subparsers:
            yield " ".join(words), parser.get_default("func")
        for action in subparsers:
            for name, sub in action.choices.items():
                yield from walk(sub, [*words, name])

    return list(walk(cli_parser.get_parser(), []))


def ctl_commands_by_operation(ops: list[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """airflowctl's commands by the operation they send; and the commands whose request is no operation."""
    import airflowctl.api.client as client_module
    import airflowctl.api.operations as operations_module

    sends = ctl_operation_requests(inspect.getsource(operations_module))
    # Client's properties: `dags` -> DagsOperations (what `api_client.dags.update(...)` calls)
    properties = {f.name: f.body[-1].value.func.id for f in ast.walk(ast.parse(inspect.getsource(client_module)))
                  if isinstance(f, ast.FunctionDef) and isinstance(f.body[-1], ast.Return)
                  and isinstance(f.body[-1].value, ast.Call) and isinstance(f.body[-1].value.func, ast.Name)
                  and f.body[-1].value.func.id.endswith("Operations")}
    found: dict[str, list[str]] = {}
    stray: dict[str, str] = {}
    for command, func in ctl_commands():
        made_of = []
        if isinstance(func, partial) and "api_operation" in func.keywords:  # CommandFactory's, of a method
            operation = func.keywords["api_operation"]
            made_of = [(operation["parent"].name, operation["name"])]
        elif func and "import_path" in inspect.getclosurevars(func).nonlocals:  # a hand-written command
            module_name, _, function_name = inspect.getclosurevars(func).nonlocals["import_path"].rpartition(".")
            tree = ast.parse(inspect.getsource(__import__(module_name, fromlist=["_"])))
            function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function_name)
            made_of = [(properties[c.func.value.attr], c.func.attr) for c in ast.walk(function)
                       if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
                       and isinstance(c.func.value, ast.Attribute) and c.func.value.attr in properties]
        for method, path in (sent for key in made_of for sent in sends.get(key, [])):
            op = operation_of(method, API + "/" + path.lstrip("/"), ops)
            if op:
                found.setdefault(op, []).append(command)
            else:
                stray[command] = f"{method} {path}"
    return {op: sorted(set(commands)) for op, commands in found.items()}, stray


# --- astro-airflow-mcp ---------------------------------------------------------------------------------
HTTP = {"_call": "GET", "_post": "POST", "_patch": "PATCH", "_delete": "DELETE", "_put": "PUT"}
LIST_TOOLS = """
import asyncio, json, os, astro_airflow_mcp
from astro_airflow_mcp.server import mcp
tools = asyncio.run(mcp.list_tools())
print(json.dumps({"package": os.path.dirname(astro_airflow_mcp.__file__), "tools": sorted(t.name for t in tools)}))
"""


def mcp_server() -> dict:
    """The MCP server's tool list (as it gives it to a client) and where its package is, from .venv-mcp."""
    if not MCP_PYTHON.exists():
        raise SystemExit(f"{MCP_PYTHON.relative_to(REPO)} is missing: `make mcp` installs the MCP server")
    with tempfile.TemporaryDirectory() as home:  # it would keep an id in ~/.astro without these settings
        env = {**os.environ, "HOME": home, "AF_TELEMETRY_DISABLED": "1"}
        out = subprocess.run([str(MCP_PYTHON), "-c", LIST_TOOLS], capture_output=True, text=True, env=env,
                             cwd=home, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def functions(path: Path) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef)}


def adapter_requests(package: Path) -> dict[str, set[tuple[str, str]]]:
    """The Airflow 3 adapter's methods: name -> the (METHOD, path) it sends, through the methods it calls too."""
    methods = functions(package / "adapters" / "base.py") | functions(package / "adapters" / "airflow_v3.py")
    direct: dict[str, set] = {}
    calls: dict[str, set] = {}
    for name, function in methods.items():
        names = assignments(function)
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name) and node.func.value.id == "self":
                attr = node.func.attr
                if attr in HTTP and node.args:
                    direct.setdefault(name, set()).add((HTTP[attr], template(node.args[0], names)))
                elif attr == "raw_request" and len(node.args) > 1:
                    direct.setdefault(name, set()).add((node.args[0].value, template(node.args[1], names)))
                elif attr in methods:
                    calls.setdefault(name, set()).add(attr)
    return {name: reach(name, direct, calls) for name in methods}


def reach(start: str, direct: dict[str, set], calls: dict[str, set]) -> set:
    """What `start` sends, and every function it calls, transitively."""
    seen, todo, found = set(), [start], set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            found |= direct.get(name, set())
            todo += calls.get(name, set())
    return found


def mcp_tool_operations(ops: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Each MCP tool -> the operations its code sends (the tool's function, the functions of tools/ it calls,
    and the adapter methods they call, read from the installed package's source); and the tool list."""
    server = mcp_server()
    package = Path(server["package"])
    adapter = adapter_requests(package)
    code: dict[str, ast.FunctionDef] = {}
    tools = set()
    for path in sorted((package / "tools").glob("*.py")):
        for name, function in functions(path).items():
            code[name] = function
            if any(isinstance(d, ast.Call) and ast.unparse(d.func) == "mcp.tool" for d in function.decorator_list):
                tools.add(name)
    direct: dict[str, set] = {}
    calls: dict[str, set] = {}
    for name, function in code.items():
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in code:
                calls.setdefault(name, set()).add(node.func.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in adapter:
                direct.setdefault(name, set()).update(adapter[node.func.attr])
    found = {}
    for tool in sorted(tools):
        sent = {operation_of(method, API + "/" + path.lstrip("/"), ops) for method, path in reach(tool, direct, calls)}
        found[tool] = sorted(sent - {None})
    return found, server["tools"]


# --- TypeScript ----------------------------------------------------------------------------------------
TS_CALL = re.compile(r"\.(GET|POST|PUT|PATCH|DELETE)\(\s*\"(/api/[^\"]+)\"")


def typescript_calls() -> dict[str, list[str]]:
    """The openapi-fetch calls clients/typescript/src makes (`airflow.GET("/api/v2/...")`), by operation."""
    found: dict[str, list[str]] = {}
    for path in sorted(TYPESCRIPT.glob("*.ts")):
        if path.name.endswith(".d.ts"):  # the generated types
            continue
        for method, api_path in TS_CALL.findall(path.read_text()):
            found.setdefault(f"{method} {api_path}", []).append(path.relative_to(REPO).as_posix())
    return found


def ts_call(operation: str) -> str:
    method, path = operation.split(" ", 1)
    return f'client.{method}("{path}")'


# --- the map -----------------------------------------------------------------------------------------------
@dataclass
class ApiMap:
    rows: list[Row]
    mcp_tools: dict[str, list[str]]  # every tool -> the operations it sends
    tool_list: list[str]  # the server's tool list
    ctl_stray: dict[str, str]  # airflowctl commands whose request is no operation of the API
    fab_rows: list[Row]  # the FAB auth manager's API: operation, tag, lessons


def build() -> ApiMap:
    spec, fab = operations(), fab_operations()
    ops = list(spec)
    by_lesson, by_client, by_ts = lessons([*ops, *fab]), client_methods(), typescript_calls()
    by_ctl, ctl_stray = ctl_commands_by_operation(ops)
    tools, tool_list = mcp_tool_operations(ops)
    rows = []
    for op, tag in spec.items():
        rows.append(Row(op, tag, by_lesson.get(op, []), sorted(by_client.get(op, [])), by_ctl.get(op, []),
                        sorted(t for t, sent in tools.items() if op in sent), sorted(set(by_ts.get(op, [])))))
    rows.sort(key=lambda r: (r.tag, r.operation.split(" ", 1)[1], r.operation))
    fab_rows = sorted((Row(op, tag, by_lesson.get(op, [])) for op, tag in fab.items()),
                      key=lambda r: (r.operation.split(" ", 1)[1], r.operation))
    return ApiMap(rows, tools, tool_list, ctl_stray, fab_rows)


def code(text: str) -> str:
    return f"`{text}`"


def lesson_cells(row: Row) -> tuple[str, str]:
    """A row's lesson cells and Postman requests, as the map shows them."""
    lessons_ = "<br>".join(f"[{Path(lesson.notebook).stem}](../{lesson.notebook}) {code(lesson.cell_id)}"
                           for lesson in row.lessons)
    postman = "<br>".join(f"{lesson.folder.split(' · ')[0]} · {lesson.request}" for lesson in row.lessons)
    return lessons_, postman


def render(api: ApiMap) -> str:
    rows, n = api.rows, len(api.rows)
    with_lesson = sum(bool(r.lessons) for r in rows)
    count = {"lesson and cell": with_lesson, "Postman request": with_lesson,
             "Python client": sum(bool(r.client) for r in rows), "airflowctl": sum(bool(r.airflowctl) for r in rows),
             "MCP tool": sum(bool(r.mcp) for r in rows), "TypeScript (types and call)": n,
             "TypeScript, called in clients/typescript/src": sum(bool(r.typescript) for r in rows)}
    version = airflow_version_pinned("3")
    out = [
        "# The API map: every operation, every way to call it",
        "",
        "<!-- Written by `make api-map` (scripts/api_map.py): never edit by hand. tests/test_api_map.py fails",
        "     when it is stale or names something that does not exist. -->",
        "",
        f"One row per operation of Airflow {version}'s REST API ({n} operations, from "
        f"[specs/{spec_path(version).name}](../specs/{spec_path(version).name}), the document the kit's Airflow 3 "
        "serves), with the lesson cell that makes the call (and the Postman request built from it), the method of "
        "Airflow's Python client (`apache-airflow-client`, lesson 60), the `airflowctl` command, the tool of the "
        "MCP server `astro-airflow-mcp` (lesson 63) and the TypeScript call (lesson 62) that send the same request.",
        "",
        "Operations per column:",
        "",
        *[f"- {name}: {value} of {n}" for name, value in count.items()],
        "",
        f"And apart, [the FAB auth manager's API](#the-fab-auth-managers-api): {len(api.fab_rows)} operations, "
        f"{sum(bool(r.lessons) for r in api.fab_rows)} of them with a lesson cell and a Postman request.",
        "",
        "How each column is read:",
        "",
        "- **Lesson · cell**: the notebook and the id of the code cell (the cell's `\"id\"` in the `.ipynb` file) that "
        "makes the call, as the Postman builder reads it; **Postman** is the request it builds of that call "
        "(folder · request). An operation no lesson makes is in [api-exclusions.yml](api-exclusions.yml), with why.",
        "- **Python client**: `Class.method` of `airflow_client.client` whose request serializer sends this method "
        "and path (each also has `_with_http_info` and `_without_preload_content` forms).",
        "- **airflowctl**: `airflowctl GROUP COMMAND`, from the command's operations method (or, for a command "
        "written by hand, the methods it calls) and the path that method sends.",
        "- **MCP tool**: the tools whose code sends this request (the tool's function, the functions it calls "
        "and the Airflow 3 adapter's methods). Every session also signs in (`POST /auth/token`) and asks for "
        "`GET /api/v2/version` once, to pick its adapter.",
        "- **TypeScript**: the [openapi-fetch](https://openapi-ts.dev/openapi-fetch/) call; the types that "
        "`make typescript` generates cover every path. **✓** marks the calls "
        "[clients/typescript/src](../clients/typescript/src) makes.",
        "",
    ]
    for tag in dict.fromkeys(r.tag for r in rows):
        out += [f"## {tag}", "",
                "| operation | lesson · cell | Postman | Python client | airflowctl | MCP tool | TypeScript |",
                "|---|---|---|---|---|---|---|"]
        for r in (r for r in rows if r.tag == tag):
            lessons_, postman = lesson_cells(r)
            ts = code(ts_call(r.operation)) + "".join(
                f" [✓](../{f})" for f in r.typescript)
            cells = [code(r.operation), lessons_, postman, "<br>".join(map(code, r.client)),
                     "<br>".join(code(f"airflowctl {c}") for c in r.airflowctl), "<br>".join(map(code, r.mcp)), ts]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        out.append("")
    out += ["## The FAB auth manager's API", "",
            f"The FAB auth manager's own API (`apache-airflow-providers-fab` {fab_version()}, the document it ships; "
            "served at `/auth/openapi.json` by an Airflow 3 that runs FAB, such as the kit's `make airflow "
            "AUTH=fab`): its sign-in, and users, roles and permissions. Lesson 71 makes every operation. Airflow's "
            "Python client, airflowctl, the MCP server and the TypeScript types are made of the core API only.", "",
            "| operation | lesson · cell | Postman |", "|---|---|---|"]
    for r in api.fab_rows:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in (code(r.operation), *lesson_cells(r))) + " |")
    out.append("")
    out += ["## The MCP tools and the operations each sends", "",
            "| tool | operations |", "|---|---|"]
    for tool, sent in api.mcp_tools.items():
        out.append(f"| {code(tool)} | {'<br>'.join(map(code, sent)) or 'none of the REST API'} |")
    out.append("")
    if api.ctl_stray:
        out += ["## airflowctl commands whose request is no operation of the API", "",
                f"What these commands send is no operation of Airflow {version}'s REST API, so they are in no "
                "row above: `auth login` and `auth token` sign in through the auth manager's own API "
                "(`/auth/token/cli`); the others send a method, a path or a trailing slash that the API's "
                "document does not have.", "", "| command | sends |", "|---|---|"]
        out += [f"| {code('airflowctl ' + c)} | {code(sent)} |" for c, sent in sorted(api.ctl_stray.items())]
        out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    text = render(build())
    if "--check" in argv:
        if not MAP.exists() or MAP.read_text() != text:
            print(f"{MAP.relative_to(REPO)} is out of date: run make api-map", file=sys.stderr)
            return 1
        return 0
    MAP.write_text(text)
    print(f"wrote {MAP.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

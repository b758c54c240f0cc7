"""Builds the Postman collection and its environments from the notebooks and a JavaScript file per folder:

    notebooks/NN_name.ipynb      one folder per notebook, one request per API call of its code, in order:
                                 method, path, query and body as the call makes them (notebook_calls.py),
                                 the description from the markdown that introduces the call
    postman/folders/NN_name.js   what Postman alone needs, a section per call, which names its call
                                 (`@call GET /dags/{dag_id}`): the request's name, test and pre-request
                                 scripts, the collection variables standing for values the notebook gets
                                 when it runs (folder_scripts.py says how the file reads)
    postman/scripts/*.js         the collection-level scripts (auth.js signs every request in, after.js),
                                 and snippets.js, the lines many requests' scripts share

and writes postman/airflow-api-kit.postman_collection.json and postman/environments/*.json.
Run it after editing a notebook's calls or a folder's .js file:  make postman  (python -m postman.build_collection)
`--check` only compares (exit 1 if the committed files are not what the sources make); the tests run it.
Standard library only.
"""
from __future__ import annotations

import ast
import difflib
import json
import re
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

from postman.folder_scripts import FolderScripts, ScriptError, Section, expand, read_folder_scripts, read_snippets
from postman.notebook_calls import OWN_PATHS, PAGE, Bound, Call, Notebook, NotSent, read_notebook

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent / "notebooks"
COLLECTION = HERE / "airflow-api-kit.postman_collection.json"
ENVIRONMENTS = HERE / "environments"
SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
NAMESPACE = uuid.UUID("5b0c8e1e-3f43-4c1e-9d55-a1f10a9a0a11")  # stable ids: the JSON only changes with its sources

DESCRIPTION = """\
The calls of the kit's notebooks (`notebooks/`), one folder per notebook and one request per call, in
the same order, for the Apache Airflow REST API: `/api/v2` on Airflow 3, `/api/v1` on Airflow 2.

**Start:** `make airflow` (a local Airflow 3 at http://127.0.0.1:8080, admin:admin), import this
collection and the environment *Local Airflow 3* (postman/environments/), select the environment and
run the collection, or send the requests one by one, top to bottom: later requests use values that
earlier ones returned (a run id, a failed task), kept in collection variables.

**Signing in** is done by the collection's pre-request script, as the environment's `authMode` says:
`jwt` (Airflow 3: a token from `POST /auth/token`, cached until it expires), `basic` (Airflow 2),
`token` (a hosted deployment's API token), `none` (auth off, the Astro CLI's local Airflow 3), or
`auto` (find out from `/api/v2/version`).

Each request's description is the notebook's text that introduces the call, then what is particular to
Postman (**In Postman:**); its tests check the status and the key fields. Where a notebook reads every
page of a list (`af.table()`), its request asks for the first page of 100. See postman/README.md.
"""

ADMIN = {"username": "admin", "password": ("admin", "secret")}  # the kit's local stacks' login


def environment(name: str, base_url: str, api: str, auth_mode: str, **values) -> dict:
    return {"name": name, "values": {"baseUrl": base_url, "api": api, "authMode": auth_mode, **values}}


ENVS = {
    "local-airflow3": environment("Local Airflow 3 (make airflow)", "http://127.0.0.1:8080", "/api/v2", "jwt", **ADMIN),
    "local-airflow2": environment("Local Airflow 2.11 (make airflow AIRFLOW=2)", "http://127.0.0.1:8082", "/api/v1",
                                  "basic", **ADMIN),
    "local-airflow3-fab": environment("Local Airflow 3 with FAB (make airflow AUTH=fab)", "http://127.0.0.1:8084",
                                      "/api/v2", "jwt", authManager="fab", **ADMIN),
    "astro-local": environment("Astro CLI local Airflow 3 (astro dev start, auth off)", "http://localhost:8080",
                               "/api/v2", "none", **ADMIN),
    "hosted": environment("Hosted deployment (API token)", "https://YOUR-DEPLOYMENT-URL", "/api/v2", "token",
                          token=("PASTE-YOUR-API-TOKEN", "secret"), username="", password=("", "secret")),
}


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


class BuildError(Exception):
    pass


def script(kind: str, lines: list[str]) -> dict:
    """A script in a block of its own: newman runs all scripts in one context, so a top-level
    `const data` in two scripts would collide."""
    block = ["{"] + ["  " + line if line else line for line in lines] + ["}"]
    return {"listen": kind, "script": {"type": "text/javascript", "exec": block}}


def url(path: str, query: dict, under_api: bool | None = None) -> dict:
    """The request's URL: `path` under {{baseUrl}}{{api}}, or under {{baseUrl}} alone when it names its own
    prefix (/api/..., /auth/...: the sign-in API, /openapi.json); `under_api` says which when the call did."""
    if under_api is None:
        under_api = not path.startswith(OWN_PATHS)
    prefix = "{{api}}" if under_api else ""
    segments = [s for s in path.split("/") if s]
    raw = "{{baseUrl}}" + prefix + path
    out = {"raw": raw, "host": ["{{baseUrl}}" + prefix], "path": segments}
    if query:
        out["query"] = [{"key": k, "value": str(v).lower() if isinstance(v, bool) else str(v)}
                        for k, v in query.items()]
        out["raw"] += "?" + "&".join(f"{q['key']}={quote(q['value'], safe='{}')}" for q in out["query"])
    return out


def where_of(lines: list[str], origin: str) -> dict:
    """`@where EXPR = VALUE` lines: the notebook's expression (normalised as ast.unparse writes it), or
    `/segment` of its path -> what the request sends: a JSON value, or else the text as written
    (`{{aVariable}}`, a literal)."""
    found = {}
    for line in lines:
        expr, sep, value = line.partition(" = ")
        if not sep:
            raise BuildError(f"{origin}: `@where {line}` is not `@where EXPR = VALUE`")
        expr = expr.strip()
        if not expr.startswith("/"):  # "/segment": a segment of the call's path, as the notebook writes it
            try:
                expr = ast.unparse(ast.parse(expr, mode="eval").body)
            except SyntaxError:
                raise BuildError(f"{origin}: `@where {line}`: {expr!r} is no Python expression") from None
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = value.strip()
        found[expr] = Bound(value)
    return found


def pairs(lines: list[str], sep: str, origin: str) -> dict:
    found = {}
    for line in lines:
        key, ok, value = line.partition(sep)
        if not ok:
            raise BuildError(f"{origin}: {line!r} is not key{sep}value")
        found[key.strip()] = value.strip()
    return found


def describe(code: str) -> str:
    return f"`{code.splitlines()[0]}{' ...' if len(code.splitlines()) > 1 else ''}`"


def where_in(nb: Notebook, cell: int, cell_id: str, code: str) -> str:
    return f"notebooks/{nb.path.name}, cell {cell + 1} (id {cell_id}): {describe(code)}"


def pair(nb: Notebook, fs: FolderScripts) -> list[tuple[Call, Section]]:
    """Each call of the notebook with the section that names it (`@call`), in the notebook's order; a
    BuildError that lists every call and section without its partner, and every call it cannot read."""
    js = f"postman/folders/{fs.path.name}"
    problems = [f"{where_in(nb, u.cell, u.cell_id, u.source)}: the builder cannot read this call: {u.why}. Write it "
                "as the others are, e.g. af.get(f\"/dags/{dag_id}\"), or make it with requests outside af"
                for u in nb.unreadable]
    calls: dict[str, list[Call]] = {}
    for call in nb.calls:
        calls.setdefault(call.key, []).append(call)
    for key, same in calls.items():
        if len(same) > 1:
            problems.append(f"notebooks/{nb.path.name} makes `{key}` {len(same)} times in cell {same[0].cell + 1} "
                            f"(id {same[0].cell_id}), and its sections cannot tell them apart: store each answer "
                            "in a name of its own (`as NAME`), or make them in cells of their own")
    sections: dict[str, list[Section]] = {}
    for section in fs.sections:
        if len(section.tag("call")) != 1:
            problems.append(f"{js}:{section.line}, {section.name!r}: one `@call METHOD PATH` tag names the "
                            f"notebook's call it belongs to ({len(section.tag('call'))} here)")
        else:
            sections.setdefault(section.call, []).append(section)
    for key, same in sections.items():
        call = calls.get(key, [None])[0]
        if len(same) > 1:
            lines = " and ".join(f"{s.name!r} (line {s.line})" for s in same)
            problems.append(f"{js}: {lines} name the same call `{key}`"
                            + (f", {where_in(nb, call.cell, call.cell_id, call.source)}" if call else "")
                            + ": one section per call")
        if call is None:
            close = difflib.get_close_matches(key, list(calls), n=1, cutoff=0.6)
            problems.append(f"{js}:{same[0].line}, {same[0].name!r}: `@call {key}` names no call of notebooks/"
                            f"{nb.path.name}" + (f" (did you mean `{close[0]}`?)" if close else "")
                            + ": remove the section, or name the call as the notebook makes it")
    for call in nb.calls:
        if call.key not in sections:
            problems.append(f"{where_in(nb, call.cell, call.cell_id, call.source)} has no section in {js}: add one "
                            f"with `@call {call.key}`")
    if problems:
        raise BuildError(f"notebooks/{nb.path.name} and {js} do not pair (one section per call, "
                         "CONTRIBUTING.md):\n  " + "\n  ".join(problems))
    return [(call, sections[call.key][0]) for call in nb.calls]


def item(folder: str, nb: Notebook, fs: FolderScripts, call: Call, section, snippets: dict) -> dict:
    origin = f"postman/folders/{fs.path.name}, {section.name!r}"
    where = where_of(fs.tag("where"), f"postman/folders/{fs.path.name}") | where_of(section.tag("where"), origin)
    try:
        r = call.request(where)
    except NotSent as e:
        raise BuildError(
            f"{where_in(nb, call.cell, call.cell_id, call.source)}: `{e.expr}` is known only when the "
            f"notebook runs: in {origin}, say what the request sends instead, e.g. "
            f"`@where {e.expr} = {{{{aVariable}}}}` (a collection variable a test script sets)") from None
    query = r["query"] | pairs(section.tag("query"), "=", origin) | (PAGE if r["paged"] else {})
    headers = r["headers"] | pairs(section.tag("header"), ":", origin)
    req = {"method": r["method"], "header": [{"key": k, "value": v} for k, v in headers.items()],
           "url": url(r["path"], query, r["under_api"]), "description": description(nb, call, section)}
    if r["body"] is not None:
        if not any(h["key"].lower() == "content-type" for h in req["header"]):
            req["header"].append({"key": "Content-Type", "value": "application/json"})
        req["body"] = {"mode": "raw", "raw": json.dumps(r["body"], indent=2), "options": {"raw": {"language": "json"}}}
    codes = (section.tag("status") or fs.tag("status") or ["none"])[0].split()  # the section's, or the folder's
    status = [] if codes == ["none"] else [f"status({', '.join(codes)});"]
    if not status and section.test is None:
        raise BuildError(f"{origin}: no `@status` and no `test: {{ ... }}` block (every request checks its answer)")
    airflow3 = ["airflow3Only();"] if section.tag("airflow3") or fs.tag("airflow3") else []
    try:
        pre = expand(airflow3 + (section.pre or []), snippets)
        tests = expand(status + (section.test or []), snippets)
    except ScriptError as e:
        raise BuildError(f"{origin}: {e}") from None
    # A request whose saved token Airflow refused is sent again by after.js: its tests wait for that.
    tests = ["if (pm.collectionVariables.get('kitResend') !== pm.info.requestId) {"] + \
        ["  " + line if line else line for line in tests] + ["}"]
    events = ([script("prerequest", pre)] if pre else []) + [script("test", tests)]
    return {"name": section.name, "id": stable_id(folder, section.name), "event": events, "request": req}


def description(nb: Notebook, call: Call, section) -> str:
    """The markdown that introduces the call in the notebook, then the section's note for Postman."""
    text = nb.introduction(call)
    if section.note:
        text += "\n\n**In Postman:** " + section.note
    return text


def load_folders() -> list[tuple[Notebook, FolderScripts]]:
    found = []
    scripts = {p.stem: p for p in sorted((HERE / "folders").glob("[0-9][0-9]_*.js"))}
    notebooks = {p.stem: p for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))}
    if set(scripts) != set(notebooks):
        raise BuildError("one postman/folders/NN_name.js per notebooks/NN_name.ipynb: "
                         f"notebooks without one: {sorted(set(notebooks) - set(scripts))}, "
                         f".js files without a notebook: {sorted(set(scripts) - set(notebooks))}")
    for stem in sorted(notebooks):
        try:
            found.append((read_notebook(notebooks[stem]), read_folder_scripts(scripts[stem])))
        except ScriptError as e:
            raise BuildError(str(e)) from None
    return found


def build_folder(nb: Notebook, fs: FolderScripts, shared: dict) -> dict:
    paired = pair(nb, fs)
    snippets = shared | fs.snippets
    name = nb.title  # the folder's description: the notebook's overview, the .js file's note for Postman
    description = "\n\n".join(p for p in (nb.overview, fs.note, f"Notebook: `notebooks/{nb.path.name}`") if p)
    return {"name": name, "id": stable_id(name), "description": description,
            "item": [item(name, nb, fs, call, section, snippets) for call, section in paired]}


def collection_variables(folders: list[FolderScripts], scripts: list[str]) -> list[dict]:
    """Every variable a script sets, declared (empty) so Postman lists them; `api` defaults to v2, and a
    folder's `@variable name = default` lines declare theirs first (a default, until a script sets it)."""
    defaults = {"api": "/api/v2"}
    for fs in folders:
        for line in fs.tag("variable"):
            key, _, value = line.partition("=")
            defaults[key.strip()] = value.strip()
    names = list(defaults)
    for text in scripts:
        for name in re.findall(r"collectionVariables\.set\(\s*'([A-Za-z_]\w*)'", text):
            if name not in names:
                names.append(name)
    return [{"key": n, "value": defaults.get(n, "")} for n in names]


def build_collection() -> dict:
    shared = read_snippets(HERE / "scripts" / "snippets.js")
    sources = load_folders()
    items = [build_folder(nb, fs, shared) for nb, fs in sources]
    auth = (HERE / "scripts" / "auth.js").read_text().rstrip("\n").split("\n")
    after = (HERE / "scripts" / "after.js").read_text().rstrip("\n").split("\n")
    texts = ["\n".join(auth), "\n".join(after)] + [
        "\n".join(line for e in r["event"] for line in e["script"]["exec"]) for f in items for r in f["item"]]
    return {
        "info": {"_postman_id": stable_id("collection"), "name": "airflow-api-kit",
                 "description": DESCRIPTION, "schema": SCHEMA},
        "item": items,
        "event": [script("prerequest", auth), script("test", after)],
        "variable": collection_variables([fs for _, fs in sources], texts),
    }


def build_environment(key: str, spec: dict) -> dict:
    values = []
    for name, value in spec["values"].items():
        value, kind = value if isinstance(value, tuple) else (value, "default")
        values.append({"key": name, "value": value, "type": kind, "enabled": True})
    return {"id": stable_id("environment", key), "name": spec["name"], "values": values,
            "_postman_variable_scope": "environment"}


def outputs() -> dict[Path, str]:
    files = {COLLECTION: build_collection()}
    for key, spec in ENVS.items():
        files[ENVIRONMENTS / f"{key}.postman_environment.json"] = build_environment(key, spec)
    return {path: json.dumps(data, indent=2, ensure_ascii=False) + "\n" for path, data in files.items()}


def main(argv: list[str]) -> int:
    stale = []
    try:
        files = outputs()
    except BuildError as e:
        print(f"build_collection.py: {e}", file=sys.stderr)
        return 2
    for path, text in files.items():
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(path.relative_to(HERE.parent))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run make postman, or python -m postman.build_collection):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

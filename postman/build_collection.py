#!/usr/bin/env python3
"""Builds the Postman collection and its environments from readable sources:

    postman/folders/NN_name.py   one per notebook: its folder, one request per notebook call, in order
    postman/scripts/*.js         the collection-level scripts (auth.js signs every request in)

and writes postman/airflow-api-kit.postman_collection.json and postman/environments/*.json.
Run it after editing a folder:  python3 postman/build_collection.py
`--check` only compares (exit 1 if the committed files are not what the sources make); the tests run it.
Standard library only.
"""
from __future__ import annotations

import json
import re
import runpy
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
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

Each request's description says what it does and what to change; its tests check the status and the
key fields. See postman/README.md.
"""

ENVS = {
    "local-airflow3": {
        "name": "Local Airflow 3 (make airflow)",
        "values": {"baseUrl": "http://127.0.0.1:8080", "api": "/api/v2", "authMode": "jwt",
                   "username": "admin", "password": ("admin", "secret")},
    },
    "local-airflow2": {
        "name": "Local Airflow 2.11 (make airflow AIRFLOW=2)",
        "values": {"baseUrl": "http://127.0.0.1:8082", "api": "/api/v1", "authMode": "basic",
                   "username": "admin", "password": ("admin", "secret")},
    },
    "astro-local": {
        "name": "Astro CLI local Airflow 3 (astro dev start, auth off)",
        "values": {"baseUrl": "http://localhost:8080", "api": "/api/v2", "authMode": "none",
                   "username": "admin", "password": ("admin", "secret")},
    },
    "hosted": {
        "name": "Hosted deployment (API token)",
        "values": {"baseUrl": "https://YOUR-DEPLOYMENT-URL", "api": "/api/v2", "authMode": "token",
                   "token": ("PASTE-YOUR-API-TOKEN", "secret"), "username": "", "password": ("", "secret")},
    },
}


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def load_folders() -> list[dict]:
    sys.path.insert(0, str(HERE / "folders"))
    try:
        return [runpy.run_path(str(p))["FOLDER"] for p in sorted((HERE / "folders").glob("[0-9][0-9]_*.py"))]
    finally:
        sys.path.remove(str(HERE / "folders"))


def script(kind: str, lines: list[str]) -> dict:
    """A script in a block of its own: newman runs all scripts in one context, so a top-level
    `const data` in two scripts would collide."""
    block = ["{"] + ["  " + line if line else line for line in lines] + ["}"]
    return {"listen": kind, "script": {"type": "text/javascript", "exec": block}}


def url(path: str, query: dict) -> dict:
    prefix = "" if path.startswith(("/api/", "/auth/")) else "{{api}}"
    segments = [s for s in path.split("/") if s]
    raw = "{{baseUrl}}" + prefix + path
    out = {"raw": raw, "host": ["{{baseUrl}}" + prefix], "path": segments}
    if query:
        out["query"] = [{"key": k, "value": str(v).lower() if isinstance(v, bool) else str(v)}
                        for k, v in query.items()]
        out["raw"] += "?" + "&".join(f"{q['key']}={quote(q['value'], safe='{}')}" for q in out["query"])
    return out


def item(folder: dict, r: dict) -> dict:
    from common import body_json  # noqa: E402  (folders/ is on sys.path while building)

    req = {"method": r["method"], "header": [{"key": k, "value": v} for k, v in r["headers"].items()],
           "url": url(r["path"], r["query"]), "description": r["description"]}
    if r["body"] is not None:
        if not any(h["key"].lower() == "content-type" for h in req["header"]):
            req["header"].append({"key": "Content-Type", "value": "application/json"})
        req["body"] = {"mode": "raw", "raw": body_json(r["body"]), "options": {"raw": {"language": "json"}}}
    # A request whose saved token Airflow refused is sent again by after.js: its tests wait for that.
    tests = ["if (pm.collectionVariables.get('kitResend') !== pm.info.requestId) {"] + \
        ["  " + line if line else line for line in r["tests"]] + ["}"]
    events = ([script("prerequest", r["pre"])] if r["pre"] else []) + [script("test", tests)]
    return {"name": r["name"], "id": stable_id(folder["name"], r["name"]), "event": events, "request": req}


def collection_variables(folders: list[dict], scripts: list[str]) -> list[dict]:
    """Every variable a script sets, declared (empty) so Postman lists them; `api` defaults to v2."""
    defaults = {"api": "/api/v2"}
    for folder in folders:  # a folder's "variables": names, or names with default values
        found = folder.get("variables", {})
        defaults.update(found if isinstance(found, dict) else dict.fromkeys(found, ""))
    names = list(defaults)
    texts = scripts + [line for f in folders for r in f["requests"] for line in r["pre"] + r["tests"]]
    for text in texts:
        for name in re.findall(r"collectionVariables\.set\(\s*'([A-Za-z_]\w*)'", text):
            if name not in names:
                names.append(name)
    return [{"key": n, "value": defaults.get(n, "")} for n in names]


def build_collection() -> dict:
    folders = load_folders()
    sys.path.insert(0, str(HERE / "folders"))
    try:
        items = [{"name": f["name"], "id": stable_id(f["name"]),
                  "description": f["description"].strip() + f"\n\nNotebook: `notebooks/{f['notebook']}`",
                  "item": [item(f, r) for r in f["requests"]]} for f in folders]
    finally:
        sys.path.remove(str(HERE / "folders"))
    auth = (HERE / "scripts" / "auth.js").read_text().rstrip("\n").split("\n")
    after = (HERE / "scripts" / "after.js").read_text().rstrip("\n").split("\n")
    return {
        "info": {"_postman_id": stable_id("collection"), "name": "airflow-api-kit",
                 "description": DESCRIPTION, "schema": SCHEMA},
        "item": items,
        "event": [script("prerequest", auth), script("test", after)],
        "variable": collection_variables(folders, ["\n".join(auth), "\n".join(after)]),
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
    for path, text in outputs().items():
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(path.relative_to(HERE.parent))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run python3 postman/build_collection.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

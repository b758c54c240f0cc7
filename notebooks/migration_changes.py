"""Lesson 90's table: every change from Airflow 2's `/api/v1` to Airflow 3's `/api/v2` that the kit's
lessons meet, each one proven against the two running servers.

`changes_proven_on_both_servers()` reads the two servers' OpenAPI documents and the answers lesson 90
saw (the webinar's calls on both servers). Each row of the table comes with the proof that it holds:
a row that does not hold stops the lesson, naming the change. So the table cannot drift from the servers.

What the servers cannot prove is when Airflow 3 added a name: the kit runs Airflow 3.3 only. A name added
after 3.0 carries its release in brackets, from `SINCE` (read from the OpenAPI documents of the releases).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

# The lessons the table names, by number: a number whose lesson is gone stops the table.
LESSONS = {path.stem[:2]: path.stem for path in Path(__file__).parent.glob("[0-9][0-9]_*.ipynb")}

# The Airflow 3 release that added a name the table shows, where that is later than 3.0 (paths without
# /api/v2; `note` as a key of the body that clears a run).
SINCE = {
    "run_id_pattern": "3.1", "react_apps": "3.1", "external_views": "3.1", "run_on_latest_version": "3.1",
    "asset_materialization": "3.2", "runtime varying value": "3.2",
    "next_cursor": "3.2.2", "previous_cursor": "3.2.2", "only_new": "3.2.2", "dag_id_prefix_pattern": "3.2.2",
    "note": "3.3", "/connections/enqueue-test": "3.3", "total_entries_limit": "3.3.2",
}
RUN = "/dags/{dag_id}/dagRuns/{dag_run_id}"  # written `...` in the table
TI = RUN + "/taskInstances/{task_id}"
XCOM = TI + "/xcomEntries/{xcom_key}"
VERBS = ("get", "post", "put", "patch", "delete")


def changes_proven_on_both_servers(v1: dict, v2: dict, *, five_on_airflow3, basic_on_v2, token, old_clear_on_v2,
                                   cleared_on_2: dict, cleared_on_3: dict, run_on_2: str, run_on_3: str):
    """The table of changes, once every row is proven. `v1`, `v2`: the OpenAPI documents of Airflow 2.11
    and Airflow 3; the rest, what lesson 90 saw: the answers of Airflow 3 to the webinar's five calls, to
    Basic auth on /api/v2, to POST /auth/token and to the webinar's clear body on /api/v2, the answers
    of both servers to clearTaskInstances, and the ids of the two runs."""
    V1, V2 = v1["servers"][0]["url"], "/api/v2"
    paths1, paths2 = v1["paths"], {p.removeprefix(V2): ops for p, ops in v2["paths"].items()}
    schemas1, schemas2 = v1["components"]["schemas"], v2["components"]["schemas"]

    def fields(schemas, name):
        """The property names of a schema, following allOf."""
        found, parts = set(), [schemas[name]]
        while parts:
            part = parts.pop()
            parts += [schemas[p["$ref"].split("/")[-1]] if "$ref" in p else p for p in part.get("allOf", [])]
            found |= set(part.get("properties", {}))
        return found

    def f1(name):
        return fields(schemas1, name)

    def f2(name):
        return fields(schemas2, name)

    def params(spec, paths, path, method="get"):
        """The query parameter names of `method path`, following $ref."""
        refs = spec.get("components", {}).get("parameters", {})
        return {(refs[p["$ref"].split("/")[-1]] if "$ref" in p else p)["name"]
                for p in paths[path][method]["parameters"]}

    def p1(path, method="get"):
        return params(v1, paths1, path, method)

    def p2(path, method="get"):
        return params(v2, paths2, path, method)

    def verbs(paths, path, but=()):
        """The HTTP methods of `path`, upper case, but those in `but`."""
        return sorted(m.upper() for m in paths.get(path, {}) if m in VERBS and m not in but)

    def new_calls(calls):
        """Calls Airflow 3 has and Airflow 2.11 lacks."""
        return all(m.lower() in paths2.get(p, {}) and m.lower() not in paths1.get(p, {}) for m, p in calls)

    def with_words(paths, *words, under=""):
        return [p for p in paths if p.startswith(under) and any(w in p for w in words)]

    list_1, list_2 = f1("DAGRunCollection") - {"dag_runs"}, f2("DAGRunCollectionResponse") - {"dag_runs"}
    trigger_2, clear_2 = schemas2["TriggerDAGRunPostBody"], schemas2["ClearTaskInstancesBody"]
    log_1 = paths1[TI + "/logs/{task_try_number}"]["get"]["responses"]["200"]["content"]
    log_2 = schemas2["TaskInstancesLogResponse"]["properties"]["content"]["anyOf"][0]["items"]["$ref"].split("/")[-1]
    token_url = v2["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"]
    xcom_paths = (TI + "/xcomEntries", XCOM)
    stringify = {name: next(p["schema"].get("default") for p in paths[XCOM]["get"]["parameters"]
                            if p.get("name") == "stringify") for name, paths in [("v1", paths1), ("v2", paths2)]}
    xcom_writes = {p.split("{task_id}")[1]: verbs(paths2, p, but=("get",)) for p in xcom_paths}
    ti_state = {p.split("{task_id}")[1]: verbs(paths2, p) for p in paths2 if p.startswith(TI + "/state-store")}
    statuses = [r.status_code for r in five_on_airflow3]
    run_types_1 = set(schemas1["DAGRun"]["properties"]["run_type"]["enum"])
    run_types_2 = set(schemas2["DagRunType"]["enum"])
    runs_by_date = {"logical_date_gte", "logical_date_lte", "run_id_pattern"}
    bulk = ("/variables", "/connections", "/pools")
    update_state = "/dags/{dag_id}/updateTaskInstancesState"
    tis_at_once = [("PATCH", RUN + "/taskInstances"), ("DELETE", TI)]
    external_log = [("GET", TI + "/externalLogUrl/{try_number}")]
    task_group = [("PATCH", RUN + "/taskGroupInstances/{group_id}")]
    runs_at_once = [("POST", "/dags/{dag_id}/clearDagRuns"), ("POST", "/dags/{dag_id}/clearPartitions"),
                    ("PATCH", "/dags/{dag_id}/dagRuns")]
    tags_and_jobs = ["/dagTags", "/jobs"]
    favourites = ["/dags/{dag_id}/favorite", "/dags/{dag_id}/unfavorite", "/plugins/importErrors"]
    patch_dags_1, patch_dags_2 = paths1["/dags"]["patch"], paths2["/dags"]["patch"]
    config = "/config"

    rows = [  # change, Airflow 2.11, Airflow 3, lessons (by number), proof
        ("API prefix", V1, f"{V2}; {V1} answers GET 404, POST 405", "every lesson",
         all(p.startswith(V2 + "/") for p in v2["paths"]) and statuses == [404, 404, 405, 404, 405]),
        ("signing in", "HTTP Basic with every call",
         f"JWT from POST {token_url}, sent as Bearer; Basic answers {basic_on_v2.status_code}", "10 90",
         "Basic" in v1["components"]["securitySchemes"] and basic_on_v2.status_code == 401
         and token.status_code == 201),
        ("trigger a run: body", "execution_date (or logical_date), optional",
         f"{listed(trigger_2['required'])} required (null = now); unknown keys 422", "12 13 20 23 31 90",
         "execution_date" in f1("DAGRun") and trigger_2["required"] == ["logical_date"]
         and trigger_2["additionalProperties"] is False and "execution_date" not in trigger_2["properties"]),
        ("DAG run: fields gone", listed(f1("DAGRun") - f2("DAGRunResponse")), "-", "12 90",
         f1("DAGRun") - f2("DAGRunResponse") == {"execution_date", "external_trigger"}),
        ("DAG run: new fields the kit shows", "-", listed({"run_after", "triggered_by"} & f2("DAGRunResponse")), "90",
         {"run_after", "triggered_by"} <= f2("DAGRunResponse") - f1("DAGRun")),
        ("manual run id", f"manual__<its logical date>: {run_on_2}", f"manual__<time of the trigger>: {run_on_3}", "90",
         run_on_2.startswith("manual__2024-02-03") and "2024-02-03" not in run_on_3),
        ("clearTaskInstances answer", f"references: {listed(f1('TaskInstanceReference'))}",
         f"whole task instances ({len(f2('TaskInstanceResponse'))} fields, logical_date for execution_date)", "20 90",
         "execution_date" in f1("TaskInstanceReference") and "logical_date" in f2("TaskInstanceResponse")
         and "logical_date" in cleared_on_3["task_instances"][0]
         and "execution_date" in cleared_on_2["task_instances"][0]),
        ("list runs by date", listed(p for p in p1("/dags/{dag_id}/dagRuns") if p.startswith("execution_date")),
         listed(runs_by_date & p2("/dags/{dag_id}/dagRuns")), "12 31 90",
         "execution_date_gte" in p1("/dags/{dag_id}/dagRuns")
         and {"logical_date_gte", "run_id_pattern"} <= p2("/dags/{dag_id}/dagRuns") - p1("/dags/{dag_id}/dagRuns")),
        ("health", "/health", "/monitor/health", "10 23",
         "/health" in paths1 and "/monitor/health" in paths2 and "/health" not in paths2),
        ("import errors", "/importErrors",
         f"/importErrors, new field {listed(f2('ImportErrorResponse') - f1('ImportError'))}", "90",
         "/importErrors" in paths1 and "/importErrors" in paths2),
        ("DAG source", "/dagSources/{file_token}", "/dagSources/{dag_id}", "11",
         "/dagSources/{file_token}" in paths1 and "/dagSources/{dag_id}" in paths2),
        ("task log", f"one text ({listed(log_1)}: content is a string)", f"content: a list of {log_2}", "12 13 20",
         "text/plain" in log_1 and log_1["application/json"]["schema"]["properties"]["content"]["type"] == "string"),
        ("XCom value", f"a string (stringify defaults to {stringify['v1']})",
         f"the JSON value (stringify defaults to {stringify['v2']})", "31", stringify == {"v1": True, "v2": False}),
        ("clearTaskInstances body", f"also {listed(f1('ClearTaskInstances') - f2('ClearTaskInstancesBody'))}",
         "those keys answer 422 (unknown keys are refused)", "20 90",
         f1("ClearTaskInstances") - f2("ClearTaskInstancesBody") == {"include_parentdag", "include_subdags"}
         and clear_2["additionalProperties"] is False and old_clear_on_v2.status_code == 422),
        ("list answers", listed(list_1), listed(list_2), "11 13 (af.items, af.table)",
         "total_entries" in list_1 & list_2),
        ("plugins", "Flask blueprints, appbuilder views",
         f"also {listed(f2('PluginResponse') & {'fastapi_apps', 'react_apps', 'external_views'})}", "31",
         "fastapi_apps" in f2("PluginResponse") - f1("PluginCollectionItem")),
        ("assets (2.11: datasets)", listed(p for p in paths1 if p.startswith("/datasets") and "queued" not in p),
         listed(p for p in paths2 if p.startswith("/assets") and not any(
             w in p for w in ("queued", "aliases", "materialize", "state-store"))) + ": an asset by its id", "30",
         "/datasets/{uri}" in paths1 and "/assets/{asset_id}" in paths2
         and not any("dataset" in p for p in paths2)),
        ("report an asset event: body", f"{listed(schemas1['CreateDatasetEvent']['required'])} required",
         f"{listed(schemas2['CreateAssetEventsBody']['required'])} required (the asset's id)", "30",
         schemas1["CreateDatasetEvent"]["required"] == ["dataset_uri"]
         and schemas2["CreateAssetEventsBody"]["required"] == ["asset_id"]),
        ("queued events", merged(with_words(paths1, "queuedEvent")), merged(with_words(paths2, "queuedEvents")), "30",
         "/dags/{dag_id}/datasets/queuedEvent" in paths1 and "/dags/{dag_id}/assets/queuedEvents" in paths2),
        ("a run's asset events", listed(p.split("/")[-1] for p in paths1 if "upstream" in p),
         listed(p.split("/")[-1] for p in paths2 if "upstream" in p), "30",
         RUN + "/upstreamAssetEvents" in paths2 and RUN + "/upstreamDatasetEvents" in paths1),
        ("run type of an asset-triggered run", listed({"dataset_triggered"} & run_types_1),
         listed({"asset_triggered", "asset_materialization"} & run_types_2), "30",
         "dataset_triggered" in run_types_1 and {"asset_triggered", "asset_materialization"} <= run_types_2),
        ("new for assets", "none",
         merged(with_words(paths2, "aliases", "materialize", under="/assets")) + " (a body: 3.2.1)", "30",
         not any(w in p for p in paths1 for w in ("alias", "materialize"))
         and "/assets/{asset_id}/materialize" in paths2 and "/assets/aliases" in paths2),
        ("asset state store (3.3)", "none", merged(with_words(paths2, "state-store", under="/assets")), "30",
         not any("state" in p for p in paths1) and "/assets/{asset_id}/state-store" in paths2),
        ("bulk changes", "one variable, connection or pool per request",
         listed(f"PATCH {p}" for p in bulk if "PATCH" in verbs(paths2, p)) + ": create, update and delete actions",
         "22", all("PATCH" not in verbs(paths1, p) and "PATCH" in verbs(paths2, p) for p in bulk)),
        ("connections: tests, defaults", f"{'/'.join(verbs(paths1, '/connections/test'))} /connections/test",
         f"also {'/'.join(verbs(paths2, '/connections/defaults'))} /connections/defaults, "
         f"{'/'.join(verbs(paths2, '/connections/enqueue-test'))} {listed(['/connections/enqueue-test'])}: on a worker",
         "22", verbs(paths1, "/connections/test") == ["POST"]
         and verbs(paths1, "/connections/enqueue-test") == verbs(paths1, "/connections/defaults") == []
         and verbs(paths2, "/connections/enqueue-test") == ["GET", "POST"]
         and verbs(paths2, "/connections/defaults") == ["POST"]),
        ("XCom entries", f"read only: {listed({m for p in xcom_paths for m in verbs(paths1, p)})}",
         "also written: " + "; ".join(f"{'/'.join(ms)} ...{p}" for p, ms in xcom_writes.items()) + " (DELETE: 3.2)",
         "42", {m for p in xcom_paths for m in verbs(paths1, p)} == {"GET"}
         and xcom_writes == {"/xcomEntries": ["POST"], "/xcomEntries/{xcom_key}": ["DELETE", "PATCH"]}),
        ("task state store (3.3)", "none",
         f"{merged(TI + p for p in ti_state)}: {'/'.join(ti_state['/state-store'])}; "
         f"one key also {'/'.join(sorted(set(ti_state['/state-store/{key}']) - set(ti_state['/state-store'])))}", "42",
         not any("state" in p for p in paths1) and sum(len(ms) for ms in ti_state.values()) == 6),
        ("mark task instances",
         f"{'/'.join(verbs(paths1, update_state))} {update_state} "
         f"or {'/'.join(verbs(paths1, TI, but=('get',)))} {short(TI)}",
         f"{'/'.join(verbs(paths2, TI, but=('get', 'delete')))} {short(TI)}", "21",
         verbs(paths1, update_state) == ["POST"] and not any("updateTaskInstancesState" in p for p in paths2)),
        ("mark task instances: a dry run", "dry_run in the body",
         f"{'/'.join(verbs(paths2, TI + '/dry_run'))} {short(TI + '/dry_run')}, a call of its own", "21",
         "dry_run" in f1("UpdateTaskInstance") and "dry_run" not in f2("PatchTaskInstanceBody")
         and verbs(paths2, TI + "/dry_run") == ["PATCH"]),
        ("notes on runs and task instances", "PATCH .../setNote, a call of their own",
         "note in the body of PATCH .../dagRuns/{dag_run_id} and PATCH .../taskInstances/{task_id}", "21",
         verbs(paths1, RUN + "/setNote") == verbs(paths1, TI + "/setNote") == ["PATCH"]
         and not any(p.endswith("/setNote") for p in paths2) and "note" not in f1("UpdateDagRunState")
         and "note" in f2("DAGRunPatchBody") & f2("PatchTaskInstanceBody")),
        ("clear a run: body", listed(f1("ClearDagRun")), listed(f2("DAGRunClearBody")), "21",
         f1("ClearDagRun") == {"dry_run"} and {"dry_run", "only_failed", "note"} <= f2("DAGRunClearBody")),
        ("runs, task instances of many DAGs",
         "POST /dags/~/dagRuns/list, POST /dags/~/dagRuns/~/taskInstances/list; execution_date_...",
         "the same paths (~ the only value they take); logical_date_..., run_after_...", "21",
         "/dags/~/dagRuns/list" in paths1 and "/dags/~/dagRuns/~/taskInstances/list" in paths1
         and [p["schema"].get("const") for p in paths2[RUN + "/taskInstances/list"]["post"]["parameters"]] == ["~", "~"]
         and "execution_date_gte" in f1("ListDagRunsForm") - f2("DAGRunsBatchBody")
         and {"logical_date_gte", "run_after_gte"} <= f2("DAGRunsBatchBody")),
        ("task instances: many at once, delete one (3.1)", "none", calls(tis_at_once), "21", new_calls(tis_at_once)),
        ("a try's log in another system (3.1)", "none", calls(external_log), "21", new_calls(external_log)),
        ("task groups (3.3)", "none", calls(task_group), "21", new_calls(task_group)),
        ("many runs at once (3.3)", "none", calls(runs_at_once), "21", new_calls(runs_at_once)),
        ("change several DAGs: PATCH /dags", "dag_id_pattern required (~: every DAG)",
         f"{listed(['dag_id_pattern'])} or {listed(['dag_id_prefix_pattern'])}; "
         "with neither, no DAG matches (~ or %: every DAG)", "11",
         [p for p in patch_dags_1["parameters"] if p.get("name") == "dag_id_pattern"][0]["required"]
         and "`~`" in patch_dags_1["description"]
         and {"dag_id_pattern", "dag_id_prefix_pattern"} <= p2("/dags", "patch")
         and "no Dags will be matched" in " ".join(patch_dags_2["description"].split())),
        ("a DAG whose file is gone", "is_active false (list: only_active)", "is_stale true (list: exclude_stale)",
         "11 23", "is_active" in f1("DAG") and "is_stale" in f2("DAGResponse") and "is_active" not in f2("DAGResponse")
         and "only_active" in p1("/dags") and "exclude_stale" in p2("/dags")),
        ("DAG versions", "none", merged(with_words(paths2, "dagVersions")), "11",
         not any("ersion" in p for p in paths1 if p != "/version")
         and "/dags/{dag_id}/dagVersions/{version_number}" in paths2),
        ("DAG tags, jobs", "none", listed(tags_and_jobs), "11 23",
         all(p not in paths1 and p in paths2 for p in tags_and_jobs)),
        ("favourite DAGs, plugins that failed to load (3.1)", "none", ", ".join(favourites), "11 23",
         all(p not in paths1 and p in paths2 for p in favourites)),
        ("DAG warning types", "warning_type: any text", listed(schemas2["DagWarningType"]["enum"]), "23",
         "enum" not in schemas1["DagWarning"]["properties"]["warning_type"]
         and "runtime varying value" in schemas2["DagWarningType"]["enum"]),
        ("event log entry: fields gone", listed(f1("EventLog") - f2("EventLogResponse")), "logical_date instead", "23",
         f1("EventLog") - f2("EventLogResponse") == {"execution_date"} and "logical_date" in f2("EventLogResponse")),
        ("configuration", "/config (JSON or text/plain): 403 unless [webserver] expose_config",
         "the same: 403 unless [api] expose_config, which masks sensitive values", "23",
         all({"application/json", "text/plain"} <= set(paths[config]["get"]["responses"]["200"]["content"])
             and "403" in paths[config]["get"]["responses"] and config + "/section/{section}/option/{option}" in paths
             for paths in (paths1, paths2))),
    ]
    unproven = [row[0] for row in rows if not row[-1]]
    if unproven:
        raise AssertionError(f"these changes do not hold on these two servers: {unproven}")
    return pd.DataFrame([(change, old, new, lessons(numbers)) for change, old, new, numbers, _ in rows],
                        columns=["change", "Airflow 2.11 (/api/v1)", "Airflow 3 (/api/v2)", "lessons"])


def listed(names) -> str:
    """Names in order, each with the release that added it if later than 3.0; `-` for none."""
    return ", ".join(f"{name} ({SINCE[name]})" if name in SINCE else name for name in sorted(names)) or "-"


def short(path: str) -> str:
    return path.replace(RUN, "...")


def calls(pairs) -> str:
    return "; ".join(f"{method} {short(path)}" for method, path in pairs)


def merged(paths) -> str:
    """Paths, those that differ by one segment as one: /assets/aliases[/{asset_alias_id}]."""
    split = sorted((path.split("/") for path in paths), key=len)
    shown: list[list[str]] = []
    for segments in split:
        for n, kept in enumerate(shown):
            if len(segments) == len(kept) + 1:
                at = next((i for i in range(len(segments)) if segments[:i] + segments[i + 1:] == kept), None)
                if at is not None:
                    shown[n] = segments[:at] + [f"[/{segments[at]}]"] + segments[at + 1:]
                    break
        else:
            shown.append(segments)
    return listed(short("/".join(segments).replace("/[/", "[/")) for segments in shown)


def lessons(numbers: str) -> str:
    """Lesson numbers as the lessons' names: `11 23` -> `11_dags, 23_monitoring`."""
    if numbers == "every lesson":
        return numbers
    names, _, note = numbers.partition(" (")
    missing = [number for number in names.split() if number not in LESSONS]
    if missing:
        raise LookupError(f"the table names lessons that notebooks/ does not have: {missing} (renumbered?)")
    return ", ".join(LESSONS[number] for number in names.split()) + (f" ({note}" if note else "")

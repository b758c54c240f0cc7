"""Folder for notebooks/04_variables_connections_pools.ipynb: create, read, update, list and delete a
variable, a connection and a pool."""
from common import only_on_airflow_3, request, status

VARIABLE, CONNECTION, POOL = "kit_04_greeting", "kit_04_http", "kit_04_pool"


def start_clean(kind: str, path: str) -> dict:
    return request(
        f"0 · Start clean: delete the {kind}", "DELETE", path,
        description=f"""
`DELETE /api/v2{path}`: a run of this folder that was interrupted may have left the {kind} behind, and
creating it again would answer 409 Conflict. 204: deleted; 404: there was nothing to delete.
""",
        tests=status(204, 404))


def gone(kind: str, path: str) -> dict:
    return request(
        f"Cleanup · Check: the {kind} is gone", "GET", path,
        description=f"`GET /api/v2{path}`: 404 Not Found, the {kind} is gone.",
        tests=status(404))


def listed(key: str, name: str, fields: str) -> list[str]:
    return status(200) + [
        f"const mine = pm.response.json().{key}.filter(x => x.{fields} === '{name}');",
        f'pm.test("lists {name}", () => pm.expect(mine.length).to.eql(1));',
    ]


FOLDER = {
    "notebook": "04_variables_connections_pools.ipynb",
    "name": "04 · Variables, connections and pools",
    "description": f"""
Mirrors `notebooks/04_variables_connections_pools.ipynb`: the configuration tasks read at run time,
created, read, updated (`PATCH`), listed and deleted through the API, as a deployment script or CI
would set it up: a variable `{VARIABLE}`, a connection `{CONNECTION}` and a pool `{POOL}`.

Everything is named `kit_04_...`; the folder deletes leftovers of an interrupted run first and
everything it created at the end. Change the names in the paths and bodies to create your own.
""",
    "requests": [
        start_clean("variable", f"/variables/{VARIABLE}"),
        start_clean("connection", f"/connections/{CONNECTION}"),
        start_clean("pool", f"/pools/{POOL}"),
        request(
            "1.1 · Create a variable", "POST", "/variables",
            body={"key": VARIABLE, "value": "hello from notebook 04", "description": "created by notebook 04"},
            description="""
`POST /api/v2/variables`: a key, a value (always a string: store JSON if you need structure) and a
description. Tasks read it with `Variable.get("kit_04_greeting")`. The answer is the new variable.
""",
            tests=status(200, 201) + [
                "const data = pm.response.json();",
                f'pm.test("created", () => {{ pm.expect(data.key).to.eql(\'{VARIABLE}\'); '
                "pm.expect(data.value).to.eql('hello from notebook 04'); });",
            ]),
        request(
            "1.2 · Read it", "GET", f"/variables/{VARIABLE}",
            description=f"`GET /api/v2/variables/{VARIABLE}`: the variable, its value and description.",
            tests=status(200) + [
                'pm.test("has the value", () => pm.expect(pm.response.json().value).to.eql(\'hello from notebook 04\'));',
            ]),
        request(
            "1.3 · Update it", "PATCH", f"/variables/{VARIABLE}",
            body={"key": VARIABLE, "value": '{"greeting": "hello", "times": 2}'},
            description="""
`PATCH /api/v2/variables/kit_04_greeting`: the body names the key again and the new value; fields left
out (the description) keep their value. The value here is JSON text, which a task reads back as a dict
with `Variable.get("kit_04_greeting", deserialize_json=True)`.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("new value, same description", () => {',
                "  pm.expect(JSON.parse(data.value)).to.eql({greeting: 'hello', times: 2});",
                "  pm.expect(data.description).to.eql('created by notebook 04');",
                "});",
            ]),
        request(
            "1.4 · List the variables", "GET", "/variables",
            query={"variable_key_pattern": "kit_04_", "limit": 100, "offset": 0},
            pre=only_on_airflow_3("variable_key_pattern"),
            description="""
`GET /api/v2/variables`: every variable, page by page (`limit`, `offset`). `variable_key_pattern`
(Airflow 3) keeps the keys that contain it, here this folder's; leave it out to list all.
""",
            tests=listed("variables", VARIABLE, "key")),
        request(
            "2.1 · Create a connection", "POST", "/connections",
            body={"connection_id": CONNECTION, "conn_type": "http", "description": "created by notebook 04",
                  "host": "api.example.com", "schema": "https", "port": 443, "login": "kit",
                  "password": "not-a-real-secret", "extra": '{"timeout": 10}'},
            description="""
`POST /api/v2/connections`: how a task reaches another system. `conn_type` says which hook reads it
(`http`, `postgres`, `aws`, ...); `extra` holds anything else, as JSON text. The password is stored but
never sent back: Airflow 3 answers `***`, Airflow 2 leaves the field out.
""",
            tests=status(200, 201) + [
                "const data = pm.response.json();",
                'pm.test("created; the password is not sent back", () => {',
                f"  pm.expect(data.connection_id).to.eql('{CONNECTION}');",
                "  pm.expect(data.host).to.eql('api.example.com');",
                "  pm.expect(data.password).to.not.eql('not-a-real-secret');",
                "});",
            ]),
        request(
            "2.2 · Read it", "GET", f"/connections/{CONNECTION}",
            description=f"`GET /api/v2/connections/{CONNECTION}`: the connection, without its password.",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("port and extra", () => { pm.expect(data.port).to.eql(443); '
                "pm.expect(JSON.parse(data.extra)).to.eql({timeout: 10}); });",
            ]),
        request(
            "2.3 · Update one field", "PATCH", f"/connections/{CONNECTION}", query={"update_mask": "host"},
            body={"connection_id": CONNECTION, "conn_type": "http", "host": "api2.example.com"},
            description="""
`PATCH /api/v2/connections/kit_04_http?update_mask=host`: with `update_mask` only the fields it names
change, here the host; login, password, port and extra stay as they were. Without it, fields left out
of the body would be emptied.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("new host, the rest unchanged", () => {',
                "  pm.expect(data.host).to.eql('api2.example.com');",
                "  pm.expect([data.login, data.port]).to.eql(['kit', 443]);",
                "});",
            ]),
        request(
            "2.4 · List the connections", "GET", "/connections",
            query={"connection_id_pattern": "kit_04_", "limit": 100, "offset": 0},
            pre=only_on_airflow_3("connection_id_pattern"),
            description="""
`GET /api/v2/connections`: every connection stored in the database (`connection_id_pattern` keeps this
folder's). A connection set by an environment variable (`AIRFLOW_CONN_...`, like `api_dag`'s
`airflow_api` on the kit's stack) is not in this list.
""",
            tests=listed("connections", CONNECTION, "connection_id")),
        request(
            "3.1 · Create a pool", "POST", "/pools",
            body={"name": POOL, "slots": 2, "description": "created by notebook 04", "include_deferred": False},
            description="""
`POST /api/v2/pools`: a pool limits how many task instances run at once across DAGs; a task with
`pool="kit_04_pool"` waits for one of its slots. Change `slots` for more or fewer.
""",
            tests=status(200, 201) + [
                "const data = pm.response.json();",
                'pm.test("two slots, both open", () => pm.expect([data.name, data.slots, data.open_slots])'
                f".to.eql(['{POOL}', 2, 2]));",
            ]),
        request(
            "3.2 · Read it", "GET", f"/pools/{POOL}",
            description=f"`GET /api/v2/pools/{POOL}`: the pool, with its open, running and queued slots.",
            tests=status(200) + [
                'pm.test("two slots", () => pm.expect(pm.response.json().slots).to.eql(2));',
            ]),
        request(
            "3.3 · Update it: more slots", "PATCH", f"/pools/{POOL}",
            body={"name": POOL, "slots": 5, "include_deferred": False},
            description="""
`PATCH /api/v2/pools/kit_04_pool`: Airflow 3.3 wants `name` and `include_deferred` in the body even
when only the slots change. The description, left out, is kept.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("five slots, same description", () => {',
                "  pm.expect([data.slots, data.open_slots]).to.eql([5, 5]);",
                "  pm.expect(data.description).to.eql('created by notebook 04');",
                "});",
            ]),
        request(
            "3.4 · List the pools", "GET", "/pools", query={"limit": 100, "offset": 0},
            description="""
`GET /api/v2/pools`: every pool, among them `default_pool` (its slots are `[core]
default_pool_task_slot_count`, 128 unless changed).
""",
            tests=status(200) + [
                "const names = pm.response.json().pools.map(p => p.name);",
                f'pm.test("this folder\'s pool and default_pool", () => pm.expect(names).to.include.members([\'{POOL}\', '
                "'default_pool']));",
            ]),
        request(
            "Cleanup · Delete the variable", "DELETE", f"/variables/{VARIABLE}",
            description=f"`DELETE /api/v2/variables/{VARIABLE}`: 204 No Content, success with an empty body.",
            tests=status(204)),
        request(
            "Cleanup · Delete the connection", "DELETE", f"/connections/{CONNECTION}",
            description=f"`DELETE /api/v2/connections/{CONNECTION}` (204).", tests=status(204)),
        request(
            "Cleanup · Delete the pool", "DELETE", f"/pools/{POOL}",
            description=f"`DELETE /api/v2/pools/{POOL}` (204).", tests=status(204)),
        gone("variable", f"/variables/{VARIABLE}"),
        gone("connection", f"/connections/{CONNECTION}"),
        gone("pool", f"/pools/{POOL}"),
    ],
}

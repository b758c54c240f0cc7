"""Folder for notebooks/00_connect.ipynb: version, health, signing in by hand, the DAG list."""
from common import ON_AIRFLOW_2, request, status

FOLDER = {
    "notebook": "00_connect.ipynb",
    "name": "00 · Connect to the Airflow REST API",
    "description": """
Mirrors `notebooks/00_connect.ipynb`: where the API lives (`/api/v2` on Airflow 3, `/api/v1` on
Airflow 2), how a client signs in (a JWT from `POST /auth/token` on Airflow 3, Basic auth on Airflow 2),
the version, the health of each component and the list of DAGs. Creates nothing.

Every other request of the collection is signed in by the collection's pre-request script; requests
3a-3c of this folder do it by hand, as the notebook does, so you see what a client sends.
""",
    "requests": [
        request(
            "1 · Which Airflow is this?", "GET", "/version",
            description="""
`GET /api/v2/version`: the Airflow version and its git commit. No body; on Airflow 3 it needs no
credentials either. Nothing to change. The test stores the version in the collection variable
`airflowVersion`.
""",
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("answers a version 2.x or 3.x", () => '
                "pm.expect(data.version.split('.')[0]).to.be.oneOf(['2', '3']));",
                "pm.collectionVariables.set('airflowVersion', data.version);",
            ]),
        request(
            "2 · Is every component healthy?", "GET", "/monitor/health",
            description="""
`GET /api/v2/monitor/health` (Airflow 2: `GET /api/v1/health`, which the pre-request script picks):
the status of each component of Airflow, the metadata database, the scheduler, the DAG processor and
the triggerer. Nothing to change.
""",
            pre=[
                f"{ON_AIRFLOW_2} {{  // Airflow 2 has /api/v1/health instead",
                "  pm.request.url.path = pm.request.url.path.filter(p => p !== 'monitor');",
                "}",
            ],
            tests=status(200) + [
                "const data = pm.response.json();",
                'pm.test("the metadata database is healthy", () => '
                "pm.expect(data.metadatabase.status).to.eql('healthy'));",
                'pm.test("the scheduler is healthy", () => pm.expect(data.scheduler.status).to.eql(\'healthy\'));',
            ]),
        request(
            "3a · A call with no credentials", "GET", "/dags",
            headers={"X-Kit-Auth": "none"},
            description="""
`GET /api/v2/dags` with no credentials at all (the header `X-Kit-Auth: none` tells the collection's
pre-request script not to sign this one in; it is removed before sending). Airflow answers **401**:
not signed in. An Airflow with auth switched off (the Astro CLI's local Airflow 3, environment
*Astro local*) answers 200.
""",
            tests=[
                "const authOff = pm.collectionVariables.get('authModeUsed') === 'none';",
                "// Airflow 2 with the session auth backend beside basic_auth answers 403 Forbidden",
                "const refused = pm.collectionVariables.get('major') === '2' ? 403 : 401;",
                'pm.test(authOff ? "auth is off: 200" : `not signed in: ${refused}`, () => '
                "pm.expect(pm.response.code).to.eql(authOff ? 200 : refused));",
            ]),
        request(
            "3b · Sign in: get a token (Airflow 3)", "POST", "/auth/token",
            headers={"X-Kit-Auth": "none", "Content-Type": "application/json"},
            body='{"username": "{{username}}", "password": "{{password}}"}',
            description="""
`POST /auth/token` with `{"username": ..., "password": ...}` (from the environment's `username` and
`password`): Airflow 3 exchanges them for a JWT, the `access_token` of the answer (201), valid for 24
hours by default. The test stores it in the collection variable `accessToken`, which the next request
sends as `Authorization: Bearer {{accessToken}}`.

Skipped on Airflow 2, which has no tokens (Basic auth instead), and with `authMode` `token` (a hosted
deployment's API token replaces the password).
""",
            pre=[
                "const mode = pm.collectionVariables.get('authModeUsed');",
                f"{ON_AIRFLOW_2} pm.execution.skipRequest();  // Airflow 2 has no /auth/token",
                "if (mode === 'token') pm.execution.skipRequest();  // the API token is already a token",
            ],
            tests=status(200, 201) + [
                "const token = pm.response.json().access_token;",
                'pm.test("answers an access_token (a JWT)", () => pm.expect(token).to.match(/^ey/));',
                "pm.collectionVariables.set('accessToken', token);",
            ]),
        request(
            "3c · The same call, signed in", "GET", "/dags",
            headers={"Authorization": "Bearer {{accessToken}}"},
            description="""
`GET /api/v2/dags` again, now with the header `Authorization: Bearer {{accessToken}}`, the token the
previous request got: 200. On Airflow 2 the pre-request script sends Basic auth instead (in Postman's
*Authorization* tab: *Basic Auth*; in curl: `-u admin:admin`), and with `authMode` `token` the API
token.
""",
            pre=[
                "const mode = pm.collectionVariables.get('authModeUsed');",
                f"{ON_AIRFLOW_2} {{  // Airflow 2: HTTP Basic auth with every call",
                "  const pair = `${pm.variables.get('username')}:${pm.variables.get('password')}`;",
                "  pm.request.headers.upsert({key: 'Authorization', value: 'Basic ' + "
                "CryptoJS.enc.Base64.stringify(CryptoJS.enc.Utf8.parse(pair))});",
                "} else if (mode === 'token') {",
                "  pm.request.headers.upsert({key: 'Authorization', value: 'Bearer ' + pm.variables.get('token')});",
                "}",
            ],
            tests=status(200) + [
                'pm.test("answers a page of DAGs", () => pm.expect(pm.response.json().dags).to.be.an("array"));',
            ]),
        request(
            "4 · The DAGs", "GET", "/dags", query={"limit": 100, "offset": 0},
            description="""
`GET /api/v2/dags?limit=100&offset=0`: a page of `dags` plus `total_entries`. With more DAGs than
`limit`, ask for the next page with `offset=100`. The kit's three DAGs come from the webinar:
`random_failures`, `dependent_dag` and `api_dag`.
""",
            tests=status(200) + [
                "const ids = pm.response.json().dags.map(d => d.dag_id);",
                'pm.test("lists the kit\'s DAGs", () => '
                "pm.expect(ids).to.include.members(['random_failures', 'dependent_dag', 'api_dag']));",
            ]),
    ],
}

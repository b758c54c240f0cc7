// The Postman side of notebooks/63_mcp_tools.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The notebook's own calls, around an MCP server that Postman cannot start: the start-clean, the call
 * whose line it reads in the api-server's access log, and the token endpoint's OpenAPI document. The MCP
 * tools' REST calls are the server's, not the notebook's: the notebook shows them from the access log
 * (GET /api/v2/dags, POST .../dagRuns, GET .../dagRuns/{dag_run_id}, GET .../logs/{try_number},
 * DELETE .../dagRuns/{dag_run_id}, all in the collection's other folders). Every request of this folder
 * skips itself on Airflow 2: the notebook is Airflow 3 only.
 *
 * @where run['dag_run_id'] = {{leftover63RunId}}
 * @airflow3
 * @status 200
 */

/** 0a · Start clean: find a run left by the notebook
 * @call GET /dags/{DAG}/dagRuns
 *
 * The MCP tool takes no run id, so the notebook marks its run by its conf, `requested_by: kit_63`; a
 * notebook stopped half-way may have left it. The test keeps such a run's id in `leftover63RunId` (empty
 * when there is none; the notebook deletes every one it finds, this folder the first).
 */
test: {
  const mine = pm.response.json().dag_runs.filter(r => (r.conf || {}).requested_by === 'kit_63');
  pm.test("the runs of dependent_dag, as a list", () => pm.expect(pm.response.json().dag_runs).to.be.an('array'));
  pm.collectionVariables.set('leftover63RunId', mine.length ? mine[0].dag_run_id : '');
}

/** 0b · Start clean: delete it
 * @call DELETE /dags/{DAG}/dagRuns/{run['dag_run_id']}
 * @status 204
 *
 * Skipped when request 0a found none.
 */
prerequest: { skipUnless('leftover63RunId'); }

/** 1 · The token endpoint's OpenAPI document
 * @call GET {af.url}/auth/openapi.json
 *
 * The notebook names the operation of each line of the access log from the two OpenAPI documents,
 * `/openapi.json` (the REST API) and this one (`POST /auth/token`); both are public, no token needed.
 */
test: {
  const spec = pm.response.json();
  pm.test("POST /auth/token, under the server /auth", () => {
    pm.expect(spec.servers[0].url).to.eql('/auth');
    pm.expect(spec.paths['/token']).to.have.property('post');
  });
}

/** 2 · A call whose line the access log shows
 * @call GET /version
 *
 * The api-server logs it as `method=GET path=/api/v2/version query= status_code=200` (its log file is on
 * the machine Airflow runs on: the kit's stack writes it to logs/api-server.log in its home).
 */
test: { pm.test("answers Airflow 3's version", () => pm.expect(pm.response.json().version).to.match(/^3\./)); }

// The Postman side of notebooks/62_typescript_client.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The notebook builds and runs a TypeScript client (`clients/typescript`), which makes its own requests: it
 * triggers `dependent_dag` as `kit_62_typescript`, waits for the run, reads its XCom and deletes it. The
 * requests here are the notebook's own calls around the client. The folder skips itself on Airflow 2: the
 * notebook is Airflow 3 only.
 *
 * @airflow3
 * @status 200
 */

/** 0 · Start clean: delete a leftover run
 * @call DELETE /dags/{DAG}/dagRuns/{RUN_ID}
 * @status 204 404
 *
 * A run of the notebook stopped half-way may have left the client's run. 204: deleted; 404: nothing to delete.
 */

/** 1 · The client deleted its run
 * @call GET /dags/{DAG}/dagRuns
 *
 * In Postman no client ran: the test checks that no run `kit_62_typescript` is left.
 */
test: {
  pm.test("no run kit_62_typescript", () => pm.expect(pm.response.json().dag_runs.map(r => r.dag_run_id)).to.not.include('kit_62_typescript'));
}

/** 2 · A misspelt field, sent without types
 * @call POST /dags/{DAG}/dagRuns
 * @status 422
 *
 * `dag_runid` for `dag_run_id`: the body's schema lists its fields and refuses any other
 * (`additionalProperties: false`), so Airflow answers 422 and makes no run.
 */
test: {
  const detail = pm.response.json().detail;
  pm.test("dag_runid refused: extra_forbidden", () => pm.expect(detail.map(d => [d.type, d.loc.join('.')])).to.eql([['extra_forbidden', 'body.dag_runid']]));
}

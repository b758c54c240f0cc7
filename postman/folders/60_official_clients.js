// The Postman side of notebooks/60_official_clients.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The lesson does one flow three ways: raw HTTP, the Python client `apache-airflow-client`, and the
 * command line `airflowctl`. The requests here are its raw HTTP calls (the clients make the same requests
 * for you): the flow on the run `kit_60_http` and the variable of the same name, with the clean-up before
 * and after. The runs `kit_60_client` and `kit_60_ctl` are the clients' own, made by the lesson only.
 * Every request of this folder skips itself on Airflow 2: the lesson is Airflow 3 only (3.1 or later: /wait).
 *
 * @where run_id = {{runId60}}
 * @where key = {{variableKey60}}
 * @where username = {{username}}
 * @where password = {{password}}
 * @airflow3
 * @status 200
 */

/** 0a · Start clean: end leftover runs
 * @call PATCH /dags/{DAG}/dagRuns/{run_id}
 * @status 200 404
 *
 * Sent once for each run id (`runId60`): a run of this folder or of the lesson that was stopped half-way may
 * have left one, perhaps still running, and a run must have ended to be deleted. 200: ended; 404: no such run.
 */
prerequest: { loopPre('runId60', ["kit_60_http", "kit_60_client", "kit_60_ctl"]); }
test: {
  rememberEnded();
  loopNext('runId60', 3);
}

/** 0b · Start clean: delete leftover runs
 * @call DELETE /dags/{DAG}/dagRuns/{run_id}
 * @status 204 404
 *
 * Sent once for each run id (`runId60`): triggering a leftover's id again would answer 409 Conflict. 204:
 * deleted; 404: nothing to delete.
 */
prerequest: {
  waitForSchedulerIfEnded();
  loopPre('runId60', ["kit_60_http", "kit_60_client", "kit_60_ctl"]);
}
test: { loopNext('runId60', 3); }

/** 0c · Start clean: delete leftover variables
 * @call DELETE /variables/{key}
 * @status 204 404
 *
 * Sent once for each key (`variableKey60`). 204: deleted; 404: nothing to delete.
 */
prerequest: { loopPre('variableKey60', ["kit_60_http", "kit_60_client", "kit_60_ctl"]); }
test: { loopNext('variableKey60', 3); }

/** 1 · A token for both clients
 * @call POST {af.url}/auth/token
 * @status 201
 *
 * The body takes `username` and `password` from the environment; the lesson hands the token to both
 * clients. Skipped with `authMode` `token` (a hosted deployment's API token replaces the password).
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') === 'token') pm.execution.skipRequest();  // already a token
}
test: { pm.test("answers an access_token (a JWT)", () => pm.expect(pm.response.json().access_token).to.match(/^ey/)); }

/** 2a · Raw HTTP: the DAGs tagged webinar
 * @call GET /dags
 */
test: {
  const ids = pm.response.json().dags.map(d => d.dag_id).sort();
  pm.test("the kit's three DAGs", () => pm.expect(ids).to.eql(['api_dag', 'dependent_dag', 'random_failures']));
}

/** 2b · Raw HTTP: trigger with your own run id
 * @call POST /dags/{DAG}/dagRuns
 */
test: {
  const data = pm.response.json();
  pm.test("queued, with the run id and conf it was given", () => {
    pm.expect([data.dag_run_id, data.state]).to.eql(['kit_60_http', 'queued']);
    pm.expect(data.conf.message).to.eql('hello from lesson 60');
  });
}

/** 2c · Raw HTTP: wait (/wait)
 * @call GET /dags/{DAG}/dagRuns/{HTTP}/wait as finished
 *
 * Postman shows the streamed answer once it has ended: all its lines at once, as text (one JSON document
 * per line).
 */
test: {
  const lines = pm.response.text().split('\n').filter(line => line.trim()).map(line => JSON.parse(line));
  const last = lines[lines.length - 1];
  pm.test("the last line: the run succeeded, with report's return value", () => {
    pm.expect(last.state).to.eql('success');
    pm.expect(last.results.report.message).to.eql('hello from lesson 60');
  });
}

/** 2d · Raw HTTP: task instances
 * @call GET /dags/{DAG}/dagRuns/{HTTP}/taskInstances as tis
 */
test: {
  const tis = pm.response.json().task_instances.map(t => [t.task_id, t.state, t.try_number]);
  pm.test("report succeeded on its first try", () => pm.expect(tis).to.eql([['report', 'success', 1]]));
}

/** 2e · Raw HTTP: what the task returned (XCom)
 * @call GET /dags/{DAG}/dagRuns/{HTTP}/taskInstances/report/xcomEntries/return_value
 */
test: {
  pm.test("the conf's message", () => pm.expect(pm.response.json().value.message).to.eql('hello from lesson 60'));
}

/** 2f · Raw HTTP: clear the run
 * @call POST /dags/{DAG}/dagRuns/{HTTP}/clear
 */
test: { runStateIs('queued', "the run is queued again"); }

/** 2g · Raw HTTP: wait again
 * @call GET /dags/{DAG}/dagRuns/{HTTP}/wait as again
 */
test: {
  const lines = pm.response.text().split('\n').filter(line => line.trim()).map(line => JSON.parse(line));
  pm.test("the last line: the run succeeded", () => pm.expect(lines[lines.length - 1].state).to.eql('success'));
}

/** 2h · Raw HTTP: task instances after the clear
 * @call GET /dags/{DAG}/dagRuns/{HTTP}/taskInstances as retried
 */
test: {
  const tis = pm.response.json().task_instances.map(t => [t.task_id, t.state, t.try_number]);
  pm.test("report succeeded on its second try", () => pm.expect(tis).to.eql([['report', 'success', 2]]));
}

/** 2i · Raw HTTP: create a variable
 * @call POST /variables
 * @status 201
 */
test: { pm.test("the variable, as sent", () => pm.expect(pm.response.json().value).to.eql('set by lesson 60')); }

/** 2j · Raw HTTP: read the variable
 * @call GET /variables/{HTTP}
 */
test: { pm.test("its value", () => pm.expect(pm.response.json().value).to.eql('set by lesson 60')); }

/** 2k · Raw HTTP: delete the variable
 * @call DELETE /variables/{HTTP}
 * @status 204
 */

/** Cleanup 1 · Delete airflowctl's run
 * @call DELETE /dags/{DAG}/dagRuns/{CTL}
 * @status 204 404
 *
 * The lesson triggers `kit_60_ctl` with `airflowctl`, which cannot delete runs; this folder never makes
 * that run, so here the answer is 404 unless the lesson left it.
 */

/** Cleanup 2 · Delete the raw HTTP run
 * @call DELETE /dags/{DAG}/dagRuns/{HTTP}
 * @status 204
 */

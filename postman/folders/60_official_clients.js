// The Postman side of notebooks/60_official_clients.ipynb: one section per API call of the notebook, in order.
// postman/build_collection.py takes each request from the notebook and its scripts from here (CONTRIBUTING.md).

/**
 * The notebook does one flow three ways: raw HTTP, the Python client `apache-airflow-client`, and the
 * command line `airflowctl`. The requests here are its raw HTTP calls (the clients make the same requests
 * for you): the flow on the run `kit_60_http` and the variable of the same name, with the clean-up before
 * and after. The runs `kit_60_client` and `kit_60_ctl` are the clients' own, made by the notebook only.
 * Every request of this folder skips itself on Airflow 2: the notebook is Airflow 3 only.
 *
 * @where run_id = {{runId12}}
 * @where key = {{variableKey12}}
 * @where username = {{username}}
 * @where password = {{password}}
 */

/** Pre-request lines of every request of this folder: it is Airflow 3 only, like its notebook. */
function airflow3Only() {
  if (pm.collectionVariables.get('major') === '2') pm.execution.skipRequest();  // Airflow 3 only, like notebook 60
}

/**
 * 0a · Start clean: delete leftover runs
 *
 * Sent once for each run id (`runId12`): a run of this folder or of the notebook that was interrupted may
 * have left one, and triggering it again would answer 409 Conflict. 204: deleted; 404: nothing to delete.
 */
prerequest: {
  airflow3Only();
  loopPre('runId12', ["kit_60_http", "kit_60_client", "kit_60_ctl"]);
}
test: {
  status(204, 404);
  loopNext('runId12', 3);
}

/**
 * 0b · Start clean: delete leftover variables
 *
 * Sent once for each key (`variableKey12`). 204: deleted; 404: nothing to delete.
 */
prerequest: {
  airflow3Only();
  loopPre('variableKey12', ["kit_60_http", "kit_60_client", "kit_60_ctl"]);
}
test: {
  status(204, 404);
  loopNext('variableKey12', 3);
}

/**
 * 1 · A token for both clients
 *
 * The body takes `username` and `password` from the environment; the notebook hands the token to both
 * clients. Skipped with `authMode` `token` (a hosted deployment's API token replaces the password).
 */
prerequest: {
  airflow3Only();
  if (pm.collectionVariables.get('authModeUsed') === 'token') pm.execution.skipRequest();  // already a token
}
test: {
  status(201);
  pm.test("answers an access_token (a JWT)", () => pm.expect(pm.response.json().access_token).to.match(/^ey/));
}

/**
 * 2a · Raw HTTP: the DAGs tagged webinar
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  const ids = pm.response.json().dags.map(d => d.dag_id).sort();
  pm.test("the kit's three DAGs", () => pm.expect(ids).to.eql(['api_dag', 'dependent_dag', 'random_failures']));
}

/**
 * 2b · Raw HTTP: trigger with your own run id
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  const data = pm.response.json();
  pm.test("queued, with the run id and conf it was given", () => {
    pm.expect([data.dag_run_id, data.state]).to.eql(['kit_60_http', 'queued']);
    pm.expect(data.conf.message).to.eql('hello from notebook 60');
  });
}

/**
 * 2c · Raw HTTP: wait (/wait)
 *
 * Postman shows the streamed answer once it has ended: all its lines at once, as text (one JSON document
 * per line).
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  const lines = pm.response.text().split('\n').filter(line => line.trim()).map(line => JSON.parse(line));
  const last = lines[lines.length - 1];
  pm.test("the last line: the run succeeded, with report's return value", () => {
    pm.expect(last.state).to.eql('success');
    pm.expect(last.results.report.message).to.eql('hello from notebook 60');
  });
}

/**
 * 2d · Raw HTTP: task instances
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  const tis = pm.response.json().task_instances.map(t => [t.task_id, t.state, t.try_number]);
  pm.test("report succeeded on its first try", () => pm.expect(tis).to.eql([['report', 'success', 1]]));
}

/**
 * 2e · Raw HTTP: what the task returned (XCom)
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  pm.test("the conf's message", () => pm.expect(pm.response.json().value.message).to.eql('hello from notebook 60'));
}

/**
 * 2f · Raw HTTP: clear the run
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  pm.test("the run is queued again", () => pm.expect(pm.response.json().state).to.eql('queued'));
}

/**
 * 2g · Raw HTTP: wait again
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  const lines = pm.response.text().split('\n').filter(line => line.trim()).map(line => JSON.parse(line));
  pm.test("the last line: the run succeeded", () => pm.expect(lines[lines.length - 1].state).to.eql('success'));
}

/**
 * 2h · Raw HTTP: task instances after the clear
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  const tis = pm.response.json().task_instances.map(t => [t.task_id, t.state, t.try_number]);
  pm.test("report succeeded on its second try", () => pm.expect(tis).to.eql([['report', 'success', 2]]));
}

/**
 * 2i · Raw HTTP: create a variable
 */
prerequest: {
  airflow3Only();
}
test: {
  status(201);
  pm.test("the variable, as sent", () => pm.expect(pm.response.json().value).to.eql('set by notebook 60'));
}

/**
 * 2j · Raw HTTP: read the variable
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  pm.test("its value", () => pm.expect(pm.response.json().value).to.eql('set by notebook 60'));
}

/**
 * 2k · Raw HTTP: delete the variable
 */
prerequest: {
  airflow3Only();
}
test: {
  status(204);
}

/**
 * Cleanup 1 · Delete airflowctl's run
 *
 * The notebook triggers `kit_60_ctl` with `airflowctl`, which cannot delete runs; this folder never makes
 * that run, so here the answer is 404 unless the notebook left it.
 */
prerequest: {
  airflow3Only();
}
test: {
  status(204, 404);
}

/**
 * Cleanup 2 · Delete the raw HTTP run
 */
prerequest: {
  airflow3Only();
}
test: {
  status(204);
}

/**
 * Cleanup 3 · Check: no kit_60_ run is left
 *
 * `order_by=-id` puts the newest runs first, so that this folder's runs would be on the one page the
 * request reads.
 *
 * @query order_by=-id
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  const ids = pm.response.json().dag_runs.map(r => r.dag_run_id);
  pm.test("none of kit_60_http, kit_60_client, kit_60_ctl", () => pm.expect(ids).to.not.include.any.members(['kit_60_http', 'kit_60_client', 'kit_60_ctl']));
}

/**
 * Cleanup 4 · Check: no kit_60_ variable is left
 */
prerequest: {
  airflow3Only();
}
test: {
  status(200);
  const keys = pm.response.json().variables.map(v => v.key);
  pm.test("none of kit_60_http, kit_60_client, kit_60_ctl", () => pm.expect(keys).to.not.include.any.members(['kit_60_http', 'kit_60_client', 'kit_60_ctl']));
}

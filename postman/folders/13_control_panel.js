// The Postman side of notebooks/13_control_panel.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The notebook defines the panel's calls in functions before it uses them; the requests follow its code, so
 * the trigger comes right after the DAG list, then the run counts its tests check, and the cleanup. To use
 * it as a panel: change the DAG in request 2's pre-request script (`panelDagId`) and the conf in its body,
 * and send requests 2 to 6.
 *
 * @where dag_id = {{panelDagId}}
 * @where run_id = {{panelRunId}}
 * @where created_run_id = {{panelRunId}}
 * @where last['task_id'] = {{panelTaskId}}
 * @where last['try_number'] = {{panelTry}}
 * @variable panelDagId = dependent_dag
 * @status 200
 */

/** Tests of the number of dependent_dag's runs: `more` than request 2 counted before its trigger (`panelRunsBefore`). */
function runsSinceRequest2($more, $name) {
  const total = pm.response.json().total_entries;
  const before = Number(pm.collectionVariables.get('panelRunsBefore'));
  pm.test("$name", () => pm.expect(total).to.eql(before + $more));
}

/** 1 · The DAGs to choose from
 * @call GET /dags
 */
test: {
  const ids = pm.response.json().dags.map(d => d.dag_id);
  pm.test("lists the webinar's DAGs", () => pm.expect(ids).to.include.members(['random_failures', 'dependent_dag', 'api_dag']));
}

/** 2 · Check the conf, then trigger
 * @call POST /dags/{dag_id}/dagRuns
 *
 * The body's conf is the one the notebook's tests send: change it, and the DAG (`panelDagId`) in the pre-
 * request script. The pre-request script checks the conf as the panel does (`JSON.parse`, then: is it an
 * object?) and, if it is not, logs what is wrong to the console and sends nothing; it also counts
 * `dependent_dag`'s runs first (`panelRunsBefore`, for requests 5 to 7) and removes `logical_date` on
 * Airflow 2. The test keeps the run id in `panelRunId`.
 *
 * @where conf = {"message": "hello from the control panel"}
 */
prerequest: {
  pm.collectionVariables.set('panelDagId', 'dependent_dag');  // the DAG to trigger
  function checkBody(text) {  // [body, null] if the conf can be sent, else [null, what is wrong]
    let body;
    try { body = JSON.parse(text); } catch (e) { return [null, 'Conf is not valid JSON: ' + e.message]; }
    const conf = body.conf === undefined ? {} : body.conf;
    if (conf === null || typeof conf !== 'object' || Array.isArray(conf))
      return [null, 'Conf must be a JSON object like {"message": "hi"}, not ' + JSON.stringify(conf)];
    return [body, null];
  }
  // The panel checks the conf first: a mistake is reported, and nothing is sent.
  const [body, problem] = checkBody(pm.request.body.raw);
  pm.test('the check refuses a conf that is not JSON', () => pm.expect(checkBody('{"conf": {"message": "hi",}}')[1]).to.match(/not valid JSON/));
  pm.test('the check refuses JSON that is not an object', () => pm.expect(checkBody('{"conf": ["a", "b"]}')[1]).to.match(/JSON object/));
  if (problem) {
    console.error(problem + ' Nothing was triggered.');
    pm.execution.skipRequest();
  } else {
    if (pm.collectionVariables.get('major') === '2') delete body.logical_date;  // Airflow 2 sets the logical date itself
    pm.request.body.update(JSON.stringify(body));
    // the number of runs before this one, for the checks of requests 5 to 7
    pm.sendRequest({url: pm.variables.replaceIn('{{baseUrl}}{{api}}/dags/dependent_dag/dagRuns?limit=1'),
                    header: {Authorization: pm.request.headers.get('Authorization') || ''}},
      (err, res) => pm.collectionVariables.set('panelRunsBefore', String(res.json().total_entries)));
  }
}
test: {
  const data = pm.response.json();
  pm.test("triggered, with the conf", () => pm.expect(data.conf.message).to.eql('hello from the control panel'));
  pm.collectionVariables.set('panelRunId', data.dag_run_id);
}

/** 3a · Live status: the run
 * @call GET /dags/{dag_id}/dagRuns/{run_id}
 *
 * The pre-request script asks every second until the run has finished, as the panel does.
 */
prerequest: {
  waitForRuns(600, runUrl(pm.collectionVariables.get('panelDagId'), pm.collectionVariables.get('panelRunId')));
}
test: { runStateIs('success', "the run succeeded"); }

/** 3b · Live status: its tasks
 * @call GET /dags/{dag_id}/dagRuns/{run_id}/taskInstances in live-status
 */
test: {
  const states = pm.response.json().task_instances.map(t => t.state);
  pm.test("every task succeeded", () => pm.expect(states).to.eql(['success']));
}

/** 4a · Log tail: the task that started last
 * @call GET /dags/{dag_id}/dagRuns/{run_id}/taskInstances in log-tail
 *
 * The test keeps the task that started last and its try in `panelTaskId` and `panelTry`, for the log
 * request.
 */
test: {
  const started = pm.response.json().task_instances.filter(t => t.start_date);
  const last = started.sort((a, b) => Date.parse(b.start_date) - Date.parse(a.start_date))[0];
  pm.test("found the last task: report", () => pm.expect(last.task_id).to.eql('report'));
  pm.collectionVariables.set('panelTaskId', last.task_id);
  pm.collectionVariables.set('panelTry', String(last.try_number));
}

/** 4b · Log tail: its log
 * @call GET /dags/{dag_id}/dagRuns/{run_id}/taskInstances/{last['task_id']}/logs/{last['try_number']}
 *
 * The header `Accept: application/json` asks Airflow 2 for JSON instead of plain text.
 *
 * @header Accept: application/json
 */
test: {
  const content = pm.response.json().content;
  const lines = typeof content === 'string' ? content.split('\n') : content.map(e => e.event || '');
  pm.test("the task printed the conf", () => pm.expect(lines.join('\n')).to.include('dependent_dag received').and.include('hello from the control panel'));
}

/** 5 · How many runs dependent_dag has
 * @call GET /dags/dependent_dag/dagRuns in run-count
 *
 * Request 2 counted the runs before the trigger (`panelRunsBefore`).
 */
test: { runsSinceRequest2(1, "one run more than before the trigger"); }

/** 6 · Check: a refused conf sent nothing
 * @call GET /dags/dependent_dag/dagRuns in refused-conf-check
 *
 * The confs the panel refused (request 2's pre-request tests) sent nothing: the count has not changed since
 * request 5.
 */
test: { runsSinceRequest2(1, "no other run"); }

/** 7 · Check: exactly one run more
 * @call GET /dags/dependent_dag/dagRuns in one-run-more-check
 *
 * Exactly one run more than before request 2 (`panelRunsBefore`).
 */
test: { runsSinceRequest2(1, "exactly one run more"); }

/** Cleanup 1 · Delete the run
 * @call DELETE /dags/{dag_id}/dagRuns/{created_run_id}
 * @status 204
 */

/** Cleanup 2 · Check: as many runs as before
 * @call GET /dags/dependent_dag/dagRuns in cleanup
 *
 * As many runs as before request 2 (`panelRunsBefore`).
 */
test: { runsSinceRequest2(0, "as many runs as before"); }

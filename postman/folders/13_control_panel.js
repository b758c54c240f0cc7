// The Postman side of notebooks/13_control_panel.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The notebook defines the panel's calls in functions before it uses them; the requests follow its code, so
 * the trigger comes right after the DAG list, then the status and the log, and the cleanup. The panel's runs
 * are named `kit_13__` and the time; the first requests delete those an interrupted earlier run left. To use
 * it as a panel: change the DAG in request 2's pre-request script (`panelDagId`) and the conf in its body,
 * and send requests 2 to 4b.
 *
 * @where dag_id = {{panelDagId}}
 * @where run_id = {{panelRunId}}
 * @where created_run_id = {{panelRunId}}
 * @where last['task_id'] = {{panelTaskId}}
 * @where last['try_number'] = {{panelTry}}
 * @variable panelDagId = dependent_dag
 * @status 200
 */

/** 0a · Start clean: the runs of every DAG
 * @call GET /dags/~/dagRuns
 *
 * The panel's runs have `kit_13__` in their id: the test keeps those an interrupted earlier run left in
 * `panelLeftovers`, for request 0b. `order_by=-id` puts the newest runs first, on the one page the request reads.
 *
 * @query order_by=-id
 */
test: {
  const leftovers = pm.response.json().dag_runs.filter(r => r.dag_run_id.includes('kit_13__')).map(r => [r.dag_id, r.dag_run_id]);
  pm.collectionVariables.set('panelLeftovers', JSON.stringify(leftovers));
}

/** 0b · Start clean: delete them
 * @call DELETE /dags/{run['dag_id']}/dagRuns/{run['dag_run_id']}
 * @status 204
 *
 * Sent once for each run request 0a found (`panelLeftoverDagId`, `panelLeftoverRunId`); skipped when there is
 * none.
 *
 * @where run['dag_id'] = {{panelLeftoverDagId}}
 * @where run['dag_run_id'] = {{panelLeftoverRunId}}
 */
prerequest: { firstOfList('panelLeftovers', 'panelLeftoverDagId', 'panelLeftoverRunId'); }
test: { nextOfList('panelLeftovers'); }

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
 * object?) and, if it is not, logs what is wrong to the console and sends nothing; it also removes
 * `logical_date` on Airflow 2. The run id is `kit_13__` and the time of the request. The test keeps it in
 * `panelRunId`.
 *
 * @where conf = {"message": "hello from the control panel"}
 * @where run_id = kit_13__{{$isoTimestamp}}
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
  }
}
test: {
  const data = pm.response.json();
  pm.test("triggered, with its id and the conf", () => {
    pm.expect(data.dag_run_id).to.match(/^kit_13__/);
    pm.expect(data.conf.message).to.eql('hello from the control panel');
  });
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

/** Cleanup 1 · Delete the run
 * @call DELETE /dags/{dag_id}/dagRuns/{created_run_id}
 * @status 204
 */

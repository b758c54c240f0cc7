// The Postman side of notebooks/05_monitoring.ipynb: one section per API call of the notebook, in order.
// postman/build_collection.py takes each request from the notebook and its scripts from here (CONTRIBUTING.md).

/**
 * The folder triggers three runs with fixed ids (`kit_05_run_1`, `kit_05_run_2`, `kit_05_run_3`), deletes
 * leftovers of an interrupted run first, and deletes the runs at the end. The requests that stand for a loop
 * of the notebook are sent once per run id (the Collection Runner repeats them; with Send, send them three
 * times). The notebook also drops a broken DAG file into `dags/` to show an import error: do the same by
 * hand and send request 3.3 to see it.
 *
 * @where run_id = {{runId05}}
 * @where triggered_at.isoformat() = {{triggeredAt}}
 */

/**
 * 0 · Start clean: delete leftover runs
 *
 * Sent once for each run id (`runId05`): a run of this folder that was interrupted may have left its runs,
 * and triggering them again would answer 409 Conflict. 204: deleted; 404: nothing to delete.
 */
prerequest: {
  loopPre('runId05', ["kit_05_run_1", "kit_05_run_2", "kit_05_run_3"]);
}
test: {
  status(204, 404);
  loopNext('runId05', 3);
}

/**
 * 1 · Health
 *
 * On Airflow 2 the pre-request script drops `monitor` from the path: `GET /api/v1/health`.
 */
prerequest: {
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2 has /api/v1/health instead
    pm.request.url.path = pm.request.url.path.filter(p => p !== 'monitor');
  }
}
test: {
  status(200);
  const data = pm.response.json();
  pm.test("database and scheduler healthy", () => pm.expect([data.metadatabase.status, data.scheduler.status]).to.eql(['healthy', 'healthy']));
}

/**
 * 2 · Providers
 */
test: {
  status(200);
  const names = pm.response.json().providers.map(p => p.package_name);
  // @task and PythonOperator: the standard provider on Airflow 3, core on Airflow 2
  const expected = pm.collectionVariables.get('major') === '2' ? 'apache-airflow-providers-http' : 'apache-airflow-providers-standard';
  pm.test("has the provider the kit relies on", () => pm.expect(names).to.include(expected));
}

/**
 * 3.1 · Where is the DAGs folder?
 */
test: {
  status(200);
  pm.test("fileloc is random_failures.py", () => pm.expect(pm.response.json().fileloc).to.match(/random_failures\.py$/));
}

/**
 * 3.3 · Import errors
 *
 * The notebook writes `kit_05_broken_dag.py` (a syntax error) into the DAGs folder and asks until it is
 * listed; copy any DAG file with a syntax error into `dags/` and send this again after a few seconds to see
 * yours.
 */
test: {
  status(200);
  pm.test("a list of import errors", () => pm.expect(pm.response.json().import_errors).to.be.an('array'));
}

/**
 * 3.4 · Import errors, after removing the file
 */
test: {
  status(200);
  const files = pm.response.json().import_errors.map(e => e.filename);
  pm.test("no error of the notebook's broken file", () => pm.expect(files.filter(f => f.endsWith('kit_05_broken_dag.py'))).to.eql([]));
}

/**
 * 4 · DAG stats, before
 *
 * The test keeps the counts (`statsBefore`) to compare after this folder's runs (request 6).
 */
test: {
  status(200);
  const dag = pm.response.json().dags.find(d => d.dag_id === 'random_failures');
  const counts = Object.fromEntries((dag ? dag.stats : []).map(s => [s.state, s.count]));
  pm.test("counts runs per state", () => pm.expect(Object.keys(counts).every(s => ['queued', 'running', 'success', 'failed'].includes(s))).to.eql(true));
  pm.collectionVariables.set('statsBefore', JSON.stringify(counts));
}

/**
 * 5 · Trigger three runs
 *
 * Sent once for each run id (`runId05`). The pre-request script also notes the time of the first trigger
 * (`triggeredAt`), to find the event log entries later, and removes `logical_date` on Airflow 2.
 */
prerequest: {
  loopPre('runId05', ["kit_05_run_1", "kit_05_run_2", "kit_05_run_3"]);
  if (loopIndex === 0) pm.collectionVariables.set('triggeredAt', new Date().toISOString());
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2 sets the logical date itself
    const b = JSON.parse(pm.request.body.raw);
    delete b.logical_date;
    pm.request.body.update(JSON.stringify(b));
  }
}
test: {
  status(200);
  const data = pm.response.json();
  pm.test("queued, with the id asked for", () => pm.expect(data.dag_run_id).to.eql(pm.collectionVariables.get('runId05')));
  loopNext('runId05', 3);
}

/**
 * 6 · DAG stats, after
 *
 * The pre-request script waits for the three runs first.
 */
prerequest: {
  waitForRuns(600,
              runUrl('random_failures', 'kit_05_run_1'),
              runUrl('random_failures', 'kit_05_run_2'),
              runUrl('random_failures', 'kit_05_run_3'));
}
test: {
  status(200);
  const dag = pm.response.json().dags.find(d => d.dag_id === 'random_failures');
  const counts = Object.fromEntries((dag ? dag.stats : []).map(s => [s.state, s.count]));
  const before = JSON.parse(pm.collectionVariables.get('statsBefore') || '{}');
  pm.test("three more successful runs", () => pm.expect((counts.success || 0) - (before.success || 0)).to.eql(3));
}

/**
 * 7 · A Gantt chart of a run: its task instances
 */
test: {
  status(200);
  const tis = pm.response.json().task_instances.sort((a, b) => a.task_id.localeCompare(b.task_id));
  pm.test("five tasks succeeded, one after the other", () => {
    pm.expect(tis.map(t => t.state)).to.eql(Array(5).fill('success'));
    for (let i = 1; i < tis.length; i++) pm.expect(Date.parse(tis[i].start_date)).to.be.at.least(Date.parse(tis[i - 1].end_date));
  });
}

/**
 * 8 · Run durations
 *
 * `order_by=-id` puts the newest runs first, so that this folder's runs are on the one page the request
 * reads.
 *
 * @query order_by=-id
 */
test: {
  status(200);
  const mine = pm.response.json().dag_runs.filter(r => ['kit_05_run_1', 'kit_05_run_2', 'kit_05_run_3'].includes(r.dag_run_id));
  pm.test("this folder's three runs succeeded, each took some time", () => {
    pm.expect(mine.map(r => r.state)).to.eql(['success', 'success', 'success']);
    mine.forEach(r => pm.expect(Date.parse(r.end_date)).to.be.above(Date.parse(r.start_date)));
  });
}

/**
 * 9 · The event log
 *
 * `after` is `{{triggeredAt}}`, the time request 5 noted. On Airflow 2 the trigger's event is
 * `api.post_dag_run`, with no run id.
 */
test: {
  status(200);
  const events = pm.response.json().event_logs;
  // Airflow 2 calls the event api.post_dag_run and records no run id with it
  const triggers = pm.collectionVariables.get('major') === '2'
    ? events.filter(e => e.event === 'api.post_dag_run')
    : events.filter(e => e.event === 'trigger_dag_run' && ['kit_05_run_1', 'kit_05_run_2', 'kit_05_run_3'].includes(e.run_id));
  pm.test("one trigger per run, by this user", () => {
    pm.expect(triggers.length).to.eql(3);
    if (['jwt', 'basic'].includes(pm.collectionVariables.get('authModeUsed')))  // signed in as username
      pm.expect(triggers.every(e => e.owner === pm.variables.get('username'))).to.eql(true);
  });
}

/**
 * Cleanup 1 · Delete the runs
 *
 * Sent once for each run id (`runId05`).
 */
prerequest: {
  loopPre('runId05', ["kit_05_run_1", "kit_05_run_2", "kit_05_run_3"]);
}
test: {
  status(204);
  loopNext('runId05', 3);
}

/**
 * Cleanup 2 · Check: the runs are gone
 *
 * `order_by=-id` puts the newest runs first, so that this folder's runs are on the one page the request
 * reads.
 *
 * @query order_by=-id
 */
test: {
  status(200);
  const ids = pm.response.json().dag_runs.map(r => r.dag_run_id);
  pm.test("none of this folder's runs is left", () => pm.expect(ids).to.not.include.any.members(['kit_05_run_1', 'kit_05_run_2', 'kit_05_run_3']));
}

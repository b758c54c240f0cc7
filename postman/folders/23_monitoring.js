// The Postman side of notebooks/23_monitoring.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The folder triggers three runs with fixed ids (`kit_23_run_1`, `kit_23_run_2`, `kit_23_run_3`), deletes
 * leftovers of an interrupted run first, and deletes the runs at the end. The requests that stand for a loop
 * of the lesson are sent once per run id (the Collection Runner repeats them; with Send, send them three
 * times). The lesson also drops two DAG files into `dags/`, a broken one to show an import error and one that
 * loads with a DAG warning (`kit_23_warned_dag.py`), which it deletes with its DAG again: do the same by hand and
 * send requests 4.3 to 5.3 to see them; without them, 4.4 answers 404, 5.1 lists no warning, and 5.2 and 5.3a
 * find no DAG (404). Requests 3 and 3.1 answer 403 where the Airflow does not expose its configuration (the
 * kit's Airflow 2.11 stack; the kit's Airflow 3 stack does).
 *
 * @where run_id = {{runId23}}
 * @where triggered_at.isoformat() = {{triggeredAt}}
 * @status 200
 */

/** 0a · Start clean: end leftover runs
 * @call PATCH /dags/random_failures/dagRuns/{run_id}
 * @status 200 404
 *
 * Sent once for each run id (`runId23`): a run of this folder that was interrupted may have left its runs,
 * perhaps still running, and triggering them again would answer 409 Conflict. A run that has not finished
 * cannot be deleted, so each is first marked failed. 200: ended; 404: nothing to end.
 */
prerequest: { loopPre('runId23', ["kit_23_run_1", "kit_23_run_2", "kit_23_run_3"]); }
test: {
  rememberEnded();
  loopNext('runId23', 3);
}

/** 0b · Start clean: delete leftover runs
 * @call DELETE /dags/random_failures/dagRuns/{run_id} in start-clean
 * @status 204 404
 *
 * Sent once for each run id (`runId23`). 204: deleted; 404: nothing to delete.
 */
prerequest: {
  waitForSchedulerIfEnded();
  loopPre('runId23', ["kit_23_run_1", "kit_23_run_2", "kit_23_run_3"]);
}
test: { loopNext('runId23', 3); }

/** 1 · Health
 * @call GET /monitor/health
 *
 * On Airflow 2 the pre-request script drops `monitor` from the path: `GET /api/v1/health`.
 */
prerequest: { healthPathOn2(); }
test: {
  const data = pm.response.json();
  pm.test("database and scheduler healthy", () => pm.expect([data.metadatabase.status, data.scheduler.status]).to.eql(['healthy', 'healthy']));
}

/** 1.1 · The jobs behind it (Airflow 3)
 * @call GET /jobs
 * @airflow3
 *
 * Skipped on Airflow 2, which has no `/jobs` (its `/health` shows the scheduler's heartbeat).
 */
test: {
  const types = pm.response.json().jobs.map(j => j.job_type);
  pm.test("a live scheduler, triggerer and DAG processor", () => pm.expect(types).to.include.members(['SchedulerJob', 'TriggererJob', 'DagProcessorJob']));
}

/** 2 · Providers
 * @call GET /providers
 */
test: {
  const names = pm.response.json().providers.map(p => p.package_name);
  // @task and PythonOperator: the standard provider on Airflow 3, core on Airflow 2
  const expected = pm.collectionVariables.get('major') === '2' ? 'apache-airflow-providers-http' : 'apache-airflow-providers-standard';
  pm.test("has the provider the kit relies on", () => pm.expect(names).to.include(expected));
}

/** 2.1 · Plugins that failed to load (Airflow 3.1+)
 * @call GET /plugins/importErrors
 * @airflow3
 *
 * Skipped on Airflow 2, which has no such call (Airflow 3.1 brought it).
 */
test: { pm.test("the kit's plugins all load", () => pm.expect(pm.response.json().import_errors).to.eql([])); }

/** 3 · Configuration
 * @call GET /config
 * @status 200 403
 *
 * 403 where the Airflow does not expose its configuration (`[api] expose_config`, on Airflow 2 `[webserver]
 * expose_config`: off by default; the kit's Airflow 3 stack turns it on, its Airflow 2.11 stack does not).
 */
test: {
  if (pm.response.code === 200) {
    const options = pm.response.json().sections.flatMap(s => s.options.map(o => [s.name + '.' + o.key, o.value]));
    const masked = options.filter(([, value]) => value === '< hidden >').map(([name]) => name);
    pm.test("sensitive values masked", () => pm.expect(masked).to.include.members(['core.fernet_key', 'database.sql_alchemy_conn']));
  }
}

/** 3.1 · One option
 * @call GET /config/section/core/option/parallelism
 * @status 200 403
 *
 * 403 where the configuration is not exposed (see request 3).
 */
test: {
  if (pm.response.code === 200) {
    const section = pm.response.json().sections[0];
    pm.test("core.parallelism", () => pm.expect([section.name, section.options[0].key]).to.eql(['core', 'parallelism']));
  }
}

/** 4.1 · Where is the DAGs folder?
 * @call GET /dags/random_failures
 */
test: {
  pm.test("fileloc is random_failures.py", () => pm.expect(pm.response.json().fileloc).to.match(/random_failures\.py$/));
}

/** 4.3 · Import errors
 * @call GET /importErrors in import-errors
 *
 * The lesson writes `kit_23_broken_dag.py` (a syntax error) into the DAGs folder and asks until it is
 * listed; copy any DAG file with a syntax error into `dags/` and send this again after a few seconds to see
 * yours. The test keeps the id of the first import error listed in `importErrorId` (`0`, which no error has,
 * when there is none) for request 4.4.
 */
test: {
  const errors = pm.response.json().import_errors;
  pm.test("a list of import errors", () => pm.expect(errors).to.be.an('array'));
  pm.collectionVariables.set('importErrorId', String(errors.length ? errors[0].import_error_id : 0));
}

/** 4.4 · One import error, by its id
 * @call GET /importErrors/{mine['import_error_id'].iloc[0]}
 * @status 200 404
 *
 * The id is `importErrorId` (request 4.3); 404 when request 4.3 listed no import error.
 *
 * @where mine['import_error_id'].iloc[0] = {{importErrorId}}
 */
test: {
  if (pm.response.code === 200) {
    pm.test("the error asked for, with its stack trace", () => {
      pm.expect(String(pm.response.json().import_error_id)).to.eql(pm.collectionVariables.get('importErrorId'));
      pm.expect(pm.response.json().stack_trace).to.be.a('string');
    });
  }
}

/** 4.5 · Import errors, after removing the file
 * @call GET /importErrors in import-errors-after
 */
test: {
  const files = pm.response.json().import_errors.map(e => e.filename);
  pm.test("no error of the lesson's broken file", () => pm.expect(files.filter(f => f.endsWith('kit_23_broken_dag.py'))).to.eql([]));
}

/** 5.1 · DAG warnings
 * @call GET /dagWarnings in dag-warnings
 *
 * The warnings of `kit_23_warned_dag`: none unless its file, as the lesson writes it, is in `dags/`.
 */
test: {
  const warnings = pm.response.json().dag_warnings;
  pm.test("only warnings of kit_23_warned_dag", () => pm.expect(warnings.every(w => w.dag_id === 'kit_23_warned_dag')).to.eql(true));
}

/** 5.2 · The DAG goes stale
 * @call GET /dags/{WARNED_DAG}
 * @status 200 404
 *
 * 404 unless `kit_23_warned_dag.py` was in `dags/` (see 5.1); stale once the file is gone again.
 */
test: {
  if (pm.response.code === 200) {
    pm.test("the DAG of kit_23_warned_dag.py", () => pm.expect(pm.response.json().dag_id).to.eql('kit_23_warned_dag'));
  }
}

/** 5.3a · Delete the DAG
 * @call DELETE /dags/{WARNED_DAG}
 * @status 204 404
 *
 * 204: deleted (delete its file first, or it comes back); 404: there was none (see 5.1).
 */

/** 5.3b · Check: no warning of it is left
 * @call GET /dagWarnings in dag-warnings-after
 */
test: { pm.test("no warning of kit_23_warned_dag", () => pm.expect(pm.response.json().dag_warnings).to.eql([])); }

/** 6 · DAG stats, before
 * @call GET /dagStats in dag-stats-before
 *
 * The test keeps the counts (`statsBefore`) to compare after this folder's runs (request 8).
 */
test: {
  const dag = pm.response.json().dags.find(d => d.dag_id === 'random_failures');
  const counts = Object.fromEntries((dag ? dag.stats : []).map(s => [s.state, s.count]));
  pm.test("counts runs per state", () => pm.expect(Object.keys(counts).every(s => ['queued', 'running', 'success', 'failed'].includes(s))).to.eql(true));
  pm.collectionVariables.set('statsBefore', JSON.stringify(counts));
}

/** 7 · Trigger three runs
 * @call POST /dags/random_failures/dagRuns
 *
 * Sent once for each run id (`runId23`). The pre-request script also notes the time of the first trigger
 * (`triggeredAt`), to find the event log entries later, and removes `logical_date` on Airflow 2.
 */
prerequest: {
  loopPre('runId23', ["kit_23_run_1", "kit_23_run_2", "kit_23_run_3"]);
  if (loopIndex === 0) pm.collectionVariables.set('triggeredAt', new Date().toISOString());
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2 sets the logical date itself
    const b = JSON.parse(pm.request.body.raw);
    delete b.logical_date;
    pm.request.body.update(JSON.stringify(b));
  }
}
test: {
  const data = pm.response.json();
  pm.test("queued, with the id asked for", () => pm.expect(data.dag_run_id).to.eql(pm.collectionVariables.get('runId23')));
  loopNext('runId23', 3);
}

/** 8 · DAG stats, after
 * @call GET /dagStats in dag-stats-after
 *
 * The pre-request script waits for the three runs first.
 */
prerequest: {
  waitForRuns(600,
              runUrl('random_failures', 'kit_23_run_1'),
              runUrl('random_failures', 'kit_23_run_2'),
              runUrl('random_failures', 'kit_23_run_3'));
}
test: {
  const dag = pm.response.json().dags.find(d => d.dag_id === 'random_failures');
  const counts = Object.fromEntries((dag ? dag.stats : []).map(s => [s.state, s.count]));
  const before = JSON.parse(pm.collectionVariables.get('statsBefore') || '{}');
  pm.test("three more successful runs", () => pm.expect((counts.success || 0) - (before.success || 0)).to.eql(3));
}

/** 9 · A Gantt chart of a run: its task instances
 * @call GET /dags/random_failures/dagRuns/kit_23_run_1/taskInstances
 */
test: {
  const tis = pm.response.json().task_instances.sort((a, b) => a.task_id.localeCompare(b.task_id));
  pm.test("five tasks succeeded, one after the other", () => {
    pm.expect(tis.map(t => t.state)).to.eql(Array(5).fill('success'));
    for (let i = 1; i < tis.length; i++) pm.expect(Date.parse(tis[i].start_date)).to.be.at.least(Date.parse(tis[i - 1].end_date));
  });
}

/** 10 · Run durations
 * @call GET /dags/random_failures/dagRuns
 *
 * `order_by=-id` puts the newest runs first, so that this folder's runs are on the one page the request
 * reads.
 *
 * @query order_by=-id
 */
test: {
  const mine = pm.response.json().dag_runs.filter(r => ['kit_23_run_1', 'kit_23_run_2', 'kit_23_run_3'].includes(r.dag_run_id));
  pm.test("this folder's three runs succeeded, each took some time", () => {
    pm.expect(mine.map(r => r.state)).to.eql(['success', 'success', 'success']);
    mine.forEach(r => pm.expect(Date.parse(r.end_date)).to.be.above(Date.parse(r.start_date)));
  });
}

/** 11 · The event log
 * @call GET /eventLogs
 *
 * `after` is `{{triggeredAt}}`, the time request 7 noted. On Airflow 2 the trigger's event is
 * `api.post_dag_run`, with no run id. The test keeps the id of the first run's trigger in `eventLogId`, for
 * request 11.1.
 */
test: {
  const events = pm.response.json().event_logs;
  // Airflow 2 calls the event api.post_dag_run and records no run id with it
  const triggers = pm.collectionVariables.get('major') === '2'
    ? events.filter(e => e.event === 'api.post_dag_run')
    : events.filter(e => e.event === 'trigger_dag_run' && ['kit_23_run_1', 'kit_23_run_2', 'kit_23_run_3'].includes(e.run_id));
  pm.test("one trigger per run, by this user", () => {
    pm.expect(triggers.length).to.eql(3);
    if (['jwt', 'basic'].includes(pm.collectionVariables.get('authModeUsed')))  // signed in as username
      pm.expect(triggers.every(e => e.owner === pm.variables.get('username'))).to.eql(true);
  });
  const first = triggers.find(e => e.run_id === 'kit_23_run_1') || [...triggers].sort((a, b) => a.event_log_id - b.event_log_id)[0];
  if (first) pm.collectionVariables.set('eventLogId', String(first.event_log_id));
}

/** 11.1 · One entry, by its id
 * @call GET /eventLogs/{event_log_id}
 *
 * The id is `eventLogId` (request 11): the trigger of the first run.
 *
 * @where event_log_id = {{eventLogId}}
 */
test: {
  const entry = pm.response.json();
  pm.test("the trigger asked for, with what it sent", () => {
    pm.expect(String(entry.event_log_id)).to.eql(pm.collectionVariables.get('eventLogId'));
    pm.expect(['trigger_dag_run', 'api.post_dag_run']).to.include(entry.event);
    pm.expect(JSON.parse(entry.extra).dag_run_id).to.match(/^kit_23_run_/);
  });
}

/** Cleanup · Delete the runs
 * @call DELETE /dags/random_failures/dagRuns/{run_id} in cleanup
 * @status 204
 *
 * Sent once for each run id (`runId23`).
 */
prerequest: { loopPre('runId23', ["kit_23_run_1", "kit_23_run_2", "kit_23_run_3"]); }
test: { loopNext('runId23', 3); }

// The Postman side of notebooks/12_dag_runs.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Run ids are never typed in: each trigger's test keeps the run id Airflow chose in a collection variable
 * (`rfRunId`, `ddRunId`, `datedRunId`, `apiRunId`, `childRunId`) that the later requests use. The requests
 * that need a finished run wait for it in their pre-request script (in the Collection Runner and with Send
 * alike).
 *
 * @where rf_run_id = {{rfRunId}}
 * @where dd_run_id = {{ddRunId}}
 * @where dated_run_id = {{datedRunId}}
 * @where api_run_id = {{apiRunId}}
 * @where child_run_id = {{childRunId}}
 * @where old_run_id = {{datedLeftoverRunId}}
 * @status 200
 */

/** 1 · Trigger random_failures
 * @call POST /dags/random_failures/dagRuns
 *
 * On Airflow 2 the pre-request script removes `logical_date`. The test keeps the run id in `rfRunId`.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const data = pm.response.json();
  pm.test("a new queued run with the conf", () => {
    pm.expect(data.dag_run_id).to.match(/^manual__/);
    pm.expect(data.state).to.eql('queued');
    pm.expect(data.conf).to.eql({failure_rate: 0});
  });
  pm.collectionVariables.set('rfRunId', data.dag_run_id);
}

/** 2 · Trigger dependent_dag with a conf
 * @call POST /dags/dependent_dag/dagRuns in trigger-with-conf
 *
 * On Airflow 2 the pre-request script removes `logical_date`. Change the conf to anything JSON. The test
 * keeps the run id in `ddRunId`.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const data = pm.response.json();
  pm.test("queued, with the conf", () => { pm.expect(data.state).to.eql('queued'); pm.expect(data.conf).to.eql({"message": "hello from notebook 12", "requested_by": "12_dag_runs"}); });
  pm.collectionVariables.set('ddRunId', data.dag_run_id);
}

/** 3a · A run for a given date: find a leftover
 * @call GET /dags/dependent_dag/dagRuns
 *
 * Where the notebook lists the runs and picks those for the date itself, this request asks Airflow for them:
 * `logical_date_gte`, `logical_date_lte` (Airflow 2: `execution_date_...`, which the pre-request script
 * writes). The test keeps the leftover's id in `datedLeftoverRunId` (empty when there is none).
 *
 * @query logical_date_gte=2024-05-01T00:00:00Z
 * @query logical_date_lte=2024-05-01T23:59:59Z
 */
prerequest: { logicalDateQueryOn2(); }
test: { keepLeftoverRun('datedLeftoverRunId', "at most one run per logical date"); }

/** 3b · Delete the leftover, if any
 * @call DELETE /dags/dependent_dag/dagRuns/{old_run_id}
 * @status 204
 *
 * Deletes the leftover run request 3a found (`datedLeftoverRunId`); skipped when there is none.
 */
prerequest: { skipUnless('datedLeftoverRunId'); }

/** 3c · Trigger a run for a given date: the webinar's call
 * @call POST /dags/dependent_dag/dagRuns in trigger-for-date
 *
 * Change the date (and request 3a's filter with it). The test keeps the run id in `datedRunId`.
 */
test: {
  const data = pm.response.json();
  pm.test("queued, for 1 May 2024", () => { pm.expect(data.logical_date).to.match(/^2024-05-01/); pm.expect(data.state).to.eql('queued'); });
  pm.collectionVariables.set('datedRunId', data.dag_run_id);
}

/** 4a · Watch the runs
 * @call GET /dags/random_failures/dagRuns/{rf_run_id}
 *
 * The pre-request script waits for the folder's three runs (asking once a second, as `af.wait_for_run()`
 * does) before this request is sent.
 */
prerequest: {
  waitForRuns(600,
              runUrl('random_failures', pm.collectionVariables.get('rfRunId')),
              runUrl('dependent_dag', pm.collectionVariables.get('ddRunId')),
              runUrl('dependent_dag', pm.collectionVariables.get('datedRunId')));
}
test: {
  const data = pm.response.json();
  pm.test("the run succeeded", () => { pm.expect(data.dag_run_id).to.eql(pm.collectionVariables.get('rfRunId')); pm.expect(data.state).to.eql('success'); });
}

/** 4b · Check: dependent_dag's run
 * @call GET /dags/dependent_dag/dagRuns/{dd_run_id}
 *
 * The notebook's check: `dependent_dag`'s run (`ddRunId`) succeeded too.
 */
test: {
  const data = pm.response.json();
  pm.test("the run succeeded", () => { pm.expect(data.dag_run_id).to.eql(pm.collectionVariables.get('ddRunId')); pm.expect(data.state).to.eql('success'); });
}

/** 4c · Check: the dated run
 * @call GET /dags/dependent_dag/dagRuns/{dated_run_id}
 *
 * The notebook's check: the run for 1 May 2024 (`datedRunId`) succeeded too.
 */
test: {
  const data = pm.response.json();
  pm.test("the run succeeded", () => { pm.expect(data.dag_run_id).to.eql(pm.collectionVariables.get('datedRunId')); pm.expect(data.state).to.eql('success'); });
}

/** 4d · Wait without polling: delete a leftover run
 * @call DELETE /dags/dependent_dag/dagRuns/{wait_run_id} in trigger-to-wait
 * @status 204 404
 *
 * Deletes the run `notebook_12_wait` that an interrupted earlier run of this folder may have left: 204,
 * deleted; 404, there was none.
 */

/** 4e · Trigger dependent_dag with a run id of your own
 * @call POST /dags/dependent_dag/dagRuns in trigger-to-wait
 *
 * On Airflow 2 the pre-request script removes `logical_date`.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const data = pm.response.json();
  pm.test("queued, with the run id it was given", () => { pm.expect(data.dag_run_id).to.eql('notebook_12_wait'); pm.expect(data.state).to.eql('queued'); });
}

/** 4f · Wait for the run: /wait (Airflow 3)
 * @call GET /dags/dependent_dag/dagRuns/{wait_run_id}/wait
 * @airflow3
 *
 * Postman shows the streamed answer once it has ended: all its lines at once, as text (one JSON document
 * per line). Skipped on Airflow 2, which has no `/wait`.
 */
test: {
  const lines = pm.response.text().split('\n').filter(line => line.trim()).map(line => JSON.parse(line));
  const last = lines[lines.length - 1];
  pm.test("a line per check; the last one: the run succeeded", () => {
    pm.expect(lines.slice(0, -1).every(line => ['queued', 'running'].includes(line.state))).to.eql(true);
    pm.expect(last.state).to.eql('success');
  });
  pm.test("the last line brings report's return value", () => pm.expect(last.results.report.message).to.eql('hello from notebook 12'));
}

/** 5a · List runs of one DAG
 * @call GET /dags/random_failures/dagRuns
 *
 * `order_by=-id` puts the newest runs first, so that this folder's runs are on the one page the request
 * reads.
 *
 * @query order_by=-id
 */
test: {
  const run = pm.response.json().dag_runs.find(r => r.dag_run_id === pm.collectionVariables.get('rfRunId'));
  pm.test("lists this folder's run, succeeded", () => pm.expect(run.state).to.eql('success'));
}

/** 5b · List runs of every DAG
 * @call GET /dags/~/dagRuns in list-runs-every-dag
 *
 * `order_by=-id` puts the newest runs first, so that this folder's runs are on the one page the request
 * reads.
 *
 * @query order_by=-id
 */
test: {
  const ids = pm.response.json().dag_runs.map(r => r.dag_run_id);
  pm.test("lists the three runs of this folder so far", () => pm.expect(ids).to.include.members(['rfRunId', 'ddRunId', 'datedRunId'].map(v => pm.collectionVariables.get(v))));
}

/** 6 · A run's task instances
 * @call GET /dags/random_failures/dagRuns/{rf_run_id}/taskInstances
 */
test: {
  const tis = pm.response.json().task_instances.sort((a, b) => a.task_id.localeCompare(b.task_id));
  pm.test("five tasks, all succeeded on the first try", () => {
    pm.expect(tis.map(t => t.task_id)).to.eql(['task_1', 'task_2', 'task_3', 'task_4', 'task_5']);
    pm.expect(tis.every(t => t.state === 'success' && t.try_number === 1)).to.eql(true);
  });
}

/** 7 · A task's log
 * @call GET /dags/dependent_dag/dagRuns/{dd_run_id}/taskInstances/report/logs/1
 *
 * The header `Accept: application/json` asks Airflow 2 for JSON instead of plain text.
 *
 * @header Accept: application/json
 */
test: {
  const content = pm.response.json().content;
  const text = typeof content === 'string' ? content : content.map(e => e.event).join('\n');
  pm.test("the task printed the conf it received", () => pm.expect(text).to.include('dependent_dag received').and.include('hello from notebook 12'));
}

/** 8a · The task's XComs
 * @call GET /dags/dependent_dag/dagRuns/{dd_run_id}/taskInstances/report/xcomEntries
 */
test: {
  const keys = pm.response.json().xcom_entries.map(x => x.key);
  pm.test("return_value and the conf's keys", () => pm.expect(keys).to.include.members(['message', 'requested_by', 'return_value', 'run_type']));
}

/** 8b · One XCom, with its value
 * @call GET /dags/dependent_dag/dagRuns/{dd_run_id}/taskInstances/report/xcomEntries/return_value
 */
test: {
  const value = pm.response.json().value;
  pm.test("the conf the run was given", () => {
    if (typeof value === 'string') pm.expect(value).to.include('hello from notebook 12');
    else pm.expect(value.message).to.eql('hello from notebook 12');
  });
}

/** 9a · Trigger api_dag, which triggers dependent_dag
 * @call POST /dags/api_dag/dagRuns
 *
 * On Airflow 2 the pre-request script removes `logical_date`. The test keeps `api_dag`'s run id (`apiRunId`)
 * and the id of the run it starts (`childRunId`: `from_api_dag__` and `apiRunId`).
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const data = pm.response.json();
  pm.test("queued", () => pm.expect(data.state).to.eql('queued'));
  pm.collectionVariables.set('apiRunId', data.dag_run_id);
  pm.collectionVariables.set('childRunId', 'from_api_dag__' + data.dag_run_id);
}

/** 9b · The run api_dag started
 * @call GET /dags/dependent_dag/dagRuns/{child_run_id}
 *
 * The pre-request script first waits for `api_dag`'s run and the run it started.
 */
prerequest: {
  waitForRuns(600,
              runUrl('api_dag', pm.collectionVariables.get('apiRunId')),
              runUrl('dependent_dag', pm.collectionVariables.get('childRunId')));
}
test: {
  const data = pm.response.json();
  pm.test("the run succeeded", () => { pm.expect(data.dag_run_id).to.eql(pm.collectionVariables.get('childRunId')); pm.expect(data.state).to.eql('success'); });
  pm.test("with the relayed conf", () => pm.expect(data.conf).to.eql({message: "relayed by api_dag", requested_by: 'api_dag run ' + pm.collectionVariables.get('apiRunId')}));
}

/** 9c · Check: api_dag's run
 * @call GET /dags/api_dag/dagRuns/{api_run_id}
 *
 * The notebook's check: `api_dag`'s own run (`apiRunId`) succeeded.
 */
test: {
  const data = pm.response.json();
  pm.test("the run succeeded", () => { pm.expect(data.dag_run_id).to.eql(pm.collectionVariables.get('apiRunId')); pm.expect(data.state).to.eql('success'); });
}

/** Cleanup 1 · Delete the random_failures run
 * @call DELETE /dags/random_failures/dagRuns/{rf_run_id}
 * @status 204
 */

/** Cleanup 2 · Delete the dependent_dag run
 * @call DELETE /dags/dependent_dag/dagRuns/{dd_run_id}
 * @status 204
 */

/** Cleanup 3 · Delete the dated run
 * @call DELETE /dags/dependent_dag/dagRuns/{dated_run_id}
 * @status 204
 */

/** Cleanup 4 · Delete the api_dag run
 * @call DELETE /dags/api_dag/dagRuns/{api_run_id}
 * @status 204
 */

/** Cleanup 5 · Delete the run api_dag started
 * @call DELETE /dags/dependent_dag/dagRuns/{child_run_id}
 * @status 204
 */

/** Cleanup 5b · Delete the run of /wait
 * @call DELETE /dags/dependent_dag/dagRuns/{wait_run_id} in cleanup
 * @status 204
 */

/** Cleanup 6 · Check: the runs are gone
 * @call GET /dags/~/dagRuns in cleanup-check
 *
 * `order_by=-id` puts the newest runs first, so that this folder's runs are on the one page the request
 * reads.
 *
 * @query order_by=-id
 */
test: {
  const ids = pm.response.json().dag_runs.map(r => r.dag_run_id);
  const mine = ['rfRunId', 'ddRunId', 'datedRunId', 'apiRunId', 'childRunId'].map(v => pm.collectionVariables.get(v));
  pm.test("none of this folder's runs is left", () => pm.expect(ids).to.not.include.any.members(mine));
}

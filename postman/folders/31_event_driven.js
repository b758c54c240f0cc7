// The Postman side of notebooks/31_event_driven.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The run ids are fixed (as the notebook's), so the folder deletes leftovers first and its runs at the end.
 * The form's row stays in `include/form_submissions.db` (Postman cannot reach SQLite; the notebook deletes
 * it). The notebook's calls to the SQL runner plugin's own page (`/sql-runner/...`) are not Airflow REST API
 * calls and have no request here.
 *
 * @variable leftoverDagId
 * @variable leftoverRunId
 * @status 200
 */

/** The `value` of an XCom: JSON on Airflow 3; on Airflow 2 a Python repr, read as JSON. */
function xcomValue() {
  let value = pm.response.json().value;
  if (typeof value === 'string') {  // Airflow 2: a Python repr; good enough as JSON for these values
    value = JSON.parse(value.replace(/'/g, '"').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/\bNone\b/g, 'null'));
  }
}

/** Tests of a trigger: the run is queued, with the run id `runId`. */
function queuedAs($runId) {
  const data = pm.response.json();
  pm.test("queued, as $runId", () => pm.expect([data.dag_run_id, data.state]).to.eql(['$runId', 'queued']));
}

/** Pre-request lines of the requests sent once for each run request 0a found (skipped when there is none). */
function eachLeftover() {
  const leftovers = JSON.parse(pm.collectionVariables.get('eventDrivenLeftovers') || '[]');
  if (!leftovers.length) {
    pm.execution.skipRequest();  // none
  } else {
    loopPreEach('leftover', leftovers);
  }
}

/** 0a · Start clean: runs of the three DAGs
 * @call GET /dags/{dag_id}/dagRuns
 *
 * Sent once for each DAG (`eventDrivenDagId`), as the notebook's loop. The test keeps the runs an
 * interrupted earlier run of this folder left (its run ids are fixed) in `eventDrivenLeftovers`, for request
 * 0b: triggering them again would answer 409. (The notebook also deletes the SQL runner plugin's run, which
 * this folder does not make.)
 *
 * @where dag_id = {{eventDrivenDagId}}
 */
prerequest: {
  loopPre('eventDrivenDagId', ["form_submission", "s3_file_arrived", "sql_query"]);
  if (Number(pm.collectionVariables.get('eventDrivenDagIdIndex') || 0) === 0) pm.collectionVariables.set('eventDrivenLeftovers', '[]');
}
test: {
  const fixedIds = ['form__notebook31-0001', 's3__kit-landing-zone_sales_2024-05-14_orders_batch_1.csv__4029080f7f06647a'];
  const leftovers = JSON.parse(pm.collectionVariables.get('eventDrivenLeftovers'));
  pm.response.json().dag_runs.filter(r => fixedIds.includes(r.dag_run_id) || r.dag_run_id.startsWith('notebook31__'))
    .forEach(r => leftovers.push({leftoverDagId: r.dag_id, leftoverRunId: r.dag_run_id}));
  pm.collectionVariables.set('eventDrivenLeftovers', JSON.stringify(leftovers));
  loopNext('eventDrivenDagId', 3);
}

/** 0b · Start clean: end those still running
 * @call PATCH /dags/{dag_id}/dagRuns/{run['dag_run_id']}
 * @status 200
 *
 * Sent once for each run request 0a found (a run still queued or running cannot be deleted: 409; marking one
 * that has ended failed does no harm, it is deleted next); skipped when there is none.
 *
 * @where dag_id = {{leftoverDagId}}
 * @where run['dag_run_id'] = {{leftoverRunId}}
 */
prerequest: { eachLeftover(); }
test: {
  rememberEnded();
  loopNext('leftover', JSON.parse(pm.collectionVariables.get('eventDrivenLeftovers')).length);
}

/** 0c · Start clean: delete them
 * @call DELETE /dags/{dag_id}/dagRuns/{run['dag_run_id']}
 * @status 204
 *
 * Sent once for each run request 0a found (`leftoverDagId`, `leftoverRunId`); skipped when there is none.
 *
 * @where dag_id = {{leftoverDagId}}
 * @where run['dag_run_id'] = {{leftoverRunId}}
 */
prerequest: {
  waitForSchedulerIfEnded();
  eachLeftover();
}
test: { loopNext('leftover', JSON.parse(pm.collectionVariables.get('eventDrivenLeftovers')).length); }

/** 0d · Where the form's rows are stored: the DAG's file
 * @call GET /dags/form_submission
 */
test: {
  pm.test("fileloc is the DAG file", () => pm.expect(pm.response.json().fileloc).to.match(/form_submission\.py$/));
}

/** 1a · The website form: trigger form_submission
 * @call POST /dags/form_submission/dagRuns
 *
 * On Airflow 2 the pre-request script removes `logical_date`. The test keeps the run id in `formRunId`.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  queuedAs('form__notebook31-0001');
  pm.collectionVariables.set('formRunId', pm.response.json().dag_run_id);
}

/** 1b · The form's run has finished
 * @call GET /dags/form_submission/dagRuns/{FORM_RUN}
 *
 * The pre-request script waits until the run has finished, as the page's server does.
 *
 * @where FORM_RUN = {{formRunId}}
 */
prerequest: { waitForRuns(300, runUrl('form_submission', pm.collectionVariables.get('formRunId'))); }
test: { runStateIs('success', "the submission was validated and stored"); }

/** 2a · The AWS Lambda: only one run per S3 event
 * @call GET /dags/s3_file_arrived/dagRuns
 *
 * Postman cannot run the Lambda function: this request's pre-request script sends the call the function
 * makes for the recorded S3 event, twice, as S3 may deliver it twice: 200, then 409 Conflict. Then the
 * request lists the DAG's runs with `run_id_pattern` (Airflow 3 only: the pre-request script removes it on
 * Airflow 2): only one. The run id is kept in `lambdaRunId`.
 */
prerequest: {
  noQueryOn2('run_id_pattern');
  // What use_cases/lambda/lambda_function.py sends for the recorded S3 event (events/
  // s3_object_created.json), twice, as S3 may deliver it: the same run id, so 200 then 409.
  const lambdaRun = 's3__kit-landing-zone_sales_2024-05-14_orders_batch_1.csv__4029080f7f06647a';
  pm.collectionVariables.set('lambdaRunId', lambdaRun);
  const lambdaBody = {dag_run_id: lambdaRun, logical_date: null, conf: {"bucket": "kit-landing-zone", "key": "sales/2024-05-14/orders batch 1.csv", "size": 18342, "etag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0066432B51774C4E62", "event_name": "ObjectCreated:Put", "event_time": "2024-05-14T09:21:37.512Z", "request_id": "postman"}};
  if (pm.collectionVariables.get('major') === '2') delete lambdaBody.logical_date;
  const send = (then) => pm.sendRequest({
    url: pm.variables.replaceIn('{{baseUrl}}{{api}}/dags/s3_file_arrived/dagRuns'), method: 'POST',
    header: {'Content-Type': 'application/json', Authorization: pm.request.headers.get('Authorization') || ''},
    body: {mode: 'raw', raw: JSON.stringify(lambdaBody)},
  }, (err, res) => then(res.code));
  send((first) => send((again) => {
    pm.test('the event triggers a run', () => pm.expect(first).to.eql(200));
    pm.test('the same event again: 409, no second run', () => pm.expect(again).to.eql(409));
  }));
}
test: {
  const runs = pm.response.json().dag_runs.filter(r => r.dag_run_id === pm.collectionVariables.get('lambdaRunId'));
  pm.test("one run, for the object's key", () => {
    pm.expect(runs.length).to.eql(1);
    pm.expect(runs[0].conf.key).to.eql('sales/2024-05-14/orders batch 1.csv');
  });
}

/** 2b · What the DAG made of the file
 * @call GET /dags/s3_file_arrived/dagRuns/{LAMBDA_RUN}/taskInstances/plan_load/xcomEntries/return_value
 *
 * The pre-request script waits until the run has finished.
 *
 * @where LAMBDA_RUN = {{lambdaRunId}}
 */
prerequest: { waitForRuns(300, runUrl('s3_file_arrived', pm.collectionVariables.get('lambdaRunId'))); }
test: {
  xcomValue();
  pm.test("load it into the table sales", () => pm.expect([value.action, value.table]).to.eql(['load', 'sales']));
}

/** 3a · Analysts' SQL: a read-only query with parameters
 * @call POST /dags/sql_query/dagRuns in sql-read-only
 *
 * On Airflow 2 the pre-request script removes `logical_date`. Change the query, its parameters, `max_rows`,
 * and the run id (a new one each time).
 */
prerequest: { noLogicalDateOn2(); }
test: { queuedAs('notebook31__top_customers'); }

/** 3b · The query's result
 * @call GET /dags/sql_query/dagRuns/{SQL_RUNS[0]}/taskInstances/run_query/xcomEntries/return_value
 *
 * The pre-request script waits until the run has finished.
 */
prerequest: { waitForRuns(300, runUrl('sql_query', 'notebook31__top_customers')); }
test: {
  xcomValue();
  pm.test("the top customers since 2024-03-15", () => {
    pm.expect(value.columns).to.eql(['name', 'country', 'spent']);
    pm.expect(value.rows.map(r => r[0])).to.eql(['Barbara Liskov', 'Edsger Dijkstra', 'Katherine Johnson', 'Alan Turing', 'Grace Hopper']);
  });
}

/** 3c · A write does not get through
 * @call POST /dags/sql_query/dagRuns in sql-write-refused
 *
 * On Airflow 2 the pre-request script removes `logical_date`.
 */
prerequest: { noLogicalDateOn2(); }
test: { queuedAs('notebook31__sneaky'); }

/** 3d · The run failed in check_query
 * @call GET /dags/sql_query/dagRuns/{SQL_RUNS[1]}/taskInstances
 *
 * The pre-request script waits until the run has finished.
 */
prerequest: { waitForRuns(300, runUrl('sql_query', 'notebook31__sneaky')); }
test: {
  const states = Object.fromEntries(pm.response.json().task_instances.map(t => [t.task_id, t.state]));
  pm.test("refused before it ran", () => pm.expect(states).to.eql({check_query: 'failed', run_query: 'upstream_failed'}));
}

/** 3e · The analysts' form: run a query
 * @call POST /dags/sql_query/dagRuns in sql-form
 *
 * What the form sends when *Run* is pressed with the query and parameters it shows at first. On Airflow 2
 * the pre-request script removes `logical_date`.
 */
prerequest: { noLogicalDateOn2(); }
test: { queuedAs('notebook31__widget_1'); }

/** 3f · The form's result
 * @call GET /dags/sql_query/dagRuns/{run_id}/taskInstances/run_query/xcomEntries/return_value
 *
 * The pre-request script waits until the run has finished.
 */
prerequest: { waitForRuns(300, runUrl('sql_query', 'notebook31__widget_1')); }
test: {
  xcomValue();
  pm.test("products per category up to 50", () => pm.expect(value.rows).to.eql([['electronics', 1, 9.99], ['furniture', 1, 39.9], ['stationery', 2, 4.5]]));
}

/** 3g · The SQL runner plugin (Airflow 3)
 * @call GET /plugins
 *
 * Airflow 2 has no FastAPI plugins: the test checks the plugin's page on Airflow 3 only.
 *
 */
test: {
  const runner = pm.response.json().plugins.find(p => p.name === 'sql_runner');
  if (pm.collectionVariables.get('major') !== '2') {
    pm.test("the sql_runner plugin serves /sql-runner", () => pm.expect((runner.fastapi_apps || []).map(a => a.url_prefix)).to.include('/sql-runner'));
  }
}

/** Cleanup 1 · Delete the form's run
 * @call DELETE /dags/form_submission/dagRuns/{FORM_RUN}
 * @status 204
 *
 * The form's run (`formRunId`), 204. Its row in `include/form_submissions.db` stays: Postman cannot reach
 * SQLite.
 *
 * @where FORM_RUN = {{formRunId}}
 */

/** Cleanup 2 · Delete the Lambda's run
 * @call DELETE /dags/s3_file_arrived/dagRuns/{LAMBDA_RUN}
 * @status 204
 *
 * The Lambda's run (`lambdaRunId`), 204.
 *
 * @where LAMBDA_RUN = {{lambdaRunId}}
 */

/** Cleanup 3 · Delete the SQL runs
 * @call DELETE /dags/sql_query/dagRuns/{run_id}
 * @status 204
 *
 * Sent once for each of the three SQL runs (`sqlRunId`).
 *
 * @where run_id = {{sqlRunId}}
 */
prerequest: { loopPre('sqlRunId', ["notebook31__top_customers", "notebook31__sneaky", "notebook31__widget_1"]); }
test: { loopNext('sqlRunId', 3); }

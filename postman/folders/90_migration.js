// The Postman side of notebooks/90_migration.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Run it with either environment. With *Local Airflow 2.11* the requests 1.x succeed, as in the webinar, and
 * the Airflow 3 requests (2.x and 3.x) are skipped. With *Local Airflow 3* the requests 1.x get the answers
 * Airflow 3 gives an Airflow 2 client (404, or 405 for a POST), and the requests 2.x and 3.x fix them step
 * by step; the notebook sends the five to both servers at once. The requests 1.x are sent as the webinar
 * sent them: with Basic auth, by their pre-request script (the header `X-Kit-Auth: none` keeps the
 * collection from signing them in its own way); on Airflow 2.11 their tests check the answer, on Airflow 3
 * the status that says /api/v1 is gone. The folder's run is for the logical date
 * 2024-02-03T14:15:22Z; a leftover for that date is deleted first, and the run at the end.
 *
 * @where run['dag_run_id'] = {{migrationLeftoverRunId}}
 * @where RUN = {{migrationRunId}}
 * @where token_response.json()['access_token'] = {{migrationToken}}
 * @status 200
 */

/** The webinar's requests sign themselves in with Basic auth, on Airflow 2 and 3 alike (with the header
 * X-Kit-Auth: none, which they have as the notebook sends them, the collection does not sign them in). */
function basicAuthAsTheWebinar() {
  // The webinar's way of signing in: HTTP Basic auth with every call, on either Airflow
  const pair = `${pm.variables.get('username')}:${pm.variables.get('password')}`;
  pm.request.headers.upsert({key: 'Authorization', value: 'Basic ' + CryptoJS.enc.Base64.stringify(CryptoJS.enc.Utf8.parse(pair))});
}

/** Tests of a webinar GET sent to Airflow 3: 404, and the answer says that /api/v1 is gone. */
function goneOnAirflow3() {
  pm.test("Airflow 3: 404, /api/v1 is gone", () => pm.expect(pm.response.code).to.eql(404));
  pm.test("Airflow 3 says so", () => pm.expect(pm.response.text()).to.include("/api/v1 has been removed in Airflow 3"));
}

/** Tests of a webinar GET: on Airflow 2, status 200 and the answer passes the test `name`, `check`; on 3, goneOnAirflow3(). */
function webinarGet($name, $check) {
  if (pm.collectionVariables.get('major') === '2') {
    status(200);
    pm.test("$name", () => $check);
  } else {
    goneOnAirflow3();
  }
}

/** 0a · Start clean: a leftover run for the date?
 * @call GET /dags/random_failures/dagRuns in start-clean
 *
 * On Airflow 2 the pre-request script writes `execution_date_gte`/`_lte`. The test keeps the leftover's id
 * in `migrationLeftoverRunId`.
 */
prerequest: { logicalDateQueryOn2(); }
test: { keepLeftoverRun('migrationLeftoverRunId', "at most one run for the date"); }

/** 0b · End the leftover, if any
 * @call PATCH /dags/random_failures/dagRuns/{run['dag_run_id']}
 * @status 200
 *
 * Marks the leftover request 0a found failed: a run that has not finished cannot be deleted. Skipped when
 * there is none.
 */
prerequest: { skipUnless('migrationLeftoverRunId'); }
test: { rememberEnded(); }

/** 0c · Delete the leftover, if any
 * @call DELETE /dags/random_failures/dagRuns/{run['dag_run_id']}
 * @status 204
 *
 * Deletes the leftover request 0a found; skipped when there is none.
 */
prerequest: {
  waitForSchedulerIfEnded();
  skipUnless('migrationLeftoverRunId');
}

/** 1.1 · Webinar call 1 as it was: Get Providers
 * @call GET {af.url}/api/v1/providers
 * @status none
 *
 * As the webinar sent it (see the folder's description).
 */
prerequest: { basicAuthAsTheWebinar(); }
test: { webinarGet("lists providers", pm.expect(pm.response.json().providers).to.be.an("array").that.is.not.empty); }

/** 1.2 · Webinar call 2 as it was: Get Import Errors
 * @call GET {af.url}/api/v1/importErrors
 * @status none
 *
 * As the webinar sent it (see the folder's description).
 */
prerequest: { basicAuthAsTheWebinar(); }
test: { webinarGet("answers import_errors", pm.expect(pm.response.json().import_errors).to.be.an("array")); }

/** 1.3 · Webinar call 3 as it was: Trigger a DAG Run
 * @call POST {af.url}/api/v1/dags/random_failures/dagRuns
 * @status none
 *
 * As the webinar sent it (see the folder's description). On 2.11 the test keeps the run id in `migrationRunId`.
 */
prerequest: { basicAuthAsTheWebinar(); }
test: {
  const onAirflow2 = pm.collectionVariables.get('major') === '2';
  if (onAirflow2) {
    status(200);
    const data = pm.response.json();
    pm.test("queued, named after its date", () => pm.expect([data.state, data.dag_run_id]).to.eql(['queued', 'manual__2024-02-03T14:15:22+00:00']));
    pm.collectionVariables.set('migrationRunId', data.dag_run_id);
  } else {
    pm.test("Airflow 3: 405, /api/v1 is gone", () => pm.expect(pm.response.code).to.eql(405));
  }
}

/** 1.4 · Webinar call 4 as it was: GET DAG Runs
 * @call GET {af.url}/api/v1/dags/random_failures/dagRuns
 * @status none
 *
 * As the webinar sent it (see the folder's description).
 */
prerequest: { basicAuthAsTheWebinar(); }
test: { webinarGet("the run is listed", pm.expect(pm.response.json().dag_runs.map(r => r.dag_run_id)).to.include(pm.collectionVariables.get('migrationRunId'))); }

/** 1.5 · Webinar call 5 as it was: Rerun Tasks
 * @call POST {af.url}/api/v1/dags/random_failures/clearTaskInstances
 * @status none
 *
 * As the webinar sent it (see the folder's description). On 2.11 the pre-request script first waits for the run to
 * fail.
 */
prerequest: {
  basicAuthAsTheWebinar();
  if (pm.collectionVariables.get('major') === '2') {  // wait until the run has failed
    waitForRuns(600, runUrl('random_failures', pm.collectionVariables.get('migrationRunId')));
  }
}
test: {
  const onAirflow2 = pm.collectionVariables.get('major') === '2';
  if (onAirflow2) {
    status(200);
    pm.test("cleared task_3, task_4, task_5", () => pm.expect(pm.response.json().task_instances.map(t => t.task_id).sort()).to.eql(['task_3', 'task_4', 'task_5']));
  } else {
    pm.test("Airflow 3: 405, /api/v1 is gone", () => pm.expect(pm.response.code).to.eql(405));
  }
}

/** 2.1 · Step 1: /api/v2, still with Basic auth
 * @call GET {af.url}/api/v2/providers in step-1-basic-auth
 * @status 401
 * @airflow3
 *
 * Sent with Basic auth by its pre-request script. Skipped on Airflow 2.
 */
prerequest: { basicAuthAsTheWebinar(); }

/** 2.2 · Step 2: a token instead
 * @call POST {af.url}/auth/token
 * @status 200 201
 * @airflow3
 *
 * The body takes `username` and `password` from the environment (the notebook sends the webinar's
 * `admin`/`admin`). The test keeps the token in `migrationToken`, which requests 2.3 to 2.6 send. Skipped on
 * Airflow 2 and with `authMode` `token`.
 *
 * @where {'username': 'admin', 'password': 'admin'} = {"username": "{{username}}", "password": "{{password}}"}
 */
prerequest: { if (pm.collectionVariables.get('authModeUsed') === 'token') pm.execution.skipRequest(); }
test: {
  const token = pm.response.json().access_token;
  pm.test("answers an access_token (a JWT)", () => pm.expect(token).to.match(/^ey/));
  pm.collectionVariables.set('migrationToken', token);
}

/** 2.3 · Call 1 with the token
 * @call GET {af.url}/api/v2/providers in step-2-token
 * @airflow3
 *
 * Sends `Authorization: Bearer {{migrationToken}}`. Skipped on Airflow 2.
 */

/** 2.4 · Call 2 with the token
 * @call GET {af.url}/api/v2/importErrors
 * @airflow3
 *
 * Sends `Authorization: Bearer {{migrationToken}}`. Skipped on Airflow 2.
 */

/** 2.5 · Step 3: the webinar's trigger body on /api/v2
 * @call POST {af.url}/api/v2/dags/random_failures/dagRuns
 * @status 422
 * @airflow3
 *
 * Sends `Authorization: Bearer {{migrationToken}}`. Skipped on Airflow 2.
 */
test: {
  const problems = pm.response.json().detail.map(e => `${e.loc[e.loc.length - 1]} ${e.type}`).sort();
  pm.test("execution_date refused, logical_date missing", () => pm.expect(problems).to.eql(['execution_date extra_forbidden', 'logical_date missing']));
}

/** 2.6 · Step 3: the webinar's clear body on /api/v2
 * @call POST {af.url}/api/v2/dags/random_failures/clearTaskInstances
 * @status 422
 * @airflow3
 *
 * Sends `Authorization: Bearer {{migrationToken}}`. Skipped on Airflow 2.
 */
test: {
  const problems = pm.response.json().detail.map(e => `${e.loc[e.loc.length - 1]} ${e.type}`).sort();
  pm.test("the two SubDAG keys are refused", () => pm.expect(problems).to.eql(['include_parentdag extra_forbidden', 'include_subdags extra_forbidden']));
}

/** 3.1 · Airflow 3 form of call 1: Get Providers
 * @call GET /providers
 * @airflow3
 *
 * Skipped on Airflow 2. (On 2.11 the requests 1.x are these calls.)
 */
test: {
  pm.test("has the standard provider", () => pm.expect(pm.response.json().providers.map(p => p.package_name)).to.include('apache-airflow-providers-standard'));
}

/** 3.2 · Airflow 3 form of call 2: Get Import Errors
 * @call GET /importErrors
 * @airflow3
 *
 * Skipped on Airflow 2.
 */
test: { pm.test("answers import_errors", () => pm.expect(pm.response.json().import_errors).to.be.an("array")); }

/** 3.3 · Airflow 3 form of call 3: Trigger a DAG Run
 * @call POST /dags/random_failures/dagRuns
 * @airflow3
 *
 * The test keeps the run id in `migrationRunId`. Skipped on Airflow 2.
 */
test: {
  const data = pm.response.json();
  pm.test("queued, for the webinar's date", () => { pm.expect(data.state).to.eql('queued'); pm.expect(data.logical_date).to.match(/^2024-02-03T14:15:22/); });
  pm.collectionVariables.set('migrationRunId', data.dag_run_id);
}

/** 3.4 · Airflow 3 form of call 4: GET DAG Runs
 * @call GET /dags/random_failures/dagRuns in call-4-airflow3
 * @airflow3
 *
 * Skipped on Airflow 2.
 */
test: {
  pm.test("the run of 3.3, only", () => pm.expect(pm.response.json().dag_runs.map(r => r.dag_run_id)).to.eql([pm.collectionVariables.get('migrationRunId')]));
}

/** 3.5 · Airflow 3 form of call 5: Rerun Tasks
 * @call POST /dags/random_failures/clearTaskInstances
 * @airflow3
 *
 * The pre-request script first waits until the run has failed. Skipped on Airflow 2.
 */
prerequest: {
  if (pm.collectionVariables.get('major') !== '2') {  // wait until the run has failed
    waitForRuns(600, runUrl('random_failures', pm.collectionVariables.get('migrationRunId')));
  }
}
test: {
  const cleared = pm.response.json().task_instances.map(t => [t.task_id, t.dag_run_id]).sort();
  const run = pm.collectionVariables.get('migrationRunId');
  pm.test("cleared task_3, task_4, task_5 of the run", () => pm.expect(cleared).to.eql([['task_3', run], ['task_4', run], ['task_5', run]]));
}

/** 3.6 · Check: the cleared tasks re-ran
 * @call GET /dags/random_failures/dagRuns/{RUN}/taskInstances
 * @airflow3
 *
 * The pre-request script waits until the run has finished again. Skipped on Airflow 2.
 */
prerequest: { waitForRunsOn3(600, runUrl('random_failures', pm.collectionVariables.get('migrationRunId'))); }
test: { allSucceededTask3OnTry2(); }

/** 3.7 · Check: the run succeeded
 * @call GET /dags/random_failures/dagRuns/{RUN}
 * @airflow3
 *
 * Skipped on Airflow 2.
 */
test: { runStateIs('success', "the run is success"); }

/** Cleanup · Delete the run
 * @call DELETE /dags/random_failures/dagRuns/{RUN}
 * @status 204
 *
 * The run this folder made (on Airflow 2 by request 1.3, `/api/v1/...`), once it has finished: the pre-
 * request script waits.
 */
prerequest: { waitForRuns(600, runUrl('random_failures', pm.collectionVariables.get('migrationRunId'))); }

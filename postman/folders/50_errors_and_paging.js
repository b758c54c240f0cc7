// The Postman side of notebooks/50_errors_and_paging.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Everything is named `kit_50_...`: 120 variables, twelve runs of `daily_report` (paused: they wait, queued)
 * and one more for the idempotent trigger. The folder deletes leftovers of an interrupted run first and what
 * it made at the end. Requests the runner sends more than once, as the notebook's loops do (the twelve
 * triggers, the pages of a cursor, the deletes), send themselves again (`setNextRequest`): run the folder
 * with the collection runner. Bulk changes and cursors are Airflow 3 only: those requests skip themselves
 * on Airflow 2, where the folder makes no 120 variables (the notebook makes them one request each), and the
 * requests that read them test only the shape of the answer there.
 *
 * @where run_id = {{l50RunId}}
 * @where cursor = {{l50Cursor}}
 * @status 200
 */

/** Test lines of a request that lists a page of this folder's variables: on Airflow 3, `count` of `total`. */
function variablesPage($count, $total) {
  const data = pm.response.json();
  if (pm.collectionVariables.get('major') !== '2') {  // Airflow 2: the folder made no 120 variables
    pm.test("$count of $total variables", () => pm.expect([data.variables.length, data.total_entries]).to.eql([$count, $total]));
  }
  pm.test("a page of variables and total_entries", () => pm.expect(data.total_entries).to.be.a('number'));
}

/**
 * Test lines of a request that reads one page of a cursor: keeps the page's size in `l50Pages`, puts
 * `next_cursor` in `l50Cursor` and sends the request again until it is null (then `l50Cursor` is empty
 * again, for the next walk).
 */
function followCursor($key) {
  const data = pm.response.json();
  const pages = JSON.parse(pm.collectionVariables.get('l50Pages') || '[]').concat([data[$key].length]);
  pm.collectionVariables.set('l50Pages', JSON.stringify(pages));
  pm.collectionVariables.set('l50Cursor', data.next_cursor || '');
  if (data.next_cursor) {
    pm.execution.setNextRequest(pm.info.requestId);  // the next page
  } else {
    pm.test("pages of 5, 5 and 2, to a null next_cursor", () => pm.expect(pages).to.eql([5, 5, 2]));
    pm.collectionVariables.set('l50Pages', '[]');
  }
}

/** 0a · Start clean: this lesson's variables
 * @call GET /variables in start-clean
 *
 * Keeps the keys named `kit_50_` in `l50Keys`, for the next request. The filter is Airflow 3's: on Airflow 2
 * the pre-request script removes it.
 *
 */
prerequest: { noQueryOn2('variable_key_prefix_pattern'); }
test: {
  const keys = pm.response.json().variables.map(v => v.key).filter(k => k.startsWith('kit_50_'));
  pm.collectionVariables.set('l50Keys', JSON.stringify(keys));
}

/** 0b · Start clean: this lesson's runs
 * @call GET /dags/{DAG_ID}/dagRuns in start-clean
 *
 * Keeps the run ids named `kit_50_` in `l50Runs`, for request 0d (the newest first: a leftover is on the first
 * page).
 *
 * @query order_by=-id
 */
test: {
  const runs = pm.response.json().dag_runs.map(r => r.dag_run_id).filter(id => id.startsWith('kit_50_'));
  pm.collectionVariables.set('l50Runs', JSON.stringify(runs));
}

/** 0c · Start clean: delete the variables, in one request (Airflow 3)
 * @call PATCH /variables in start-clean
 * @airflow3
 *
 * The pre-request script puts the keys request 0a found (`l50Keys`) in the body.
 *
 * @where keys = []
 */
prerequest: {
  const body = JSON.parse(pm.request.body.raw);
  body.actions[0].entities = JSON.parse(pm.collectionVariables.get('l50Keys') || '[]');
  pm.request.body.update(JSON.stringify(body, null, 2));
}
test: { pm.test("no error", () => pm.expect(pm.response.json().delete.errors).to.eql([])); }

/** 0d · Start clean: delete a run
 * @call DELETE /dags/{DAG_ID}/dagRuns/{run_id} in start-clean
 * @status 204
 *
 * Sent once for each run request 0b found (skipped when there is none).
 */
prerequest: { firstOfList('l50Runs', 'l50RunId'); }
test: { nextOfList('l50Runs'); }

/** 1.1 · 120 variables in one request (Airflow 3)
 * @call PATCH /variables in make-variables
 * @airflow3
 *
 * The pre-request script writes the 120 variables in the body, as the notebook's `VARIABLES`, and keeps their
 * keys in `l50Keys120` for the requests that read and delete them.
 *
 * @where VARIABLES = []
 */
prerequest: {
  const keys = Array.from({length: 120}, (_, n) => 'kit_50_' + String(n).padStart(3, '0'));
  pm.collectionVariables.set('l50Keys120', JSON.stringify(keys));
  const body = JSON.parse(pm.request.body.raw);
  body.actions[0].entities = keys.map((key, n) => ({key: key, value: String(n)}));
  pm.request.body.update(JSON.stringify(body, null, 2));
}
test: {
  const created = pm.response.json().create;
  pm.test("120 created, no error", () => pm.expect([created.success.length, created.errors]).to.eql([120, []]));
}

/** 1.2 · One page
 * @call GET /variables in one-page
 */
prerequest: { noQueryOn2('variable_key_prefix_pattern'); }
test: { variablesPage(50, 120); }

/** 1.3 · The cap: 100 a page
 * @call GET /variables in the-cap
 */
prerequest: { noQueryOn2('variable_key_prefix_pattern'); }
test: {
  variablesPage(100, 120);
  pm.test("never more than 100", () => pm.expect(pm.response.json().variables.length).to.be.at.most(100));
}

/** 1.4 · Every page, in a stable order: the first
 * @call GET /variables in walk-pages
 *
 * The first of the notebook's three pages (`offset=0`); change `offset` to 50, then 100, for the others.
 *
 */
prerequest: { noQueryOn2('variable_key_prefix_pattern'); }
test: {
  variablesPage(50, 120);
  if (pm.collectionVariables.get('major') !== '2') {  // Airflow 2: the folder made no 120 variables
    const keys = pm.response.json().variables.map(v => v.key);
    pm.test("kit_50_000 to kit_50_049, in order", () => pm.expect(keys).to.eql(JSON.parse(pm.collectionVariables.get('l50Keys120')).slice(0, 50)));
  }
}

/** 1.5 · What order_by takes: -key
 * @call GET /variables in order-names
 */
prerequest: { noQueryOn2('variable_key_prefix_pattern'); }
test: {
  if (pm.collectionVariables.get('major') !== '2') {  // Airflow 2: the folder made no 120 variables
    const keys = pm.response.json().variables.map(v => v.key);
    pm.test("the last three keys first", () => pm.expect(keys).to.eql(['kit_50_119', 'kit_50_118', 'kit_50_117']));
  }
}

/** 1.6a · The list changes: the first page
 * @call GET /variables in list-changes as first
 *
 * Keeps the page's last key in `l50FirstEnds`.
 */
prerequest: { noQueryOn2('variable_key_prefix_pattern'); }
test: {
  const keys = pm.response.json().variables.map(v => v.key);
  pm.collectionVariables.set('l50FirstEnds', keys[keys.length - 1] || '');
}

/** 1.6b · A variable that sorts on the first page
 * @call POST /variables in list-changes
 * @status 200 201
 */

/** 1.6c · The list changes: the second page
 * @call GET /variables in list-changes as second
 */
prerequest: { noQueryOn2('variable_key_prefix_pattern'); }
test: {
  if (pm.collectionVariables.get('major') !== '2') {  // Airflow 2: the folder made no 120 variables
    const first = pm.response.json().variables[0].key;
    pm.test("starts with the last key of the first page: seen twice", () => pm.expect(first).to.eql(pm.collectionVariables.get('l50FirstEnds')));
  }
}

/** 2.1 · Twelve runs to page through (Airflow 3)
 * @call POST /dags/{DAG_ID}/dagRuns in make-runs
 * @airflow3
 *
 * Sent twelve times, `kit_50_run_00` to `kit_50_run_11`, as the notebook's loop does.
 */
prerequest: { loopPre('l50RunId', Array.from({length: 12}, (_, n) => 'kit_50_run_' + String(n).padStart(2, '0'))); }
test: {
  pm.test("queued", () => pm.expect(pm.response.json().state).to.eql('queued'));
  loopNext('l50RunId', 12);
}

/** 2.2 · The first page of a cursor (Airflow 3)
 * @call GET /dags/{DAG_ID}/dagRuns in first-cursor-page
 * @airflow3
 */
test: {
  const data = pm.response.json();
  pm.test("5 runs, a next_cursor, no previous_cursor", () => {
    pm.expect(data.dag_runs.map(r => r.dag_run_id)).to.eql(['kit_50_run_00', 'kit_50_run_01', 'kit_50_run_02', 'kit_50_run_03', 'kit_50_run_04']);
    pm.expect(data.next_cursor).to.be.a('string');
    pm.expect(data.previous_cursor).to.eql(null);
  });
  pm.test("total_entries 12, counted up to total_entries_limit", () => pm.expect([data.total_entries, typeof data.total_entries_limit]).to.eql([12, 'number']));
  pm.collectionVariables.set('l50Cursor', '');  // the walks of 2.3 and 2.4 start from the first page
}

/** 2.3 · Follow next_cursor to the end (Airflow 3)
 * @call GET /dags/{DAG_ID}/dagRuns in follow-run-cursor
 * @airflow3
 *
 * Sent again with each answer's `next_cursor` (kept in `l50Cursor`) until it is null.
 */
test: { followCursor('dag_runs'); }

/** 2.4 · Task instances, the same way (Airflow 3)
 * @call GET /dags/{DAG_ID}/dagRuns/~/taskInstances
 * @airflow3
 *
 * Sent again with each answer's `next_cursor` (kept in `l50Cursor`) until it is null.
 */
test: { followCursor('task_instances'); }

/** 3.1 · 400 Bad Request: order_by=name
 * @call GET /variables in status-400
 * @status 400
 */
test: {
  pm.test("Airflow will not sort by it", () => pm.expect(pm.response.json().detail).to.include("Ordering with 'name' is disallowed"));
}

/** 3.2 · 401 Unauthorized: no credentials
 * @call GET {api}/variables in status-401
 * @status none
 *
 * The header `X-Kit-Auth: none` tells the collection's pre-request script not to sign this one in: 401 (Airflow
 * 2: 403, the role Public). An Airflow with auth switched off (environment *Astro local*) answers 200.
 */
test: {
  const authOff = pm.collectionVariables.get('authModeUsed') === 'none';
  const refused = pm.collectionVariables.get('major') === '2' ? 403 : 401;
  pm.test(authOff ? "auth is off: 200" : `not signed in: ${refused}`, () => pm.expect(pm.response.code).to.eql(authOff ? 200 : refused));
}

/** 3.3 · 403 Forbidden: a made-up token
 * @call GET {api}/variables in status-403
 * @status none
 *
 * Sends `Authorization: Bearer not.a.token`, as the notebook does: the pre-request script puts it back after
 * the collection's own (on Airflow 2 the collection signs requests in with Basic auth). 403 on both versions;
 * an Airflow with auth switched off answers 200.
 */
prerequest: { pm.request.headers.upsert({key: 'Authorization', value: 'Bearer not.a.token'}); }
test: {
  const authOff = pm.collectionVariables.get('authModeUsed') === 'none';
  pm.test(authOff ? "auth is off: 200" : "refused: 403", () => pm.expect(pm.response.code).to.eql(authOff ? 200 : 403));
}

/** 3.4 · 404 Not Found
 * @call GET /variables/kit_50_missing
 * @status 404
 */

/** 3.5 · 405 Method Not Allowed: PUT on the list
 * @call PUT /variables
 * @status 405
 */

/** 3.6 · 409 Conflict: default_pool exists
 * @call POST /pools
 * @status 409
 */

/** 3.7 · 422 Unprocessable Content: no value
 * @call POST /variables in status-422
 * @status none
 *
 * 422 with a list of problems on Airflow 3; Airflow 2 answers 400, with a sentence.
 */
test: {
  const detail = pm.response.json().detail;
  if (pm.collectionVariables.get('major') === '2') {
    pm.test("Airflow 2: 400", () => pm.expect(pm.response.code).to.eql(400));
  } else {
    pm.test("422, the missing field in loc", () => {
      pm.expect(pm.response.code).to.eql(422);
      pm.expect(detail.map(d => d.loc)).to.eql([['body', 'value']]);
    });
  }
}

/** 4.4a · A trigger you can send again: a run id of your own
 * @call POST /dags/{DAG_ID}/dagRuns in idempotent-trigger
 * @status none
 *
 * Sent twice, as the notebook does: 200 the first time, 409 the second (the run exists: nothing is triggered
 * twice). `logical_date` is dropped on Airflow 2.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const again = pm.collectionVariables.get('l50Again') === '1';
  pm.test(again ? "sent again: 409" : "triggered: 200", () => pm.expect(pm.response.code).to.eql(again ? 409 : 200));
  pm.collectionVariables.set('l50Again', again ? '0' : '1');
  if (!again) pm.execution.setNextRequest(pm.info.requestId);  // the same request once more
}

/** 4.4b · One run, not two
 * @call GET /dags/{DAG_ID}/dagRuns in one-run
 * @query order_by=-id
 */
test: {
  const runs = pm.response.json().dag_runs.filter(r => r.dag_run_id.startsWith('kit_50_report'));
  pm.test("one run kit_50_report_2024-06-01", () => pm.expect(runs.map(r => r.dag_run_id)).to.eql(['kit_50_report_2024-06-01']));
  const made = pm.collectionVariables.get('major') === '2' ? [] : Array.from({length: 12}, (_, n) => 'kit_50_run_' + String(n).padStart(2, '0'));
  pm.collectionVariables.set('l50Runs', JSON.stringify(made.concat(['kit_50_report_2024-06-01'])));
}

/** Cleanup a · The variable of 1.6
 * @call DELETE /variables/kit_50_000a
 * @status 204
 */

/** Cleanup b · The 120 variables, in one request (Airflow 3)
 * @call PATCH /variables in cleanup
 * @airflow3
 *
 * The pre-request script writes the 120 keys (`l50Keys120`, request 1.1) in the body, as the notebook's `KEYS`.
 *
 * @where KEYS = []
 */
prerequest: {
  const body = JSON.parse(pm.request.body.raw);
  body.actions[0].entities = JSON.parse(pm.collectionVariables.get('l50Keys120') || '[]');
  pm.request.body.update(JSON.stringify(body, null, 2));
}
test: {
  const deleted = pm.response.json().delete;
  pm.test("120 deleted, no error", () => pm.expect([deleted.success.length, deleted.errors]).to.eql([120, []]));
}

/** Cleanup c · The runs
 * @call DELETE /dags/{DAG_ID}/dagRuns/{run_id} in cleanup
 * @status 204
 *
 * Sent once for each run the folder made (request 4.4b lists them in `l50Runs`).
 */
prerequest: { firstOfList('l50Runs', 'l50RunId'); }
test: { nextOfList('l50Runs'); }

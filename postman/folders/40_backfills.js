// The Postman side of notebooks/40_backfills.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Airflow 3 only: on Airflow 2, which has no backfill API, every request of this folder skips itself. Send the
 * requests in order: the tests keep the ids Airflow gives the two backfills in `backfillId` and
 * `secondBackfillId`. The run ids are fixed (`backfill__` and the logical date), so the folder ends and deletes
 * leftovers first and its runs at the end; it leaves the DAG paused, as it comes.
 *
 * @where backfill_id = {{backfillId}}
 * @where second_id = {{secondBackfillId}}
 * @where leftover['id'] = {{leftoverBackfillId}}
 * @where run_id = {{backfillRunId}}
 * @where behavior = {{reprocessBehavior}}
 * @airflow3
 * @status 200
 */

/**
 * Test lines of a request that creates a backfill, before its tests: on SQLite, Airflow answers 503 "Database is
 * locked" now and then and undoes what it began; the request is then sent again (at most four more times, a
 * second apart), as the notebook's again_if_busy() does. `backfillTries` is '0' when the answer is to be tested.
 */
function againIfBusy() {
  const tries = Number(pm.collectionVariables.get('backfillTries') || 0);
  const busy = pm.response.code === 503 && /database is locked/i.test(pm.response.text()) && tries < 4;
  pm.collectionVariables.set('backfillTries', busy ? String(tries + 1) : '0');
  if (busy) pm.execution.setNextRequest(pm.info.requestId);  // sent again: the next answer is tested
}

/**
 * The test lines of a request that creates a backfill (after againIfBusy(), when its answer is to be tested):
 * status 200, the fields of `expected` as they are, and the backfill's id kept in the variable `keepAs`.
 */
function backfillCreated($keepAs, $name, $expected) {
  againIfBusy();
  if (pm.collectionVariables.get('backfillTries') === '0') {
    status(200);
    const data = pm.response.json();
    const expected = $expected;
    pm.test("$name", () => Object.keys(expected).forEach(key => pm.expect(data[key], key).to.eql(expected[key])));
    pm.collectionVariables.set($keepAs, String(data.id));
  }
}

/** Pre-request lines of a request that creates a backfill: a second try waits a second (againIfBusy()). */
function waitIfSentAgain() {
  if (Number(pm.collectionVariables.get('backfillTries') || 0) > 0) setTimeout(() => {}, 1000);  // a second try
}

/**
 * Tests of a list of runs: the states of the folder's runs, by logical date from 1 January 2024 (as many days as
 * `states` has), all of run type backfill. Keeps the runs by id in `byId`.
 */
function runStates($states) {
  const byId = Object.fromEntries(pm.response.json().dag_runs.map(r => [r.dag_run_id, r]));
  const ids = $states.map((s, i) => `backfill__2024-01-0${i + 1}T00:00:00+00:00`);
  pm.test("the states of the runs, day by day", () => pm.expect(ids.map(id => byId[id] && byId[id].state)).to.eql($states));
  pm.test("backfill runs", () => pm.expect(ids.every(id => byId[id].run_type === 'backfill')).to.eql(true));
}

/** 0a · Start clean: an active backfill left over?
 * @call GET /backfills in start-clean
 *
 * `order_by=-id` puts the newest backfills first, on the one page the request reads. The test keeps the id of
 * the active one (not completed), if any, in `leftoverBackfillId` (empty when there is none).
 *
 * @query order_by=-id
 */
test: {
  const active = pm.response.json().backfills.filter(b => b.completed_at === null);
  pm.test("at most one active backfill per DAG", () => pm.expect(active.length).to.be.below(2));
  pm.collectionVariables.set('leftoverBackfillId', active.length ? String(active[0].id) : '');
}

/** 0b · Start clean: cancel it
 * @call PUT /backfills/{leftover['id']}/cancel
 *
 * Cancels the active backfill that request 0a found (`leftoverBackfillId`); skipped when there is none.
 */
prerequest: { skipUnless('leftoverBackfillId'); }
test: { pm.test("completed", () => pm.expect(pm.response.json().completed_at).to.be.a('string')); }

/** 0c · Start clean: end leftover runs
 * @call PATCH /dags/{DAG_ID}/dagRuns/{run_id}
 * @status 200 404
 *
 * Sent once for each of the folder's five run ids (`backfillRunId`): a run must have ended to be deleted.
 * 200: ended; 404: no such run.
 */
prerequest: {
  loopPre('backfillRunId', ["backfill__2024-01-01T00:00:00+00:00", "backfill__2024-01-02T00:00:00+00:00", "backfill__2024-01-03T00:00:00+00:00", "backfill__2024-01-04T00:00:00+00:00", "backfill__2024-01-05T00:00:00+00:00"]);
}
test: {
  rememberEnded();
  loopNext('backfillRunId', 5);
}

/** 0d · Start clean: delete leftover runs
 * @call DELETE /dags/{DAG_ID}/dagRuns/{run_id} in start-clean
 * @status 204 404
 *
 * Sent once for each of the folder's five run ids (`backfillRunId`). 204: deleted; 404: nothing to delete.
 */
prerequest: {
  waitForSchedulerIfEnded();
  loopPre('backfillRunId', ["backfill__2024-01-01T00:00:00+00:00", "backfill__2024-01-02T00:00:00+00:00", "backfill__2024-01-03T00:00:00+00:00", "backfill__2024-01-04T00:00:00+00:00", "backfill__2024-01-05T00:00:00+00:00"]);
}
test: { loopNext('backfillRunId', 5); }

/** 0e · Start clean: the DAG paused
 * @call PATCH /dags/{DAG_ID} in start-clean
 *
 * It comes paused; a stopped run may have left it unpaused. A backfill's runs start at once when their DAG is
 * unpaused: for now they should wait.
 */
test: { pm.test("paused", () => pm.expect(pm.response.json().is_paused).to.eql(true)); }

/** 0f · The DAG
 * @call GET /dags/{DAG_ID}/details
 */
test: {
  const data = pm.response.json();
  pm.test("@daily, no catchup, no next run, backfillable, paused", () => {
    pm.expect(data.catchup).to.eql(false);
    pm.expect(data.next_dagrun_logical_date).to.eql(null);
    pm.expect(data.is_backfillable).to.eql(true);
    pm.expect(data.is_paused).to.eql(true);
  });
}

/** 1 · Which runs would a backfill make? A dry run
 * @call POST /backfills/dry_run in dry-run
 */
test: {
  const dates = pm.response.json().backfills.map(b => b.logical_date);
  pm.test("one run per day, 1 to 3 January 2024", () => pm.expect(dates).to.eql(['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z']));
}

/** 2a · Create a backfill
 * @call POST /backfills in create
 * @status none
 *
 * The test keeps the backfill's id in `backfillId`. A 503 "Database is locked" (SQLite was busy) is sent again,
 * as in the notebook.
 */
prerequest: { waitIfSentAgain(); }
test: {
  backfillCreated('backfillId', "active, reprocess_behavior none",
                  {completed_at: null, is_paused: false, reprocess_behavior: 'none'});
}

/** 2b · Its runs
 * @call GET /dags/{DAG_ID}/dagRuns in runs-created
 */
test: { runStates(['queued', 'queued', 'queued']); }

/** 3 · The backfills of a DAG
 * @call GET /backfills in list-backfills
 */
test: {
  const mine = pm.response.json().backfills.find(b => String(b.id) === pm.collectionVariables.get('backfillId'));
  pm.test("lists this backfill, active", () => pm.expect(mine.completed_at).to.eql(null));
}

/** 4 · One backfill
 * @call GET /backfills/{backfill_id}
 */
test: {
  const data = pm.response.json();
  pm.test("this backfill, active", () => {
    pm.expect(String(data.id)).to.eql(pm.collectionVariables.get('backfillId'));
    pm.expect(data.completed_at).to.eql(null);
  });
}

/** 5a · Cancel a backfill
 * @call PUT /backfills/{backfill_id}/cancel
 */
test: {
  const data = pm.response.json();
  pm.test("paused and completed", () => { pm.expect(data.is_paused).to.eql(true); pm.expect(data.completed_at).to.be.a('string'); });
}

/** 5b · Its runs failed
 * @call GET /dags/{DAG_ID}/dagRuns in runs-failed
 */
test: { runStates(['failed', 'failed', 'failed']); }

/** 6a · A backfill that runs, one day at a time
 * @call POST /backfills in create-running
 * @status none
 *
 * The test keeps its id in `secondBackfillId`. A 503 "Database is locked" (SQLite was busy) is sent again, as
 * in the notebook.
 */
prerequest: { waitIfSentAgain(); }
test: {
  backfillCreated('secondBackfillId', "max_active_runs 1, active", {max_active_runs: 1, completed_at: null});
}

/** 6b · Pause the backfill
 * @call PUT /backfills/{second_id}/pause
 */
test: { pm.test("paused", () => pm.expect(pm.response.json().is_paused).to.eql(true)); }

/** 6c · Unpause the DAG
 * @call PATCH /dags/{DAG_ID} in unpause
 */
test: { pm.test("unpaused", () => pm.expect(pm.response.json().is_paused).to.eql(false)); }

/** 6d · Its runs wait
 * @call GET /dags/{DAG_ID}/dagRuns in unpause
 *
 * The pre-request script waits three seconds first, as the notebook does: the scheduler would have started
 * a run by then, had the backfill not been paused.
 */
prerequest: {
  setTimeout(() => {}, 3000);  // three seconds: the scheduler would have started a run by then
}
test: { runStates(['failed', 'failed', 'failed', 'queued', 'queued']); }

/** 6e · Unpause the backfill
 * @call PUT /backfills/{second_id}/unpause
 */
test: { pm.test("unpaused", () => pm.expect(pm.response.json().is_paused).to.eql(false)); }

/** 6f · Watch its runs
 * @call GET /dags/{DAG_ID}/dagRuns in watch-runs
 *
 * The pre-request script waits for the backfill's two runs (asking once a second, as `af.wait_for_run()`
 * does) before this request is sent.
 */
prerequest: {
  waitForRuns(300,
              runUrl('daily_report', 'backfill__2024-01-04T00:00:00+00:00'),
              runUrl('daily_report', 'backfill__2024-01-05T00:00:00+00:00'));
}
test: {
  runStates(['failed', 'failed', 'failed', 'success', 'success']);
  const first = byId['backfill__2024-01-04T00:00:00+00:00'], second = byId['backfill__2024-01-05T00:00:00+00:00'];  // byId: from runStates
  pm.test("one at a time (max_active_runs 1)", () => pm.expect(Date.parse(second.start_date)).to.be.at.least(Date.parse(first.end_date)));
}

/** 7 · Days that already have a run: reprocess_behavior
 * @call POST /backfills/dry_run in reprocess-dry-run
 *
 * Sent once for each behaviour (`reprocessBehavior`: none, failed, completed), as the notebook's loop does.
 */
prerequest: { loopPre('reprocessBehavior', ["none", "failed", "completed"]); }
test: {
  const behavior = pm.collectionVariables.get('reprocessBehavior');
  const days = pm.response.json().backfills.map(b => b.logical_date.slice(0, 10));
  const expected = {none: ['2024-01-06'], failed: ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-06'],
                    completed: ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06']}[behavior];
  pm.test(`${behavior}: the days it would run`, () => pm.expect(days).to.eql(expected));
  loopNext('reprocessBehavior', 3);
}

/** Cleanup 1 · The DAG paused again, as it comes
 * @call PATCH /dags/{DAG_ID} in cleanup
 */
test: { pm.test("paused", () => pm.expect(pm.response.json().is_paused).to.eql(true)); }

/** Cleanup 2 · Delete the runs
 * @call DELETE /dags/{DAG_ID}/dagRuns/{run_id} in cleanup
 * @status 204
 *
 * Sent once for each of the folder's five run ids (`backfillRunId`).
 */
prerequest: {
  loopPre('backfillRunId', ["backfill__2024-01-01T00:00:00+00:00", "backfill__2024-01-02T00:00:00+00:00", "backfill__2024-01-03T00:00:00+00:00", "backfill__2024-01-04T00:00:00+00:00", "backfill__2024-01-05T00:00:00+00:00"]);
}
test: { loopNext('backfillRunId', 5); }

/** Cleanup 3 · The backfills stay
 * @call GET /backfills in backfills-stay
 */
test: {
  const ids = pm.response.json().backfills.map(b => String(b.id));
  pm.test("both backfills are still listed", () => pm.expect(ids).to.include.members([pm.collectionVariables.get('backfillId'), pm.collectionVariables.get('secondBackfillId')]));
}

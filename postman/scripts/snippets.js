// Snippets: lines that many requests' scripts share. In a folder's .js file (postman/folders/), a
// statement that only calls one of these functions, e.g. `status(200, 201);`, is replaced by the
// function's body when the collection is built (postman/build_collection.py), so each request's script
// in the collection is complete on its own, as Postman shows it.
//
// In a body, `$name` stands for the argument of that name, written as it reads where it lands:
//   in code            as the call writes it (a JSON array or object as JSON)
//   inside a string    as text: a string's content; an expression is spliced in (' + expr + ')
//   in a comment       as text: a string's content; an array as its items (an object as its values, a/b)
// A rest parameter (...$codes) stands for all the remaining arguments: joined by ", " (in a string:
// by " or "). A snippet whose body is one `return ...;` is an expression, used as an argument.

/** The request skips itself on Airflow 2, which has no such call (the tag `@airflow3` starts a pre-request script with it). */
function airflow3Only() {
  if (pm.collectionVariables.get('major') === '2') pm.execution.skipRequest();  // Airflow 3 only
}

/**
 * A request with its own Authorization header (as the notebook sends it, by hand: `Bearer {{jwt}}`, the
 * collection's token): without it when auth is off.
 */
function ownAuthorization() {
  if (pm.collectionVariables.get('authModeUsed') === 'none') pm.request.headers.remove('Authorization');  // auth off: no token
}

/** The status is one of `codes`; when it is not, the test shows Airflow's answer (the tag `@status 200 201`). */
function status(...$codes) {
  pm.test("status is $codes", () => pm.expect(pm.response.code, pm.response.text()).to.be.oneOf([$codes]));
}

/** The URL of a DAG run: `run` is a JavaScript expression (a collection variable, a quoted run id). */
function runUrl($dag, $run) {
  return pm.variables.replaceIn('{{baseUrl}}{{api}}/dags/$dag/dagRuns/') + $run;
}

/**
 * Pre-request lines that wait, at most `seconds`, until each run (runUrl(...)) has finished, asking once
 * a second, as the notebooks' af.wait_for_run() does.
 */
function waitForRuns($seconds, ...$runUrls) {
  waitForRunStates($seconds, ['success', 'failed'], $runUrls);
}

/**
 * waitForRuns() for runs that may not exist, a start-clean's leftovers: a run not found (404) has
 * nothing to wait for. (A run is deleted once it has finished: deleting a run the scheduler still works
 * on can stop Airflow 3.3's scheduler, apache/airflow#63926.)
 */
function waitForRunsIfAny($seconds, ...$runUrls) {
  waitForRunStates($seconds, ['success', 'failed', '404'], $runUrls);
}

/** The lines of waitForRuns(): wait until each run's state (or the status of its GET) is one of `states`. */
function waitForRunStates($seconds, $states, ...$runUrls) {
  // Wait until the run(s) have finished, as the notebook's af.wait_for_run does: ask once a second.
  const runUrls = [$runUrls];
  const deadline = Date.now() + $seconds * 1000;
  const signedIn = pm.request.headers.get('Authorization');
  function waitFor(i) {
    if (i >= runUrls.length) return;
    pm.sendRequest({url: runUrls[i], header: signedIn ? {Authorization: signedIn} : {}}, (err, res) => {
      const state = !err && res.code === 200 ? res.json().state : String(err || res.code);
      if ($states.includes(state)) return waitFor(i + 1);
      if (Date.now() > deadline) return console.error(`${runUrls[i]} is still ${state}`);
      setTimeout(() => waitFor(i), 1000);
    });
  }
  waitFor(0);
}

/** Test lines of a request that marks a run failed: a run it ended (200) is remembered for waitForSchedulerIfEnded(). */
function rememberEnded() {
  if (pm.response.code === 200) pm.collectionVariables.set('runEnded', 'true');  // wait before deleting it
}

/**
 * Pre-request lines of a request that deletes a run: when a run was marked failed (rememberEnded()), wait
 * first for the scheduler's next heartbeat, as the notebooks' af.wait_for_scheduler() does: by then the
 * scheduler has let go of it (deleting a run it still holds can stop Airflow 3.3's scheduler,
 * apache/airflow#63926).
 */
function waitForSchedulerIfEnded() {
  if (pm.collectionVariables.get('runEnded') === 'true') {  // a run was ended: wait for the scheduler's next beat
    pm.collectionVariables.set('runEnded', 'false');
    const healthUrl = pm.variables.replaceIn('{{baseUrl}}{{api}}') + (pm.collectionVariables.get('major') === '2' ? '/health' : '/monitor/health');
    const beatOf = (res) => res.json().scheduler.latest_scheduler_heartbeat;
    const deadline = Date.now() + 60 * 1000;
    pm.sendRequest(healthUrl, (err, first) => {
      const ask = () => pm.sendRequest(healthUrl, (err2, res) => {
        if (!err2 && res.code === 200 && beatOf(res) !== beatOf(first)) return;  // it has beaten since
        if (Date.now() > deadline) return console.error('the scheduler has not beaten for 60 s: is it running?');
        setTimeout(ask, 500);
      });
      setTimeout(ask, 500);
    });
  }
}

/** waitForRuns() in a request that skips itself on Airflow 2 (@airflow3): there, nothing to wait for. */
function waitForRunsOn3($seconds, ...$runUrls) {
  if (pm.collectionVariables.get('major') !== '2') {  // skipped on Airflow 2: nothing to wait for
    waitForRuns($seconds, $runUrls);
  }
}

/** A test that the run (the answer) is in `state`. */
function runStateIs($state, $name) {
  pm.test("$name", () => pm.expect(pm.response.json().state).to.eql('$state'));
}

/** Airflow 2 has /health where Airflow 3 has /monitor/health: the pre-request line that drops `monitor` there. */
function healthPathOn2() {
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2 has /api/v1/health instead
    pm.request.url.path = pm.request.url.path.filter(p => p !== 'monitor');
  }
}

/** Query parameters Airflow 2 does not know (filters new in Airflow 3): removed there. */
function noQueryOn2(...$params) {
  if (pm.collectionVariables.get('major') === '2') [$params].forEach(p => pm.request.url.query.remove(p));  // Airflow 3 only
}

/** Airflow 2 calls a run's logical date execution_date in the query (`execution_date_gte`, ...): renamed there. */
function logicalDateQueryOn2() {
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2 still calls it execution_date
    pm.request.url.query.each(q => { q.key = q.key.replace('logical_date', 'execution_date'); });
  }
}

/**
 * Tests of a list of runs for one date: a leftover of an interrupted earlier run, or none; its id is kept in
 * the collection variable `name` ('' for none), for a request that deletes it (skipUnless(name)).
 */
function keepLeftoverRun($name, $test) {
  const found = pm.response.json().dag_runs.map(r => r.dag_run_id);
  pm.test("$test", () => pm.expect(found.length).to.be.below(2));
  pm.collectionVariables.set('$name', found[0] || '');
}

/** The request skips itself when the collection variable `name` is empty: nothing to do. */
function skipUnless($name) {
  if (!pm.collectionVariables.get('$name')) pm.execution.skipRequest();  // none
}

/**
 * Pre-request lines of a request that skips itself on Airflow 2 (@airflow3): ask once a second, at most
 * `seconds`, until `url` answers 200, as the notebooks do for a DAG that Airflow lists a few seconds after
 * its file lands in dags/ (404 until then).
 */
function waitForDagOn3($url, $seconds) {
  const dagUrl = $url;
  const dagAuth = pm.request.headers.get('Authorization');
  const dagDeadline = Date.now() + $seconds * 1000;
  function waitForDag() {
    pm.sendRequest({url: dagUrl, header: dagAuth ? {Authorization: dagAuth} : {}}, (err, res) => {
      if (!err && res.code === 200) return;
      if (Date.now() > dagDeadline) return console.error(`${dagUrl} answers ${err || res.code}`);
      setTimeout(waitForDag, 1000);
    });
  }
  if (pm.collectionVariables.get('major') !== '2') waitForDag();  // skipped on Airflow 2: nothing to wait for
}

/**
 * Pre-request lines of a request that skips itself on Airflow 2 (@airflow3): wait, at most two minutes,
 * asking every half second, until the task `task` of the DAG `dag` is in one of `states` in each of the
 * `runs`, then `settle` seconds more, as the notebooks' wait_for_task() and wait_for_question() do.
 */
function waitForTaskOn3($dag, $task, $states, $settle, ...$runs) {
  // Wait until $task of $dag is $states in: $runs; then $settle s more.
  const taskRuns = [$runs];
  const taskDeadline = Date.now() + 120 * 1000;
  const taskAuth = pm.request.headers.get('Authorization');
  function waitForTask(i) {
    if (i >= taskRuns.length) return setTimeout(() => {}, $settle * 1000);
    const url = pm.variables.replaceIn('{{baseUrl}}{{api}}/dags/$dag/dagRuns/') + taskRuns[i] + '/taskInstances/$task';
    pm.sendRequest({url: url, header: taskAuth ? {Authorization: taskAuth} : {}}, (err, res) => {
      const state = !err && res.code === 200 ? res.json().state : String(err || res.code);
      if ($states.includes(state)) return waitForTask(i + 1);
      if (Date.now() > taskDeadline) return console.error('$task of ' + taskRuns[i] + ' is still ' + state);
      setTimeout(() => waitForTask(i), 500);
    });
  }
  if (pm.collectionVariables.get('major') !== '2') waitForTask(0);  // skipped on Airflow 2: nothing to wait for
}

/** Airflow 2 rejects `"logical_date": null`, which Airflow 3 requires in a trigger's body: drop it there. */
function noLogicalDateOn2() {
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2 wants no logical_date (3.x requires it, null = now)
    const b = JSON.parse(pm.request.body.raw);
    delete b.logical_date;
    pm.request.body.update(JSON.stringify(b));
  }
}

/**
 * Pre-request lines of a request that the runner sends once per value, as a notebook's loop makes its
 * call once per value: the collection variable `name` holds the current value. Close it with loopNext().
 */
function loopPre($name, $values) {
  // Sent once per value, as the notebook's loop does: $values.
  const loopValues = $values;
  const loopIndex = Number(pm.collectionVariables.get('$nameIndex') || 0);
  pm.collectionVariables.set('$name', loopValues[loopIndex]);
}

/** loopPre() for values that are objects: each sets one collection variable per key (a DAG id and a run id). */
function loopPreEach($name, $values) {
  // Sent once per value, as the notebook's loop does: $values.
  const loopValues = $values;
  const loopIndex = Number(pm.collectionVariables.get('$nameIndex') || 0);
  Object.entries(loopValues[loopIndex]).forEach(([k, v]) => pm.collectionVariables.set(k, v));
}

/** Test lines closing loopPre(): send the request again until each of the `count` values had its turn. */
function loopNext($name, $count) {
  const nextIndex = Number(pm.collectionVariables.get('$nameIndex') || 0) + 1;
  if (nextIndex < $count) {  // the next value: the runner sends this request again
    pm.collectionVariables.set('$nameIndex', String(nextIndex));
    pm.execution.setNextRequest(pm.info.requestId);
  } else {
    pm.collectionVariables.set('$nameIndex', '0');
  }
}

/**
 * Tests of a random_failures run whose task_3 failed once and was cleared: every task succeeded, task_3
 * on its second try, the others on their first.
 */
function allSucceededTask3OnTry2() {
  const tries = Object.fromEntries(pm.response.json().task_instances.map(t => [t.task_id, [t.state, t.try_number]]));
  pm.test("all succeeded; task_3 on try 2", () => pm.expect(tries).to.eql({
    task_1: ['success', 1], task_2: ['success', 1], task_3: ['success', 2],
    task_4: ['success', 1], task_5: ['success', 1]}));
}

/**
 * Pre-request lines of a request sent once for each item of the collection variable `list` (a JSON array
 * an earlier request's test kept, e.g. the runs a start-clean found): the first item goes into the
 * collection variables `names` (an item is one value, or an array of one value per name); the request
 * skips itself when the list is empty. Close it with nextOfList().
 */
function firstOfList($list, ...$names) {
  const listed = JSON.parse(pm.collectionVariables.get('$list') || '[]');
  if (!listed.length) pm.execution.skipRequest();  // nothing to do
  const firstItem = listed.length ? [].concat(listed[0]) : [];
  [$names].forEach((name, n) => pm.collectionVariables.set(name, firstItem[n] || ''));
}

/** Test lines closing firstOfList(): the item just sent leaves the list; the request is sent again while items are left. */
function nextOfList($list) {
  const leftItems = JSON.parse(pm.collectionVariables.get('$list') || '[]').slice(1);
  pm.collectionVariables.set('$list', JSON.stringify(leftItems));
  if (leftItems.length) pm.execution.setNextRequest(pm.info.requestId);  // the next item
}

// The Postman side of notebooks/20_fix_failures.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The folder's run has an id of its own, `kit_20_fail`, as the lesson's: the first requests end and delete a
 * run of that id that an interrupted earlier run left behind. The failed task (`failedTaskId`) is found by
 * the requests, never typed in.
 *
 * @where /task_3 = {{failedTaskId}}
 * @status 200
 */

/** 0a · Start clean: end a leftover run
 * @call PATCH /dags/random_failures/dagRuns/{RUN_ID}
 * @status 200 404
 *
 * A run that has not finished cannot be deleted: a leftover of an interrupted earlier run is first marked
 * failed. 200: ended; 404: nothing left behind.
 */
test: { rememberEnded(); }

/** 0b · Start clean: delete a leftover run
 * @call DELETE /dags/random_failures/dagRuns/{RUN_ID} in c2c56d07
 * @status 204 404
 *
 * 204: deleted; 404: nothing left behind.
 */
prerequest: { waitForSchedulerIfEnded(); }

/** 1a · Trigger a run that will fail
 * @call POST /dags/random_failures/dagRuns
 *
 * On Airflow 2 the pre-request script removes `logical_date`. Change `fail_task` to make another task fail.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const data = pm.response.json();
  pm.test("queued, with its id and the conf", () => pm.expect([data.dag_run_id, data.state, data.conf]).to.eql([
    'kit_20_fail', 'queued', {fail_task: "task_3"}]));
}

/** 1b · The run has finished: failed
 * @call GET /dags/random_failures/dagRuns/{RUN_ID} in run-failed
 *
 * The pre-request script waits until the run has finished.
 */
prerequest: { waitForRuns(600, runUrl('random_failures', 'kit_20_fail')); }
test: { runStateIs('failed', "the run is failed"); }

/** 2a · Find the failed task
 * @call GET /dags/random_failures/dagRuns/{RUN_ID}/taskInstances in find-failed-task
 *
 * The test keeps the failed task's id in `failedTaskId`, which the next requests use.
 */
test: {
  const tis = pm.response.json().task_instances;
  pm.test("task_3 failed, on try 1", () => pm.expect(tis.map(t => [t.task_id, t.try_number])).to.eql([['task_3', 1]]));
  pm.collectionVariables.set('failedTaskId', tis[0].task_id);
}

/** 2b · All the run's task instances
 * @call GET /dags/random_failures/dagRuns/{RUN_ID}/taskInstances in all-task-instances
 */
test: {
  const states = Object.fromEntries(pm.response.json().task_instances.map(t => [t.task_id, t.state]));
  pm.test("two succeeded, one failed, two upstream_failed", () => pm.expect(states).to.eql({
    task_1: 'success', task_2: 'success', task_3: 'failed',
    task_4: 'upstream_failed', task_5: 'upstream_failed'}));
}

/** 3 · Why did it fail?
 * @call GET /dags/random_failures/dagRuns/{RUN_ID}/taskInstances/task_3/logs/1
 *
 * `{{failedTaskId}}` is the task request 2a found (the notebook writes `task_3`). The header `Accept:
 * application/json` asks Airflow 2 for JSON instead of plain text.
 *
 * @header Accept: application/json
 */
test: {
  const content = pm.response.json().content;
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  pm.test("the exception is in the log", () => pm.expect(text).to.include('RuntimeError').and.include('failed on purpose'));
}

/** 4a · Clear it: the dry run
 * @call POST /dags/random_failures/clearTaskInstances in clear-dry-run
 *
 * `dag_run_id` is `kit_20_fail`, the run of request 1a.
 */
test: {
  const ids = pm.response.json().task_instances.map(t => t.task_id).sort();
  pm.test("would clear task_3 and what follows it", () => pm.expect(ids).to.eql(['task_3', 'task_4', 'task_5']));
}

/** 4b · Nothing changed
 * @call GET /dags/random_failures/dagRuns/{RUN_ID} in clear-dry-run-check
 *
 * After the dry run the run is still `failed`.
 */
test: { runStateIs('failed', "the run is still failed"); }

/** 6a · Clear it for real
 * @call POST /dags/random_failures/clearTaskInstances in clear
 */
test: {
  const ids = pm.response.json().task_instances.map(t => t.task_id).sort();
  pm.test("cleared task_3 and what follows it", () => pm.expect(ids).to.eql(['task_3', 'task_4', 'task_5']));
}

/** 7a · Watch the run succeed
 * @call GET /dags/random_failures/dagRuns/{RUN_ID} in watch-succeed
 *
 * The pre-request script waits until the run has finished again: `success`.
 */
prerequest: { waitForRuns(600, runUrl('random_failures', 'kit_20_fail')); }
test: { runStateIs('success', "the run is success"); }

/** 7b · Its task instances
 * @call GET /dags/random_failures/dagRuns/{RUN_ID}/taskInstances in watch-succeed
 */
test: { allSucceededTask3OnTry2(); }

/** 8 · Every try of the cleared task
 * @call GET /dags/random_failures/dagRuns/{RUN_ID}/taskInstances/task_3/tries
 *
 * `{{failedTaskId}}` is the task request 2a found.
 */
test: {
  const tries = pm.response.json().task_instances.map(t => [t.try_number, t.state]).sort((a, b) => a[0] - b[0]);
  pm.test("failed, then succeeded", () => pm.expect(tries).to.eql([[1, 'failed'], [2, 'success']]));
}

/** Cleanup · Delete the run
 * @call DELETE /dags/random_failures/dagRuns/{RUN_ID} in cleanup
 * @status 204
 */

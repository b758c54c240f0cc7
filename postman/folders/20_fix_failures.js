// The Postman side of notebooks/20_fix_failures.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The run id (`failRunId`) and the failed task (`failedTaskId`) are found by the requests, never typed in.
 *
 * @where run_id = {{failRunId}}
 * @where /task_3 = {{failedTaskId}}
 * @status 200
 */

/** 1a · Trigger a run that will fail
 * @call POST /dags/random_failures/dagRuns
 *
 * On Airflow 2 the pre-request script removes `logical_date`. Change `fail_task` to make another task fail.
 * The test keeps the run id in `failRunId`.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const data = pm.response.json();
  pm.test("queued, with the conf", () => pm.expect(data.conf).to.eql({fail_task: "task_3"}));
  pm.collectionVariables.set('failRunId', data.dag_run_id);
}

/** 1b · The run has finished: failed
 * @call GET /dags/random_failures/dagRuns/{run_id} in run-failed
 *
 * The pre-request script waits until the run has finished.
 */
prerequest: { waitForRuns(600, runUrl('random_failures', pm.collectionVariables.get('failRunId'))); }
test: { runStateIs('failed', "the run is failed"); }

/** 2a · Find the failed task
 * @call GET /dags/random_failures/dagRuns/{run_id}/taskInstances in find-failed-task
 *
 * The test keeps the failed task's id in `failedTaskId`, which the next requests use.
 */
test: {
  const tis = pm.response.json().task_instances;
  pm.test("task_3 failed, on try 1", () => pm.expect(tis.map(t => [t.task_id, t.try_number])).to.eql([['task_3', 1]]));
  pm.collectionVariables.set('failedTaskId', tis[0].task_id);
}

/** 2b · All the run's task instances
 * @call GET /dags/random_failures/dagRuns/{run_id}/taskInstances in all-task-instances
 */
test: {
  const states = Object.fromEntries(pm.response.json().task_instances.map(t => [t.task_id, t.state]));
  pm.test("two succeeded, one failed, two upstream_failed", () => pm.expect(states).to.eql({
    task_1: 'success', task_2: 'success', task_3: 'failed',
    task_4: 'upstream_failed', task_5: 'upstream_failed'}));
}

/** 3 · Why did it fail?
 * @call GET /dags/random_failures/dagRuns/{run_id}/taskInstances/task_3/logs/1
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
 * `dag_run_id` is `{{failRunId}}`, the run of request 1a.
 */
test: {
  const ids = pm.response.json().task_instances.map(t => t.task_id).sort();
  pm.test("would clear task_3 and what follows it", () => pm.expect(ids).to.eql(['task_3', 'task_4', 'task_5']));
}

/** 4b · Check: nothing changed
 * @call GET /dags/random_failures/dagRuns/{run_id} in clear-dry-run-check
 *
 * The notebook's check: after the dry run the run is still `failed`.
 */
test: { runStateIs('failed', "the run is still failed"); }

/** 6a · Clear it for real
 * @call POST /dags/random_failures/clearTaskInstances in clear
 */
test: {
  const ids = pm.response.json().task_instances.map(t => t.task_id).sort();
  pm.test("cleared task_3 and what follows it", () => pm.expect(ids).to.eql(['task_3', 'task_4', 'task_5']));
}

/** 6b · Check: the run is reset
 * @call GET /dags/random_failures/dagRuns/{run_id} in clear
 *
 * The notebook's check: the run is no longer `failed` (`queued` or `running`).
 */
test: { pm.test("the run is not failed any more", () => pm.expect(pm.response.json().state).to.not.eql('failed')); }

/** 7a · Watch the run succeed
 * @call GET /dags/random_failures/dagRuns/{run_id}/taskInstances in watch-succeed
 *
 * The pre-request script waits until the run has finished again.
 */
prerequest: { waitForRuns(600, runUrl('random_failures', pm.collectionVariables.get('failRunId'))); }
test: { allSucceededTask3OnTry2(); }

/** 7b · Check: the run succeeded
 * @call GET /dags/random_failures/dagRuns/{run_id} in watch-succeed
 *
 * The notebook's check: the run is `success`.
 */
test: { runStateIs('success', "the run is success"); }

/** 8 · Every try of the cleared task
 * @call GET /dags/random_failures/dagRuns/{run_id}/taskInstances/task_3/tries
 *
 * `{{failedTaskId}}` is the task request 2a found.
 */
test: {
  const tries = pm.response.json().task_instances.map(t => [t.try_number, t.state]).sort((a, b) => a[0] - b[0]);
  pm.test("failed, then succeeded", () => pm.expect(tries).to.eql([[1, 'failed'], [2, 'success']]));
}

/** Cleanup 1 · Delete the run
 * @call DELETE /dags/random_failures/dagRuns/{run_id}
 * @status 204
 */

/** Cleanup 2 · Check: the run is gone
 * @call GET /dags/random_failures/dagRuns
 *
 * `order_by=-id` puts the newest runs first, so that this folder's runs are on the one page the request
 * reads.
 *
 * @query order_by=-id
 */
test: {
  pm.test("the run is gone", () => pm.expect(pm.response.json().dag_runs.map(r => r.dag_run_id)).to.not.include(pm.collectionVariables.get('failRunId')));
}

// The Postman side of notebooks/42_task_data.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Airflow 3 only (3.3 or later): Airflow 2.11 cannot write XComs and has no task state store, so on Airflow 2
 * every request of this folder skips itself. The run id is fixed (`kit_42_run`), so the folder ends and deletes a
 * leftover first and its run at the end.
 *
 * @airflow3
 * @status 200
 */

/** 0a · Start clean: end a leftover run
 * @call PATCH /dags/{DAG_ID}/dagRuns/{RUN_ID}
 * @status 200 404
 *
 * A run that has not finished cannot be deleted: a leftover of an interrupted earlier run is first marked
 * failed. 200: ended; 404: nothing to end.
 */
test: { rememberEnded(); }

/** 0b · Start clean: delete a leftover run
 * @call DELETE /dags/{DAG_ID}/dagRuns/{RUN_ID} in start-clean
 * @status 204 404
 *
 * 204: deleted; 404: nothing to delete.
 */
prerequest: { waitForSchedulerIfEnded(); }

/** 1a · A run to write to
 * @call POST /dags/{DAG_ID}/dagRuns
 */
test: {
  const data = pm.response.json();
  pm.test("queued, with the id and conf asked for", () => {
    pm.expect([data.dag_run_id, data.state]).to.eql(['kit_42_run', 'queued']);
    pm.expect(data.conf).to.eql({message: 'hello from lesson 42', requested_by: '42_task_data'});
  });
}

/** 1b · What the task wrote: its XComs
 * @call GET /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/xcomEntries in task-xcoms
 *
 * The pre-request script waits until the run has finished, as the notebook's af.wait_for_run() does.
 */
prerequest: { waitForRunsOn3(120, runUrl('dependent_dag', 'kit_42_run')); }
test: {
  const keys = pm.response.json().xcom_entries.map(x => x.key).sort();
  pm.test("the return value and each of its keys", () => pm.expect(keys).to.eql(['message', 'requested_by', 'return_value', 'run_type']));
}

/** 2.1 · Add an XCom
 * @call POST /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/xcomEntries in add-xcom
 * @status 201
 */
test: {
  const data = pm.response.json();
  pm.test("created, with its value", () => {
    pm.expect([data.task_id, data.key, data.map_index]).to.eql(['report', 'kit_42_review', -1]);
    pm.expect(data.value).to.eql({checked_by: 'lesson 42', rows: 128});
  });
}

/** 2.2 · A key that exists
 * @call POST /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/xcomEntries in add-xcom-again
 * @status 409
 *
 * `return_value` is the task's own: POST only adds, so 409.
 */
test: { pm.test("already exists", () => pm.expect(pm.response.json().detail).to.include('already exists')); }

/** 2.3 · Change it
 * @call PATCH /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/xcomEntries/kit_42_review
 */
test: {
  pm.test("the new value, whole", () => pm.expect(pm.response.json().value).to.eql({checked_by: 'lesson 42', rows: 130}));
}

/** 2.4 · Read it back
 * @call GET /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/xcomEntries/kit_42_review in read-xcom
 */
test: {
  pm.test("the changed value", () => pm.expect(pm.response.json().value).to.eql({checked_by: 'lesson 42', rows: 130}));
}

/** 2.5a · Delete it
 * @call DELETE /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/xcomEntries/kit_42_review
 * @status 204
 */

/** 2.5b · Check: the XCom is gone
 * @call GET /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/xcomEntries/kit_42_review in delete-xcom
 * @status 404
 */

/** 3.1a · Set a key: job_id, never expires
 * @call PUT /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/state-store/job_id
 * @status 204
 */

/** 3.1b · Set a key: watermark, the default expiry
 * @call PUT /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/state-store/watermark
 * @status 204
 */

/** 3.2 · Read one key
 * @call GET /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/state-store/job_id
 */
test: {
  const data = pm.response.json();
  pm.test("the value; never expires", () => {
    pm.expect(data.value).to.eql({job_id: 'job-kit42', cluster: 'spark-eu'});
    pm.expect(data.expires_at).to.eql(null);
  });
}

/** 3.3a · Change a value
 * @call PATCH /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/state-store/watermark
 */

/** 3.3b · PATCH never creates a key
 * @call PATCH /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/state-store/cursor
 * @status 404
 *
 * `cursor` is not there: 404 (PUT would create it).
 */
test: { pm.test("not found", () => pm.expect(pm.response.json().detail).to.include("'cursor' not found")); }

/** 3.4 · List the keys
 * @call GET /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/state-store in list-keys
 */
test: {
  const entries = pm.response.json().task_state_store;
  pm.test("job_id never expires; watermark has its new value and the default expiry", () => {
    pm.expect(entries.map(e => e.key)).to.eql(['job_id', 'watermark']);
    pm.expect(entries[1].value).to.eql('2024-05-15');
    pm.expect([entries[0].expires_at === null, entries[1].expires_at === null]).to.eql([true, false]);
  });
}

/** 4a · A new try: the XCom of 2.1 once more
 * @call POST /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/xcomEntries in new-try
 * @status 201
 */

/** 4b · A new try: clear the task
 * @call POST /dags/{DAG_ID}/clearTaskInstances
 */
test: {
  pm.test("report is cleared", () => pm.expect(pm.response.json().task_instances.map(t => t.task_id)).to.eql(['report']));
}

/** 4c · The task instance after its new try
 * @call GET /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report
 *
 * The pre-request script waits until the run has finished again.
 */
prerequest: { waitForRunsOn3(120, runUrl('dependent_dag', 'kit_42_run')); }
test: {
  pm.test("try 2, succeeded", () => pm.expect([pm.response.json().try_number, pm.response.json().state]).to.eql([2, 'success']));
}

/** 4d · Its XComs after the new try
 * @call GET /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/xcomEntries in after-new-try
 */
test: {
  const keys = pm.response.json().xcom_entries.map(x => x.key).sort();
  pm.test("the task's own XComs again; kit_42_review is gone", () => pm.expect(keys).to.eql(['message', 'requested_by', 'return_value', 'run_type']));
}

/** 4e · Its state after the new try
 * @call GET /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/state-store in after-new-try
 */
test: {
  const entries = pm.response.json().task_state_store;
  pm.test("both keys kept, with their values", () => pm.expect(entries.map(e => [e.key, e.value])).to.eql([
    ['job_id', {job_id: 'job-kit42', cluster: 'spark-eu'}], ['watermark', '2024-05-15']]));
}

/** 5a · Delete one key
 * @call DELETE /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/state-store/watermark
 * @status 204
 */

/** 5b · Delete every key of the task instance
 * @call DELETE /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/state-store
 * @status 204
 */

/** 5c · Check: no key left
 * @call GET /dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/report/state-store in delete-keys
 */
test: { pm.test("empty", () => pm.expect(pm.response.json()).to.eql({task_state_store: [], total_entries: 0})); }

/** Cleanup 1 · Delete the run
 * @call DELETE /dags/{DAG_ID}/dagRuns/{RUN_ID} in cleanup
 * @status 204
 */

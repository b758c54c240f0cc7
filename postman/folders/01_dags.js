// The Postman side of notebooks/01_dags.ipynb: one section per API call of the notebook, in order.
// postman/build_collection.py takes each request from the notebook and its scripts from here (CONTRIBUTING.md).

/**
 * Leaves the DAG unpaused, as it found it. The DAG it reads is the collection variable `dagId`, set by
 * request 3's pre-request script: change it there to read another DAG.
 *
 * @where dag_id = {{dagId}}
 * @variable dagId = random_failures
 */

/**
 * 1a · List DAGs, one page at a time
 */
test: {
  status(200);
  const data = pm.response.json();
  pm.test("3 webinar DAGs in all, 2 on this page", () => {
    pm.expect(data.total_entries).to.eql(3);
    pm.expect(data.dags.map(d => d.dag_id)).to.eql(['api_dag', 'dependent_dag']);
  });
}

/**
 * 1b · The next page
 */
test: {
  status(200);
  pm.test("the last webinar DAG", () => pm.expect(pm.response.json().dags.map(d => d.dag_id)).to.eql(['random_failures']));
}

/**
 * 2 · List DAGs, all pages at once
 */
test: {
  status(200);
  const data = pm.response.json();
  const ids = data.dags.map(d => d.dag_id);
  pm.test("all the webinar DAGs, on one page", () => { pm.expect(ids).to.eql(['api_dag', 'dependent_dag', 'random_failures']); pm.expect(data.total_entries).to.eql(ids.length); });
}

/**
 * 3 · One DAG
 *
 * `dagId` is set to `random_failures` by this request's pre-request script: change it there to read another
 * DAG. The test keeps the DAG's `file_token` (in `fileToken`), which Airflow 2 needs to read the source.
 */
prerequest: {
  pm.collectionVariables.set('dagId', 'random_failures');  // the DAG this folder reads
}
test: {
  status(200);
  const data = pm.response.json();
  pm.test("the DAG asked for, not paused", () => {
    pm.expect(data.dag_id).to.eql(pm.collectionVariables.get('dagId'));
    pm.expect(data.is_paused).to.eql(false);
    pm.expect(data.fileloc).to.match(/random_failures\.py$/);
  });
  pm.collectionVariables.set('fileToken', data.file_token || '');
}

/**
 * 4 · The DAG's details
 */
test: {
  status(200);
  const data = pm.response.json();
  pm.test("no catchup; params failure_rate and fail_task; documented", () => {
    pm.expect(data.catchup).to.eql(false);
    pm.expect(Object.keys(data.params)).to.have.members(['failure_rate', 'fail_task']);
    pm.expect(data.doc_md).to.include('fail_task');
  });
}

/**
 * 5 · The DAG's tasks
 */
test: {
  status(200);
  const tasks = pm.response.json().tasks.sort((a, b) => a.task_id.localeCompare(b.task_id));
  pm.test("five tasks in a row", () => {
    pm.expect(tasks.map(t => t.task_id)).to.eql(['task_1', 'task_2', 'task_3', 'task_4', 'task_5']);
    pm.expect(tasks.map(t => t.downstream_task_ids)).to.eql([['task_2'], ['task_3'], ['task_4'], ['task_5'], []]);
  });
}

/**
 * 6 · The DAG's source code
 *
 * On Airflow 2 the pre-request script puts the `file_token` of request 3 in the path. The header `Accept:
 * application/json` asks Airflow 2 for JSON instead of plain text.
 *
 * @header Accept: application/json
 */
prerequest: {
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2 finds the source by the DAG's file token
    pm.request.url.path[pm.request.url.path.length - 1] = pm.collectionVariables.get('fileToken');
  }
}
test: {
  status(200);
  const text = pm.response.json().content;
  pm.test("the DAG's Python source", () => {
    pm.expect(text).to.include('dag_id="random_failures"');
    pm.expect(text.split('@dag(').length - 1).to.eql(1);
  });
}

/**
 * 6b · The DAG's versions (Airflow 3)
 *
 * Skipped on Airflow 2, which has no DAG versions.
 */
prerequest: {
  if (pm.collectionVariables.get('major') === '2') pm.execution.skipRequest();  // Airflow 3 only
}
test: {
  status(200);
  const versions = pm.response.json().dag_versions;
  pm.test("versions of this DAG, from version 1", () => {
    pm.expect(versions.every(v => v.dag_id === pm.collectionVariables.get('dagId'))).to.eql(true);
    pm.expect(versions.map(v => v.version_number)).to.include(1);
  });
}

/**
 * 7a · Pause the DAG
 *
 * Request 8a unpauses it again: run both, or the other folders' runs of this DAG will wait.
 */
test: {
  status(200);
  pm.test("is paused", () => pm.expect(pm.response.json().is_paused).to.eql(true));
}

/**
 * 7b · List the paused DAGs
 */
test: {
  status(200);
  pm.test("only the paused DAG", () => pm.expect(pm.response.json().dags.map(d => d.dag_id)).to.eql([pm.collectionVariables.get('dagId')]));
}

/**
 * 8a · Unpause it
 */
test: {
  status(200);
  pm.test("is not paused", () => pm.expect(pm.response.json().is_paused).to.eql(false));
}

/**
 * 8b · Check: not paused
 *
 * The notebook's check: the DAG is unpaused for good.
 */
test: {
  status(200);
  pm.test("is not paused", () => pm.expect(pm.response.json().is_paused).to.eql(false));
}

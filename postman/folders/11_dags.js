// The Postman side of notebooks/11_dags.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Leaves the DAGs as it found them: unpaused, no favorite; its first requests put back what an interrupted run
 * left. The DAG it reads is the collection variable `dagId`, set by the first request's pre-request script:
 * change it there to read another DAG.
 *
 * Section 12 of the notebook writes a DAG file of its own, `kit_11_versioned.py`, into the DAGs folder; Postman
 * cannot write files, so its requests (12.1 to 12.8) find no DAG `kit_11_versioned` (an empty list, or 404,
 * which their tests accept), unless you copy the file there yourself (the notebook shows both versions of it).
 * Request 12.4 then asks for a parse of that file; without it, of `random_failures.py` (request 3's `fileToken`).
 *
 * @where dag_id = {{dagId}}
 * @variable dagId = random_failures
 * @status 200
 */

/** 0a · Start clean: unpause the webinar DAGs
 * @call PATCH /dags in start-clean
 *
 * An interrupted run may have left some paused (sections 7 and 9); unpausing a DAG that is not paused changes
 * nothing. The pre-request script sets `dagId`, the DAG this folder reads.
 */
prerequest: {
  pm.collectionVariables.set('dagId', 'random_failures');  // the DAG this folder reads
}
test: {
  pm.test("no webinar DAG paused", () => pm.expect(pm.response.json().dags.some(d => d.is_paused)).to.eql(false));
}

/** 0b · Start clean: remove a favorite left behind (Airflow 3)
 * @call POST /dags/{dag_id}/unfavorite in start-clean
 * @status 204 409
 * @airflow3
 *
 * 204: it was a favorite, left by an interrupted run; 409: it was none. Skipped on Airflow 2, which has no
 * favorites.
 */

/** 0c · Start clean: the DAGs folder
 * @call GET /dags/{dag_id} in start-clean
 *
 * The notebook reads the DAGs folder from the DAG's `fileloc`, to delete a DAG file an interrupted run left.
 */
test: {
  pm.test("the DAG's file", () => pm.expect(pm.response.json().fileloc).to.match(/random_failures\.py$/));
}

/** 0d · Start clean: delete the DAG left behind
 * @call DELETE /dags/{VERSIONED} in start-clean
 * @status 204 404
 *
 * 204: deleted (its file must be gone first, or it comes back); 404: nothing to delete.
 */

/** 1a · List DAGs, one page at a time
 * @call GET /dags in list-one-page
 */
test: {
  const data = pm.response.json();
  pm.test("3 webinar DAGs in all, 2 on this page", () => {
    pm.expect(data.total_entries).to.eql(3);
    pm.expect(data.dags.map(d => d.dag_id)).to.eql(['api_dag', 'dependent_dag']);
  });
}

/** 1b · The next page
 * @call GET /dags in next-page
 */
test: {
  pm.test("the last webinar DAG", () => pm.expect(pm.response.json().dags.map(d => d.dag_id)).to.eql(['random_failures']));
}

/** 2 · List DAGs, all pages at once
 * @call GET /dags in list-all-pages
 */
test: {
  const data = pm.response.json();
  const ids = data.dags.map(d => d.dag_id);
  pm.test("all the webinar DAGs, on one page", () => { pm.expect(ids).to.eql(['api_dag', 'dependent_dag', 'random_failures']); pm.expect(data.total_entries).to.eql(ids.length); });
}

/** 3 · One DAG
 * @call GET /dags/{dag_id} in one-dag
 *
 * The test keeps the DAG's `file_token` (in `fileToken`), which Airflow 2 needs to read the source.
 */
test: {
  const data = pm.response.json();
  pm.test("the DAG asked for, not paused", () => {
    pm.expect(data.dag_id).to.eql(pm.collectionVariables.get('dagId'));
    pm.expect(data.is_paused).to.eql(false);
    pm.expect(data.fileloc).to.match(/random_failures\.py$/);
  });
  pm.collectionVariables.set('fileToken', data.file_token || '');
}

/** 4 · The DAG's details
 * @call GET /dags/{dag_id}/details
 */
test: {
  const data = pm.response.json();
  pm.test("no catchup; params failure_rate and fail_task; documented", () => {
    pm.expect(data.catchup).to.eql(false);
    pm.expect(Object.keys(data.params)).to.have.members(['failure_rate', 'fail_task']);
    pm.expect(data.doc_md).to.include('fail_task');
  });
}

/** 5 · The DAG's tasks
 * @call GET /dags/{dag_id}/tasks
 */
test: {
  const tasks = pm.response.json().tasks.sort((a, b) => a.task_id.localeCompare(b.task_id));
  pm.test("five tasks in a row", () => {
    pm.expect(tasks.map(t => t.task_id)).to.eql(['task_1', 'task_2', 'task_3', 'task_4', 'task_5']);
    pm.expect(tasks.map(t => t.downstream_task_ids)).to.eql([['task_2'], ['task_3'], ['task_4'], ['task_5'], []]);
  });
}

/** 6 · The DAG's source code
 * @call GET /dagSources/{dag_id}
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
  const data = pm.response.json();
  const text = data.content;
  if (data.version_number) pm.collectionVariables.set('versionNumber', String(data.version_number));  // Airflow 3
  pm.test("the DAG's Python source", () => {
    pm.expect(text).to.include('dag_id="random_failures"');
    pm.expect(text.split('@dag(').length - 1).to.eql(1);
  });
}

/** 6b · The DAG's versions (Airflow 3)
 * @call GET /dags/{dag_id}/dagVersions
 * @airflow3
 *
 * Skipped on Airflow 2, which has no DAG versions.
 */
test: {
  const versions = pm.response.json().dag_versions;
  pm.test("versions of this DAG, from version 1", () => {
    pm.expect(versions.every(v => v.dag_id === pm.collectionVariables.get('dagId'))).to.eql(true);
    pm.expect(versions.map(v => v.version_number)).to.include(1);
  });
}

/** 6c · One version, by its number (Airflow 3)
 * @call GET /dags/{dag_id}/dagVersions/{source['version_number']}
 * @airflow3
 *
 * The version number is the source's (`versionNumber`, kept by request 6). Skipped on Airflow 2, which has no
 * DAG versions.
 *
 * @where source['version_number'] = {{versionNumber}}
 */
test: {
  const data = pm.response.json();
  pm.test("the version asked for, of this DAG", () => {
    pm.expect(data.dag_id).to.eql(pm.collectionVariables.get('dagId'));
    pm.expect(String(data.version_number)).to.eql(pm.collectionVariables.get('versionNumber'));
  });
}

/** 7a · Pause the DAG
 * @call PATCH /dags/{dag_id} in pause
 *
 * Request 8a unpauses it again: run both, or the other folders' runs of this DAG will wait.
 */
test: { pm.test("is paused", () => pm.expect(pm.response.json().is_paused).to.eql(true)); }

/** 7b · List the paused DAGs
 * @call GET /dags in list-paused
 */
test: {
  pm.test("only the paused DAG", () => pm.expect(pm.response.json().dags.map(d => d.dag_id)).to.eql([pm.collectionVariables.get('dagId')]));
}

/** 8a · Unpause it
 * @call PATCH /dags/{dag_id} in unpause
 */
test: { pm.test("is not paused", () => pm.expect(pm.response.json().is_paused).to.eql(false)); }

/** 9.1 · What the filter matches
 * @call GET /dags in filter-matches
 */
test: {
  const dags = pm.response.json().dags;
  pm.test("api_dag and dependent_dag, both unpaused", () => {
    pm.expect(dags.map(d => d.dag_id)).to.eql(['api_dag', 'dependent_dag']);
    pm.expect(dags.some(d => d.is_paused)).to.eql(false);
  });
}

/** 9.2 · Pause them all: the answer is one page
 * @call PATCH /dags in pause-all
 *
 * `limit=1`: a page of one, so that the answer shows one of the two DAGs that match. Request 9.4 unpauses them
 * again: send both, or the other folders' runs of these DAGs will wait. The test keeps the DAG on the page in
 * `pausedOnPage`.
 */
test: {
  const data = pm.response.json();
  pm.test("two DAGs match, one on the page, paused", () => {
    pm.expect(data.total_entries).to.eql(2);
    pm.expect(data.dags.length).to.eql(1);
    pm.expect(data.dags[0].is_paused).to.eql(true);
  });
  pm.collectionVariables.set('pausedOnPage', data.dags[0].dag_id);
}

/** 9.3 · Which DAGs it paused
 * @call GET /dags in paused-now
 *
 * Airflow 3.2.2 and later pause every DAG that matches; Airflow 2 (and Airflow 3 before 3.2.2) only those on the
 * page they answer (`pausedOnPage`, request 9.2).
 */
test: {
  const paused = pm.response.json().dags.filter(d => d.is_paused).map(d => d.dag_id);
  if (pm.collectionVariables.get('major') === '2') {
    pm.test("Airflow 2: only the DAG on the answer's page", () => pm.expect(paused).to.eql([pm.collectionVariables.get('pausedOnPage')]));
  } else {
    pm.test("Airflow 3: both, though the answer showed one", () => pm.expect(paused).to.eql(['api_dag', 'dependent_dag']));
  }
}

/** 9.4 · Unpause them all
 * @call PATCH /dags in unpause-all
 */
test: {
  const data = pm.response.json();
  pm.test("both unpaused, both on the page", () => {
    pm.expect(data.dags.map(d => d.dag_id).sort()).to.eql(['api_dag', 'dependent_dag']);
    pm.expect(data.dags.some(d => d.is_paused)).to.eql(false);
  });
}

/** 10.1 · Mark a favorite (Airflow 3.1 and later)
 * @call POST /dags/{dag_id}/favorite
 * @status 204
 * @airflow3
 *
 * Request 10.3 removes it again. Skipped on Airflow 2.
 */

/** 10.2 · Where it shows up (Airflow 3.1 and later)
 * @call GET /dags in favorites-listed
 * @airflow3
 *
 * Skipped on Airflow 2, which has no favorites (and refuses the query parameter).
 */
test: {
  pm.test("this DAG is a favorite", () => pm.expect(pm.response.json().dags.map(d => d.dag_id)).to.include(pm.collectionVariables.get('dagId')));
}

/** 10.3 · Remove it again (Airflow 3.1 and later)
 * @call POST /dags/{dag_id}/unfavorite in unfavorite
 * @status 204
 * @airflow3
 *
 * Skipped on Airflow 2.
 */

/** 11 · The tags in use (Airflow 3)
 * @call GET /dagTags
 * @airflow3
 *
 * Skipped on Airflow 2, which has no such call (the notebook collects the tags from `GET /dags` there).
 */
test: {
  const tags = pm.response.json().tags;
  pm.test("the webinar DAGs' tags, sorted by name", () => {
    pm.expect(tags).to.include.members(['api', 'clear-tasks', 'triggered', 'webinar']);
    pm.expect(tags).to.eql([...tags].sort());
  });
}

/** 12.1 · See the DAG listed
 * @call GET /dags in versioned-listed
 *
 * An empty list unless the file `kit_11_versioned.py` is in the DAGs folder (Postman cannot write it: the notebook
 * does).
 */
test: {
  const dags = pm.response.json().dags;
  pm.test("the DAG of kit_11_versioned.py, or none", () => pm.expect(dags.every(d => /kit_11_versioned\.py$/.test(d.fileloc))).to.eql(true));
}

/** 12.2 · Run it once (Airflow 3)
 * @call POST /dags/{VERSIONED}/dagRuns
 * @status 200 404
 * @airflow3
 *
 * 404 without the DAG's file (see 12.1). Skipped on Airflow 2, which keeps no DAG versions.
 */
test: {
  if (pm.response.code === 200) {
    pm.test("the run asked for", () => pm.expect(pm.response.json().dag_run_id).to.eql('kit_11_run'));
  }
}

/** 12.3 · The file token
 * @call GET /dags/{VERSIONED}/details
 * @status 200 404
 *
 * The test keeps the DAG's `file_token` in `versionedFileToken` for request 12.4; without the DAG (404), it keeps
 * the token of `random_failures.py` (`fileToken`, from request 3) there instead.
 */
test: {
  const token = pm.response.code === 200 ? pm.response.json().file_token : pm.collectionVariables.get('fileToken');
  pm.test("a file token to ask for a parse with", () => pm.expect(token).to.be.a('string').and.not.empty);
  pm.collectionVariables.set('versionedFileToken', token);
}

/** 12.4 · Ask for a new parse
 * @call PUT /parseDagFile/{file_token}
 * @status 201
 *
 * The token is `versionedFileToken` (request 12.3).
 *
 * @where file_token = {{versionedFileToken}}
 */

/** 12.5 · The new task
 * @call GET /dags/{VERSIONED}/tasks
 * @status 200 404
 *
 * 404 without the DAG's file (see 12.1).
 */
test: {
  if (pm.response.code === 200) {
    pm.test("the DAG's tasks", () => pm.expect(pm.response.json().tasks.map(t => t.task_id)).to.include('extract'));
  }
}

/** 12.6 · Two versions (Airflow 3)
 * @call GET /dags/{VERSIONED}/dagVersions
 * @status 200 404
 * @airflow3
 *
 * 404 without the DAG's file (see 12.1). Skipped on Airflow 2, which keeps no DAG versions.
 */
test: {
  if (pm.response.code === 200) {
    pm.test("versions from 1", () => pm.expect(pm.response.json().dag_versions.map(v => v.version_number)).to.include(1));
  }
}

/** 12.7 · The DAG goes stale
 * @call GET /dags/{VERSIONED} in versioned-stale
 * @status 200 404
 *
 * 404 without the DAG (see 12.1). With it: stale once its file is gone from the DAGs folder.
 */
test: {
  if (pm.response.code === 200) {
    pm.test("the DAG, stale or not", () => pm.expect(pm.response.json().dag_id).to.eql('kit_11_versioned'));
  }
}

/** 12.8a · Delete the DAG
 * @call DELETE /dags/{VERSIONED} in versioned-delete
 * @status 204 404
 *
 * 204: deleted (delete its file first, or it comes back); 404: there was none (see 12.1).
 */

/** 12.8b · The DAG is gone
 * @call GET /dags/{VERSIONED} in versioned-delete
 * @status 404
 */

// The Postman side of notebooks/12_dag_runs.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Every run has an id of its own, as in the notebook (`kit_12_random_failures`, `kit_12_dependent`,
 * `kit_12_dated`, `kit_12_wait`, `kit_12_api`, and `from_api_dag__kit_12_api`, which `api_dag` starts): the
 * folder deletes those an interrupted earlier run left first, and its own at the end. The requests that need a
 * finished run wait for it in their pre-request script (in the Collection Runner and with Send alike).
 *
 * @status 200
 */

/** 0 · Start clean: delete leftover runs
 * @call DELETE /dags/{dag_id}/dagRuns/{run_id}
 * @status 204 404
 *
 * Sent once for each run of the folder (`leftover12DagId`, `leftover12RunId`; the Collection Runner repeats it,
 * with Send, send it six times): a trigger of a run that is there already answers 409 Conflict. 204: deleted;
 * 404: nothing to delete.
 *
 * @where dag_id = {{leftover12DagId}}
 * @where run_id = {{leftover12RunId}}
 */
prerequest: {
  loopPreEach('leftover12', [
               {"leftover12DagId": "random_failures", "leftover12RunId": "kit_12_random_failures"},
               {"leftover12DagId": "dependent_dag", "leftover12RunId": "kit_12_dependent"},
               {"leftover12DagId": "dependent_dag", "leftover12RunId": "kit_12_dated"},
               {"leftover12DagId": "dependent_dag", "leftover12RunId": "kit_12_wait"},
               {"leftover12DagId": "api_dag", "leftover12RunId": "kit_12_api"},
               {"leftover12DagId": "dependent_dag", "leftover12RunId": "from_api_dag__kit_12_api"}]);
}
test: { loopNext('leftover12', 6); }

/** 1 · Trigger random_failures
 * @call POST /dags/random_failures/dagRuns
 *
 * On Airflow 2 the pre-request script removes `logical_date`.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const data = pm.response.json();
  pm.test("a new queued run with its id and the conf", () => {
    pm.expect(data.dag_run_id).to.eql('kit_12_random_failures');
    pm.expect(data.state).to.eql('queued');
    pm.expect(data.conf).to.eql({failure_rate: 0});
  });
}

/** 2 · Trigger dependent_dag with a conf
 * @call POST /dags/dependent_dag/dagRuns in trigger-with-conf
 *
 * On Airflow 2 the pre-request script removes `logical_date`. Change the conf to anything JSON.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const data = pm.response.json();
  pm.test("queued, with the conf", () => { pm.expect(data.state).to.eql('queued'); pm.expect(data.conf).to.eql({"message": "hello from lesson 12", "requested_by": "12_dag_runs"}); });
}

/** 3 · Trigger a run for a given date: the webinar's call
 * @call POST /dags/dependent_dag/dagRuns in trigger-for-date
 *
 * A second run for the same date would answer 409 Conflict: request 0 deleted a leftover one.
 */
test: {
  const data = pm.response.json();
  pm.test("queued, for 1 May 2024", () => { pm.expect(data.logical_date).to.match(/^2024-05-01/); pm.expect(data.state).to.eql('queued'); });
}

/** 4a · Watch the runs
 * @call GET /dags/random_failures/dagRuns/kit_12_random_failures
 *
 * The pre-request script waits for the folder's three runs (asking once a second, as `af.wait_for_run()`
 * does) before this request is sent.
 */
prerequest: {
  waitForRuns(600,
              runUrl('random_failures', 'kit_12_random_failures'),
              runUrl('dependent_dag', 'kit_12_dependent'),
              runUrl('dependent_dag', 'kit_12_dated'));
}
test: { runStateIs('success', "the run succeeded"); }

/** 4b · Trigger dependent_dag, for /wait
 * @call POST /dags/dependent_dag/dagRuns in trigger-to-wait
 *
 * On Airflow 2 the pre-request script removes `logical_date`.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const data = pm.response.json();
  pm.test("queued, with the run id it was given", () => { pm.expect(data.dag_run_id).to.eql('kit_12_wait'); pm.expect(data.state).to.eql('queued'); });
}

/** 4c · Wait for the run: /wait (Airflow 3.1 and later)
 * @call GET /dags/dependent_dag/dagRuns/kit_12_wait/wait
 * @airflow3
 *
 * Postman shows the streamed answer once it has ended: all its lines at once, as text (one JSON document
 * per line). Skipped on Airflow 2, which has no `/wait`.
 */
test: {
  const lines = pm.response.text().split('\n').filter(line => line.trim()).map(line => JSON.parse(line));
  const last = lines[lines.length - 1];
  pm.test("a line per check; the last one: the run succeeded", () => {
    pm.expect(lines.slice(0, -1).every(line => ['queued', 'running'].includes(line.state))).to.eql(true);
    pm.expect(last.state).to.eql('success');
  });
  pm.test("the last line brings report's return value", () => pm.expect(last.results.report.message).to.eql('hello from lesson 12'));
}

/** 5a · List runs of one DAG
 * @call GET /dags/random_failures/dagRuns
 *
 * `order_by=-id` puts the newest runs first, so that this folder's run is on the one page the request reads.
 *
 * @query order_by=-id
 */
test: {
  const run = pm.response.json().dag_runs.find(r => r.dag_run_id === 'kit_12_random_failures');
  pm.test("lists this folder's run, succeeded", () => pm.expect(run.state).to.eql('success'));
}

/** 5b · List runs of every DAG
 * @call GET /dags/~/dagRuns
 *
 * `order_by=-id` puts the newest runs first, so that this folder's runs are on the one page the request
 * reads.
 *
 * @query order_by=-id
 */
test: {
  const runs = pm.response.json().dag_runs;
  const ids = runs.map(r => r.dag_run_id);
  pm.test("lists the four runs of this folder so far", () => pm.expect(ids).to.include.members(['kit_12_random_failures', 'kit_12_dependent', 'kit_12_dated', 'kit_12_wait']));
  pm.test("the three of request 4a succeeded", () => pm.expect(runs.filter(r => ['kit_12_random_failures', 'kit_12_dependent', 'kit_12_dated'].includes(r.dag_run_id)).map(r => r.state)).to.eql(['success', 'success', 'success']));
}

/** 6 · A run's task instances
 * @call GET /dags/random_failures/dagRuns/kit_12_random_failures/taskInstances
 */
test: {
  const tis = pm.response.json().task_instances.sort((a, b) => a.task_id.localeCompare(b.task_id));
  pm.test("five tasks, all succeeded on the first try", () => {
    pm.expect(tis.map(t => t.task_id)).to.eql(['task_1', 'task_2', 'task_3', 'task_4', 'task_5']);
    pm.expect(tis.every(t => t.state === 'success' && t.try_number === 1)).to.eql(true);
  });
}

/** 7 · A task's log
 * @call GET /dags/dependent_dag/dagRuns/kit_12_dependent/taskInstances/report/logs/1
 *
 * The header `Accept: application/json` asks Airflow 2 for JSON instead of plain text.
 *
 * @header Accept: application/json
 */
test: {
  const content = pm.response.json().content;
  const text = typeof content === 'string' ? content : content.map(e => e.event).join('\n');
  pm.test("the task printed the conf it received", () => pm.expect(text).to.include('dependent_dag received').and.include('hello from lesson 12'));
}

/** 8a · The task's XComs
 * @call GET /dags/dependent_dag/dagRuns/kit_12_dependent/taskInstances/report/xcomEntries
 */
test: {
  const keys = pm.response.json().xcom_entries.map(x => x.key);
  pm.test("return_value and the conf's keys", () => pm.expect(keys).to.include.members(['message', 'requested_by', 'return_value', 'run_type']));
}

/** 8b · One XCom, with its value
 * @call GET /dags/dependent_dag/dagRuns/kit_12_dependent/taskInstances/report/xcomEntries/return_value
 */
test: {
  const value = pm.response.json().value;
  pm.test("the conf the run was given", () => {
    if (typeof value === 'string') pm.expect(value).to.include('hello from lesson 12');
    else pm.expect(value.message).to.eql('hello from lesson 12');
  });
}

/** 9a · Trigger api_dag, which triggers dependent_dag
 * @call POST /dags/api_dag/dagRuns
 *
 * On Airflow 2 the pre-request script removes `logical_date`.
 */
prerequest: { noLogicalDateOn2(); }
test: {
  const data = pm.response.json();
  pm.test("queued", () => { pm.expect(data.dag_run_id).to.eql('kit_12_api'); pm.expect(data.state).to.eql('queued'); });
}

/** 9b · The run api_dag started
 * @call GET /dags/dependent_dag/dagRuns/from_api_dag__kit_12_api
 *
 * The pre-request script first waits for `api_dag`'s run and the run it started.
 */
prerequest: {
  waitForRuns(600, runUrl('api_dag', 'kit_12_api'), runUrl('dependent_dag', 'from_api_dag__kit_12_api'));
}
test: {
  const data = pm.response.json();
  pm.test("the run succeeded", () => pm.expect(data.state).to.eql('success'));
  pm.test("with the relayed conf", () => pm.expect(data.conf).to.eql({message: "relayed by api_dag", requested_by: 'api_dag run kit_12_api'}));
}

/** Cleanup 1 · Delete the random_failures run
 * @call DELETE /dags/random_failures/dagRuns/kit_12_random_failures
 * @status 204
 */

/** Cleanup 2 · Delete the dependent_dag run
 * @call DELETE /dags/dependent_dag/dagRuns/kit_12_dependent
 * @status 204
 */

/** Cleanup 3 · Delete the dated run
 * @call DELETE /dags/dependent_dag/dagRuns/kit_12_dated
 * @status 204
 */

/** Cleanup 4 · Delete the run of /wait
 * @call DELETE /dags/dependent_dag/dagRuns/kit_12_wait
 * @status 204
 */

/** Cleanup 5 · Delete the api_dag run
 * @call DELETE /dags/api_dag/dagRuns/kit_12_api
 * @status 204
 */

/** Cleanup 6 · Delete the run api_dag started
 * @call DELETE /dags/dependent_dag/dagRuns/from_api_dag__kit_12_api
 * @status 204
 */

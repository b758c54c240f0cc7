// The Postman side of notebooks/21_changing_state.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The folder presses the UI's buttons through the API, as the lesson does, with the DAGs `changing_state`
 * and `sales_by_region`: its runs have ids of its own (`kit_21_stuck`, `kit_21_broken`, `kit_21_eu`,
 * `kit_21_us`), so it first ends and deletes the runs an interrupted earlier run left behind, then
 * unpauses `changing_state` (last: a paused DAG starts none of them meanwhile), and deletes its runs at the end. Requests that need a task or a run in a given state
 * wait for it in their pre-request script (at most two minutes), as the lesson does. The requests that
 * stand for a loop of the lesson are sent once per value (the Collection Runner repeats them; with Send,
 * send them once per value).
 *
 * Airflow 3 only, and most of it 3.1 or later: `/dry_run` paths are 3.0; external log links, deleting a task
 * instance and bulk task instance changes 3.1 (entities naming their own run, under `~`, 3.2); partitions
 * 3.2 (`sales_by_region` 3.3); task groups, `clearDagRuns`, `clearPartitions` and bulk run changes 3.3. The
 * Airflow 2.11 forms of the others take other paths and bodies, which the lesson shows; so on Airflow 2
 * every request of this folder skips itself.
 *
 * @airflow3
 * @status 200
 */

/** Tests of a bulk update: `success` names what was updated (in any order), and no error. */
function bulkUpdated($name, $success) {
  const update = pm.response.json().update;
  pm.test("$name", () => pm.expect([update.success.slice().sort(), update.errors]).to.eql([$success, []]));
}

/** Pre-request lines of a request sent once for each run of the folder (`dagId21`, `runId21`): the start's clean-up. */
function eachRun() {
  loopPreEach('run21', [
               {"dagId21": "changing_state", "runId21": "kit_21_stuck"},
               {"dagId21": "changing_state", "runId21": "kit_21_broken"},
               {"dagId21": "sales_by_region", "runId21": "kit_21_eu"},
               {"dagId21": "sales_by_region", "runId21": "kit_21_us"}]);
}

/** 0a · Start clean: end leftover runs
 * @call PATCH /dags/{dag_id}/dagRuns/{run_id}
 * @status 200 404
 *
 * Sent once for each run (`dagId21`, `runId21`): a run that has not finished cannot be deleted, so a
 * leftover of an interrupted earlier run is first marked failed. 200: ended; 404: nothing to end.
 *
 * @where dag_id = {{dagId21}}
 * @where run_id = {{runId21}}
 */
prerequest: { eachRun(); }
test: {
  rememberEnded();
  loopNext('run21', 4);
}

/** 0b · Start clean: delete leftover runs
 * @call DELETE /dags/{dag_id}/dagRuns/{run_id}
 * @status 204 404
 *
 * Sent once for each run (`dagId21`, `runId21`). 204: deleted; 404: nothing to delete.
 *
 * @where dag_id = {{dagId21}}
 * @where run_id = {{runId21}}
 */
prerequest: {
  waitForSchedulerIfEnded();
  eachRun();
}
test: { loopNext('run21', 4); }

/** 0c · Start clean: unpause changing_state
 * @call PATCH /dags/{DAG_ID} in start-clean
 *
 * An interrupted earlier run may have left it paused (section 6 pauses it); unpausing a DAG that is not
 * paused changes nothing. It comes after the deletes: while the DAG is paused, the scheduler starts none
 * of the runs being ended (unpaused first, a queued run could start between its PATCH and its DELETE: 409).
 */
test: { pm.test("not paused", () => pm.expect(pm.response.json().is_paused).to.eql(false)); }

/** 1a · Trigger kit_21_stuck
 * @call POST /dags/{DAG_ID}/dagRuns as stuck
 *
 * Its task `hold` will wait 25 s (the conf's `hold`), unless it is marked.
 */
test: {
  const data = pm.response.json();
  pm.test("queued, with its conf", () => pm.expect([data.dag_run_id, data.state, data.conf]).to.eql(['kit_21_stuck', 'queued', {hold: 25}]));
}

/** 1b · Trigger kit_21_broken
 * @call POST /dags/{DAG_ID}/dagRuns as broken
 *
 * The instance of `transform` for `us` fails on both of its tries (the conf's `broken`), so the run fails.
 */
test: {
  const data = pm.response.json();
  pm.test("queued, with its conf", () => pm.expect([data.dag_run_id, data.state, data.conf]).to.eql(['kit_21_broken', 'queued', {broken: ['us']}]));
}

/** 2.1 · One task instance: hold, running
 * @call GET /dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}
 *
 * The lesson asks this every half second until `hold` runs; here the pre-request script does (and waits 2 s
 * more), and this request shows it.
 *
 * @where run_id = kit_21_stuck
 * @where task_id = hold
 */
prerequest: { waitForTaskOn3('changing_state', 'hold', ["running"], 2, 'kit_21_stuck'); }
test: {
  const ti = pm.response.json();
  pm.test("hold runs, on its first try", () => pm.expect([ti.task_id, ti.state, ti.try_number]).to.eql(['hold', 'running', 1]));
}

/** 2.2 · Why publish does not start
 * @call GET /dags/{DAG_ID}/dagRuns/{STUCK}/taskInstances/publish/dependencies
 */
test: {
  const deps = pm.response.json().dependencies;
  pm.test("no state yet; its trigger rule waits for hold", () => {
    pm.expect(deps.map(d => d.name)).to.eql(['Task Instance State', 'Trigger Rule']);
    pm.expect(deps[1].reason).to.include("upstream_task_ids={'hold'}");
  });
}

/** 2.3 · Mark hold success: the dry run
 * @call PATCH /dags/{DAG_ID}/dagRuns/{STUCK}/taskInstances/hold/dry_run
 *
 * Nothing changes: the answer lists what would.
 */
test: {
  const tis = pm.response.json().task_instances;
  pm.test("only hold would change, running now", () => pm.expect(tis.map(t => [t.task_id, t.state])).to.eql([['hold', 'running']]));
}

/** 2.4 · Mark hold success, with a note
 * @call PATCH /dags/{DAG_ID}/dagRuns/{STUCK}/taskInstances/hold
 *
 * Airflow stops the running task; `publish` can start. Sent a second time, it answers 409: the task instance
 * is in that state already.
 */
test: {
  const tis = pm.response.json().task_instances;
  pm.test("hold succeeded, with the note", () => pm.expect(tis.map(t => [t.task_id, t.state, t.note])).to.eql([
    ['hold', 'success', "the partner's file was loaded by hand"]]));
}

/** 2.5 · The run goes on: its task instances
 * @call GET /dags/{DAG_ID}/dagRuns/{STUCK}/taskInstances
 *
 * The pre-request script waits until the run has finished.
 */
prerequest: { waitForRunsOn3(120, runUrl('changing_state', 'kit_21_stuck')); }
test: {
  const tis = pm.response.json().task_instances;
  pm.test("eight task instances, all succeeded", () => {
    pm.expect(tis.length).to.eql(8);
    pm.expect(tis.every(t => t.state === 'success')).to.eql(true);
  });
}

/** 2.6 · One try of hold
 * @call GET /dags/{DAG_ID}/dagRuns/{STUCK}/taskInstances/hold/tries/1
 */
test: {
  const tried = pm.response.json();
  pm.test("try 1, success (marked)", () => pm.expect([tried.task_id, tried.try_number, tried.state]).to.eql(['hold', 1, 'success']));
}

/** 2.7 · A try's log in an external system
 * @call GET /dags/{DAG_ID}/dagRuns/{STUCK}/taskInstances/hold/externalLogUrl/1
 * @status 400
 *
 * The kit's stack keeps its logs in files: 400. Where a log service whose handler makes links is set up, the
 * answer is `{"url": ...}`.
 */
test: {
  pm.test("no external log system here", () => pm.expect(pm.response.json().detail).to.include('does not support external logs'));
}

/** 3.1 · The task publish
 * @call GET /dags/{DAG_ID}/tasks/publish
 *
 * Airflow 3.3.2 answers `extra_links: []` here even for a task that has one: the next request lists them.
 */
test: {
  const task = pm.response.json();
  pm.test("a PublishReportOperator", () => pm.expect([task.task_id, task.operator_name, task.class_ref.class_name]).to.eql([
    'publish', 'PublishReportOperator', 'PublishReportOperator']));
}

/** 3.2 · The task instance's extra links
 * @call GET /dags/{DAG_ID}/dagRuns/{STUCK}/taskInstances/publish/links
 */
test: {
  pm.test("the report's address", () => pm.expect(pm.response.json().extra_links).to.eql({
    Report: 'https://reports.example.com/changing_state/kit_21_stuck'}));
}

/** 4.1 · A mapped task's instances
 * @call GET /dags/{DAG_ID}/dagRuns/{BROKEN}/taskInstances/transform/listMapped
 *
 * The pre-request script waits until `kit_21_broken` has finished (failed).
 */
prerequest: { waitForRunsOn3(120, runUrl('changing_state', 'kit_21_broken')); }
test: {
  const tis = pm.response.json().task_instances.sort((a, b) => a.map_index - b.map_index);
  pm.test("one instance per region; us failed", () => pm.expect(tis.map(t => [t.map_index, t.rendered_map_index, t.state])).to.eql([
    [0, 'eu', 'success'], [1, 'us', 'failed'], [2, 'apac', 'success']]));
}

/** 4.2 · One instance: transform 1 (us)
 * @call GET /dags/{DAG_ID}/dagRuns/{BROKEN}/taskInstances/transform/1
 */
test: {
  const ti = pm.response.json();
  pm.test("us failed, on its second try", () => pm.expect([ti.map_index, ti.rendered_map_index, ti.state, ti.try_number]).to.eql([1, 'us', 'failed', 2]));
}

/** 4.3a · Its tries
 * @call GET /dags/{DAG_ID}/dagRuns/{BROKEN}/taskInstances/transform/1/tries
 */
test: {
  const tries = pm.response.json().task_instances;
  pm.test("two tries, both failed", () => pm.expect(tries.map(t => [t.try_number, t.state])).to.eql([[1, 'failed'], [2, 'failed']]));
}

/** 4.3b · Its first try
 * @call GET /dags/{DAG_ID}/dagRuns/{BROKEN}/taskInstances/transform/1/tries/1
 */
test: {
  const tried = pm.response.json();
  pm.test("try 1 of instance 1 failed", () => pm.expect([tried.map_index, tried.try_number, tried.state]).to.eql([1, 1, 'failed']));
}

/** 4.4 · Mark one instance success: the dry run
 * @call PATCH /dags/{DAG_ID}/dagRuns/{BROKEN}/taskInstances/transform/1/dry_run
 */
test: {
  const tis = pm.response.json().task_instances;
  pm.test("only instance 1 would change", () => pm.expect(tis.map(t => [t.task_id, t.map_index, t.state])).to.eql([['transform', 1, 'failed']]));
}

/** 4.5 · Mark it success: the run resumes
 * @call PATCH /dags/{DAG_ID}/dagRuns/{BROKEN}/taskInstances/transform/1
 *
 * Airflow also clears `hold` and `publish`, which had failed because of it, and queues the run again.
 */
test: {
  const tis = pm.response.json().task_instances;
  pm.test("instance 1 succeeded", () => pm.expect(tis.map(t => [t.task_id, t.map_index, t.state])).to.eql([['transform', 1, 'success']]));
}

/** 5a · Mark the task group load failed: the dry run
 * @call PATCH /dags/{DAG_ID}/dagRuns/{STUCK}/taskGroupInstances/load/dry_run
 *
 * The pre-request script first waits until `kit_21_broken`, resumed, has finished, as the lesson does.
 */
prerequest: { waitForRunsOn3(120, runUrl('changing_state', 'kit_21_broken')); }
test: {
  const tis = pm.response.json().task_instances.map(t => [t.task_id, t.state]).sort();
  pm.test("both loads would change", () => pm.expect(tis).to.eql([['load.customers', 'success'], ['load.orders', 'success']]));
}

/** 5b · Mark the task group load failed
 * @call PATCH /dags/{DAG_ID}/dagRuns/{STUCK}/taskGroupInstances/load
 */
test: {
  const tis = pm.response.json().task_instances.map(t => [t.task_id, t.state]).sort();
  pm.test("both loads failed", () => pm.expect(tis).to.eql([['load.customers', 'failed'], ['load.orders', 'failed']]));
}

/** 6.1 · Mark the run failed, with a note
 * @call PATCH /dags/{DAG_ID}/dagRuns/{STUCK}
 */
test: {
  rememberEnded();
  const run = pm.response.json();
  pm.test("failed, with the note", () => pm.expect([run.state, run.note]).to.eql(['failed', 'the orders were wrong: load them again']));
}

/** 6.2 · Clear the run: the dry run
 * @call POST /dags/{DAG_ID}/dagRuns/{STUCK}/clear in clear-run-dry-run
 */
test: {
  const tis = pm.response.json().task_instances;
  pm.test("all eight task instances; the two loads failed", () => {
    pm.expect(tis.length).to.eql(8);
    pm.expect(tis.filter(t => t.state === 'failed').map(t => t.task_id).sort()).to.eql(['load.customers', 'load.orders']);
  });
}

/** 6.3a · Pause the DAG
 * @call PATCH /dags/{DAG_ID} in pause
 */
test: { pm.test("paused", () => pm.expect(pm.response.json().is_paused).to.eql(true)); }

/** 6.3b · Clear the run
 * @call POST /dags/{DAG_ID}/dagRuns/{STUCK}/clear in clear-run
 */
test: {
  const run = pm.response.json();
  pm.test("queued again, with its note", () => pm.expect([run.dag_run_id, run.state, run.note]).to.eql([
    'kit_21_stuck', 'queued', 'the orders were wrong: load them again']));
}

/** 6.4 · Why an instance of a mapped task does not start
 * @call GET /dags/{DAG_ID}/dagRuns/{STUCK}/taskInstances/transform/1/dependencies
 */
test: {
  const deps = pm.response.json().dependencies;
  pm.test("the DAG is paused, the run queued, the upstream tasks cleared", () => pm.expect(deps.map(d => d.name)).to.eql([
    'Dag Not Paused', 'Dagrun Running', 'Task Instance State', 'Trigger Rule']));
}

/** 6.5 · Unpause the DAG: the run runs again
 * @call PATCH /dags/{DAG_ID} in unpause
 */
test: { pm.test("not paused", () => pm.expect(pm.response.json().is_paused).to.eql(false)); }

/** 7.1 · Mark several task instances, of two runs, in one request
 * @call PATCH /dags/{DAG_ID}/dagRuns/~/taskInstances
 *
 * The pre-request script first waits until `kit_21_stuck`, cleared, has finished, as the lesson does.
 */
prerequest: { waitForRunsOn3(120, runUrl('changing_state', 'kit_21_stuck')); }
test: { bulkUpdated("both updated, no error", ['changing_state.kit_21_broken.transform[0]', 'changing_state.kit_21_stuck.transform[0]']); }

/** 7.2 · Clear two runs at once: the dry run
 * @call POST /dags/{DAG_ID}/clearDagRuns in clear-two-runs-dry-run
 */
test: {
  const tis = pm.response.json().task_instances.map(t => [t.dag_run_id, t.task_id, t.map_index, t.state]).sort();
  pm.test("the two instances just marked", () => pm.expect(tis).to.eql([
    ['kit_21_broken', 'transform', 0, 'failed'], ['kit_21_stuck', 'transform', 0, 'failed']]));
}

/** 7.3 · Clear two runs at once
 * @call POST /dags/{DAG_ID}/clearDagRuns in clear-two-runs
 */
test: {
  const runs = pm.response.json().dag_runs.map(r => [r.dag_run_id, r.state]).sort();
  pm.test("both queued again", () => pm.expect(runs).to.eql([['kit_21_broken', 'queued'], ['kit_21_stuck', 'queued']]));
}

/** 8a · Delete a task instance
 * @call DELETE /dags/{DAG_ID}/dagRuns/{BROKEN}/taskInstances/publish
 *
 * The pre-request script first waits until both runs, cleared, have finished, as the lesson does. 200, with
 * no body.
 */
prerequest: {
  waitForRunsOn3(120, runUrl('changing_state', 'kit_21_stuck'), runUrl('changing_state', 'kit_21_broken'));
}

/** 8b · The run's task instances, without it
 * @call GET /dags/{DAG_ID}/dagRuns/{BROKEN}/taskInstances
 */
test: {
  const tis = pm.response.json().task_instances;
  pm.test("seven left, publish gone", () => {
    pm.expect(tis.length).to.eql(7);
    pm.expect(tis.map(t => t.task_id)).to.not.include('publish');
  });
}

/** 9.1a · Trigger a partitioned run: eu
 * @call POST /dags/{PARTITIONED}/dagRuns as eu
 */
test: {
  const run = pm.response.json();
  pm.test("queued, for partition eu", () => pm.expect([run.dag_run_id, run.state, run.partition_key]).to.eql(['kit_21_eu', 'queued', 'eu']));
}

/** 9.1b · Trigger a partitioned run: us
 * @call POST /dags/{PARTITIONED}/dagRuns as us
 */
test: {
  const run = pm.response.json();
  pm.test("queued, for partition us", () => pm.expect([run.dag_run_id, run.state, run.partition_key]).to.eql(['kit_21_us', 'queued', 'us']));
}

/** 9.2 · Clear every run of partition eu: the dry run
 * @call POST /dags/{PARTITIONED}/clearDagRuns in clear-partition-dry-run
 *
 * The pre-request script first waits until both partitioned runs have finished, as the lesson does.
 */
prerequest: { waitForRunsOn3(120, runUrl('sales_by_region', 'kit_21_eu'), runUrl('sales_by_region', 'kit_21_us')); }
test: {
  const tis = pm.response.json().task_instances;
  pm.test("the task instance of kit_21_eu", () => pm.expect(tis.map(t => [t.dag_run_id, t.task_id])).to.eql([['kit_21_eu', 'load_region']]));
}

/** 9.3 · Clear every run of partition eu
 * @call POST /dags/{PARTITIONED}/clearDagRuns in clear-partition
 */
test: {
  const runs = pm.response.json().dag_runs;
  pm.test("kit_21_eu queued again", () => pm.expect(runs.map(r => [r.dag_run_id, r.partition_key, r.state])).to.eql([['kit_21_eu', 'eu', 'queued']]));
}

/** 9.4 · Take a run out of its partition: the dry run
 * @call POST /dags/{PARTITIONED}/clearPartitions in out-of-partition-dry-run
 *
 * The pre-request script first waits until `kit_21_eu`, cleared, has finished, as the lesson does.
 */
prerequest: { waitForRunsOn3(120, runUrl('sales_by_region', 'kit_21_eu')); }
test: {
  pm.test("one run would lose its partition", () => pm.expect(pm.response.json()).to.eql({dag_runs_cleared: 1, task_instances_cleared: 0, dry_run: true}));
}

/** 9.5a · Take it out of its partition
 * @call POST /dags/{PARTITIONED}/clearPartitions in out-of-partition
 */
test: {
  pm.test("one run cleared", () => pm.expect(pm.response.json()).to.eql({dag_runs_cleared: 1, task_instances_cleared: 0, dry_run: false}));
}

/** 9.5b · The run, without a partition
 * @call GET /dags/{PARTITIONED}/dagRuns/{US}
 */
test: {
  const run = pm.response.json();
  pm.test("no partition any more; still a success", () => pm.expect([run.partition_key, run.state]).to.eql([null, 'success']));
}

/** 10.1 · Notes on runs of two DAGs, in one request
 * @call PATCH /dags/~/dagRuns in notes-two-dags
 */
test: { bulkUpdated("both noted, no error", ['changing_state.kit_21_broken', 'sales_by_region.kit_21_eu']); }

/** 10.2 · The runs of two DAGs
 * @call POST /dags/~/dagRuns/list
 */
test: {
  const mine = pm.response.json().dag_runs.filter(r => r.dag_run_id.startsWith('kit_21_'));
  pm.test("this folder's four runs, by run id, with their notes", () => pm.expect(mine.map(r => [r.dag_id, r.dag_run_id, r.note])).to.eql([
    ['changing_state', 'kit_21_broken', 'us fixed by hand'],
    ['sales_by_region', 'kit_21_eu', 'loaded again from the source'],
    ['changing_state', 'kit_21_stuck', 'the orders were wrong: load them again'],
    ['sales_by_region', 'kit_21_us', null]]));
}

/** 10.3 · The task instances of several runs
 * @call POST /dags/~/dagRuns/~/taskInstances/list
 */
test: {
  const tis = pm.response.json().task_instances.map(t => [t.dag_run_id, t.task_id, t.try_number]).sort();
  pm.test("publish of kit_21_stuck ran twice, of kit_21_broken is gone; eu loaded twice", () => pm.expect(tis).to.eql([
    ['kit_21_eu', 'load_region', 2], ['kit_21_stuck', 'publish', 2], ['kit_21_us', 'load_region', 1]]));
}

/** Cleanup · Delete the runs, in one request
 * @call PATCH /dags/~/dagRuns in cleanup
 *
 * The pre-request script first makes sure every run has finished: a running run cannot be deleted.
 */
prerequest: {
  waitForSchedulerIfEnded();
  waitForRunsOn3(120, runUrl('changing_state', 'kit_21_stuck'), runUrl('changing_state', 'kit_21_broken'),
                 runUrl('sales_by_region', 'kit_21_eu'), runUrl('sales_by_region', 'kit_21_us'));
}
test: {
  const result = pm.response.json().delete;
  pm.test("four deleted, no error", () => {
    pm.expect(result.success.length).to.eql(4);
    pm.expect(result.errors).to.eql([]);
  });
}

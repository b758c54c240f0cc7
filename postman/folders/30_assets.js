// The Postman side of notebooks/30_assets.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * The folder does what the notebook does with the DAGs `asset_producer`, `asset_consumer` and
 * `asset_two_inputs`: it reports asset events (which stay: the API deletes no events, they are history),
 * waits for the runs they start (their run ids are Airflow's: the requests that need a run wait for it in
 * their pre-request script and keep its id), materializes `sales_landing` (run `kit_30_materialize`), and
 * sets state on it. It deletes the runs of the three DAGs, their queued events and the asset's state at the
 * end, and what an interrupted run left at the start. The assets' ids are looked up first (`salesAssetId`,
 * `ratesAssetId`). On Airflow 2.11 assets are datasets: the requests that have a 2.11 equivalent change
 * their path there (and their body or query, where it differs; a dataset is named by its URI, URL-encoded);
 * aliases, materialize and the state store are skipped.
 *
 * @where SALES_ID = {{salesAssetId}}
 * @where RATES_ID = {{ratesAssetId}}
 * @where alias_id = {{assetsAliasId}}
 * @where two_run_id = {{twoInputsRunId}}
 * @status 200
 */

/** On Airflow 2.11 the request's path (after {{api}}) is `segments`: datasets instead of assets. */
function pathOn2($segments) {
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2.11: datasets, /api/v1/...
    pm.request.url.path = $segments;
  }
}

/** On Airflow 2.11 an event names its dataset by URI: the body `{"dataset_uri": uri, "extra": ...}`. */
function eventBodyOn2($uri) {
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2.11: POST /api/v1/datasets/events, by URI
    pm.request.url.path = ['datasets', 'events'];
    const event = JSON.parse(pm.request.body.raw);
    pm.request.body.update(JSON.stringify({dataset_uri: $uri, extra: event.extra}));
  }
}

/**
 * Pre-request lines that wait, at most `seconds`, until the DAG `dag` (an expression) has at least `count`
 * runs and all of them have finished, asking once a second, as the notebook's finished_runs() does; then
 * `then(runs)`.
 */
function waitForDagRuns($dag, $count, $seconds, $then) {
  {  // in a block of its own: its names do not meet those of other lines of the script
    // Wait until the DAG has the runs an asset event starts (the scheduler makes them a moment later), all finished
    const deadline = Date.now() + $seconds * 1000;
    const signedIn = pm.request.headers.get('Authorization');
    const askForRuns = () => pm.sendRequest({
      url: pm.variables.replaceIn('{{baseUrl}}{{api}}/dags/') + $dag + '/dagRuns?limit=100',
      header: signedIn ? {Authorization: signedIn} : {},
    }, (err, res) => {
      const runs = !err && res.code === 200 ? res.json().dag_runs : [];
      if (runs.length >= $count && runs.every(r => ['success', 'failed'].includes(r.state))) return ($then)(runs);
      if (Date.now() > deadline) return console.error($dag + ': ' + runs.length + ' runs, not all finished');
      setTimeout(askForRuns, 1000);
    });
    askForRuns();
  }
}

/**
 * The start and the end of the folder delete the runs of its three DAGs: a request that lists them is sent
 * once for each DAG (`assetsDagId`, pre-request lines), and collects them in `assetsRuns` (test lines).
 */
function eachDag() {
  loopPre('assetsDagId', ["asset_producer", "asset_consumer", "asset_two_inputs"]);
  if (Number(pm.collectionVariables.get('assetsDagIdIndex') || 0) === 0) pm.collectionVariables.set('assetsRuns', '[]');
}

/** keepRuns(): the test lines of that request. */
function keepRuns() {
  const found = JSON.parse(pm.collectionVariables.get('assetsRuns') || '[]');
  pm.response.json().dag_runs.forEach(r => found.push([r.dag_id, r.dag_run_id]));
  pm.collectionVariables.set('assetsRuns', JSON.stringify(found));
  loopNext('assetsDagId', 3);
}

/** 0a · Start clean: runs of the three DAGs
 * @call GET /dags/{dag_id}/dagRuns in start-clean
 *
 * Sent once for each DAG (`assetsDagId`), as the notebook's loop; the test keeps the runs it finds in
 * `assetsRuns` for request 0b.
 *
 * @where dag_id = {{assetsDagId}}
 */
prerequest: {
  eachDag();
}
test: { keepRuns(); }

/** 0b · Start clean: delete them
 * @call DELETE /dags/{dag_id}/dagRuns/{run['dag_run_id']} in start-clean
 * @status 204
 *
 * Sent once for each run request 0a found (`assetsRunDagId`, `assetsRunId`); skipped when there is none.
 *
 * @where dag_id = {{assetsRunDagId}}
 * @where run['dag_run_id'] = {{assetsRunId}}
 */
prerequest: { firstOfList('assetsRuns', 'assetsRunDagId', 'assetsRunId'); }
test: { nextOfList('assetsRuns'); }

/** 0c · Start clean: the assets' ids
 * @call GET /assets in start-clean
 *
 * The test keeps the ids of `sales_landing` and `fx_rates` in `salesAssetId` and `ratesAssetId`. On Airflow
 * 2.11: `GET /api/v1/datasets`.
 */
prerequest: { pathOn2(['datasets']); }
test: {
  const assets = pm.response.json().assets || pm.response.json().datasets;
  const idOf = (uri) => (assets.find(a => a.uri === uri) || {}).id;
  pm.test("both assets are there", () => {
    pm.expect(idOf('s3://kit-landing-zone/sales')).to.be.a('number');
    pm.expect(idOf('s3://kit-landing-zone/fx-rates')).to.be.a('number');
  });
  pm.collectionVariables.set('salesAssetId', String(idOf('s3://kit-landing-zone/sales')));
  pm.collectionVariables.set('ratesAssetId', String(idOf('s3://kit-landing-zone/fx-rates')));
}

/** 0d · Start clean: nothing queued
 * @call DELETE /dags/asset_two_inputs/assets/queuedEvents in start-clean
 * @status 204 404
 *
 * 204: deleted; 404: nothing was waiting.
 */
prerequest: { pathOn2(['dags', 'asset_two_inputs', 'datasets', 'queuedEvent']); }

/** 0e · Start clean: no state on the asset (Airflow 3.3)
 * @call DELETE /assets/{SALES_ID}/state-store in start-clean
 * @status 204
 * @airflow3
 */

/** 1a · The assets
 * @call GET /assets in assets
 */
prerequest: { pathOn2(['datasets']); }
test: {
  const assets = pm.response.json().assets || pm.response.json().datasets;
  const dagsOn = (uri) => ((assets.find(a => a.uri === uri) || {}).scheduled_dags || (assets.find(a => a.uri === uri) || {}).consuming_dags || []).map(d => d.dag_id).sort();
  pm.test("the DAGs scheduled on each asset", () => {
    pm.expect(dagsOn('s3://kit-landing-zone/sales')).to.eql(['asset_consumer', 'asset_two_inputs']);
    pm.expect(dagsOn('s3://kit-landing-zone/fx-rates')).to.eql(['asset_two_inputs']);
  });
}

/** 1b · One asset
 * @call GET /assets/{SALES_ID}
 *
 * On Airflow 2.11 by its URI: `GET /api/v1/datasets/s3%3A%2F%2Fkit-landing-zone%2Fsales`.
 */
prerequest: { pathOn2(['datasets', encodeURIComponent('s3://kit-landing-zone/sales')]); }
test: {
  const asset = pm.response.json();
  pm.test("sales_landing, made by asset_producer", () => {
    pm.expect(asset.uri).to.eql('s3://kit-landing-zone/sales');
    pm.expect(asset.producing_tasks.map(t => t.task_id)).to.eql(['land_sales_file']);
  });
}

/** 1c · Asset aliases (Airflow 3)
 * @call GET /assets/aliases
 * @airflow3
 *
 * The test keeps the id of `kit_landing_zone` in `assetsAliasId`.
 */
test: {
  const alias = pm.response.json().asset_aliases.find(a => a.name === 'kit_landing_zone');
  pm.test("the alias kit_landing_zone", () => pm.expect(alias).to.be.an('object'));
  pm.collectionVariables.set('assetsAliasId', String(alias.id));
}

/** 1d · One asset alias (Airflow 3)
 * @call GET /assets/aliases/{alias_id}
 * @airflow3
 */
test: {
  pm.test("kit_landing_zone, group asset", () => pm.expect([pm.response.json().name, pm.response.json().group]).to.eql(['kit_landing_zone', 'asset']));
}

/** 3 · An external system reports: this data changed
 * @call POST /assets/events in report-event
 *
 * The test keeps the event's id in `reportedEventId`. On Airflow 2.11: `POST /api/v1/datasets/events`
 * with `dataset_uri` instead of `asset_id`.
 */
prerequest: { eventBodyOn2('s3://kit-landing-zone/sales'); }
test: {
  const event = pm.response.json();
  pm.test("the event, with the extra and from_rest_api", () => {
    pm.expect(event.extra.key).to.eql('sales/2024-05-14/orders.csv');
    pm.expect(event.extra.from_rest_api).to.eql(true);
    pm.expect(event.source_dag_id).to.eql(null);
  });
  pm.collectionVariables.set('reportedEventId', String(event.id));
}

/** 4 · Every DAG scheduled on the asset runs
 * @call GET /dags/{dag_id}/dagRuns in consumer-runs
 *
 * The pre-request script waits until `asset_consumer` has a finished run, as the notebook's
 * `finished_runs()` does.
 *
 * @where dag_id = asset_consumer
 */
prerequest: { waitForDagRuns('asset_consumer', 1, 120, () => {}); }
test: {
  const runs = pm.response.json().dag_runs;
  pm.test("one asset-triggered run, succeeded", () => {
    pm.expect(runs.map(r => [r.run_type, r.state])).to.eql([[pm.collectionVariables.get('major') === '2' ? 'dataset_triggered' : 'asset_triggered', 'success']]);
  });
}

/** 5 · The asset's events
 * @call GET /assets/events
 *
 * On Airflow 2.11: `GET /api/v1/datasets/events?dataset_id=...`.
 */
prerequest: {
  pathOn2(['datasets', 'events']);
  if (pm.collectionVariables.get('major') === '2') pm.request.url.query.each(q => { if (q.key === 'asset_id') q.key = 'dataset_id'; });
}
test: {
  const events = pm.response.json().asset_events || pm.response.json().dataset_events;
  const mine = events.find(e => String(e.id) === pm.collectionVariables.get('reportedEventId'));
  pm.test("the reported event started a run of asset_consumer", () => pm.expect(mine.created_dagruns.map(r => r.dag_id)).to.eql(['asset_consumer']));
}

/** 6a · What asset_two_inputs waits with
 * @call GET /dags/asset_two_inputs/assets/queuedEvents in queued-events
 *
 * On Airflow 2.11: `GET /api/v1/dags/asset_two_inputs/datasets/queuedEvent`, with URIs.
 */
prerequest: { pathOn2(['dags', 'asset_two_inputs', 'datasets', 'queuedEvent']); }
test: {
  const queued = pm.response.json().queued_events;
  pm.test("news of sales_landing waits", () => {
    pm.expect(queued.length).to.eql(1);
    pm.expect(queued[0].uri || String(queued[0].asset_id)).to.be.oneOf(['s3://kit-landing-zone/sales', pm.collectionVariables.get('salesAssetId')]);
  });
}

/** 6b · One DAG's entry for one asset
 * @call GET /dags/asset_two_inputs/assets/{SALES_ID}/queuedEvents
 */
prerequest: {
  pathOn2(['dags', 'asset_two_inputs', 'datasets', 'queuedEvent', encodeURIComponent('s3://kit-landing-zone/sales')]);
}
test: {
  pm.test("asset_two_inputs waits with it", () => pm.expect(pm.response.json().dag_id).to.eql('asset_two_inputs'));
}

/** 6c · Every DAG that waits with news of one asset
 * @call GET /assets/{SALES_ID}/queuedEvents
 */
prerequest: { pathOn2(['datasets', 'queuedEvent', encodeURIComponent('s3://kit-landing-zone/sales')]); }
test: {
  pm.test("only asset_two_inputs waits", () => pm.expect(pm.response.json().queued_events.map(e => e.dag_id)).to.eql(['asset_two_inputs']));
}

/** 7 · Materialize an asset (Airflow 3)
 * @call POST /assets/{SALES_ID}/materialize
 * @airflow3
 */
test: {
  const run = pm.response.json();
  pm.test("a run of asset_producer, kit_30_materialize", () => pm.expect([run.dag_id, run.dag_run_id, run.run_type]).to.eql(['asset_producer', 'kit_30_materialize', 'asset_materialization']));
}

/** 8a · The asset state store (Airflow 3.3)
 * @call GET /assets/{SALES_ID}/state-store in state-store
 * @airflow3
 *
 * The pre-request script waits until the materialized run has finished, and the second run of
 * `asset_consumer` that its event starts.
 */
prerequest: {
  waitForRuns(120, runUrl('asset_producer', 'kit_30_materialize'));
  waitForDagRuns('asset_consumer', 2, 120, () => {});
}
test: {
  const state = Object.fromEntries(pm.response.json().asset_state_store.map(s => [s.key, s.value]));
  pm.test("what asset_producer's task keeps on the asset", () => pm.expect(state).to.eql({files_landed: 1, last_key: 'sales/2024-05-14/orders.csv'}));
}

/** 8b · Set a key from outside (Airflow 3.3)
 * @call PUT /assets/{SALES_ID}/state-store/reload_from
 * @status 204
 * @airflow3
 */

/** 8c · Read the key (Airflow 3.3)
 * @call GET /assets/{SALES_ID}/state-store/reload_from
 * @airflow3
 */
test: {
  const entry = pm.response.json();
  pm.test("set by the API", () => pm.expect([entry.value.key, entry.last_updated_by.kind]).to.eql(['sales/2024-05-01/', 'api']));
}

/** 8d · Delete the key (Airflow 3.3)
 * @call DELETE /assets/{SALES_ID}/state-store/reload_from
 * @status 204
 * @airflow3
 */

/** 8e · Delete every key of the asset (Airflow 3.3)
 * @call DELETE /assets/{SALES_ID}/state-store in state-store-delete
 * @status 204
 * @airflow3
 */

/** 8f · Check: no state left (Airflow 3.3)
 * @call GET /assets/{SALES_ID}/state-store in state-store-delete
 * @airflow3
 */
test: { pm.test("empty", () => pm.expect(pm.response.json().total_entries).to.eql(0)); }

/** 9a · The second asset: its event
 * @call POST /assets/events in second-asset-event
 *
 * On Airflow 2.11 with `dataset_uri`.
 */
prerequest: { eventBodyOn2('s3://kit-landing-zone/fx-rates'); }
test: {
  pm.test("an event of fx_rates", () => pm.expect(pm.response.json().extra.key).to.eql('fx-rates/2024-05-14.json'));
}

/** 9b · The events that started the run
 * @call GET /dags/asset_two_inputs/dagRuns/{two_run_id}/upstreamAssetEvents
 *
 * The pre-request script waits until `asset_two_inputs` has a finished run, and keeps its id in
 * `twoInputsRunId`. On Airflow 2.11: `.../upstreamDatasetEvents`. The test looks at this folder's events
 * (from `reportedEventId` on): a DAG without an earlier run consumes every earlier event of its assets.
 */
prerequest: {
  waitForDagRuns('asset_two_inputs', 1, 120, (runs) => pm.collectionVariables.set('twoInputsRunId', runs[0].dag_run_id));
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2.11: upstreamDatasetEvents
    pm.request.url.path[pm.request.url.path.length - 1] = 'upstreamDatasetEvents';
  }
}
test: {
  const events = (pm.response.json().asset_events || pm.response.json().dataset_events)
    .filter(e => e.id >= Number(pm.collectionVariables.get('reportedEventId')));
  const seen = [...new Set(events.map(e => `${e.uri || e.dataset_uri} ${e.source_dag_id || 'REST API'}`))].sort();
  const expected = ['s3://kit-landing-zone/fx-rates REST API', 's3://kit-landing-zone/sales REST API'];
  if (pm.collectionVariables.get('major') !== '2') expected.push('s3://kit-landing-zone/sales asset_producer');
  pm.test("both assets' events, from outside (and from asset_producer)", () => pm.expect(seen).to.eql(expected.sort()));
}

/** 10a · Queue an event of fx_rates
 * @call POST /assets/events in queue-then-delete-one
 *
 * On Airflow 2.11 with `dataset_uri`.
 */
prerequest: { eventBodyOn2('s3://kit-landing-zone/fx-rates'); }

/** 10b · Delete one DAG's entry for one asset
 * @call DELETE /dags/asset_two_inputs/assets/{RATES_ID}/queuedEvents
 * @status 204
 */
prerequest: {
  pathOn2(['dags', 'asset_two_inputs', 'datasets', 'queuedEvent', encodeURIComponent('s3://kit-landing-zone/fx-rates')]);
}

/** 10c · Queue an event of fx_rates again
 * @call POST /assets/events in queue-then-delete-for-asset
 *
 * On Airflow 2.11 with `dataset_uri`.
 */
prerequest: { eventBodyOn2('s3://kit-landing-zone/fx-rates'); }

/** 10d · Delete every DAG's entry for one asset
 * @call DELETE /assets/{RATES_ID}/queuedEvents
 * @status 204
 */
prerequest: { pathOn2(['datasets', 'queuedEvent', encodeURIComponent('s3://kit-landing-zone/fx-rates')]); }

/** 10e · Queue an event of fx_rates once more
 * @call POST /assets/events in queue-then-delete-all
 *
 * On Airflow 2.11 with `dataset_uri`.
 */
prerequest: { eventBodyOn2('s3://kit-landing-zone/fx-rates'); }

/** 10f · Delete everything one DAG waits with
 * @call DELETE /dags/asset_two_inputs/assets/queuedEvents in queue-then-delete-all
 * @status 204
 */
prerequest: { pathOn2(['dags', 'asset_two_inputs', 'datasets', 'queuedEvent']); }

/** 10g · Check: the queue is empty
 * @call GET /dags/asset_two_inputs/assets/queuedEvents in queue-then-delete-all
 * @status none
 *
 * Airflow 3 answers an empty list; Airflow 2.11 a 404.
 */
prerequest: { pathOn2(['dags', 'asset_two_inputs', 'datasets', 'queuedEvent']); }
test: {
  if (pm.collectionVariables.get('major') === '2') {
    status(404);
  } else {
    status(200);
    pm.test("nothing waits", () => pm.expect(pm.response.json().queued_events).to.eql([]));
  }
}

/** Cleanup 1 · The runs of the three DAGs
 * @call GET /dags/{dag_id}/dagRuns in cleanup
 *
 * Sent once for each DAG (`assetsDagId`), once its runs have finished; the test keeps the runs in
 * `assetsRuns` for the next request.
 *
 * @where dag_id = {{assetsDagId}}
 */
prerequest: {
  eachDag();
  waitForDagRuns(pm.collectionVariables.get('assetsDagId'), 0, 120, () => {});
}
test: { keepRuns(); }

/** Cleanup 2 · Delete them
 * @call DELETE /dags/{dag_id}/dagRuns/{run['dag_run_id']} in cleanup
 * @status 204
 *
 * Sent once for each run request Cleanup 1 found.
 *
 * @where dag_id = {{assetsRunDagId}}
 * @where run['dag_run_id'] = {{assetsRunId}}
 */
prerequest: { firstOfList('assetsRuns', 'assetsRunDagId', 'assetsRunId'); }
test: { nextOfList('assetsRuns'); }

// The Postman side of notebooks/22_variables_connections_pools.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Everything is named `kit_22_...`; the folder deletes leftovers of an interrupted run first and everything
 * it created at the end (the default connections of 2.8 right after creating them). Change the names in the
 * paths and bodies to create your own. Bulk changes (with `update_mask` in an update action: Airflow 3.2+),
 * connection tests on a worker (3.3+) and the default connections are Airflow 3's: those requests skip
 * themselves on Airflow 2. `GET .../enqueue-test` sends the token of the test 2.7a queued (`connTest22Token`)
 * in its header, and `Authorization: Bearer {{jwt}}`, as the lesson sends it with `requests` and the
 * client's token (with auth off the header is removed).
 *
 * @where af.session.headers.get('Authorization', '') = Bearer {{jwt}}
 * @where queued['token'] = {{connTest22Token}}
 * @status 200
 */

/**
 * The test lines of a connection test: on Airflow 2 the kit's stack answers 403 (testing is disabled
 * there); on Airflow 3 the status is `code` and the answer passes the test `name`, `check`.
 */
function connectionTested($code, $name, $check) {
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2.11: testing is disabled on the kit's stack
    status(403);
  } else {
    status($code);
    pm.test("$name", () => $check);
  }
}

/** 0 · Start clean: delete the variable
 * @call DELETE /variables/kit_22_greeting in start-clean
 * @status 204 404
 */

/** 0 · Start clean: delete the connection
 * @call DELETE /connections/kit_22_http in start-clean
 * @status 204 404
 */

/** 0 · Start clean: delete the connection kit_22_files
 * @call DELETE /connections/kit_22_files in start-clean
 * @status 204 404
 */

/** 0 · Start clean: delete the pool
 * @call DELETE /pools/kit_22_pool in start-clean
 * @status 204 404
 */

/** 0 · Start clean: delete the pool kit_22_pool_small
 * @call DELETE /pools/kit_22_pool_small in start-clean
 * @status 204 404
 */

/** 1.1 · Create a variable
 * @call POST /variables
 * @status 200 201
 */
test: {
  const data = pm.response.json();
  pm.test("created", () => { pm.expect(data.key).to.eql('kit_22_greeting'); pm.expect(data.value).to.eql('hello from lesson 22'); });
}

/** 1.2 · Read it
 * @call GET /variables/kit_22_greeting in read-variable
 */
test: { pm.test("has the value", () => pm.expect(pm.response.json().value).to.eql('hello from lesson 22')); }

/** 1.3 · Update it
 * @call PATCH /variables/kit_22_greeting
 */
test: {
  const data = pm.response.json();
  pm.test("new value, same description", () => {
    pm.expect(JSON.parse(data.value)).to.eql({greeting: 'hello', times: 2});
    pm.expect(data.description).to.eql('created by lesson 22');
  });
}

/** 1.4 · List the variables
 * @call GET /variables
 *
 * `variable_key_pattern=kit_22_` keeps this folder's variable on the one page the request reads (the
 * lesson's `af.table()` reads every page). Airflow 3 only: on Airflow 2 the pre-request script removes it,
 * and the test finds the variable itself.
 *
 * @query variable_key_pattern=kit_22_
 */
prerequest: { noQueryOn2('variable_key_pattern'); }
test: {
  const mine = pm.response.json().variables.filter(x => x.key === 'kit_22_greeting');
  pm.test("lists kit_22_greeting", () => pm.expect(mine.length).to.eql(1));
}

/** 1.5a · Many changes in one request (Airflow 3.2+)
 * @call PATCH /variables
 * @airflow3
 */
test: {
  const data = pm.response.json();
  pm.test("the create failed as a whole (409), the update and the delete went through", () => {
    pm.expect([data.create.success, data.create.errors.map(e => e.status_code)]).to.eql([[], [409]]);
    pm.expect(data.update).to.eql({success: ['kit_22_greeting'], errors: []});
    pm.expect(data.delete).to.eql({success: [], errors: []});
  });
}

/** 1.5b · Check: kit_22_color was not created
 * @call GET /variables/kit_22_color
 * @status 404
 */

/** 2.1 · Create a connection
 * @call POST /connections
 * @status 200 201
 */
test: {
  const data = pm.response.json();
  pm.test("created; the password is not sent back", () => {
    pm.expect(data.connection_id).to.eql('kit_22_http');
    pm.expect(data.host).to.eql('api.example.com');
    pm.expect(data.password).to.not.eql('not-a-real-secret');
  });
}

/** 2.2 · Read it
 * @call GET /connections/kit_22_http in read-connection
 */
test: {
  const data = pm.response.json();
  pm.test("port and extra", () => { pm.expect(data.port).to.eql(443); pm.expect(JSON.parse(data.extra)).to.eql({timeout: 10}); });
}

/** 2.3 · Update one field
 * @call PATCH /connections/kit_22_http
 */
test: {
  const data = pm.response.json();
  pm.test("new host, the rest unchanged", () => {
    pm.expect(data.host).to.eql('api2.example.com');
    pm.expect([data.login, data.port]).to.eql(['kit', 443]);
  });
}

/** 2.4 · List the connections
 * @call GET /connections in list-connections
 *
 * `connection_id_pattern=kit_22_` keeps this folder's connection on the one page the request reads. Airflow
 * 3 only: on Airflow 2 the pre-request script removes it, and the test finds the connection itself.
 *
 * @query connection_id_pattern=kit_22_
 */
prerequest: { noQueryOn2('connection_id_pattern'); }
test: {
  const mine = pm.response.json().connections.filter(x => x.connection_id === 'kit_22_http');
  pm.test("lists kit_22_http", () => pm.expect(mine.length).to.eql(1));
}

/** 2.5a · Many changes in one request (Airflow 3.2+)
 * @call PATCH /connections in bulk-connections
 * @airflow3
 */
test: {
  const data = pm.response.json();
  pm.test("kit_22_files created, kit_22_http skipped then updated, the delete failed (404)", () => {
    pm.expect(data.create).to.eql({success: ['kit_22_files'], errors: []});
    pm.expect(data.update).to.eql({success: ['kit_22_http'], errors: []});
    pm.expect([data.delete.success, data.delete.errors.map(e => e.status_code)]).to.eql([[], [404]]);
  });
}

/** 2.5b · What the actions did to kit_22_http
 * @call GET /connections/kit_22_http in bulk-connections
 * @airflow3
 */
test: {
  const data = pm.response.json();
  pm.test("the host it had, the new port", () => pm.expect([data.host, data.port]).to.eql(['api2.example.com', 8443]));
}

/** 2.6a · Test a connection: kit_22_files, as stored
 * @call POST /connections/test as stored
 * @status none
 *
 * On Airflow 2 (`/api/v1/connections/test`) the kit's stack answers 403: testing is disabled there.
 */
test: {
  connectionTested(200, "succeeds: Path /tmp is existing.", pm.expect(pm.response.json()).to.eql({status: true, message: 'Path /tmp is existing.'}));
}

/** 2.6b · Test a connection that is not saved
 * @call POST /connections/test as unsaved
 * @status none
 *
 * On Airflow 2 the kit's stack answers 403: testing is disabled there.
 */
test: {
  connectionTested(200, "fails: Path /kit_22/nowhere does not exist.", pm.expect(pm.response.json()).to.eql({status: false, message: 'Path /kit_22/nowhere does not exist.'}));
}

/** 2.6c · Test a stored connection against another host
 * @call POST /connections/test
 * @status none
 *
 * Airflow 3.3.1 and later refuse (400): the body brings no credentials of its own. On Airflow 2 the kit's
 * stack answers 403: testing is disabled there.
 */
test: {
  connectionTested(400, "the host differs from the stored one", pm.expect(pm.response.json().detail).to.include('differs from the stored connection'));
}

/** 2.7a · Test it on a worker (Airflow 3.3+)
 * @call POST /connections/enqueue-test
 * @status 202
 * @airflow3
 *
 * The test keeps the token in `connTest22Token`, which request 2.7b sends.
 */
test: {
  const data = pm.response.json();
  pm.test("queued: pending, with a token", () => {
    pm.expect([data.connection_id, data.state]).to.eql(['kit_22_files', 'pending']);
    pm.expect(data.token).to.be.a('string');
  });
  pm.collectionVariables.set('connTest22Token', data.token);
}

/** 2.7b · The result of the test on a worker
 * @call GET {api}/connections/enqueue-test
 * @airflow3
 *
 * The pre-request script asks (at most two minutes, every half second) until the worker is done, as the lesson
 * does; this request then shows the result.
 */
prerequest: {
  ownAuthorization();
  const testUrl = pm.request.url.toString();
  const testDeadline = Date.now() + 120 * 1000;
  const testHeaders = {'Airflow-Connection-Test-Token': pm.collectionVariables.get('connTest22Token')};
  const testAuth = pm.request.headers.get('Authorization');
  if (testAuth && pm.collectionVariables.get('authModeUsed') !== 'none') testHeaders.Authorization = pm.variables.replaceIn(testAuth);
  function waitForTest() {
    if (pm.collectionVariables.get('major') === '2') return;  // skipped on Airflow 2: nothing to wait for
    pm.sendRequest({url: pm.variables.replaceIn(testUrl), header: testHeaders}, (err, res) => {
      const state = !err && res.code === 200 ? res.json().state : String(err || res.code);
      if (['success', 'failed'].includes(state)) return;
      if (Date.now() > testDeadline) return console.error('the connection test is still ' + state);
      setTimeout(waitForTest, 500);
    });
  }
  waitForTest();
}
test: {
  const data = pm.response.json();
  pm.test("the worker found the path", () => pm.expect([data.connection_id, data.state, data.result_message]).to.eql(
    ['kit_22_files', 'success', 'Path /tmp is existing.']));
}

/** 2.8a · Airflow's default connections: the connections before
 * @call GET /connections in default-connections as before
 * @airflow3
 *
 * The test keeps their ids in `connections22Before`.
 */
test: {
  pm.collectionVariables.set('connections22Before', JSON.stringify(pm.response.json().connections.map(c => c.connection_id)));
}

/** 2.8b · Create the default connections (Airflow 3)
 * @call POST /connections/defaults
 * @status 204
 * @airflow3
 */

/** 2.8c · The connections after
 * @call GET /connections in default-connections as after
 * @airflow3
 *
 * The test keeps the ids of those the call created in `defaults22Made`, which request 2.8d deletes.
 */
test: {
  const before = JSON.parse(pm.collectionVariables.get('connections22Before') || '[]');
  const ids = pm.response.json().connections.map(c => c.connection_id);
  pm.test("sqlite_default is there", () => pm.expect(ids).to.include('sqlite_default'));
  pm.collectionVariables.set('defaults22Made', JSON.stringify(ids.filter(id => !before.includes(id)).sort()));
}

/** 2.8d · Delete what the call created, in one bulk request
 * @call PATCH /connections in default-connections
 * @airflow3
 *
 * The pre-request script puts the ids request 2.8c found (`defaults22Made`) in the body.
 *
 * @where made = []
 */
prerequest: {
  const made = JSON.parse(pm.collectionVariables.get('defaults22Made') || '[]');
  const body = JSON.parse(pm.request.body.raw);
  body.actions[0].entities = made;
  pm.request.body.update(JSON.stringify(body, null, 2));
}
test: {
  const made = JSON.parse(pm.collectionVariables.get('defaults22Made') || '[]');
  pm.test("every connection the call created is deleted", () => {
    pm.expect(pm.response.json().delete.success.slice().sort()).to.eql(made);
    pm.expect(pm.response.json().delete.errors).to.eql([]);
  });
}

/** 3.1 · Create a pool
 * @call POST /pools
 * @status 200 201
 */
test: {
  const data = pm.response.json();
  pm.test("two slots, both open", () => pm.expect([data.name, data.slots, data.open_slots]).to.eql(['kit_22_pool', 2, 2]));
}

/** 3.2 · Read it
 * @call GET /pools/kit_22_pool in read-pool
 */
test: { pm.test("two slots", () => pm.expect(pm.response.json().slots).to.eql(2)); }

/** 3.3 · Update it: more slots
 * @call PATCH /pools/kit_22_pool
 */
test: {
  const data = pm.response.json();
  pm.test("five slots, same description", () => {
    pm.expect([data.slots, data.open_slots]).to.eql([5, 5]);
    pm.expect(data.description).to.eql('created by lesson 22');
  });
}

/** 3.4 · List the pools
 * @call GET /pools in list-pools
 */
test: {
  const names = pm.response.json().pools.map(p => p.name);
  pm.test("this folder's pool and default_pool", () => pm.expect(names).to.include.members(['kit_22_pool', 'default_pool']));
}

/** 3.5a · Many changes in one request (Airflow 3.2+)
 * @call PATCH /pools
 * @airflow3
 */
test: {
  const data = pm.response.json();
  pm.test("created, updated; nothing to delete, skipped", () => pm.expect([data.create, data.update, data.delete]).to.eql([
    {success: ['kit_22_pool_small'], errors: []}, {success: ['kit_22_pool'], errors: []}, {success: [], errors: []}]));
}

/** 3.5b · The pools after the bulk request
 * @call GET /pools in bulk-pools
 * @airflow3
 */
test: {
  const slots = Object.fromEntries(pm.response.json().pools.map(p => [p.name, p.slots]));
  pm.test("kit_22_pool has 3 slots, kit_22_pool_small 1", () => pm.expect([slots.kit_22_pool, slots.kit_22_pool_small]).to.eql([3, 1]));
}

/** Cleanup · Delete the variable
 * @call DELETE /variables/kit_22_greeting in cleanup
 * @status 204
 */

/** Cleanup · Delete the connection
 * @call DELETE /connections/kit_22_http in cleanup
 * @status 204
 */

/** Cleanup · Delete the pool
 * @call DELETE /pools/kit_22_pool in cleanup
 * @status 204
 */

/** Cleanup · Delete the connection kit_22_files (Airflow 3)
 * @call DELETE /connections/kit_22_files in cleanup
 * @status 204
 * @airflow3
 */

/** Cleanup · Delete the pool kit_22_pool_small (Airflow 3)
 * @call DELETE /pools/kit_22_pool_small in cleanup
 * @status 204
 * @airflow3
 */

/** Cleanup · Check: the variable is gone
 * @call GET /variables/kit_22_greeting in cleanup-check
 * @status 404
 */

/** Cleanup · Check: the connection is gone
 * @call GET /connections/kit_22_http in cleanup-check
 * @status 404
 */

/** Cleanup · Check: the pool is gone
 * @call GET /pools/kit_22_pool in cleanup-check
 * @status 404
 */

/** Cleanup · Check: the connection kit_22_files is gone
 * @call GET /connections/kit_22_files
 * @status 404
 */

/** Cleanup · Check: the pool kit_22_pool_small is gone
 * @call GET /pools/kit_22_pool_small
 * @status 404
 */

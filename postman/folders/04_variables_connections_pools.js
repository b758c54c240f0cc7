// The Postman side of notebooks/04_variables_connections_pools.ipynb: one section per API call of the notebook, in order.
// postman/build_collection.py takes each request from the notebook and its scripts from here (CONTRIBUTING.md).

/**
 * Everything is named `kit_04_...`; the folder deletes leftovers of an interrupted run first and everything
 * it created at the end. Change the names in the paths and bodies to create your own.
 */

/**
 * 0 · Start clean: delete the variable
 */
test: {
  status(204, 404);
}

/**
 * 0 · Start clean: delete the connection
 */
test: {
  status(204, 404);
}

/**
 * 0 · Start clean: delete the pool
 */
test: {
  status(204, 404);
}

/**
 * 1.1 · Create a variable
 */
test: {
  status(200, 201);
  const data = pm.response.json();
  pm.test("created", () => { pm.expect(data.key).to.eql('kit_04_greeting'); pm.expect(data.value).to.eql('hello from notebook 04'); });
}

/**
 * 1.2 · Read it
 */
test: {
  status(200);
  pm.test("has the value", () => pm.expect(pm.response.json().value).to.eql('hello from notebook 04'));
}

/**
 * 1.3 · Update it
 */
test: {
  status(200);
  const data = pm.response.json();
  pm.test("new value, same description", () => {
    pm.expect(JSON.parse(data.value)).to.eql({greeting: 'hello', times: 2});
    pm.expect(data.description).to.eql('created by notebook 04');
  });
}

/**
 * 1.4 · List the variables
 *
 * `variable_key_pattern=kit_04_` keeps this folder's variable on the one page the request reads (the
 * notebook's `af.table()` reads every page). Airflow 3 only: on Airflow 2 the pre-request script removes it,
 * and the test finds the variable itself.
 *
 * @query variable_key_pattern=kit_04_
 */
prerequest: {
  if (pm.collectionVariables.get('major') === '2') ['variable_key_pattern'].forEach(p => pm.request.url.query.remove(p));  // Airflow 3 only
}
test: {
  status(200);
  const mine = pm.response.json().variables.filter(x => x.key === 'kit_04_greeting');
  pm.test("lists kit_04_greeting", () => pm.expect(mine.length).to.eql(1));
}

/**
 * 2.1 · Create a connection
 */
test: {
  status(200, 201);
  const data = pm.response.json();
  pm.test("created; the password is not sent back", () => {
    pm.expect(data.connection_id).to.eql('kit_04_http');
    pm.expect(data.host).to.eql('api.example.com');
    pm.expect(data.password).to.not.eql('not-a-real-secret');
  });
}

/**
 * 2.2 · Read it
 */
test: {
  status(200);
  const data = pm.response.json();
  pm.test("port and extra", () => { pm.expect(data.port).to.eql(443); pm.expect(JSON.parse(data.extra)).to.eql({timeout: 10}); });
}

/**
 * 2.3 · Update one field
 */
test: {
  status(200);
  const data = pm.response.json();
  pm.test("new host, the rest unchanged", () => {
    pm.expect(data.host).to.eql('api2.example.com');
    pm.expect([data.login, data.port]).to.eql(['kit', 443]);
  });
}

/**
 * 2.4 · List the connections
 *
 * `connection_id_pattern=kit_04_` keeps this folder's connection on the one page the request reads. Airflow
 * 3 only: on Airflow 2 the pre-request script removes it, and the test finds the connection itself.
 *
 * @query connection_id_pattern=kit_04_
 */
prerequest: {
  if (pm.collectionVariables.get('major') === '2') ['connection_id_pattern'].forEach(p => pm.request.url.query.remove(p));  // Airflow 3 only
}
test: {
  status(200);
  const mine = pm.response.json().connections.filter(x => x.connection_id === 'kit_04_http');
  pm.test("lists kit_04_http", () => pm.expect(mine.length).to.eql(1));
}

/**
 * 3.1 · Create a pool
 */
test: {
  status(200, 201);
  const data = pm.response.json();
  pm.test("two slots, both open", () => pm.expect([data.name, data.slots, data.open_slots]).to.eql(['kit_04_pool', 2, 2]));
}

/**
 * 3.2 · Read it
 */
test: {
  status(200);
  pm.test("two slots", () => pm.expect(pm.response.json().slots).to.eql(2));
}

/**
 * 3.3 · Update it: more slots
 */
test: {
  status(200);
  const data = pm.response.json();
  pm.test("five slots, same description", () => {
    pm.expect([data.slots, data.open_slots]).to.eql([5, 5]);
    pm.expect(data.description).to.eql('created by notebook 04');
  });
}

/**
 * 3.4 · List the pools
 */
test: {
  status(200);
  const names = pm.response.json().pools.map(p => p.name);
  pm.test("this folder's pool and default_pool", () => pm.expect(names).to.include.members(['kit_04_pool', 'default_pool']));
}

/**
 * Cleanup · Delete the variable
 */
test: {
  status(204);
}

/**
 * Cleanup · Delete the connection
 */
test: {
  status(204);
}

/**
 * Cleanup · Delete the pool
 */
test: {
  status(204);
}

/**
 * Cleanup · Check: the variable is gone
 */
test: {
  status(404);
}

/**
 * Cleanup · Check: the connection is gone
 */
test: {
  status(404);
}

/**
 * Cleanup · Check: the pool is gone
 */
test: {
  status(404);
}

// The Postman side of notebooks/10_connect.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Creates nothing. Every other request of the collection is signed in by the collection's pre-request
 * script; requests 3a-3c of this folder do it by hand, as the notebook does, so you see what a client sends.
 *
 * @where username = {{username}}
 * @where password = {{password}}
 * @where token = {{accessToken}}
 * @where spare = {{spareToken}}
 * @status 200
 */

/** 1 · Which Airflow is this?
 * @call GET /version
 *
 * The test keeps the version in the collection variable `airflowVersion`.
 */
test: {
  const data = pm.response.json();
  pm.test("answers a version 2.x or 3.x", () => pm.expect(data.version.split('.')[0]).to.be.oneOf(['2', '3']));
  pm.collectionVariables.set('airflowVersion', data.version);
}

/** 2 · Is every part healthy?
 * @call GET /monitor/health
 *
 * On Airflow 2 the pre-request script drops `monitor` from the path: `GET /api/v1/health`.
 */
prerequest: { healthPathOn2(); }
test: {
  const data = pm.response.json();
  pm.test("the metadata database is healthy", () => pm.expect(data.metadatabase.status).to.eql('healthy'));
  pm.test("the scheduler is healthy", () => pm.expect(data.scheduler.status).to.eql('healthy'));
}

/** 3a · A call with no credentials
 * @call GET {api}/dags in no-credentials
 * @status none
 *
 * The header `X-Kit-Auth: none` tells the collection's pre-request script not to sign this one in (it is
 * removed before sending): 401 (Airflow 2: 403). An Airflow with auth switched off (environment *Astro
 * local*) answers 200.
 */
test: {
  const authOff = pm.collectionVariables.get('authModeUsed') === 'none';
  // Airflow 2 with the session auth backend beside basic_auth answers 403 Forbidden
  const refused = pm.collectionVariables.get('major') === '2' ? 403 : 401;
  pm.test(authOff ? "auth is off: 200" : `not signed in: ${refused}`, () => pm.expect(pm.response.code).to.eql(authOff ? 200 : refused));
}

/** 3b · Sign in: get a token (Airflow 3)
 * @call POST {af.url}/auth/token in get-token
 * @status 200 201
 *
 * The body takes `username` and `password` from the environment. The test keeps the token in `accessToken`,
 * which the next request sends. Skipped on Airflow 2, which has no tokens, and with `authMode` `token` (a
 * hosted deployment's API token replaces the password).
 */
prerequest: {
  const mode = pm.collectionVariables.get('authModeUsed');
  if (pm.collectionVariables.get('major') === '2') pm.execution.skipRequest();  // Airflow 2 has no /auth/token
  if (mode === 'token') pm.execution.skipRequest();  // the API token is already a token
}
test: {
  const token = pm.response.json().access_token;
  pm.test("answers an access_token (a JWT)", () => pm.expect(token).to.match(/^ey/));
  pm.collectionVariables.set('accessToken', token);
}

/** 3c · The same call, signed in
 * @call GET {api}/dags in sign-in
 *
 * Sends `Authorization: Bearer {{accessToken}}`, the token of the previous request. On Airflow 2 the pre-
 * request script sends Basic auth instead (in Postman's *Authorization* tab: *Basic Auth*; in curl: `-u
 * admin:admin`), and with `authMode` `token` the API token.
 */
prerequest: {
  const mode = pm.collectionVariables.get('authModeUsed');
  if (pm.collectionVariables.get('major') === '2') {  // Airflow 2: HTTP Basic auth with every call
    const pair = `${pm.variables.get('username')}:${pm.variables.get('password')}`;
    pm.request.headers.upsert({key: 'Authorization', value: 'Basic ' + CryptoJS.enc.Base64.stringify(CryptoJS.enc.Utf8.parse(pair))});
  } else if (mode === 'token') {
    pm.request.headers.upsert({key: 'Authorization', value: 'Bearer ' + pm.variables.get('token')});
  }
}
test: { pm.test("answers a page of DAGs", () => pm.expect(pm.response.json().dags).to.be.an("array")); }

/** 3d · A browser's sign-in (Airflow 3)
 * @call GET {api}/auth/login
 * @airflow3
 *
 * Airflow answers 307 with the auth manager's sign-in page in `Location`; Postman follows it, as a browser
 * would, and ends on that page (with auth off, on the page `next` names). Skipped on Airflow 2.
 */
test: {
  pm.test("a page for a browser", () => pm.expect(pm.response.headers.get('Content-Type')).to.include('text/html'));
}

/** 3e · A token of its own, for the logout (Airflow 3)
 * @call POST {af.url}/auth/token in browser-logout
 * @status 200 201
 * @airflow3
 *
 * Signing out ends the token it is sent with: this one, kept in `spareToken`, not the collection's.
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') === 'token') pm.execution.skipRequest();  // no password
}
test: { pm.collectionVariables.set('spareToken', pm.response.json().access_token); }

/** 3f · A browser's sign-out (Airflow 3)
 * @call GET {api}/auth/logout
 * @airflow3
 *
 * Airflow ends `spareToken` and answers 307 back to the sign-in page, which Postman follows.
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') === 'token') pm.execution.skipRequest();  // no spare token
}

/** 3g · The token that signed out is refused (Airflow 3)
 * @call GET {api}/dags in browser-logout
 * @status 401 403
 * @airflow3
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') === 'token') pm.execution.skipRequest();  // no spare token
}

/** 4 · The DAGs
 * @call GET /dags
 */
test: {
  const ids = pm.response.json().dags.map(d => d.dag_id);
  pm.test("lists the kit's DAGs", () => pm.expect(ids).to.include.members(['random_failures', 'dependent_dag', 'api_dag']));
}

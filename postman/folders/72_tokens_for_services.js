// The Postman side of notebooks/72_tokens_for_services.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Creates nothing; revokes one token of its own (`serviceToken`), never the collection's. The notebook's
 * second Airflow, whose tokens live 5 seconds, is not part of the collection: these requests run against
 * your Airflow, where a token lives 24 hours. Skipped on Airflow 2, which has no tokens, and with
 * `authMode` `token` (a hosted deployment's API token: there is no password to sign in with).
 *
 * @where revoked = Bearer {{serviceToken}}
 * @where USERNAME = {{username}}
 * @where PASSWORD = {{password}}
 * @airflow3
 * @status 200
 */

/** 1 · A token for a service
 * @call POST {af.url}/auth/token
 * @status 201
 *
 * The test reads the token's claims (no key needed) and keeps it in `serviceToken`.
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') === 'token') pm.execution.skipRequest();  // no password
}
test: {
  const token = pm.response.json().access_token;
  let part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');  // base64url, read without a key
  part += '='.repeat((4 - part.length % 4) % 4);
  const claims = JSON.parse(CryptoJS.enc.Base64.parse(part).toString(CryptoJS.enc.Utf8));
  pm.test("a JWT that says when it ends (exp after iat)", () => pm.expect(claims.exp).to.be.above(claims.iat));
  pm.collectionVariables.set('serviceToken', token);
}

/** 2 · How long a token lives
 * @call GET /config
 *
 * Only on an Airflow that shows its settings (`[api] expose_config`, on in the kit); elsewhere 403.
 */
test: {
  const options = pm.response.json().sections[0].options.map(o => o.key);
  pm.test("[api_auth] has jwt_expiration_time", () => pm.expect(options).to.include('jwt_expiration_time'));
}

/** 3 · Log out: the token is revoked
 * @call GET {api}/auth/logout
 *
 * Sends `serviceToken`; Airflow answers 307 to the sign-in page, which Postman follows.
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') === 'token') pm.execution.skipRequest();  // no service token
}

/** 4 · The revoked token is refused
 * @call GET {api}/dags
 * @status 403
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') === 'token') pm.execution.skipRequest();  // no service token
}

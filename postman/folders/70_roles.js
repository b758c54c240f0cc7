// The Postman side of notebooks/70_roles.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Airflow 3 only: the simple auth manager's roles. The requests that sign in as `viewer`, `user` and `op`
 * send their own `Authorization` header (their token, kept by request 1 in `viewerToken`, `userToken` and
 * `opToken`): the collection's pre-request script signs in only requests without one. They skip themselves
 * unless `authMode` is `jwt` on the kit's local Airflow 3 (those users exist only there). The folder makes
 * the run `kit_70_user` and the variable `kit_70_limit`, and removes them (and any leftover) at each end.
 *
 * @airflow3
 * @status 200
 * @where viewer_token = {{viewerToken}}
 */

/** Pre-request lines that wait until each of the lesson's runs that exists has finished (at most 60 s). */
function waitForLessonRuns() {
  waitForRunsIfAny(60, runUrl('dependent_dag', 'kit_70_user'), runUrl('dependent_dag', 'kit_70_table_user'),
                   runUrl('dependent_dag', 'kit_70_table_op'), runUrl('dependent_dag', 'kit_70_table_admin'));
}

/** 0a · Start clean: unpause dependent_dag
 * @call PATCH /dags/{DAG_ID}
 *
 * So that a run left by a stopped go can finish.
 */

/** 0b · Start clean: delete the lesson's runs
 * @call PATCH /dags/{DAG_ID}/dagRuns in setup
 *
 * One bulk call; a run that does not exist is skipped. The pre-request script first waits until each run
 * that exists has finished: deleting a run the scheduler still works on can stop Airflow 3.3's scheduler.
 */
prerequest: { waitForLessonRuns(); }

/** 0c · Start clean: delete the lesson's variables
 * @call PATCH /variables in setup
 */

/** 1 · Sign in as the viewer
 * @call POST {af.url}/auth/token
 * @status 201
 * @where username = viewer
 * @where password = viewer
 *
 * The test keeps the token in `viewerToken`, and signs in as `user` and `op` too (`userToken`, `opToken`).
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') !== 'jwt') pm.execution.skipRequest();  // the kit's local users only
}
test: {
  const token = pm.response.json().access_token;
  const role = JSON.parse(CryptoJS.enc.Base64.parse(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')).toString(CryptoJS.enc.Utf8)).role;
  pm.test("the token's role is viewer", () => pm.expect(role).to.eql('viewer'));
  pm.collectionVariables.set('viewerToken', token);
  ['user', 'op'].forEach(name => pm.sendRequest({
    url: pm.request.url.toString(), method: 'POST', header: {'Content-Type': 'application/json'},
    body: {mode: 'raw', raw: JSON.stringify({username: name, password: name})},
  }, (err, res) => pm.collectionVariables.set(name + 'Token', res.json().access_token)));
}

/** 2 · The viewer reads
 * @call GET {api}/dags
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') !== 'jwt') pm.execution.skipRequest();  // the kit's local users only
}
test: { pm.test("a page of DAGs", () => pm.expect(pm.response.json().dags).to.be.an('array')); }

/** 3 · The viewer may not trigger a run
 * @call POST {api}/dags/{DAG_ID}/dagRuns in viewer-triggers
 * @status 403
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') !== 'jwt') pm.execution.skipRequest();  // the kit's local users only
}
test: { pm.test("refused by the role check", () => pm.expect(pm.response.json().detail).to.eql('Forbidden')); }

/** 4 · A user may trigger a run
 * @call POST {api}/dags/{DAG_ID}/dagRuns in user-triggers
 * @where sign_in(USERS['user'], PASSWORDS['user']) = {{userToken}}
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') !== 'jwt') pm.execution.skipRequest();  // the kit's local users only
}
test: { pm.test("the run kit_70_user", () => pm.expect(pm.response.json().dag_run_id).to.eql('kit_70_user')); }

/** 5 · A user may not set a variable
 * @call POST {api}/variables in user-variable
 * @status 403
 * @where sign_in(USERS['user'], PASSWORDS['user']) = {{userToken}}
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') !== 'jwt') pm.execution.skipRequest();  // the kit's local users only
}

/** 6 · An op may
 * @call POST {api}/variables in op-variable
 * @status 201
 * @where sign_in(USERS['op'], PASSWORDS['op']) = {{opToken}}
 */
prerequest: {
  if (pm.collectionVariables.get('authModeUsed') !== 'jwt') pm.execution.skipRequest();  // the kit's local users only
}
test: { pm.test("the variable kit_70_limit", () => pm.expect(pm.response.json().key).to.eql('kit_70_limit')); }

/** Cleanup 1 · Delete the lesson's runs, once they have finished
 * @call PATCH /dags/{DAG_ID}/dagRuns in cleanup
 */
prerequest: { waitForLessonRuns(); }

/** Cleanup 2 · Delete the lesson's variables
 * @call PATCH /variables in cleanup
 */

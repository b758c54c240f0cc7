// The Postman side of notebooks/71_fab_auth_manager.ipynb: a section per API call, naming it (postman/folder_scripts.py, CONTRIBUTING.md).

/**
 * Airflow 3 with the FAB auth manager only: select the environment *Local Airflow 3 with FAB (make airflow
 * AUTH=fab)*. Every request skips itself unless the environment's `authManager` is `fab` (the other
 * environments' Airflows have no FAB API), and every other folder is for the other environments. The
 * service user's requests send their own `Authorization` header (its token, kept by its sign-in in
 * `fabServiceToken`). The folder makes the role `kit_71_dag_runner`, the user `kit_71_service` and the run
 * `kit_71_service`, and removes them (and any leftover) at each end. Postman follows redirects: the two
 * logouts' 307 end at FAB's login page.
 *
 * @airflow3
 * @status 200
 * @where service_token = {{fabServiceToken}}
 * @where ADMIN = {"username": "{{username}}", "password": "{{password}}"}
 */

/** The request skips itself unless the environment is the FAB stack's (`authManager` is `fab`). */
function fabOnly() {
  if (pm.variables.get('authManager') !== 'fab') pm.execution.skipRequest();  // FAB's API: the FAB stack only
}

/** fabOnly(), then wait until the service's run, if there is one, has finished: the request deletes it. */
function fabOnlyOnceTheRunHasEnded() {
  fabOnly();
  waitForRunsIfAny(60, runUrl('dependent_dag', 'kit_71_service'));
}

/** 0 · FAB's API, described by the server
 * @call GET {af.url}/auth/openapi.json
 *
 * The auth manager's own OpenAPI document (Swagger UI: `{{baseUrl}}/auth/docs`).
 */
prerequest: { fabOnly(); }
test: { pm.test("the FAB auth manager's API", () => pm.expect(pm.response.json().info.title).to.eql('FAB auth manager API')); }

/** 0a · Start clean: unpause dependent_dag
 * @call PATCH /dags/{DAG_ID}
 *
 * So that a run left by a stopped go can finish.
 */
prerequest: { fabOnly(); }

/** 0b · Start clean: delete the lesson's run, once it has finished
 * @call PATCH /dags/{DAG_ID}/dagRuns in setup
 *
 * The pre-request script first waits until the run, if there is one, has finished: deleting a run the
 * scheduler still works on can stop Airflow 3.3's scheduler.
 */
prerequest: { fabOnlyOnceTheRunHasEnded(); }

/** 0c · Start clean: delete the lesson's user
 * @call DELETE /auth/fab/v1/users/{USER} in setup
 * @status 204 404
 *
 * 404: there was none to delete.
 */
prerequest: { fabOnly(); }

/** 0d · Start clean: delete the lesson's role
 * @call DELETE /auth/fab/v1/roles/{ROLE} in setup
 * @status 200 404
 *
 * 404: there was none to delete.
 */
prerequest: { fabOnly(); }

/** 1 · Sign in: POST /auth/token, JSON
 * @call POST {af.url}/auth/token in token
 * @status 201
 */
prerequest: { fabOnly(); }
test: {
  let part = pm.response.json().access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  part += '='.repeat((4 - part.length % 4) % 4);
  const claims = JSON.parse(CryptoJS.enc.Base64.parse(part).toString(CryptoJS.enc.Utf8));
  pm.test("the token names the user by its id, and carries no role", () => {
    pm.expect(claims.sub).to.match(/^\d+$/);
    pm.expect(claims).to.not.have.property('role');
  });
}

/** 2 · A form body: 422
 * @call POST {af.url}/auth/token in token-form
 * @status 422
 *
 * The pre-request script sends the user and password as a form (`x-www-form-urlencoded`), as the notebook does.
 */
prerequest: {
  fabOnly();
  const {RequestBody} = require('postman-collection');
  pm.request.body = new RequestBody({mode: 'urlencoded', urlencoded: [
    {key: 'username', value: pm.variables.get('username')}, {key: 'password', value: pm.variables.get('password')}]});
}
test: { pm.test("FAB reads JSON only", () => pm.expect(pm.response.json().detail[0].msg).to.eql('Input should be a valid dictionary')); }

/** 3 · A token for the command line: POST /auth/token/cli
 * @call POST {af.url}/auth/token/cli
 * @status 201
 */
prerequest: { fabOnly(); }
test: { pm.test("a token", () => pm.expect(pm.response.json().access_token).to.be.a('string')); }

/** 5 · The roles
 * @call GET /auth/fab/v1/roles in roles
 */
prerequest: { fabOnly(); }
test: {
  const names = pm.response.json().roles.map(r => r.name);
  pm.test("FAB's built-in roles", () => pm.expect(names).to.include.members(['Admin', 'Op', 'User', 'Viewer', 'Public']));
}

/** 6 · One role's permissions
 * @call GET /auth/fab/v1/roles/Viewer
 */
prerequest: { fabOnly(); }
test: {
  const reads = pm.response.json().actions.filter(a => a.action.name === 'can_read').map(a => a.resource.name);
  pm.test("a Viewer reads DAGs and DAG runs", () => pm.expect(reads).to.include.members(['DAGs', 'DAG Runs']));
}

/** 7 · Every permission there is (the first page)
 * @call GET /auth/fab/v1/permissions
 */
prerequest: { fabOnly(); }
test: { pm.test("action × resource pairs", () => pm.expect(pm.response.json().total_entries).to.be.above(50)); }

/** 8 · A role for a service: create it
 * @call POST /auth/fab/v1/roles
 */
prerequest: { fabOnly(); }
test: { pm.test("the role kit_71_dag_runner with four permissions", () => pm.expect(pm.response.json().actions).to.have.lengthOf(4)); }

/** 9 · A user with that role
 * @call POST /auth/fab/v1/users
 */
prerequest: { fabOnly(); }
test: { pm.test("the user kit_71_service", () => pm.expect(pm.response.json().roles).to.eql([{name: 'kit_71_dag_runner'}])); }

/** 10 · Sign in as the service
 * @call POST {af.url}/auth/token in as-service
 * @status 201
 *
 * The test keeps the token in `fabServiceToken`.
 */
prerequest: { fabOnly(); }
test: { pm.collectionVariables.set('fabServiceToken', pm.response.json().access_token); }

/** 10a · The service triggers a run
 * @call POST {api}/dags/{DAG_ID}/dagRuns
 */
prerequest: { fabOnly(); }
test: { pm.test("the run kit_71_service", () => pm.expect(pm.response.json().dag_run_id).to.eql('kit_71_service')); }

/** 10b · The service may not list variables
 * @call GET {api}/variables
 * @status 403
 */
prerequest: { fabOnly(); }
test: { pm.test("refused by the role check", () => pm.expect(pm.response.json().detail).to.eql('Forbidden')); }

/** 12 · Change the role
 * @call PATCH /auth/fab/v1/roles/{ROLE}
 * @where actions = [{"action": {"name": "can_read"}, "resource": {"name": "DAGs"}}, {"action": {"name": "can_edit"}, "resource": {"name": "DAGs"}}, {"action": {"name": "can_create"}, "resource": {"name": "DAG Runs"}}, {"action": {"name": "can_read"}, "resource": {"name": "DAG Runs"}}, {"action": {"name": "can_read"}, "resource": {"name": "Task Instances"}}]
 */
prerequest: { fabOnly(); }
test: { pm.test("five permissions now", () => pm.expect(pm.response.json().actions).to.have.lengthOf(5)); }

/** 13 · Every user
 * @call GET /auth/fab/v1/users
 */
prerequest: { fabOnly(); }
test: { pm.test("the service is a user", () => pm.expect(pm.response.json().users.map(u => u.username)).to.include('kit_71_service')); }

/** 14 · Change the user
 * @call PATCH /auth/fab/v1/users/{USER}
 */
prerequest: { fabOnly(); }
test: { pm.test("its new last name", () => pm.expect(pm.response.json().last_name).to.eql('Service (lesson 71)')); }

/** 14a · Read the user back
 * @call GET /auth/fab/v1/users/{USER}
 */
prerequest: { fabOnly(); }
test: { pm.test("the user, with its new last name", () => pm.expect(pm.response.json().last_name).to.eql('Service (lesson 71)')); }

/** 15 · FAB's logout only clears cookies
 * @call GET {af.url}/auth/logout
 *
 * Postman follows its 307 to FAB's login page.
 */
prerequest: { fabOnly(); }

/** 15a · The token still works
 * @call GET {api}/dags in fab-logout
 */
prerequest: { fabOnly(); }
test: { pm.test("a page of DAGs", () => pm.expect(pm.response.json().dags).to.be.an('array')); }

/** 16 · Airflow's logout revokes the token
 * @call GET {api}/auth/logout
 *
 * Postman follows its 307 to FAB's logout, and that one's to the login page.
 */
prerequest: { fabOnly(); }

/** 16a · The token is refused
 * @call GET {api}/dags in logout
 * @status 403
 */
prerequest: { fabOnly(); }
test: { pm.test("revoked", () => pm.expect(pm.response.json().detail).to.eql('Invalid JWT token')); }

/** Cleanup · Delete the run, once it has finished
 * @call PATCH /dags/{DAG_ID}/dagRuns in cleanup
 */
prerequest: { fabOnlyOnceTheRunHasEnded(); }

/** Cleanup · Delete the user
 * @call DELETE /auth/fab/v1/users/{USER} in cleanup
 * @status 204
 */
prerequest: { fabOnly(); }

/** Cleanup · Delete the role
 * @call DELETE /auth/fab/v1/roles/{ROLE} in cleanup
 */
prerequest: { fabOnly(); }

/** Cleanup · The roles left
 * @call GET /auth/fab/v1/roles in cleanup
 */
prerequest: { fabOnly(); }
test: {
  const names = pm.response.json().roles.map(r => r.name);
  pm.test("the service's role is gone", () => pm.expect(names).to.not.include('kit_71_dag_runner'));
}

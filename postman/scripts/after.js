// Collection-level test script, after every response: a JWT that Airflow refused (expired early,
// revoked, signed by another server) is forgotten, so the pre-request script gets a new one next time.
const refused = pm.response.code === 401 ||
  (pm.response.code === 403 && /token/i.test(pm.response.text()));
const cached = pm.collectionVariables.get('jwt');
if (refused && cached && pm.request.headers.get('Authorization') === 'Bearer ' + cached) {
  pm.collectionVariables.unset('jwt');
}

// Collection-level test script, after every response: a JWT that Airflow refused (expired early,
// revoked, signed by a server that has since restarted with another secret) is forgotten, and the
// refused request is sent once more, signed in anew: in the collection runner and newman that happens
// by itself (the refused attempt's own tests are skipped); when you send requests one at a time,
// send it again.
const refused = pm.response.code === 401 ||
  (pm.response.code === 403 && /token/i.test(pm.response.text()));
const cached = pm.collectionVariables.get('jwt');
const resend = pm.collectionVariables.get('kitResend') || '';
const resent = resend === 'sent:' + pm.info.requestId;  // this response answers the second attempt
if (refused && cached && pm.request.headers.get('Authorization') === 'Bearer ' + cached) {
  pm.collectionVariables.unset('jwt');
  if (!resent) {
    pm.collectionVariables.set('kitResend', pm.info.requestId);
    pm.execution.setNextRequest(pm.info.requestId);
    console.log(`${pm.info.requestName}: Airflow refused the saved token (${pm.response.code}); ` +
                'signing in again and sending the request once more');
  }
}
if (resent) pm.collectionVariables.unset('kitResend');

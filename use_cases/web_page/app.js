// Signs in to Airflow (POST /auth/token) and lists its DAGs (GET /api/v2/dags), from the browser.
// The token is kept in a variable only: never in localStorage, where any script of the origin could read it.
const show = (text, error = false) => {
  const status = document.getElementById('status');
  status.textContent = text;
  status.className = error ? 'error' : '';
};

async function listDags(airflow, username, password) {
  const signedIn = await fetch(`${airflow}/auth/token`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({username, password}),
  });
  if (!signedIn.ok) throw new Error(`POST /auth/token -> ${signedIn.status}: check the username and password`);
  const token = (await signedIn.json()).access_token;
  const answer = await fetch(`${airflow}/api/v2/dags?limit=100&order_by=dag_id`, {
    headers: {Authorization: `Bearer ${token}`},
  });
  if (!answer.ok) throw new Error(`GET /api/v2/dags -> ${answer.status}`);
  return (await answer.json()).dags.map(dag => dag.dag_id);
}

document.getElementById('sign-in').addEventListener('submit', async event => {
  event.preventDefault();
  const airflow = document.getElementById('airflow').value.replace(/\/+$/, '');
  const list = document.getElementById('dags');
  list.replaceChildren();
  show('Signing in ...');
  try {
    const ids = await listDags(airflow, document.getElementById('username').value,
                               document.getElementById('password').value);
    for (const id of ids) list.appendChild(Object.assign(document.createElement('li'), {textContent: id}));
    show(`${ids.length} DAGs`);
  } catch (error) {
    // A call the browser blocked (no CORS headers for this origin, or Airflow not running) is a TypeError
    // that says nothing more: the browser's console says why.
    show(error instanceof TypeError
      ? `The browser blocked the call to ${airflow} (${error.message}). Does Airflow allow this page's origin, ` +
        `${location.origin}, in [api] access_control_allow_origins? The console (F12) says why.`
      : error.message, true);
  }
});

// Collection-level pre-request script: signs every request in the way this Airflow wants.
// The environment's `authMode` chooses how:
//   jwt    Airflow 3: a JWT from POST {{baseUrl}}/auth/token with `username` and `password`, cached with
//          its expiry in the collection variables `jwt` / `jwtExpiresAt` and reused until a minute before
//          it expires, then renewed
//   basic  Airflow 2: HTTP Basic auth with `username` and `password` (the webinar's admin:admin)
//   token  a hosted deployment: the API token in `token`, sent as `Authorization: Bearer <token>`
//   none   auth off, as the Astro CLI's local Airflow 3 runs: nothing is sent
//   auto   (or empty) find out once per baseUrl: /api/v2/version answers on Airflow 3 (then a call
//          without credentials tells whether auth is on), otherwise it is Airflow 2 with /api/v1
// It also sets the collection variables `major` (3 or 2) and `authModeUsed`, which request scripts use
// where the two APIs differ. A request with the header `X-Kit-Auth: none` is sent without credentials (the header is
// removed); a request with its own Authorization header keeps it on Airflow 3.
// A request that after.js sends again (its token was refused) is marked `sent:` in `kitResend`.
const baseUrl = pm.variables.replaceIn('{{baseUrl}}').replace(/\/+$/, '');
const username = pm.variables.get('username') || 'admin';
const password = pm.variables.get('password') || 'admin';
const noAuth = String(pm.request.headers.get('X-Kit-Auth') || '').toLowerCase() === 'none';
if (pm.collectionVariables.get('kitResend') === pm.info.requestId) {  // after.js resends this one
  pm.collectionVariables.set('kitResend', 'sent:' + pm.info.requestId);
}
pm.request.headers.remove('X-Kit-Auth');

function b64(text) { return CryptoJS.enc.Base64.stringify(CryptoJS.enc.Utf8.parse(text)); }

function jwtExpiry(token) {  // the token's `exp` in ms, read without verifying; 10 minutes if unreadable
  try {
    let part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    part += '='.repeat((4 - part.length % 4) % 4);
    return JSON.parse(CryptoJS.enc.Base64.parse(part).toString(CryptoJS.enc.Utf8)).exp * 1000;
  } catch (e) {
    return Date.now() + 10 * 60 * 1000;
  }
}

function detect(done) {
  const wanted = (pm.variables.get('authMode') || 'auto').trim().toLowerCase();
  if (wanted !== 'auto') {
    return done(wanted, pm.variables.get('api') === '/api/v1' ? 2 : 3);
  }
  const cached = JSON.parse(pm.collectionVariables.get('detected') || '{}');
  if (cached.baseUrl === baseUrl) return done(cached.mode, cached.major);
  const remember = (mode, major) => {
    pm.collectionVariables.set('detected', JSON.stringify({ baseUrl, mode, major }));
    pm.collectionVariables.set('api', major >= 3 ? '/api/v2' : '/api/v1');
    console.log(`authMode auto: Airflow ${major}, auth ${mode} at ${baseUrl}`);
    done(mode, major);
  };
  pm.sendRequest(baseUrl + '/api/v2/version', (err, res) => {
    if (err || res.code !== 200) return remember('basic', 2);  // no /api/v2: Airflow 2
    pm.sendRequest(baseUrl + '/api/v2/dags?limit=1', (err2, res2) => {
      remember(!err2 && res2.code === 200 ? 'none' : 'jwt', 3);
    });
  });
}

function withJwt(done) {
  const owner = `${baseUrl} ${username}`;
  const cached = pm.collectionVariables.get('jwt');
  const expiresAt = Number(pm.collectionVariables.get('jwtExpiresAt') || 0);
  if (cached && pm.collectionVariables.get('jwtFor') === owner && expiresAt - 60000 > Date.now()) {
    return done(cached);
  }
  pm.sendRequest({
    url: baseUrl + '/auth/token',
    method: 'POST',
    header: { 'Content-Type': 'application/json' },
    body: { mode: 'raw', raw: JSON.stringify({ username, password }) },
  }, (err, res) => {
    if (err || ![200, 201].includes(res.code)) {
      console.error(`POST ${baseUrl}/auth/token -> ${err || res.code}: check username/password ` +
                    `in the environment (the kit's stack uses admin:admin), or set authMode`);
      return done(null);
    }
    const token = res.json().access_token;
    pm.collectionVariables.set('jwt', token);
    pm.collectionVariables.set('jwtExpiresAt', String(jwtExpiry(token)));
    pm.collectionVariables.set('jwtFor', owner);
    done(token);
  });
}

detect((mode, major) => {
  pm.collectionVariables.set('major', String(major));
  pm.collectionVariables.set('authModeUsed', mode);
  if (noAuth || mode === 'none') return;
  if (mode === 'basic') {
    pm.request.headers.upsert({ key: 'Authorization', value: 'Basic ' + b64(`${username}:${password}`) });
  } else if (mode === 'token') {
    pm.request.headers.upsert({ key: 'Authorization', value: 'Bearer ' + pm.variables.get('token') });
  } else if (mode === 'jwt') {
    if (pm.request.headers.has('Authorization')) return;  // the request signs itself in
    withJwt((token) => {
      if (token) pm.request.headers.upsert({ key: 'Authorization', value: 'Bearer ' + token });
    });
  } else {
    throw new Error(`authMode ${mode} is unknown: use jwt, basic, token, none or auto`);
  }
});

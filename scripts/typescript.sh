#!/usr/bin/env bash
# `make typescript`: lesson 62's TypeScript client (clients/typescript), against the running Airflow 3
# (AIRFLOW_URL, default http://127.0.0.1:AIRFLOW_PORT). Its npm packages are installed from its lock when
# they are missing or older than it; then the npm scripts of clients/typescript/package.json, in order:
# generate (src/airflow.d.ts from the server's /openapi.json), build (tsc: type-check and compile into
# dist/), start (node dist/trigger_and_wait.js: trigger dependent_dag, wait, print, delete the run).
set -euo pipefail
cd "$(dirname "$0")/../clients/typescript" || exit 1
if [ "${AIRFLOW:-3}" = 2 ]; then
  echo "make typescript is for Airflow 3 (/api/v2, /openapi.json); AIRFLOW=2 picks Airflow 2.11, which has" \
       "neither. Start Airflow 3 (make airflow AIRFLOW=3), then: make typescript AIRFLOW=3" >&2
  exit 2
fi
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "make typescript needs Node.js 18+ with npm: apt-get install nodejs npm, or brew install node." >&2
  exit 1
fi
export AIRFLOW_URL="${AIRFLOW_URL:-http://127.0.0.1:${AIRFLOW_PORT:-8080}}"
answer=$(node -e 'fetch(process.argv[1]).then(r => console.log(r.status), () => console.log("none"))' \
  "$AIRFLOW_URL/openapi.json")
if [ "$answer" = none ]; then
  echo "No Airflow answers at $AIRFLOW_URL: start it with \`make airflow\`, or set AIRFLOW_URL." >&2
  exit 1
elif [ "$answer" != 200 ]; then
  echo "$AIRFLOW_URL/openapi.json answers $answer: make typescript needs Airflow 3, which serves its OpenAPI" \
       "document there (Airflow 2.11 has /api/v1/openapi.yaml, for /api/v1). Check AIRFLOW_URL." >&2
  exit 1
fi
if [ ! node_modules/.package-lock.json -nt package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent generate
npm run --silent build
npm start --silent

#!/usr/bin/env bash
# `make check`: everything that needs no Airflow server running, in about 30 seconds: ruff, shellcheck,
# the Postman build and its JavaScript, and the tests that are not marked `live` (DAG files in each
# Airflow's own DagBag, unit tests, the compose and Astro files, the committed notebooks), on both
# Airflow versions at once. `make test` runs all of it and the live tests.
set -u
cd "$(dirname "$0")/.." || exit 1
started=$(date +%s)
failed=""

step() {  # step NAME COMMAND...: run it, show its output only when it fails
  name=$1
  shift
  if out=$("$@" 2>&1); then
    echo "ok    $name"
  else
    echo "FAIL  $name"
    echo "$out" | tail -n 60 | sed 's/^/      /'
    failed="$failed, $name"
  fi
}

need() {  # need TOOL: installed? If not, `make doctor`'s line for it, which says how to install it
  out=$(.venv/bin/python scripts/doctor.py --tool "$1") && return 0
  echo "FAIL  $1 is missing (\`make doctor\` lists every tool the checks and tests need):"
  echo "$out"
  failed="$failed, $1"
  return 1
}

# The two pytests take longest: start them first, in the background.
logs=$(mktemp -d)
for major in 3 2; do
  KIT_CHECK_ONLY=1 KIT_AIRFLOW=$major .venv/bin/python -m pytest -q -m "not live" -p no:nbval \
    -o addopts="-p no:cacheprovider" tests >"$logs/pytest$major.log" 2>&1 &
  eval "pytest_$major=$!"
done

step "ruff (Python lint)" .venv/bin/ruff check --quiet .
need shellcheck &&
  step "shellcheck (scripts)" shellcheck scripts/*.sh .ci/run
step "Postman collection is what postman/ builds" .venv/bin/python -m postman.build_collection --check
check_js() { for file in "$@"; do node --check "$file" || return 1; done; }
need node &&
  step "JavaScript syntax (node --check)" check_js postman/scripts/*.js postman/folders/*.js

for major in 3 2; do
  eval "pid=\$pytest_$major"
  # shellcheck disable=SC2154  # pid is set by eval
  if wait "$pid"; then
    echo "ok    tests without a server, Airflow $major: $(tail -n 1 "$logs/pytest$major.log")"
  else
    echo "FAIL  tests without a server, Airflow $major"
    tail -n 60 "$logs/pytest$major.log" | sed 's/^/      /'
    failed="$failed, tests (Airflow $major)"
  fi
done
rm -rf "$logs"

echo
if [ -n "$failed" ]; then
  echo "make check FAILED: ${failed#, } ($(( $(date +%s) - started )) s)"
  exit 1
fi
echo "make check passed in $(( $(date +%s) - started )) s. The full suite, with live stacks: make test"

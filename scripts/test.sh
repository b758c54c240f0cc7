#!/usr/bin/env bash
# `make test`: the whole suite on Airflow 3 and on Airflow 2.11 at the same time, each in a pytest of its
# own on isolated stacks of its own (conftest.py). Extra arguments go to both pytests;
# KIT_TEST_VERSIONS="3" runs one version. Airflow 3's output is shown as it runs; Airflow 2.11's is kept
# in .airflow-test/airflow2.log (KIT_TEST_HOME) and shown when it has finished.
# On Airflow 2 the notebooks run with --nbval-lax: their committed outputs are Airflow 3's, so there
# every cell must run and every assert hold, but outputs are not compared.
# Ctrl-C, or SIGTERM to this script (make passes it on), stops both pytests, and they stop their stacks.
# At its end it prints where the time went (scripts/test_report.py), its wall time and its CPU-seconds.
# Written for bash 3.2 too (macOS): no associative arrays, no `wait -n`, no empty "${array[@]}".
set -u
cd "$(dirname "$0")/.." || exit 1
home=${KIT_TEST_HOME:-$PWD/.airflow-test}
mkdir -p "$home"
versions=${KIT_TEST_VERSIONS:-3 2}
pids="" watcher=""

stop_all() {
  trap '' INT TERM HUP
  echo
  echo "make test: interrupted; stopping the test stacks ..."
  [ -n "$watcher" ] && kill "$watcher" 2>/dev/null
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null; done
  for pid in $pids; do wait "$pid"; done
  exit 130
}
trap stop_all INT TERM HUP

started=$(date +%s)
first=""
for major in $versions; do
  version=$(sed -n 's/^apache-airflow==//p' "requirements/airflow$major.in")
  log="$home/airflow$major.log"
  lax=""
  [ "$major" = 2 ] && lax="--nbval-lax"
  # shellcheck disable=SC2086  # $lax: one option or none
  rm -f "$home/airflow$major.xml"  # the JUnit report scripts/test_report.py reads at the end
  (KIT_AIRFLOW=$major exec .venv/bin/python -m pytest --durations=10 $lax \
    --junitxml="$home/airflow$major.xml" -o junit_family=xunit1 "$@") >"$log" 2>&1 &
  pids="$pids $!"
  eval "pid_$major=$! version_$major=$version"
  if [ -z "$first" ]; then
    first=$major
    echo "================ Airflow $version (shown as it runs; also in $log) ================"
    tail -n +1 -f "$log" &
    watcher=$!
  else
    echo "(Airflow $version runs at the same time; its output is in $log and follows at the end.)"
  fi
done

passed="" failed="" timing=""
for major in $versions; do
  eval "pid=\$pid_$major version=\$version_$major"
  # shellcheck disable=SC2154  # pid and version are set by eval
  wait "$pid"
  code=$?
  elapsed=$(( $(date +%s) - started ))
  if [ "$major" = "$first" ]; then
    sleep 0.5
    kill "$watcher" 2>/dev/null
    watcher=""
  else
    echo
    echo "================ Airflow $version ($home/airflow$major.log) ================"
    cat "$home/airflow$major.log"
  fi
  line="Airflow $version: $(tail -n 1 "$home/airflow$major.log" | tr -d '=' | sed 's/^ *//;s/ *$//') (done $((elapsed / 60)) min $((elapsed % 60)) s after the start)"
  timing="$timing
  $line"
  if [ "$code" = 0 ]; then passed="$passed, Airflow $version"; else failed="$failed, Airflow $version"; fi
done

echo
.venv/bin/python scripts/test_report.py --home "$home" --rows 10
echo
# CPU-seconds (user + system) of every process this script waited for, and of those they waited for in
# turn: both pytests, their stacks, their tasks. `times` prints them on its second line (1m2.500s 0m3.250s).
# (Into a file: in a pipe or $(...), `times` would run in a new shell, which has waited for nothing.)
times >"$home/times.txt"
cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } } END { printf "%.0f", s }' "$home/times.txt")
echo "make test: $(( ($(date +%s) - started) / 60 )) min $(( ($(date +%s) - started) % 60 )) s in all, $cpu CPU-seconds$timing"
if [ -n "$failed" ]; then
  echo "make test FAILED on: ${failed#, } (scroll up to that version's section)"
  exit 1
fi
echo "make test passed on: ${passed#, }"

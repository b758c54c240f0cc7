#!/usr/bin/env bash
# `make test`: the whole suite on Airflow 3 and on Airflow 2.11 at the same time, in pytests of their own
# on isolated stacks of their own (conftest.py): for each version three, one for its tests, one for the
# tests of the kit's stacks and one for its lessons (KIT_TEST_PART), all six at once. A pytest mostly waits
# for Airflow; several waiting at once keep both cores busy. Extra arguments (a path, -k, -x) go to one
# pytest per version instead; KIT_TEST_VERSIONS="3" runs one version. The first pytest's output is shown
# as it runs, the others' are kept in .airflow-test/airflowN[-PART].log (KIT_TEST_HOME) and shown when
# they have finished.
# On Airflow 2 the notebooks run with --nbval-lax: their committed outputs are Airflow 3's, so there
# every cell must run and every assert hold, but outputs are not compared.
# Ctrl-C, or SIGTERM to this script (make passes it on), stops every pytest, and they stop their stacks.
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

# The pytests: one per version, or for the whole suite three per version (3_tests, 3_stacks, ...; the
# part is KIT_TEST_PART, which conftest.py selects by).
passes=""
for major in $versions; do
  if [ $# -eq 0 ]; then passes="$passes ${major}_tests ${major}_stacks ${major}_lessons"; else passes="$passes $major"; fi
done
rm -f "$home"/airflow*.xml  # the JUnit reports scripts/test_report.py reads at the end: this run's only

started=$(date +%s)
first=""
for pass in $passes; do
  major=${pass%%_*} part=""
  [ "$pass" != "$major" ] && part=${pass#*_}
  version=$(sed -n 's/^apache-airflow==//p' "requirements/airflow$major.in")
  name="airflow$major${part:+-$part}"  # its log and JUnit report
  label="Airflow $version${part:+ ($part)}"
  lax=""
  [ "$major" = 2 ] && lax="--nbval-lax"
  # shellcheck disable=SC2086  # $lax: one option or none
  (KIT_AIRFLOW=$major KIT_TEST_PART=$part exec .venv/bin/python -m pytest --durations=10 $lax \
    --junitxml="$home/$name.xml" -o junit_family=xunit1 "$@") >"$home/$name.log" 2>&1 &
  eval "pid_$pass=$! label_$pass=\"\$label\" name_$pass=$name"
  pids="$pids $!"
  if [ -z "$first" ]; then
    first=$pass
    echo "================ $label (shown as it runs; also in $home/$name.log) ================"
    tail -n +1 -f "$home/$name.log" &
    watcher=$!
  else
    echo "($label runs at the same time; its output is in $home/$name.log and follows at the end.)"
  fi
done

passed="" failed="" timing=""
for pass in $passes; do
  eval "pid=\$pid_$pass label=\$label_$pass name=\$name_$pass"
  # shellcheck disable=SC2154  # pid, label and name are set by eval
  wait "$pid"
  code=$?
  elapsed=$(( $(date +%s) - started ))
  if [ "$pass" = "$first" ]; then
    sleep 0.5
    kill "$watcher" 2>/dev/null
    watcher=""
  else
    echo
    echo "================ $label ($home/$name.log) ================"
    cat "$home/$name.log"
  fi
  line="$label: $(tail -n 1 "$home/$name.log" | tr -d '=' | sed 's/^ *//;s/ *$//') (done $((elapsed / 60)) min $((elapsed % 60)) s after the start)"
  timing="$timing
  $line"
  if [ "$code" = 0 ]; then passed="$passed, $label"; else failed="$failed, $label"; fi
done

echo
.venv/bin/python scripts/test_report.py --home "$home" --rows 10
echo
# CPU-seconds (user + system) of every process this script waited for, and of those they waited for in
# turn: the pytests, their stacks, their tasks. `times` prints them on its second line (1m2.500s 0m3.250s).
# (Into a file: in a pipe or $(...), `times` would run in a new shell, which has waited for nothing.)
times >"$home/times.txt"
cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } } END { printf "%.0f", s }' "$home/times.txt")
echo "make test: $(( ($(date +%s) - started) / 60 )) min $(( ($(date +%s) - started) % 60 )) s in all, $cpu CPU-seconds$timing"
if [ -n "$failed" ]; then
  echo "make test FAILED on: ${failed#, } (scroll up to its section)"
  exit 1
fi
echo "make test passed on: ${passed#, }"

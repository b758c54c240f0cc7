#!/usr/bin/env bash
# `make test`: the whole suite on Airflow 3, then on Airflow 2.11, one after the other, each on an
# isolated stack of its own (conftest.py). Extra arguments go to pytest; KIT_TEST_VERSIONS="3" runs one.
# On Airflow 2 the notebooks run with --nbval-lax: their committed outputs are Airflow 3's, so there
# every cell must run and every assert hold, but outputs are not compared.
set -u
cd "$(dirname "$0")/.."
failed=() passed=()
for major in ${KIT_TEST_VERSIONS:-3 2}; do
  version=$(sed -n 's/^apache-airflow==//p' "requirements/airflow$major.in")
  echo
  echo "================ Airflow $version ================"
  lax=()
  [ "$major" = 2 ] && lax=(--nbval-lax)
  if KIT_AIRFLOW=$major .venv/bin/python -m pytest "${lax[@]}" "$@"; then
    passed+=("Airflow $version")
  else
    failed+=("Airflow $version")
  fi
done
echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "make test FAILED on: ${failed[*]} (scroll up to that version's section)"
  exit 1
fi
echo "make test passed on: ${passed[*]}"

#!/usr/bin/env bash
# `make wheelhouse`: every wheel that the lock files need (both Airflows', notebook 63's MCP server and lesson 71's FAB stack), and
# uv, and what builds the kit's own package, into wheelhouse/ (KIT_WHEELHOUSE), for a room with bad Wi-Fi:
# copy the folder onto USB sticks; beside a checkout, `make up` (and `make mcp`) then installs from it with
# no network at all (scripts/bootstrap.sh).
# The wheels are for this machine's kind: the same OS and CPU (a Mac with Apple silicon makes wheels for
# Macs with Apple silicon). Done once per lock: later calls return at once while the locks are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
dir=${KIT_WHEELHOUSE:-wheelhouse}
python=${PYTHON:-python3}
stamp="$dir/.kit-locks"
want=$(cat requirements/airflow3.lock requirements/airflow2.lock requirements/mcp.lock requirements/fab.lock pyproject.toml | "$python" -c \
  'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "The wheelhouse $dir is up to date ($(find "$dir" -name '*.whl' | wc -l | tr -d ' ') wheels)."
  exit 0
fi
if ! "$python" -m pip --version >/dev/null 2>&1; then
  echo "make wheelhouse needs pip for $python (python3 -m ensurepip, or apt-get install python3-pip)." >&2
  exit 1
fi
echo "Collecting wheels into $dir (a few minutes the first time; about 400 MB) ..."
mkdir -p "$dir"
# Each lock's pins that no lock before it has: the locks share most of theirs (fab.lock holds all of
# airflow3.lock's), and pip fetches again what it is given again: 728 pins, 336 different ones
seen=$(mktemp)
trap 'rm -f "$seen" "$seen.new"' EXIT
for lock in requirements/airflow3.lock requirements/airflow2.lock requirements/mcp.lock requirements/fab.lock; do
  grep -Ev '^[[:space:]]*(#|$)' "$lock" | grep -vxFf "$seen" >"$seen.new" || true
  if [ -s "$seen.new" ]; then
    "$python" -m pip wheel -q --disable-pip-version-check --no-deps -r "$seen.new" -w "$dir"
  fi
  cat "$seen.new" >>"$seen"
done
# what builds the kit's own package (pyproject.toml) for its editable install
"$python" -m pip wheel -q --disable-pip-version-check --no-deps -w "$dir" \
  "$(sed -n 's/^requires = \["\(.*\)"\]$/\1/p' pyproject.toml)"
echo "$want" > "$stamp"
echo "Wrote $(find "$dir" -name '*.whl' | wc -l | tr -d ' ') wheels ($(du -sh "$dir" | cut -f1)) to $dir."
echo "Beside a checkout of the kit, \`make up\` installs from it without a network."

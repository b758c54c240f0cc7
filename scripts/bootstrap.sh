#!/usr/bin/env bash
# Installs a Python environment from a lock file, once: later calls return at once while the lock
# (and this script) are unchanged. Usage: scripts/bootstrap.sh LOCKFILE VENV [--kit]
# --kit also installs the kit itself (pyproject.toml: the apikit and stacks packages), editable, so that
# edits to them need no reinstall. uv does the work (Airflow installs in seconds); where uv cannot be had,
# plain pip does it slower. With a wheelhouse (wheelhouse/ or KIT_WHEELHOUSE, made by `make wheelhouse`),
# everything comes from it and nothing from the network.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
lock=$1 venv=$2 kit=${3:-}
stamp="$venv/.kit-lock"
python=${PYTHON:-python3}

hash_of() {
  "$python" -c 'import hashlib,sys; print(hashlib.sha256(b"".join(open(f,"rb").read() for f in sys.argv[1:])).hexdigest())' "$@"
}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "The kit needs Python 3.11 or newer as '$python' (found: $("$python" --version 2>&1 || echo none))." >&2
  echo "Install it, or name it: make up PYTHON=/path/to/python3.11" >&2
  exit 1
fi
want=$(hash_of "$lock" "$0")
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
  touch "$stamp"  # up to date: make need not ask again
  exit 0
fi

wheelhouse=${KIT_WHEELHOUSE:-wheelhouse}
if [ -d "$wheelhouse" ] && [ -n "$(find "$wheelhouse" -maxdepth 1 -name '*.whl' -print -quit)" ]; then
  echo "Installing $venv from $lock with the wheels of $wheelhouse (no network needed) ..."
else
  wheelhouse=""
  echo "Installing $venv from $lock (once; later runs skip this) ..."
fi
start=$(date +%s)

# uv and pip, from the wheelhouse when there is one
uv_() {
  if [ -n "$wheelhouse" ]; then "$uv" "$@" --offline --no-index --find-links "$wheelhouse"; else "$uv" "$@"; fi
}
pip_() {
  if [ -n "$wheelhouse" ]; then "$@" --no-index --find-links "$wheelhouse"; else "$@"; fi
}

uv=$(command -v uv || true)
if [ -z "$uv" ]; then
  # uv is not on PATH: install the version the lock names into a small venv of its own.
  uv_version=$(sed -n 's/^uv==//p' "$lock")
  if [ ! -x .tools/uv/bin/uv ]; then  # no uv to be had: pip below does the work
    if "$python" -m venv .tools/uv; then pip_ .tools/uv/bin/python -m pip install -q "uv==${uv_version}" || true; fi
  fi
  [ -x .tools/uv/bin/uv ] && uv=.tools/uv/bin/uv
fi

if [ -n "$uv" ]; then
  [ -x "$venv/bin/python" ] || "$uv" venv -q --python "$python" "$venv"
  uv_ pip sync -q --python "$venv/bin/python" --compile-bytecode "$lock"
  if [ "$kit" = --kit ]; then uv_ pip install -q --python "$venv/bin/python" --no-deps -e .; fi
else
  echo "uv is not available; installing with pip (slower)." >&2
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  pip_ "$venv/bin/python" -m pip install -q --no-deps -r "$lock"
  if [ "$kit" = --kit ]; then pip_ "$venv/bin/python" -m pip install -q --no-deps -e .; fi
fi
# An older kit put the checkout on sys.path with a .pth file of its own: the editable install does it now.
"$venv/bin/python" -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "airflow_api_kit.pth").unlink(missing_ok=True)'
echo "$want" > "$stamp"
echo "Installed $venv in $(( $(date +%s) - start )) s."

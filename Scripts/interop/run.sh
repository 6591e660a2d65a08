#!/usr/bin/env bash
# run.sh — Google's own Python clients, unchanged, against the fake Sheets server.
#
# Creates a venv (INTEROP_VENV, default .build/interop-venv), installs the pinned gspread,
# google-api-python-client and google-auth from PyPI, builds `chaos` and starts `chaos fakes` on
# ephemeral ports, then runs google_client_check.py and gspread_check.py against the fake's
# SHEETS_API_BASE_URL. The fake is stopped on every exit. Exits non-zero on any mismatch.
#
# Usage: Scripts/interop/run.sh            (from anywhere inside the repository)
set -euo pipefail

GSPREAD_VERSION=6.2.1
GOOGLE_API_PYTHON_CLIENT_VERSION=2.202.0
GOOGLE_AUTH_VERSION=2.63.0

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
venv=${INTEROP_VENV:-$root/.build/interop-venv}
work=$(mktemp -d "${TMPDIR:-/tmp}/interop.XXXXXX")
fake_pid=""

cleanup() {
  if [[ -n "$fake_pid" ]] && kill -0 "$fake_pid" 2>/dev/null; then
    kill -TERM "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ! -x "$venv/bin/python" ]]; then
  echo "interop: creating $venv"
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "gspread==$GSPREAD_VERSION" \
  "google-api-python-client==$GOOGLE_API_PYTHON_CLIENT_VERSION" \
  "google-auth==$GOOGLE_AUTH_VERSION"

echo "interop: building chaos"
swift build --product chaos 2>&1 | tail -n 3
chaos="$(swift build --show-bin-path)/chaos"

"$chaos" fakes --env-file "$work/env" --credentials-file "$work/key.json" >"$work/fakes.log" 2>&1 &
fake_pid=$!

# The env file is written once both fakes listen; wait for it (or for the fake to die).
for _ in $(seq 1 600); do
  [[ -s "$work/env" ]] && grep -q '^SHEETS_API_BASE_URL=' "$work/env" && break
  if ! kill -0 "$fake_pid" 2>/dev/null; then
    echo "interop: chaos fakes exited early:" >&2
    cat "$work/fakes.log" >&2
    exit 1
  fi
  sleep 0.1
done
base=$(sed -n 's/^SHEETS_API_BASE_URL=//p' "$work/env")
if [[ -z "$base" ]]; then
  echo "interop: chaos fakes did not write SHEETS_API_BASE_URL to $work/env within 60 s" >&2
  cat "$work/fakes.log" >&2
  exit 1
fi
echo "interop: fake Sheets at $base"

status=0
for check in google_client_check.py gspread_check.py; do
  echo "interop: $check"
  if ! "$venv/bin/python" "Scripts/interop/$check" "$base"; then
    echo "interop: FAILED $check" >&2
    status=1
  fi
done
if [[ $status -eq 0 ]]; then echo "interop: all checks passed"; fi
exit $status

#!/usr/bin/env bash
# wrk_append.sh BASE_URL [DURATION] [SHAPE] — appends/s against a running fake (e.g. `FakeSheetsBench
# serve`) with 16 connections, from wrk in a second process. Gets a token with google-auth (the
# Python venv that has google-auth installed must be first on PATH), then POSTs one 10-column
# attendance row per request to spreadsheet "bench", sheet Attendance.
# SHAPE: `user-entered` (default: `Attendance!A1:append?valueInputOption=USER_ENTERED`, body
# {"values": …}) or `bot` (as metro-bot sends it: `Attendance!A:J:append?valueInputOption=RAW&
# insertDataOption=INSERT_ROWS&includeValuesInResponse=false`, body with range and majorDimension).
set -euo pipefail
base=${1:?usage: wrk_append.sh BASE_URL [DURATION]}
duration=${2:-8s}
shape=${3:-user-entered}
row='["2024-05-01T08:00:00Z","1001","ana","Ana Pérez","check_in","40.4168","-3.7038","Madrid HQ","12","1"]'
case "$shape" in
  user-entered) path='Attendance!A1:append?valueInputOption=USER_ENTERED'; body="{\"values\":[$row]}" ;;
  bot) path='Attendance!A:J:append?valueInputOption=RAW&insertDataOption=INSERT_ROWS&includeValuesInResponse=false'
       body="{\"majorDimension\":\"ROWS\",\"range\":\"Attendance!A:J\",\"values\":[$row]}" ;;
  *) echo "wrk_append.sh: SHAPE must be user-entered or bot, not $shape" >&2; exit 2 ;;
esac
token=$(python3 - "$base" <<'PY'
import json, sys, urllib.request
from google.oauth2 import service_account
import google.auth.transport.requests
info = json.load(urllib.request.urlopen(sys.argv[1] + "/control/credentials", timeout=10))
c = service_account.Credentials.from_service_account_info(info, scopes=["https://www.googleapis.com/auth/spreadsheets"])
c.refresh(google.auth.transport.requests.Request())
print(c.token)
PY
)
script=$(mktemp --suffix=.lua)
trap 'rm -f "$script"' EXIT
cat > "$script" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '$body'
LUA
wrk -t1 -c16 -d"$duration" -s "$script" "$base/v4/spreadsheets/bench/values/$path"

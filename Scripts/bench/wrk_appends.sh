#!/usr/bin/env bash
# wrk_appends.sh [FAKESHEETSBENCH] [DURATION] [SHAPE] — appends/s of a release fake Sheets with 16
# connections, and the fake's CPU per append; then the framework floor (a 404 from Hummingbird,
# no fake code) the same way. Starts `FakeSheetsBench serve`, drives it with wrk from a second
# process (Scripts/interop/wrk_append.sh, whose google-auth venv must be first on PATH), reads the
# fake's utime + stime from /proc/PID/stat before and after each run, and prints one line:
#   rps=… cpu_us_per_append=… non2xx=… floor_rps=… floor_cpu_us=…
# Build first: swift build -c release --package-path Benchmarks --product FakeSheetsBench
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=${1:-Benchmarks/.build/release/FakeSheetsBench}
duration=${2:-8s}
shape=${3:-user-entered}
[ -x "$bench" ] || { echo "wrk_appends.sh: no $bench; build it first (see the header)" >&2; exit 2; }
command -v wrk > /dev/null || { echo "wrk_appends.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
out=$(mktemp)
fifo=$(mktemp -u)
mkfifo "$fifo"
# `serve` runs until its stdin closes: hold the FIFO open for writing until this script exits.
"$bench" serve < "$fifo" > "$out" 2>&1 &
serve=$!
exec 3> "$fifo"
trap 'status=$?; exec 3>&-; kill $serve 2> /dev/null; wait $serve 2> /dev/null || true; rm -f "$out" "$fifo"; exit $status' EXIT
for _ in $(seq 1 100); do grep -q '"baseURL"' "$out" && break; sleep 0.1; done
grep -q '"baseURL"' "$out" || { echo "wrk_appends.sh: the fake did not come up:" >&2; cat "$out" >&2; exit 1; }
field() { grep -m1 '^{' "$out" | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"; }
base=$(field baseURL)
pid=$(field pid)
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
requests() { grep -oE '[0-9]+ requests in' | awk '{print $1}' || true; }

before=$(cpu)
result=$(Scripts/interop/wrk_append.sh "$base" "$duration" "$shape" 2>&1) || true
after=$(cpu)
n=$(echo "$result" | requests)
[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "wrk_appends.sh: the append run failed (is google-auth's venv first on PATH?):" >&2; echo "$result" >&2; exit 1; }
rps=$(echo "$result" | awk '/Requests\/sec/ {print $2}')
non2xx=$(echo "$result" | grep -oiE 'non-2xx or 3xx responses: [0-9]+' | grep -oE '[0-9]+$' || echo 0)
append_cpu=$(( (after - before) * 1000000 / ticks / n ))

before=$(cpu)
result=$(wrk -t1 -c16 -d"$duration" "$base/nothing/here" 2>&1) || true
after=$(cpu)
n=$(echo "$result" | requests)
[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "wrk_appends.sh: the 404 run failed:" >&2; echo "$result" >&2; exit 1; }
floor_rps=$(echo "$result" | awk '/Requests\/sec/ {print $2}')
echo "rps=$rps cpu_us_per_append=$append_cpu non2xx=$non2xx floor_rps=$floor_rps floor_cpu_us=$(( (after - before) * 1000000 / ticks / n ))"

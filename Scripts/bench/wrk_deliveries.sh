#!/usr/bin/env bash
# wrk_deliveries.sh [BOT_BINARY] [CONNECTIONS] [DURATION] — webhook deliveries/s of a release
# metro-bot, and the bot's CPU per delivery. Starts `RuntimeBench serve` (both fakes and the bot
# as its child, in webhook mode), drives the webhook with wrk from a second process, reads the
# bot's utime + stime from /proc/BOT_PID/stat before and after, and prints one line:
#   rps=… requests=… bot_cpu_us_per_delivery=… non2xx=…
# Build first (one product per command: given two, SwiftPM builds only the last):
#   swift build -c release --package-path Benchmarks --product metro-bot
#   swift build -c release --package-path Benchmarks --product RuntimeBench
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=Benchmarks/.build/release/RuntimeBench
bot=${1:-Benchmarks/.build/release/metro-bot}
connections=${2:-64}
duration=${3:-10s}
[ -x "$bench" ] || { echo "wrk_deliveries.sh: no $bench; build it first (see the header)" >&2; exit 2; }
command -v wrk > /dev/null || { echo "wrk_deliveries.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
out=$(mktemp)
"$bench" serve --bot "$bot" > "$out" 2>&1 &
serve=$!
trap 'status=$?; kill $serve 2> /dev/null; wait $serve 2> /dev/null || true; rm -f "$out"; exit $status' EXIT
for _ in $(seq 1 150); do grep -q '^BOT_PID=' "$out" && break; sleep 0.2; done
grep -q '^BOT_PID=' "$out" || { echo "wrk_deliveries.sh: the bot did not come up:" >&2; cat "$out" >&2; exit 1; }
WEBHOOK_URL=$(sed -n 's/^WEBHOOK_URL=//p' "$out")
WEBHOOK_SECRET=$(sed -n 's/^WEBHOOK_SECRET=//p' "$out")
BOT_PID=$(sed -n 's/^BOT_PID=//p' "$out")
cpu() { awk '{print $14 + $15}' "/proc/$BOT_PID/stat"; }
sleep 1
before=$(cpu)
result=$(cd Benchmarks/Sources/RuntimeBench/wrk && WEBHOOK_SECRET=$WEBHOOK_SECRET \
    wrk -t2 -c"$connections" -d"$duration" -s deliveries.lua "$WEBHOOK_URL" 2>&1) || true
after=$(cpu)
requests=$(echo "$result" | grep -oE '[0-9]+ requests in' | awk '{print $1}' || true)
[ -n "$requests" ] && [ "$requests" -gt 0 ] || { echo "wrk_deliveries.sh: the wrk run failed:" >&2; echo "$result" >&2; exit 1; }
rps=$(echo "$result" | awk '/Requests\/sec/ {print $2}')
non2xx=$(echo "$result" | grep -oiE 'non-2xx answers: [0-9]+' | grep -oE '[0-9]+$' || echo "?")
ticks=$(getconf CLK_TCK)
echo "rps=$rps requests=$requests bot_cpu_us_per_delivery=$(( (after - before) * 1000000 / ticks / requests )) non2xx=$non2xx"

#!/usr/bin/env bash
# idle_floor.sh [RUNS] — idle resident memory of the two floor programs (Benchmarks/Sources/
# IdleFloorHummingbird: Hummingbird 2 alone; IdleFloorStack: Hummingbird, AsyncHTTPClient and a
# GRDB pool, none of the bot's code), measured as RuntimeBench measures the bot's: start, answer one
# GET /health, stay idle 3 s, read VmRSS, RssAnon and RssFile from /proc/PID/status. One line per run.
# Build first, one product per command:
#   swift build -c release --package-path Benchmarks --product IdleFloorHummingbird
#   swift build -c release --package-path Benchmarks --product IdleFloorStack
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
release=Benchmarks/.build/release
for program in IdleFloorHummingbird IdleFloorStack; do
  [ -x "$release/$program" ] || { echo "idle_floor.sh: no $release/$program; build it first (see the header)" >&2; exit 2; }
done
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
field() { awk -v f="$1:" '$1 == f {printf "%.1f", $2 / 1024}' "/proc/$2/status"; }
for run in $(seq 1 "$runs"); do
  for program in IdleFloorHummingbird IdleFloorStack; do
    "$release/$program" "$port" > /dev/null 2>&1 &
    pid=$!
    answered=
    for _ in $(seq 1 100); do
      curl -sf "http://127.0.0.1:$port/health" > /dev/null && { answered=yes; break; }
      sleep 0.05
    done
    [ -n "$answered" ] || { kill $pid 2> /dev/null; echo "idle_floor.sh: $program did not answer on port $port" >&2; exit 1; }
    sleep 3
    echo "run $run $program: VmRSS $(field VmRSS $pid) MiB (RssAnon $(field RssAnon $pid), RssFile $(field RssFile $pid))"
    kill $pid; wait $pid 2> /dev/null || true
  done
done

#!/usr/bin/env bash
# Runs the bundled suite N times (default 50) with both cores kept busy by spinning shell loops,
# and counts runs whose verdicts or messages differ from the first run's. Measured durations in
# messages ("loaded in 1.1s", "30.0s after") are normalised to "N.Ns" before comparing; every
# other word must be identical. Prints one line per run, the differences, and a final count;
# exits 1 if any verdict or message changed. Uses target/release/swgate, else target/debug
# (SWGATE_BIN overrides). Build first (cargo build).
#
#   benches/determinism.sh [RUNS] [extra swgate args...]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
shift || true
bin=${SWGATE_BIN:-target/release/swgate}
[ -x "$bin" ] || bin=target/debug/swgate
[ -x "$bin" ] || { echo "build swgate first: cargo build" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/swgate-determinism-XXXXXX")
loads=()
for _ in $(seq "$(nproc)"); do
  ( while :; do :; done ) &
  loads+=($!)
done
trap 'kill "${loads[@]}" 2>/dev/null; rm -rf "$out"' EXIT

verdict_changes=0
message_changes=0
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  "$bin" run specs "$@" 2> "$out/$i.err" >/dev/null
  rc=$?
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  # One line per scenario: verdict, spec › check, message; the scenario's duration dropped and
  # measured durations inside messages normalised.
  grep -E '^(PASS|FAIL|ERROR|TIMEOUT|INFRA|CANCELLED) ' "$out/$i.err" \
    | sed -E -e 's/ \[[0-9.]+s\]//' -e 's/\b[0-9]+\.[0-9]+s\b/N.Ns/g' | sort > "$out/$i.lines"
  awk '{print $1, $2, $3, $4}' "$out/$i.lines" > "$out/$i.verdicts"
  status=same
  if [ "$i" -gt 1 ]; then
    if ! cmp -s "$out/1.verdicts" "$out/$i.verdicts"; then
      verdict_changes=$((verdict_changes + 1)); status="VERDICTS CHANGED"
      # The whole lines, messages included: a changed verdict is diagnosed by what it said.
      diff "$out/1.lines" "$out/$i.lines" | grep -E '^[<>]' \
        | grep -F -f <(diff "$out/1.verdicts" "$out/$i.verdicts" | grep -E '^[<>]' | cut -c3- | awk '{print $2, $3, $4}') \
        | sed 's/^/    /' | cut -c1-1200
    elif ! cmp -s "$out/1.lines" "$out/$i.lines"; then
      message_changes=$((message_changes + 1)); status="messages changed"
      diff "$out/1.lines" "$out/$i.lines" | sed 's/^/    /' | cut -c1-600
    fi
  fi
  printf 'run %2d: exit %s, %5.1fs, %s scenarios, %s\n' "$i" "$rc" "$secs" \
    "$(wc -l < "$out/$i.verdicts")" "$status"
done
echo "$runs runs with $(nproc) busy loops ($bin): $verdict_changes with changed verdicts, $message_changes with changed messages only"
[ "$verdict_changes" -eq 0 ] && [ "$message_changes" -eq 0 ]

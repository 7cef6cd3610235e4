#!/usr/bin/env bash
# Runs the conversation tests (tests/conversations) against the whole assistant, with the
# example action server (examples/action-server) answering the demo actions.
set -euo pipefail
cd "$(dirname "$0")/.."
bind=127.0.0.1:8099
log=$(mktemp)
target/release/relais-example-actions --bind "$bind" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do
  grep -q "listening on" "$log" && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; echo "the example action server did not start on $bind" >&2; exit 1; }
  sleep 0.1
done
target/release/relais test tests/conversations

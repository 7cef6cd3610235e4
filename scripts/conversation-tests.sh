#!/usr/bin/env bash
# Runs the conversation tests (tests/conversations) against the whole assistant, with the
# example action server (examples/action-server) answering the demo actions.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wait-listening.sh
bind=127.0.0.1:8099
log=$(mktemp)
# A fixed date: the subscription action answers with the end of the current month.
target/release/relais-example-actions --bind "$bind" --today 2026-11-15 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$log"' EXIT
wait_listening "$server" "$log" "the example action server on $bind"
target/release/relais test tests/conversations

#!/usr/bin/env bash
# Starts the example action server, then the assistant in the terminal (until the
# server issue brings the widget and the console).
set -euo pipefail
cd "$(dirname "$0")/.."
target/release/relais-example-actions --bind 127.0.0.1:8099 >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null' EXIT
target/release/relais chat "$@"

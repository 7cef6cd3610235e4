#!/usr/bin/env bash
# `make run`: the example action server (the demo shop's order, password and subscription
# systems), a demo agent account, simulated conversations for the Insights dashboard, then
# `relais serve` with the demo shop at / and the console at /console. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
target/release/relais-example-actions --bind 127.0.0.1:8099 >/dev/null 2>&1 &
actions=$!
trap 'kill "$actions" 2>/dev/null' EXIT
if [ ! -e data/demo-agent-added ]; then
  mkdir -p data
  printf 'relais-demo' | target/release/relais agent add --data-dir data --role admin \
    --email agent@example.com --name "Alex (demo)" --password-stdin
  touch data/demo-agent-added
fi
# A dashboard with content: a month of simulated conversations (marked as such; about 20 s;
# `relais purge --simulated --data-dir data` removes them), made once, while the store is empty.
target/release/relais simulate --conversations 300 --days 30 --if-empty --data-dir data
echo "Demo shop: http://127.0.0.1:8080/   Agent console: http://127.0.0.1:8080/console"
echo "Console login: agent@example.com / relais-demo"
target/release/relais serve --data-dir data "$@"

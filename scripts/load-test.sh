#!/usr/bin/env bash
# Load test of `relais serve` (part of `make bench`): time to ready, idle visitor sockets
# held with the server's RSS, then bot replies per second and latency with 1,000 active
# conversations. Sizes: IDLE_SOCKETS (10000), CONVERSATIONS (1000), RATE (150 msg/s),
# SECONDS (30).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wait-listening.sh
ulimit -n "$(ulimit -Hn)"
idle_sockets=${IDLE_SOCKETS:-10000}
data=$(mktemp -d)
log=$(mktemp)
# One address plays every visitor: lift the per-address limits; /metrics needs its token.
# A fresh data folder, but the repository's trained models and knowledge index.
export RELAIS__SERVER__LIMITS__SOCKETS_PER_IP=1000000 RELAIS__SERVER__LIMITS__CONNECTIONS_PER_IP=1000000 \
  RELAIS__SERVER__LIMITS__CONVERSATIONS_PER_IP_PER_MINUTE=1000000 RELAIS__SERVER__LIMITS__FRAMES_BURST=1000 \
  RELAIS__SERVER__METRICS_TOKEN=load-test RELAIS_LOG=warn \
  RELAIS__NLU__MODELS_OUT=data/models RELAIS__KNOWLEDGE__INDEX_DIR=data/knowledge
target/release/relais serve --bind 127.0.0.1:0 --data-dir "$data" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data" "$log"' EXIT
wait_listening "$server" "$log" "relais serve"
address=$(grep -o 'listening on http://[^ ]*' "$log" | sed 's|listening on http://||')
grep -o 'ready in [0-9]* ms' "$log" | sed 's/^/relais serve: /'
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server/status"; }
echo "server RSS before load: $(rss_mb) MB"

out=$(mktemp)
target/release/relais-loadgen --url "ws://$address/v1/ws" idle --sockets "$idle_sockets" --hold 3 >"$out" &
loadgen=$!
until grep -q HELD "$out"; do
  kill -0 "$loadgen" 2>/dev/null || break
  sleep 0.2
done
head -1 "$out"
echo "server RSS with $idle_sockets idle sockets: $(rss_mb) MB"
wait "$loadgen"
rm -f "$out"
sleep 2

target/release/relais-loadgen --url "ws://$address/v1/ws" active \
  --conversations "${CONVERSATIONS:-1000}" --rate "${RATE:-150}" --seconds "${SECONDS_MEASURED:-30}"
curl -s -H "Authorization: Bearer load-test" "http://$address/metrics" | grep -E '^relais_encoder_batch_size_(sum|count)' || true

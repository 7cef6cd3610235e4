#!/usr/bin/env bash
# Replies per second and latency of `relais serve` (part of `make bench`) with SQLite on
# one node, PostgreSQL on one node and PostgreSQL on two nodes, all on this machine: the
# same offered load each time, CONVERSATIONS (400) visitors at RATE (120 msg/s) in all
# for SECONDS_MEASURED (20), split evenly between the nodes. PostgreSQL is a throw-away
# cluster made here (Debian's postgresql package; as root, run as its postgres user).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wait-listening.sh
ulimit -n "$(ulimit -Hn)"
conversations=${CONVERSATIONS:-400}
rate=${RATE:-120}
seconds=${SECONDS_MEASURED:-20}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  as_postgres "$bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
as_postgres "$bin/initdb" -D "$work/pg" -U relais --auth=trust --no-sync -E UTF8 --locale=C >/dev/null
as_postgres "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $port -c listen_addresses=127.0.0.1 -k $work -c max_connections=200" start >/dev/null
"$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U relais -d postgres -c "CREATE DATABASE bench1" -c "CREATE DATABASE bench2"

export RELAIS__SERVER__LIMITS__SOCKETS_PER_IP=1000000 RELAIS__SERVER__LIMITS__CONNECTIONS_PER_IP=1000000 \
  RELAIS__SERVER__LIMITS__CONVERSATIONS_PER_IP_PER_MINUTE=1000000 RELAIS__SERVER__LIMITS__FRAMES_BURST=1000 \
  RELAIS_LOG=warn RELAIS__NLU__MODELS_OUT=data/models RELAIS__KNOWLEDGE__INDEX_DIR=data/knowledge

# Starts a node on store $1 (a URL, or "" for the data folder's SQLite); sets $address.
node() {
  local log data
  log=$(mktemp -p "$work")
  data=$(mktemp -d -p "$work")
  RELAIS__STORE__URL="$1" target/release/relais serve --bind 127.0.0.1:0 --data-dir "$data" >"$log" 2>&1 &
  servers+=($!)
  wait_listening "$!" "$log" "relais serve"
  address=$(grep -o 'listening on http://[^ ]*' "$log" | sed 's|listening on http://||')
}

# Offers the load to the nodes given, split evenly; prints each share's figures.
load() {
  local n=$# pids=() out=()
  for address in "$@"; do
    out+=("$(mktemp -p "$work")")
    target/release/relais-loadgen --url "ws://$address/v1/ws" active --conversations $((conversations / n)) \
      --rate "$(python3 -c "print($rate / $n)")" --seconds "$seconds" >"${out[-1]}" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  for file in "${out[@]}"; do cat "$file"; done
}

stop_nodes() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  servers=()
}

echo "SQLite, one node:"
node ""
load "$address"
stop_nodes
echo "PostgreSQL, one node:"
node "postgres://relais@127.0.0.1:$port/bench1"
load "$address"
stop_nodes
echo "PostgreSQL, two nodes (one machine: the nodes share its 2 cores):"
node "postgres://relais@127.0.0.1:$port/bench2"
first=$address
node "postgres://relais@127.0.0.1:$port/bench2"
load "$first" "$address"
stop_nodes

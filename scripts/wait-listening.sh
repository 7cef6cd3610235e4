# Sourced by the scripts that start a Relais process in the background.
# wait_listening PID LOG WHAT: waits (up to 60 s) until LOG says "listening on"; if the
# process PID exits first, prints LOG and fails, naming WHAT.
wait_listening() {
  local pid=$1 log=$2 what=$3
  for _ in $(seq 600); do
    grep -q "listening on" "$log" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "$what did not start" >&2; exit 1; }
    sleep 0.1
  done
  cat "$log" >&2
  echo "$what did not start within 60 s" >&2
  exit 1
}

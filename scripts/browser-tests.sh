#!/usr/bin/env bash
# Runs the browser tests (crates/web/tests) against a real `relais serve` with the demo site,
# a fresh data directory, one agent and one admin, driving Debian's chromium with playwright-core.
# `scripts/browser-tests.sh crates/web/tests/04-insights.test.mjs` runs only the files given.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "no chromium at $chromium: install Debian's chromium: apt-get install -y chromium" >&2; exit 1; }
command -v node >/dev/null || { echo "node (20 or later) is required for the browser tests" >&2; exit 1; }
[ -x target/release/relais ] && [ -x target/release/relais-example-actions ] ||
  { echo "build first: cargo build --release --locked" >&2; exit 1; }

# Dependencies: installed again only when the lockfile changed since the last install.
web=crates/web
stamp=$web/node_modules/.package-lock.sha256
want=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$web/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  (cd "$web" && npm ci --no-audit --no-fund)
  echo "$want" >"$stamp"
fi

data=$(mktemp -d)
logs=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$data" "$logs"
}
trap cleanup EXIT

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

healthy() {
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}

# Waits until `check` succeeds, or fails with the log of the process that should have answered.
wait_for() {
  local what=$1 pid=$2 log=$3 check=$4
  for _ in $(seq 300); do
    eval "$check" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "$what exited before it was ready" >&2; exit 1; }
    sleep 0.1
  done
  cat "$log" >&2
  echo "$what was not ready after 30 s" >&2
  exit 1
}

# The demo actions (order status …) are called at 127.0.0.1:8099, as in intents/*/.
if node -e 'require("net").connect(8099, "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(1))'; then
  echo "127.0.0.1:8099 is busy: the demo intents call their actions there; stop what listens on it (make run?)" >&2
  exit 1
fi
target/release/relais-example-actions --bind 127.0.0.1:8099 --today 2026-11-15 >"$logs/actions.log" 2>&1 &
pids+=($!)
wait_for "the example action server" "${pids[-1]}" "$logs/actions.log" 'grep -qs "listening on" "$logs/actions.log"'

port=$(free_port)
url=http://127.0.0.1:$port
# The SMS channel sends to a stand-in for Twilio's Messages API that 07-channels starts on
# this port (the real one cannot be reached from here). The sender is an alphanumeric id:
# a number given in the environment would be read as a number and lose its "+".
sms_port=$(free_port)
twilio_token=browser-test-twilio-token
# The identity secret lets the tests sign a visitor's user id as a host site's backend would.
identity_secret=browser-test-secret
# ALLOWED_ORIGINS: the third-party-site tests embed the widget from another origin (a local
# page on another port), which the server refuses unless allowed.
# LIMITS: every test connects from 127.0.0.1, and one test queues 55 visitors at once; the
# default limits per address (30 new conversations, 10 requests for a person, 60 help-centre
# searches a minute) are
# for the open internet, not for one machine running all the tests against one server.
# INTENTS_DIR: a copy of the demo's intents, which the review test's Apply exports its labels
# into (reviewed.yml) and retrains from; the repository's own stay as they are (and the
# labels a local `make run` exported there are not copied).
cp -r intents "$data/intents"
rm -f "$data"/intents/*/reviewed.yml
RELAIS__NLU__INTENTS_DIR="$data/intents" \
  RELAIS__SERVER__SITE_DIR=examples/website \
  RELAIS__SERVER__ALLOWED_ORIGINS='*' \
  RELAIS__SERVER__IDENTITY_SECRET=$identity_secret \
  RELAIS__SERVER__LIMITS__CONVERSATIONS_PER_IP_PER_MINUTE=1000 \
  RELAIS__SERVER__LIMITS__HANDOFFS_PER_IP_PER_MINUTE=1000 \
  RELAIS__SERVER__LIMITS__HELP_REQUESTS_PER_IP_PER_MINUTE=1000 \
  RELAIS__CHANNELS__TWILIO__ACCOUNT_SID=ACbrowsertest \
  RELAIS__CHANNELS__TWILIO__AUTH_TOKEN=$twilio_token \
  RELAIS__CHANNELS__TWILIO__FROM=Brightwood \
  RELAIS__CHANNELS__TWILIO__PUBLIC_URL=$url/v1/channels/twilio \
  RELAIS__CHANNELS__TWILIO__API_BASE=http://127.0.0.1:$sms_port \
  target/release/relais serve --bind "127.0.0.1:$port" --data-dir "$data" >"$logs/serve.log" 2>&1 &
pids+=($!)
wait_for "relais serve" "${pids[-1]}" "$logs/serve.log" 'healthy "$url/healthz"'

# The server embeds crates/web/assets at build time: a stale binary would test old files.
node -e '
  const fs = require("fs");
  const [base, dir] = process.argv.slice(1);
  const files = { "/widget.js": "widget.js", "/console": "console/index.html", "/console/console.js": "console/console.js", "/console/console.css": "console/console.css" };
  Promise.all(Object.entries(files).map(([path, file]) => fetch(base + path).then((r) => r.text()).then((served) => {
    if (served !== fs.readFileSync(dir + "/" + file, "utf8")) throw new Error(dir + "/" + file);
  }))).catch((err) => {
    console.error("target/release/relais serves an older " + err.message + ": rebuild with cargo build --release --locked");
    process.exit(1);
  });' "$url" "$web/assets"

email=agent@example.com
password=secret-pass
printf '%s' "$password" | target/release/relais agent add --data-dir "$data" --email "$email" --name Alice \
  --role agent --password-stdin >/dev/null
# The admin reads the Insights view (04-insights.test.mjs).
admin_email=admin@example.com
admin_password=admin-secret-pass
printf '%s' "$admin_password" | target/release/relais agent add --data-dir "$data" --email "$admin_email" --name Ada \
  --role admin --password-stdin >/dev/null
# An agent the tests disable (02-agent.test.mjs): the others keep theirs.
leaver_email=leaver@example.com
leaver_password=leaver-secret-pass
printf '%s' "$leaver_password" | target/release/relais agent add --data-dir "$data" --email "$leaver_email" --name Leo \
  --role agent --password-stdin >/dev/null

tests=("$root/$web/tests/")
[ "$#" -gt 0 ] && tests=("$@")
status=0
RELAIS_SMS_PORT=$sms_port RELAIS_TWILIO_TOKEN=$twilio_token \
  RELAIS_URL=$url RELAIS_AGENT_EMAIL=$email RELAIS_AGENT_PASSWORD=$password RELAIS_IDENTITY_SECRET=$identity_secret \
  RELAIS_ADMIN_EMAIL=$admin_email RELAIS_ADMIN_PASSWORD=$admin_password CHROMIUM=$chromium \
  RELAIS_LEAVER_EMAIL=$leaver_email RELAIS_LEAVER_PASSWORD=$leaver_password \
  node --test --test-concurrency=1 "${tests[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- relais serve log (last 80 lines) ---" >&2
  tail -n 80 "$logs/serve.log" >&2
fi
exit "$status"

#!/usr/bin/env bash
# Builds the served JavaScript from its modules (crates/web/js) with esbuild: one file each for
# the widget (crates/web/assets/widget.js) and the console (crates/web/assets/console/console.js),
# both committed and compiled into the binary. `scripts/build-js.sh DIR` writes them under DIR
# instead (scripts/check-js.sh compares them with the committed ones).
set -euo pipefail
cd "$(dirname "$0")/../crates/web"
out=${1:-assets}

command -v node >/dev/null || { echo "node (20 or later) and npm are required to build the JavaScript" >&2; exit 1; }
# Dependencies: installed again only when the lockfile changed since the last install
# (the same stamp as scripts/browser-tests.sh).
stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi

# Readable output (not minified; the widget stays far below 25 KB gzipped), strict like the modules.
build() {
  local entry=$1 outfile=$2 what=$3
  local banner="/* $what, built from crates/web/$(dirname "$entry") by scripts/build-js.sh (make js): edit the modules, not this file. */"
  node_modules/.bin/esbuild "$entry" --bundle --format=iife --charset=utf8 --log-level=warning \
    --banner:js="$banner"$'\n''"use strict";' --outfile="$outfile"
}
build js/widget/main.js "$out/widget.js" "Relais chat widget"
build js/console/main.js "$out/console/console.js" "Relais agent console"

#!/usr/bin/env bash
# Fails when the committed built JavaScript (crates/web/assets/widget.js,
# crates/web/assets/console/console.js) is not what scripts/build-js.sh makes of the modules
# in crates/web/js now.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scripts/build-js.sh "$out"
status=0
for file in widget.js console/console.js; do
  if ! cmp -s "$out/$file" "crates/web/assets/$file"; then
    diff -u "crates/web/assets/$file" "$out/$file" | head -n 40 >&2 || true
    echo "crates/web/assets/$file is not built from crates/web/js as it is now: run make js and commit it" >&2
    status=1
  fi
done
exit "$status"

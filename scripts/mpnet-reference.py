"""Writes crates/encoder/tests/data/mpnet-reference.json: all-mpnet-base-v2's embeddings of
ten texts by a float64 forward pass written from Hugging Face's MPNetModel, independent of
Relais' candle code (crates/encoder/src/bert.rs), which the encoder's tests hold to it.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy tokenizers safetensors
    make models-mpnet && /tmp/ref/bin/python scripts/mpnet-reference.py
"""
import json
import math

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MODEL = "models/all-mpnet-base-v2"
OUT = "crates/encoder/tests/data/mpnet-reference.json"
TEXTS = [
    "I still have not received my new card, what should I do?",
    "hello",
    "How do I top up my account with a cheque from a friend living in a country far, far away, "
    "and how long will it take before the money arrives?",
    "cancel my transfer",
    "Why was I charged an extra fee when I withdrew cash?",
    "what is the exchange rate",
    "my card got stuck in the ATM",
    "Can I change my PIN at any cash machine?",
    "ok",
    "The app says my identity verification failed twice; what documents do you accept?",
]

config = json.load(open(f"{MODEL}/config.json"))
weights = {k: v.astype(np.float64) for k, v in load_file(f"{MODEL}/model.safetensors").items() if v.dtype != np.int64}
tokenizer = Tokenizer.from_file(f"{MODEL}/tokenizer.json")
tokenizer.no_padding()
tokenizer.no_truncation()
hidden, heads = config["hidden_size"], config["num_attention_heads"]
head_size = hidden // heads


def norm(x, name):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + config["layer_norm_eps"]) * weights[f"{name}.weight"] + weights[f"{name}.bias"]


def linear(x, name):
    return x @ weights[f"{name}.weight"].T + weights[f"{name}.bias"]


def gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def bucket(relative, buckets=32, max_distance=128):
    """MPNetEncoder.relative_position_bucket, its logarithm in float32 as torch takes it."""
    n = -relative
    buckets //= 2
    side = buckets if n < 0 else 0
    n = abs(n)
    exact = buckets // 2
    if n < exact:
        return side + n
    scale = np.float32(np.log(np.float32(n) / np.float32(exact))) / np.float32(math.log(max_distance / exact))
    return side + min(exact + int(scale * np.float32(buckets - exact)), buckets - 1)


def embed(text):
    ids = np.array(tokenizer.encode(text).ids)
    tokens = len(ids)
    # Positions count from the padding id (1) + 1.
    x = weights["embeddings.word_embeddings.weight"][ids] + weights["embeddings.position_embeddings.weight"][np.arange(tokens) + 2]
    x = norm(x, "embeddings.LayerNorm")
    table = weights["encoder.relative_attention_bias.weight"]
    bias = np.array([[table[bucket(k - q)] for k in range(tokens)] for q in range(tokens)]).transpose(2, 0, 1)
    for i in range(config["num_hidden_layers"]):
        layer = f"encoder.layer.{i}"
        q, k, v = (
            linear(x, f"{layer}.attention.attn.{p}").reshape(tokens, heads, head_size).transpose(1, 0, 2)
            for p in "qkv"
        )
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_size) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(tokens, hidden)
        x = norm(linear(context, f"{layer}.attention.attn.o") + x, f"{layer}.attention.LayerNorm")
        inner = gelu(linear(x, f"{layer}.intermediate.dense"))
        x = norm(linear(inner, f"{layer}.output.dense") + x, f"{layer}.output.LayerNorm")
    mean = x.mean(0)
    return [float(f"{value:.9g}") for value in mean / np.linalg.norm(mean)]


with open(OUT, "w") as out:
    json.dump({"model": "all-mpnet-base-v2", "items": [{"text": t, "embedding": embed(t)} for t in TEXTS]}, out)
print(f"wrote {OUT}")

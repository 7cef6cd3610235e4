# Relais: `make run` starts the product, `make test` runs every test.

MODEL_DIR := models/all-MiniLM-L6-v2
MODEL_SHA256 := 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
# The multilingual encoder (French intents, as relais.toml ships): its 4-bit weights' and tokenizer's hashes.
MULTILINGUAL_DIR := models/multilingual-e5-small
MULTILINGUAL_SHA256 := 1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f 0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39
# The larger English encoder, an opt-in for English intents (README, Models): its weights', tokenizer's and config's hashes.
MPNET_DIR := models/all-mpnet-base-v2
MPNET_SHA256 := 78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658 b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842 d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0
RELAIS := target/release/relais

.PHONY: run test bench models models-mpnet build eval fuzz js

run: models build
	scripts/run-demo.sh

build:
	cargo build --release --locked

# models-mpnet too: the encoder's tests hold its MPNet forward pass to a reference.
test: models models-mpnet
	scripts/check-js.sh
	node --test crates/web/js/unit/*.test.mjs
	cargo build --release --locked
	cargo test --release --locked --workspace
	# The store's tests again on PostgreSQL; named in the workspace so that nothing is rebuilt.
	RELAIS_TEST_STORE=postgres cargo test --release --locked --workspace --test store
	scripts/conversation-tests.sh
	scripts/browser-tests.sh

# The served widget.js and console.js, built from the modules in crates/web/js (commit them).
js:
	scripts/build-js.sh

bench: models build
	cargo bench --locked --workspace
	scripts/load-test.sh
	scripts/channel-latency.py
	scripts/nodes-bench.sh

# Accuracy figures on the shared benchmark sets (../shared/datasets).
eval: models build
	$(RELAIS) nlu eval --train ../shared/datasets/banking77/train.jsonl --test ../shared/datasets/banking77/test.jsonl --json
	$(RELAIS) nlu eval --train ../shared/datasets/clinc150/train.jsonl --valid ../shared/datasets/clinc150/valid.jsonl --test ../shared/datasets/clinc150/test.jsonl --json
	for mode in bm25 dense hybrid; do \
	  $(RELAIS) knowledge eval --faqs ../shared/datasets/stackfaq/faqs.jsonl --queries ../shared/datasets/stackfaq/queries.jsonl --mode $$mode --json; \
	done

# Coverage-guided fuzzing of the parsers of untrusted text, FUZZ_SECONDS (60) per target.
fuzz:
	scripts/fuzz.sh

models: $(MODEL_DIR)/model.safetensors $(MULTILINGUAL_DIR)/model.safetensors

$(MODEL_DIR)/model.safetensors:
	scripts/fetch-model.sh $(MODEL_DIR) $(MODEL_SHA256)

$(MULTILINGUAL_DIR)/model.safetensors:
	scripts/fetch-multilingual.sh $(MULTILINGUAL_DIR) $(MULTILINGUAL_SHA256)

models-mpnet: $(MPNET_DIR)/model.safetensors

$(MPNET_DIR)/model.safetensors:
	scripts/fetch-mpnet.sh $(MPNET_DIR) $(MPNET_SHA256)

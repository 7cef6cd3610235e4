#!/usr/bin/env bash
# Coverage-guided fuzzing (`make fuzz`, not part of `make test`) of the parsers of untrusted
# text: visitor and agent frames, intent files (Relais YAML, Rasa nlu.yml, JSONL) and
# knowledge-base articles, with the targets in fuzz/. Each target runs FUZZ_SECONDS (60)
# from seeds made here from the repo's own files, then the executions and crashes of each
# are printed; any crash (or timeout, or out-of-memory) fails the run. FUZZ_TARGETS picks
# targets (default: all). Corpora and crashing inputs stay in fuzz/corpus, fuzz/artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-visitor_frame agent_frame intent_yaml intent_rasa intent_jsonl article_markdown}

# libFuzzer's instrumentation (sanitizer coverage, AddressSanitizer) takes -Z flags:
# RUSTC_BOOTSTRAP lets the stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
if ! command -v cargo-fuzz >/dev/null; then
  nice -n 15 cargo install cargo-fuzz --version 0.13.2 --locked
fi
fuzz() { nice -n 15 cargo fuzz "$1" --sanitizer address "${@:2}"; }

# Seeds: a few frames of each kind, the demo intents (as Relais files, as Rasa entries and
# as JSONL) and the help-centre articles.
seed() { mkdir -p "fuzz/corpus/$1" && cat >"fuzz/corpus/$1/seed-$2"; }
i=0
while read -r frame; do
  i=$((i + 1))
  printf '%s' "$frame" | seed visitor_frame "$i"
done <<'EOF'
{"type":"hello","lang":"en","page":{"url":"https://shop.example/","title":"Shop"},"visitor":{"plan":"plus","orders":3}}
{"type":"hello","conversation_id":"c-1","token":"t.sig","last_seq":4,"identity":{"user_id":"u1","signature":"ab12"}}
{"type":"message","client_id":"m1","text":"where is my order BW-123456?"}
{"type":"quick_reply","client_id":"m2","payload":"/track_order"}
{"type":"feedback","seq":7,"helpful":false}
{"type":"page_view","url":"https://shop.example/cart","title":null}
{"type":"request_agent","reason":"complaint"}
{"type":"callback_request","name":"Ann","email":"ann@example.com","phone":"+33 1 23 45 67 89","preferred_time":"morning","note":"late parcel"}
{"type":"identify","visitor":{"email":"ann@example.com","vip":true},"identity":{"user_id":"u1","signature":"ab12"}}
{"type":"typing"}
{"type":"close"}
EOF
i=0
while read -r frame; do
  i=$((i + 1))
  printf '%s' "$frame" | seed agent_frame "$i"
done <<'EOF'
{"type":"hello","token":"0123456789abcdef","available":false}
{"type":"status","available":true}
{"type":"claim","conversation_id":"c-1"}
{"type":"message","conversation_id":"c-1","client_id":"a1","text":"Hello, I'm Ann."}
{"type":"typing","conversation_id":"c-1"}
{"type":"note","conversation_id":"c-1","text":"VIP customer"}
{"type":"hand_back","conversation_id":"c-1"}
{"type":"close","conversation_id":"c-1","resolution":"refunded"}
EOF
# Small seeds run faster: the demo intent files with 3 examples an intent, and
# "name<TAB>example" for those examples.
shorten() {
  awk '/^  - / || /^    [a-z_]+:/ { inside = /^    examples:/; kept = 0 }
       inside && /^      - / && ++kept > 3 { next }
       { print }' "$1"
}
examples() {
  shorten "$1" | awk '/^  - name: / { name = $3 }
       /^  - / || /^    [a-z_]+:/ { inside = /^    examples:/; next }
       inside && /^      - / { sub(/^      - /, ""); print name "\t" $0 }'
}
for file in intents/*/*.yml; do
  name=$(echo "${file#intents/}" | tr / -)
  shorten "$file" | seed intent_yaml "$name"
  examples "$file" | awk -F'\t' '
    $1 != last { print "- intent: " $1; print "  examples: |"; last = $1 }
    { print "    - " $2 }' | seed intent_rasa "$name"
  examples "$file" | awk -F'\t' '{
    gsub(/\\/, "\\\\", $2); gsub(/"/, "\\\"", $2)
    print "{\"text\": \"" $2 "\", \"intent\": \"" $1 "\"}" }' | seed intent_jsonl "${name%.yml}.jsonl"
done
seed intent_rasa entities <<'EOF'
- intent: order_status
  examples: |
    - where is order [BW-123456](order_id)
    - is [my parcel]{"entity": "item", "role": "thing"} shipped to [Lyon](city)?
- synonym: parcel
  examples: |
    - package
- regex: order_id
  examples: |
    - BW-\d{6}
EOF
for file in knowledge/*/*.md; do
  seed article_markdown "$(echo "${file#knowledge/}" | tr / -)" <"$file"
done

fuzz build
failed=0
report=""
stamp=$(mktemp)
log=$(mktemp)
trap 'rm -f "$stamp" "$log"' EXIT
for target in $targets; do
  touch "$stamp"
  status=0
  # -timeout: an input that takes 10 s is a finding too; -rss_limit_mb: so is 2 GB.
  fuzz run "$target" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 2>&1 | tee "$log" >&2 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found=$(find "fuzz/artifacts/$target" -type f -newer "$stamp" 2>/dev/null || true)
  if [ "$status" -ne 0 ] || [ -n "$found" ]; then
    failed=1
    report+="$target: ${runs:-?} executions, CRASH (exit $status): ${found:-see the log above}"$'\n'
  else
    report+="$target: ${runs:-?} executions, 0 crashes"$'\n'
  fi
done
printf '\n%s' "$report"
exit "$failed"

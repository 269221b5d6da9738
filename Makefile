# zhiku: two commands on a fresh machine.
#   make run   - install what is missing, build, load the demo data, serve on 127.0.0.1:8080
#   make test  - the whole test suite (what CI runs)
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/zhiku-target
export ZHIKU_CACHE ?= $(HOME)/.cache/zhiku
CARGO ?= cargo

.PHONY: setup build run test eval bench lint

setup:
	bash scripts/setup.sh

build: setup
	$(CARGO) build --bin zhiku

run: build
	$(CARGO) run --bin zhiku -- serve

test: setup
	$(CARGO) test --all-targets

eval: build
	$(CARGO) run --bin zhiku -- eval --qa ../shared/eval/qa_dev.jsonl --intents ../shared/eval/intent_dev.tsv --validation ../shared/eval/validation_dev.jsonl --json

bench: setup
	$(CARGO) bench --profile dev --bench stages --bench imports --bench security

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

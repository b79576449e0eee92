# workflow-telemetry: the README's quick start is `make demo` and `make test`.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
PORT ?= 8080
FUZZ_SECONDS ?= 60

.PHONY: setup build test demo bench fuzz fuzz-campaign soak lint clean

setup:
	@bash scripts/setup.sh

build: setup
	@bash scripts/build.sh

test: setup
	@bash scripts/test.sh

demo: setup build
	@echo "Serving www/ on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	@node scripts/serve.mjs --dir www --port $(PORT)

bench: setup build
	@node bench/run.mjs

fuzz: setup
	@bash scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-campaign: setup
	@bash scripts/fuzz-campaign.sh

soak: setup build
	@bash scripts/soak.sh

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings

clean:
	cargo clean
	rm -rf pkg/dist pkg/viewer www/pkg test-results fuzz/target

# Portico: `make run` starts the console and gateway on a demo data set; `make test` runs every test.
# Both install whatever this machine is missing first (see .ci/tools.sh).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/end2end/node_modules/.bin:$(PATH)

TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
# cargo-leptos writes the site (WASM, JS, CSS, public files) under the target folder.
export LEPTOS_SITE_ROOT := $(TARGET_DIR)/site
ADDR ?= 127.0.0.1:3000
DATABASE_URL ?= sqlite://data/portico.db

.PHONY: run test build build-release rust-test e2e contract bench soak fuzz tools tools-test fmt clean

run: tools build-release
	$(TARGET_DIR)/release/portico serve --demo --addr $(ADDR) --database-url $(DATABASE_URL)

test: tools-test rust-test build e2e contract
	@grep -h '^suite ' $(TARGET_DIR)/rust-test.log $(TARGET_DIR)/contract.log || true

tools:
	@bash .ci/tools.sh run

tools-test:
	@bash .ci/tools.sh test

# The reliability suites print one `suite ...:` line each; --show-output keeps them, and `make test` repeats them.
# Every test runs on SQLite; then again on PostgreSQL, where the storage suites (the domain's and the server's: REST, permissions, console,
# concurrency, crash safety) run again on PostgreSQL, beside a throw-away cluster of their own (.ci/postgres.sh).
rust-test:
	@mkdir -p $(TARGET_DIR)
	.ci/postgres.sh .ci/rust-test.sh 2>&1 | tee $(TARGET_DIR)/rust-test.log

# A debug build of the site for the browser suite; it shares compiled dependencies with `cargo test`.
build:
	cargo leptos build --split

build-release:
	cargo leptos build --release --split --precompress

e2e:
	end2end/run-suite.sh $(TARGET_DIR)/debug/portico $(LEPTOS_SITE_ROOT)

# Schemathesis against the OpenAPI document, with a fixed seed so CI is repeatable.
contract:
	@mkdir -p $(TARGET_DIR)
	CONTRACT_SEED=1 .ci/contract.sh $(TARGET_DIR)/debug/portico | tee $(TARGET_DIR)/contract.log

# The long suites: 5 minutes of 64 clients, 100 kill -9 rounds, wrk for 60 s on the REST API and the gateway,
# and a longer Schemathesis run with a random seed.
soak: tools build-release
	PORTICO_CONCURRENCY_SECONDS=300 PORTICO_CRASH_ROUNDS=100 cargo test -p server --test concurrency --test crash_safety -- --nocapture
	.ci/load.sh $(TARGET_DIR)/release/portico
	CONTRACT_EXAMPLES=200 .ci/contract.sh $(TARGET_DIR)/release/portico

# Each fuzz target for FUZZ_SECONDS (default 60) on nightly; a crash leaves its input in fuzz/artifacts/.
FUZZ_SECONDS ?= 60
fuzz:
	@bash .ci/tools.sh fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) .ci/fuzz.sh

bench: tools
	@bash .ci/bench.sh

fmt:
	cargo fmt --all

clean:
	cargo clean

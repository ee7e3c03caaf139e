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

.PHONY: run test build build-release rust-test e2e bench tools tools-test fmt clean

run: tools build-release
	$(TARGET_DIR)/release/portico serve --demo --addr $(ADDR) --database-url $(DATABASE_URL)

test: tools-test rust-test build e2e

tools:
	@bash .ci/tools.sh run

tools-test:
	@bash .ci/tools.sh test

rust-test:
	cargo test --workspace --exclude frontend

# A debug build of the site for the browser suite; it shares compiled dependencies with `cargo test`.
build:
	cargo leptos build --split

build-release:
	cargo leptos build --release --split

e2e:
	end2end/run-suite.sh $(TARGET_DIR)/debug/portico $(LEPTOS_SITE_ROOT)

bench: tools
	@bash .ci/bench.sh

fmt:
	cargo fmt --all

clean:
	cargo clean

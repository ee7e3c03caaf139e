#!/usr/bin/env bash
# Every Rust test on SQLite, then the suites that touch storage on PostgreSQL (PORTICO_TEST_BACKEND=postgres):
# one parametrised set of tests, run once per backend. Runs under .ci/postgres.sh, which names the cluster.
set -euo pipefail
[ -n "${PORTICO_TEST_POSTGRES_URL:-}" ] || { echo "rust-test.sh: run me under .ci/postgres.sh" >&2; exit 1; }
cargo test --workspace --exclude frontend -- --show-output
# The same invocation as above (so nothing is rebuilt); the suites that do not touch storage run again, briefly.
PORTICO_TEST_BACKEND=postgres cargo test --workspace --exclude frontend -- --show-output

#!/usr/bin/env bash
# `make fuzz`: each cargo-fuzz target for FUZZ_SECONDS (60), starting from the committed seeds plus whatever
# corpus earlier runs grew (fuzz/corpus, not committed). Prints one line per target; a crash fails the run and
# leaves its input in fuzz/artifacts/TARGET/ to be committed as a regression test.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-60}"
status=0
for target in export_json zip_reader metadata; do
  mkdir -p "corpus/$target"
  cp -n "seeds/$target/"* "corpus/$target/" 2>/dev/null || true
  log=$(mktemp)
  if cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=1024 >"$log" 2>&1; then
    crashes=0
  else
    crashes=1
    status=1
    tail -n 40 "$log" >&2
  fi
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 executions in \2 s/p' "$log" | tail -1)
  echo "suite fuzz/$target: ${runs:-no run count}, $crashes crashes, corpus $(ls "corpus/$target" | wc -l) inputs"
  rm -f "$log"
done
exit $status

#!/usr/bin/env bash
# Runs every built libFuzzer target for SECONDS each, starting from the
# committed seed corpus tests/fuzz/corpus/<target>/ (never modified: new
# inputs go to a scratch directory).  Fails on any crash, leak or timeout.
set -uo pipefail
B=${1:?usage: run.sh BUILD_DIR SECONDS}; T=${2:-60}
pass=0; fail=0
for bin in "$B"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); short=${name#fuzz_}
  seeds=tests/fuzz/corpus/$short
  work=$(mktemp -d)
  echo "== $name for ${T}s (seeds: $seeds)"
  if "$bin" -max_total_time="$T" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$B/$name-" "$work" "$seeds" >"$B/$name.log" 2>&1; then
    pass=$((pass+1)); grep -E '^(stat::number_of_executed_units|Done)' "$B/$name.log" | tail -1
  else
    fail=$((fail+1)); echo "FAILED: $name (see $B/$name.log)"; tail -40 "$B/$name.log"
  fi
  rm -rf "$work"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# make demo: compile the example schemas with alrc and show what the blobs hold,
# printed back as canonical .alr text through the runtime's blob reader.
set -euo pipefail
B=${1:-build}
out=$B/demo; mkdir -p "$out"
for f in examples/greeter/greeter.alr examples/cityguide/cityguide.alr; do
  stem=$(basename "$f" .alr)
  echo "== alrc --emit=schema -o $out $f"
  "$B/bin/alrc" --emit=schema -o "$out" "$f"
  echo "   -> $out/$stem.alrs ($(stat -c %s "$out/$stem.alrs") bytes)"
  echo "== alrc --dump $out/$stem.alrs"
  "$B/bin/alrc" --dump "$out/$stem.alrs"
  echo
done

#!/usr/bin/env bash
# Golden tests for alrc, run from the repository root:
#  - errors:   tests/errors/NAME.alr (or NAME/main.alr with its imports) must fail
#              with exit 1 and print exactly tests/errors/NAME.expect on stderr;
#  - dumps:    every schema under tests/schemas/ and examples/ compiles, and
#              `alrc --dump` of its blob equals tests/golden/<path>.dump;
#  - fixpoint: the dump compiles back to the identical blob;
#  - determinism: compiling twice gives the same bytes; an unchanged output
#              is not rewritten (its mtime stays).
# UPDATE=1 rewrites the expectations instead of comparing.
set -u
ALRC=${1:?usage: golden.sh path/to/alrc}
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAILED: $*" >&2; }

# ---- error cases
for f in tests/errors/*.alr tests/errors/*/main.alr; do
  [ -e "$f" ] || continue
  case "$f" in */main.alr) name=${f%/main.alr} ;; *) name=${f%.alr} ;; esac
  exp="$name.expect"
  "$ALRC" -o "$tmp" "$f" >/dev/null 2>"$tmp/stderr"; rc=$?
  if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/stderr" "$exp"; fi
  if [ $rc -ne 1 ]; then bad "$f: exit $rc, want 1"; sed 's/^/    /' "$tmp/stderr" >&2; continue; fi
  if [ ! -f "$exp" ]; then bad "$f: missing $exp"; continue; fi
  if diff -u "$exp" "$tmp/stderr" >"$tmp/diff"; then ok; else bad "$f: diagnostics differ"; cat "$tmp/diff" >&2; fi
done

# ---- schemas: dump goldens, fixpoint, determinism
schemas=$(ls tests/schemas/*.alr 2>/dev/null; find examples -name '*.alr' 2>/dev/null | sort)
for f in $schemas; do
  stem=$(basename "$f" .alr)
  out="$tmp/out/$(dirname "$f")"; mkdir -p "$out"
  if ! "$ALRC" -o "$out" "$f" 2>"$tmp/stderr"; then bad "$f: does not compile"; cat "$tmp/stderr" >&2; continue; fi
  ok
  blob="$out/$stem.alrs"
  golden="tests/golden/${f%.alr}.dump"
  if ! "$ALRC" --dump "$blob" >"$tmp/dump.alr" 2>"$tmp/stderr"; then bad "$f: --dump failed"; cat "$tmp/stderr" >&2; continue; fi
  if [ "${UPDATE:-}" = 1 ]; then mkdir -p "$(dirname "$golden")"; cp "$tmp/dump.alr" "$golden"; fi
  if [ -f "$golden" ] && diff -u "$golden" "$tmp/dump.alr" >"$tmp/diff"; then ok; else bad "$f: dump differs from $golden"; head -40 "$tmp/diff" >&2; fi
  # fixpoint: the dump compiles to the identical blob
  mkdir -p "$tmp/fix"; cp "$tmp/dump.alr" "$tmp/fix/$stem.alr"
  if "$ALRC" -o "$tmp/fix" "$tmp/fix/$stem.alr" 2>"$tmp/stderr" && cmp -s "$blob" "$tmp/fix/$stem.alrs"; then ok
  else bad "$f: dump does not compile back to the identical blob"; cat "$tmp/stderr" >&2; fi
  # determinism and write-only-when-changed
  before=$(stat -c %Y.%N "$blob" 2>/dev/null; stat -c %i "$blob")
  touch -d '2000-01-01' "$blob"
  "$ALRC" -o "$out" "$f" 2>/dev/null
  if [ "$(stat -c %Y "$blob")" = "$(date -d '2000-01-01' +%s)" ]; then ok; else bad "$f: unchanged blob was rewritten (or output differs between runs)"; fi
  : "$before"
done

# ---- depfile: lists the root and every import, with a phony target per import
"$ALRC" -MD -o "$tmp" examples/cityguide/cityguide.alr 2>/dev/null
want="$tmp/cityguide.alrs: \\
  examples/cityguide/cityguide.alr \\
  examples/cityguide/common.alr

examples/cityguide/common.alr:"
if [ "$(cat "$tmp/cityguide.alrs.d" 2>/dev/null)" = "$want" ]; then ok; else bad "depfile differs"; cat "$tmp/cityguide.alrs.d" >&2; fi
# ---- exit codes: usage 2, I/O 2, diagnostics 1, bad blob 1
"$ALRC" --bogus 2>/dev/null; [ $? -eq 2 ] && ok || bad "unknown option must exit 2"
"$ALRC" "$tmp/none.alr" 2>/dev/null; [ $? -eq 2 ] && ok || bad "unreadable input must exit 2"
"$ALRC" --dump examples/greeter/greeter.alr >/dev/null 2>&1; [ $? -eq 1 ] && ok || bad "--dump of a non-blob must exit 1"
"$ALRC" --help | grep -q '^usage: alrc' && ok || bad "--help"
# -o DIR is created like mkdir -p; a file in the way is a usage/I-O error
"$ALRC" -o "$tmp/made/by/alrc" examples/greeter/greeter.alr 2>/dev/null && [ -f "$tmp/made/by/alrc/greeter.alrs" ] && ok || bad "-o DIR must be created"
touch "$tmp/afile"
"$ALRC" -o "$tmp/afile/sub" examples/greeter/greeter.alr 2>"$tmp/stderr"; rc=$?
[ $rc -eq 2 ] && grep -q "cannot create directory" "$tmp/stderr" && ok || bad "-o through a file must exit 2"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

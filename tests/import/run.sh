#!/usr/bin/env bash
# The C-header front end's tests, run from anywhere as
#   bash tests/import/run.sh path/to/alrc
#  - equiv:  every tests/import/equiv/NAME.h and NAME.alr give byte-identical
#            blobs and identical `alrc --dump` output; the header also compiles
#            cleanly as plain C (gcc and clang, -Wall -Wextra -Wpedantic -Werror);
#  - errors: every tests/import/errors/NAME.h fails with exit 1 and prints
#            exactly NAME.expect on stderr (NAME.args: extra alrc arguments);
#  - cli:    -D, `--`, --compile-commands, depfiles, exit codes.
# An alrc built without libclang must refuse a header with the documented
# message; then the header tests are skipped, and said to be.
# UPDATE=1 rewrites the .expect files instead of comparing.
# Ends with the line "N passed, N failed[, N skipped]".
set -u
ALRC=${1:?usage: run.sh path/to/alrc}
case "$ALRC" in /*) ;; *) ALRC="$PWD/$ALRC" ;; esac
cd "$(dirname "$0")/../.." || exit 2
pass=0; fail=0; skip=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAILED: $*" >&2; }
INC=(-I runtime/include)

# ---- an alrc without libclang: the message, then skip with a reason
"$ALRC" "${INC[@]}" -o "$tmp" tests/import/equiv/common.h >/dev/null 2>"$tmp/probe"; rc=$?
if grep -q 'C-header input needs libclang' "$tmp/probe"; then
  want="alrc: error: tests/import/equiv/common.h: C-header input needs libclang; install the Debian package libclang-14-dev and rebuild"
  if [ "$(cat "$tmp/probe")" = "$want" ] && [ $rc -eq 2 ]; then ok; else bad "no-libclang message or exit code ($rc)"; cat "$tmp/probe" >&2; fi
  "$ALRC" -o "$tmp" tests/import/equiv/common.alr 2>/dev/null && ok || bad "an alrc without libclang must still compile .alr"
  n=$(ls tests/import/equiv/*.h tests/import/errors/*.h 2>/dev/null | wc -l)
  skip=$n
  echo "SKIPPED: $n C-header tests: this alrc was built without libclang (install the Debian package libclang-14-dev and rebuild)"
  echo "$pass passed, $fail failed, $skip skipped"
  [ $fail -eq 0 ]; exit
fi

# ---- equivalence: NAME.alr and NAME.h
for alr in tests/import/equiv/*.alr; do
  name=${alr%.alr}; h=$name.h; stem=$(basename "$name")
  [ -f "$h" ] || { bad "$alr: no $h"; continue; }
  mkdir -p "$tmp/a" "$tmp/h"
  if ! "$ALRC" -o "$tmp/a" "$alr" 2>"$tmp/err"; then bad "$alr: does not compile"; cat "$tmp/err" >&2; continue; fi
  if ! "$ALRC" "${INC[@]}" -o "$tmp/h" "$h" 2>"$tmp/err"; then bad "$h: does not compile"; cat "$tmp/err" >&2; continue; fi
  if cmp -s "$tmp/a/$stem.alrs" "$tmp/h/$stem.alrs"; then ok; else bad "$h: blob differs from $alr's"; fi
  "$ALRC" --dump "$tmp/a/$stem.alrs" >"$tmp/a.dump" 2>&1
  "$ALRC" --dump "$tmp/h/$stem.alrs" >"$tmp/h.dump" 2>&1
  if diff -u "$tmp/a.dump" "$tmp/h.dump" >"$tmp/diff"; then ok; else bad "$h: dump differs from $alr's"; head -40 "$tmp/diff" >&2; fi
  # the annotated header is still plain C for every compiler
  for cc in gcc clang; do
    command -v $cc >/dev/null || continue
    if $cc -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only "${INC[@]}" -x c "$h" 2>"$tmp/err"; then ok
    else bad "$h: not clean C for $cc"; cat "$tmp/err" >&2; fi
  done
  # and clang accepts every annotation where alrc puts it
  if ! command -v clang >/dev/null; then :
  elif clang -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -DALR_IMPORT "${INC[@]}" -x c "$h" 2>"$tmp/err"; then ok
  else bad "$h: annotations rejected by clang"; cat "$tmp/err" >&2; fi
done

# ---- golden errors
for h in tests/import/errors/*.h; do
  [ -e "$h" ] || continue
  name=${h%.h}; exp=$name.expect
  args=(); [ -f "$name.args" ] && read -r -a args <"$name.args"
  "$ALRC" "${INC[@]}" -o "$tmp" "$h" "${args[@]}" >/dev/null 2>"$tmp/stderr"; rc=$?
  if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/stderr" "$exp"; fi
  if [ $rc -ne 1 ]; then bad "$h: exit $rc, want 1"; sed 's/^/    /' "$tmp/stderr" >&2; continue; fi
  if [ ! -f "$exp" ]; then bad "$h: missing $exp"; continue; fi
  if diff -u "$exp" "$tmp/stderr" >"$tmp/diff"; then ok; else bad "$h: diagnostics differ"; cat "$tmp/diff" >&2; fi
done

# ---- command line
cli=tests/import/cli
# -D and flags after -- reach clang
"$ALRC" "${INC[@]}" -o "$tmp" -DWITH_EXTRA $cli/defines.h -- -DEXTRA_TYPE=uint16_t 2>"$tmp/err" &&
  "$ALRC" --dump "$tmp/defines.alrs" | grep -q 'u16 extra;' && ok || { bad "-D / -- flags"; cat "$tmp/err" >&2; }
"$ALRC" "${INC[@]}" -o "$tmp" -D WITH_EXTRA $cli/defines.h 2>"$tmp/err"; [ $? -eq 1 ] && ok || bad "-D NAME form, missing -- flag must fail"
# ALR_IMPORT is defined for the header
"$ALRC" "${INC[@]}" -o "$tmp" $cli/defines.h -- -DEXTRA_TYPE=int 2>/dev/null &&
  ! "$ALRC" --dump "$tmp/defines.alrs" | grep -q 'extra' && ok || bad "without -DWITH_EXTRA the field is absent"
# --compile-commands: flags of a source file in the header's directory
cat >"$tmp/compile_commands.json" <<EOF
[ { "directory": "$PWD", "file": "$cli/defines.c",
    "arguments": ["cc", "-c", "-Iruntime/include", "-DWITH_EXTRA", "-DEXTRA_TYPE=int64_t", "-o", "x.o", "$cli/defines.c"] } ]
EOF
"$ALRC" --compile-commands "$tmp" -o "$tmp" $cli/defines.h 2>"$tmp/err" &&
  "$ALRC" --dump "$tmp/defines.alrs" | grep -q 'i64 extra;' && ok || { bad "--compile-commands"; cat "$tmp/err" >&2; }
"$ALRC" --compile-commands "$tmp/none" -o "$tmp" $cli/defines.h 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "cannot load '$tmp/none/compile_commands.json'" "$tmp/err" && ok || bad "--compile-commands without a database (exit $rc)"
# depfile: the header and every non-system header it includes
"$ALRC" "${INC[@]}" -MD -o "$tmp" tests/import/equiv/cityguide.h 2>/dev/null
want="$tmp/cityguide.alrs: \\
  tests/import/equiv/cityguide.h \\
  runtime/include/alr/annotate.h \\
  tests/import/equiv/common.h"
if [ "$(head -4 "$tmp/cityguide.alrs.d" 2>/dev/null)" = "$want" ]; then ok; else bad "header depfile"; cat "$tmp/cityguide.alrs.d" >&2; fi
# exit codes: unreadable header 2; a header is not a blob
"$ALRC" "$tmp/none.h" 2>/dev/null; [ $? -eq 2 ] && ok || bad "unreadable header must exit 2"
# determinism: the same header twice gives the same bytes
mkdir -p "$tmp/d1" "$tmp/d2"
"$ALRC" "${INC[@]}" -o "$tmp/d1" tests/import/equiv/cityguide.h 2>/dev/null
"$ALRC" "${INC[@]}" -o "$tmp/d2" tests/import/equiv/cityguide.h 2>/dev/null
cmp -s "$tmp/d1/cityguide.alrs" "$tmp/d2/cityguide.alrs" && ok || bad "two runs differ"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

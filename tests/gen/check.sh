#!/usr/bin/env bash
# The C generator end to end (alrc --emit=c), run from the repository root:
#   bash tests/gen/check.sh build/bin/alrc build/lib/libalr.a
#  - goldens: every schema under tests/schemas/, examples/ and tests/gen/schemas/
#    generates X_gen.h and X_gen.c equal to tests/golden/gen/<path>/X_gen.{h,c};
#    a second run rewrites neither (their mtimes stay);
#  - strictness: each generated .c compiles with gcc and clang as -std=c11 and
#    with g++ and clang++ as -x c++ -std=c++17, -Wall -Wextra -Wpedantic -Werror;
#  - layout: tests/gen/layout_check.c, linked with each generated .c (compiled as
#    C, and as C++), compares every descriptor with alr_layout_build();
#  - glue: tests/gen/stub_check.c runs the cityguide and gentest stubs, thunks and
#    capability queries through the real codec over tests/gen/fake_rpc.c, and
#    includes both headers (they share the imported package common);
#    tests/gen/e2e_check.c runs greeter and cityguide over the real runtime;
#  - errors: tests/gen/errors/NAME.alr fails with exit 1 and NAME.expect on stderr;
#  - driver: --emit lists, the depfile's targets.
# layout_check and stub_check reach the rpc.h functions through fake_rpc.c
# (FAKE_RENAME renames them at compile time), so they test the generated glue
# whatever the state of the real runtime; e2e_check links the real one.
# UPDATE=1 rewrites the goldens and .expect files instead of comparing.
# Prints "N passed, N failed"; exits 1 on any failure.
set -u
ALRC=$(realpath "${1:?usage: check.sh path/to/alrc path/to/libalr.a}")
LIBALR=$(realpath "${2:?usage: check.sh path/to/alrc path/to/libalr.a}")
cd "$(dirname "$0")/../.." || exit 2
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAILED: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

CFLAGS_STRICT="-std=c11 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
CXXFLAGS_STRICT="-x c++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -Wshadow"
FAKE_RENAME=""
for f in alr_call_sync alr_last_app_code alr_last_error_text alr_server_serve alr_endpoint_serve \
         alr_endpoint_current alr_endpoint_plan alr_endpoint_push alr_endpoint_pop alr_call_user \
         alr_call_arena alr_call_set_error alr_call_set_app_error alr_call_oneway alr_call_async \
         alr_async_wait alr_async_error alr_async_state_of alr_async_value alr_async_method \
         alr_async_release; do
  FAKE_RENAME="$FAKE_RENAME -D$f=fake_$f"
done
TESTINC="-Iruntime/include -Iruntime -Itests -Itests/gen"
LIBS="$LIBALR -lpthread -lm"
# sanitizers for the test programs when the compiler has them
SAN=""
if echo 'int main(void){return 0;}' | gcc -x c -fsanitize=address,undefined -o "$tmp/san" - 2>/dev/null \
   && "$tmp/san"; then SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"; fi

# Runs a test program; its own last line is "N passed, N failed".
run_prog() {
  local what=$1; shift
  if "$@" >"$tmp/prog.out" 2>&1; then ok; else bad "$what"; cat "$tmp/prog.out" >&2; fi
  echo "  $what: $(tail -1 "$tmp/prog.out")"
}

# ---- goldens, write-only-when-changed, strict compiles, layout agreement
schemas=$(ls tests/schemas/*.alr 2>/dev/null; find examples -name '*.alr' | sort; ls tests/gen/schemas/*.alr)
for f in $schemas; do
  stem=$(basename "$f" .alr)
  out="$tmp/gen/$(dirname "$f")"; mkdir -p "$out"
  if ! "$ALRC" --emit=c -o "$out" "$f" 2>"$tmp/stderr"; then bad "$f: alrc --emit=c failed"; cat "$tmp/stderr" >&2; continue; fi
  ok
  for ext in h c; do
    gen="$out/${stem}_gen.$ext"
    golden="tests/golden/gen/$(dirname "$f")/${stem}_gen.$ext"
    if [ "${UPDATE:-}" = 1 ]; then mkdir -p "$(dirname "$golden")"; cp "$gen" "$golden"; fi
    if [ -f "$golden" ] && diff -u "$golden" "$gen" >"$tmp/diff"; then ok
    else bad "$gen differs from $golden"; head -40 "$tmp/diff" >&2; fi
  done
  # unchanged outputs are not rewritten
  touch -d '2000-01-01' "$out/$stem.alrs" "$out/${stem}_gen.h" "$out/${stem}_gen.c"
  "$ALRC" --emit=schema,c -o "$out" "$f" 2>/dev/null
  old=$(date -d '2000-01-01' +%s)
  if [ "$(stat -c %Y "$out/${stem}_gen.h")" = "$old" ] && [ "$(stat -c %Y "$out/${stem}_gen.c")" = "$old" ] \
     && [ "$(stat -c %Y "$out/$stem.alrs")" = "$old" ]; then ok
  else bad "$f: unchanged outputs were rewritten"; fi
  # strict compiles: C11 and C++17, gcc and clang
  for cc in gcc clang; do
    if ! have $cc; then echo "  (skipped: $cc not installed)"; continue; fi
    if $cc $CFLAGS_STRICT -Iruntime/include -I"$out" -c -o /dev/null "$out/${stem}_gen.c" 2>"$tmp/stderr"; then ok
    else bad "$f: $cc -std=c11"; head -20 "$tmp/stderr" >&2; fi
  done
  for cxx in g++ clang++; do
    if ! have $cxx; then echo "  (skipped: $cxx not installed)"; continue; fi
    if $cxx $CXXFLAGS_STRICT -Iruntime/include -I"$out" -c -o /dev/null "$out/${stem}_gen.c" 2>"$tmp/stderr"; then ok
    else bad "$f: $cxx -std=c++17"; head -20 "$tmp/stderr" >&2; fi
  done
  # layout agreement, with the generated code compiled as C and as C++
  pkg=$(sed -n 's/^extern const alr_iface \(.*\)_iface;$/\1/p' "$out/${stem}_gen.h")
  lc="$tmp/lc_$stem"
  if gcc $CFLAGS_STRICT $SAN $FAKE_RENAME $TESTINC -I"$out" -DGEN_HEADER="\"${stem}_gen.h\"" -DGEN_PKG="$pkg" \
       -o "$lc" tests/gen/layout_check.c tests/gen/fake_rpc.c "$out/${stem}_gen.c" $LIBS 2>"$tmp/stderr"; then
    run_prog "layout $f" "$lc"
  else bad "$f: cannot build layout_check"; head -20 "$tmp/stderr" >&2; fi
  if have g++; then
    if g++ $CXXFLAGS_STRICT $SAN $FAKE_RENAME -Iruntime/include -I"$out" -c -o "$tmp/gen_cxx.o" "$out/${stem}_gen.c" 2>"$tmp/stderr" \
       && gcc $CFLAGS_STRICT $SAN $FAKE_RENAME $TESTINC -I"$out" -DGEN_HEADER="\"${stem}_gen.h\"" -DGEN_PKG="$pkg" \
            -c -o "$tmp/lc.o" tests/gen/layout_check.c 2>>"$tmp/stderr" \
       && gcc $CFLAGS_STRICT $SAN $FAKE_RENAME $TESTINC -c -o "$tmp/fake.o" tests/gen/fake_rpc.c 2>>"$tmp/stderr" \
       && g++ $SAN -o "$lc.cxx" "$tmp/lc.o" "$tmp/fake.o" "$tmp/gen_cxx.o" $LIBS 2>>"$tmp/stderr"; then
      run_prog "layout $f (generated code as C++)" "$lc.cxx"
    else bad "$f: cannot build layout_check with the generated code as C++"; head -20 "$tmp/stderr" >&2; fi
  fi
done

# ---- glue: stubs, thunks, caps, defaults through a plan; headers that share a package
g="$tmp/gen"
if "$ALRC" -o "$tmp" tests/gen/peer/cityguide.alr 2>"$tmp/stderr"; then ok; else bad "peer schema"; cat "$tmp/stderr" >&2; fi
if gcc $CFLAGS_STRICT $SAN $FAKE_RENAME $TESTINC -I"$g/examples/cityguide" -I"$g/tests/gen/schemas" -o "$tmp/stub_check" \
     tests/gen/stub_check.c tests/gen/fake_rpc.c "$g/examples/cityguide/cityguide_gen.c" \
     "$g/tests/gen/schemas/gentest_gen.c" $LIBS 2>"$tmp/stderr"; then
  run_prog "stub_check" "$tmp/stub_check" "$tmp/cityguide.alrs"
else bad "cannot build stub_check"; head -30 "$tmp/stderr" >&2; fi
# the same generated code over the real runtime (TCP on 127.0.0.1)
if gcc $CFLAGS_STRICT -D_POSIX_C_SOURCE=200809L $SAN -Iruntime/include -Itests -I"$g/examples/cityguide" \
     -I"$g/examples/greeter" -o "$tmp/e2e_check" tests/gen/e2e_check.c "$g/examples/cityguide/cityguide_gen.c" \
     "$g/examples/greeter/greeter_gen.c" $LIBS 2>"$tmp/stderr"; then
  run_prog "e2e_check (real runtime)" timeout 120 "$tmp/e2e_check"
else bad "cannot build e2e_check"; head -30 "$tmp/stderr" >&2; fi
printf '#include "cityguide_gen.h"\n#include "gentest_gen.h"\n#include "cityguide_gen.h"\nint combo(const common_Area *a);\nint combo(const common_Area *a) { return a->north_west.latitude > 0; }\n' >"$tmp/combo.c"
for cc in gcc clang g++ clang++; do
  have $cc || continue
  case $cc in *++) flags=$CXXFLAGS_STRICT ;; *) flags=$CFLAGS_STRICT ;; esac
  if $cc $flags -Iruntime/include -I"$g/examples/cityguide" -I"$g/tests/gen/schemas" -c -o /dev/null "$tmp/combo.c" 2>"$tmp/stderr"; then ok
  else bad "two headers sharing package common ($cc)"; head -20 "$tmp/stderr" >&2; fi
done

# ---- generator errors
for f in tests/gen/errors/*.alr; do
  [ -e "$f" ] || continue
  exp="${f%.alr}.expect"
  "$ALRC" --emit=c -o "$tmp" "$f" >/dev/null 2>"$tmp/stderr"; rc=$?
  if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/stderr" "$exp"; fi
  if [ $rc -ne 1 ]; then bad "$f: exit $rc, want 1"; cat "$tmp/stderr" >&2; continue; fi
  if [ -f "$exp" ] && diff -u "$exp" "$tmp/stderr" >"$tmp/diff"; then ok; else bad "$f: message differs"; cat "$tmp/diff" >&2; fi
done

# ---- driver: --emit lists and the depfile
mkdir -p "$tmp/drv"
"$ALRC" --emit=c,schema -MD -o "$tmp/drv" examples/greeter/greeter.alr 2>"$tmp/stderr"
if [ -f "$tmp/drv/greeter.alrs" ] && [ -f "$tmp/drv/greeter_gen.h" ] && [ -f "$tmp/drv/greeter_gen.c" ] \
   && [ "$(head -1 "$tmp/drv/greeter.alrs.d")" = "$tmp/drv/greeter.alrs $tmp/drv/greeter_gen.h $tmp/drv/greeter_gen.c: \\" ]; then ok
else bad "--emit=c,schema -MD: outputs or depfile targets"; cat "$tmp/stderr" "$tmp/drv/greeter.alrs.d" >&2; fi
mkdir -p "$tmp/drv2"
"$ALRC" --emit=schema -o "$tmp/drv2" examples/greeter/greeter.alr 2>/dev/null
if [ -f "$tmp/drv2/greeter.alrs" ] && [ ! -e "$tmp/drv2/greeter_gen.h" ]; then ok; else bad "--emit=schema wrote C"; fi
"$ALRC" --emit=c,java -o "$tmp/drv2" examples/greeter/greeter.alr 2>"$tmp/stderr"; rc=$?
if [ $rc -eq 2 ] && grep -q "unknown --emit kind 'java'" "$tmp/stderr"; then ok; else bad "--emit=c,java: exit $rc"; cat "$tmp/stderr" >&2; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

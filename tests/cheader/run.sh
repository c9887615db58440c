#!/usr/bin/env bash
# run.sh - "your header is the interface", end to end (examples/cheader):
# libgeo's own functions called from one process and run in another.
#
#  - alrc --emit=c geo.h: deterministic, the adapter (geo_adapt.h,
#    geo_client.c, geo_server.c) compiles with gcc and clang as strict C11
#    (-Wall -Wextra -Wpedantic -Werror ...), and so does the adapter of every
#    tests/import/equiv header;
#  - the _Static_asserts stop a build that lays geo.h out differently from
#    how alrc read it (-fshort-enums, -fpack-struct), saying to rerun alrc;
#  - a header name that equals a generated one is an alrc error;
#  - cheader_server (the real geo.c + geo_server.c) and cheader_client
#    (client.c + geo_client.c, no geo.c): every function's result, line by
#    line, equals tests/cheader/expect.txt, as does cheader_local (the same
#    client.c linked with geo.c, in process);
#  - what only remote calls have (expect_remote.txt): application errors,
#    failures of the call through prototypes without an error channel (the
#    last error, the hook), functions not carried yet, the result arena;
#  - no current endpoint (expect_no_endpoint.txt); four threads at once; a
#    server that stops under a connected client (expect_after_stop.txt);
#  - the server exits 0 on SIGTERM (under SAN=1 with LeakSanitizer's verdict).
# With an alrc built without libclang it says so and skips.  Ends with
# "N passed, N failed"; exit status 1 on any failure.
#
#   bash tests/cheader/run.sh ALRC BINDIR     (BINDIR: build/examples/bin)
set -u
ALRC=${1:?usage: run.sh ALRC BINDIR}
D=${2:-build/examples/bin}
case "$ALRC" in /*) ;; *) ALRC="$PWD/$ALRC" ;; esac
case "$D" in /*) ;; *) D="$PWD/$D" ;; esac
cd "$(dirname "$0")/../.." || exit 2
T=tests/cheader
pass=0
fail=0
TMP=$(mktemp -d)
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAILED: $*"; }
indent() { sed 's/^/    /' "$@"; }
INC=(-I runtime/include)
STRICT=(-std=c11 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes)

# ---- an alrc without libclang cannot read headers: say so and skip
"$ALRC" "${INC[@]}" -o "$TMP" examples/cheader/geo.h >/dev/null 2>"$TMP/probe"
if grep -q 'C-header input needs libclang' "$TMP/probe"; then
    echo "SKIPPED: the C-header example: this alrc was built without libclang" \
         "(install the Debian package libclang-14-dev and rebuild)"
    echo "0 passed, 0 failed"
    exit 0
fi

for p in cheader_server cheader_client cheader_local; do
    if [ ! -x "$D/$p" ]; then
        echo "missing $D/$p (make cheader)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

# compare FILE EXPECT WHAT: one test per expected line
compare() {
    local got=$1 want=$2 what=$3 i=0 g w
    local n
    n=$(wc -l <"$want")
    while IFS= read -r w; do
        i=$((i + 1))
        g=$(sed -n "${i}p" "$got")
        if [ "$g" = "$w" ]; then ok; else bad "$what line $i: got '$g', want '$w'"; fi
    done <"$want"
    if [ "$(wc -l <"$got")" -eq "$n" ]; then ok; else
        bad "$what: $(wc -l <"$got") lines, want $n"
        diff "$want" "$got" | head -20 | indent
    fi
}

# ---- generation
mkdir -p "$TMP/g1" "$TMP/g2"
"$ALRC" "${INC[@]}" --emit=c -o "$TMP/g1" examples/cheader/geo.h -- -std=c11 2>"$TMP/err" &&
    "$ALRC" "${INC[@]}" --emit=c -o "$TMP/g2" examples/cheader/geo.h -- -std=c11 2>>"$TMP/err"
if [ $? -eq 0 ] && [ ! -s "$TMP/err" ]; then ok; else bad "alrc --emit=c geo.h"; indent "$TMP/err"; fi
for f in geo_adapt.h geo_client.c geo_server.c geo_gen.h geo_gen.c; do
    if [ -f "$TMP/g1/$f" ] && cmp -s "$TMP/g1/$f" "$TMP/g2/$f"; then ok; else bad "$f: missing or two runs differ"; fi
    built="$(dirname "$D")/cheader/$f" # what make generated
    if [ ! -f "$built" ] || cmp -s "$TMP/g1/$f" "$built"; then ok; else bad "$f differs from $built"; fi
done
grep -q 'fail with ALR_ENOMETHOD' "$TMP/g1/geo_client.c" &&
    grep -q '^geo_canvas \*geo_canvas_new(uint32_t width, uint32_t height)$' "$TMP/g1/geo_client.c" &&
    grep -q 'geo_canvas_new: a constructor' "$TMP/g1/geo_server.c" && ok ||
    bad "functions not carried must be listed in both sources and defined in the client"

# ---- the generated C is strict C11 for gcc and clang
for cc in gcc clang; do
    command -v $cc >/dev/null || continue
    for f in geo_client.c geo_server.c geo_gen.c; do
        if $cc "${STRICT[@]}" "${INC[@]}" -Iexamples/cheader -I"$TMP/g1" -c -o "$TMP/x.o" "$TMP/g1/$f" 2>"$TMP/err"; then ok
        else bad "$f: not clean C11 for $cc"; indent "$TMP/err" | head -20; fi
    done
    # a build that lays geo.h out differently fails, and says what to do
    for flag in -fshort-enums -fpack-struct; do
        if $cc -std=c11 "$flag" "${INC[@]}" -Iexamples/cheader -I"$TMP/g1" -c -o "$TMP/x.o" "$TMP/g1/geo_server.c" 2>"$TMP/err"; then
            bad "$cc $flag: the layout asserts did not fire"
        elif grep -q 'rerun alrc on geo.h' "$TMP/err"; then ok
        else bad "$cc $flag: no 'rerun alrc' message"; indent "$TMP/err" | head -10; fi
    done
done

# ---- the adapter of every equivalence header compiles (every mode, container, handle)
for h in tests/import/equiv/*.h; do
    n=$(basename "$h" .h)
    mkdir -p "$TMP/eq/$n"
    if ! "$ALRC" "${INC[@]}" -I tests/import/equiv/inc --emit=c -o "$TMP/eq/$n" "$h" 2>"$TMP/err"; then
        bad "alrc --emit=c $h"; indent "$TMP/err"; continue
    fi
    for cc in gcc clang; do
        command -v $cc >/dev/null || continue
        for f in client server; do
            if $cc "${STRICT[@]}" "${INC[@]}" -Itests/import/equiv -Itests/import/equiv/inc -I"$TMP/eq/$n" \
                -c -o "$TMP/x.o" "$TMP/eq/$n/${n}_$f.c" 2>"$TMP/err"; then ok
            else bad "${n}_$f.c: not clean C11 for $cc"; indent "$TMP/err" | head -20; fi
        done
    done
done

# ---- a name of the header that alrc generates too is an error
cat >"$TMP/clash.h" <<'EOF'
#include <stdint.h>
#include <alr/annotate.h>
ALR_PACKAGE("clash");
struct ALR_SERVICE ALR_PREFIX("clash_") Svc;
ALR_STATIC(Svc) uint32_t clash_client_last_error(void);
EOF
"$ALRC" "${INC[@]}" --emit=c -o "$TMP" "$TMP/clash.h" 2>"$TMP/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "C name 'clash_client_last_error' of clash.h is also a function of the adapter" "$TMP/err"; then ok
else bad "name clash: exit $rc"; indent "$TMP/err"; fi

# ---- two processes
# start NAME PROGRAM [ARGS]: a service in the background; waits for "listening on PORT"
start() {
    local name=$1
    shift
    PORT=
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    PID=$!
    PIDS+=("$PID")
    for _ in $(seq 1 200); do
        PORT=$(sed -n 's/.*listening on \([0-9][0-9]*\)$/\1/p' "$TMP/$name.out")
        [ -n "$PORT" ] && return 0
        kill -0 "$PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# stop NAME PID: SIGTERM; the service must exit 0 within 10 s
stop() {
    local name=$1 pid=$2 rc
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        bad "$name did not exit within 10 s of SIGTERM"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return
    fi
    wait "$pid"
    rc=$?
    if [ "$rc" -eq 0 ]; then ok; else bad "$name exit status $rc on SIGTERM"; indent "$TMP/$name.err" | tail -n 30; fi
}

# the library in process: the reference
"$D/cheader_local" >"$TMP/local.out" 2>"$TMP/local.err"
rc=$?
if [ $rc -eq 0 ]; then ok; else bad "cheader_local exit $rc"; indent "$TMP/local.err"; fi
compare "$TMP/local.out" $T/expect.txt "cheader_local"

if ! start server "$D/cheader_server"; then
    bad "cheader_server did not start"
    indent "$TMP/server.err"
    echo "$pass passed, $fail failed"
    exit 1
fi
SPID=$PID
ADDR=127.0.0.1:$PORT

# the same calls through the header's prototypes, on the server
"$D/cheader_client" "$ADDR" >"$TMP/remote.out" 2>"$TMP/remote.err"
rc=$?
if [ $rc -eq 0 ]; then ok; else bad "cheader_client exit $rc"; indent "$TMP/remote.err"; fi
grep -v '^remote:' "$TMP/remote.out" >"$TMP/shared.out"
grep '^remote:' "$TMP/remote.out" >"$TMP/only.out"
compare "$TMP/shared.out" $T/expect.txt "cheader_client"
compare "$TMP/only.out" $T/expect_remote.txt "cheader_client (remote only)"
# the oneway calls ran in the server's process, with the real library
for m in one two three; do
    if grep -qx "geo: $m" "$TMP/server.err"; then ok; else bad "the server did not log '$m'"; fi
done

"$D/cheader_client" --no-endpoint >"$TMP/none.out" 2>"$TMP/none.err"
rc=$?
if [ $rc -eq 0 ]; then ok; else bad "cheader_client --no-endpoint exit $rc"; indent "$TMP/none.err"; fi
compare "$TMP/none.out" $T/expect_no_endpoint.txt "cheader_client --no-endpoint"

"$D/cheader_client" --threads 4 "$ADDR" >"$TMP/threads.out" 2>"$TMP/threads.err"
rc=$?
if [ $rc -eq 0 ] && grep -qx 'threads: 4 x 200 calls, 0 failures' "$TMP/threads.out"; then ok
else bad "cheader_client --threads 4: exit $rc"; indent "$TMP/threads.out" "$TMP/threads.err"; fi

# a connected client whose server goes away
mkfifo "$TMP/go"
"$D/cheader_client" --after-stop "$ADDR" <"$TMP/go" >"$TMP/stop.out" 2>"$TMP/stop.err" &
CPID=$!
PIDS+=("$CPID")
exec 3>"$TMP/go"
for _ in $(seq 1 200); do
    grep -q '^connected' "$TMP/stop.out" && break
    kill -0 "$CPID" 2>/dev/null || break
    sleep 0.05
done
if grep -q '^connected, version 10203$' "$TMP/stop.out"; then ok; else bad "--after-stop did not connect"; indent "$TMP/stop.err"; fi
stop server "$SPID"
echo go >&3
exec 3>&-
wait "$CPID"
rc=$?
if [ $rc -eq 0 ]; then ok; else bad "cheader_client --after-stop exit $rc"; indent "$TMP/stop.err"; fi
tail -n +2 "$TMP/stop.out" >"$TMP/stop2.out"
compare "$TMP/stop2.out" $T/expect_after_stop.txt "cheader_client --after-stop"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

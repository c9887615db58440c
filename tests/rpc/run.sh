#!/usr/bin/env bash
# run.sh - the multi-process RPC tests: rpc_server and rpc_client (built by
# tests/rpc/rpc.mk) as separate processes over loopback: sync calls,
# callbacks, timeouts, 10 threads x 1 s, two clients at once, hostile bytes,
# IPv6, an orderly SIGTERM, and kill -9 of the server in the middle of a call
# (the client must fail with ALR_ECLOSED promptly).  Ends with
# "N passed, N failed"; exit status 1 on any failure.
#
#   bash tests/rpc/run.sh DIR     (DIR holds rpc_server, rpc_client, rpctest.alrs)
set -u
D=${1:-build/tests/rpc}
SRV=$D/rpc_server
CLI=$D/rpc_client
BLOB=$D/rpctest.alrs
pass=0
fail=0
TMP=$(mktemp -d)
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAILED: $*"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

for f in "$SRV" "$CLI" "$BLOB"; do
    if [ ! -e "$f" ]; then
        echo "missing $f (make rpc-build)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

# start_server NAME ADDR: sets SPID and PORT (PORT empty on failure)
start_server() {
    local name=$1 addr=$2
    PORT=
    "$SRV" "$BLOB" "$addr" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    SPID=$!
    PIDS+=("$SPID")
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$TMP/$name.out")
        [ -n "$PORT" ] && return 0
        kill -0 "$SPID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# client_ok NAME: the client run NAME exited 0 and ended with "N passed, 0 failed"
client_ok() {
    local name=$1 rc=$2
    if [ "$rc" -eq 0 ] && tail -n 1 "$TMP/$name.out" | grep -Eq '^[0-9]+ passed, 0 failed$'; then
        ok "$name ($(tail -n 1 "$TMP/$name.out"))"
    else
        bad "$name (exit $rc)"
        sed 's/^/    /' "$TMP/$name.out" | tail -n 20
    fi
}

run_client() { # NAME ADDR SCENARIO [ARGS]
    local name=$1
    shift
    timeout 60 "$CLI" "$BLOB" "$@" >"$TMP/$name.out" 2>&1
    client_ok "$name" $?
}

# ---- one server, IPv4
if start_server s1 127.0.0.1:0; then
    ok "server listens on 127.0.0.1:$PORT"
    A=127.0.0.1:$PORT
    run_client basic "$A" basic
    run_client threads "$A" threads
    grep -h 'threads x' "$TMP/threads.out" | sed 's/^/    /'
    # two clients at once, and a hostile peer while they run
    timeout 60 "$CLI" "$BLOB" "$A" load 2 >"$TMP/load1.out" 2>&1 &
    L1=$!
    timeout 60 "$CLI" "$BLOB" "$A" load 2 >"$TMP/load2.out" 2>&1 &
    L2=$!
    run_client hostile "$A" hostile
    wait $L1
    client_ok load1 $?
    wait $L2
    client_ok load2 $?
    run_client basic-again "$A" basic
    # orderly shutdown on SIGTERM
    kill -TERM "$SPID"
    if timeout 10 tail --pid="$SPID" -f /dev/null; then
        wait "$SPID"
        rc=$?
        if [ $rc -eq 0 ] && grep -Eq '^[0-9]+ passed, 0 failed$' "$TMP/s1.out"; then
            ok "server exits orderly on SIGTERM"
        else
            bad "server exit status $rc on SIGTERM"
            cat "$TMP/s1.err"
        fi
    else
        bad "server did not exit within 10 s of SIGTERM"
    fi
else
    bad "server did not start on 127.0.0.1:0"
    cat "$TMP/s1.err"
fi

# ---- IPv6 loopback
if start_server s6 '[::1]:0'; then
    run_client basic-v6 "[::1]:$PORT" basic
    kill -TERM "$SPID"
    wait "$SPID" 2>/dev/null
else
    echo "skipped: no IPv6 loopback"
fi

# ---- kill -9 of the server in the middle of a call
if start_server s9 127.0.0.1:0; then
    timeout 60 "$CLI" "$BLOB" "127.0.0.1:$PORT" hang >"$TMP/hang.out" 2>&1 &
    H=$!
    for _ in $(seq 1 100); do
        grep -q CALLING "$TMP/hang.out" && break
        sleep 0.05
    done
    sleep 0.3
    t0=$(ms)
    kill -9 "$SPID"
    wait "$SPID" 2>/dev/null
    wait "$H"
    rc=$?
    dt=$(( $(ms) - t0 ))
    client_ok hang $rc
    grep -h 'call ended' "$TMP/hang.out" | sed 's/^/    /'
    if [ "$dt" -lt 3000 ]; then
        ok "client failed ${dt} ms after kill -9 of the server"
    else
        bad "client took ${dt} ms to notice kill -9 of the server"
    fi
else
    bad "server did not start for the kill -9 test"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

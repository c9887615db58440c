#!/usr/bin/env bash
# run.sh - the example programs (examples/examples.mk) as separate processes
# on loopback: the greeter; every city guide client version (v1, v2, v3)
# against every service version in --check mode, which asserts the
# capability answers, fallbacks and declared defaults for that pair; what the
# v3 service sees of old clients; error paths (refused connection, busy
# port, bad arguments); every service exits 0 on SIGTERM (under SAN=1 that
# includes LeakSanitizer's verdict).  Ends with "N passed, N failed"; exit
# status 1 on any failure.
#
#   bash tests/examples/run.sh DIR     (DIR holds the programs: build/examples/bin)
set -u
D=${1:-build/examples/bin}
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

ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAILED: $*"; }
indent() { sed 's/^/    /' "$@"; }

for v in greeter cityguide_v1 cityguide_v2 cityguide_v3; do
    for p in server client; do
        if [ ! -x "$D/${v}_$p" ]; then
            echo "missing $D/${v}_$p (make examples)"
            echo "0 passed, 1 failed"
            exit 1
        fi
    done
done

# start NAME PROGRAM [ARGS]: runs a service in the background, waits for its
# "listening on PORT" line; sets PID and PORT (returns 1 if it never comes)
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
    if [ "$rc" -eq 0 ]; then
        ok "$name exits 0 on SIGTERM"
    else
        bad "$name exit status $rc on SIGTERM"
        indent "$TMP/$name.err" | tail -n 30
    fi
}

# ---- the greeter
if start greeter "$D/greeter_server" 0; then
    ok "greeter server listens on 127.0.0.1:$PORT"
    GPID=$PID
    out=$(timeout 30 "$D/greeter_client" "127.0.0.1:$PORT" Ada 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ "$out" = "Hello, Ada!" ]; then ok "greeter client: $out"; else bad "greeter client (exit $rc): $out"; fi
    out=$(timeout 30 "$D/greeter_client" "127.0.0.1:$PORT" 2>&1)
    if [ "$out" = "Hello, world!" ]; then ok "greeter client without a name: $out"; else bad "greeter client without a name: $out"; fi
    # a second server on the same port: listen fails, exit status 1, says why
    timeout 30 "$D/greeter_server" "$PORT" >"$TMP/busy.out" 2>"$TMP/busy.err"
    rc=$?
    if [ $rc -eq 1 ] && grep -q 'greeter server: ' "$TMP/busy.err"; then
        ok "greeter server on a busy port fails: $(head -n 1 "$TMP/busy.err")"
    else
        bad "greeter server on a busy port: exit $rc"
        indent "$TMP/busy.out" "$TMP/busy.err"
    fi
    stop greeter "$GPID"
    # now nobody listens there
    out=$(timeout 30 "$D/greeter_client" "127.0.0.1:$PORT" 2>&1)
    rc=$?
    if [ $rc -eq 1 ] && [[ "$out" == "greeter client: "* ]]; then ok "greeter client, no server: $out"; else bad "greeter client, no server (exit $rc): $out"; fi
else
    bad "greeter server did not start"
    indent "$TMP/greeter.err"
fi

# ---- the city guide: every client version against every service version
declare -A SPID SPORT
for s in 1 2 3; do
    if start "service_v$s" "$D/cityguide_v${s}_server"; then
        ok "cityguide v$s service listens on 127.0.0.1:$PORT"
        SPID[$s]=$PID
        SPORT[$s]=$PORT
    else
        bad "cityguide v$s service did not start"
        indent "$TMP/service_v$s.err"
    fi
done
for s in 1 2 3; do
    [ -n "${SPORT[$s]:-}" ] || continue
    for c in 1 2 3; do
        name="v$c client vs v$s service"
        timeout 60 "$D/cityguide_v${c}_client" --check "$s" "127.0.0.1:${SPORT[$s]}" >"$TMP/c$c-s$s.out" 2>&1
        rc=$?
        last=$(tail -n 1 "$TMP/c$c-s$s.out")
        if [ $rc -eq 0 ] && [[ "$last" =~ ^[1-9][0-9]*\ passed,\ 0\ failed$ ]]; then
            ok "$name --check $s ($last)"
        else
            bad "$name --check $s (exit $rc)"
            indent "$TMP/c$c-s$s.out" | tail -n 30
        fi
    done
done
# the v3 service saw the old clients through its own capability queries
if [ -n "${SPORT[3]:-}" ]; then
    for want in 'served weather("San Francisco"): not sent, the client has no conditions_v2, description, hour' \
                'served weather("San Francisco"): not sent, the client has no description, hour' \
                'served weather("San Francisco")' 'served weather_forecast("San Francisco", 2)'; do
        if grep -qxF "$want" "$TMP/service_v3.out"; then ok "v3 service log: $want"; else bad "v3 service log lacks: $want"; indent "$TMP/service_v3.out"; fi
    done
fi
# a --check against the wrong version must fail (the checks do check)
if [ -n "${SPORT[2]:-}" ]; then
    timeout 60 "$D/cityguide_v3_client" --check 3 "127.0.0.1:${SPORT[2]}" >"$TMP/wrong.out" 2>&1
    rc=$?
    if [ $rc -eq 1 ] && grep -Eq '^[0-9]+ passed, [1-9][0-9]* failed$' "$TMP/wrong.out"; then
        ok "v3 client --check 3 against a v2 service fails ($(tail -n 1 "$TMP/wrong.out"))"
    else
        bad "v3 client --check 3 against a v2 service: exit $rc"
        indent "$TMP/wrong.out" | tail -n 30
    fi
fi
# plain mode, another city, and an unknown one
if [ -n "${SPORT[3]:-}" ]; then
    out=$(timeout 60 "$D/cityguide_v3_client" "127.0.0.1:${SPORT[3]}" Oslo 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && grep -q 'Light snow' <<<"$out" && grep -q 'forecast:' <<<"$out"; then ok "v3 client, Oslo"; else bad "v3 client, Oslo (exit $rc)"; indent <<<"$out"; fi
    out=$(timeout 60 "$D/cityguide_v1_client" "127.0.0.1:${SPORT[3]}" Atlantis 2>&1)
    rc=$?
    if [ $rc -eq 1 ] && grep -q "no weather for 'Atlantis'" <<<"$out"; then ok "v1 client, Atlantis: fails with the service's text"; else bad "v1 client, Atlantis (exit $rc)"; indent <<<"$out"; fi
fi
for c in 1 2 3; do
    timeout 30 "$D/cityguide_v${c}_client" --check 4 127.0.0.1:1 >"$TMP/usage.out" 2>&1
    rc=$?
    if [ $rc -eq 2 ] && grep -q '^usage: ' "$TMP/usage.out"; then ok "v$c client --check 4: usage, exit 2"; else bad "v$c client --check 4: exit $rc"; fi
done
for s in 1 2 3; do
    [ -n "${SPID[$s]:-}" ] && stop "cityguide v$s service" "${SPID[$s]}"
done

# ---- the README's quick start (examples/quickstart), verbatim: a fixed port it takes as argv[1]
if [ -x "$D/quickstart_server" ] && [ -x "$D/quickstart_client" ]; then
    qs_ok=0
    for _ in 1 2 3 4 5; do
        QP=$((20000 + RANDOM % 20000))
        "$D/quickstart_server" "127.0.0.1:$QP" >"$TMP/qs.out" 2>&1 &
        QPID=$!
        PIDS+=("$QPID")
        out=
        for _ in $(seq 1 100); do
            kill -0 "$QPID" 2>/dev/null || break
            out=$(timeout 10 "$D/quickstart_client" "127.0.0.1:$QP" 2>&1) && break
            sleep 0.05
        done
        kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null
        if [ "$out" = "Hello, Ada!" ]; then qs_ok=1; break; fi
    done
    if [ $qs_ok = 1 ]; then ok "quick start: the README's server and client say Hello, Ada!"; else bad "quick start (last output: $out)"; fi
else
    bad "missing $D/quickstart_server or quickstart_client (make examples)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# demo.sh - `make demo`: runs the example programs built by examples/examples.mk
# (it builds nothing) and narrates what happens: the greeter, then the city
# guide's weather service as it evolved from v1 to v3, with old and new
# clients talking to old and new services.  Every service it starts is
# stopped on exit, failure and Ctrl-C included.
#
#   bash examples/demo.sh BUILD-DIR     (build or build-san)
set -u
B=${1:-build}
BIN=$B/examples/bin
TMP=$(mktemp -d)
PIDS=()
status=0

cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in greeter_server greeter_client cityguide_v1_server cityguide_v1_client cityguide_v2_server \
         cityguide_v3_server cityguide_v3_client; do
    if [ ! -x "$BIN/$p" ]; then
        echo "demo: $BIN/$p is missing: build the examples first (make examples, or make demo)" >&2
        exit 1
    fi
done

# serve NAME: starts $BIN/NAME on a free port of 127.0.0.1; sets PORT
serve() {
    "$BIN/$1" >"$TMP/$1.out" 2>"$TMP/$1.err" &
    PIDS+=($!)
    PORT=
    for _ in $(seq 1 200); do
        PORT=$(sed -n 's/.*listening on \([0-9][0-9]*\)$/\1/p' "$TMP/$1.out")
        [ -n "$PORT" ] && break
        kill -0 "${PIDS[-1]}" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$PORT" ]; then
        echo "demo: $1 did not start:" >&2
        cat "$TMP/$1.err" >&2
        exit 1
    fi
    printf '$ %s &\n%s\n' "$1" "$(head -n 1 "$TMP/$1.out")"
}

# run PROGRAM ARGS...: shows the command line and the program's output
run() {
    local rc
    printf '$ %s\n' "$*"
    timeout 60 "$BIN/$1" "${@:2}" >"$TMP/run.out" 2>&1
    rc=$?
    sed 's/^/  /' "$TMP/run.out"
    if [ $rc -ne 0 ]; then
        echo "  (failed: exit status $rc)"
        status=1
    fi
}

# stop: SIGTERM to every service started so far; each closes its connections and exits
stop() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    local p rc
    for p in "${PIDS[@]}"; do
        wait "$p"
        rc=$?
        if [ $rc -ne 0 ]; then
            echo "demo: a service exited with status $rc" >&2
            status=1
        fi
    done
    PIDS=()
}

echo "ALR demo: the example programs in $BIN (sources in examples/)"
echo
cat <<'EOF'
== 1. The greeter (examples/greeter): the smallest ALR service

   service Greeter { static string say_hello(string name); }

EOF
serve greeter_server
run greeter_client "127.0.0.1:$PORT" Ada

cat <<'EOF'

== 2. The city guide (examples/cityguide/v1..v3): one service, three versions

   v1: struct WeatherInfo { f32 temperature; string conditions; }
   v2: adds WeatherInfo.conditions_v2, a struct WeatherConditions { f32 wind_speed; u8 humidity; }
   v3: adds WeatherConditions.description = "Unknown", WeatherInfo.hour,
       and the method weather_forecast(string city, u8 days = 3)

   Each side sends only what both versions know; a client asks what the
   service has (cityguide_caps_...) and falls back when it lacks something.

-- A v3 service, an old (v1) and a new (v3) client:
EOF
serve cityguide_v3_server
V3=$PORT
run cityguide_v1_client "127.0.0.1:$V3"
run cityguide_v3_client "127.0.0.1:$V3"

printf '\n-- Older services and the v3 client: it uses what each one has:\n'
serve cityguide_v2_server
run cityguide_v3_client "127.0.0.1:$PORT"
serve cityguide_v1_server
run cityguide_v3_client "127.0.0.1:$PORT"

printf '\n-- What the v3 service saw (a handler asks the same queries about its caller):\n'
stop
sed -n 's/^served/  served/p' "$TMP/cityguide_v3_server.out"
echo
if [ $status -eq 0 ]; then
    echo "All services stopped. Run the tests of every version pair: make examples-test"
else
    echo "demo: something failed (see above)"
fi
exit $status

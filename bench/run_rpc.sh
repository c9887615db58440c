#!/usr/bin/env bash
# bench/run_rpc.sh - the driver of the RPC benchmarks (bench/README.md, "RPC:
# latency and throughput against the TCP floor and gRPC").  For each row it
# starts the server and the client as separate processes on loopback, pinned
# with taskset in two placements (cross: client and server on different cores;
# same: both on one core), repeats every figure --runs times (rows and
# placements interleaved, so drift hits them all), and prints one markdown
# table of medians with ratios to the TCP floor of the same placement.
#
#   bench/run_rpc.sh [--dir D] [--runs N] [--seconds S] [--warmup W]
#                    [--inflight N] [--deep N] [--new] [--table] [ROWSET...]
#
# ROWSET: floor | grpc | capnp | alr.  Results accumulate in D/rpc/
# (runs.tsv: one record per run; runs.log: every result line; meta); --new
# clears them first; --table prints the table of everything in D/rpc/.  With no
# ROWSET: --table alone prints the table; nothing at all means --new --table and
# every rowset whose programs are built.  Defaults: D=build/bench, 5 runs of
# 1 s after 0.2 s of warm-up, 128 calls in flight in async rows, and 1024 in
# the *-async-deep rows (every implementation's async call at both depths:
# a peer may do better at one than at the other).
# BENCH_CPUS="A B" (default "0 1"): the client runs on core A, the server on
# core B (cross) or A (same).
#
# Programs (D/floor, D/grpc_server, D/grpc_client, D/capnp_server,
# D/capnp_client, D/alr_server, D/alr_client) follow the conventions of
# bench/README.md, "RPC result lines":
#   server [--host H] --port 0      prints "ALRBENCH/1 role=server ... event=ready
#                                   port=P", serves until SIGTERM, then prints
#                                   "... event=exit ops=N cpu_us=U" and exits 0
#   client --port P --mode M --seconds S --warmup W --inflight N
#                                   prints "ALRBENCH/1 role=client ... ops=N
#                                   secs=S cpu_us=U [lat_*_us=...]", or
#                                   "... status=not-implemented-yet" for a mode
#                                   it does not have yet (the row shows "-")
set -euo pipefail

DIR=build/bench
RUNS=5
SECS=1
WARM=0.2
INFLIGHT=128
DEEP=1024
NEW=0
TABLE=0
SETS=()
read -r CPU_A CPU_B _ <<<"${BENCH_CPUS:-0 1}"

die() { echo "run_rpc: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
        --dir) DIR=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --seconds) SECS=$2; shift 2 ;;
        --warmup) WARM=$2; shift 2 ;;
        --inflight) INFLIGHT=$2; shift 2 ;;
        --deep) DEEP=$2; shift 2 ;;
        --new) NEW=1; shift ;;
        --table) TABLE=1; shift ;;
        floor|grpc|capnp|alr) SETS+=("$1"); shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (--help)" ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs: a positive integer"
[[ $INFLIGHT =~ ^[1-9][0-9]*$ ]] || die "--inflight: a positive integer"
[[ $DEEP =~ ^[1-9][0-9]*$ ]] || die "--deep: a positive integer"
[[ $SECS =~ ^[0-9]*\.?[0-9]+$ ]] && awk "BEGIN{exit !($SECS > 0)}" || die "--seconds: a positive number"
[[ $WARM =~ ^[0-9]*\.?[0-9]+$ ]] || die "--warmup: a number"
if [ ${#SETS[@]} -eq 0 ] && [ $TABLE = 0 ]; then
    NEW=1; TABLE=1; SETS=(floor grpc capnp alr)
fi

RES=$DIR/rpc
TMP=$RES/tmp
mkdir -p "$RES"
if [ $NEW = 1 ]; then
    rm -f "$RES/runs.tsv" "$RES/runs.log" "$RES/failures" "$RES/meta"
fi
mkdir -p "$TMP"
touch "$RES/runs.tsv" "$RES/runs.log" "$RES/failures"

# ---------------------------------------------------------------- placements
PLACES=(cross same)
PIN=(taskset -c)
if ! command -v taskset >/dev/null 2>&1; then
    echo "run_rpc: taskset not found (util-linux): processes are not pinned" >&2
    PIN=()
    PLACES=(unpinned)
elif [ "$(nproc)" -lt 2 ] || [ "$CPU_A" = "$CPU_B" ]; then
    echo "run_rpc: one core only: no cross placement" >&2
    PLACES=(same)
fi

# ---------------------------------------------------------------- rows
# A row: name, kind (latency: one call at a time, compared by p50 with
# floor-pingpong; throughput: compared by ops/s with floor-pipe), server
# command, client command, --mode, --inflight.
ROWS=()
add_row() { ROWS+=("$1|$2|$3|$4|$5|$6"); }

rowset_floor() {
    [ -x "$DIR/floor" ] || die "$DIR/floor not built (make bench-build)"
    add_row floor-pingpong latency "$DIR/floor server" "$DIR/floor client" pingpong 1
    add_row floor-pipe throughput "$DIR/floor server" "$DIR/floor client" pipe 0
}

rowset_grpc() {
    if [ ! -x "$DIR/grpc_server" ] || [ ! -x "$DIR/grpc_client" ]; then
        echo "run_rpc: grpc: skipped: $DIR/grpc_{server,client} not built (Debian: apt-get install libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev, then make bench-grpc)" >&2
        return 0
    fi
    add_row grpc-sync latency "$DIR/grpc_server" "$DIR/grpc_client" sync 1
    add_row grpc-async throughput "$DIR/grpc_server" "$DIR/grpc_client" async "$INFLIGHT"
    add_row grpc-async-deep throughput "$DIR/grpc_server" "$DIR/grpc_client" async "$DEEP"
}

# Cap'n Proto: bench/capnp/server.cc, bench/capnp/client.cc (make bench-capnp);
# the server is one kj event loop on one thread.
#   capnp-sync   one call at a time (send().wait())
#   capnp-async  --inflight calls in flight over one connection from one
#                thread (each completion starts the next call)
rowset_capnp() {
    if [ ! -x "$DIR/capnp_server" ] || [ ! -x "$DIR/capnp_client" ]; then
        echo "run_rpc: capnp: skipped: $DIR/capnp_{server,client} not built (Debian: apt-get install capnproto libcapnp-dev, then make bench-capnp)" >&2
        return 0
    fi
    add_row capnp-sync latency "$DIR/capnp_server" "$DIR/capnp_client" sync 1
    add_row capnp-async throughput "$DIR/capnp_server" "$DIR/capnp_client" async "$INFLIGHT"
    add_row capnp-async-deep throughput "$DIR/capnp_server" "$DIR/capnp_client" async "$DEEP"
}

# ALR: bench/alr_server.c, bench/alr_client.c (make bench-alr).
#   alr-sync    one sync call at a time (bench_rpc_Adder_add)
#   alr-async   --inflight calls of add_async in flight from one client thread
#               (each completion callback starts the next call); -deep: --deep
#   alr-oneway  one thread floods add_oneway (the send budgets are its only
#               window; --inflight is ignored); ops = the calls the server ran
#               in the window, read from the server (oneways_handled) at both
#               ends of it
#   alr-async-{small,medium,large}  alr-async with echo_<shape>: the struct of
#               bench/data/<shape>.json sent and returned (bench/shapes.alr)
# The async and oneway client lines also carry writes_per_kcall and
# frames_per_write (the client endpoint's alr_endpoint_stats over the
# window): alr_write_notes prints their medians under the table.
rowset_alr() {
    if [ ! -x "$DIR/alr_server" ] || [ ! -x "$DIR/alr_client" ]; then
        echo "run_rpc: alr: skipped: $DIR/alr_{server,client} not built (make bench-alr)" >&2
        return 0
    fi
    # alr-*: the server runs handlers on the connection's reader
    # (alr_config.inline_calls, like gRPC's completion queue polled by one
    # thread); alr-pool-*: the default configuration (a worker pool)
    local inl="$DIR/alr_server --inline"
    add_row alr-sync latency "$inl" "$DIR/alr_client" sync 1
    add_row alr-pool-sync latency "$DIR/alr_server" "$DIR/alr_client" sync 1
    add_row alr-async throughput "$inl" "$DIR/alr_client" async "$INFLIGHT"
    add_row alr-async-deep throughput "$inl" "$DIR/alr_client" async "$DEEP"
    add_row alr-pool-async throughput "$DIR/alr_server" "$DIR/alr_client" async "$INFLIGHT"
    add_row alr-pool-async-deep throughput "$DIR/alr_server" "$DIR/alr_client" async "$DEEP"
    add_row alr-oneway throughput "$inl" "$DIR/alr_client" oneway "$INFLIGHT"
    add_row alr-pool-oneway throughput "$DIR/alr_server" "$DIR/alr_client" oneway "$INFLIGHT"
    local shape data
    data=$(cd "$(dirname "$0")" && pwd)/data
    for shape in small medium large; do
        add_row "alr-async-$shape" throughput "$inl" "$DIR/alr_client --data $data" \
            "async-$shape" "$INFLIGHT"
    done
}

for s in ${SETS[@]+"${SETS[@]}"}; do "rowset_$s"; done

# ---------------------------------------------------------------- one run
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

alive() { # alive PID: running (not gone, not a zombie)
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "${st%% *}" != Z ]
}

# Load from other processes: CPU ticks the whole machine was busy, less the
# CPU of this script and its children (the server and client included), over
# the run.
sys_busy() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
own_cpu() { sed 's/.*) //' "/proc/$$/stat" | awk '{ print $12 + $13 + $14 + $15 }'; }
now_ticks() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", $1 * hz }' /proc/uptime; }

fail() { # fail ROW PLACE REP WHY
    echo "run_rpc: $1 $2 run $3: $4" >&2
    printf '%s\t%s\t%s\n' "$1" "$2" "$4" >>"$RES/failures"
}

# run_one ROW PLACE REP: one server, one client, one record in runs.tsv
run_one() {
    local name kind srv cli mode infl
    IFS='|' read -r name kind srv cli mode infl <<<"$1"
    local place=$2 rep=$3 ccpu=$CPU_A scpu=$CPU_B
    [ "$place" = cross ] || scpu=$CPU_A
    local -a srv_cmd cli_cmd spin=() cpin=()
    read -r -a srv_cmd <<<"$srv"
    read -r -a cli_cmd <<<"$cli"
    if [ ${#PIN[@]} -gt 0 ]; then spin=("${PIN[@]}" "$scpu"); cpin=("${PIN[@]}" "$ccpu"); fi
    local sout=$TMP/server.out cout=$TMP/client.out cerr=$TMP/client.err
    : >"$sout"
    local busy0 own0 wall0
    busy0=$(sys_busy); own0=$(own_cpu); wall0=$(now_ticks)

    # taskset execs the server: $! is the server's pid
    ${spin[@]+"${spin[@]}"} "${srv_cmd[@]}" --port 0 >"$sout" 2>"$TMP/server.err" </dev/null &
    SERVER_PID=$!
    local port="" i
    for ((i = 0; i < 1000; i++)); do
        port=$(sed -n 's/^ALRBENCH\/1 role=server.* event=ready.* port=\([0-9][0-9]*\).*/\1/p' "$sout")
        [ -n "$port" ] && break
        alive "$SERVER_PID" || break
        sleep 0.01
    done
    if [ -z "$port" ]; then
        fail "$name" "$place" "$rep" "server not ready: $(head -c 300 "$TMP/server.err")"
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
        return 0
    fi

    local tmo crc=0
    tmo=$(awk "BEGIN{printf \"%d\", $SECS + $WARM + 30}")
    timeout "$tmo" ${cpin[@]+"${cpin[@]}"} "${cli_cmd[@]}" --port "$port" --mode "$mode" --seconds "$SECS" \
        --warmup "$WARM" --inflight "$infl" >"$cout" 2>"$cerr" </dev/null || crc=$?

    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for ((i = 0; i < 500; i++)); do alive "$SERVER_PID" || break; sleep 0.01; done
    if alive "$SERVER_PID"; then
        echo "run_rpc: $name: server ignored SIGTERM for 5 s: killed" >&2
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
    local other
    other=$(awk -v b="$(( $(sys_busy) - busy0 ))" -v o="$(( $(own_cpu) - own0 ))" \
                -v w0="$wall0" -v w1="$(now_ticks)" \
                'BEGIN { x = (w1 > w0) ? (b - o) / (w1 - w0) : 0; printf "%.2f", x < 0 ? 0 : x }')

    local cline sline
    cline=$(grep '^ALRBENCH/1 role=client' "$cout" | tail -n 1 || true)
    sline=$(grep '^ALRBENCH/1 role=server.* event=exit' "$sout" | tail -n 1 || true)
    {
        echo "# $name $place run $rep (client on core $ccpu, server on core $scpu; other load $other cores)"
        [ -n "$sline" ] && echo "$sline"
        [ -n "$cline" ] && echo "$cline"
    } >>"$RES/runs.log"
    if [ $crc -ne 0 ] || [ -z "$cline" ]; then
        fail "$name" "$place" "$rep" "client failed (exit $crc): $(head -c 300 "$cerr")"
        return 0
    fi
    # a mode the program does not have yet: a record without figures
    local cstatus
    cstatus=$(sed -n 's/.* status=\([^ ]*\).*/\1/p' <<<"$cline")
    if [ -n "$cstatus" ] && [ "$cstatus" != ok ]; then
        printf '%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t0\t%s\t%s\n' \
            "$name" "$kind" "$place" "$rep" "$other" "$cstatus" >>"$RES/runs.tsv"
        return 0
    fi
    if [ -z "$sline" ]; then
        fail "$name" "$place" "$rep" "no exit line from the server"
        return 0
    fi
    # record: row kind place rep p50 p99 ops/s cpu-us/op min mean p90 max san other status
    local rec
    rec=$(awk -v c="$cline" -v s="$sline" -v other="$other" -v row="$name" -v kind="$kind" -v place="$place" -v rep="$rep" '
        function get(line, key,   n, f, i) {
            n = split(line, f, " ")
            for (i = 1; i <= n; i++)
                if (index(f[i], key "=") == 1) return substr(f[i], length(key) + 2)
            return "-"
        }
        BEGIN {
            cops = get(c, "ops"); secs = get(c, "secs"); ccpu = get(c, "cpu_us")
            sops = get(s, "ops"); scpu = get(s, "cpu_us")
            if (cops == "-" || secs == "-" || ccpu == "-" || sops == "-" || scpu == "-" \
                || cops + 0 <= 0 || secs + 0 <= 0 || sops + 0 <= 0) { print "ERR"; exit }
            cpu = ccpu / cops + scpu / sops
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%.4f\t%s\t%s\t%s\t%s\t%s\t%s\tok\n", row, kind, place, rep,
                get(c, "lat_p50_us"), get(c, "lat_p99_us"), cops / secs, cpu,
                get(c, "lat_min_us"), get(c, "lat_mean_us"), get(c, "lat_p90_us"),
                get(c, "lat_max_us"), (get(c, "san") == "1" ? 1 : 0), other
        }')
    if [ "$rec" = ERR ]; then
        fail "$name" "$place" "$rep" "incomplete result lines (see $RES/runs.log)"
        return 0
    fi
    printf '%s\n' "$rec" >>"$RES/runs.tsv"
}

# ---------------------------------------------------------------- measure
if [ ${#ROWS[@]} -gt 0 ]; then
    {
        echo "runs=$RUNS"
        echo "seconds=$SECS"
        echo "warmup=$WARM"
        echo "inflight=$INFLIGHT"
        echo "deep=$DEEP"
        echo "cpus=$CPU_A $CPU_B"
        echo "places=${PLACES[*]}"
    } >"$RES/meta"
    names=""
    for r in "${ROWS[@]}"; do names+=" ${r%%|*}"; done
    for ((rep = 1; rep <= RUNS; rep++)); do
        echo "run_rpc: run $rep/$RUNS:$names (${PLACES[*]})" >&2
        for r in "${ROWS[@]}"; do
            for p in "${PLACES[@]}"; do run_one "$r" "$p" "$rep"; done
        done
    done
fi

# ---------------------------------------------------------------- table
print_table() {
    local meta=$RES/meta cpu_model
    cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
    awk -F'\t' -v meta="$meta" -v model="${cpu_model:-unknown CPU}" -v ncpu="$(nproc)" \
        -v logf="$RES/runs.log" '
        function median(list,   n, v, i, j, t) {
            n = split(list, v, " ")
            if (n == 0) return "-"
            for (i = 2; i <= n; i++) {
                t = v[i] + 0
                for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]
                v[j + 1] = t
            }
            return (n % 2) ? v[(n + 1) / 2] + 0 : (v[n / 2] + v[n / 2 + 1]) / 2
        }
        function add(k, m, x) { if (x != "-") vals[k, m] = vals[k, m] " " x }
        function sig(x) {       # about 3 significant digits
            if (x == "-") return "-"
            if (x >= 1000) return grp(sprintf("%.0f", x))
            if (x >= 100) return sprintf("%.0f", x)
            if (x >= 10) return sprintf("%.1f", x)
            if (x >= 1) return sprintf("%.2f", x)
            if (x >= 0.1) return sprintf("%.3f", x)
            return sprintf("%.2g", x)
        }
        function grp(s,   r) {  # 1234567 -> 1,234,567
            r = ""
            while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
            return s r
        }
        function ratio(a, b) { return (a == "-" || b == "-" || b + 0 == 0) ? "-" : a / b }
        BEGIN {
            while ((getline line < meta) > 0) { split(line, kv, "="); M[kv[1]] = kv[2] }
            split(M["cpus"], cp, " ")
        }
        {
            k = $1 SUBSEP $3
            if (!(k in seen)) { seen[k] = 1; order[++n] = k; kind[k] = $2; row[k] = $1; place[k] = $3 }
            runs[k]++
            if ($15 != "" && $15 != "ok") {    # a mode the program does not have yet
                if (!(k in status)) { status[k] = $15; nst++ }
                next
            }
            add(k, "p50", $5); add(k, "p99", $6); add(k, "ops", $7); add(k, "cpu", $8)
            if ($13 == 1) san = 1
            other[++nother] = $14 + 0
            if ($14 + 0 >= 0.1) disturbed[k]++
        }
        END {
            if (n == 0) { print "run_rpc: no results yet"; exit }
            for (i = 1; i <= n; i++) {
                k = order[i]
                P50[k] = median(vals[k, "p50"]); P99[k] = median(vals[k, "p99"])
                OPS[k] = median(vals[k, "ops"]); CPU[k] = median(vals[k, "cpu"])
            }
            printf "RPC on loopback, add(u64, u64) -> u64: median of %s run%s of %s s (after %s s of warm-up).\n", M["runs"], (M["runs"] == 1 ? "" : "s"), M["seconds"], M["warmup"]
            printf "%s, %s cores. Placement cross: client on core %s, server on core %s; same: both on core %s.\n", model, ncpu, cp[1], cp[2], cp[1]
            print ""
            print "| row | placement | p50 µs | p99 µs | ops/s | CPU-µs/op | vs floor | CPU vs floor |"
            print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
            split("latency throughput", kinds, " ")
            split("cross same unpinned", places, " ")
            for (a = 1; a <= 2; a++) for (b = 1; b <= 3; b++) for (i = 1; i <= n; i++) {
                k = order[i]
                if (kind[k] != kinds[a] || place[k] != places[b]) continue
                f = (kinds[a] == "latency" ? "floor-pingpong" : "floor-pipe") SUBSEP places[b]
                if (!(f in seen)) { vs = "-"; cvs = "-" }
                else if (kinds[a] == "latency") { vs = ratio(P50[k], P50[f]); vs = (vs == "-") ? "-" : sig(vs) "× p50" }
                else { vs = ratio(OPS[k], OPS[f]); vs = (vs == "-") ? "-" : sig(vs) "× ops/s" }
                if (f in seen) { cvs = ratio(CPU[k], CPU[f]); cvs = (cvs == "-") ? "-" : sig(cvs) "×" }
                nm = row[k] (runs[k] < M["runs"] + 0 ? " (" runs[k] " runs)" : "")
                if (disturbed[k] * 2 > runs[k]) { nm = nm " *"; star = 1 }
                printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", nm, place[k], sig(P50[k]), sig(P99[k]), sig(OPS[k]), sig(CPU[k]), vs, cvs
            }
            print ""
            print "latency rows: one call at a time from one thread (ops/s = its calls per second); vs floor = p50 / floor-pingpong p50."
            printf "throughput rows: floor-pipe = 16-byte requests in 64 KiB writes; async = %s calls in flight from one thread, async-deep = %s (p50/p99: latency of a call under that load); vs floor = ops/s / floor-pipe ops/s.\n", M["inflight"], M["deep"]
            print "CPU-µs/op = client CPU / client calls + server CPU / server calls (user + system, every thread); CPU vs floor: against the floor row of the same kind and placement."
            printf "Every run (min, mean, p90 and max latency too): %s\n", logf
            if (san) print "NOTE: built with sanitizers: these timings mean nothing."
            omax = 0; ol = ""
            for (i = 1; i <= nother; i++) { ol = ol " " other[i]; if (other[i] > omax) omax = other[i] }
            if (omax >= 0.1)
                printf "NOTE: other processes used the machine during some runs: %.2f cores in the median run, %.2f at most (of %s)%s.\n", median(ol), omax, ncpu, (median(ol) >= 0.1 ? "; rerun on an idle machine" : "")
            if (star) print "*: most runs of this row shared the machine with other processes (0.1 core or more)."
            if (nst) {
                sl = ""; ns = 0
                for (i = 1; i <= n; i++) {
                    k = order[i]
                    if (!(k in status) || (row[k] SUBSEP status[k]) in listed) continue
                    listed[row[k], status[k]] = 1
                    sl = sl (ns++ ? ", " : "") row[k] " (" status[k] ")"
                }
                printf "-: no figures: %s: the program says it does not have that mode yet (not a failure).\n", sl
            }
        }' "$RES/runs.tsv"
    if [ -s "$RES/failures" ]; then
        echo "FAILED runs ($(wc -l <"$RES/failures")):"
        sed 's/^/  /' "$RES/failures"
    fi
}

# ALR's async and oneway rows: the client's socket writes per 1000 calls and
# frames per write (alr_client's writes_per_kcall, frames_per_write), median
# over the runs of runs.log, one note line per row and placement
alr_write_notes() {
    awk '
        function median(list,   n, v, i, j, t) {
            n = split(list, v, " ")
            for (i = 2; i <= n; i++) {
                t = v[i] + 0
                for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]
                v[j + 1] = t
            }
            return (n % 2) ? v[(n + 1) / 2] + 0 : (v[n / 2] + v[n / 2 + 1]) / 2
        }
        function sig(x) { return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : x >= 1 ? sprintf("%.2f", x) : sprintf("%.3f", x) }
        /^# / { row = $2; place = $3; next }
        /^ALRBENCH\/1 role=client impl=alr / && / writes_per_kcall=/ {
            w = f = ""
            for (i = 1; i <= NF; i++) {
                if (index($i, "writes_per_kcall=") == 1) w = substr($i, 18)
                if (index($i, "frames_per_write=") == 1) f = substr($i, 18)
            }
            k = row " " place
            if (!(k in W)) order[++n] = k
            W[k] = W[k] " " w; F[k] = F[k] " " f
        }
        END {
            for (i = 1; i <= n; i++)
                printf "%s%s: %s socket writes per 1000 calls, %s frames per write (client, alr_endpoint_stats)\n", (i == 1 ? "ALR write path: " : "                "), order[i], sig(median(W[order[i]])), sig(median(F[order[i]]))
        }' "$RES/runs.log"
}

if [ $TABLE = 1 ]; then
    echo
    print_table
    alr_write_notes
fi
# a failed run fails the invocation that measured it
if [ ${#ROWS[@]} -gt 0 ] && [ -s "$RES/failures" ]; then exit 1; fi
exit 0

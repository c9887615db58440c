#!/usr/bin/env bash
# tool.sh - shell test of the alr wire tool: compiles the examples and the
# schemas of tests/evolution/ with alrc, then checks exact outputs and exit
# codes of alr encode / decode / caps, with and without --peer.  Builds
# nothing.  Usage: bash tests/tool.sh [path/to/alr] [path/to/alrc]
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -u

ALR=${1:-build/bin/alr}
ALRC=${2:-build/bin/alrc}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EVO=$ROOT/tests/evolution

for b in "$ALR" "$ALRC"; do
    if [ ! -x "$b" ]; then
        echo "tool.sh: '$b' is not an executable (build it first)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/alr-tool.XXXXXX")
trap 'rm -rf "$T"' EXIT

pass=0
fail=0

# run CMD...: sets OUT, ERR, RC (stdin from /dev/null unless redirected by the caller)
run() {
    "$@" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}

ok() {
    pass=$((pass + 1))
}

bad() {
    fail=$((fail + 1))
    echo "FAILED: $1" >&2
    shift
    for line in "$@"; do echo "  $line" >&2; done
}

# expect NAME RC STDOUT CMD...: exit status and stdout must match exactly
expect() {
    local name=$1 want_rc=$2 want_out=$3
    shift 3
    run "$@"
    if [ "$RC" = "$want_rc" ] && [ "$OUT" = "$want_out" ]; then
        ok
    else
        bad "$name" "command: $*" "rc: $RC (want $want_rc)" "stdout: $OUT" "want:   $want_out" \
            "stderr: $ERR"
    fi
}

# expect_err NAME RC STDERR-SUBSTRING CMD...: exit status, empty stdout, message
expect_err() {
    local name=$1 want_rc=$2 want_err=$3
    shift 3
    run "$@"
    if [ "$RC" = "$want_rc" ] && [ -z "$OUT" ] && [[ "$ERR" == *"$want_err"* ]]; then
        ok
    else
        bad "$name" "command: $*" "rc: $RC (want $want_rc)" "stdout: $OUT" "stderr: $ERR" \
            "want in stderr: $want_err"
    fi
}

# ---------------------------------------------------------------- schemas
for f in "$ROOT/examples/greeter/greeter.alr" "$ROOT/examples/cityguide/cityguide.alr" \
    "$EVO"/*.alr; do
    expect "alrc $(basename "$f")" 0 "" "$ALRC" -o "$T" "$f"
done
G=$T/greeter.alrs
C=$T/cityguide.alrs
W1=$T/weather_v1.alrs
W2=$T/weather_v2.alrs
W3=$T/weather_v3.alrs
O1=$T/order_v1.alrs
O2=$T/order_v2.alrs

# ---------------------------------------------------------------- help, usage
run "$ALR" --help
if [ "$RC" = 0 ] && [[ "$OUT" == "usage: alr encode --schema"* ]] && [[ "$OUT" == *"Exit status"* ]]; then
    ok
else
    bad "alr --help" "rc: $RC" "stdout: $OUT"
fi
run "$ALR" --version
if [ "$RC" = 0 ] && [[ "$OUT" == "alr "* ]]; then ok; else bad "alr --version" "$OUT"; fi
expect_err "no arguments" 2 "usage: alr" "$ALR"
expect_err "unknown command" 2 "unknown command 'frob'" "$ALR" frob
expect_err "unknown option" 2 "unknown option '--frob'" "$ALR" encode --frob
expect_err "missing --type" 2 "encode needs --type" "$ALR" encode --schema "$G" '{}'
expect_err "missing --schema" 2 "decode needs --schema" "$ALR" decode --type x 00
expect_err "missing value" 2 "decode needs HEX" "$ALR" decode --schema "$G" --type greeter.Greeter.say_hello
expect_err "caps needs --peer" 2 "caps needs --peer" "$ALR" caps --schema "$G"
expect_err "--role needs --peer" 2 "--role needs --peer" "$ALR" encode --schema "$G" --role acceptor \
    --type greeter.Greeter.say_hello '{}'
expect_err "bad --role" 2 "--role is 'connector' or 'acceptor'" "$ALR" caps --schema "$G" --peer "$G" \
    --role server
expect_err "two values" 2 "unexpected argument" "$ALR" decode --schema "$G" --type greeter.Greeter.say_hello 00 01
expect_err "missing schema file" 2 "cannot read '$T/none.alrs'" "$ALR" encode --schema "$T/none.alrs" \
    --type x '{}'
expect_err "unknown type" 2 "no struct or method named 'greeter.Nope'" "$ALR" encode --schema "$G" \
    --type greeter.Nope '{}'
expect_err "no return value" 2 "returns no value" "$ALR" encode --schema "$C" \
    --type cityguide.CityGuide.log_event:return '{}'
expect_err "bad type suffix" 2 "expected pkg.Service.method:args or :return" "$ALR" encode --schema "$G" \
    --type greeter.Greeter.say_hello:reply '{}'
printf 'not a blob' >"$T/bad.alrs"
expect_err "malformed schema blob" 1 "bad.alrs: malformed or unacceptable schema blob" "$ALR" caps \
    --schema "$T/bad.alrs" --peer "$G"
printf 'package broken;\nstruct S { nope x; }\n' >"$T/broken.alr"
expect_err "schema with errors" 1 "has errors" "$ALR" caps --schema "$T/broken.alr" --peer "$G"

# ---------------------------------------------------------------- greeter: exact bytes
SH=greeter.Greeter.say_hello
expect "encode args" 0 "92416461" "$ALR" encode --schema "$G" --type $SH '{"name":"Ada"}'
expect "encode args (:args)" 0 "92416461" "$ALR" encode --schema "$G" --type $SH:args '{"name":"Ada"}'
expect "decode args" 0 '{
  "name": "Ada"
}' "$ALR" decode --schema "$G" --type $SH 92416461
expect "decode args, upper case and spaces" 0 '{"name":"Ada"}' "$ALR" decode --compact --schema "$G" \
    --type $SH "92 41 64 61"
expect "encode result" 0 "9a48656c6c6f2c2041646121" "$ALR" encode --schema "$G" --type $SH:return \
    '{"return":"Hello, Ada!"}'
expect "decode result" 0 '{"return":"Hello, Ada!"}' "$ALR" decode --compact --schema "$G" \
    --type $SH:return 9a48656c6c6f2c2041646121
expect "encode default value" 0 "f0" "$ALR" encode --schema "$G" --type $SH '{}'
expect "decode default value" 0 '{"name":""}' "$ALR" decode --compact --schema "$G" --type $SH f0
expect "compile .alr in process" 0 "92416461" "$ALR" encode --schema "$ROOT/examples/greeter/greeter.alr" \
    --type $SH '{"name":"Ada"}'
expect "JSON from stdin" 0 "92416461" "$ALR" encode --schema "$G" --type $SH - <<<'{"name":"Ada"}'
printf '{"name": "Ada"}\n' >"$T/in.json"
expect "JSON from @file" 0 "92416461" "$ALR" encode --schema "$G" --type $SH "@$T/in.json"
printf '92416461\n' >"$T/in.hex"
expect "HEX from @file" 0 '{"name":"Ada"}' "$ALR" decode --compact --schema "$G" --type $SH "@$T/in.hex"
expect "HEX from stdin" 0 '{"name":"Ada"}' "$ALR" decode --compact --schema "$G" --type $SH - <"$T/in.hex"
expect_err "missing @file" 2 "cannot read '$T/nope.json'" "$ALR" encode --schema "$G" --type $SH "@$T/nope.json"

# ---------------------------------------------------------------- invalid data: exit 1
expect_err "bad JSON" 1 "invalid JSON: line 1" "$ALR" encode --schema "$G" --type $SH '{"name":'
expect_err "unknown key" 1 "$: unknown member 'nam' of greeter.Greeter.say_hello.args" "$ALR" encode \
    --schema "$G" --type $SH '{"nam":"Ada"}'
expect_err "wrong JSON type" 1 "$.name: expected a string, got an integer" "$ALR" encode --schema "$G" \
    --type $SH '{"name":5}'
expect_err "nested path" 1 "$.conditions_v2.wind_speed: expected a number" "$ALR" encode --schema "$W3" \
    --type cityguide.WeatherInfo '{"conditions_v2":{"wind_speed":"fast"}}'
expect_err "out of range" 1 "$.hour: 300 is out of range for u8" "$ALR" encode --schema "$W3" \
    --type cityguide.WeatherInfo '{"hour":300}'
expect_err "bad hex digit" 1 "bad digit 'z'" "$ALR" decode --schema "$G" --type $SH 9z
expect_err "odd hex" 1 "odd number of digits" "$ALR" decode --schema "$G" --type $SH 934
expect_err "trailing bytes" 1 "invalid message" "$ALR" decode --schema "$G" --type $SH 9241646100
expect_err "truncated message" 1 "invalid message" "$ALR" decode --schema "$G" --type $SH 934164
expect_err "empty message" 1 "invalid message" "$ALR" decode --schema "$G" --type $SH ""
expect_err "reserved lead byte" 1 "invalid message" "$ALR" decode --schema "$G" --type $SH ff

# ---------------------------------------------------------------- cityguide: every kind round trips
WI='{"location":{"latitude":37.77,"longitude":-122.42},"temperature":18.5,"conditions_v2":{"wind_speed":3.5,"description":"breezy","sky":"rain","warnings":["storm",2]},"alerts":["a","b"],"to_user":"bob","counters":{"x":-1,"y z":2},"ids":[1,2],"raw":"cafe","digest":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32],"conditions":"ok","active":["high_wind"],"tiny":-1,"medium":-100000,"port":0,"big":"18446744073709551615","ratio":"nan"}'
run "$ALR" encode --schema "$C" --type cityguide.WeatherInfo "$WI"
if [ "$RC" = 0 ] && [[ "$OUT" =~ ^[0-9a-f]+$ ]]; then ok; else bad "encode WeatherInfo" "$RC $OUT $ERR"; fi
HEX=$OUT
expect "WeatherInfo round trip" 0 "$WI" "$ALR" decode --compact --schema "$C" --type cityguide.WeatherInfo "$HEX"
expect "WeatherInfo zero value" 0 '{"location":{"latitude":0.0,"longitude":0.0},"temperature":0.0,"conditions_v2":{"wind_speed":0.0,"description":"","sky":"sunny","warnings":[]},"alerts":[],"to_user":null,"counters":{},"ids":[],"raw":"","digest":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"conditions":"","active":[],"tiny":0,"medium":0,"port":0,"big":0,"ratio":0.0}' \
    "$ALR" decode --compact --schema "$C" --type cityguide.WeatherInfo \
    "$("$ALR" encode --schema "$C" --type cityguide.WeatherInfo '{}')"
expect "pretty output" 0 '{
  "a": 1,
  "b": "18446744073709551615"
}' "$ALR" decode --schema "$C" --type cityguide.CityGuide.add \
    "$("$ALR" encode --schema "$C" --type cityguide.CityGuide.add '{"a":1,"b":"18446744073709551615"}')"
expect "ref and defaults of a struct arg" 0 '{"client":42,"area":{"north_west":{"latitude":1.5,"longitude":0.0},"south_east":{"latitude":0.0,"longitude":0.0}},"log":true}' \
    "$ALR" decode --compact --schema "$C" --type cityguide.CityGuide.stream_pois \
    "$("$ALR" encode --schema "$C" --type cityguide.CityGuide.stream_pois '{"client":42,"area":{"north_west":{"latitude":1.5}},"log":true}')"
run "$ALR" decode --compact --schema "$C" --type cityguide.WeatherInfo \
    "$("$ALR" encode --schema "$C" --type cityguide.WeatherInfo '{"temperature":0.1,"ratio":"-inf"}')"
if [[ "$OUT" == *'"temperature":0.1,'* ]] && [[ "$OUT" == *'"ratio":"-inf"}' ]]; then ok; else bad "f32 0.1, -inf" "$OUT"; fi

expect "no parameters: empty message" 0 "" "$ALR" encode --schema "$C" --type cityguide.CityGuide.check '{}'
expect "no parameters: decode empty" 0 "{}" "$ALR" decode --compact --schema "$C" --type cityguide.CityGuide.check ""
expect "result<T, E> reply" 0 '{"return":{"name":"","at":{"latitude":0.0,"longitude":0.0},"website":null,"nearby":[]}}' \
    "$ALR" decode --compact --schema "$C" --type cityguide.CityGuide.poi:return f0

# ---------------------------------------------------------------- --peer: the weather story
WT=cityguide.WeatherInfo
V2='{"temperature":21.5,"conditions":"windy","conditions_v2":{"wind_speed":12.5}}'
expect "v1 -> v3 bytes" 0 "890000ac419477696e6479" "$ALR" encode --schema "$W1" --peer "$W3" --type $WT \
    '{"temperature":21.5,"conditions":"windy"}'
expect "v3 receives v1" 0 '{"temperature":21.5,"conditions":"windy","conditions_v2":{"wind_speed":0.0,"description":"Unknown"},"hour":0}' \
    "$ALR" decode --compact --schema "$W3" --peer "$W1" --type $WT 890000ac419477696e6479
H=$("$ALR" encode --schema "$W2" --peer "$W3" --type $WT "$V2")
expect "v3 receives v2: declared default" 0 '{"temperature":21.5,"conditions":"windy","conditions_v2":{"wind_speed":12.5,"description":"Unknown"},"hour":0}' \
    "$ALR" decode --compact --schema "$W3" --peer "$W2" --role acceptor --type $WT "$H"
H=$("$ALR" encode --schema "$W2" --peer "$W1" --type $WT "$V2")
expect "v2 -> v1 drops conditions_v2" 0 "890000ac419477696e6479" echo "$H"
expect "v1 receives v2" 0 '{"temperature":21.5,"conditions":"windy"}' \
    "$ALR" decode --compact --schema "$W1" --peer "$W2" --role acceptor --type $WT "$H"
expect "v3 -> v1 bytes (@file)" 0 "89000050c093736e6f77" "$ALR" encode --schema "$W3" --peer "$W1" \
    --type $WT "@$EVO/weather_v3.json"
H=$("$ALR" encode --schema "$W3" --peer "$W2" --type $WT "@$EVO/weather_v3.json")
expect "v2 receives v3" 0 '{"temperature":-3.25,"conditions":"snow","conditions_v2":{"wind_speed":40.0}}' \
    "$ALR" decode --compact --schema "$W2" --peer "$W3" --role acceptor --type $WT "$H"
H=$("$ALR" encode --schema "$W1" --peer "$W3" --type cityguide.CityGuide.weather:return \
    '{"return":{"temperature":18,"conditions":"rain"}}')
expect "weather() reply v1 -> v3" 0 '{"return":{"temperature":18.0,"conditions":"rain","conditions_v2":{"wind_speed":0.0,"description":"Unknown"},"hour":0}}' \
    "$ALR" decode --compact --schema "$W3" --peer "$W1" --role acceptor --type cityguide.CityGuide.weather:return "$H"
expect "v3 -> v3 forecast args" 0 '{"city":"Oslo","days":0}' "$ALR" decode --compact --schema "$W3" \
    --peer "$W3" --type cityguide.CityGuide.weather_forecast \
    "$("$ALR" encode --schema "$W3" --peer "$W3" --type cityguide.CityGuide.weather_forecast '{"city":"Oslo"}')"
expect "forecast args v3 -> v1: the peer lacks the method" 0 '{"city":"","days":3}' "$ALR" decode \
    --compact --schema "$W3" --peer "$W1" --type cityguide.CityGuide.weather_forecast \
    "$("$ALR" encode --schema "$W3" --peer "$W1" --type cityguide.CityGuide.weather_forecast '{"city":"Oslo","days":5}')"

expect "caps v3 with a v1 peer" 0 'service cityguide.CityGuide: yes
method cityguide.CityGuide.weather: yes (wire id 0)
return cityguide.CityGuide.weather: yes
param cityguide.CityGuide.weather.city: yes
method cityguide.CityGuide.weather_forecast: no
return cityguide.CityGuide.weather_forecast: no
param cityguide.CityGuide.weather_forecast.city: no
param cityguide.CityGuide.weather_forecast.days: no
struct cityguide.WeatherConditions: no
field cityguide.WeatherConditions.wind_speed: no
field cityguide.WeatherConditions.description: no
struct cityguide.WeatherInfo: yes
field cityguide.WeatherInfo.temperature: yes
field cityguide.WeatherInfo.conditions: yes
field cityguide.WeatherInfo.conditions_v2: no
field cityguide.WeatherInfo.hour: no' "$ALR" caps --schema "$W3" --peer "$W1"
expect "caps v2 with a v3 peer" 0 'service cityguide.CityGuide: yes
method cityguide.CityGuide.weather: yes (wire id 0)
return cityguide.CityGuide.weather: yes
param cityguide.CityGuide.weather.city: yes
struct cityguide.WeatherConditions: yes
field cityguide.WeatherConditions.wind_speed: yes
struct cityguide.WeatherInfo: yes
field cityguide.WeatherInfo.temperature: yes
field cityguide.WeatherInfo.conditions: yes
field cityguide.WeatherInfo.conditions_v2: yes' "$ALR" caps --schema "$W2" --peer "$W3"

# ---------------------------------------------------------------- --peer: order, renames, roles
RD=order.Reading
R1='{"id":7,"label":"x","level":"mid","offset":-2}'
expect "v1 -> v2 bytes in the acceptor's order" 0 "030207" "$ALR" encode --schema "$O1" --peer "$O2" \
    --type $RD "$R1"
expect "v2 receives v1 (as acceptor)" 0 '{"offset":-2,"level":"medium","name":"unnamed","id":7}' \
    "$ALR" decode --compact --schema "$O2" --peer "$O1" --role acceptor --type $RD 030207
expect "v1 as acceptor: wire order is v1's" 0 "070203" "$ALR" encode --schema "$O1" --peer "$O2" \
    --role acceptor --type $RD "$R1"
expect "v2 receives v1 (as connector)" 0 '{"offset":-2,"level":"medium","name":"unnamed","id":7}' \
    "$ALR" decode --compact --schema "$O2" --peer "$O1" --type $RD 070203
expect "v2 -> v1 (v2 connects)" 0 '{"id":9,"label":"","level":"high","offset":5}' \
    "$ALR" decode --compact --schema "$O1" --peer "$O2" --role acceptor --type $RD \
    "$("$ALR" encode --schema "$O2" --peer "$O1" --type $RD '{"offset":5,"level":"high","name":"n","id":9}')"
expect "same schema, no handshake" 0 "0790780203" "$ALR" encode --schema "$O1" --type $RD "$R1"
expect "caps order v1 with a v2 peer" 0 'struct order.Reading: yes
field order.Reading.id: yes
field order.Reading.label: no
field order.Reading.level: yes
field order.Reading.offset: yes
enum order.Level: yes
value order.Level.low (0): value yes, strict yes
value order.Level.mid (1): value yes, strict no
value order.Level.high (2): value yes, strict yes' "$ALR" caps --schema "$O1" --peer "$O2"
run "$ALR" caps --schema "$C" --peer "$C"
if [ "$RC" = 0 ] && ! grep -q ': no' "$T/out" && grep -q '^value cityguide.Warnings.storm (4): flags yes, flags_strict yes$' "$T/out" \
    && grep -q '^method cityguide.Heartbeat.ping: yes' "$T/out"; then
    ok
else
    bad "caps cityguide with itself" "$OUT" "$ERR"
fi
run "$ALR" caps --schema "$C" --peer "$G"
if [ "$RC" = 0 ] && ! grep -q ': yes' "$T/out" && [ -n "$OUT" ]; then
    ok
else
    bad "caps cityguide with greeter: nothing shared" "$OUT" "$ERR"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

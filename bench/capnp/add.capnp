# add.capnp - the service of the RPC benchmarks (bench/run_rpc.sh) for the
# Cap'n Proto peer: add(u64 a, u64 b) -> u64, the call that bench/floor.c
# sends as a raw 16-byte request and 8-byte reply (and bench/grpc/add.proto
# declares for gRPC).  `capnp compile -oc++` compiles it at build time into
# build/bench/gen/capnp (never committed).
@0xa5af629e8cbd0e7c;

$import "/capnp/c++.capnp".namespace("alrbench");

interface Adder {
  add @0 (a :UInt64, b :UInt64) -> (sum :UInt64);
}

// server.cc - the Cap'n Proto peer's server for the RPC benchmarks
// (bench/run_rpc.sh): Adder.add (add.capnp) on Cap'n Proto's own server
// model, the normal and fastest one: one kj event loop on one thread
// (kj::setupAsyncIo) accepting on a kj network listener, each connection a
// capnp::TwoPartyServer connection, the method run on the loop.  The
// client's mode (sync or async) does not matter to it.
//
//   capnp_server [--host H] [--port P]
//
// Listens on H:P (port 0: any free port; default 127.0.0.1:0), prints the
// ready line, serves until SIGTERM or SIGINT (caught by the event loop:
// kj::UnixEventPort::captureSignal and onSignal), then prints the exit line
// (calls served, CPU time since ready, every thread of the process) and
// exits 0:
//   ALRBENCH/1 role=server impl=capnp event=ready port=P
//   ALRBENCH/1 role=server impl=capnp event=exit ops=N cpu_us=U
// (format: bench/README.md, "RPC result lines"; printed by latency_cxx.c,
// that is bench/latency.h).
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <kj/async-unix.h>
#include <kj/debug.h>

#include "add.capnp.h"
#include "latency_cxx.h"
#include "../peer_opts.h"

namespace {

class AdderImpl final : public alrbench::Adder::Server {
  public:
    std::uint64_t ops = 0; // calls answered (the loop's thread only)

  protected:
    kj::Promise<void> add(AddContext ctx) override
    {
        auto p = ctx.getParams();
        ctx.getResults().setSum(p.getA() + p.getB());
        ops++;
        return kj::READY_NOW;
    }
};

[[noreturn]] void usage()
{
    std::fprintf(stderr, "usage: capnp_server [--host H] [--port P]\n");
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    std::string host = "127.0.0.1";
    int port = 0;
    if (!peer_opts::parse(argc, argv,
                          {peer_opts::str("--host", &host), peer_opts::num("--port", &port)}))
        usage();
    if (port < 0 || port > 65535)
        usage();

    // before the event loop and any thread: SIGTERM and SIGINT are blocked
    // and delivered to the loop (onSignal below)
    kj::UnixEventPort::captureSignal(SIGTERM);
    kj::UnixEventPort::captureSignal(SIGINT);

    try {
        auto io = kj::setupAsyncIo();
        auto &ws = io.waitScope;
        auto impl = kj::heap<AdderImpl>();
        AdderImpl &adder = *impl;
        capnp::TwoPartyServer server(capnp::Capability::Client(kj::mv(impl)));
        auto addr = io.provider->getNetwork()
                        .parseAddress(host, static_cast<unsigned>(port))
                        .wait(ws);
        auto listener = addr->listen();
        auto stop = io.unixEventPort.onSignal(SIGTERM)
                        .ignoreResult()
                        .exclusiveJoin(io.unixEventPort.onSignal(SIGINT).ignoreResult());

        std::uint64_t cpu0 = capnp_bench_cpu_us();
        capnp_bench_server_ready(listener->getPort());
        // listen() never resolves (it fails only if accepting fails): the
        // loop serves until a signal
        server.listen(*listener).exclusiveJoin(kj::mv(stop)).wait(ws);
        capnp_bench_server_exit(adder.ops, capnp_bench_cpu_us() - cpu0);
    } catch (kj::Exception &e) {
        std::fprintf(stderr, "capnp_server: %s\n", e.getDescription().cStr());
        return 1;
    }
    return 0;
}

// client.cc - the Cap'n Proto peer's client for the RPC benchmarks
// (bench/run_rpc.sh): calls Adder.add (add.capnp) over one connection
// (capnp::TwoPartyClient on a kj network connection) from one thread, on
// one kj event loop.
//
//   capnp_client --port P --mode sync|async --seconds S [--inflight N]
//                [--warmup W] [--host H]
//
//   sync:  one call at a time (addRequest().send().wait()): the round trip
//          a plain Cap'n Proto user sees.
//   async: N calls in flight (default 128), started on the event loop: the
//          completion (.then) of each checks the reply, records its latency
//          and starts the next call; the fastest one thread gets.  The
//          window opens at the first completion after the warm-up and closes
//          at the first one after S seconds; the calls still in flight then
//          finish uncounted.
//   any other mode: the not-implemented-yet line, exit status 0.
//
// Runs W seconds of warm-up (default 0.2), then S timed seconds, and prints
// one line (format: bench/README.md, "RPC result lines"; printed by
// latency_cxx.c, that is bench/latency.h):
//   ALRBENCH/1 role=client impl=capnp mode=M inflight=N ops=N secs=S cpu_us=U
//              lat_n=... lat_min_us=... lat_mean_us=... lat_p50_us=...
//              lat_p90_us=... lat_p99_us=... lat_max_us=...
// ops counts the calls completed in the timed window, cpu_us is the process's
// CPU time (every thread) in that window, and the latency of every call
// completed in it is recorded (in async mode: from the start of the call to
// its completion, with N in flight).  Every reply's sum is checked; a failed
// call or a wrong sum exits with status 1.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <kj/debug.h>

#include "add.capnp.h"
#include "latency_cxx.h"
#include "../peer_opts.h"

namespace {

const std::uint64_t B_VALUE = 0x0123456789ull;

// The timed window: warm-up until t_warm, then counted until t_end (as in
// bench/grpc/client.cc and bench/alr_client.c).
struct Window {
    std::uint64_t t_warm, t_end, t0 = 0, t1 = 0, cpu0 = 0, cpu1 = 0, ops = 0;
    int phase = 0; // 0 warm-up, 1 timed, 2 over
    latrec *lat;

    Window(double warmup, double seconds, latrec *l) : lat(l)
    {
        std::uint64_t t = capnp_bench_now_ns();
        t_warm = t + static_cast<std::uint64_t>(warmup * 1e9);
        t_end = t_warm + static_cast<std::uint64_t>(seconds * 1e9);
    }

    // a call completed at `t` after `dt` ns: counted if in the window
    void done(std::uint64_t t, std::uint64_t dt)
    {
        if (phase == 0 && t >= t_warm) { // the window opens
            phase = 1;
            t0 = t;
            cpu0 = capnp_bench_cpu_us();
            return;
        }
        if (phase == 1 && t >= t_end) { // the window closes
            phase = 2;
            t1 = t;
            cpu1 = capnp_bench_cpu_us();
            return;
        }
        if (phase == 1) {
            capnp_latrec_add(lat, dt);
            ops++;
        }
    }
};

bool wrong_sum(std::uint64_t a, std::uint64_t sum)
{
    if (sum == a + B_VALUE)
        return false;
    std::fprintf(stderr, "capnp_client: add(%llu, %llu): wrong reply %llu\n",
                 static_cast<unsigned long long>(a), static_cast<unsigned long long>(B_VALUE),
                 static_cast<unsigned long long>(sum));
    return true;
}

int run_sync(alrbench::Adder::Client &adder, kj::WaitScope &ws, Window &w)
{
    for (std::uint64_t a = 1; w.phase < 2; a++) {
        auto req = adder.addRequest();
        req.setA(a);
        req.setB(B_VALUE);
        std::uint64_t s = capnp_bench_now_ns();
        auto reply = req.send().wait(ws);
        std::uint64_t e = capnp_bench_now_ns();
        if (wrong_sum(a, reply.getSum()))
            return 1;
        w.done(e, e - s);
    }
    return 0;
}

// N lanes, each one call in flight at a time; the calls are tasks of one
// TaskSet, which is empty once every lane has stopped.
class AsyncRun final : private kj::TaskSet::ErrorHandler {
  public:
    AsyncRun(alrbench::Adder::Client &adder, Window &w) : adder_(adder), w_(w), tasks_(*this) {}

    int run(kj::WaitScope &ws, int inflight)
    {
        for (int k = 0; k < inflight; k++)
            start();
        tasks_.onEmpty().wait(ws);
        return rc_;
    }

  private:
    void start()
    {
        std::uint64_t a = next_++;
        auto req = adder_.addRequest();
        req.setA(a);
        req.setB(B_VALUE);
        std::uint64_t s = capnp_bench_now_ns();
        tasks_.add(req.send().then(
            [this, a, s](capnp::Response<alrbench::Adder::AddResults> &&reply) {
                std::uint64_t e = capnp_bench_now_ns();
                if (wrong_sum(a, reply.getSum())) {
                    rc_ = 1;
                    return;
                }
                w_.done(e, e - s);
                if (w_.phase < 2 && !rc_)
                    start();
            }));
    }

    void taskFailed(kj::Exception &&e) override
    {
        if (!rc_)
            std::fprintf(stderr, "capnp_client: call failed: %s\n", e.getDescription().cStr());
        rc_ = 1;
    }

    alrbench::Adder::Client &adder_;
    Window &w_;
    kj::TaskSet tasks_;
    std::uint64_t next_ = 1;
    int rc_ = 0;
};

[[noreturn]] void usage()
{
    std::fprintf(stderr, "usage: capnp_client --port P --mode sync|async --seconds S"
                         " [--inflight N] [--warmup W] [--host H]\n");
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    std::string host = "127.0.0.1", mode = "sync";
    int port = 0, inflight = 128;
    double seconds = 1.0, warmup = 0.2;
    if (!peer_opts::parse(argc, argv,
                          {peer_opts::str("--host", &host), peer_opts::num("--port", &port),
                           peer_opts::str("--mode", &mode), peer_opts::real("--seconds", &seconds),
                           peer_opts::real("--warmup", &warmup),
                           peer_opts::num("--inflight", &inflight)}))
        usage();
    if (port <= 0 || port > 65535 || !(seconds > 0) || warmup < 0 || inflight < 1 ||
        inflight > 1000000)
        usage();
    if (mode != "sync" && mode != "async") {
        capnp_bench_client_not_implemented(mode.c_str(), inflight);
        return 0;
    }
    if (mode == "sync")
        inflight = 1;

    latrec *lat = capnp_latrec_new();
    Window w(0, 0, lat);
    int rc = 0;
    try {
        auto io = kj::setupAsyncIo();
        auto &ws = io.waitScope;
        auto conn = io.provider->getNetwork()
                        .parseAddress(host, static_cast<unsigned>(port))
                        .wait(ws)
                        ->connect()
                        .wait(ws);
        capnp::TwoPartyClient client(*conn);
        auto adder = client.bootstrap().castAs<alrbench::Adder>();
        w = Window(warmup, seconds, lat);
        if (mode == "sync") {
            rc = run_sync(adder, ws, w);
        } else {
            AsyncRun run(adder, w);
            rc = run.run(ws, inflight);
        }
    } catch (kj::Exception &e) {
        std::fprintf(stderr, "capnp_client: %s:%d: %s\n", host.c_str(), port,
                     e.getDescription().cStr());
        rc = 1;
    }
    if (rc == 0 && w.phase < 2) {
        std::fprintf(stderr, "capnp_client: the run ended before its window\n");
        rc = 1;
    }
    if (rc == 0)
        capnp_bench_client_result(mode.c_str(), inflight, w.ops,
                                  static_cast<double>(w.t1 - w.t0) * 1e-9, w.cpu1 - w.cpu0, lat);
    capnp_latrec_free(lat);
    return rc;
}

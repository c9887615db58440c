// client.cc - the gRPC peer's client for the RPC benchmarks (bench/run_rpc.sh):
// calls Adder.Add (add.proto) over one channel from one thread.
//
//   grpc_client --port P --mode sync|async --seconds S [--inflight N]
//               [--warmup W] [--host H]
//
//   sync:  the blocking stub, one call at a time: the round trip a plain
//          gRPC user sees.
//   async: the completion-queue API, N calls in flight (default 128): each
//          completion starts the next call; the fastest one thread gets.
//
// Runs W seconds of warm-up (default 0.2), then S timed seconds, and prints
// one line (format: bench/README.md, "RPC result lines"):
//   ALRBENCH/1 role=client impl=grpc mode=M inflight=N ops=N secs=S cpu_us=U
//              lat_n=... lat_min_us=... lat_mean_us=... lat_p50_us=...
//              lat_p90_us=... lat_p99_us=... lat_max_us=...
// ops counts the calls completed in the timed window, cpu_us is the process's
// CPU time (every thread, gRPC's included) in that window, and the latency of
// every call completed in it is recorded (in async mode: from the start of the
// call to its completion, with N in flight).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <grpcpp/grpcpp.h>

#include "add.grpc.pb.h"
#include "../peer_opts.h"

namespace {

const std::uint64_t B_VALUE = 0x0123456789ull;

std::uint64_t now_ns()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t cpu_us()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<std::uint64_t>(ru.ru_utime.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(ru.ru_utime.tv_usec) +
           static_cast<std::uint64_t>(ru.ru_stime.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(ru.ru_stime.tv_usec);
}

// Every sample is kept (ns); percentiles are nearest-rank, as in floor.c.
struct LatRec {
    std::vector<std::uint64_t> ns;

    double pct_us(double pct) const
    {
        std::size_t n = ns.size();
        auto rank = static_cast<std::size_t>((pct / 100.0) * static_cast<double>(n) + 0.999999999);
        rank = std::min(std::max<std::size_t>(rank, 1), n);
        return static_cast<double>(ns[rank - 1]) / 1000.0;
    }

    void print(std::FILE *f)
    {
        if (ns.empty())
            return;
        std::sort(ns.begin(), ns.end());
        double sum = 0;
        for (auto v : ns)
            sum += static_cast<double>(v);
        std::fprintf(f,
                     " lat_n=%zu lat_min_us=%.3f lat_mean_us=%.3f lat_p50_us=%.3f"
                     " lat_p90_us=%.3f lat_p99_us=%.3f lat_max_us=%.3f",
                     ns.size(), static_cast<double>(ns.front()) / 1000.0,
                     sum / static_cast<double>(ns.size()) / 1000.0, pct_us(50), pct_us(90),
                     pct_us(99), static_cast<double>(ns.back()) / 1000.0);
    }
};

// The timed window: warm-up until t_warm, then counted until t_end.
struct Window {
    std::uint64_t t_warm, t_end, t0 = 0, t1 = 0, cpu0 = 0, cpu1 = 0, ops = 0;
    int phase = 0; // 0 warm-up, 1 timed, 2 over

    Window(double warmup, double seconds)
    {
        std::uint64_t t = now_ns();
        t_warm = t + static_cast<std::uint64_t>(warmup * 1e9);
        t_end = t_warm + static_cast<std::uint64_t>(seconds * 1e9);
    }

    // a call completed at `t` after `dt` ns: counted if in the window
    void done(std::uint64_t t, std::uint64_t dt, LatRec &lat)
    {
        if (phase == 0 && t >= t_warm) {
            phase = 1;
            t0 = t;
            cpu0 = cpu_us();
            return;
        }
        if (phase == 1 && t >= t_end) {
            phase = 2;
            t1 = t;
            cpu1 = cpu_us();
            return;
        }
        if (phase == 1) {
            lat.ns.push_back(dt);
            ops++;
        }
    }
};

int run_sync(alrbench::Adder::Stub &stub, Window &w, LatRec &lat)
{
    alrbench::AddRequest req;
    alrbench::AddReply reply;
    for (std::uint64_t i = 1; w.phase < 2; i++) {
        grpc::ClientContext ctx;
        req.set_a(i);
        req.set_b(B_VALUE);
        std::uint64_t s = now_ns();
        grpc::Status st = stub.Add(&ctx, req, &reply);
        std::uint64_t e = now_ns();
        if (!st.ok() || reply.sum() != i + B_VALUE) {
            std::fprintf(stderr, "grpc_client: call failed: %s\n",
                         st.ok() ? "wrong sum" : st.error_message().c_str());
            return 1;
        }
        w.done(e, e - s, lat);
    }
    return 0;
}

struct AsyncCall {
    std::unique_ptr<grpc::ClientContext> ctx;
    alrbench::AddRequest req;
    alrbench::AddReply reply;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<alrbench::AddReply>> rpc;
    std::uint64_t start = 0;
};

int run_async(alrbench::Adder::Stub &stub, Window &w, LatRec &lat, int inflight)
{
    grpc::CompletionQueue cq;
    std::vector<AsyncCall> calls(static_cast<std::size_t>(inflight));
    std::uint64_t next = 1;
    auto start = [&](std::size_t k) {
        AsyncCall &c = calls[k];
        c.ctx.reset(new grpc::ClientContext);
        c.req.set_a(next++);
        c.req.set_b(B_VALUE);
        c.start = now_ns();
        c.rpc = stub.AsyncAdd(c.ctx.get(), c.req, &cq);
        c.rpc->Finish(&c.reply, &c.status, reinterpret_cast<void *>(k));
    };
    for (std::size_t k = 0; k < calls.size(); k++)
        start(k);
    std::size_t outstanding = calls.size();
    int rc = 0;
    void *tag;
    bool ok;
    while (outstanding > 0 && cq.Next(&tag, &ok)) {
        std::uint64_t e = now_ns();
        auto k = reinterpret_cast<std::size_t>(tag);
        AsyncCall &c = calls[k];
        if (!ok || !c.status.ok() || c.reply.sum() != c.req.a() + B_VALUE) {
            if (!rc)
                std::fprintf(stderr, "grpc_client: call failed: %s\n",
                             !ok ? "completion not ok"
                                 : !c.status.ok() ? c.status.error_message().c_str()
                                                  : "wrong sum");
            rc = 1;
        }
        w.done(e, e - c.start, lat);
        if (w.phase < 2 && !rc)
            start(k);
        else
            outstanding--;
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    return rc;
}

[[noreturn]] void usage()
{
    std::fprintf(stderr, "usage: grpc_client --port P --mode sync|async --seconds S"
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
        (mode != "sync" && mode != "async"))
        usage();
    if (mode == "sync")
        inflight = 1;

    auto channel = grpc::CreateChannel(host + ":" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
        std::fprintf(stderr, "grpc_client: cannot connect to %s:%d\n", host.c_str(), port);
        return 1;
    }
    auto stub = alrbench::Adder::NewStub(channel);
    LatRec lat;
    lat.ns.reserve(1u << 20);
    Window w(warmup, seconds);
    int rc = mode == "sync" ? run_sync(*stub, w, lat) : run_async(*stub, w, lat, inflight);
    if (rc)
        return rc;
    if (w.phase < 2) {
        std::fprintf(stderr, "grpc_client: the run ended before its window\n");
        return 1;
    }
    std::printf("ALRBENCH/1 role=client impl=grpc mode=%s inflight=%d ops=%llu secs=%.6f"
                " cpu_us=%llu",
                mode.c_str(), inflight, static_cast<unsigned long long>(w.ops),
                static_cast<double>(w.t1 - w.t0) * 1e-9,
                static_cast<unsigned long long>(w.cpu1 - w.cpu0));
    lat.print(stdout);
    std::printf("\n");
    return 0;
}

// server.cc - the gRPC peer's server for the RPC benchmarks (bench/run_rpc.sh):
// Adder.Add (add.proto) on gRPC C++'s asynchronous API, the fastest it has:
// one completion queue per thread, each polled by its own thread, with
// --prepost calls requested in advance on each queue.  The client's mode
// (sync or async) does not matter to it.
//
//   grpc_server [--host H] [--port P] [--threads T] [--prepost N]
//
// Listens on H:P (port 0: any free port; default 127.0.0.1:0, 1 thread, 64
// pre-posted calls), prints the ready line, serves until SIGTERM or SIGINT,
// then prints the exit line (calls served, CPU time since ready, every
// thread of the process) and exits 0:
//   ALRBENCH/1 role=server impl=grpc event=ready port=P
//   ALRBENCH/1 role=server impl=grpc event=exit ops=N cpu_us=U
// (format: bench/README.md, "RPC result lines").
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sys/resource.h>

#include <grpcpp/grpcpp.h>

#include "add.grpc.pb.h"
#include "../peer_opts.h"

namespace {

std::uint64_t cpu_us()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<std::uint64_t>(ru.ru_utime.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(ru.ru_utime.tv_usec) +
           static_cast<std::uint64_t>(ru.ru_stime.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(ru.ru_stime.tv_usec);
}

// One queue and the thread that polls it.  `mu` orders the requests of new
// calls against shutdown: none is requested once `closing` is set.
struct Queue {
    std::unique_ptr<grpc::ServerCompletionQueue> cq;
    std::mutex mu;
    bool closing = false;
    std::uint64_t ops = 0; // calls finished (read by main after join)
};

// One call: requested, then answered, then deleted when the answer is sent.
class Call {
  public:
    Call(alrbench::Adder::AsyncService *svc, Queue *q) : svc_(svc), q_(q), responder_(&ctx_) {}

    // false (and the call is deleted) if the queue is closing
    static bool request(alrbench::Adder::AsyncService *svc, Queue *q)
    {
        std::lock_guard<std::mutex> lock(q->mu);
        if (q->closing)
            return false;
        Call *c = new Call(svc, q);
        svc->RequestAdd(&c->ctx_, &c->req_, &c->responder_, q->cq.get(), q->cq.get(), c);
        return true;
    }

    // an event on this call's tag
    void proceed(bool ok)
    {
        if (!answered_ && ok) {
            request(svc_, q_); // keep the number of requested calls constant
            reply_.set_sum(req_.a() + req_.b());
            answered_ = true;
            responder_.Finish(reply_, grpc::Status::OK, this);
            return;
        }
        if (answered_ && ok)
            q_->ops++;
        delete this;
    }

  private:
    alrbench::Adder::AsyncService *svc_;
    Queue *q_;
    grpc::ServerContext ctx_;
    alrbench::AddRequest req_;
    alrbench::AddReply reply_;
    grpc::ServerAsyncResponseWriter<alrbench::AddReply> responder_;
    bool answered_ = false;
};

void poll_queue(Queue *q)
{
    void *tag;
    bool ok;
    while (q->cq->Next(&tag, &ok))
        static_cast<Call *>(tag)->proceed(ok);
}

[[noreturn]] void usage()
{
    std::fprintf(stderr,
                 "usage: grpc_server [--host H] [--port P] [--threads T] [--prepost N]\n");
    std::exit(2);
}

} // namespace

int main(int argc, char **argv)
{
    std::string host = "127.0.0.1";
    int port = 0, threads = 1, prepost = 64;
    if (!peer_opts::parse(argc, argv,
                          {peer_opts::str("--host", &host), peer_opts::num("--port", &port),
                           peer_opts::num("--threads", &threads),
                           peer_opts::num("--prepost", &prepost)}))
        usage();
    if (port < 0 || port > 65535 || threads < 1 || prepost < 1)
        usage();

    // SIGTERM and SIGINT go to the thread that waits for them (every thread,
    // gRPC's included, inherits the mask)
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

    alrbench::Adder::AsyncService svc;
    grpc::ServerBuilder builder;
    int bound = 0;
    builder.AddListeningPort(host + ":" + std::to_string(port), grpc::InsecureServerCredentials(),
                             &bound);
    builder.RegisterService(&svc);
    std::vector<std::unique_ptr<Queue>> queues;
    for (int t = 0; t < threads; t++) {
        queues.emplace_back(new Queue);
        queues.back()->cq = builder.AddCompletionQueue();
    }
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server || bound == 0) {
        std::fprintf(stderr, "grpc_server: cannot listen on %s:%d\n", host.c_str(), port);
        return 1;
    }
    for (auto &q : queues)
        for (int n = 0; n < prepost; n++)
            Call::request(&svc, q.get());
    std::vector<std::thread> pollers;
    for (auto &q : queues)
        pollers.emplace_back(poll_queue, q.get());

    std::uint64_t cpu0 = cpu_us();
    std::printf("ALRBENCH/1 role=server impl=grpc event=ready port=%d\n", bound);
    std::fflush(stdout);

    int sig = 0;
    sigwait(&sigs, &sig);
    for (auto &q : queues) {
        std::lock_guard<std::mutex> lock(q->mu);
        q->closing = true;
    }
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    for (auto &q : queues)
        q->cq->Shutdown();
    for (auto &t : pollers)
        t.join();
    std::uint64_t ops = 0;
    for (auto &q : queues)
        ops += q->ops;
    std::uint64_t cpu = cpu_us() - cpu0;
    std::printf("ALRBENCH/1 role=server impl=grpc event=exit ops=%llu cpu_us=%llu\n",
                static_cast<unsigned long long>(ops), static_cast<unsigned long long>(cpu));
    std::fflush(stdout);
    return 0;
}

/*
 * floor.c - the raw TCP floor of the RPC benchmarks (bench/run_rpc.sh): the
 * cheapest round trip and the highest message rate the kernel's loopback TCP
 * allows, against which every RPC row is compared.  The message is the one of
 * the benchmark service add(u64 a, u64 b) -> u64: a 16-byte request (a, b) and
 * an 8-byte reply (a + b), native byte order, no framing.
 *
 *   floor server [--host H] [--port P]
 *       Listens (port 0: any free port), prints the ready line, serves one
 *       connection at a time until SIGTERM or SIGINT, then prints the exit
 *       line (calls served and its CPU time since ready) and exits 0.  It
 *       reads up to 64 KiB, answers every whole request of what it read in one
 *       write, and keeps a partial request for the next read, so it serves
 *       both client modes without being told which.
 *   floor client --port P --mode pingpong|pipe --seconds S [--warmup W]
 *                [--inflight N] [--host H]
 *       pingpong: one request, wait for its reply, repeat (TCP_NODELAY,
 *       blocking read and write); every round trip is timed.
 *       pipe: requests written 4096 at a time (64 KiB writes) while replies
 *       are read as they come (one thread, poll); the ceiling in messages/s.
 *       --inflight is accepted for the driver's sake and ignored (pingpong
 *       has 1 in flight, pipe as many as the socket buffers hold).
 *       Runs W seconds of warm-up (default 0.2), then S timed seconds, and
 *       prints the result line.
 *
 * Result lines (format in bench/README.md, "RPC result lines"; printed, with
 * the latency recorder, by latency.h):
 *   ALRBENCH/1 role=server impl=floor event=ready port=P
 *   ALRBENCH/1 role=server impl=floor event=exit ops=N cpu_us=U
 *   ALRBENCH/1 role=client impl=floor mode=M inflight=N ops=N secs=S cpu_us=U
 *              [lat_n=... lat_min_us=... lat_mean_us=... lat_p50_us=...
 *               lat_p90_us=... lat_p99_us=... lat_max_us=...]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "latency.h"

#define REQ_SIZE   16               /* u64 a, u64 b */
#define REP_SIZE   8                /* u64 a + b */
#define IO_BYTES   65536            /* read size (server), write size (pipe client) */
#define PIPE_BATCH (IO_BYTES / REQ_SIZE)
#define B_VALUE    UINT64_C(0x0123456789)

/* ------------------------------------------------------------ helpers */

_Noreturn static void die(const char *what)
{
    fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void set_nodelay(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
        die("TCP_NODELAY");
}

/* 0 on success, -1 on error or end of stream */
static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_full(int fd, void *p, size_t n)
{
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* ------------------------------------------------------------ server */

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* serves one connection until end of stream (or a stop signal); returns the
 * number of requests answered */
static uint64_t serve(int fd)
{
    static unsigned char in[IO_BYTES], out[IO_BYTES / REQ_SIZE * REP_SIZE];
    size_t left = 0;
    uint64_t ops = 0;
    for (;;) {
        ssize_t r = read(fd, in + left, sizeof in - left);
        if (r < 0 && errno == EINTR) {
            if (stop_flag)
                break;
            continue;
        }
        if (r <= 0)
            break;
        size_t total = left + (size_t)r, m = total / REQ_SIZE;
        for (size_t i = 0; i < m; i++) {
            uint64_t a, b;
            memcpy(&a, in + i * REQ_SIZE, 8);
            memcpy(&b, in + i * REQ_SIZE + 8, 8);
            a += b;
            memcpy(out + i * REP_SIZE, &a, 8);
        }
        if (m && write_all(fd, out, m * REP_SIZE) < 0)
            break;
        ops += m;
        left = total - m * REQ_SIZE;
        if (left)
            memmove(in, in + m * REQ_SIZE, left);
    }
    return ops;
}

static int run_server(const char *host, int port)
{
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0)
        die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "floor: bad host '%s' (an IPv4 address)\n", host);
        return 2;
    }
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0)
        die("bind");
    if (listen(lfd, 16) < 0)
        die("listen");
    socklen_t sl = sizeof sa;
    if (getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
        die("getsockname");

    /* SIGTERM/SIGINT are blocked except inside ppoll (no lost wake-up while
     * waiting for a client) and while a connection is served (a blocking read
     * then fails with EINTR: no SA_RESTART) */
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_handler = on_signal;
    sigemptyset(&act.sa_mask);
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &orig);
    signal(SIGPIPE, SIG_IGN);

    uint64_t cpu0 = bench_cpu_us(), ops = 0;
    bench_server_ready("floor", ntohs(sa.sin_port));
    while (!stop_flag) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        int r = ppoll(&p, 1, NULL, &orig);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("ppoll");
        }
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }
        set_nodelay(fd);
        sigprocmask(SIG_SETMASK, &orig, NULL);
        ops += serve(fd);
        sigprocmask(SIG_BLOCK, &block, NULL);
        close(fd);
    }
    close(lfd);
    bench_server_exit("floor", ops, bench_cpu_us() - cpu0);
    return 0;
}

/* ------------------------------------------------------------ client */

typedef struct result {
    uint64_t ops;     /* replies received in the timed window */
    double secs;      /* length of the timed window */
    uint64_t cpu_us;  /* CPU time of this process in the timed window */
} result;

static int connect_to(const char *host, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "floor: bad host '%s' (an IPv4 address)\n", host);
        exit(2);
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        die("connect");
    set_nodelay(fd);
    return fd;
}

static int client_pingpong(int fd, double warmup, double seconds, result *res, latrec *lat)
{
    double t = bench_now_s(), t_warm = t + warmup, t_end = t_warm + seconds, t0 = 0;
    int timed = 0;
    uint64_t cpu0 = 0, ops = 0;
    for (uint64_t i = 1;; i++) {
        unsigned char req[REQ_SIZE];
        uint64_t a = i, b = B_VALUE, sum;
        memcpy(req, &a, 8);
        memcpy(req + 8, &b, 8);
        uint64_t s = bench_now_ns();
        if (write_all(fd, req, sizeof req) < 0 || read_full(fd, &sum, sizeof sum) < 0) {
            fprintf(stderr, "floor: pingpong: connection lost\n");
            return 1;
        }
        uint64_t e = bench_now_ns();
        if (sum != a + b) {
            fprintf(stderr, "floor: pingpong: wrong reply\n");
            return 1;
        }
        double tn = (double)e * 1e-9;
        if (!timed) {
            if (tn >= t_warm) {
                timed = 1;
                t0 = tn;
                cpu0 = bench_cpu_us();
            }
            continue;
        }
        if (tn >= t_end) {
            res->cpu_us = bench_cpu_us() - cpu0;
            res->secs = tn - t0;
            res->ops = ops;
            return 0;
        }
        latrec_add(lat, e - s);
        ops++;
    }
}

static int client_pipe(int fd, double warmup, double seconds, result *res)
{
    static unsigned char out[IO_BYTES], in[IO_BYTES];
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        die("O_NONBLOCK");
    double t = bench_now_s(), t_warm = t + warmup, t_end = t_warm + seconds, t0 = 0;
    int phase = 0;                  /* 0 warm-up, 1 timed, 2 draining */
    uint64_t sent = 0;              /* requests whose bytes are all written */
    uint64_t recvd = 0, recvd0 = 0; /* replies read */
    uint64_t cpu0 = 0;
    size_t off = IO_BYTES, in_left = 0; /* off == IO_BYTES: batch to refill */
    double last_progress = t;
    for (;;) {
        double tn = bench_now_s();
        if (phase == 0 && tn >= t_warm) {
            phase = 1;
            t0 = tn;
            cpu0 = bench_cpu_us();
            recvd0 = recvd;
        } else if (phase == 1 && tn >= t_end) {
            phase = 2;
            res->cpu_us = bench_cpu_us() - cpu0;
            res->secs = tn - t0;
            res->ops = recvd - recvd0;
        }
        if (off == IO_BYTES && phase < 2) {
            for (size_t k = 0; k < PIPE_BATCH; k++) {
                uint64_t a = sent + k + 1, b = B_VALUE;
                memcpy(out + k * REQ_SIZE, &a, 8);
                memcpy(out + k * REQ_SIZE + 8, &b, 8);
            }
            off = 0;
        }
        int sending = off < IO_BYTES;
        if (phase == 2 && !sending && recvd == sent)
            return 0;
        if (tn - last_progress > 5.0) {
            fprintf(stderr, "floor: pipe: no progress for 5 s\n");
            return 1;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN | (sending ? POLLOUT : 0)};
        if (poll(&p, 1, 100) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (p.revents & (POLLERR | POLLHUP)) {
            fprintf(stderr, "floor: pipe: connection lost\n");
            return 1;
        }
        if (sending && (p.revents & POLLOUT)) {
            ssize_t w = write(fd, out + off, IO_BYTES - off);
            if (w > 0) {
                off += (size_t)w;
                if (off == IO_BYTES)
                    sent += PIPE_BATCH;
                last_progress = tn;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                die("write");
            }
        }
        if (p.revents & POLLIN) {
            ssize_t r = read(fd, in + in_left, sizeof in - in_left);
            if (r == 0) {
                fprintf(stderr, "floor: pipe: connection closed by the server\n");
                return 1;
            }
            if (r < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    continue;
                die("read");
            }
            size_t total = in_left + (size_t)r, m = total / REP_SIZE;
            for (size_t k = 0; k < m; k++) {
                uint64_t sum;
                memcpy(&sum, in + k * REP_SIZE, 8);
                if (sum != recvd + k + 1 + B_VALUE) {
                    fprintf(stderr, "floor: pipe: wrong reply\n");
                    return 1;
                }
            }
            recvd += m;
            in_left = total - m * REP_SIZE;
            if (in_left)
                memmove(in, in + m * REP_SIZE, in_left);
            last_progress = tn;
        }
    }
}

static int run_client(const char *host, int port, const char *mode, double seconds,
                      double warmup)
{
    int pingpong = strcmp(mode, "pingpong") == 0;
    if (!pingpong && strcmp(mode, "pipe") != 0) {
        fprintf(stderr, "floor: unknown mode '%s' (pingpong or pipe)\n", mode);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int fd = connect_to(host, port);
    result res = {0};
    latrec lat = {0};
    int rc = pingpong ? client_pingpong(fd, warmup, seconds, &res, &lat)
                      : client_pipe(fd, warmup, seconds, &res);
    close(fd);
    if (rc)
        return rc;
    bench_client_result("floor", mode, pingpong ? 1 : 0, res.ops, res.secs, res.cpu_us, &lat);
    latrec_free(&lat);
    return 0;
}

/* ------------------------------------------------------------ main */

_Noreturn static void usage(void)
{
    fprintf(stderr, "usage: floor server [--host H] [--port P]\n"
                    "       floor client --port P --mode pingpong|pipe --seconds S"
                    " [--warmup W] [--inflight N] [--host H]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *host = "127.0.0.1", *mode = "pingpong";
    int port = -1;
    double seconds = 1.0, warmup = 0.2;
    for (int i = 2; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (strcmp(k, "--host") == 0)
            host = v;
        else if (strcmp(k, "--port") == 0)
            port = atoi(v);
        else if (strcmp(k, "--mode") == 0)
            mode = v;
        else if (strcmp(k, "--seconds") == 0)
            seconds = atof(v);
        else if (strcmp(k, "--warmup") == 0)
            warmup = atof(v);
        else if (strcmp(k, "--inflight") != 0)
            usage();
    }
    if (strcmp(argv[1], "server") == 0)
        return run_server(host, port < 0 ? 0 : port);
    if (strcmp(argv[1], "client") == 0) {
        if (port <= 0 || port > 65535 || !(seconds > 0) || warmup < 0)
            usage();
        return run_client(host, port, mode, seconds, warmup);
    }
    usage();
}

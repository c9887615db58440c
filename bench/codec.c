/*
 * codec.c - encode and decode time per message of the benchmark shapes, ALR
 * against protobuf-c in the same run: each figure is the median of RUNS runs
 * of at least MS milliseconds, ALR and protobuf-c runs interleaved so drift
 * hits both.  Usage: codec [BENCH_DIR] [RUNS] [MS] (defaults: bench 5 200).
 * Prints one markdown table; ratio = ALR / protobuf-c (< 1: ALR faster).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

typedef struct job {
    const bench_ctx *c;
    const bench_shape *s;
    const uint8_t *alr_data; /* the shape's ALR encoding */
    size_t alr_len;
    alr_buf out;             /* ALR encode output, reused */
    alr_arena *arena;        /* ALR decode, reset per message */
    void *value;             /* ALR decode target (sd->size bytes) */
    const uint8_t *pb_data;  /* the shape's protobuf encoding */
    size_t pb_len;
    uint8_t *pb_out;         /* protobuf encode output (pb_len bytes), reused */
    uint8_t *pb_arena;       /* PB_ARENA bytes for pb_dec_arena, reset per message */
    size_t pb_used;
    volatile size_t sink;
} job;

typedef int (*op_fn)(job *j, uint64_t n);

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int alr_enc(job *j, uint64_t n)
{
    size_t sink = 0;
    for (uint64_t i = 0; i < n; i++) {
        j->out.len = 0;
        if (alr_encode(j->s->sd, j->c->plan, j->s->value, &j->out) != ALR_OK)
            return -1;
        sink += j->out.len;
    }
    j->sink = sink;
    return 0;
}

static int alr_dec(job *j, uint64_t n)
{
    size_t sink = 0;
    for (uint64_t i = 0; i < n; i++) {
        alr_arena_reset(j->arena);
        if (alr_decode(j->s->sd, j->c->plan, j->alr_data, j->alr_len, j->value, j->arena,
                       NULL) != ALR_OK)
            return -1;
        sink += *(const uint8_t *)j->value;
    }
    j->sink = sink;
    return 0;
}

#if BENCH_HAVE_PROTOBUF
/* What a sender does: size the message (for the buffer and the frame
 * length), then pack it. */
static int pb_enc(job *j, uint64_t n)
{
    size_t sink = 0;
    for (uint64_t i = 0; i < n; i++) {
        size_t len = protobuf_c_message_get_packed_size(j->s->pb);
        if (len > j->pb_len)
            return -1;
        sink += protobuf_c_message_pack(j->s->pb, j->pb_out);
    }
    j->sink = sink;
    return 0;
}

/* pack() alone, into a buffer known to be large enough (a lower bound). */
static int pb_pack(job *j, uint64_t n)
{
    size_t sink = 0;
    for (uint64_t i = 0; i < n; i++)
        sink += protobuf_c_message_pack(j->s->pb, j->pb_out);
    j->sink = sink;
    return 0;
}

static int pb_dec(job *j, uint64_t n)
{
    size_t sink = 0;
    for (uint64_t i = 0; i < n; i++) {
        ProtobufCMessage *m = protobuf_c_message_unpack(j->s->pbd, NULL, j->pb_len, j->pb_data);
        if (!m)
            return -1;
        sink += m->descriptor->n_fields;
        protobuf_c_message_free_unpacked(m, NULL);
    }
    j->sink = sink;
    return 0;
}

/* The same with a bump allocator reset per message, as ALR's arena (what a
 * protobuf-c user who cares about decode speed does): no free_unpacked. */
#define PB_ARENA (8u << 20)

static void *pb_arena_alloc(void *ctx, size_t size)
{
    job *j = ctx;
    size = (size + 15) & ~(size_t)15;
    if (size > PB_ARENA - j->pb_used)
        return NULL;
    void *p = j->pb_arena + j->pb_used;
    j->pb_used += size;
    return p;
}

static void pb_arena_free(void *ctx, void *p)
{
    (void)ctx;
    (void)p;
}

static int pb_dec_arena(job *j, uint64_t n)
{
    ProtobufCAllocator a = {pb_arena_alloc, pb_arena_free, j};
    size_t sink = 0;
    for (uint64_t i = 0; i < n; i++) {
        j->pb_used = 0;
        ProtobufCMessage *m = protobuf_c_message_unpack(j->s->pbd, &a, j->pb_len, j->pb_data);
        if (!m)
            return -1;
        sink += m->descriptor->n_fields;
    }
    j->sink = sink;
    return 0;
}
#endif

/* Nanoseconds for n messages of op (or UINT64_MAX when the op fails). */
static uint64_t timed(op_fn op, job *j, uint64_t n)
{
    uint64_t t0 = now_ns();
    if (op(j, n) != 0)
        return UINT64_MAX;
    return now_ns() - t0;
}

/* Messages per run so that one run takes at least ms milliseconds. */
static uint64_t calibrate(op_fn op, job *j, unsigned ms)
{
    uint64_t n = 1, t;
    for (;;) {
        t = timed(op, j, n);
        if (t == UINT64_MAX)
            return 0;
        if (t >= 20000000u || n >= (UINT64_MAX >> 2))
            break;
        n *= 2;
    }
    double want = (double)ms * 1e6 / ((double)t / (double)n);
    return (uint64_t)(want * 1.05) + 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define MAX_RUNS 99

/* Median ns per message of ops a and b (b may be NULL), runs interleaved. */
static int measure(op_fn a, op_fn b, job *j, unsigned runs, unsigned ms, double *ma, double *mb)
{
    double ta[MAX_RUNS], tb[MAX_RUNS];
    uint64_t na = calibrate(a, j, ms), nb = b ? calibrate(b, j, ms) : 1;
    if (!na || !nb)
        return -1;
    for (unsigned r = 0; r < runs; r++) {
        /* alternate which goes first, so neither always runs on a warm cache */
        for (int k = 0; k < 2; k++) {
            int do_a = (k == 0) == (r % 2 == 0);
            if (!do_a && !b)
                continue;
            uint64_t t = do_a ? timed(a, j, na) : timed(b, j, nb);
            if (t == UINT64_MAX)
                return -1;
            if (do_a)
                ta[r] = (double)t / (double)na;
            else
                tb[r] = (double)t / (double)nb;
        }
    }
    qsort(ta, runs, sizeof ta[0], cmp_double);
    *ma = ta[runs / 2];
    if (b) {
        qsort(tb, runs, sizeof tb[0], cmp_double);
        *mb = tb[runs / 2];
    }
    return 0;
}

static void row(const char *shape, const char *op, double a, double b, int have_b)
{
    if (have_b)
        printf("| %s | %s | %.0f | %.0f | %.2f |\n", shape, op, a, b, a / b);
    else
        printf("| %s | %s | %.0f | - | - |\n", shape, op, a);
}

static void cpu_name(char *out, size_t len)
{
    snprintf(out, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p) {
                p += 1 + (p[1] == ' ');
                p[strcspn(p, "\n")] = '\0';
                snprintf(out, len, "%s", p);
            }
            break;
        }
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "bench";
    unsigned runs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 5;
    unsigned ms = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 200;
    if (runs < 1 || runs > MAX_RUNS || ms < 1) {
        fprintf(stderr, "usage: codec [BENCH_DIR] [RUNS 1..%d] [MS >= 1]\n", MAX_RUNS);
        return 2;
    }
    bench_ctx c;
    if (bench_load(&c, dir) != 0)
        return 1;

    char cpu[256];
    cpu_name(cpu, sizeof cpu);
    printf("ns per message, median of %u runs of >= %u ms; ratio = ALR / protobuf-c "
           "(< 1: ALR faster)\n%s; %s %s\n\n",
           runs, ms, cpu,
#ifdef __clang__
           "clang",
#else
           "gcc",
#endif
           __VERSION__);
    printf("| shape | operation | ALR ns | protobuf-c ns | ratio |\n");
    printf("| --- | --- | ---: | ---: | ---: |\n");
    fflush(stdout);

    int rc = 0;
    for (int i = 0; i < BENCH_NSHAPES && rc == 0; i++) {
        job j;
        memset(&j, 0, sizeof j);
        j.c = &c;
        j.s = &c.shape[i];
        alr_buf enc;
        if (bench_check_alr(&c, j.s, &enc) != 0)
            return 1;
        j.alr_data = enc.data;
        j.alr_len = enc.len;
        j.arena = alr_arena_new();
        j.value = calloc(1, j.s->sd->size);
        if (!j.arena || !j.value)
            return 1;
        double a, b = 0;
        op_fn penc = NULL, ppack = NULL, pdec = NULL, pdeca = NULL;
#if BENCH_HAVE_PROTOBUF
        uint8_t *pbd;
        if (bench_check_pb(j.s, &pbd, &j.pb_len) != 0)
            return 1;
        j.pb_data = pbd;
        j.pb_out = malloc(j.pb_len ? j.pb_len : 1);
        j.pb_arena = malloc(PB_ARENA);
        if (!j.pb_out || !j.pb_arena)
            return 1;
        penc = pb_enc;
        ppack = pb_pack;
        pdec = pb_dec;
        pdeca = pb_dec_arena;
#endif
        if (measure(alr_enc, penc, &j, runs, ms, &a, &b) != 0)
            rc = 1;
        else
            row(j.s->name, "encode", a, b, penc != NULL);
        if (ppack && rc == 0) {
            if (measure(alr_enc, ppack, &j, runs, ms, &a, &b) != 0)
                rc = 1;
            else
                row(j.s->name, "encode (protobuf-c: pack only)", a, b, 1);
        }
        if (rc == 0) {
            if (measure(alr_dec, pdec, &j, runs, ms, &a, &b) != 0)
                rc = 1;
            else
                row(j.s->name, "decode", a, b, pdec != NULL);
        }
        if (pdeca && rc == 0) {
            if (measure(alr_dec, pdeca, &j, runs, ms, &a, &b) != 0)
                rc = 1;
            else
                row(j.s->name, "decode (protobuf-c: arena allocator)", a, b, 1);
        }
        fflush(stdout);
        free(j.out.data);
        free(enc.data);
        free(j.value);
        alr_arena_free(j.arena);
        free((void *)j.pb_data);
        free(j.pb_out);
        free(j.pb_arena);
    }
    if (rc)
        fprintf(stderr, "codec: an operation failed during the measurement\n");
    printf("\n");
    if (BENCH_HAVE_PROTOBUF)
        printf("encode: ALR alr_encode into a reused alr_buf; protobuf-c get_packed_size + pack "
               "into a reused buffer.\ndecode: ALR alr_decode into an arena reset per message; "
               "protobuf-c unpack + free_unpacked.\nRows in parentheses: protobuf-c pack() "
               "alone into a presized buffer; unpack with a bump\nallocator reset per message "
               "and no free_unpacked (the best case of each).\nSame data (bench/data/*.json) "
               "on both sides; ALR with the plan of a connection (identity).\n");
    else
        printf("%s\n", BENCH_NO_PROTOBUF_MSG);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    printf("NOTE: built with sanitizers: these timings mean nothing.\n");
#endif
    bench_free(&c);
    return rc;
}

/*
 * wire_measure.c - the measurements behind spec/wire-format.md: integer
 * sizes and speeds of the lead-byte form against LEB128 (+zigzag, the
 * protobuf varint) over several value distributions, and encode/decode
 * ns per message of the codec for small messages.  Not built by default:
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Iruntime/include -Iruntime \
 *      tools/wire_measure.c runtime/codec.c runtime/wire.c runtime/frame.c -lm -o wire_measure
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alr/codec.h"
#include "frame.h"
#include "wire.h"

static uint64_t rng = 0x12345678;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- integers ---- */

#define NV 1000000

typedef struct dist {
    const char *name;
    int is_signed;
} dist;

static const dist dists[] = {
    {"0..127", 0},          {"0..16383", 0},     {"0..65535", 0},   {"u32 uniform", 0},
    {"u64 uniform", 0},     {"ns timestamps", 0}, {"bit length 1..64", 0},
    {"i32 -64..63", 1},     {"i32 -8192..8191", 1}, {"i64 bit length", 1},
};

static uint64_t draw(int d)
{
    switch (d) {
    case 0:
        return 1 + rnd() % 127;
    case 1:
        return 1 + rnd() % 16383;
    case 2:
        return 1 + rnd() % 65535;
    case 3:
        return (uint32_t)rnd() | 1;
    case 4:
        return rnd() | 1;
    case 5:
        return 1700000000000000000ull + rnd() % 100000000000000000ull;
    case 6:
        return (rnd() >> (rnd() % 64)) | 1;
    case 7:
        return alri_zigzag64((int64_t)(rnd() % 128) - 64) | 1;
    case 8:
        return alri_zigzag64((int64_t)(rnd() % 16384) - 8192) | 1;
    default:
        return alri_zigzag64((int64_t)(rnd() >> (rnd() % 64)) * (rnd() & 1 ? 1 : -1)) | 1;
    }
}

static void measure_ints(void)
{
    uint64_t *v = malloc(NV * sizeof *v), *back = malloc(NV * sizeof *back);
    uint8_t *buf = malloc(NV * 10 + 16);
    printf("## Integers: lead-byte form vs LEB128 (zigzag for signed), %d values each\n\n", NV);
    printf("| distribution | lead B/value | LEB128 B/value | lead enc ns | LEB enc ns "
           "| lead dec ns | LEB dec ns |\n|---|---|---|---|---|---|---|\n");
    for (int d = 0; d < (int)(sizeof dists / sizeof dists[0]); d++) {
        for (int i = 0; i < NV; i++)
            v[i] = draw(d);
        double best[4] = {1e30, 1e30, 1e30, 1e30};
        size_t lead_bytes = 0, leb_bytes = 0;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = now_ns();
            uint8_t *p = buf;
            for (int i = 0; i < NV; i++)
                p += alri_wput_uint(p, v[i]);
            double t1 = now_ns();
            lead_bytes = (size_t)(p - buf);
            const uint8_t *q = buf, *end = p;
            for (int i = 0; i < NV; i++)
                if (alri_wget_uint(&q, end, &back[i]))
                    abort();
            double t2 = now_ns();
            if (memcmp(v, back, NV * sizeof *v))
                abort();
            p = buf;
            for (int i = 0; i < NV; i++)
                p += alri_leb_put(p, v[i]);
            double t3 = now_ns();
            leb_bytes = (size_t)(p - buf);
            q = buf;
            end = p;
            for (int i = 0; i < NV; i++) {
                int r = alri_leb_get(q, end, &back[i]);
                if (r <= 0)
                    abort();
                q += r;
            }
            double t4 = now_ns();
            if (memcmp(v, back, NV * sizeof *v))
                abort();
            double t[4] = {t1 - t0, t3 - t2, t2 - t1, t4 - t3};
            for (int k = 0; k < 4; k++)
                if (t[k] < best[k])
                    best[k] = t[k];
        }
        printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", dists[d].name,
               (double)lead_bytes / NV, (double)leb_bytes / NV, best[0] / NV, best[1] / NV,
               best[2] / NV, best[3] / NV);
    }
    free(v);
    free(back);
    free(buf);
}

/* ---- messages ---- */

static const alr_type_desc t_u32 = {.kind = ALR_K_U32, .size = 4, .align = 4};
static const alr_type_desc t_i32 = {.kind = ALR_K_I32, .size = 4, .align = 4};
static const alr_type_desc t_u64 = {.kind = ALR_K_U64, .size = 8, .align = 8};
static const alr_type_desc t_f64 = {.kind = ALR_K_F64, .size = 8, .align = 8};
static const alr_type_desc t_bool = {.kind = ALR_K_BOOL, .size = 1, .align = 1};
static const alr_type_desc t_str = {.kind = ALR_K_STRING, .size = sizeof(char *),
                                    .align = alignof(char *)};

typedef struct Order {
    uint32_t id;
    int32_t qty;
    double price;
    char *symbol;
    bool buy;
    uint64_t ts;
    uint32_t flags;
    uint32_t venue;
} Order;
static const alr_member_desc order_m[] = {
    {"id", offsetof(Order, id), &t_u32, NULL},
    {"qty", offsetof(Order, qty), &t_i32, NULL},
    {"price", offsetof(Order, price), &t_f64, NULL},
    {"symbol", offsetof(Order, symbol), &t_str, NULL},
    {"buy", offsetof(Order, buy), &t_bool, NULL},
    {"ts", offsetof(Order, ts), &t_u64, NULL},
    {"flags", offsetof(Order, flags), &t_u32, NULL},
    {"venue", offsetof(Order, venue), &t_u32, NULL},
};
static const alr_struct_desc order_sd = {"m.Order", sizeof(Order), alignof(Order), 8, order_m, 0};

typedef struct AddArgs {
    uint64_t a, b;
} AddArgs;
static const alr_member_desc add_m[] = {{"a", 0, &t_u64, NULL}, {"b", 8, &t_u64, NULL}};
static const alr_struct_desc add_sd = {"m.add$args", 16, 8, 2, add_m, ALR_DESC_ARGS | 0};

static void bench(const char *name, const alr_struct_desc *sd, const void *v, size_t vsize)
{
    const int N = 2000000;
    alr_buf b = {0};
    alr_arena *a = alr_arena_new();
    void *out = malloc(vsize);
    double best_e = 1e30, best_d = 1e30, best_s = 1e30;
    size_t len = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now_ns();
        for (int i = 0; i < N; i++) {
            b.len = 0;
            if (alr_encode(sd, NULL, v, &b) != ALR_OK)
                abort();
        }
        double t1 = now_ns();
        len = b.len;
        for (int i = 0; i < N; i++) {
            if (alr_decode(sd, NULL, b.data, b.len, out, a, NULL) != ALR_OK)
                abort();
            alr_arena_reset(a);
        }
        double t2 = now_ns();
        size_t sum = 0;
        for (int i = 0; i < N; i++)
            sum += alr_encoded_size(sd, NULL, v);
        double t3 = now_ns();
        if (sum != len * (size_t)N)
            abort();
        if ((t1 - t0) / N < best_e)
            best_e = (t1 - t0) / N;
        if ((t2 - t1) / N < best_d)
            best_d = (t2 - t1) / N;
        if ((t3 - t2) / N < best_s)
            best_s = (t3 - t2) / N;
    }
    printf("| %s | %zu | %.1f | %.1f | %.1f |\n", name, len, best_e, best_d, best_s);
    free(out);
    free(b.data);
    alr_arena_free(a);
}

int main(void)
{
    measure_ints();
    printf("\n## Messages (best of 5 x 2M, one thread)\n\n| message | body bytes | encode ns "
           "| decode ns (incl. arena reset) | size ns |\n|---|---|---|---|---|\n");
    AddArgs add = {20, 22};
    bench("add(20, 22)", &add_sd, &add, sizeof add);
    Order o = {123456, -50, 101.25, "ACME", true, 1700000000123456789ull, 0, 3};
    bench("Order (8 fields, 1 default)", &order_sd, &o, sizeof o);
    Order z = {0};
    bench("Order all default", &order_sd, &z, sizeof z);
    return 0;
}

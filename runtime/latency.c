/*
 * latency.c - the latency recorder (alr_latency_*, alr/rpc.h).
 *
 * A log-bucketed histogram: values 0..15 have a bucket each; a value v >=
 * 16 with highest set bit e (4..63) goes to bucket (e - 3) * 16 + the next
 * four bits below e, so each power of two is split in 16 equal buckets and
 * a bucket's width is at most 1/16 of its lower bound.  A percentile is
 * reported as the midpoint of the bucket holding that rank, clamped to
 * [min, max]: within 1/32 of every value in the bucket.
 *
 * Invariants: every field is only touched with relaxed atomics, so adds
 * from any number of threads are lock-free and never lost; count is the
 * sum of the buckets once the adds have returned.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "alr/rpc.h"

#define LAT_BUCKETS (61u * 16u)

struct alr_latency {
    atomic_ullong count, sum, min, max;
    atomic_ullong b[LAT_BUCKETS];
};

static unsigned bucket_of(uint64_t v)
{
    if (v < 16)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);
    return (e - 3u) * 16u + (unsigned)((v >> (e - 4u)) & 15u);
}

/* Lowest value of bucket i and its width. */
static void bucket_range(unsigned i, uint64_t *lo, uint64_t *width)
{
    if (i < 16) {
        *lo = i;
        *width = 1;
        return;
    }
    unsigned e = i / 16u + 3u, sub = i % 16u;
    *width = (uint64_t)1 << (e - 4u);
    *lo = ((uint64_t)1 << e) + (uint64_t)sub * *width;
}

alr_latency *alr_latency_new(void)
{
    alr_latency *l = malloc(sizeof *l);
    if (l)
        alr_latency_reset(l);
    return l;
}

void alr_latency_reset(alr_latency *l)
{
    if (!l)
        return;
    atomic_init(&l->count, 0);
    atomic_init(&l->sum, 0);
    atomic_init(&l->min, UINT64_MAX);
    atomic_init(&l->max, 0);
    for (unsigned i = 0; i < LAT_BUCKETS; i++)
        atomic_init(&l->b[i], 0);
}

void alr_latency_free(alr_latency *l)
{
    free(l);
}

void alr_latency_add(alr_latency *l, uint64_t ns)
{
    if (!l)
        return;
    atomic_fetch_add_explicit(&l->b[bucket_of(ns)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->sum, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->count, 1, memory_order_relaxed);
    unsigned long long m = atomic_load_explicit(&l->min, memory_order_relaxed);
    while (ns < m && !atomic_compare_exchange_weak_explicit(&l->min, &m, ns, memory_order_relaxed,
                                                            memory_order_relaxed)) {
    }
    m = atomic_load_explicit(&l->max, memory_order_relaxed);
    while (ns > m && !atomic_compare_exchange_weak_explicit(&l->max, &m, ns, memory_order_relaxed,
                                                            memory_order_relaxed)) {
    }
}

static uint64_t rank_value(const uint64_t *b, uint64_t total, double p, uint64_t mn, uint64_t mx)
{
    uint64_t rank = (uint64_t)(p * (double)total + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > total)
        rank = total;
    uint64_t seen = 0;
    for (unsigned i = 0; i < LAT_BUCKETS; i++) {
        seen += b[i];
        if (seen >= rank) {
            uint64_t lo, w;
            bucket_range(i, &lo, &w);
            uint64_t v = lo + (w - 1) / 2;
            return v < mn ? mn : v > mx ? mx : v;
        }
    }
    return mx;
}

void alr_latency_summary(const alr_latency *l, alr_latency_report *s)
{
    if (!s)
        return;
    *s = (alr_latency_report){0};
    if (!l)
        return;
    alr_latency *m = (alr_latency *)l;
    uint64_t b[LAT_BUCKETS];
    uint64_t total = 0;
    for (unsigned i = 0; i < LAT_BUCKETS; i++) {
        b[i] = atomic_load_explicit(&m->b[i], memory_order_relaxed);
        total += b[i];
    }
    if (!total)
        return;
    s->count = total;
    s->min = atomic_load_explicit(&m->min, memory_order_relaxed);
    s->max = atomic_load_explicit(&m->max, memory_order_relaxed);
    s->mean = (double)atomic_load_explicit(&m->sum, memory_order_relaxed) / (double)total;
    s->p50 = rank_value(b, total, 0.50, s->min, s->max);
    s->p90 = rank_value(b, total, 0.90, s->min, s->max);
    s->p99 = rank_value(b, total, 0.99, s->min, s->max);
}

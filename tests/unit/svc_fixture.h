/*
 * svc_fixture.h - the small service the async and flow-control tests share:
 * its .alr text (package FIXTURE_PKG, defined by the includer), the
 * descriptors written by hand the way alrc --emit=c writes them, the
 * handlers, and the in-process compile of the schema.  Included by exactly
 * one test file per binary; everything here is static.
 */
#ifndef FIXTURE_PKG
#error "define FIXTURE_PKG (a package name string) before including svc_fixture.h"
#endif

#include "compile_blob.h"

/* ------------------------------------------------------------ the schema */

static const char SCHEMA[] =
    "package " FIXTURE_PKG ";\n"
    "service Svc {\n"
    "    static u64 add(u64 a, u64 b);\n"
    "    static void sleep_ms(u32 ms);\n"
    "    static status fail(i32 how);\n"
    "    static oneway void log_event(u32 v);\n"
    "    static oneway status audit(i32 how);\n"
    "}\n";

enum { M_ADD = 0, M_SLEEP = 1, M_FAIL = 2, M_LOG = 3, M_AUDIT = 4 };

typedef struct { uint64_t a, b; } add_args;
typedef struct { uint64_t ret; } u64_ret;
typedef struct { uint32_t v; } u32_args;
typedef struct { int32_t v; } i32_args;

static const alr_type_desc t_u64 = {.kind = ALR_K_U64, .size = 8, .align = 8};
static const alr_type_desc t_u32 = {.kind = ALR_K_U32, .size = 4, .align = 4};
static const alr_type_desc t_i32 = {.kind = ALR_K_I32, .size = 4, .align = 4};
static const alr_member_desc m_add[] = {{"a", 0, &t_u64, NULL}, {"b", 8, &t_u64, NULL}};
static const alr_member_desc m_ret[] = {{"return", 0, &t_u64, NULL}};
static const alr_member_desc m_ms[] = {{"ms", 0, &t_u32, NULL}};
static const alr_member_desc m_how[] = {{"how", 0, &t_i32, NULL}};
static const alr_member_desc m_v[] = {{"v", 0, &t_u32, NULL}};
static const alr_struct_desc sd_add = {FIXTURE_PKG ".Svc.add$args", 16, 8, 2, m_add, ALR_DESC_ARGS | 0};
static const alr_struct_desc sd_add_ret = {FIXTURE_PKG ".Svc.add$ret", 8, 8, 1, m_ret, ALR_DESC_RET | 0};
static const alr_struct_desc sd_sleep = {FIXTURE_PKG ".Svc.sleep_ms$args", 4, 4, 1, m_ms, ALR_DESC_ARGS | 1};
static const alr_struct_desc sd_fail = {FIXTURE_PKG ".Svc.fail$args", 4, 4, 1, m_how, ALR_DESC_ARGS | 2};
static const alr_struct_desc sd_log = {FIXTURE_PKG ".Svc.log_event$args", 4, 4, 1, m_v, ALR_DESC_ARGS | 3};
static const alr_struct_desc sd_audit = {FIXTURE_PKG ".Svc.audit$args", 4, 4, 1, m_how, ALR_DESC_ARGS | 4};

/* ------------------------------------------------------------ the server */

static atomic_int cancels_seen, audits_run, logs_run, sleeps_started;

/* log_event(v) with the top bit set is a numbered stream: bits 24..30 the
 * stream (a producer thread), bits 0..23 its sequence number from 0.  The
 * handler counts, per stream, the calls run and those out of order. */
#define STREAM_BIT 0x80000000u
#define STREAMS 16u
static atomic_uint stream_next[STREAMS], stream_bad[STREAMS];
/* log_event(GATE_V) waits (at most 20 s) until gate_open */
#define GATE_V 0x7fffffffu
static atomic_int gate_open;

static alr_err h_add(alr_call *c, const void *h, void *a, void *r)
{
    (void)c, (void)h;
    ((u64_ret *)r)->ret = ((add_args *)a)->a + ((add_args *)a)->b;
    return ALR_OK;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static alr_err h_sleep(alr_call *c, const void *h, void *a, void *r)
{
    (void)h, (void)r;
    atomic_fetch_add(&sleeps_started, 1);
    uint32_t ms = ((u32_args *)a)->v;
    for (uint32_t t = 0; t < ms && !alr_call_cancelled(c); t += 2)
        sleep_ms(2);
    if (alr_call_cancelled(c))
        atomic_fetch_add(&cancels_seen, 1);
    return ALR_OK;
}

static alr_err h_fail(alr_call *c, const void *h, void *a, void *r)
{
    (void)h, (void)r;
    int32_t how = ((i32_args *)a)->v;
    if (how) {
        alr_call_set_app_error(c, how, "fail(%d)", (int)how);
        return ALR_EAPP;
    }
    return ALR_OK;
}

static alr_err h_log(alr_call *c, const void *h, void *a, void *r)
{
    (void)h, (void)r;
    atomic_fetch_add(&logs_run, 1);
    uint32_t v = ((u32_args *)a)->v;
    if (v == GATE_V) {
        for (unsigned w = 0; w < 20000 && !atomic_load(&gate_open); w++)
            sleep_ms(1);
        return ALR_OK;
    }
    if (v & STREAM_BIT) { /* a slot's calls run one at a time, in order */
        unsigned s = (v >> 24) & 0x7fu;
        if (s < STREAMS) {
            if (atomic_load(&stream_next[s]) != (v & 0xffffffu))
                atomic_fetch_add(&stream_bad[s], 1);
            atomic_store(&stream_next[s], (v & 0xffffffu) + 1);
        }
        return ALR_OK;
    }
    if (v == 666) {
        alr_call_set_error(c, "log_event refuses 666");
        return ALR_EINVAL;
    }
    return ALR_OK;
}

static alr_err h_audit(alr_call *c, const void *h, void *a, void *r)
{
    (void)h, (void)r;
    atomic_fetch_add(&audits_run, 1);
    int32_t how = ((i32_args *)a)->v;
    if (how) {
        alr_call_set_error(c, "audit(%d) failed", (int)how);
        return ALR_EINVAL;
    }
    return ALR_OK;
}

static const alr_method_info METHODS[] = {
    {FIXTURE_PKG ".Svc.add", 0, ALR_METHOD_STATIC, ALR_RET_VALUE, 0, &sd_add, &sd_add_ret, h_add},
    {FIXTURE_PKG ".Svc.sleep_ms", 0, ALR_METHOD_STATIC, ALR_RET_VOID, 0, &sd_sleep, NULL, h_sleep},
    {FIXTURE_PKG ".Svc.fail", 0, ALR_METHOD_STATIC, ALR_RET_STATUS, 0, &sd_fail, NULL, h_fail},
    {FIXTURE_PKG ".Svc.log_event", 0, ALR_METHOD_STATIC, ALR_RET_ONEWAY, 0, &sd_log, NULL, h_log},
    {FIXTURE_PKG ".Svc.audit", 0, ALR_METHOD_STATIC, ALR_RET_ONEWAY_STATUS, 0, &sd_audit, NULL,
     h_audit},
};
static const char *const SERVICES[] = {FIXTURE_PKG ".Svc"};
static const int HANDLERS = 1; /* any non-NULL table: the invoke functions ignore it */

static alr_iface IF;

static uint8_t *compile_schema(size_t *len)
{
    return compile_text_tmp(FIXTURE_PKG, SCHEMA, sizeof SCHEMA - 1, len);
}


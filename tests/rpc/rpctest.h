/*
 * rpctest.h - hand-written "generated code" for tests/rpc/rpctest.alr (and
 * its v2): C structs, descriptors, handler tables, invoke functions, stubs
 * and the alr_iface, written the way alrc --emit=c will, plus the test
 * handlers shared by tests/unit/test_rpc.c and the tests/rpc/ programs.
 * Local indices (services sorted by name, methods in declaration order):
 * services Calc 0, CalcClient 1, Unserved 2, Zeta 3 (v2 only).
 */
#ifndef ALR_TESTS_RPCTEST_H
#define ALR_TESTS_RPCTEST_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alr/rpc.h"

enum {
    RPCTEST_SVC_CALC = 0,
    RPCTEST_SVC_CALCCLIENT = 1,
    RPCTEST_SVC_UNSERVED = 2,
    RPCTEST_SVC_ZETA = 3,
};
enum {
    RPCTEST_M_ADD = 0,
    RPCTEST_M_ECHO = 1,
    RPCTEST_M_SLEEP_MS = 2,
    RPCTEST_M_WAIT_TIMEOUT = 3,
    RPCTEST_M_FAIL = 4,
    RPCTEST_M_CALL_BACK = 5,
    RPCTEST_M_PID = 6,
    RPCTEST_M_TIMEOUTS_SEEN = 7,
    RPCTEST_M_NOTIFY = 8,
    RPCTEST_M_NOTHING = 9,
    RPCTEST_M_NEWER = 10, /* v2 */
};
enum { RPCTEST_CalcError_none = 0, RPCTEST_CalcError_too_big = 1, RPCTEST_CalcError_negative = 2 };

/* ---- argument and result structs ---- */
typedef struct { uint64_t a, b; } rpctest_add_args;
typedef struct { uint64_t ret; } rpctest_u64_ret;
typedef struct { char *s; } rpctest_echo_args;
typedef struct { char *ret; } rpctest_echo_ret;
typedef struct { uint32_t v; } rpctest_u32_args; /* sleep_ms, wait_timeout, call_back, notify */
typedef struct { int32_t how; } rpctest_fail_args;
typedef struct { uint64_t x; } rpctest_newer_args;

/* ---- descriptors ---- */
static const alr_type_desc rpctest_t_u64 = {.kind = ALR_K_U64, .size = 8, .align = 8};
static const alr_type_desc rpctest_t_u32 = {.kind = ALR_K_U32, .size = 4, .align = 4};
static const alr_type_desc rpctest_t_i32 = {.kind = ALR_K_I32, .size = 4, .align = 4};
static const alr_type_desc rpctest_t_str = {.kind = ALR_K_STRING, .size = sizeof(char *),
                                            .align = alignof(char *)};

static const alr_member_desc rpctest_m_add[] = {
    {"a", offsetof(rpctest_add_args, a), &rpctest_t_u64, NULL},
    {"b", offsetof(rpctest_add_args, b), &rpctest_t_u64, NULL}};
static const alr_member_desc rpctest_m_u64_ret[] = {{"return", 0, &rpctest_t_u64, NULL}};
static const alr_member_desc rpctest_m_echo[] = {{"s", 0, &rpctest_t_str, NULL}};
static const alr_member_desc rpctest_m_echo_ret[] = {{"return", 0, &rpctest_t_str, NULL}};
static const alr_member_desc rpctest_m_ms[] = {{"ms", 0, &rpctest_t_u32, NULL}};
static const alr_member_desc rpctest_m_max_ms[] = {{"max_ms", 0, &rpctest_t_u32, NULL}};
static const alr_member_desc rpctest_m_n[] = {{"n", 0, &rpctest_t_u32, NULL}};
static const alr_member_desc rpctest_m_how[] = {{"how", 0, &rpctest_t_i32, NULL}};
static const alr_member_desc rpctest_m_x[] = {{"x", 0, &rpctest_t_u64, NULL}};

#define RPCTEST_SD(name, size, align, n, members, index) {name, size, align, n, members, index}

static const alr_struct_desc rpctest_sd_add = RPCTEST_SD(
    "rpctest.Calc.add$args", sizeof(rpctest_add_args), 8, 2, rpctest_m_add, ALR_DESC_ARGS | 0);
static const alr_struct_desc rpctest_sd_add_ret = RPCTEST_SD(
    "rpctest.Calc.add$ret", 8, 8, 1, rpctest_m_u64_ret, ALR_DESC_RET | 0);
static const alr_struct_desc rpctest_sd_echo = RPCTEST_SD(
    "rpctest.Calc.echo$args", sizeof(rpctest_echo_args), alignof(char *), 1, rpctest_m_echo,
    ALR_DESC_ARGS | 1);
static const alr_struct_desc rpctest_sd_echo_ret = RPCTEST_SD(
    "rpctest.Calc.echo$ret", sizeof(rpctest_echo_ret), alignof(char *), 1, rpctest_m_echo_ret,
    ALR_DESC_RET | 1);
static const alr_struct_desc rpctest_sd_sleep = RPCTEST_SD(
    "rpctest.Calc.sleep_ms$args", 4, 4, 1, rpctest_m_ms, ALR_DESC_ARGS | 2);
static const alr_struct_desc rpctest_sd_wait = RPCTEST_SD(
    "rpctest.Calc.wait_timeout$args", 4, 4, 1, rpctest_m_max_ms, ALR_DESC_ARGS | 3);
static const alr_struct_desc rpctest_sd_wait_ret = RPCTEST_SD(
    "rpctest.Calc.wait_timeout$ret", 8, 8, 1, rpctest_m_u64_ret, ALR_DESC_RET | 3);
static const alr_struct_desc rpctest_sd_fail = RPCTEST_SD(
    "rpctest.Calc.fail$args", 4, 4, 1, rpctest_m_how, ALR_DESC_ARGS | 4);
static const alr_struct_desc rpctest_sd_call_back = RPCTEST_SD(
    "rpctest.Calc.call_back$args", 4, 4, 1, rpctest_m_n, ALR_DESC_ARGS | 5);
static const alr_struct_desc rpctest_sd_call_back_ret = RPCTEST_SD(
    "rpctest.Calc.call_back$ret", 8, 8, 1, rpctest_m_u64_ret, ALR_DESC_RET | 5);
static const alr_struct_desc rpctest_sd_pid = RPCTEST_SD(
    "rpctest.Calc.pid$args", 0, 1, 0, NULL, ALR_DESC_ARGS | 6);
static const alr_struct_desc rpctest_sd_pid_ret = RPCTEST_SD(
    "rpctest.Calc.pid$ret", 8, 8, 1, rpctest_m_u64_ret, ALR_DESC_RET | 6);
static const alr_struct_desc rpctest_sd_seen = RPCTEST_SD(
    "rpctest.Calc.timeouts_seen$args", 0, 1, 0, NULL, ALR_DESC_ARGS | 7);
static const alr_struct_desc rpctest_sd_seen_ret = RPCTEST_SD(
    "rpctest.Calc.timeouts_seen$ret", 8, 8, 1, rpctest_m_u64_ret, ALR_DESC_RET | 7);
static const alr_struct_desc rpctest_sd_notify = RPCTEST_SD(
    "rpctest.CalcClient.notify$args", 4, 4, 1, rpctest_m_n, ALR_DESC_ARGS | 8);
static const alr_struct_desc rpctest_sd_notify_ret = RPCTEST_SD(
    "rpctest.CalcClient.notify$ret", 8, 8, 1, rpctest_m_u64_ret, ALR_DESC_RET | 8);
static const alr_struct_desc rpctest_sd_nothing = RPCTEST_SD(
    "rpctest.Unserved.nothing$args", 0, 1, 0, NULL, ALR_DESC_ARGS | 9);
static const alr_struct_desc rpctest_sd_newer = RPCTEST_SD(
    "rpctest.Zeta.newer$args", 8, 8, 1, rpctest_m_x, ALR_DESC_ARGS | 10);
static const alr_struct_desc rpctest_sd_newer_ret = RPCTEST_SD(
    "rpctest.Zeta.newer$ret", 8, 8, 1, rpctest_m_u64_ret, ALR_DESC_RET | 10);

/* ---- handler tables ---- */
typedef struct rpctest_Calc_handlers {
    alr_err (*add)(alr_call *call, uint64_t a, uint64_t b, uint64_t *ret);
    alr_err (*echo)(alr_call *call, const char *s, char **ret);
    alr_err (*sleep_ms)(alr_call *call, uint32_t ms);
    alr_err (*wait_timeout)(alr_call *call, uint32_t max_ms, uint64_t *ret);
    alr_err (*fail)(alr_call *call, int32_t how);
    alr_err (*call_back)(alr_call *call, uint32_t n, uint64_t *ret);
    alr_err (*pid)(alr_call *call, uint64_t *ret);
    alr_err (*timeouts_seen)(alr_call *call, uint64_t *ret);
} rpctest_Calc_handlers;

typedef struct rpctest_CalcClient_handlers {
    alr_err (*notify)(alr_call *call, uint32_t n, uint64_t *ret);
} rpctest_CalcClient_handlers;

typedef struct rpctest_Unserved_handlers {
    alr_err (*nothing)(alr_call *call);
} rpctest_Unserved_handlers;

typedef struct rpctest_Zeta_handlers {
    alr_err (*newer)(alr_call *call, uint64_t x, uint64_t *ret);
} rpctest_Zeta_handlers;

/* ---- invoke functions (NULL handler: ALR_ENOMETHOD) ---- */
#define RPCTEST_H(T, f) const T *h_ = handlers; if (!h_->f) return ALR_ENOMETHOD
static inline alr_err rpctest_inv_add(alr_call *c, const void *handlers, void *a, void *r)
{
    RPCTEST_H(rpctest_Calc_handlers, add);
    return h_->add(c, ((rpctest_add_args *)a)->a, ((rpctest_add_args *)a)->b,
                   &((rpctest_u64_ret *)r)->ret);
}
static inline alr_err rpctest_inv_echo(alr_call *c, const void *handlers, void *a, void *r)
{
    RPCTEST_H(rpctest_Calc_handlers, echo);
    return h_->echo(c, ((rpctest_echo_args *)a)->s ? ((rpctest_echo_args *)a)->s : "",
                    &((rpctest_echo_ret *)r)->ret);
}
static inline alr_err rpctest_inv_sleep_ms(alr_call *c, const void *handlers, void *a, void *r)
{
    (void)r;
    RPCTEST_H(rpctest_Calc_handlers, sleep_ms);
    return h_->sleep_ms(c, ((rpctest_u32_args *)a)->v);
}
static inline alr_err rpctest_inv_wait_timeout(alr_call *c, const void *handlers, void *a, void *r)
{
    RPCTEST_H(rpctest_Calc_handlers, wait_timeout);
    return h_->wait_timeout(c, ((rpctest_u32_args *)a)->v, &((rpctest_u64_ret *)r)->ret);
}
static inline alr_err rpctest_inv_fail(alr_call *c, const void *handlers, void *a, void *r)
{
    (void)r;
    RPCTEST_H(rpctest_Calc_handlers, fail);
    return h_->fail(c, ((rpctest_fail_args *)a)->how);
}
static inline alr_err rpctest_inv_call_back(alr_call *c, const void *handlers, void *a, void *r)
{
    RPCTEST_H(rpctest_Calc_handlers, call_back);
    return h_->call_back(c, ((rpctest_u32_args *)a)->v, &((rpctest_u64_ret *)r)->ret);
}
static inline alr_err rpctest_inv_pid(alr_call *c, const void *handlers, void *a, void *r)
{
    (void)a;
    RPCTEST_H(rpctest_Calc_handlers, pid);
    return h_->pid(c, &((rpctest_u64_ret *)r)->ret);
}
static inline alr_err rpctest_inv_seen(alr_call *c, const void *handlers, void *a, void *r)
{
    (void)a;
    RPCTEST_H(rpctest_Calc_handlers, timeouts_seen);
    return h_->timeouts_seen(c, &((rpctest_u64_ret *)r)->ret);
}
static inline alr_err rpctest_inv_notify(alr_call *c, const void *handlers, void *a, void *r)
{
    RPCTEST_H(rpctest_CalcClient_handlers, notify);
    return h_->notify(c, ((rpctest_u32_args *)a)->v, &((rpctest_u64_ret *)r)->ret);
}
static inline alr_err rpctest_inv_nothing(alr_call *c, const void *handlers, void *a, void *r)
{
    (void)a;
    (void)r;
    RPCTEST_H(rpctest_Unserved_handlers, nothing);
    return h_->nothing(c);
}
static inline alr_err rpctest_inv_newer(alr_call *c, const void *handlers, void *a, void *r)
{
    RPCTEST_H(rpctest_Zeta_handlers, newer);
    return h_->newer(c, ((rpctest_newer_args *)a)->x, &((rpctest_u64_ret *)r)->ret);
}

/* Fills *ifc for the blob of rpctest.alr (v2 = false) or rpctest_v2.alr. */
static inline void rpctest_iface_init(alr_iface *ifc, const uint8_t *blob, size_t len, bool v2)
{
#define RPCTEST_MI(name, svc, mode, dl, args, ret, inv) \
    {name, svc, ALR_METHOD_STATIC, mode, dl, args, ret, inv}
    static const alr_method_info methods[] = {
        RPCTEST_MI("rpctest.Calc.add", 0, ALR_RET_VALUE, 0, &rpctest_sd_add, &rpctest_sd_add_ret,
                   rpctest_inv_add),
        RPCTEST_MI("rpctest.Calc.echo", 0, ALR_RET_VALUE, 0, &rpctest_sd_echo,
                   &rpctest_sd_echo_ret, rpctest_inv_echo),
        RPCTEST_MI("rpctest.Calc.sleep_ms", 0, ALR_RET_VOID, 0, &rpctest_sd_sleep, NULL,
                   rpctest_inv_sleep_ms),
        RPCTEST_MI("rpctest.Calc.wait_timeout", 0, ALR_RET_VALUE, 0, &rpctest_sd_wait,
                   &rpctest_sd_wait_ret, rpctest_inv_wait_timeout),
        RPCTEST_MI("rpctest.Calc.fail", 0, ALR_RET_STATUS, 0, &rpctest_sd_fail, NULL,
                   rpctest_inv_fail),
        RPCTEST_MI("rpctest.Calc.call_back", 0, ALR_RET_VALUE, 0, &rpctest_sd_call_back,
                   &rpctest_sd_call_back_ret, rpctest_inv_call_back),
        RPCTEST_MI("rpctest.Calc.pid", 0, ALR_RET_VALUE, 0, &rpctest_sd_pid, &rpctest_sd_pid_ret,
                   rpctest_inv_pid),
        RPCTEST_MI("rpctest.Calc.timeouts_seen", 0, ALR_RET_VALUE, 0, &rpctest_sd_seen,
                   &rpctest_sd_seen_ret, rpctest_inv_seen),
        RPCTEST_MI("rpctest.CalcClient.notify", 1, ALR_RET_VALUE, 0, &rpctest_sd_notify,
                   &rpctest_sd_notify_ret, rpctest_inv_notify),
        RPCTEST_MI("rpctest.Unserved.nothing", 2, ALR_RET_VOID, 0, &rpctest_sd_nothing, NULL,
                   rpctest_inv_nothing),
        RPCTEST_MI("rpctest.Zeta.newer", 3, ALR_RET_VALUE, 0, &rpctest_sd_newer,
                   &rpctest_sd_newer_ret, rpctest_inv_newer),
    };
#undef RPCTEST_MI
    static const char *const services[] = {"rpctest.Calc", "rpctest.CalcClient",
                                           "rpctest.Unserved", "rpctest.Zeta"};
    memset(ifc, 0, sizeof *ifc);
    ifc->package = "rpctest";
    ifc->blob = blob;
    ifc->blob_len = len;
    ifc->nmethods = v2 ? 11 : 10;
    ifc->methods = methods;
    ifc->nservices = v2 ? 4 : 3;
    ifc->services = services;
}

/* ---- stubs (on the thread's current endpoint) ---- */
static inline alr_err rpctest_add(const alr_iface *ifc, uint64_t a, uint64_t b, uint64_t *out)
{
    rpctest_add_args args = {a, b};
    rpctest_u64_ret r;
    alr_err e = alr_call_sync(ifc, RPCTEST_M_ADD, &args, &r, NULL);
    *out = e ? 0 : r.ret;
    return e;
}
static inline alr_err rpctest_echo(const alr_iface *ifc, const char *s, char **out, alr_arena *a)
{
    rpctest_echo_args args = {(char *)s};
    rpctest_echo_ret r;
    alr_err e = alr_call_sync(ifc, RPCTEST_M_ECHO, &args, &r, a);
    *out = e ? NULL : r.ret;
    return e;
}
static inline alr_err rpctest_u32_call(const alr_iface *ifc, uint32_t m, uint32_t v, uint64_t *out)
{
    rpctest_u32_args args = {v};
    rpctest_u64_ret r = {0};
    alr_err e = alr_call_sync(ifc, m, &args, out ? (void *)&r : NULL, NULL);
    if (out)
        *out = e ? 0 : r.ret;
    return e;
}
static inline alr_err rpctest_fail(const alr_iface *ifc, int32_t how)
{
    rpctest_fail_args args = {how};
    return alr_call_sync(ifc, RPCTEST_M_FAIL, &args, NULL, NULL);
}
static inline alr_err rpctest_noargs(const alr_iface *ifc, uint32_t m, uint64_t *out)
{
    rpctest_u64_ret r = {0};
    alr_err e = alr_call_sync(ifc, m, NULL, out ? (void *)&r : NULL, NULL);
    if (out)
        *out = e ? 0 : r.ret;
    return e;
}

/* ---- the test handlers ---- */

/* The user pointer of both handler tables. */
typedef struct rpctest_ctx {
    const alr_iface *ifc;
    atomic_int notify_calls;
    atomic_int timeouts_seen;
    atomic_int handler_ep_ok;   /* call_back saw current endpoint == its call's */
    pthread_t notify_thread;    /* the thread notify ran on last (written by notify) */
} rpctest_ctx;

static inline void rpctest_sleep_ms(uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline alr_err rpctest_h_add(alr_call *c, uint64_t a, uint64_t b, uint64_t *ret)
{
    (void)c;
    *ret = a + b;
    return ALR_OK;
}
static inline alr_err rpctest_h_echo(alr_call *c, const char *s, char **ret)
{
    (void)c;
    *ret = (char *)s; /* the argument lives in the call's arena until the reply is sent */
    return ALR_OK;
}
static inline alr_err rpctest_h_sleep_ms(alr_call *c, uint32_t ms)
{
    for (uint32_t t = 0; t < ms && !alr_call_cancelled(c); t += 5)
        rpctest_sleep_ms(ms - t < 5 ? ms - t : 5);
    return ALR_OK;
}
static inline alr_err rpctest_h_wait_timeout(alr_call *c, uint32_t max_ms, uint64_t *ret)
{
    rpctest_ctx *x = alr_call_user(c);
    for (uint32_t t = 0; t < max_ms && !alr_call_timed_out(c); t += 5)
        rpctest_sleep_ms(5);
    *ret = alr_call_timed_out(c);
    if (*ret)
        atomic_fetch_add(&x->timeouts_seen, 1);
    return ALR_OK;
}
static inline alr_err rpctest_h_fail(alr_call *c, int32_t how)
{
    if (how == 1) {
        alr_call_set_app_error(c, RPCTEST_CalcError_too_big, "%d is too big", (int)how);
        return ALR_EAPP;
    }
    if (how == 2) {
        alr_call_set_error(c, "bad how %d", (int)how);
        return ALR_EINVAL;
    }
    if (how == 3) {
        alr_call_set_app_error(c, RPCTEST_CalcError_negative, NULL);
        return ALR_EAPP;
    }
    return ALR_OK;
}
static inline alr_err rpctest_h_call_back(alr_call *c, uint32_t n, uint64_t *ret)
{
    rpctest_ctx *x = alr_call_user(c);
    if (alr_endpoint_current() == alr_call_endpoint(c))
        atomic_fetch_add(&x->handler_ep_ok, 1);
    uint64_t r = 0;
    alr_err e = rpctest_u32_call(x->ifc, RPCTEST_M_NOTIFY, n, &r);
    if (e != ALR_OK) {
        alr_call_set_error(c, "callback failed: %s", alr_last_error_text());
        return e;
    }
    *ret = r + 1000;
    return ALR_OK;
}
static inline alr_err rpctest_h_pid(alr_call *c, uint64_t *ret)
{
    (void)c;
    *ret = (uint64_t)getpid();
    return ALR_OK;
}
static inline alr_err rpctest_h_seen(alr_call *c, uint64_t *ret)
{
    rpctest_ctx *x = alr_call_user(c);
    *ret = (uint64_t)atomic_load(&x->timeouts_seen);
    return ALR_OK;
}
static inline alr_err rpctest_h_notify(alr_call *c, uint32_t n, uint64_t *ret)
{
    rpctest_ctx *x = alr_call_user(c);
    x->notify_thread = pthread_self();
    atomic_fetch_add(&x->notify_calls, 1);
    uint64_t v = n;
    if (n > 0) { /* a nested call back into the server, from inside its callback */
        alr_err e = rpctest_add(x->ifc, n, 1, &v);
        if (e != ALR_OK)
            return e;
    }
    *ret = v + 1;
    return ALR_OK;
}

static inline const rpctest_Calc_handlers *rpctest_calc_impl(void)
{
    static const rpctest_Calc_handlers h = {
        rpctest_h_add,      rpctest_h_echo, rpctest_h_sleep_ms, rpctest_h_wait_timeout,
        rpctest_h_fail,     rpctest_h_call_back, rpctest_h_pid, rpctest_h_seen};
    return &h;
}
static inline const rpctest_CalcClient_handlers *rpctest_client_impl(void)
{
    static const rpctest_CalcClient_handlers h = {rpctest_h_notify};
    return &h;
}

#endif /* ALR_TESTS_RPCTEST_H */

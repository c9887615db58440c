/*
 * test_async.c - async calls, one-way calls and call frames (runtime/async.c)
 * in one process over loopback: callbacks, waits, deadlines, cancel seen by
 * the callee, frames that wait / report / cancel, nesting, detaching, oneway
 * failures faulting the endpoint, oneway status failures reaching the frame,
 * and exactly-once completion hammered by threads racing reply, deadline,
 * cancel and disconnect (run under TSan by `make tsan`).  The schema is
 * written to a temporary file and compiled; its descriptors are written by
 * hand in svc_fixture.h (shared with test_flow.c), the way alrc --emit=c
 * does.  Only the main thread uses CHECK.
 */
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alr/rpc.h"
#include "ast.h"
#include "diag.h"
#include "load.h"
#include "net.h"
#include "lower.h"
#include "schema_ir.h"
#include "sema.h"
#include "test.h"

#define FIXTURE_PKG "asynctest"
#include "svc_fixture.h"

static alr_server *srv;
static uint16_t port;

static alr_endpoint *connect_ep(void)
{
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
    alr_config c;
    alr_config_init(&c);
    c.call_timeout_ms = 10000;
    alr_endpoint *ep = NULL;
    if (alr_endpoint_connect(addr, &IF, &c, &ep) != ALR_OK)
        fprintf(stderr, "connect: %s\n", alr_last_error_text());
    return ep;
}

static alr_server *start_server(void)
{
    alr_server *s = NULL;
    alr_config c;
    alr_config_init(&c);
    if (alr_server_new(&IF, &c, &s) != ALR_OK)
        return NULL;
    alr_server_serve(s, 0, &HANDLERS, NULL);
    if (alr_server_listen(s, "127.0.0.1:0") != ALR_OK) {
        alr_server_close(s);
        return NULL;
    }
    return s;
}

/* Polls cond (an expression) for up to ms. */
#define WAIT_FOR(cond, ms)                                            \
    do {                                                              \
        for (unsigned w_ = 0; w_ < (ms) && !(cond); w_ += 2)          \
            sleep_ms(2);                                              \
    } while (0)

static alr_async *start_add(uint64_t a, uint64_t b)
{
    add_args args = {a, b};
    alr_async *h = NULL;
    alr_err e = alr_call_async(&IF, M_ADD, &args, &h);
    return e == ALR_OK ? h : NULL;
}

static alr_async *start_sleep(uint32_t ms)
{
    u32_args args = {ms};
    alr_async *h = NULL;
    return alr_call_async(&IF, M_SLEEP, &args, &h) == ALR_OK ? h : NULL;
}

static alr_async *start_fail(int32_t how)
{
    i32_args args = {how};
    alr_async *h = NULL;
    return alr_call_async(&IF, M_FAIL, &args, &h) == ALR_OK ? h : NULL;
}

/* ------------------------------------------------------------ tests */

typedef struct cb_rec {
    atomic_int runs;
    atomic_int state;
    _Atomic uint64_t value;
    pthread_t thread;
    alr_endpoint *current; /* the thread's current endpoint inside the callback */
} cb_rec;

static void rec_cb(alr_async *h, void *user)
{
    cb_rec *r = user;
    const u64_ret *v = alr_async_value(h);
    atomic_store(&r->value, v ? v->ret : 0);
    atomic_store(&r->state, (int)alr_async_state_of(h));
    r->thread = pthread_self();
    r->current = alr_endpoint_current();
    atomic_fetch_add(&r->runs, 1);
}

static void test_callback_and_wait(void)
{
    /* a sleep first on this thread's slot: the peer runs the add after it,
     * so the add is surely pending when then() is called below */
    alr_async *pre = start_sleep(100);
    alr_async *h = start_add(2, 3);
    CHECK(pre != NULL && h != NULL);
    if (!h) {
        alr_async_release(pre);
        return;
    }
    static cb_rec r;
    CHECK(alr_async_then(h, rec_cb, &r) == ALR_OK);
    CHECK(alr_async_then(h, rec_cb, &r) == ALR_EINVAL); /* one callback per handle */
    CHECK_EQ_INT(alr_async_wait(h, ALR_WAIT_FOREVER), ALR_OK);
    CHECK_EQ_INT(alr_async_state_of(h), ALR_ASYNC_OK);
    const u64_ret *v = alr_async_value(h);
    CHECK(v && v->ret == 5);
    WAIT_FOR(atomic_load(&r.runs) == 1, 2000);
    CHECK_EQ_INT(atomic_load(&r.runs), 1);
    CHECK_EQ_INT(atomic_load(&r.value), 5);
    CHECK(!pthread_equal(r.thread, pthread_self())); /* the reader ran it */
    CHECK(r.current != NULL && r.current == alr_endpoint_current()); /* with the endpoint pushed */
    CHECK_EQ_INT(alr_async_cancel(h), ALR_EAGAIN);   /* already complete */
    alr_async_release(h);
    if (pre) {
        CHECK_EQ_INT(alr_async_wait(pre, 5000), ALR_OK);
        alr_async_release(pre);
    }

    /* then() on a complete handle: now, on this thread */
    h = start_add(40, 2);
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_EQ_INT(alr_async_wait(h, 5000), ALR_OK);
    static cb_rec r2;
    CHECK(alr_async_then(h, rec_cb, &r2) == ALR_OK);
    CHECK_EQ_INT(atomic_load(&r2.runs), 1);
    CHECK(pthread_equal(r2.thread, pthread_self()));
    CHECK(r2.current == alr_endpoint_current());
    CHECK_EQ_INT(atomic_load(&r2.value), 42);
    CHECK_EQ_STR(alr_async_error_text(h), "");
    alr_async_release(h);

    /* an error answer */
    h = start_fail(7);
    CHECK(h != NULL);
    if (h) {
        CHECK_EQ_INT(alr_async_wait(h, ALR_WAIT_FOREVER), ALR_EAPP);
        CHECK_EQ_INT(alr_async_state_of(h), ALR_ASYNC_ERROR);
        CHECK_EQ_INT(alr_async_app_code(h), 7);
        CHECK_EQ_STR(alr_async_error_text(h), "fail(7)");
        CHECK(alr_async_value(h) == NULL);
        alr_async_release(h);
    }
    /* misuse */
    CHECK_EQ_INT(alr_call_async(&IF, M_LOG, &(u32_args){1}, &h), ALR_EINVAL);
    CHECK(h == NULL);
    CHECK_EQ_INT(alr_call_oneway(&IF, M_ADD, &(add_args){1, 2}), ALR_EINVAL);
}

static void test_deadline(void)
{
    int before = atomic_load(&cancels_seen);
    alr_timeout_push(100);
    alr_async *h = start_sleep(5000);
    alr_timeout_pop();
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_EQ_INT(alr_async_wait(h, 0), ALR_EAGAIN); /* still pending */
    CHECK_EQ_INT(alr_async_state_of(h), ALR_ASYNC_PENDING);
    CHECK_EQ_INT(alr_async_wait(h, ALR_WAIT_FOREVER), ALR_ETIMEDOUT);
    CHECK_EQ_INT(alr_async_state_of(h), ALR_ASYNC_TIMED_OUT);
    CHECK(strstr(alr_async_error_text(h), "no answer within 100 ms") != NULL);
    WAIT_FOR(atomic_load(&cancels_seen) > before, 3000);
    CHECK(atomic_load(&cancels_seen) > before); /* the callee saw the CANCEL */
    alr_async_release(h);
}

/* Deadlines out of order and across endpoints (each endpoint keeps its
 * own list; one timer thread sleeps until the earliest): a short deadline
 * armed after a long one fires first, on the same endpoint and on another,
 * and a deadline armed after the timer let go of an idle endpoint still
 * fires. */
static void test_deadline_order(void)
{
    alr_endpoint *ep2 = connect_ep();
    CHECK(ep2 != NULL);
    if (!ep2)
        return;
    alr_timeout_push(4000);
    alr_async *hlong = start_sleep(5000);
    alr_timeout_pop();
    alr_timeout_push(60);
    alr_async *hshort = start_sleep(5000);
    alr_timeout_pop();
    alr_endpoint_push(ep2);
    alr_timeout_push(60);
    alr_async *h2 = start_sleep(5000);
    alr_timeout_pop();
    alr_endpoint_pop();
    CHECK(hlong != NULL && hshort != NULL && h2 != NULL);
    if (hshort)
        CHECK_EQ_INT(alr_async_wait(hshort, ALR_WAIT_FOREVER), ALR_ETIMEDOUT);
    if (h2)
        CHECK_EQ_INT(alr_async_wait(h2, ALR_WAIT_FOREVER), ALR_ETIMEDOUT);
    if (hlong) /* the short ones did not wait for it */
        CHECK_EQ_INT(alr_async_state_of(hlong), ALR_ASYNC_PENDING);

    /* ep2 has nothing armed now: the timer drops it at its next scan (the
     * long deadline's wake at the latest); a new deadline there fires */
    sleep_ms(100);
    alr_endpoint_push(ep2);
    alr_timeout_push(50);
    alr_async *h3 = start_sleep(5000);
    alr_timeout_pop();
    alr_endpoint_pop();
    CHECK(h3 != NULL);
    if (h3) {
        CHECK_EQ_INT(alr_async_wait(h3, 3000), ALR_ETIMEDOUT);
        CHECK(strstr(alr_async_error_text(h3), "no answer within 50 ms") != NULL);
    }
    if (hlong) {
        CHECK_EQ_INT(alr_async_cancel(hlong), ALR_OK);
        CHECK_EQ_INT(alr_async_state_of(hlong), ALR_ASYNC_CANCELLED);
    }
    alr_async_release(hlong);
    alr_async_release(hshort);
    alr_async_release(h2);
    alr_async_release(h3);
    alr_endpoint_close(ep2);
}

/* alr_frame_pop in a completion callback (on the connection's reader),
 * with an op of that connection pending: EINVAL at once, the frame is
 * detached, and the op still completes. */
typedef struct pop_rec {
    atomic_int pop_err;
    _Atomic(alr_async *) inner;
    atomic_int ran;
} pop_rec;

static void pop_in_callback(alr_async *h, void *user)
{
    (void)h;
    pop_rec *r = user;
    alr_frame_push();
    alr_async *in = start_add(20, 22);
    atomic_store(&r->inner, in);
    atomic_store(&r->pop_err, (int)alr_frame_pop(1000));
    atomic_store(&r->ran, 1);
}

static void test_pop_on_reader(void)
{
    static pop_rec r;
    /* a sleep first on this thread's slot: the add is surely pending when
     * then() is called, so the callback runs on the reader */
    alr_async *pre = start_sleep(100);
    alr_async *h = start_add(1, 1);
    alr_async_release(pre);
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_EQ_INT(alr_async_then(h, pop_in_callback, &r), ALR_OK);
    WAIT_FOR(atomic_load(&r.ran), 5000);
    CHECK_EQ_INT(atomic_load(&r.ran), 1);
    CHECK_EQ_INT(atomic_load(&r.pop_err), ALR_EINVAL);
    alr_async *in = atomic_load(&r.inner);
    CHECK(in != NULL);
    if (in) { /* detached, not cancelled: it completes */
        CHECK_EQ_INT(alr_async_wait(in, 5000), ALR_OK);
        const u64_ret *v = alr_async_value(in);
        CHECK(v && v->ret == 42);
        alr_async_release(in);
    }
    CHECK(alr_frame_current() == NULL);
    alr_async_release(h);
}

static void test_cancel(void)
{
    int before = atomic_load(&cancels_seen);
    int started = atomic_load(&sleeps_started);
    alr_async *h = start_sleep(5000);
    CHECK(h != NULL);
    if (!h)
        return;
    static cb_rec r;
    alr_async_then(h, rec_cb, &r);
    WAIT_FOR(atomic_load(&sleeps_started) > started, 2000);
    CHECK_EQ_INT(alr_async_cancel(h), ALR_OK);
    CHECK_EQ_INT(alr_async_cancel(h), ALR_EAGAIN);
    CHECK_EQ_INT(alr_async_state_of(h), ALR_ASYNC_CANCELLED);
    CHECK_EQ_INT(alr_async_error(h), ALR_ECANCELED);
    CHECK_EQ_INT(atomic_load(&r.runs), 1); /* ran on this thread, by the cancel */
    CHECK(pthread_equal(r.thread, pthread_self()));
    WAIT_FOR(atomic_load(&cancels_seen) > before, 3000);
    CHECK(atomic_load(&cancels_seen) > before);
    alr_async_release(h);
    /* the endpoint is fine afterwards (the late answer was discarded) */
    h = start_add(1, 1);
    CHECK(h && alr_async_wait(h, 5000) == ALR_OK);
    alr_async_release(h);
}

typedef struct err_rec {
    atomic_int calls;
    atomic_int code;
    atomic_int cancel_on_error;
} err_rec;

static void frame_err(alr_frame *fr, alr_async *h, void *user)
{
    err_rec *e = user;
    atomic_store(&e->code, (int)alr_async_error(h));
    atomic_fetch_add(&e->calls, 1);
    if (atomic_load(&e->cancel_on_error))
        alr_frame_cancel(fr);
}

static void test_frame(void)
{
    static err_rec er;
    atomic_store(&er.cancel_on_error, 1);
    alr_frame *fr = alr_frame_push();
    CHECK(fr != NULL && alr_frame_current() == fr);
    alr_frame_on_error(fr, frame_err, &er);
    /* one thread's calls run in order on the peer (its slot): the failure
     * comes first, its callback cancels the frame, the sleep stops early */
    alr_async *a = start_add(1, 2), *b = start_add(3, 4);
    alr_async *f = start_fail(3);
    /* the failure may come back (and cancel the frame) before the next call
     * starts: then the cancelled frame refuses it, which is also correct */
    alr_async *s = NULL;
    alr_err se = alr_call_async(&IF, M_SLEEP, &(u32_args){5000}, &s);
    CHECK(a && b && f);
    CHECK(se == ALR_OK ? s != NULL : se == ALR_ECANCELED);
    uint64_t t0 = alri_now_ms();
    CHECK_EQ_INT(alr_frame_pop(0), ALR_EAPP); /* the first error */
    CHECK(alri_now_ms() - t0 < 3000);
    CHECK(alr_frame_current() == NULL);
    CHECK_EQ_INT(atomic_load(&er.calls), 1); /* cancelled ops are not reported */
    CHECK_EQ_INT(atomic_load(&er.code), ALR_EAPP);
    CHECK_EQ_INT(alr_async_state_of(a), ALR_ASYNC_OK);
    if (s)
        CHECK_EQ_INT(alr_async_state_of(s), ALR_ASYNC_CANCELLED);
    CHECK_EQ_INT(alr_async_state_of(f), ALR_ASYNC_ERROR);
    /* (the callee sees the CANCEL if the sleep had started, else the call is
     * answered ECANCELED unrun: test_cancel checks what the callee sees) */
    /* a cancelled frame refuses new ops */
    fr = alr_frame_push();
    alr_frame_cancel(fr);
    alr_async *x = NULL;
    CHECK_EQ_INT(alr_call_async(&IF, M_ADD, &(add_args){1, 1}, &x), ALR_ECANCELED);
    CHECK_EQ_INT(alr_frame_pop(0), ALR_OK);
    alr_async_release(a);
    alr_async_release(b);
    alr_async_release(s);
    alr_async_release(f);

    /* a frame that waits: all ops complete before pop returns */
    fr = alr_frame_push();
    alr_async *hs[20];
    for (int i = 0; i < 20; i++)
        hs[i] = start_add((uint64_t)i, 1);
    CHECK_EQ_INT(alr_frame_pop(0), ALR_OK);
    int ok = 0;
    for (int i = 0; i < 20; i++) {
        ok += hs[i] && alr_async_state_of(hs[i]) == ALR_ASYNC_OK &&
              ((const u64_ret *)alr_async_value(hs[i]))->ret == (uint64_t)i + 1;
        alr_async_release(hs[i]);
    }
    CHECK_EQ_INT(ok, 20);

    /* the pop's own limit: what is left is cancelled */
    fr = alr_frame_push();
    s = start_sleep(5000);
    t0 = alri_now_ms();
    CHECK_EQ_INT(alr_frame_pop(100), ALR_ETIMEDOUT);
    CHECK(alri_now_ms() - t0 < 3000);
    CHECK_EQ_INT(alr_async_state_of(s), ALR_ASYNC_CANCELLED);
    alr_async_release(s);
    CHECK_EQ_INT(alr_frame_pop(0), ALR_EINVAL); /* no frame left */
}

static alr_endpoint *connect_ep(void);

static void test_nested(void)
{
    static err_rec er;
    alr_endpoint *ep2 = connect_ep(); /* another connection: o does not hold up the slot */
    CHECK(ep2 != NULL);
    if (!ep2)
        return;
    alr_frame *outer = alr_frame_push();
    alr_frame_on_error(outer, frame_err, &er);
    alr_endpoint_push(ep2);
    alr_async *o = start_sleep(5000);
    alr_endpoint_pop();
    alr_frame *inner = alr_frame_push();
    CHECK(alr_frame_current() == inner);
    alr_async *i2 = start_fail(9); /* the inherited callback reports it */
    alr_async *i1 = start_sleep(5000);
    CHECK_EQ_INT(alr_async_wait(i2, 5000), ALR_EAPP);
    WAIT_FOR(atomic_load(&er.calls) == 1, 2000);
    CHECK_EQ_INT(atomic_load(&er.calls), 1);
    alr_frame_cancel(outer); /* cancels the inner frame's ops too */
    CHECK_EQ_INT(alr_async_state_of(i1), ALR_ASYNC_CANCELLED);
    CHECK_EQ_INT(alr_async_state_of(o), ALR_ASYNC_CANCELLED);
    CHECK_EQ_INT(alr_frame_pop(0), ALR_EAPP); /* inner: its first error */
    CHECK(alr_frame_current() == outer);
    CHECK_EQ_INT(alr_frame_pop(0), ALR_OK);   /* outer: only cancelled ops */
    CHECK(alr_frame_detach(outer) == ALR_EINVAL);
    alr_async_release(o);
    alr_async_release(i1);
    alr_async_release(i2);
    alr_endpoint_close(ep2);
}

static void test_detached(void)
{
    static err_rec er;
    static cb_rec r;
    alr_frame *fr = alr_frame_push();
    alr_frame_on_error(fr, frame_err, &er);
    alr_async *h = start_sleep(50);
    alr_async *f = start_fail(4);
    alr_async_then(h, rec_cb, &r);
    alr_frame *inner = alr_frame_push();
    CHECK(alr_frame_detach(fr) == ALR_EINVAL); /* not the innermost */
    CHECK_EQ_INT(alr_frame_pop(0), ALR_OK);
    uint64_t t0 = alri_now_ms();
    CHECK(alr_frame_detach(fr) == ALR_OK);
    CHECK(alri_now_ms() - t0 < 40); /* did not wait */
    CHECK(alr_frame_current() == NULL);
    (void)inner;
    alr_async_release(h);                   /* the frame and the callback keep it */
    WAIT_FOR(atomic_load(&r.runs) == 1 && atomic_load(&er.calls) == 1, 3000);
    CHECK_EQ_INT(atomic_load(&r.runs), 1);
    CHECK_EQ_INT(atomic_load(&r.state), ALR_ASYNC_OK);
    CHECK_EQ_INT(atomic_load(&er.calls), 1); /* the detached frame still reports */
    CHECK_EQ_INT(alr_async_wait(f, 5000), ALR_EAPP);
    alr_async_release(f);
}

static void test_oneway(alr_endpoint *ep)
{
    /* plain oneway: success, then a failure that faults the endpoint */
    int logs = atomic_load(&logs_run);
    CHECK_EQ_INT(alr_call_oneway(&IF, M_LOG, &(u32_args){1}), ALR_OK);
    WAIT_FOR(atomic_load(&logs_run) > logs, 2000);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);

    /* oneway status in frames: failures reach the frame, success is flushed */
    static err_rec er;
    int audits = atomic_load(&audits_run);
    alr_frame *fr = alr_frame_push();
    alr_frame_on_error(fr, frame_err, &er);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(alr_call_oneway(&IF, M_AUDIT, &(i32_args){0}), ALR_OK);
    CHECK_EQ_INT(alr_frame_pop(5000), ALR_OK);
    CHECK_EQ_INT(atomic_load(&audits_run) - audits, 5); /* the flush waited for them */
    CHECK_EQ_INT(atomic_load(&er.calls), 0);

    fr = alr_frame_push();
    alr_frame_on_error(fr, frame_err, &er);
    CHECK_EQ_INT(alr_call_oneway(&IF, M_AUDIT, &(i32_args){0}), ALR_OK);
    CHECK_EQ_INT(alr_call_oneway(&IF, M_AUDIT, &(i32_args){5}), ALR_OK);
    CHECK_EQ_INT(alr_call_oneway(&IF, M_AUDIT, &(i32_args){0}), ALR_OK);
    CHECK_EQ_INT(alr_frame_pop(5000), ALR_EINVAL);
    CHECK_EQ_INT(atomic_load(&er.calls), 1);
    CHECK_EQ_INT(atomic_load(&er.code), ALR_EINVAL);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK); /* a status failure is not a fault */

    /* the ids of confirmed oneway status calls are free again */
    fr = alr_frame_push();
    for (int i = 0; i < 300; i++)
        alr_call_oneway(&IF, M_AUDIT, &(i32_args){0});
    CHECK_EQ_INT(alr_frame_pop(10000), ALR_OK);
    uint64_t sum = 0;
    alr_async *h = start_add(2, 2);
    if (h && alr_async_wait(h, 5000) == ALR_OK)
        sum = ((const u64_ret *)alr_async_value(h))->ret;
    CHECK_EQ_INT(sum, 4);
    alr_async_release(h);
}

static void test_oneway_faults(void)
{
    /* outside a frame a oneway status failure faults too; and plain oneway */
    for (int round = 0; round < 2; round++) {
        alr_endpoint *ep = connect_ep();
        CHECK(ep != NULL);
        if (!ep)
            return;
        alr_endpoint_push(ep);
        if (round == 0)
            CHECK_EQ_INT(alr_call_oneway(&IF, M_LOG, &(u32_args){666}), ALR_OK);
        else
            CHECK_EQ_INT(alr_call_oneway(&IF, M_AUDIT, &(i32_args){1}), ALR_OK);
        WAIT_FOR(alr_endpoint_status(ep) != ALR_OK, 3000);
        CHECK_EQ_INT(alr_endpoint_status(ep), ALR_EFAULTED);
        CHECK(strstr(alr_endpoint_error(ep), round == 0 ? "log_event" : "audit") != NULL);
        alr_async *h = NULL;
        CHECK_EQ_INT(alr_call_async(&IF, M_ADD, &(add_args){1, 1}, &h), ALR_EFAULTED);
        alr_endpoint_pop();
        alr_endpoint_close(ep);
    }
}

/* ------------------------------------------------------------ races */

static atomic_int h_started, h_completed, h_doubles;

typedef struct once_rec {
    atomic_int runs;
} once_rec;

static void once_cb(alr_async *h, void *user)
{
    once_rec *o = user;
    if (atomic_fetch_add(&o->runs, 1) != 0)
        atomic_fetch_add(&h_doubles, 1);
    if (alr_async_state_of(h) == ALR_ASYNC_PENDING)
        atomic_fetch_add(&h_doubles, 1);
    atomic_fetch_add(&h_completed, 1);
    free(o);
}

static void frame_err_quiet(alr_frame *fr, alr_async *h, void *user)
{
    (void)fr, (void)h, (void)user;
}

typedef struct hammer_arg {
    alr_endpoint *ep;
    unsigned seed;
    int iters;
    atomic_bool *stop;
} hammer_arg;

static void *hammer(void *p)
{
    hammer_arg *a = p;
    alr_endpoint_push(a->ep);
    unsigned s = a->seed;
    for (int i = 0; i < a->iters && !atomic_load(a->stop); i++) {
        s = s * 1103515245u + 12345u;
        unsigned r = s >> 8;
        bool framed = r % 5 == 0;
        if (framed) {
            alr_frame *fr = alr_frame_push();
            alr_frame_on_error(fr, frame_err_quiet, NULL);
        }
        alr_timeout_push(1 + r % 4); /* deadlines racing the replies */
        alr_async *h = NULL;
        alr_err e = r % 3 == 0 ? alr_call_async(&IF, M_SLEEP, &(u32_args){r % 3}, &h)
                               : alr_call_async(&IF, M_ADD, &(add_args){i, 1}, &h);
        alr_timeout_pop();
        if (e == ALR_OK) {
            atomic_fetch_add(&h_started, 1);
            once_rec *o = calloc(1, sizeof *o);
            alr_async_then(h, once_cb, o);
            switch ((r >> 4) % 4) {
            case 0:
                alr_async_cancel(h); /* racing the reply and the deadline */
                break;
            case 1:
                alr_async_wait(h, ALR_WAIT_FOREVER);
                if (alr_async_state_of(h) == ALR_ASYNC_PENDING)
                    atomic_fetch_add(&h_doubles, 1);
                break;
            case 2:
                sleep_ms(r % 2);
                alr_async_cancel(h);
                break;
            default:
                break; /* released pending: completes on its own */
            }
            if (framed && (r >> 6) % 2)
                alr_frame_cancel(alr_frame_current());
        }
        if (framed) {
            if ((r >> 7) % 3 == 0)
                alr_frame_detach(alr_frame_current());
            else
                alr_frame_pop((r >> 9) % 2 ? 2 : 0);
        }
        alr_async_release(h);
    }
    alr_endpoint_pop();
    return NULL;
}

static void test_exactly_once(void)
{
    /* 1: reply vs deadline vs cancel vs frame cancel, 8 threads */
    alr_endpoint *ep = connect_ep();
    CHECK(ep != NULL);
    if (!ep)
        return;
    atomic_bool stop = false;
    enum { NT = 8 };
    pthread_t th[NT];
    hammer_arg args[NT];
    for (int i = 0; i < NT; i++) {
        args[i] = (hammer_arg){ep, (unsigned)i * 7919u + 1u, 300, &stop};
        pthread_create(&th[i], NULL, hammer, &args[i]);
    }
    for (int i = 0; i < NT; i++)
        pthread_join(th[i], NULL);
    WAIT_FOR(atomic_load(&h_completed) == atomic_load(&h_started), 10000);
    CHECK(atomic_load(&h_started) > 0);
    CHECK_EQ_INT(atomic_load(&h_completed), atomic_load(&h_started));
    CHECK_EQ_INT(atomic_load(&h_doubles), 0);
    CHECK_EQ_INT(alr_endpoint_status(ep), ALR_OK);
    alr_endpoint_close(ep);

    /* 2: the same while the connection is cut under them */
    for (int round = 0; round < 3; round++) {
        alr_server *s2 = start_server();
        CHECK(s2 != NULL);
        if (!s2)
            return;
        uint16_t saved = port;
        port = alr_server_port(s2);
        ep = connect_ep();
        port = saved;
        CHECK(ep != NULL);
        if (!ep) {
            alr_server_close(s2);
            return;
        }
        atomic_store(&stop, false);
        for (int i = 0; i < NT; i++) {
            args[i] = (hammer_arg){ep, (unsigned)(round * 100 + i) * 31u + 3u, 100000, &stop};
            pthread_create(&th[i], NULL, hammer, &args[i]);
        }
        sleep_ms(30 + 20 * (unsigned)round);
        alr_server_close(s2); /* disconnect: every pending handle fails */
        sleep_ms(10);
        atomic_store(&stop, true);
        for (int i = 0; i < NT; i++)
            pthread_join(th[i], NULL);
        alr_endpoint_close(ep);
        WAIT_FOR(atomic_load(&h_completed) == atomic_load(&h_started), 10000);
        CHECK_EQ_INT(atomic_load(&h_completed), atomic_load(&h_started));
        CHECK_EQ_INT(atomic_load(&h_doubles), 0);
    }
    printf("exactly-once: %d handles, each completed once\n", atomic_load(&h_started));
}

/* ------------------------------------------------------------ main */

int main(void)
{
    size_t len = 0;
    uint8_t *blob = compile_schema(&len);
    if (!blob) {
        fprintf(stderr, "cannot compile the test schema\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    memset(&IF, 0, sizeof IF);
    IF.package = "asynctest";
    IF.blob = blob;
    IF.blob_len = len;
    IF.nmethods = 5;
    IF.methods = METHODS;
    IF.nservices = 1;
    IF.services = SERVICES;

    srv = start_server();
    CHECK(srv != NULL);
    if (!srv) {
        free(blob);
        TEST_MAIN_END();
    }
    port = alr_server_port(srv);
    alr_endpoint *ep = connect_ep();
    CHECK(ep != NULL);
    if (ep) {
        alr_endpoint_push(ep);
        TEST_RUN(test_callback_and_wait);
        TEST_RUN(test_deadline);
        TEST_RUN(test_deadline_order);
        TEST_RUN(test_pop_on_reader);
        TEST_RUN(test_cancel);
        TEST_RUN(test_frame);
        TEST_RUN(test_nested);
        TEST_RUN(test_detached);
        test_oneway(ep);
        alr_endpoint_pop();
        alr_endpoint_close(ep);
        TEST_RUN(test_oneway_faults);
        TEST_RUN(test_exactly_once);
    }
    alr_server_close(srv);
    free(blob);
    TEST_MAIN_END();
}

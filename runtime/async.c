/*
 * async.c - async calls with a handle (alr_call_async, alr_async_*), one-way
 * calls (alr_call_oneway) and call frames (alr_frame_*).  Model:
 * spec/threading.md section 11; API: spec/c-api.md "Async calls, one-way
 * calls and frames".
 *
 * EXACTLY-ONCE COMPLETION.  Every async handle completes through one atomic
 * transition: `claim` goes 0 -> 1 with a compare-and-swap.  Whoever wins it
 * - the reader (REPLY, ERROR, or the PONG confirming a oneway status call),
 * the timer thread (deadline), alr_async_cancel / alr_frame_cancel /
 * alr_frame_pop (cancel), or alri_ep_fail (close, fault) - is the only one
 * that fills the result, publishes `state` (release), runs the callback and
 * reports to the frame; every loser only drops what it holds (a late answer
 * is freed undecoded).  Nothing else ever writes the result.
 *
 * The calls[] entry of a handle is separate from its completion: it stays
 * WAITING (holding a reference to the handle) until the answer arrives or
 * the endpoint fails, whatever completed the handle, so the call id is never
 * reused while the peer may still answer it.  A CANCEL being written for an
 * id reserves it (pending.holds; HELD state) so it can never reach a newer
 * call with the same id.
 *
 * References of a handle: its creator's, the calls[] entry's (until the
 * answer/failure; a handle is on its endpoint's deadline list only while
 * its entry waits, so the list needs none), the frame's (until the op is
 * reported done); a callback runs under its completer's.  Each handle
 * holds a reference to its endpoint.
 *
 * Lock order: the frames mutex (fr_mu) is a leaf; the timer mutex (tm_mu)
 * is taken before an ep->mu by the timer thread only, and never under one;
 * ep->mu and h->mu are never held together, and no user callback runs under
 * any library lock.
 */
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rpc_internal.h"

/* ================================================================ frames (struct) */

struct alr_frame {
    alr_frame *parent;          /* the enclosing open frame, NULL once detached */
    alr_frame *child, *sibling; /* open frames nested in this one */
    alr_async *ops;             /* ops not yet reported done (each a reference) */
    uint32_t nops;
    alr_frame_error_fn fn;
    void *user;
    alr_err first_err;
    bool cancelled, detached;
    pthread_cond_t cv;          /* nops reached 0 */
};

static pthread_mutex_t fr_mu = PTHREAD_MUTEX_INITIALIZER;

/* ================================================================ helpers */

static struct timespec abs_ms(uint64_t ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    return ts;
}

static void cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

static alr_err call_fail(alr_err code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static alr_err call_fail(alr_err code, const char *fmt, ...)
{
    char text[ALRI_ERRTEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    alri_set_last_error(code, 0, text, SIZE_MAX);
    return code;
}

static bool as_claim(alr_async *h)
{
    int z = 0;
    return atomic_compare_exchange_strong(&h->claim, &z, 1);
}

/* ================================================================ references */

void alr_async_retain(alr_async *h)
{
    if (h)
        atomic_fetch_add(&h->refs, 1);
}

/* Idle handles kept per thread (their mutex initialised): a call takes
 * one instead of calloc, and the last release on a thread gives it back.
 * Not under AddressSanitizer, which should see every handle's life. */
#if defined(__SANITIZE_ADDRESS__)
#define ALRI_HCACHE 0u
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALRI_HCACHE 0u
#endif
#endif
#ifndef ALRI_HCACHE
#define ALRI_HCACHE 256u
#endif

void alri_async_unref(alr_async *h)
{
    if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
        return;
    free(h->text);
    alr_arena_free(h->arena);
    if (h->cv_init)
        pthread_cond_destroy(&h->cv);
    alri_ep_unref(h->ep);
    alri_tls *t = alri_tls_peek();
    if (ALRI_HCACHE && t && t->nhfree + 1 <= ALRI_HCACHE) {
        h->lnext = t->hfree; /* its mutex stays initialised (unlocked, no waiter) */
        t->hfree = h;
        t->nhfree++;
        return;
    }
    pthread_mutex_destroy(&h->mu);
    free(h);
}

void alri_async_cache_free(alri_tls *t)
{
    while (t->hfree) {
        alr_async *h = t->hfree;
        t->hfree = h->lnext;
        pthread_mutex_destroy(&h->mu);
        free(h);
    }
    t->nhfree = 0;
}

/* A zeroed handle with one reference (the creator's); NULL: no memory. */
static alr_async *as_new(alri_tls *t)
{
    alr_async *h = t->hfree;
    if (h) {
        t->hfree = h->lnext;
        t->nhfree--;
        /* what a fresh handle must read as zero (the rest is written
         * before it is read); fewer stores than a memset of the struct */
        h->cv_init = false;
        h->fn = NULL;
        h->fn_user = NULL;
        h->ostatus = false;
        h->tprev = h->tnext = NULL;
        h->frame = NULL;
        h->fprev = h->fnext = NULL;
        h->err = ALR_OK;
        h->app_code = 0;
        h->text = NULL;
        h->arena = NULL;
        h->value = NULL;
        h->in_frame = false;
    } else {
        h = calloc(1, sizeof *h);
        if (!h)
            return NULL;
        pthread_mutex_init(&h->mu, NULL);
    }
    atomic_init(&h->refs, 1);
    atomic_init(&h->claim, 0);
    atomic_init(&h->state, ALR_ASYNC_PENDING);
    atomic_init(&h->nwaiters, 0);
    atomic_init(&h->has_fn, false);
    atomic_init(&h->armed, false);
    return h;
}

void alr_async_release(alr_async *h)
{
    alri_async_unref(h);
}

/* ================================================================ the timer */

/*
 * DEADLINES.  Each endpoint keeps its armed handles in a list ordered by
 * deadline (ep->tm_head/tm_tail), under ep->mu - the lock a call already
 * holds to take its call id, and the reader to free it at the answer: arming
 * and disarming cost no lock of their own.  Deadlines mostly grow, so an
 * insert walks from the tail and is O(1) in practice.
 *
 * One timer thread (started on first need) sleeps until tm_wake, the
 * earliest deadline it saw, then scans its endpoints: it fires the due
 * handles (unlinked under ep->mu, completed without it) and computes the
 * next wake.  An endpoint is on the timer's list (tm_reg, a reference)
 * while it has armed handles; the scan drops the others.
 *
 * An arm needs no wake-up when the endpoint is listed and the timer will
 * wake no later than the new deadline anyway (its scan re-reads every
 * list).  tm_wake is 0 while a scan runs: an arm seeing 0 always kicks, and
 * a kick during a scan makes the timer scan again before it sleeps.  The
 * store of 0 comes before the scan takes each ep->mu, and an arm reads
 * tm_wake after releasing ep->mu, so an arm the scan did not see reads 0 or
 * the wake time computed after it.
 *
 * Deadlines use the coarse monotonic clock plus its resolution (a read
 * costs a few ns, not a vDSO clock_gettime); the timer tests them against
 * the precise one, so a call never times out early, and at most one tick
 * (typically 1-4 ms) late.
 */

static pthread_mutex_t tm_mu = PTHREAD_MUTEX_INITIALIZER; /* a leaf lock */
static pthread_cond_t tm_cv;
static bool tm_started, tm_rescan;
static alr_endpoint *tm_eps;      /* endpoints with armed handles (each a reference) */
static atomic_ullong tm_wake;     /* when the timer wakes next (UINT64_MAX: idle; 0: scanning) */

static void as_fire(alr_async *h, alr_async_state st);

static uint64_t coarse_res_ms = UINT64_MAX;

uint64_t alri_deadline_ms(uint32_t timeout_ms)
{
    struct timespec ts;
    uint64_t res = __atomic_load_n(&coarse_res_ms, __ATOMIC_RELAXED);
    if (res == UINT64_MAX) {
        struct timespec r;
        res = clock_getres(CLOCK_MONOTONIC_COARSE, &r) == 0
                  ? (uint64_t)r.tv_sec * 1000u + ((uint64_t)r.tv_nsec + 999999u) / 1000000u
                  : 0;
        __atomic_store_n(&coarse_res_ms, res, __ATOMIC_RELAXED);
    }
    if (res == 0 || res > 100 || clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
        return alri_now_ms() + timeout_ms; /* no usable coarse clock */
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u + res + timeout_ms;
}

/* Fires ep's due handles; returns its next deadline (UINT64_MAX: none). */
static uint64_t timer_scan_ep(alr_endpoint *ep, uint64_t now)
{
    for (;;) {
        pthread_mutex_lock(&ep->mu);
        alr_async *h = ep->tm_head;
        if (!h || h->deadline > now) {
            uint64_t next = h ? h->deadline : UINT64_MAX;
            pthread_mutex_unlock(&ep->mu);
            return next;
        }
        ep->tm_head = h->tnext;
        if (ep->tm_head)
            ep->tm_head->tprev = NULL;
        else
            ep->tm_tail = NULL;
        h->tnext = NULL;
        atomic_store_explicit(&h->armed, false, memory_order_relaxed);
        /* alive: its calls[] entry holds a reference until the answer,
         * which unlinks it first under ep->mu */
        alr_async_retain(h);
        pthread_mutex_unlock(&ep->mu);
        as_fire(h, ALR_ASYNC_TIMED_OUT);
        alri_async_unref(h);
    }
}

static void *timer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&tm_mu);
    for (;;) {
        tm_rescan = false;
        atomic_store(&tm_wake, 0); /* scanning: every arm kicks */
        alr_endpoint *list = tm_eps;
        tm_eps = NULL; /* taken: put back below, or dropped */
        pthread_mutex_unlock(&tm_mu);
        uint64_t now = alri_now_ms(), next = UINT64_MAX;
        alr_endpoint *keep = NULL, *drop = NULL;
        while (list) {
            alr_endpoint *ep = list;
            list = ep->tm_next;
            uint64_t d = timer_scan_ep(ep, now);
            if (d < next)
                next = d;
            ep->tm_next = d == UINT64_MAX ? drop : keep;
            if (d == UINT64_MAX)
                drop = ep;
            else
                keep = ep;
        }
        pthread_mutex_lock(&tm_mu);
        /* an endpoint with nothing armed leaves the list, unless an arm
         * since the scan put something there (it would find tm_reg and
         * not kick) */
        while (drop) {
            alr_endpoint *ep = drop;
            drop = ep->tm_next;
            pthread_mutex_lock(&ep->mu); /* tm_mu then ep->mu: only here, and arms
                                            never take tm_mu under ep->mu */
            bool empty = ep->tm_head == NULL;
            if (!empty && ep->tm_head->deadline < next)
                next = ep->tm_head->deadline;
            pthread_mutex_unlock(&ep->mu);
            if (empty) {
                atomic_store(&ep->tm_reg, false);
                pthread_mutex_unlock(&tm_mu);
                alri_ep_unref(ep); /* may free it: never under a lock */
                pthread_mutex_lock(&tm_mu);
            } else {
                ep->tm_next = keep;
                keep = ep;
            }
        }
        while (keep) { /* back, after those registered meanwhile */
            alr_endpoint *ep = keep;
            keep = ep->tm_next;
            ep->tm_next = tm_eps;
            tm_eps = ep;
        }
        if (tm_rescan)
            continue;
        atomic_store(&tm_wake, next);
        if (next == UINT64_MAX) {
            pthread_cond_wait(&tm_cv, &tm_mu);
        } else {
            struct timespec ts = abs_ms(next);
            pthread_cond_timedwait(&tm_cv, &tm_mu, &ts);
        }
    }
    return NULL;
}

/* Lists ep with the timer and wakes it to rescan when it would sleep past
 * deadline; false when the timer thread cannot be started.  No lock held
 * (ep->mu released after the arm). */
static bool timer_kick(alr_endpoint *ep, uint64_t deadline)
{
    /* the usual case, lock-free: listed, and the timer wakes in time anyway
     * (tm_wake read first: a drop clears tm_reg before it publishes the
     * next wake) */
    uint64_t w0 = atomic_load(&tm_wake);
    if (w0 != 0 && w0 <= deadline && atomic_load(&ep->tm_reg))
        return true;
    pthread_mutex_lock(&tm_mu);
    if (!tm_started) {
        cond_init_mono(&tm_cv);
        atomic_store(&tm_wake, UINT64_MAX);
        pthread_t th;
        if (alri_thread_start(&th, timer_main, NULL) != 0) {
            pthread_cond_destroy(&tm_cv);
            pthread_mutex_unlock(&tm_mu);
            return false;
        }
        pthread_detach(th);
        tm_started = true;
    }
    if (!atomic_load(&ep->tm_reg)) {
        atomic_store(&ep->tm_reg, true);
        alri_ep_ref(ep);
        ep->tm_next = tm_eps;
        tm_eps = ep;
    }
    uint64_t w = atomic_load(&tm_wake);
    if (w == 0 || deadline < w) {
        tm_rescan = true;
        pthread_cond_signal(&tm_cv);
    }
    pthread_mutex_unlock(&tm_mu);
    return true;
}

void alri_timer_forget(alr_endpoint *ep)
{
    if (!atomic_load(&ep->tm_reg))
        return;
    pthread_mutex_lock(&tm_mu); /* a scan now: it drops ep, whose list is empty */
    tm_rescan = true;
    pthread_cond_signal(&tm_cv);
    pthread_mutex_unlock(&tm_mu);
}

/* Puts h on its endpoint's deadline list (ep->mu held); true when the
 * timer must be told (timer_kick, after ep->mu is released). */
static bool timer_arm_locked(alr_endpoint *ep, alr_async *h)
{
    alr_async *a = ep->tm_tail; /* deadlines mostly grow: insert from the tail */
    while (a && a->deadline > h->deadline)
        a = a->tprev;
    h->tprev = a;
    h->tnext = a ? a->tnext : ep->tm_head;
    if (h->tnext)
        h->tnext->tprev = h;
    else
        ep->tm_tail = h;
    if (a)
        a->tnext = h;
    else
        ep->tm_head = h;
    atomic_store_explicit(&h->armed, true, memory_order_relaxed);
    return ep->tm_head == h;
}

/* The answer's or the failure's side (ep->mu held). */
void alri_async_disarm_locked(alr_endpoint *ep, alr_async *h)
{
    if (!atomic_load_explicit(&h->armed, memory_order_relaxed))
        return;
    if (h->tprev)
        h->tprev->tnext = h->tnext;
    else
        ep->tm_head = h->tnext;
    if (h->tnext)
        h->tnext->tprev = h->tprev;
    else
        ep->tm_tail = h->tprev;
    h->tprev = h->tnext = NULL;
    atomic_store_explicit(&h->armed, false, memory_order_relaxed);
}

static void timer_disarm(alr_async *h)
{
    if (!atomic_load_explicit(&h->armed, memory_order_relaxed))
        return; /* unlinked for good (nothing arms a handle twice) */
    pthread_mutex_lock(&h->ep->mu);
    alri_async_disarm_locked(h->ep, h);
    pthread_mutex_unlock(&h->ep->mu);
}

/* ================================================================ completion */

static void frame_op_done(alr_async *h, alr_async_state st);

/* The claim's winner: fill, publish, callback, frame.  The caller holds a
 * reference. */
static void as_finish(alr_async *h, alr_async_state st, alr_err err, int64_t app,
                      const char *text, size_t tlen)
{
    h->err = err;
    h->app_code = app;
    if (tlen) {
        h->text = malloc(tlen + 1);
        if (h->text) {
            memcpy(h->text, text, tlen);
            h->text[tlen] = '\0';
        }
    }
    timer_disarm(h);
    /* publish, then wake waiters: a waiter counts itself in nwaiters before
     * it reads the state, this stores the state before it reads nwaiters
     * (both sequentially consistent), so one of the two sees the other */
    int before = atomic_fetch_or(&h->state, (int)st << ALRI_ST_SHIFT);
    if (atomic_load(&h->nwaiters)) {
        pthread_mutex_lock(&h->mu);
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    /* the callback: whoever of this and alr_async_then comes second runs it */
    if (before & ALRI_ST_CB) { /* then() came first: its callback runs here */
        /* the completer's reference keeps h alive through it */
        alr_endpoint_push(h->ep); /* the callback may call stubs on the handle's endpoint */
        h->fn(h, h->fn_user);
        alr_endpoint_pop();
    }
    frame_op_done(h, st);
}

/* Sends CANCEL for h's id while its calls[] entry still waits for h's
 * answer (the id is reserved until the CANCEL is written). */
static void as_send_cancel(alr_async *h)
{
    alr_endpoint *ep = h->ep;
    bool go = false;
    pthread_mutex_lock(&ep->mu);
    alri_slot *s = alri_slot_find(ep, h->snum);
    if (s && h->id < s->ncalls && s->calls[h->id].state == ALRI_CALL_WAITING &&
        s->calls[h->id].async == h) {
        s->calls[h->id].holds++;
        go = true;
    }
    pthread_mutex_unlock(&ep->mu);
    if (!go)
        return;
    alri_frame c;
    memset(&c, 0, sizeof c);
    c.kind = ALRI_FRAME_CANCEL;
    c.slot = h->snum;
    c.call_id = h->id;
    (void)alri_ep_send(ep, &c, NULL, 0);
    pthread_mutex_lock(&ep->mu);
    s = alri_slot_find(ep, h->snum); /* kept: the entry is busy while held */
    alri_pending *p = &s->calls[h->id];
    if (--p->holds == 0 && p->state == ALRI_CALL_HELD) {
        p->state = ALRI_CALL_FREE;
        alri_call_id_freed(s, p);
        s->nbusy--;
        alri_slot_maybe_free(ep, s);
    }
    pthread_mutex_unlock(&ep->mu);
}

/* Cancel or deadline: a no-op unless this wins the claim. */
static void as_fire(alr_async *h, alr_async_state st)
{
    if (!as_claim(h))
        return;
    as_send_cancel(h);
    char text[ALRI_ERRTEXT];
    int n;
    if (st == ALR_ASYNC_TIMED_OUT)
        n = snprintf(text, sizeof text, "%s: no answer within %u ms", h->mi->name, h->timeout_ms);
    else
        n = snprintf(text, sizeof text, "%s: cancelled", h->mi->name);
    as_finish(h, st, st == ALR_ASYNC_TIMED_OUT ? ALR_ETIMEDOUT : ALR_ECANCELED, 0, text,
              n > 0 ? (size_t)n : 0);
}

void alri_async_answer(alr_async *h, const alri_frame *f, const uint8_t *body,
                       alr_err fail_code)
{
    if (as_claim(h)) {
        alr_endpoint *ep = h->ep;
        if (!f && fail_code == ALR_OK) { /* a oneway status call confirmed */
            as_finish(h, ALR_ASYNC_OK, ALR_OK, 0, NULL, 0);
        } else if (!f) {
            const char *t = alr_endpoint_error(ep);
            as_finish(h, ALR_ASYNC_ERROR, fail_code, 0, t, strlen(t));
        } else if (f->kind == ALRI_FRAME_ERROR) {
            alr_err e = f->code ? (alr_err)f->code : ALR_EPROTO;
            size_t tl = f->body_len;
            const char *text = (const char *)body;
            if (tl == 0) {
                text = alr_strerror(e);
                tl = strlen(text);
            }
            as_finish(h, ALR_ASYNC_ERROR, e, e == ALR_EAPP ? f->app_code : 0, text, tl);
        } else if (h->mi->ret && !h->ostatus) {
            const alr_struct_desc *rd = h->mi->ret;
            alr_err e = ALR_ENOMEM;
            void *v = NULL;
            alr_arena *a = NULL;
            if (rd->size <= sizeof h->inl && !ep->ret_heap[h->method]) {
                /* nothing to allocate: the handle holds the value, and the
                 * decoder gets the thread's scratch arena it never uses */
                alri_tls *t = alri_tls_get();
                if (t && !t->scratch)
                    t->scratch = alr_arena_new();
                a = t ? t->scratch : NULL;
                v = a ? h->inl : NULL;
            } else {
                h->arena = alr_arena_new();
                a = h->arena;
                v = a ? alr_arena_alloc(a, rd->size ? rd->size : 1) : NULL;
            }
            if (v) {
                if (v == h->inl) /* a constant size: no rep stos */
                    memset(h->inl, 0, sizeof h->inl);
                else
                    memset(v, 0, rd->size);
                e = alr_decode(rd, ep->plan, body, f->body_len, v, a, &ep->limits);
                if (a != h->arena)
                    alr_arena_reset(a);
            }
            if (e == ALR_OK) {
                h->value = v;
                as_finish(h, ALR_ASYNC_OK, ALR_OK, 0, NULL, 0);
            } else {
                if (e == ALR_EPROTO || e == ALR_EINVAL) {
                    alri_ep_fail(ep, ALR_EPROTO, "undecodable reply to %s", h->mi->name);
                    e = ALR_EPROTO;
                }
                char text[ALRI_ERRTEXT];
                int n = snprintf(text, sizeof text, "%s: cannot decode the reply: %s", h->mi->name,
                                 alr_strerror(e));
                as_finish(h, ALR_ASYNC_ERROR, e, 0, text, n > 0 ? (size_t)n : 0);
            }
        } else {
            as_finish(h, ALR_ASYNC_OK, ALR_OK, 0, NULL, 0);
        }
    }
    alri_async_unref(h);
}

/* ================================================================ handle API */

alr_err alr_async_then(alr_async *h, alr_async_fn fn, void *user)
{
    if (!h || !fn)
        return ALR_EINVAL;
    if (atomic_exchange(&h->has_fn, true))
        return ALR_EINVAL; /* a second then */
    /* no reference for the callback: whoever runs it holds one (the
     * completer in as_finish, the caller here) */
    h->fn = fn;
    h->fn_user = user;
    /* one read-modify-write of the word the completion publishes its state
     * in: a completion seen before (by a wait, say) means this runs it now,
     * here; otherwise the completion will find the flag and run it */
    if ((atomic_fetch_or(&h->state, ALRI_ST_CB) >> ALRI_ST_SHIFT) == ALR_ASYNC_PENDING)
        return ALR_OK;
    alr_endpoint_push(h->ep); /* already complete: now, on this thread */
    fn(h, user);
    alr_endpoint_pop();
    return ALR_OK;
}

alr_err alr_async_wait(alr_async *h, uint32_t timeout_ms)
{
    if (!h)
        return ALR_EINVAL;
    alri_tls *t = alri_tls_peek();
    if (t && t->ncorked) /* the call may still be in this thread's batch */
        alri_cork_flush(t);
    if (t && timeout_ms &&
        alr_async_state_of(h) == ALR_ASYNC_PENDING &&
        atomic_load_explicit(&h->ep->reader_tls, memory_order_relaxed) == t)
        return ALR_EINVAL; /* the reader of h's connection would wait for itself */
    if (alr_async_state_of(h) == ALR_ASYNC_PENDING && timeout_ms) {
        uint64_t deadline = timeout_ms == ALR_WAIT_FOREVER ? UINT64_MAX
                                                           : alri_now_ms() + timeout_ms;
        pthread_mutex_lock(&h->mu);
        if (!h->cv_init) { /* made by the first waiter: most handles never wait */
            cond_init_mono(&h->cv);
            h->cv_init = true;
        }
        atomic_fetch_add(&h->nwaiters, 1);
        while ((atomic_load(&h->state) >> ALRI_ST_SHIFT) == ALR_ASYNC_PENDING) {
            if (deadline == UINT64_MAX) {
                pthread_cond_wait(&h->cv, &h->mu);
                continue;
            }
            if (alri_now_ms() >= deadline)
                break;
            struct timespec ts = abs_ms(deadline);
            pthread_cond_timedwait(&h->cv, &h->mu, &ts);
        }
        atomic_fetch_sub(&h->nwaiters, 1);
        pthread_mutex_unlock(&h->mu);
    }
    return alr_async_error(h);
}

alr_err alr_async_cancel(alr_async *h)
{
    if (!h)
        return ALR_EINVAL;
    if (atomic_load(&h->claim))
        return ALR_EAGAIN;
    alr_async_retain(h);
    bool won = as_claim(h);
    if (won) {
        as_send_cancel(h);
        char text[ALRI_ERRTEXT];
        int n = snprintf(text, sizeof text, "%s: cancelled", h->mi->name);
        as_finish(h, ALR_ASYNC_CANCELLED, ALR_ECANCELED, 0, text, n > 0 ? (size_t)n : 0);
    }
    alri_async_unref(h);
    return won ? ALR_OK : ALR_EAGAIN;
}

alr_async_state alr_async_state_of(const alr_async *h)
{
    if (!h)
        return ALR_ASYNC_ERROR;
    return (alr_async_state)(atomic_load_explicit(&((alr_async *)h)->state,
                                                  memory_order_acquire) >>
                             ALRI_ST_SHIFT);
}

alr_err alr_async_error(const alr_async *h)
{
    if (!h)
        return ALR_EINVAL;
    if (alr_async_state_of(h) == ALR_ASYNC_PENDING)
        return ALR_EAGAIN;
    return h->err;
}

int64_t alr_async_app_code(const alr_async *h)
{
    return h && alr_async_state_of(h) != ALR_ASYNC_PENDING ? h->app_code : 0;
}

const char *alr_async_error_text(const alr_async *h)
{
    return h && alr_async_state_of(h) != ALR_ASYNC_PENDING && h->text ? h->text : "";
}

const void *alr_async_value(const alr_async *h)
{
    return h && alr_async_state_of(h) == ALR_ASYNC_OK ? h->value : NULL;
}

uint32_t alr_async_method(const alr_async *h)
{
    return h ? h->method : ALR_NONE;
}

/* ================================================================ frames */

/* This thread's innermost frame; t may be NULL. */
static alr_frame *frame_top(alri_tls *t)
{
    return t && t->nframes ? t->frames[t->nframes - 1] : NULL;
}

alr_frame *alr_frame_current(void)
{
    return frame_top(alri_tls_get());
}

/* Adds h to fr (a reference); false when fr is cancelled (h is added all
 * the same: the caller cancels it after the send). */
static bool frame_add(alr_frame *fr, alr_async *h)
{
    alr_async_retain(h);
    pthread_mutex_lock(&fr_mu);
    h->frame = fr;
    h->fprev = NULL;
    h->fnext = fr->ops;
    if (fr->ops)
        fr->ops->fprev = h;
    fr->ops = h;
    fr->nops++;
    bool ok = !fr->cancelled;
    pthread_mutex_unlock(&fr_mu);
    return ok;
}

static void frame_free(alr_frame *fr)
{
    pthread_cond_destroy(&fr->cv);
    free(fr);
}

/* Unlinks fr from its parent's children (fr_mu held). */
static void frame_unlink(alr_frame *fr)
{
    if (!fr->parent)
        return;
    alr_frame **pp = &fr->parent->child;
    while (*pp && *pp != fr)
        pp = &(*pp)->sibling;
    if (*pp)
        *pp = fr->sibling;
    fr->parent = NULL;
    fr->sibling = NULL;
}

static void frame_op_done(alr_async *h, alr_async_state st)
{
    if (!h->in_frame) /* decided before the CALL went out: no frame, no lock */
        return;
    pthread_mutex_lock(&fr_mu);
    alr_frame *fr = h->frame;
    if (!fr) {
        pthread_mutex_unlock(&fr_mu);
        return;
    }
    alr_frame_error_fn efn = NULL;
    void *euser = NULL;
    if (st == ALR_ASYNC_ERROR || st == ALR_ASYNC_TIMED_OUT) {
        if (fr->first_err == ALR_OK)
            fr->first_err = h->err;
        efn = fr->fn;
        euser = fr->user;
    }
    pthread_mutex_unlock(&fr_mu);
    if (efn) /* fr lives: it is freed only once nops is 0 */
        efn(fr, h, euser);
    pthread_mutex_lock(&fr_mu);
    if (h->fprev)
        h->fprev->fnext = h->fnext;
    else
        fr->ops = h->fnext;
    if (h->fnext)
        h->fnext->fprev = h->fprev;
    h->fprev = h->fnext = NULL;
    h->frame = NULL;
    bool free_it = false;
    if (--fr->nops == 0) {
        pthread_cond_broadcast(&fr->cv);
        free_it = fr->detached && !fr->child;
    }
    pthread_mutex_unlock(&fr_mu);
    if (free_it)
        frame_free(fr);
    alri_async_unref(h); /* the frame's reference */
}

alr_frame *alr_frame_push(void)
{
    alri_tls *t = alri_tls_get();
    if (!t || !alri_stack_room((void **)&t->frames, &t->frames_cap, t->nframes, sizeof *t->frames))
        return NULL;
    alr_frame *fr = calloc(1, sizeof *fr);
    if (!fr)
        return NULL;
    pthread_cond_init(&fr->cv, NULL);
    alr_frame *parent = frame_top(t);
    pthread_mutex_lock(&fr_mu);
    if (parent) {
        fr->parent = parent;
        fr->sibling = parent->child;
        parent->child = fr;
        fr->fn = parent->fn;
        fr->user = parent->user;
        fr->cancelled = parent->cancelled;
    }
    pthread_mutex_unlock(&fr_mu);
    t->frames[t->nframes++] = fr;
    return fr;
}

void alr_frame_on_error(alr_frame *fr, alr_frame_error_fn fn, void *user)
{
    if (!fr)
        return;
    pthread_mutex_lock(&fr_mu);
    fr->fn = fn;
    fr->user = user;
    pthread_mutex_unlock(&fr_mu);
}

/* A list of retained handles built under fr_mu (h->lnext belongs to the
 * endpoint's lists, so frame-side lists are arrays). */
typedef struct hvec {
    alr_async **v;
    size_t n, cap;
} hvec;

static void hvec_push(hvec *l, alr_async *h)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        alr_async **nv = realloc(l->v, nc * sizeof *nv);
        if (!nv)
            return; /* out of memory: this one is not cancelled / flushed */
        l->v = nv;
        l->cap = nc;
    }
    alr_async_retain(h);
    l->v[l->n++] = h;
}

/* Collects the pending ops of fr and, with mark, of its open descendants,
 * marking those frames cancelled (fr_mu held). */
static void frame_collect(alr_frame *fr, hvec *l, bool mark)
{
    if (mark)
        fr->cancelled = true;
    for (alr_async *h = fr->ops; h; h = h->fnext)
        hvec_push(l, h);
    if (mark)
        for (alr_frame *c = fr->child; c; c = c->sibling)
            frame_collect(c, l, true);
}

static void cancel_list(hvec *l)
{
    for (size_t i = 0; i < l->n; i++) {
        as_fire(l->v[i], ALR_ASYNC_CANCELLED);
        alri_async_unref(l->v[i]);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

void alr_frame_cancel(alr_frame *fr)
{
    if (!fr)
        return;
    hvec l = {0};
    pthread_mutex_lock(&fr_mu);
    frame_collect(fr, &l, true);
    pthread_mutex_unlock(&fr_mu);
    cancel_list(&l);
}

/* Sends one PING per slot used by fr's pending oneway status calls: the
 * PONG comes after the peer ran every call sent on that slot before it. */
static void frame_flush(alr_frame *fr)
{
    hvec l = {0};
    pthread_mutex_lock(&fr_mu);
    for (alr_async *h = fr->ops; h; h = h->fnext)
        if (h->ostatus && !atomic_load(&h->claim)) {
            bool seen = false;
            for (size_t i = 0; i < l.n && !seen; i++)
                seen = l.v[i]->ep == h->ep && l.v[i]->snum == h->snum;
            if (!seen)
                hvec_push(&l, h);
        }
    pthread_mutex_unlock(&fr_mu);
    for (size_t i = 0; i < l.n; i++) {
        alri_frame f;
        memset(&f, 0, sizeof f);
        f.kind = ALRI_FRAME_PING;
        f.slot = l.v[i]->snum;
        uint64_t seq;
        (void)alri_ep_send_seq(l.v[i]->ep, &f, NULL, 0, &seq);
        alri_async_unref(l.v[i]);
    }
    free(l.v);
}

alr_err alr_frame_pop(uint32_t timeout_ms)
{
    alri_tls *t = alri_tls_get();
    alr_frame *fr = frame_top(t);
    if (!fr)
        return ALR_EINVAL;
    t->nframes--;
    frame_flush(fr);
    if (t->ncorked) /* its calls may still be in this thread's batch */
        alri_cork_flush(t);
    uint64_t deadline = timeout_ms ? alri_now_ms() + timeout_ms : UINT64_MAX;
    alr_err r = ALR_OK;
    pthread_mutex_lock(&fr_mu);
    /* on the reader of an op's own connection the wait could only end at
     * deadlines (that reader completes the op): detach instead */
    for (alr_async *h = fr->ops; h; h = h->fnext)
        if (!atomic_load(&h->claim) &&
            atomic_load_explicit(&h->ep->reader_tls, memory_order_relaxed) == t) {
            frame_unlink(fr);
            fr->detached = true;
            bool free_it = fr->nops == 0 && !fr->child;
            pthread_mutex_unlock(&fr_mu);
            if (free_it)
                frame_free(fr);
            return call_fail(ALR_EINVAL, "alr_frame_pop: an op of the frame waits for this "
                             "thread (its connection's reader): the frame is detached");
        }
    while (fr->nops) {
        if (deadline != UINT64_MAX && alri_now_ms() >= deadline) {
            /* the limit passed: cancel what is left, then wait for the
             * completions already under way */
            hvec l = {0};
            frame_collect(fr, &l, false);
            pthread_mutex_unlock(&fr_mu);
            cancel_list(&l);
            r = ALR_ETIMEDOUT;
            deadline = UINT64_MAX;
            pthread_mutex_lock(&fr_mu);
            continue;
        }
        if (deadline == UINT64_MAX) {
            pthread_cond_wait(&fr->cv, &fr_mu);
        } else {
            /* fr->cv uses the realtime clock: wait in short steps */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t left = deadline - alri_now_ms();
            if (left > 50)
                left = 50;
            ts.tv_nsec += (long)left * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&fr->cv, &fr_mu, &ts);
        }
    }
    if (r == ALR_OK)
        r = fr->first_err;
    frame_unlink(fr);
    /* nested frames still open are this thread's and were popped first;
     * detached ones were unlinked */
    pthread_mutex_unlock(&fr_mu);
    frame_free(fr);
    return r;
}

alr_err alr_frame_detach(alr_frame *fr)
{
    alri_tls *t = alri_tls_get();
    if (!fr || frame_top(t) != fr)
        return ALR_EINVAL;
    t->nframes--;
    frame_flush(fr);
    pthread_mutex_lock(&fr_mu);
    frame_unlink(fr);
    fr->detached = true;
    bool free_it = fr->nops == 0 && !fr->child;
    pthread_mutex_unlock(&fr_mu);
    if (free_it)
        frame_free(fr);
    return ALR_OK;
}

/* ================================================================ starting calls */

/* A handle that will not be sent: out of its frame, then dropped. */
static void as_abandon(alr_async *h)
{
    if (h->in_frame)
        frame_op_done(h, ALR_ASYNC_CANCELLED);
    alri_async_unref(h);
}

/* Checks, encodes into t->ebuf, creates the handle, takes a call id and
 * writes the CALL.  fr: the frame to join (NULL: none). */
static alr_err start(alri_tls *t, const alr_iface *iface, uint32_t method, const void *args,
                     bool ostatus, alr_frame *fr, alr_async **out)
{
    alri_set_last_error(ALR_OK, 0, "", 0);
    alr_endpoint *ep = alr_endpoint_current();
    if (!ep)
        return call_fail(ALR_ENOENDPOINT, "no current endpoint on this thread");
    if (!iface || ep->iface != iface)
        return call_fail(ALR_EWRONGENDPOINT, "the current endpoint speaks package '%s', not '%s'",
                         ep->iface->package ? ep->iface->package : "?",
                         iface && iface->package ? iface->package : "?");
    if (method >= iface->nmethods)
        return call_fail(ALR_EINVAL, "no local method %u", method);
    const alr_method_info *mi = &iface->methods[method];
    bool ow = mi->mode == ALR_RET_ONEWAY || mi->mode == ALR_RET_ONEWAY_STATUS;
    if (ow != ostatus || (ostatus && mi->mode != ALR_RET_ONEWAY_STATUS))
        return call_fail(ALR_EINVAL, "%s: %s", mi->name,
                         ow ? "a oneway method: use alr_call_oneway"
                            : "not a oneway method: use alr_call_async");
    if (!args && mi->args->nmembers)
        return call_fail(ALR_EINVAL, "%s: no arguments given", mi->name);
    if (fr) {
        pthread_mutex_lock(&fr_mu);
        bool c = fr->cancelled;
        pthread_mutex_unlock(&fr_mu);
        if (c)
            return call_fail(ALR_ECANCELED, "%s: the frame is cancelled", mi->name);
    }
    if (atomic_load(&ep->state) != ALRI_EP_OPEN) {
        pthread_mutex_lock(&ep->mu);
        alr_err code = ep->fail_code ? ep->fail_code : ALR_ECLOSED;
        pthread_mutex_unlock(&ep->mu);
        return call_fail(code, "%s", alr_endpoint_error(ep));
    }
    uint32_t wire = alr_plan_method_out(ep->plan, method);
    if (wire == ALR_NONE)
        return call_fail(ALR_ENOMETHOD, "the peer does not have %s", mi->name);
    t->ebuf.len = 0;
    static const alignas(max_align_t) unsigned char no_args[1];
    alr_err e = alr_encode(mi->args, ep->plan, args ? args : (const void *)no_args, &t->ebuf);
    if (e != ALR_OK)
        return call_fail(e, "%s: cannot encode the arguments", mi->name);
    if (t->ebuf.len > ep->cfg.max_message)
        return call_fail(ALR_ELIMIT, "%s: arguments of %zu bytes exceed max_message %u",
                         mi->name, t->ebuf.len, ep->cfg.max_message);
    uint32_t timeout = t->ntimeouts && t->timeouts[t->ntimeouts - 1]
                           ? t->timeouts[t->ntimeouts - 1]
                           : mi->deadline_ms ? mi->deadline_ms : ep->cfg.call_timeout_ms;

    alr_async *h = as_new(t);
    if (!h)
        return call_fail(ALR_ENOMEM, "out of memory");
    alri_ep_ref(ep);
    h->ep = ep;
    h->mi = mi;
    h->method = method;
    h->ostatus = ostatus;
    h->timeout_ms = timeout;
    h->deadline = alri_deadline_ms(timeout);

    /* flow control: room in the send budgets first (waits up to the
     * deadline), then a place among the async calls in flight */
    size_t blen = t->ebuf.len;
    alr_err be = alri_ep_reserve(ep, blen, h->deadline);
    if (be != ALR_OK) {
        alri_async_unref(h);
        if (be == ALR_ETIMEDOUT)
            return call_fail(ALR_ETIMEDOUT, "%s: the send budget stayed full for %u ms",
                             mi->name, timeout);
        pthread_mutex_lock(&ep->mu);
        alr_err code = ep->fail_code ? ep->fail_code : ALR_ECLOSED;
        pthread_mutex_unlock(&ep->mu);
        return call_fail(code, "%s", alr_endpoint_error(ep));
    }
    /* join the frame before the call can complete (failing the endpoint
     * completes it as soon as its entry exists) */
    bool cancel = false;
    if (fr) {
        h->in_frame = true;
        cancel = !frame_add(fr, h);
    }
    pthread_mutex_lock(&ep->mu);
    if (atomic_load(&ep->state) != ALRI_EP_OPEN) {
        alr_err code = ep->fail_code;
        pthread_mutex_unlock(&ep->mu);
        alri_ep_unreserve(ep, blen);
        as_abandon(h);
        return call_fail(code, "%s", alr_endpoint_error(ep));
    }
    if (!alri_ep_async_take(ep)) {
        uint32_t cap = ep->cfg.max_async_outstanding;
        pthread_mutex_unlock(&ep->mu);
        alri_ep_unreserve(ep, blen);
        as_abandon(h);
        return call_fail(ALR_EAGAIN, "%s: %u async calls are in flight (max_async_outstanding)",
                         mi->name, cap);
    }
    if (ep->rd_mode == ALRI_RD_PARKED)
        alri_ep_listen(ep, false); /* its answer needs the reader thread */
    if (ep->rx_paused) /* its answer must be read: no push-back now */
        pthread_cond_signal(&ep->drain_cv);
    alri_slot *slot = alri_slot_of_thread(ep, t);
    uint32_t id = slot ? alri_call_id_alloc(slot) : ALR_NONE;
    if (id == ALR_NONE) {
        alri_ep_async_done(ep);
        pthread_mutex_unlock(&ep->mu);
        alri_ep_unreserve(ep, blen);
        as_abandon(h);
        return call_fail(ALR_ELIMIT, "%s: too many slots or calls in flight", mi->name);
    }
    alri_pending *p = &slot->calls[id];
    p->state = ALRI_CALL_WAITING;
    p->waiter = NULL;
    p->msg = NULL;
    p->async = h;
    p->holds = 0;
    p->seq = UINT64_MAX;
    /* the entry's reference: outside a frame no other thread can see h
     * yet (ep->mu is held until the entry is complete) - no atomic add */
    if (fr)
        alr_async_retain(h);
    else
        atomic_store_explicit(&h->refs, atomic_load_explicit(&h->refs, memory_order_relaxed) + 1,
                              memory_order_relaxed);
    slot->nbusy++;
    if (ostatus)
        slot->nostatus++;
    h->snum = slot->num;
    h->id = id;
    unsigned own = slot->owner == t->owner ? ALRI_SEND_OWN : 0u;
    alri_frame sf;
    bool scope = alri_scope_check(slot, t, &sf);
    bool kick = timer_arm_locked(ep, h);
    /* not counted in ep->ncallers: h's reference keeps ep (its stages
     * too) valid, and once ep fails a send is refused */
    pthread_mutex_unlock(&ep->mu);
    if (scope) /* staged before the CALL: the peer applies it first */
        (void)alri_ep_send_ex(ep, &sf, NULL, 0, NULL, ALRI_SEND_DEFER | ALRI_SEND_OWN, 0);

    if (kick && !timer_kick(ep, h->deadline)) {
        /* no timer thread: the call cannot have a deadline; fail it now
         * (the entry keeps the id until the answer) */
        cancel = true;
    }
    alri_frame f;
    memset(&f, 0, sizeof f);
    f.kind = ALRI_FRAME_CALL;
    f.slot = h->snum;
    f.method = wire;
    f.call_id = id;
    if (ostatus) {
        uint64_t seq = 0;
        if (alri_ep_send_ex(ep, &f, t->ebuf.data, t->ebuf.len, &seq,
                            ALRI_SEND_DEFER | ALRI_SEND_RESERVED, 0) == ALR_OK) {
            pthread_mutex_lock(&ep->mu);
            alri_slot *s = alri_slot_find(ep, h->snum);
            if (s && id < s->ncalls && s->calls[id].state == ALRI_CALL_WAITING &&
                s->calls[id].async == h)
                s->calls[id].seq = seq;
            pthread_mutex_unlock(&ep->mu);
        }
    } else {
        /* failure: ep failed, h too */
        (void)alri_ep_send_ex(ep, &f, t->ebuf.data, t->ebuf.len, NULL,
                              ALRI_SEND_DEFER | ALRI_SEND_RESERVED | own, 0);
    }
    if (cancel)
        (void)alr_async_cancel(h);
    *out = h;
    return ALR_OK;
}

alr_err alr_call_async(const alr_iface *iface, uint32_t method, const void *args,
                       alr_async **out)
{
    if (!out)
        return ALR_EINVAL;
    *out = NULL;
    alri_tls *t = alri_tls_get();
    if (!t)
        return ALR_ENOMEM;
    return start(t, iface, method, args, false, frame_top(t), out);
}

alr_err alr_call_oneway(const alr_iface *iface, uint32_t method, const void *args)
{
    alri_tls *t = alri_tls_get();
    if (!t)
        return ALR_ENOMEM;
    if (!iface || method >= iface->nmethods) {
        alri_set_last_error(ALR_EINVAL, 0, "alr_call_oneway: no such method", SIZE_MAX);
        return ALR_EINVAL;
    }
    const alr_method_info *mi = &iface->methods[method];
    if (mi->mode != ALR_RET_ONEWAY && mi->mode != ALR_RET_ONEWAY_STATUS)
        return call_fail(ALR_EINVAL, "%s: not a oneway method: use alr_call_async or "
                         "alr_call_sync", mi->name);
    alr_frame *fr = frame_top(t);
    if (mi->mode == ALR_RET_ONEWAY || !fr) /* a ONEWAY frame: a failure faults the endpoint */
        return alr_call_sync(iface, method, args, NULL, NULL);
    alr_async *h = NULL;
    alr_err e = start(t, iface, method, args, true, fr, &h);
    alri_async_unref(h); /* the frame keeps it */
    return e;
}

/*
 * call.c - both ends of a call: the thread-local state (ambient endpoint
 * and timeout stacks, slot contexts, last error), alr_call_sync (encode,
 * send CALL on the thread's slot, wait while running the inbound calls of
 * that slot, decode), and the callee's execution of one inbound call.
 *
 * Invariants: a call completes exactly once (rpc_internal.h); a thread
 * waiting in alr_call_sync runs inbound calls only of a slot whose runner
 * it is, and only with ep->mu released; the encode buffer of a thread is
 * free again as soon as a frame has been written (nested calls reuse it).
 */
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rpc_internal.h"

/* ================================================================ thread state */

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
_Thread_local alri_tls *alri_tls_cur;

void alri_owner_unref(alri_owner *o)
{
    if (atomic_fetch_sub(&o->refs, 1) == 1)
        free(o);
}

static void scope_update(alri_tls *t);

static void tls_destroy(void *p)
{
    alri_tls *t = p;
    alri_tls_cur = t;
    t->nscopes = 0; /* the thread's scopes end with it */
    scope_update(t);
    free(t->scoped);
    alri_tls_cur = NULL;
    atomic_store(&t->owner->dead, true);
    alri_owner_unref(t->owner);
    pthread_cond_destroy(&t->cv);
    free(t->eps);
    free(t->timeouts);
    free(t->ctx);
    free(t->frames);
    free(t->scopes);
    for (uint32_t i = 0; i < t->narenas; i++)
        alr_arena_free(t->arenas[i]);
    alr_arena_free(t->scratch);
    free(t->ebuf.data);
    alri_async_cache_free(t);
    free(t);
}

static void tls_key_init(void)
{
    (void)pthread_key_create(&tls_key, tls_destroy);
}

alri_tls *alri_tls_make(void)
{
    pthread_once(&tls_once, tls_key_init);
    alri_tls *t = calloc(1, sizeof *t);
    alri_owner *o = calloc(1, sizeof *o);
    if (!t || !o) {
        free(t);
        free(o);
        return NULL;
    }
    atomic_init(&o->refs, 1);
    atomic_init(&o->dead, false);
    t->owner = o;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    (void)pthread_setspecific(tls_key, t);
    alri_tls_cur = t;
    return t;
}


bool alri_stack_room(void **v, uint32_t *cap, uint32_t n, size_t sz)
{
    if (n < *cap)
        return true;
    uint32_t nc = *cap ? *cap * 2 : 8;
    void *nv = realloc(*v, nc * sz);
    if (!nv)
        return false;
    *v = nv;
    *cap = nc;
    return true;
}

/* ================================================================ ambient scopes */

/* An entry that could not be stored (out of memory) is NULL: calls in that
 * scope fail with ALR_ENOENDPOINT instead of using the wrong endpoint. */
void alr_endpoint_push(alr_endpoint *ep)
{
    alri_tls *t = alri_tls_get();
    if (!t)
        return;
    if (!alri_stack_room((void **)&t->eps, &t->eps_cap, t->neps, sizeof *t->eps)) {
        if (t->neps)
            t->eps[t->neps - 1] = NULL; /* poison the scope below */
        return;
    }
    t->eps[t->neps++] = ep;
}

void alr_endpoint_pop(void)
{
    alri_tls *t = alri_tls_cur;
    if (t && t->neps)
        t->neps--;
}

alr_endpoint *alr_endpoint_current(void)
{
    alri_tls *t = alri_tls_cur;
    return t && t->neps ? t->eps[t->neps - 1] : NULL;
}

void alr_timeout_push(uint32_t ms)
{
    alri_tls *t = alri_tls_get();
    if (!t || !alri_stack_room((void **)&t->timeouts, &t->timeouts_cap, t->ntimeouts,
                          sizeof *t->timeouts))
        return;
    t->timeouts[t->ntimeouts++] = ms;
}

void alr_timeout_pop(void)
{
    alri_tls *t = alri_tls_cur;
    if (t && t->ntimeouts)
        t->ntimeouts--;
}

/* ================================================================ remote scopes */

struct alr_remote_pool {
    uint64_t id;  /* unique in the process: the SCOPE frame's group */
    uint32_t n;
};

static atomic_ullong pool_ids = 1;

alr_remote_pool *alr_remote_pool_new(uint32_t n)
{
    alr_remote_pool *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    p->id = atomic_fetch_add(&pool_ids, 1);
    p->n = n ? n : 1;
    return p;
}

void alr_remote_pool_free(alr_remote_pool *p)
{
    free(p);
}

/* Out of memory: the scope is not entered (its pop then finds another
 * kind on top, or the enclosing scope of the same kind). */
static void scope_push(uint8_t mode, uint64_t group, uint32_t limit)
{
    alri_tls *t = alri_tls_get();
    if (!t || !alri_stack_room((void **)&t->scopes, &t->scopes_cap, t->nscopes, sizeof *t->scopes))
        return;
    t->scopes[t->nscopes].mode = mode;
    t->scopes[t->nscopes].group = group;
    t->scopes[t->nscopes].limit = limit;
    t->nscopes++;
}

/* Brings the peer's view of this thread's scoped slots up to its current
 * scope now (a pop, the thread's exit), so a dedicated remote thread or a
 * pool turn is not held until the slot's next call; drops the endpoints
 * whose slot is back to NONE (or that failed). */
static void scope_update(alri_tls *t)
{
    uint32_t keep = 0;
    for (uint32_t i = 0; i < t->nscoped; i++) {
        alr_endpoint *ep = t->scoped[i].ep;
        alri_frame sf;
        bool send = false, done = true;
        pthread_mutex_lock(&ep->mu);
        alri_slot *s = atomic_load(&ep->state) == ALRI_EP_OPEN
                           ? alri_slot_find(ep, t->scoped[i].slot) : NULL;
        if (s && s->owner == t->owner) {
            send = alri_scope_check(s, t, &sf);
            done = s->sent_mode == ALRI_SCOPE_NONE;
        }
        pthread_mutex_unlock(&ep->mu);
        if (send)
            (void)alri_ep_send_ex(ep, &sf, NULL, 0, NULL, ALRI_SEND_DEFER | ALRI_SEND_OWN, 0);
        if (done)
            alri_ep_unref(ep);
        else
            t->scoped[keep++] = t->scoped[i];
    }
    t->nscoped = keep;
}

static void scope_pop(uint8_t mode)
{
    alri_tls *t = alri_tls_cur;
    if (t && t->nscopes && t->scopes[t->nscopes - 1].mode == mode) {
        t->nscopes--;
        scope_update(t);
    }
}

void alr_remote_thread_push(void)
{
    scope_push(ALRI_SCOPE_THREAD, 0, 0);
}

void alr_remote_thread_pop(void)
{
    scope_pop(ALRI_SCOPE_THREAD);
}

void alr_remote_pool_push(alr_remote_pool *p)
{
    if (p)
        scope_push(ALRI_SCOPE_POOL, p->id, p->n);
}

void alr_remote_pool_pop(void)
{
    scope_pop(ALRI_SCOPE_POOL);
}

bool alri_scope_check(alri_slot *slot, alri_tls *t, alri_frame *sf)
{
    if (slot->owner != t->owner)
        return false; /* an inbound call's slot: the peer's waiting thread runs it */
    uint8_t mode = ALRI_SCOPE_NONE;
    uint64_t group = 0;
    uint32_t limit = 0;
    if (t->nscopes) {
        mode = t->scopes[t->nscopes - 1].mode;
        group = t->scopes[t->nscopes - 1].group;
        limit = t->scopes[t->nscopes - 1].limit;
    }
    if (slot->sent_mode == mode && slot->sent_group == group)
        return false;
    if (slot->sent_mode == ALRI_SCOPE_NONE) {
        /* remembered (with a reference to ep) so a pop or the thread's
         * exit ends the scope on the peer at once; untracked when out of
         * memory: the next call on the slot ends it */
        bool known = false;
        for (uint32_t i = 0; i < t->nscoped && !known; i++)
            known = t->scoped[i].ep == slot->ep && t->scoped[i].slot == slot->num;
        if (!known && alri_stack_room((void **)&t->scoped, &t->scoped_cap, t->nscoped,
                                      sizeof *t->scoped)) {
            alri_ep_ref(slot->ep);
            t->scoped[t->nscoped].ep = slot->ep;
            t->scoped[t->nscoped].slot = slot->num;
            t->nscoped++;
        }
    }
    slot->sent_mode = mode;
    slot->sent_group = group;
    memset(sf, 0, sizeof *sf);
    sf->kind = ALRI_FRAME_SCOPE;
    sf->slot = slot->num;
    sf->mode = mode;
    sf->group = group;
    sf->limit = limit;
    return true;
}

/* ================================================================ last error */

void alri_set_last_error(alr_err code, int64_t app_code, const char *text, size_t len)
{
    alri_tls *t = alri_tls_get();
    if (!t)
        return;
    t->app_code = code == ALR_EAPP ? app_code : 0;
    if (!text)
        text = "";
    if (len == SIZE_MAX)
        len = strlen(text);
    if (len == 0 && code != ALR_OK)
        text = alr_strerror(code), len = strlen(text);
    if (len >= sizeof t->errtext)
        len = sizeof t->errtext - 1;
    memcpy(t->errtext, text, len);
    t->errtext[len] = '\0';
    /* a text from the peer may hold a NUL: C sees what comes before it */
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

const char *alr_last_error_text(void)
{
    alri_tls *t = alri_tls_cur;
    return t ? t->errtext : "";
}

int64_t alr_last_app_code(void)
{
    alri_tls *t = alri_tls_cur;
    return t ? t->app_code : 0;
}

/* ================================================================ helpers */

/* Whether a value of type t needs memory beyond the C struct. */
static bool type_has_heap(const alr_type_desc *t, unsigned depth);

static bool struct_has_heap(const alr_struct_desc *sd, unsigned depth)
{
    if (depth > 64)
        return true;
    for (uint32_t i = 0; i < sd->nmembers; i++)
        if (type_has_heap(sd->members[i].type, depth + 1))
            return true;
    return false;
}

static bool type_has_heap(const alr_type_desc *t, unsigned depth)
{
    switch (t->kind) {
    case ALR_K_STRING:
    case ALR_K_BYTES:
    case ALR_K_LIST:
    case ALR_K_SET:
    case ALR_K_MAP:
    case ALR_K_OPTIONAL:
        return true;
    case ALR_K_STRUCT:
        return struct_has_heap(t->sd, depth + 1);
    case ALR_K_ARRAY:
        return type_has_heap(t->elem, depth + 1);
    default:
        return false;
    }
}

bool alri_struct_has_heap(const alr_struct_desc *sd)
{
    return struct_has_heap(sd, 0);
}

static struct timespec abs_ms(uint64_t ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    return ts;
}

/* Smallest free call id on s (growing calls[]), or ALR_NONE. */
uint32_t alri_call_id_alloc(alri_slot *s)
{
    if (s->free_head) {
        uint32_t id = s->free_head - 1;
        s->free_head = s->calls[id].next_free;
        return id;
    }
    if (s->ncalls >= ALRI_MAX_CALL_IDS)
        return ALR_NONE;
    uint32_t nc = s->ncalls ? s->ncalls * 2 : 4;
    alri_pending *n = realloc(s->calls, nc * sizeof *n);
    if (!n)
        return ALR_NONE;
    memset(n + s->ncalls, 0, (nc - s->ncalls) * sizeof *n);
    s->calls = n;
    uint32_t id = s->ncalls;
    s->ncalls = nc;
    for (uint32_t i = nc - 1; i > id; i--) { /* the new ones, lowest first */
        n[i].next_free = s->free_head;
        s->free_head = i + 1;
    }
    return id;
}

static alri_msg *queue_pop(alr_endpoint *ep, alri_slot *s)
{
    alri_msg *m = s->qhead;
    s->qhead = m->next;
    if (!s->qhead)
        s->qtail = NULL;
    m->next = NULL;
    atomic_fetch_sub(&ep->queued_bytes, ALRI_MSG_MEM(m->f.body_len));
    if (ep->rx_paused && atomic_load(&ep->queued_bytes) <= ALRI_RX_LOW)
        pthread_cond_signal(&ep->drain_cv); /* the reader may read again */
    return m;
}

/* ================================================================ the caller */

/* The end of a call's use of ep.  No lock while ep is open: the close
 * stores the state before it reads ncallers, and this decrements before it
 * reads the state (both sequentially consistent), so one of the two sees
 * the other. */
void alri_caller_leave(alr_endpoint *ep)
{
    if (atomic_fetch_sub(&ep->ncallers, 1) == 1 && atomic_load(&ep->state) != ALRI_EP_OPEN) {
        pthread_mutex_lock(&ep->mu);
        pthread_cond_broadcast(&ep->idle_cv);
        pthread_mutex_unlock(&ep->mu);
    }
}

/* The ONEWAY of t->ebuf from the thread's own slot on ep without ep->mu,
 * when the thread has looked its slot up before (the record is kept while
 * the thread lives), runs no handler of ep, has no scope to announce, and
 * ep's reader already listens for good.  ALR_EAGAIN: take the locked path.
 * The caller count is taken before the state is read (alr_endpoint_close
 * stores the state before it reads the count). */
static alr_err oneway_fast(alr_endpoint *ep, alri_tls *t, const alr_method_info *mi,
                          uint32_t wire, uint32_t timeout)
{
    if (t->nctx || t->nscopes || !atomic_load_explicit(&ep->rd_never_park, memory_order_relaxed))
        return ALR_EAGAIN;
    alri_slot *s = NULL;
    for (uint32_t i = 0; i < 4 && !s; i++)
        if (t->cache[i].ep == ep && t->cache[i].serial == ep->serial)
            s = t->cache[i].sp;
    if (!s || s->sent_mode != ALRI_SCOPE_NONE) /* sent_mode: only this thread writes it */
        return ALR_EAGAIN;
    atomic_fetch_add(&ep->ncallers, 1);
    if (atomic_load(&ep->state) != ALRI_EP_OPEN) {
        alri_caller_leave(ep);
        return ALR_EAGAIN; /* the locked path reports the failure */
    }
    alri_frame f;
    memset(&f, 0, sizeof f);
    f.kind = ALRI_FRAME_ONEWAY;
    f.slot = s->num;
    f.method = wire;
    alr_err e = alri_ep_send_ex(ep, &f, t->ebuf.data, t->ebuf.len, NULL,
                                ALRI_SEND_DEFER | ALRI_SEND_BUDGET | ALRI_SEND_REL |
                                    ALRI_SEND_OWN, timeout);
    if (e == ALR_ETIMEDOUT)
        e = call_fail(ALR_ETIMEDOUT, "%s: the send budget stayed full for %u ms", mi->name,
                      timeout);
    else if (e == ALR_ENOMEM)
        e = call_fail(ALR_ENOMEM, "%s: out of memory for the send buffer", mi->name);
    else if (e != ALR_OK) {
        pthread_mutex_lock(&ep->mu);
        alr_err fc = ep->fail_code ? ep->fail_code : ALR_ECLOSED;
        pthread_mutex_unlock(&ep->mu);
        e = call_fail(fc, "%s", alr_endpoint_error(ep));
    }
    alri_caller_leave(ep);
    return e;
}

alr_err alr_call_sync(const alr_iface *iface, uint32_t method, const void *args, void *ret,
                      alr_arena *arena)
{
    alri_tls *t = alri_tls_get();
    if (!t)
        return ALR_ENOMEM;
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
    if (!args && mi->args->nmembers)
        return call_fail(ALR_EINVAL, "%s: no arguments given", mi->name);
    if (ret && mi->ret && !arena && struct_has_heap(mi->ret, 0))
        return call_fail(ALR_EINVAL, "%s: a result with strings or containers needs an arena",
                         mi->name);
    if (atomic_load(&ep->state) != ALRI_EP_OPEN) {
        pthread_mutex_lock(&ep->mu);
        alr_err code = ep->fail_code ? ep->fail_code : ALR_ECLOSED;
        pthread_mutex_unlock(&ep->mu);
        return call_fail(code, "%s", alr_endpoint_error(ep));
    }
    uint32_t wire = alr_plan_method_out(ep->plan, method);
    if (wire == ALR_NONE)
        return call_fail(ALR_ENOMETHOD, "the peer does not have %s", mi->name);
    bool oneway = mi->mode == ALR_RET_ONEWAY || mi->mode == ALR_RET_ONEWAY_STATUS;
    if (!oneway && atomic_load_explicit(&ep->reader_tls, memory_order_relaxed) == t)
        return call_fail(ALR_EINVAL, "%s: a sync call from the connection's own reader (an "
                         "inline handler or a completion callback) could never get its "
                         "answer: use an async call", mi->name);
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

    if (oneway) { /* the common case of a one-way flood takes no endpoint lock */
        e = oneway_fast(ep, t, mi, wire, timeout);
        if (e != ALR_EAGAIN)
            return e;
    }
    pthread_mutex_lock(&ep->mu);
    if (atomic_load(&ep->state) != ALRI_EP_OPEN) {
        alr_err code = ep->fail_code;
        pthread_mutex_unlock(&ep->mu);
        return call_fail(code, "%s", alr_endpoint_error(ep));
    }
    alri_slot *slot = alri_slot_of_thread(ep, t);
    uint32_t id = slot && !oneway ? alri_call_id_alloc(slot) : ALR_NONE;
    if (!slot || (!oneway && id == ALR_NONE)) {
        pthread_mutex_unlock(&ep->mu);
        return call_fail(ALR_ELIMIT, "%s: too many slots or calls in flight", mi->name);
    }
    uint32_t snum = slot->num;
    unsigned own = slot->owner == t->owner ? ALRI_SEND_OWN : 0u;
    alri_frame sf;
    bool scope = alri_scope_check(slot, t, &sf);
    alri_frame f;
    memset(&f, 0, sizeof f);
    f.slot = snum;
    f.method = wire;
    atomic_fetch_add(&ep->ncallers, 1);
    if (oneway) {
        /* fire and forget: a failure comes back as FAULT and faults ep,
         * so the reader listens from now on */
        if (!atomic_load_explicit(&ep->rd_never_park, memory_order_relaxed))
            alri_ep_listen(ep, true);
        pthread_mutex_unlock(&ep->mu);
        if (scope) /* staged before the call: the peer applies it first */
            (void)alri_ep_send_ex(ep, &sf, NULL, 0, NULL, ALRI_SEND_DEFER | ALRI_SEND_OWN, 0);
        f.kind = ALRI_FRAME_ONEWAY;
        e = alri_ep_send_ex(ep, &f, t->ebuf.data, t->ebuf.len, NULL,
                            ALRI_SEND_DEFER | ALRI_SEND_BUDGET | ALRI_SEND_REL | own, timeout);
        if (e == ALR_ETIMEDOUT) { /* flow control: nothing was sent */
            e = call_fail(ALR_ETIMEDOUT, "%s: the send budget stayed full for %u ms", mi->name,
                          timeout);
        } else if (e == ALR_ENOMEM) {
            e = call_fail(ALR_ENOMEM, "%s: out of memory for the send buffer", mi->name);
        } else if (e != ALR_OK) {
            pthread_mutex_lock(&ep->mu);
            alr_err fc = ep->fail_code ? ep->fail_code : ALR_ECLOSED;
            pthread_mutex_unlock(&ep->mu);
            e = call_fail(fc, "%s", alr_endpoint_error(ep));
        }
        alri_caller_leave(ep);
        return e;
    }
    uint64_t deadline = alri_now_ms() + timeout;
    alri_pending *p = &slot->calls[id];
    p->state = ALRI_CALL_WAITING;
    p->waiter = t;
    p->msg = NULL;
    slot->nbusy++;
    ep->nsyncwait++;
    if (ep->rx_paused) /* its answer must be read: no push-back now */
        pthread_cond_signal(&ep->drain_cv);
    bool runner = false;
    if (!slot->runner) {
        slot->runner = t;
        runner = true;
    }
    pthread_mutex_unlock(&ep->mu);

    if (scope) /* staged before the CALL: the peer applies it first */
        (void)alri_ep_send_ex(ep, &sf, NULL, 0, NULL, ALRI_SEND_DEFER | ALRI_SEND_OWN, 0);
    f.kind = ALRI_FRAME_CALL;
    f.call_id = id;
    (void)alri_ep_send(ep, &f, t->ebuf.data, t->ebuf.len); /* failure: ep failed, p DONE */
    if (t->ncorked) /* a batch of this thread must not wait with it */
        alri_cork_flush(t);

    bool timed_out = false, reading = false;
    pthread_mutex_lock(&ep->mu);
    for (;;) {
        p = &slot->calls[id]; /* calls[] may have grown */
        if (p->state == ALRI_CALL_DONE)
            break;
        if (slot->runner == t && slot->qhead) { /* continuation */
            alri_msg *m = queue_pop(ep, slot);
            pthread_mutex_unlock(&ep->mu);
            alri_run_inbound(ep, slot, m);
            pthread_mutex_lock(&ep->mu);
            continue;
        }
        if (alri_now_ms() >= deadline) {
            p->state = ALRI_CALL_ZOMBIE; /* the id stays reserved until the answer comes */
            p->waiter = NULL;
            ep->nsyncwait--;
            timed_out = true;
            break;
        }
        /* the reader thread is parked: read the answer here, with no
         * thread hand-off (endpoint.c, "READING") */
        if (reading || alri_ep_take_reading(ep, t)) {
            reading = true;
            pthread_mutex_unlock(&ep->mu);
            bool alive = alri_ep_read_some(ep, t, deadline);
            pthread_mutex_lock(&ep->mu);
            if (!alive) { /* the endpoint failed (p is DONE): the role goes back */
                reading = false;
                alri_ep_leave_reading(ep);
            }
            continue;
        }
        struct timespec ts = abs_ms(deadline);
        pthread_cond_timedwait(&t->cv, &ep->mu, &ts);
    }
    if (reading)
        alri_ep_leave_reading(ep);
    uint8_t kind = 0;
    uint32_t code = 0;
    int64_t app_code = 0;
    alri_msg *msg = NULL;
    if (!timed_out) {
        kind = p->kind;
        code = p->code;
        app_code = p->app_code;
        msg = p->msg;
        p->msg = NULL;
        p->state = ALRI_CALL_FREE;
        alri_call_id_freed(slot, p);
        slot->nbusy--;
    }
    if (runner) {
        slot->runner = NULL;
        alri_slot_schedule(ep, slot);
    }
    alri_slot_maybe_free(ep, slot); /* slot is not used below */
    pthread_mutex_unlock(&ep->mu);

    /* still counted in ep->ncallers: ep stays valid until caller_leave */
    if (timed_out) {
        alri_frame c;
        memset(&c, 0, sizeof c);
        c.kind = ALRI_FRAME_CANCEL;
        c.slot = snum;
        c.call_id = id;
        (void)alri_ep_send(ep, &c, NULL, 0);
        e = call_fail(ALR_ETIMEDOUT, "%s: no answer within %u ms", mi->name, timeout);
    } else if (kind == 0) { /* the endpoint failed */
        e = call_fail((alr_err)code, "%s", alr_endpoint_error(ep));
    } else if (kind == ALRI_FRAME_ERROR) {
        e = code ? (alr_err)code : ALR_EPROTO;
        alri_set_last_error(e, app_code, (const char *)msg->body, msg->f.body_len);
    } else if (ret && mi->ret) {
        alr_arena *a = arena;
        if (!a) {
            if (!t->scratch)
                t->scratch = alr_arena_new();
            a = t->scratch;
        }
        e = a ? alr_decode(mi->ret, ep->plan, msg->body, msg->f.body_len, ret, a, &ep->limits)
              : ALR_ENOMEM;
        if (!arena && a)
            alr_arena_reset(a);
        if (e == ALR_EPROTO || e == ALR_EINVAL) {
            alri_ep_fail(ep, ALR_EPROTO, "undecodable reply to %s", mi->name);
            e = ALR_EPROTO;
        }
        if (e != ALR_OK)
            call_fail(e, "%s: cannot decode the reply: %s", mi->name, alr_strerror(e));
    } else {
        e = ALR_OK;
    }
    free(msg);
    alri_caller_leave(ep);
    return e;
}

/* ================================================================ the callee */

static void answer_error(alr_endpoint *ep, const alri_frame *in, alr_err code, int64_t app,
                         const char *text)
{
    alri_frame f;
    memset(&f, 0, sizeof f);
    if (in->kind == ALRI_FRAME_ONEWAY) {
        f.kind = ALRI_FRAME_FAULT;
        f.method = in->method;
    } else {
        f.kind = ALRI_FRAME_ERROR;
        f.call_id = in->call_id;
    }
    f.slot = in->slot;
    f.code = (uint32_t)code;
    f.app_code = app;
    size_t len = strlen(text);
    if (len > ALRI_ERRTEXT - 1)
        len = ALRI_ERRTEXT - 1;
    (void)alri_ep_send(ep, &f, text, len);
}

static alr_arena *arena_take(alri_tls *t)
{
    if (t->narenas)
        return t->arenas[--t->narenas];
    return alr_arena_new();
}

static void arena_give(alri_tls *t, alr_arena *a)
{
    if (!a)
        return;
    alr_arena_reset(a);
    if (t->narenas < 4)
        t->arenas[t->narenas++] = a;
    else
        alr_arena_free(a);
}

typedef union {
    max_align_t align;
    unsigned char b[256];
} small_buf;

/* Argument or result storage: the small buffer when it fits, else calloc. */
static void *value_buf(small_buf *sb, uint32_t size)
{
    if (size <= 64) { /* a constant size: a few vector stores, not rep stos */
        memset(sb->b, 0, 64);
        return sb->b;
    }
    if (size <= sizeof sb->b) {
        memset(sb->b, 0, sizeof sb->b);
        return sb->b;
    }
    return calloc(1, size);
}

static void value_free(small_buf *sb, void *v)
{
    if (v != (void *)sb->b)
        free(v);
}

void alri_run_inbound(alr_endpoint *ep, alri_slot *slot, alri_msg *m)
{
    alri_run_call(ep, slot, &m->f, m->body, atomic_load(&m->cancelled));
    free(m);
}

void alri_run_call(alr_endpoint *ep, alri_slot *slot, const alri_frame *fr, const uint8_t *body,
                   bool cancelled)
{
    alri_tls *t = alri_tls_get();
    bool oneway = fr->kind == ALRI_FRAME_ONEWAY;
    if (fr->kind == ALRI_FRAME_PING) { /* queued behind the slot's calls: now answer */
        alri_frame pong;
        memset(&pong, 0, sizeof pong);
        pong.kind = ALRI_FRAME_PONG;
        pong.slot = fr->slot;
        pong.token = fr->token;
        (void)alri_ep_send(ep, &pong, NULL, 0);
        return;
    }
    if (!t) {
        answer_error(ep, fr, ALR_ENOMEM, 0, "out of memory");
        return;
    }
    if (cancelled) {
        answer_error(ep, fr, ALR_ECANCELED, 0, "cancelled before it started");
        return;
    }
    uint32_t local = alr_plan_method_in(ep->plan, fr->method);
    if (local == ALR_NONE) {
        char why[80];
        snprintf(why, sizeof why, "no method with wire id %u here", fr->method);
        answer_error(ep, fr, ALR_ENOMETHOD, 0, why);
        return;
    }
    const alr_method_info *mi = &ep->iface->methods[local];
    alri_served svc;
    if (ep->srv) { /* a server's connection: its services are fixed before it accepts */
        svc = ep->services[mi->service];
    } else {
        pthread_mutex_lock(&ep->mu);
        svc = ep->services[mi->service];
        pthread_mutex_unlock(&ep->mu);
    }
    if (!svc.handlers || !mi->invoke) {
        char why[ALRI_ERRTEXT];
        snprintf(why, sizeof why, "%s: service %s is not served here", mi->name,
                 ep->iface->services[mi->service]);
        answer_error(ep, fr, ALR_ENOMETHOD, 0, why);
        return;
    }
    small_buf sa, sr;
    alr_arena *arena = arena_take(t);
    void *args = value_buf(&sa, mi->args->size);
    void *ret = mi->ret ? value_buf(&sr, mi->ret->size) : NULL;
    if (!arena || !args || (mi->ret && !ret)) {
        answer_error(ep, fr, ALR_ENOMEM, 0, "out of memory");
        goto done;
    }
    alr_err e = alr_decode(mi->args, ep->plan, body, fr->body_len, args, arena, &ep->limits);
    if (e == ALR_ELIMIT || e == ALR_ENOMEM) {
        answer_error(ep, fr, e, 0, "the arguments exceed this side's limits");
        goto done;
    }
    if (e != ALR_OK) {
        alri_ep_fail(ep, ALR_EPROTO, "undecodable arguments for %s: %s", mi->name,
                     alr_strerror(e));
        goto done;
    }

    alr_call call; /* not memset: its 1 KiB text is written only with has_text */
    call.next = NULL;
    call.app_code = 0;
    call.has_text = false;
    call.text[0] = '\0';
    call.ep = ep;
    call.slot = slot;
    call.call_id = oneway ? ALR_NONE : fr->call_id;
    call.method = local;
    call.user = svc.user;
    call.arena = arena;
    atomic_init(&call.cancelled, false);
    atomic_init(&call.timed_out, false);
    /* the reader running a call inline (its quiet cork) is the only one
     * that could mark it (CANCEL) and is busy running it: the call is not
     * listed on the slot, which saves two lock round trips per call */
    bool listed = !(t->cork && t->cork_quiet);
    if (listed) {
        pthread_mutex_lock(&ep->mu);
        call.next = slot->active;
        slot->active = &call;
    }
    if (atomic_load(&ep->state) != ALRI_EP_OPEN) {
        atomic_store(&call.cancelled, true);
        atomic_store(&call.timed_out, true);
    }
    if (listed)
        pthread_mutex_unlock(&ep->mu);

    bool ctx_ok = alri_stack_room((void **)&t->ctx, &t->ctx_cap, t->nctx, sizeof *t->ctx);
    if (ctx_ok)
        t->ctx[t->nctx++] = (alri_ctx){ep, slot->num};
    alr_endpoint_push(ep);
    e = mi->invoke(&call, svc.handlers, args, ret);
    alr_endpoint_pop();
    if (ctx_ok)
        t->nctx--;

    /* a runner with more calls queued batches the answers (alri_slot_drain
     * writes them when its queue runs dry), and the reader running calls
     * inline batches them all (written at the end of its read) */
    unsigned rflags = listed ? 0u : ALRI_SEND_DEFER | ALRI_SEND_OWN;
    if (listed) {
        pthread_mutex_lock(&ep->mu);
        alr_call **pp = &slot->active;
        while (*pp != &call)
            pp = &(*pp)->next;
        *pp = call.next;
        if (t->cork && (slot->qhead || t->batch_more))
            rflags = ALRI_SEND_DEFER; /* the shared stage: a pool worker serves many
                                         connections, a ring on each would cost memory */
        pthread_mutex_unlock(&ep->mu);
    }

    if (e == ALR_ENOMETHOD && !call.has_text) { /* a NULL entry in the handler table */
        snprintf(call.text, sizeof call.text, "%s has no handler here", mi->name);
        call.has_text = true;
    }
    if (e != ALR_OK) {
        answer_error(ep, fr, e, call.app_code, call.has_text ? call.text : "");
    } else if (!oneway && mi->mode != ALR_RET_ONEWAY_STATUS) {
        t->ebuf.len = 0;
        alr_err ee = mi->ret ? alr_encode(mi->ret, ep->plan, ret, &t->ebuf) : ALR_OK;
        if (ee != ALR_OK) {
            answer_error(ep, fr, ee, 0, "the handler's result cannot be encoded");
        } else if (t->ebuf.len > ep->cfg.max_message) {
            answer_error(ep, fr, ALR_ELIMIT, 0, "the result exceeds max_message");
        } else {
            alri_frame f;
            memset(&f, 0, sizeof f);
            f.kind = ALRI_FRAME_REPLY;
            f.slot = fr->slot;
            f.call_id = fr->call_id;
            (void)alri_ep_send_ex(ep, &f, t->ebuf.data, t->ebuf.len, NULL, rflags, 0);
        }
    }
done:
    if (args)
        value_free(&sa, args);
    if (ret)
        value_free(&sr, ret);
    arena_give(t, arena);
}

void alri_slot_drain(alri_slot *s)
{
    alr_endpoint *ep = s->ep;
    alri_tls *t = alri_tls_get();
    pthread_mutex_lock(&ep->mu);
    s->scheduled = false;
    if (!t && s->qhead) {
        pthread_mutex_unlock(&ep->mu);
        alri_ep_fail(ep, ALR_ENOMEM, "out of memory for a worker's state");
        pthread_mutex_lock(&ep->mu);
    } else if (!s->runner) {
        s->runner = t;
        alri_cork(t, false); /* answers batch while calls are queued */
        for (;;) {
            /* a SCOPE moved the slot to another pool group (or out of one):
             * stop here and take a turn of the new one (below) */
            while (s->qhead && s->gcur == s->group) {
                /* every queued call at once: one lock round trip per batch.
                 * A SCOPE arriving meanwhile (scope_gen) ends the batch
                 * before the next call, which goes back to the queue's head */
                alri_msg *b = s->qhead, *m = b;
                s->qhead = s->qtail = NULL;
                s->batch = b;
                unsigned gen = atomic_load(&s->scope_gen);
                pthread_mutex_unlock(&ep->mu);
                size_t ran = 0; /* body bytes: still counted queued until the batch ends */
                for (; m && atomic_load(&s->scope_gen) == gen; m = m->next) {
                    if (atomic_load(&ep->state) == ALRI_EP_OPEN) { /* else dropped */
                        t->batch_more = m->next != NULL;
                        alri_run_call(ep, s, &m->f, m->body, atomic_load(&m->cancelled));
                    }
                    ran += ALRI_MSG_MEM(m->f.body_len);
                    if (alri_cork_due(t))
                        alri_cork_flush(t);
                }
                t->batch_more = false;
                atomic_fetch_sub(&ep->queued_bytes, ran);
                pthread_mutex_lock(&ep->mu);
                if (ep->rx_paused && atomic_load(&ep->queued_bytes) <= ALRI_RX_LOW)
                    pthread_cond_signal(&ep->drain_cv); /* the reader may read again */
                s->batch = NULL;
                if (m) { /* not run: back in front of what came since */
                    alri_msg *last = m;
                    while (last->next)
                        last = last->next;
                    last->next = s->qhead;
                    if (!s->qhead)
                        s->qtail = last;
                    s->qhead = m;
                }
                while (b != m) { /* ran: given back after the batch (CANCEL walked them) */
                    alri_msg *n = b->next;
                    alri_msg_give(ep, b);
                    b = n;
                }
            }
            if (t->ncorked) { /* the queue ran dry: write the batch */
                pthread_mutex_unlock(&ep->mu);
                alri_cork_flush(t);
                pthread_mutex_lock(&ep->mu);
                continue;
            }
            /* a remote thread scope: this thread stays the slot's runner,
             * waiting for its next call, until unpinned or ep fails */
            if (!s->pinned || s->qhead || atomic_load(&ep->state) != ALRI_EP_OPEN)
                break;
            pthread_cond_wait(&t->cv, &ep->mu);
        }
        alri_uncork(t); /* nothing left to write: ncorked is 0 here */
        s->runner = NULL;
    }
    alri_group_turn_done(ep, s);
    alri_slot_schedule(ep, s); /* calls left behind by a scope change */
    alri_slot_maybe_free(ep, s);
    pthread_mutex_unlock(&ep->mu);
    alri_ep_unref(ep);
}

/* ================================================================ alr_call API */

void *alr_call_user(const alr_call *call)
{
    return call ? call->user : NULL;
}

alr_endpoint *alr_call_endpoint(const alr_call *call)
{
    return call ? call->ep : NULL;
}

bool alr_call_timed_out(const alr_call *call)
{
    return call && atomic_load(&((alr_call *)call)->timed_out);
}

bool alr_call_cancelled(const alr_call *call)
{
    return call && atomic_load(&((alr_call *)call)->cancelled);
}

alr_arena *alr_call_arena(alr_call *call)
{
    return call ? call->arena : NULL;
}

void alr_call_set_error(alr_call *call, const char *fmt, ...)
{
    if (!call || !fmt)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->text, sizeof call->text, fmt, ap);
    va_end(ap);
    call->has_text = true;
}

void alr_call_set_app_error(alr_call *call, int64_t code, const char *fmt, ...)
{
    if (!call)
        return;
    call->app_code = code;
    if (!fmt)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->text, sizeof call->text, fmt, ap);
    va_end(ap);
    call->has_text = true;
}

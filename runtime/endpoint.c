/*
 * endpoint.c - one connection: configuration, the handshake, the reader
 * thread that demultiplexes frames (answers to their waiting calls, calls
 * to their slot's runner or the pool), the one write path (batching,
 * flusher thread, send budgets, statistics: see "the write path"), the failed
 * state, slot records, and the client API (connect, close, serve, status).
 *
 * Invariants: see rpc_internal.h.  In short: the endpoint fails exactly
 * once (first error wins, every waiter is woken with the failure, queued
 * frames are dropped, the socket is shut down but closed only at free);
 * the reader thread is the only reader of the socket and of ep->rbuf.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "handshake.h"
#include "rpc_internal.h"
#include "schema_ir.h"

static atomic_ulong ep_serials;

/* ================================================================ config, log */

void alr_config_init(alr_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->call_timeout_ms = ALRI_DEFAULT_CALL_TIMEOUT_MS;
    cfg->handshake_timeout_ms = ALRI_DEFAULT_HANDSHAKE_TIMEOUT_MS;
    cfg->connect_timeout_ms = ALRI_DEFAULT_CONNECT_TIMEOUT_MS;
    cfg->workers = ALRI_DEFAULT_WORKERS;
    cfg->max_message = ALRI_DEFAULT_MAX_MESSAGE;
    cfg->max_batch_bytes = ALRI_DEFAULT_MAX_BATCH_BYTES;
    cfg->flush_delay_us = ALRI_DEFAULT_FLUSH_DELAY_US;
    cfg->thread_send_budget = ALRI_DEFAULT_THREAD_SEND_BUDGET;
    cfg->endpoint_send_budget = ALRI_DEFAULT_ENDPOINT_SEND_BUDGET;
    cfg->max_async_outstanding = ALRI_DEFAULT_MAX_ASYNC_OUTSTANDING;
    cfg->max_batch_frames = ALRI_DEFAULT_MAX_BATCH_FRAMES;
}

void alri_config_fix(alr_config *cfg, const alr_config *in)
{
    alr_config_init(cfg);
    if (in)
        *cfg = *in;
    if (!cfg->call_timeout_ms) /* never infinite */
        cfg->call_timeout_ms = ALRI_DEFAULT_CALL_TIMEOUT_MS;
    if (!cfg->handshake_timeout_ms)
        cfg->handshake_timeout_ms = ALRI_DEFAULT_HANDSHAKE_TIMEOUT_MS;
    if (!cfg->connect_timeout_ms)
        cfg->connect_timeout_ms = ALRI_DEFAULT_CONNECT_TIMEOUT_MS;
    if (!cfg->workers)
        cfg->workers = ALRI_DEFAULT_WORKERS;
    if (!cfg->max_message)
        cfg->max_message = ALRI_DEFAULT_MAX_MESSAGE;
    if (cfg->max_message > ALRI_FRAME_MAX_DEFAULT * 16u)
        cfg->max_message = ALRI_FRAME_MAX_DEFAULT * 16u; /* 1 GiB: frame sizes stay u32 */
    /* 0 = the default (flush_delay_us: 0 is meaningful, no lingering) */
    if (!cfg->max_batch_bytes)
        cfg->max_batch_bytes = ALRI_DEFAULT_MAX_BATCH_BYTES;
    if (!cfg->thread_send_budget)
        cfg->thread_send_budget = ALRI_DEFAULT_THREAD_SEND_BUDGET;
    if (!cfg->endpoint_send_budget)
        cfg->endpoint_send_budget = ALRI_DEFAULT_ENDPOINT_SEND_BUDGET;
    if (!cfg->max_async_outstanding)
        cfg->max_async_outstanding = ALRI_DEFAULT_MAX_ASYNC_OUTSTANDING;
    if (!cfg->max_batch_frames)
        cfg->max_batch_frames = ALRI_DEFAULT_MAX_BATCH_FRAMES;
    if (cfg->flush_delay_us > 1000000u)
        cfg->flush_delay_us = 1000000u;
}

void alri_log(const alr_config *cfg, alr_log_level level, const char *fmt, ...)
{
    if (!cfg || !cfg->log)
        return;
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    cfg->log(cfg->log_user, level, line);
}

/* ================================================================ iface check */

alr_err alri_iface_check(const alr_iface *iface, const alr_schema *s, char *err, size_t errlen)
{
    const alri_schema *ir = &s->ir;
    if (iface->nservices != ir->services.n || iface->nmethods != ir->methods.n ||
        (iface->nmethods && !iface->methods) || (iface->nservices && !iface->services)) {
        snprintf(err, errlen, "iface has %u services and %u methods, its blob %u and %u",
                 iface->nservices, iface->nmethods, ir->services.n, ir->methods.n);
        return ALR_EINVAL;
    }
    if (iface->package && strcmp(iface->package, ir->package) != 0) {
        snprintf(err, errlen, "iface package '%s' is not its blob's '%s'", iface->package,
                 ir->package);
        return ALR_EINVAL;
    }
    for (uint32_t sv = 0; sv < ir->services.n; sv++) {
        const alri_service *rs = &ir->services.v[sv];
        if (!iface->services[sv] || strcmp(iface->services[sv], rs->name) != 0) {
            snprintf(err, errlen, "iface service %u is not '%s'", sv, rs->name);
            return ALR_EINVAL;
        }
        size_t sl = strlen(rs->name);
        for (uint32_t m = rs->first_method; m < rs->first_method + rs->nmethods; m++) {
            const alr_method_info *mi = &iface->methods[m];
            const char *mn = ir->methods.v[m].name;
            if (mi->service != sv || !mi->name || strncmp(mi->name, rs->name, sl) != 0 ||
                mi->name[sl] != '.' || strcmp(mi->name + sl + 1, mn) != 0 || !mi->args ||
                mi->args->index != (ALR_DESC_ARGS | m) ||
                (mi->ret && mi->ret->index != (ALR_DESC_RET | m))) {
                snprintf(err, errlen, "iface method %u does not describe '%s.%s'", m, rs->name,
                         mn);
                return ALR_EINVAL;
            }
        }
    }
    return ALR_OK;
}

/* ================================================================ life cycle */

alr_err alri_ep_new(const alr_iface *iface, const alr_config *cfg, alr_role role, int fd,
                    alr_schema *schema, alr_server *srv, alr_endpoint **out)
{
    *out = NULL;
    alr_endpoint *ep = calloc(1, sizeof *ep);
    if (!ep)
        return ALR_ENOMEM;
    ep->services = calloc(iface->nservices ? iface->nservices : 1, sizeof *ep->services);
    ep->nbuckets = 16;
    ep->buckets = calloc(ep->nbuckets, sizeof *ep->buckets);
    ep->ret_heap = calloc(iface->nmethods ? iface->nmethods : 1, sizeof *ep->ret_heap);
    if (!ep->services || !ep->buckets || !ep->ret_heap) {
        free(ep->services);
        free(ep->buckets);
        free(ep->ret_heap);
        free(ep);
        return ALR_ENOMEM;
    }
    for (uint32_t m = 0; m < iface->nmethods; m++)
        ep->ret_heap[m] = iface->methods[m].ret && alri_struct_has_heap(iface->methods[m].ret);
    if (srv)
        memcpy(ep->services, srv->services, iface->nservices * sizeof *ep->services);
    ep->iface = iface;
    ep->cfg = *cfg;
    ep->limits = alr_codec_limits_default();
    ep->limits.max_message = cfg->max_message;
    ep->limits.max_alloc = (uint64_t)cfg->max_message * 4u + (1u << 20);
    ep->role = role;
    ep->serial = atomic_fetch_add(&ep_serials, 1) + 1;
    ep->fd = fd;
    ep->schema = schema;
    ep->srv = srv;
    if (srv) {
        ep->pool = &srv->pool;
    } else {
        alri_pool_init(&ep->own_pool, cfg->workers, cfg);
        ep->pool = &ep->own_pool;
    }
    atomic_init(&ep->refs, 1);
    atomic_init(&ep->state, ALRI_EP_HANDSHAKE);
    atomic_init(&ep->status, ALR_OK);
    atomic_init(&ep->frames_sent, 0);
    atomic_init(&ep->frames_received, 0);
    atomic_init(&ep->ncallers, 0);
    atomic_init(&ep->reader_done, false);
    atomic_init(&ep->wfail, ALR_OK);
    pthread_mutex_init(&ep->mu, NULL);
    pthread_mutex_init(&ep->wmu, NULL);
    pthread_cond_init(&ep->idle_cv, NULL);
    pthread_cond_init(&ep->rd_cv, NULL);
    ep->rd_wake = -1;
    {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&ep->wspace_cv, &ca);
        pthread_cond_init(&ep->flush_cv, &ca);
        pthread_cond_init(&ep->drain_cv, &ca);
        pthread_condattr_destroy(&ca);
    }
    ep->sgen = 1;
    alri_net_peer_name(fd, ep->peer);
    ep->t_start = alri_now_ms();
    *out = ep;
    return ALR_OK;
}

void alri_ep_ref(alr_endpoint *ep)
{
    atomic_fetch_add(&ep->refs, 1);
}

static void free_msgs(alri_msg *m)
{
    while (m) {
        alri_msg *n = m->next;
        free(m);
        m = n;
    }
}

static void ep_free(alr_endpoint *ep)
{
    pthread_mutex_lock(&ep->wmu);
    ep->fl_stop = true;
    ep->wdead = true;
    atomic_store(&ep->wdead_a, true);
    pthread_cond_signal(&ep->flush_cv);
    bool fl = ep->fl_started;
    pthread_mutex_unlock(&ep->wmu);
    if (fl)
        pthread_join(ep->flusher, NULL);
    free(ep->stage);
    free(ep->wbuf);
    while (ep->tstages) {
        alri_tstage *ts = ep->tstages;
        ep->tstages = ts->next;
        if (ts->owner)
            alri_owner_unref(ts->owner);
        free(ts->ring);
        free(ts);
    }
    pthread_cond_destroy(&ep->wspace_cv);
    pthread_cond_destroy(&ep->flush_cv);
    if (ep->fd >= 0)
        close(ep->fd);
    for (uint32_t b = 0; b < ep->nbuckets; b++) {
        alri_slot *s = ep->buckets[b];
        while (s) {
            alri_slot *n = s->hnext;
            for (uint32_t i = 0; i < s->ncalls; i++)
                free(s->calls[i].msg);
            free(s->calls);
            free_msgs(s->qhead);
            if (s->owner)
                alri_owner_unref(s->owner);
            free(s);
            s = n;
        }
    }
    free(ep->buckets);
    while (ep->groups) {
        alri_group *g = ep->groups;
        ep->groups = g->next;
        free(g);
    }
    free_msgs(ep->msg_free);
    free(ep->services);
    free(ep->ret_heap);
    free(ep->rbuf);
    alr_plan_free(ep->plan);
    if (!ep->srv)
        alr_schema_free(ep->schema);
    if (ep->pool == &ep->own_pool)
        alri_pool_fini(&ep->own_pool);
    pthread_mutex_destroy(&ep->mu);
    pthread_mutex_destroy(&ep->wmu);
    pthread_cond_destroy(&ep->idle_cv);
    pthread_cond_destroy(&ep->rd_cv);
    pthread_cond_destroy(&ep->drain_cv);
    if (ep->rd_wake >= 0)
        close(ep->rd_wake);
    free(ep);
}

void alri_ep_unref(alr_endpoint *ep)
{
    if (atomic_fetch_sub(&ep->refs, 1) == 1)
        ep_free(ep);
}

/* ================================================================ slots */

static uint32_t slot_hash(const alr_endpoint *ep, uint32_t num)
{
    return (uint32_t)((num * 2654435761u) >> 8) & (ep->nbuckets - 1);
}

alri_slot *alri_slot_find(alr_endpoint *ep, uint32_t num)
{
    for (alri_slot *s = ep->buckets[slot_hash(ep, num)]; s; s = s->hnext)
        if (s->num == num)
            return s;
    return NULL;
}

alri_slot *alri_slot_add(alr_endpoint *ep, uint32_t num)
{
    if (ep->nslots >= ALRI_MAX_SLOTS)
        return NULL;
    if (ep->nslots >= ep->nbuckets) {
        uint32_t nb = ep->nbuckets * 2;
        alri_slot **nbk = calloc(nb, sizeof *nbk);
        if (!nbk)
            return NULL;
        uint32_t ob = ep->nbuckets;
        alri_slot **old = ep->buckets;
        ep->buckets = nbk;
        ep->nbuckets = nb;
        for (uint32_t b = 0; b < ob; b++) {
            alri_slot *s = old[b];
            while (s) {
                alri_slot *n = s->hnext;
                uint32_t h = slot_hash(ep, s->num);
                s->hnext = nbk[h];
                nbk[h] = s;
                s = n;
            }
        }
        free(old);
    }
    alri_slot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ep = ep;
    s->num = num;
    uint32_t h = slot_hash(ep, num);
    s->hnext = ep->buckets[h];
    ep->buckets[h] = s;
    ep->nslots++;
    return s;
}

void alri_slot_maybe_free(alr_endpoint *ep, alri_slot *s)
{
    if (s->runner || s->scheduled || s->qhead || s->nbusy || s->active ||
        (s->owner && !atomic_load(&s->owner->dead)) || s->pinned || s->group || s->gcur ||
        s->sent_mode != ALRI_SCOPE_NONE)
        return; /* a scope stays with its slot number (both sides) until SCOPE NONE */
    if (!s->owner && (s->num & 1u) != (ep->role == ALR_ROLE_CONNECTOR ? 0u : 1u) &&
        ep->nslots <= ALRI_KEEP_PEER_SLOTS)
        return; /* a few idle records of the peer's slots stay for their next call */
    alri_slot **pp = &ep->buckets[slot_hash(ep, s->num)];
    while (*pp != s)
        pp = &(*pp)->hnext;
    *pp = s->hnext;
    ep->nslots--;
    for (uint32_t i = 0; i < s->ncalls; i++)
        free(s->calls[i].msg);
    free(s->calls);
    if (s->owner)
        alri_owner_unref(s->owner);
    free(s);
}

void alri_slot_schedule(alr_endpoint *ep, alri_slot *s)
{
    if (s->runner || s->scheduled || !s->qhead || atomic_load(&ep->state) != ALRI_EP_OPEN)
        return;
    s->scheduled = true;
    alri_ep_ref(ep);
    alri_group *g = s->group;
    if (g) { /* a pool scope: a turn of its group, or wait for one in order */
        s->gcur = g;
        if (g->running >= g->cap) {
            s->gnext = NULL;
            if (g->tail)
                g->tail->gnext = s;
            else
                g->head = s;
            g->tail = s;
            return;
        }
        g->running++;
    }
    alri_pool_submit(ep->pool, s);
}

void alri_group_turn_done(alr_endpoint *ep, alri_slot *s)
{
    alri_group *g = s->gcur;
    if (!g)
        return;
    s->gcur = NULL;
    g->running--;
    if (g->head) {
        /* the next slot (already scheduled, ep referenced for it) runs, even
         * if ep failed meanwhile: its drain drops the reference */
        alri_slot *n = g->head;
        g->head = n->gnext;
        if (!g->head)
            g->tail = NULL;
        n->gnext = NULL;
        g->running++;
        alri_pool_submit(ep->pool, n);
    }
}

/* The group of the peer's pool scope id (created with cap), or NULL at the
 * limit or out of memory (ep->mu held). */
static alri_group *group_get(alr_endpoint *ep, uint64_t id, uint32_t cap)
{
    for (alri_group *g = ep->groups; g; g = g->next)
        if (g->id == id) {
            g->cap = cap;
            return g;
        }
    if (ep->ngroups >= ALRI_MAX_GROUPS)
        return NULL;
    alri_group *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->id = id;
    g->cap = cap;
    g->next = ep->groups;
    ep->groups = g;
    ep->ngroups++;
    return g;
}

static bool slot_idle_dead(const alri_slot *s)
{
    return s->owner && atomic_load(&s->owner->dead) && !s->runner && !s->scheduled &&
           !s->qhead && !s->nbusy && !s->active;
}

alri_slot *alri_slot_of_thread(alr_endpoint *ep, alri_tls *t)
{
    /* an inbound call this thread runs: its answers and callbacks travel
     * on the caller's slot (innermost first) */
    for (uint32_t i = t->nctx; i-- > 0;)
        if (t->ctx[i].ep == ep) {
            alri_slot *s = alri_slot_find(ep, t->ctx[i].slot);
            if (s)
                return s;
        }
    for (uint32_t i = 0; i < 4; i++)
        if (t->cache[i].ep == ep && t->cache[i].serial == ep->serial) {
            alri_slot *s = alri_slot_find(ep, t->cache[i].slot);
            if (s && s->owner == t->owner)
                return s;
        }
    alri_slot *found = NULL, *reuse = NULL;
    uint32_t parity = ep->role == ALR_ROLE_CONNECTOR ? 0 : 1;
    for (uint32_t b = 0; b < ep->nbuckets && !found; b++)
        for (alri_slot *s = ep->buckets[b]; s; s = s->hnext) {
            if (s->owner == t->owner) {
                found = s;
                break;
            }
            if ((s->num & 1) == parity && slot_idle_dead(s) && (!reuse || s->num < reuse->num))
                reuse = s;
        }
    if (!found && reuse) {
        alri_owner_unref(reuse->owner);
        reuse->owner = NULL;
        found = reuse;
    }
    if (!found) {
        uint32_t n = parity;
        while (alri_slot_find(ep, n))
            n += 2;
        found = alri_slot_add(ep, n);
        if (!found)
            return NULL;
    }
    if (!found->owner) {
        found->owner = t->owner;
        atomic_fetch_add(&t->owner->refs, 1);
    }
    uint32_t c = t->cache_next++ & 3;
    t->cache[c].ep = ep;
    t->cache[c].serial = ep->serial;
    t->cache[c].slot = found->num;
    t->cache[c].sp = found->owner == t->owner ? found : NULL;
    return found;
}

static void write_path_kill(alr_endpoint *ep);

/* ================================================================ failure */

void alri_ep_fail(alr_endpoint *ep, alr_err cause, const char *fmt, ...)
{
    char text[sizeof ep->errtext];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&ep->mu);
    if (atomic_load(&ep->state) == ALRI_EP_CLOSED) {
        pthread_mutex_unlock(&ep->mu);
        return;
    }
    ep->fail_code = cause == ALR_ECLOSED ? ALR_ECLOSED : ALR_EFAULTED;
    memcpy(ep->errtext, text, sizeof text);
    alr_async *failed = NULL;
    atomic_store(&ep->status, cause);
    atomic_store(&ep->state, ALRI_EP_CLOSED);
    for (uint32_t b = 0; b < ep->nbuckets; b++) {
        alri_slot *s = ep->buckets[b];
        while (s) {
            alri_slot *next = s->hnext;
            for (uint32_t i = 0; i < s->ncalls; i++) {
                alri_pending *p = &s->calls[i];
                if (p->state == ALRI_CALL_WAITING && p->async) {
                    /* completed below, without ep->mu; a CANCEL being
                     * written still reserves the id (HELD) */
                    p->async->lnext = failed;
                    failed = p->async;
                    alri_async_disarm_locked(ep, p->async);
                    p->async = NULL;
                    alri_ep_async_done(ep);
                    p->state = p->holds ? ALRI_CALL_HELD : ALRI_CALL_FREE;
                    alri_call_id_freed(s, p);
                    if (!p->holds)
                        s->nbusy--;
                } else if (p->state == ALRI_CALL_WAITING) {
                    p->state = ALRI_CALL_DONE;
                    ep->nsyncwait--;
                    p->kind = 0;
                    p->code = (uint32_t)ep->fail_code;
                    pthread_cond_signal(&p->waiter->cv);
                } else if (p->state == ALRI_CALL_ZOMBIE) {
                    p->state = ALRI_CALL_FREE;
                    alri_call_id_freed(s, p);
                    s->nbusy--;
                }
            }
            for (alri_msg *m = s->qhead; m; m = m->next)
                atomic_fetch_sub(&ep->queued_bytes, ALRI_MSG_MEM(m->f.body_len));
            free_msgs(s->qhead);
            s->qhead = s->qtail = NULL;
            for (alr_call *c = s->active; c; c = c->next) {
                atomic_store(&c->cancelled, true);
                atomic_store(&c->timed_out, true);
            }
            s->nostatus = 0;
            if (s->runner)
                pthread_cond_signal(&s->runner->cv);
            alri_slot_maybe_free(ep, s);
            s = next;
        }
    }
    alr_err fc = ep->fail_code;
    pthread_cond_broadcast(&ep->rd_cv);
    pthread_cond_broadcast(&ep->drain_cv);
    pthread_mutex_unlock(&ep->mu);
    write_path_kill(ep);
    shutdown(ep->fd, SHUT_RDWR);
    while (failed) {
        alr_async *n = failed->lnext;
        alri_async_answer(failed, NULL, NULL, fc);
        failed = n;
    }
    alri_timer_forget(ep); /* its reference, and with it the endpoint, goes now */
    alri_log(&ep->cfg, cause == ALR_ECLOSED ? ALR_LOG_INFO : ALR_LOG_ERROR,
             "connection %s %s: %s: %s", ep->role == ALR_ROLE_CONNECTOR ? "to" : "from", ep->peer,
             cause == ALR_ECLOSED ? "closed" : "faulted", text);
}

/* ================================================================ the write path */

/*
 * BATCHING.  Every frame is appended (header built in place, body copied)
 * to the endpoint's stage under wmu - a short critical section, no syscall.
 * One thread at a time holds the writer role: it swaps the stage with its
 * private buffer and writes the whole batch with one sendmsg (more only
 * when the socket is full), then loops while frames were appended during
 * the write.  Who writes:
 *  - an urgent frame (sync CALL, REPLY, ERROR, CANCEL, PING/PONG, CLOSE,
 *    FAULT) whose sender finds no writer: the sender writes at once, with
 *    whatever else is staged (no added latency: a sync call is on the wire
 *    before its caller waits);
 *  - a deferred frame (async CALL, ONEWAY) finding the stage empty, no
 *    writer, and no deferred append for max(ALRI_IDLE_NS, flush_delay_us /
 *    20): the sender writes at once with one non-blocking sendmsg (a lone
 *    call on an idle connection); what the socket does not take goes, with
 *    the writer role, to the flusher (a producer never blocks in a write);
 *  - otherwise the frame stays staged and the endpoint's flusher thread
 *    (started on first need) is woken: it lingers while producers keep
 *    appending - in steps of quiet_ns(), until a step passes with no
 *    append, max_batch_bytes are staged, flush_delay_us have passed, or
 *    a producer waits on a budget - then takes the writer role;
 *  - a sender finding a writer active appends and leaves: the writer's loop
 *    takes its frame.
 * So under load one write carries every frame staged meanwhile.
 *
 * FLOW CONTROL.  staged (bytes appended or reserved, not yet written) is
 * bounded by endpoint_send_budget and a thread's own staged bytes by
 * thread_send_budget, for async and oneway calls (ALRI_SEND_BUDGET,
 * alri_ep_reserve): the producer blocks until a write makes room, up to
 * its call's deadline (then ALR_ETIMEDOUT, nothing sent).  A frame larger
 * than a budget passes when nothing of it (endpoint / thread) is staged.
 * Replies and control frames never wait (the reader must not block), nor
 * do sync calls (one in flight per thread bounds them).
 *
 * Invariants (all under wmu): at most one writer; a non-empty stage has a
 * writer or a signalled flusher; staged == slen + the batch being written
 * + reservations; gen_done < sgen, and a frame appended at generation g is
 * on the wire once gen_done >= g; after wdead nothing is written again.
 */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec ts_at_ns(uint64_t ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    return ts;
}

/* How long without a deferred append makes the producers quiet (the
 * flusher stops lingering) and the connection idle (a deferred frame is
 * written at once): max(ALRI_IDLE_NS, flush_delay_us / 20). */
static uint64_t quiet_ns(const alr_endpoint *ep)
{
    uint64_t q = (uint64_t)ep->cfg.flush_delay_us * 1000u / 20u;
    return q < ALRI_IDLE_NS ? ALRI_IDLE_NS : q;
}

static void stat_max(atomic_ullong *m, uint64_t v)
{
    unsigned long long o = atomic_load_explicit(m, memory_order_relaxed);
    while (v > o && !atomic_compare_exchange_weak_explicit(m, &o, v, memory_order_relaxed,
                                                           memory_order_relaxed)) {
    }
}

/* The high-water mark of everything staged: the stage, the threads'
 * stages and the reservations. */
static void staged_max_note(alr_endpoint *ep)
{
    long long ts = atomic_load_explicit(&ep->tstaged, memory_order_relaxed);
    stat_max(&ep->st_staged_max,
             (uint64_t)atomic_load_explicit(&ep->st_staged, memory_order_relaxed) +
                 (ts > 0 ? (uint64_t)ts : 0));
}

static void staged_add(alr_endpoint *ep, size_t n) /* wmu held */
{
    ep->staged += n;
    atomic_store_explicit(&ep->st_staged, ep->staged, memory_order_relaxed);
    staged_max_note(ep);
}

static void staged_sub(alr_endpoint *ep, size_t n) /* wmu held */
{
    ep->staged = n > ep->staged ? 0 : ep->staged - n;
    atomic_store_explicit(&ep->st_staged, ep->staged, memory_order_relaxed);
}

/* This thread's accounting entry for ep (thread_send_budget), or NULL. */
static void *sacct_find(alri_tls *t, const alr_endpoint *ep, bool create, unsigned *idx)
{
    if (!t)
        return NULL;
    for (unsigned i = 0; i < 4; i++)
        if (t->sacct[i].serial == ep->serial) {
            *idx = i;
            return t;
        }
    if (!create)
        return NULL;
    unsigned i = t->sacct_next++ & 3;
    t->sacct[i].serial = ep->serial;
    t->sacct[i].gen[0] = t->sacct[i].gen[1] = 0;
    t->sacct[i].bytes[0] = t->sacct[i].bytes[1] = 0;
    *idx = i;
    return t;
}

static size_t thread_staged(const alr_endpoint *ep, alri_tls *t) /* wmu held */
{
    unsigned i;
    if (!sacct_find(t, ep, false, &i))
        return 0;
    size_t n = 0;
    for (unsigned k = 0; k < 2; k++)
        if (t->sacct[i].gen[k] > ep->gen_done)
            n += t->sacct[i].bytes[k];
    return n;
}

static void thread_add(const alr_endpoint *ep, alri_tls *t, size_t n) /* wmu held */
{
    unsigned i;
    if (!sacct_find(t, ep, true, &i))
        return;
    if (t->sacct[i].gen[0] != ep->sgen) {
        /* generations before sgen - 1 are written: at most one batch is in flight */
        t->sacct[i].gen[1] = t->sacct[i].gen[0];
        t->sacct[i].bytes[1] = t->sacct[i].bytes[0];
        t->sacct[i].gen[0] = ep->sgen;
        t->sacct[i].bytes[0] = 0;
    }
    t->sacct[i].bytes[0] += n;
}

/*
 * PER-THREAD STAGING.  A thread's deferred frames on its own slot (async
 * CALLs, ONEWAYs, SCOPEs) and the answers it batches (ALRI_SEND_OWN |
 * ALRI_SEND_DEFER) go to its own ring on the endpoint (alri_tstage), with
 * no lock and no atomic read-modify-write: the thread (the one producer)
 * copies the frame in and publishes head with a release store; the writer
 * (the one consumer, under wmu) copies [tail, head) into the shared stage
 * before it writes (ts_collect) and publishes tail.  The append that finds
 * the ring empty makes sure a write is coming (wmu, once per batch: the
 * same decision as for a deferred frame in the shared stage); a thread
 * sending anything else on the endpoint, and every CANCEL or CLOSE, first
 * collects the rings, so a thread's frames keep their order and nothing
 * staged before a CANCEL or CLOSE comes after it.  A frame that does not
 * fit the ring (full, or larger than half of it) or the budgets takes the
 * locked path, which collects first and waits for room.
 *
 * Budgets: a thread's use of thread_send_budget on the endpoint is
 * head - wdone + res (wdone: its bytes written, moved by the writer as the
 * batches holding them are written; res: its reservations); the
 * endpoint's is the shared stage, the reservations and tstaged, which the
 * threads add to in steps of up to 4 KiB - read without a lock, so the
 * check is close, not exact, with several producers.
 */

static size_t ts_pending(const alri_tstage *ts)
{
    return atomic_load_explicit(&ts->head, memory_order_relaxed) -
           atomic_load_explicit(&ts->wdone, memory_order_acquire) +
           atomic_load_explicit(&ts->res, memory_order_relaxed);
}

/* t's ring on ep if it has one (no lock: t's own cache). */
static alri_tstage *ts_find(alri_tls *t, const alr_endpoint *ep)
{
    if (!t)
        return NULL;
    for (unsigned i = 0; i < 4; i++)
        if (t->tcache[i].serial == ep->serial)
            return t->tcache[i].ts;
    return NULL;
}

/* t's ring on ep, made (or a dead thread's reused) on first use; NULL out
 * of memory.  Takes wmu when it is not cached. */
static alri_tstage *ts_of(alr_endpoint *ep, alri_tls *t)
{
    alri_tstage *ts = ts_find(t, ep);
    if (ts || !t)
        return ts;
    pthread_mutex_lock(&ep->wmu);
    for (alri_tstage *x = ep->tstages; x && !ts; x = x->next)
        if (x->owner == t->owner)
            ts = x;
    for (alri_tstage *x = ep->tstages; x && !ts; x = x->next)
        if (x->owner && atomic_load(&x->owner->dead) &&
            atomic_load(&x->tail) == atomic_load(&x->head) && ts_pending(x) == 0) {
            /* its thread is gone and all it staged is written */
            alri_owner_unref(x->owner);
            x->owner = NULL;
            x->published = atomic_load(&x->head);
            ts = x;
        }
    if (!ts) {
        ts = calloc(1, sizeof *ts);
        if (ts && !(ts->ring = malloc(ALRI_TSTAGE_CAP))) {
            free(ts);
            ts = NULL;
        }
        if (ts) {
            ts->next = ep->tstages;
            ep->tstages = ts;
        }
    }
    if (ts && !ts->owner) {
        ts->owner = t->owner;
        atomic_fetch_add(&t->owner->refs, 1);
    }
    pthread_mutex_unlock(&ep->wmu);
    if (ts) {
        unsigned i = t->tcache_next++ & 3;
        t->tcache[i].serial = ep->serial;
        t->tcache[i].ts = ts;
    }
    return ts;
}

static bool stage_room(alr_endpoint *ep, size_t need);

/* Moves one ring's frames into the shared stage (wmu held). */
static void ts_collect_one(alr_endpoint *ep, alri_tstage *ts)
{
    size_t head = atomic_load_explicit(&ts->head, memory_order_acquire);
    size_t tail = atomic_load_explicit(&ts->tail, memory_order_relaxed);
    size_t n = head - tail;
    if (!n || !stage_room(ep, n))
        return;
    size_t off = tail & (ALRI_TSTAGE_CAP - 1), first = ALRI_TSTAGE_CAP - off;
    if (first > n)
        first = n;
    memcpy(ep->stage + ep->slen, ts->ring + off, first);
    memcpy(ep->stage + ep->slen + first, ts->ring, n - first);
    uint64_t hf = atomic_load_explicit(&ts->hframes, memory_order_relaxed);
    uint32_t nf = (uint32_t)(hf - ts->tframes);
    ts->tframes = hf;
    ep->slen += n;
    ep->sframes += nf;
    ep->appends += nf;
    atomic_fetch_sub_explicit(&ep->tstaged, (long long)n, memory_order_relaxed);
    staged_add(ep, n);
    if (ts->cgen[0] != ep->sgen) { /* at most one batch is in flight */
        ts->cgen[1] = ts->cgen[0];
        ts->cbytes[1] = ts->cbytes[0];
        ts->cgen[0] = ep->sgen;
        ts->cbytes[0] = 0;
    }
    ts->cbytes[0] += n;
    atomic_store(&ts->tail, head); /* sequentially consistent: see ts_append */
}

static void ts_collect(alr_endpoint *ep) /* wmu held */
{
    for (alri_tstage *ts = ep->tstages; ts; ts = ts->next)
        ts_collect_one(ep, ts);
}

/* Whether a ring holds frames not collected yet (wmu held). */
static bool ts_any(const alr_endpoint *ep)
{
    for (const alri_tstage *ts = ep->tstages; ts; ts = ts->next)
        if (atomic_load(&ts->head) != atomic_load_explicit(&ts->tail, memory_order_relaxed))
            return true; /* head: sequentially consistent, see ts_append */
    return false;
}

/* Frames ever appended to the rings (the flusher's quiet test; wmu held). */
static uint64_t ts_frames(const alr_endpoint *ep)
{
    uint64_t n = 0;
    for (const alri_tstage *ts = ep->tstages; ts; ts = ts->next)
        n += atomic_load_explicit(&ts->hframes, memory_order_relaxed);
    return n;
}

/* The batch of generation gen is written (or dropped): the threads whose
 * bytes it held get that much thread budget back (wmu held). */
static void ts_release(alr_endpoint *ep, uint64_t gen)
{
    for (alri_tstage *ts = ep->tstages; ts; ts = ts->next)
        for (unsigned k = 0; k < 2; k++)
            if (ts->cgen[k] && ts->cgen[k] <= gen) {
                atomic_store_explicit(&ts->wdone,
                                      atomic_load_explicit(&ts->wdone, memory_order_relaxed) +
                                          ts->cbytes[k],
                                      memory_order_release);
                ts->cgen[k] = 0;
                ts->cbytes[k] = 0;
            }
}

static size_t tstaged_now(const alr_endpoint *ep)
{
    long long v = atomic_load_explicit(&ep->tstaged, memory_order_relaxed);
    return v > 0 ? (size_t)v : 0;
}

/* Whether need more bytes fit the budgets seen without a lock, for a
 * thread using pending of its own. */
static bool ts_fits(const alr_endpoint *ep, size_t pending, size_t need)
{
    size_t all = (size_t)atomic_load_explicit(&ep->st_staged, memory_order_relaxed) +
                 tstaged_now(ep);
    return (pending == 0 || pending + need <= ep->cfg.thread_send_budget) &&
           (all == 0 || all + need <= ep->cfg.endpoint_send_budget);
}

/* Waits (wmu held) until need more bytes fit both budgets; rel: deadline_ms
 * is a timeout from the first wait (no clock read when nothing waits). */
/* Bytes of the endpoint staged, collected and reserved, in its stage and
 * its threads' stages (wmu held: exact for the stage, a snapshot for the
 * threads'). */
static size_t ep_staged_all(const alr_endpoint *ep)
{
    return ep->staged + tstaged_now(ep);
}

static bool wpending(const alr_endpoint *ep) /* wmu held: something to write */
{
    return ep->slen || ts_any(ep);
}

static alr_err budget_wait(alr_endpoint *ep, alri_tls *t, size_t need, uint64_t deadline_ms,
                           bool rel)
{
    for (;;) {
        if (ep->wdead)
            return ALR_ECLOSED;
        /* this thread's own stage: only this thread appends to it, and the
         * writer changes its pending under wmu (held here) */
        alri_tstage *own = ts_find(t, ep);
        size_t mine = thread_staged(ep, t) + (own ? ts_pending(own) : 0);
        size_t all = ep_staged_all(ep);
        bool ep_ok = all == 0 || all + need <= ep->cfg.endpoint_send_budget;
        bool t_ok = mine == 0 || mine + need <= ep->cfg.thread_send_budget;
        if (ep_ok && t_ok)
            return ALR_OK;
        atomic_fetch_add_explicit(&ep->st_throttled, 1, memory_order_relaxed);
        if (wpending(ep) && !ep->writing) { /* make sure a write is coming, without lingering */
            ep->fl_urgent = true;
            pthread_cond_signal(&ep->flush_cv);
        }
        uint64_t now = alri_now_ms();
        if (rel) {
            deadline_ms += now;
            rel = false;
        }
        if (now >= deadline_ms)
            return ALR_ETIMEDOUT;
        struct timespec ts = ts_at_ns(deadline_ms * 1000000u);
        pthread_cond_timedwait(&ep->wspace_cv, &ep->wmu, &ts);
    }
}

/* Books a written (or failed) batch of generation gen (wmu held). */
static alr_err batch_done(alr_endpoint *ep, size_t n, uint32_t nf, uint64_t gen, alr_err r,
                          unsigned long calls, bool by_flusher)
{
    atomic_fetch_add_explicit(&ep->st_writes, calls, memory_order_relaxed);
    if (r == ALR_OK) {
        atomic_fetch_add_explicit(&ep->frames_sent, nf, memory_order_relaxed);
        atomic_fetch_add_explicit(&ep->st_bytes_sent, n, memory_order_relaxed);
        atomic_fetch_add_explicit(&ep->st_batches, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(by_flusher ? &ep->st_flusher : &ep->st_inline, 1,
                                  memory_order_relaxed);
        unsigned bk = nf ? 31u - (unsigned)__builtin_clz(nf) : 0;
        if (bk >= ALR_STATS_BATCH_BUCKETS)
            bk = ALR_STATS_BATCH_BUCKETS - 1;
        atomic_fetch_add_explicit(&ep->st_batch_frames[bk], 1, memory_order_relaxed);
    }
    staged_sub(ep, n);
    ep->gen_done = gen;
    ep->last_write_ns = now_ns();
    ts_release(ep, gen);
    if (r != ALR_OK && !ep->wdead) {
        ep->wdead = true;
        atomic_store(&ep->wdead_a, true);
        staged_sub(ep, ep->slen);
        ep->slen = 0;
        ep->sframes = 0;
    } else if (r != ALR_OK) {
        r = ALR_OK; /* already dead: whoever killed it reports */
    }
    pthread_cond_broadcast(&ep->wspace_cv);
    return r;
}

static bool flusher_kick(alr_endpoint *ep);

/* The writer role (wmu held, not writing): writes the stage as one batch,
 * and again while urgent frames were staged meanwhile; what is left then
 * goes to the flusher.  nonblock (a deferred frame's sender): one
 * non-blocking sendmsg; what the socket does not take is handed to the
 * flusher with the writer role (the sender never blocks in a write).
 * Returns the first write error (the caller fails ep). */
static alr_err flush_locked(alr_endpoint *ep, bool by_flusher, bool nonblock)
{
    alr_err r = ALR_OK;
    bool first = true;
    ep->writing = true;
    while (!ep->wdead && (first || ep->fl_urgent) && (ts_collect(ep), ep->slen)) {
        first = false;
        uint8_t *b = ep->stage;
        size_t n = ep->slen, cap = ep->scap;
        uint32_t nf = ep->sframes;
        uint64_t gen = ep->sgen++;
        ep->stage = ep->wbuf;
        ep->scap = ep->wcap;
        ep->wbuf = b;
        ep->wcap = cap;
        ep->slen = 0;
        ep->sframes = 0;
        ep->fl_urgent = false;
        pthread_mutex_unlock(&ep->wmu);
        unsigned long calls = 0;
        if (nonblock && ep->fl_started) {
            ssize_t w;
            do {
                w = send(ep->fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
                calls++;
            } while (w < 0 && errno == EINTR);
            if (w >= 0 || errno == EAGAIN || errno == EWOULDBLOCK) {
                size_t done = w > 0 ? (size_t)w : 0;
                if (done < n) { /* the socket is full: the flusher finishes it */
                    pthread_mutex_lock(&ep->wmu);
                    atomic_fetch_add_explicit(&ep->st_writes, calls, memory_order_relaxed);
                    ep->handoff = true;
                    ep->hoff = done;
                    ep->hlen = n;
                    ep->hframes = nf;
                    ep->hgen = gen;
                    ep->fl_idle = false;
                    pthread_cond_signal(&ep->flush_cv);
                    return ALR_OK; /* still writing: the role passes to the flusher */
                }
                r = ALR_OK;
            } else {
                r = errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN ? ALR_ECLOSED
                                                                               : ALR_EIO;
            }
        } else {
            struct iovec iov = {b, n};
            r = alri_net_write_counted(ep->fd, &iov, 1, ep->cfg.call_timeout_ms, &calls);
        }
        pthread_mutex_lock(&ep->wmu);
        r = batch_done(ep, n, nf, gen, r, calls, by_flusher);
        if (r != ALR_OK)
            break;
    }
    ep->writing = false;
    pthread_cond_broadcast(&ep->wspace_cv);
    if (r == ALR_OK && !by_flusher && wpending(ep) && !ep->wdead && !flusher_kick(ep))
        return flush_locked(ep, false, false); /* no flusher: keep writing */
    return r;
}

static void write_failed(alr_endpoint *ep, alr_err r)
{
    if (r == ALR_ETIMEDOUT)
        alri_ep_fail(ep, ALR_ETIMEDOUT, "write stalled for %u ms (the peer does not read)",
                     ep->cfg.call_timeout_ms);
    else
        alri_ep_fail(ep, ALR_ECLOSED, "write failed: %s",
                     r == ALR_ECLOSED ? "the peer has gone" : alr_strerror(r));
}

/* The flusher finishes a batch a sender could not write without blocking
 * (wmu held; the writer role is the flusher's now). */
static alr_err finish_handoff(alr_endpoint *ep)
{
    ep->handoff = false;
    size_t off = ep->hoff, n = ep->hlen;
    uint32_t nf = ep->hframes;
    uint64_t gen = ep->hgen;
    pthread_mutex_unlock(&ep->wmu);
    struct iovec iov = {ep->wbuf + off, n - off};
    unsigned long calls = 0;
    alr_err r = alri_net_write_counted(ep->fd, &iov, 1, ep->cfg.call_timeout_ms, &calls);
    pthread_mutex_lock(&ep->wmu);
    r = batch_done(ep, n, nf, gen, r, calls, true);
    ep->writing = false;
    pthread_cond_broadcast(&ep->wspace_cv);
    return r;
}

/* A write of the flusher failed (wmu held): the flusher holds no
 * reference to ep and must never run completions (they may drop the last
 * one), so it only records the error and shuts the socket; the reader,
 * whose recv fails now, fails the endpoint with this error. */
static void flusher_failed(alr_endpoint *ep, alr_err r)
{
    atomic_store(&ep->wfail, (int)r);
    shutdown(ep->fd, SHUT_RDWR);
}

static void *flusher_main(void *arg)
{
    alr_endpoint *ep = arg;
    pthread_mutex_lock(&ep->wmu);
    for (;;) {
        if (ep->fl_stop)
            break;
        if (ep->handoff) {
            alr_err r = finish_handoff(ep);
            if (r != ALR_OK)
                flusher_failed(ep, r);
            continue;
        }
        if (!wpending(ep) || ep->writing || ep->wdead) {
            ep->fl_idle = true;
            pthread_cond_wait(&ep->flush_cv, &ep->wmu);
            ep->fl_idle = false;
            continue;
        }
        /* linger while producers keep appending: the quiet step doubles
         * each time appends went on (a flood wakes the flusher a few times
         * per flush_delay_us, not every quiet time) */
        uint64_t start = now_ns();
        uint64_t limit = start + (uint64_t)ep->cfg.flush_delay_us * 1000u;
        uint64_t step = quiet_ns(ep);
        while (!ep->fl_stop && !ep->fl_urgent && !ep->writing && !ep->handoff && wpending(ep) &&
               ep->slen + tstaged_now(ep) < ep->cfg.max_batch_bytes) {
            uint64_t now = now_ns();
            if (now >= limit)
                break;
            uint64_t before = ep->appends + ts_frames(ep);
            uint64_t until = now + step;
            step *= 2;
            struct timespec ts = ts_at_ns(until < limit ? until : limit);
            pthread_cond_timedwait(&ep->flush_cv, &ep->wmu, &ts);
            if (ep->appends + ts_frames(ep) == before && !ep->fl_urgent)
                break; /* quiet: nobody is adding to the batch */
        }
        if (ep->fl_stop)
            break;
        if (ep->writing || ep->handoff || !wpending(ep))
            continue;
        alr_err r = flush_locked(ep, true, false);
        if (r != ALR_OK)
            flusher_failed(ep, r);
    }
    pthread_mutex_unlock(&ep->wmu);
    return NULL;
}

/* Wakes the flusher (wmu held), starting it on first need; false when it
 * cannot be started (the caller writes itself). */
static bool flusher_start(alr_endpoint *ep)
{
    if (!ep->fl_started) {
        if (ep->fl_stop || alri_thread_start(&ep->flusher, flusher_main, ep) != 0)
            return false;
        ep->fl_started = true;
    }
    return true;
}

static bool flusher_kick(alr_endpoint *ep)
{
    if (!flusher_start(ep))
        return false;
    bool urgent = ep->slen >= ep->cfg.max_batch_bytes;
    if (urgent)
        ep->fl_urgent = true;
    /* a lingering flusher notices appends by itself: no wake-up per frame */
    if (ep->fl_idle || urgent) {
        ep->fl_idle = false;
        pthread_cond_signal(&ep->flush_cv);
    }
    return true;
}

static bool stage_room(alr_endpoint *ep, size_t need)
{
    if (ep->scap - ep->slen >= need)
        return true;
    size_t nc = ep->scap ? ep->scap * 2 : 65536;
    while (nc - ep->slen < need)
        nc *= 2;
    uint8_t *nb = realloc(ep->stage, nc);
    if (!nb)
        return false;
    ep->stage = nb;
    ep->scap = nc;
    return true;
}

static bool cork_hold(alr_endpoint *ep, alri_tls *t);

/* A deferred frame was staged and no writer is active (wmu held): who
 * writes it.  corked: the thread's batch flush, with the flusher (lingering
 * while appends go on) as the safety net should the batch stall - not for
 * a quiet cork (the reader); idle: a lone call on an idle connection,
 * written at once without blocking (what the socket does not take goes to
 * the flusher); else the flusher, which lingers for company.  Returns a
 * write error (the caller fails ep after unlocking). */
static alr_err kick_deferred(alr_endpoint *ep, bool corked, bool quiet, bool idle)
{
    if (corked)
        return quiet || flusher_kick(ep) ? ALR_OK : flush_locked(ep, false, false);
    if (idle && ep->fl_started)
        return flush_locked(ep, false, true);
    if (idle || !flusher_kick(ep))
        return flush_locked(ep, false, false);
    return ALR_OK;
}

/* A reservation is held by the thread's own ring (res: its thread budget,
 * not the endpoint's - it lasts only until the same thread stages the
 * frame, microseconds later, in alr_call_async); the frame that uses it
 * gives it back as it is staged. */
alr_err alri_ep_reserve(alr_endpoint *ep, size_t len, uint64_t deadline_ms)
{
    alri_tls *t = alri_tls_get();
    alri_tstage *ts = ts_of(ep, t);
    if (!ts)
        return ALR_ENOMEM;
    size_t need = len + ALRI_FRAME_HDR_MAX;
    alr_err r = ALR_OK;
    if (atomic_load(&ep->wdead_a) || !ts_fits(ep, ts_pending(ts), need)) {
        pthread_mutex_lock(&ep->wmu);
        r = budget_wait(ep, t, need, deadline_ms, false);
        pthread_mutex_unlock(&ep->wmu);
    }
    if (r == ALR_OK) { /* res: only this thread writes it */
        atomic_store_explicit(&ts->res, atomic_load_explicit(&ts->res, memory_order_relaxed) + need,
                              memory_order_relaxed);
    }
    return r;
}

/* Gives a reservation of need bytes back (the owning thread). */
static void ts_unreserve(alr_endpoint *ep, alri_tstage *ts, size_t need)
{
    (void)ep;
    size_t res = atomic_load_explicit(&ts->res, memory_order_relaxed);
    atomic_store_explicit(&ts->res, need < res ? res - need : 0, memory_order_relaxed);
}

void alri_ep_unreserve(alr_endpoint *ep, size_t len)
{
    alri_tstage *ts = ts_find(alri_tls_peek(), ep);
    if (ts)
        ts_unreserve(ep, ts, len + ALRI_FRAME_HDR_MAX);
    pthread_mutex_lock(&ep->wmu);
    pthread_cond_broadcast(&ep->wspace_cv);
    pthread_mutex_unlock(&ep->wmu);
}

static void ring_put(alri_tstage *ts, size_t pos, const void *src, size_t n)
{
    size_t off = pos & (ALRI_TSTAGE_CAP - 1), first = ALRI_TSTAGE_CAP - off;
    if (first > n)
        first = n;
    memcpy(ts->ring + off, src, first);
    memcpy(ts->ring, (const uint8_t *)src + first, n - first);
}

/* A deferred frame into the thread's own ring, lock-free.  1: handled
 * (*rout: ALR_OK, ALR_ECLOSED, ALR_EINVAL, or a write error already
 * reported); 0: take the locked path (no ring, ring full, frame too
 * large, no room in the budgets). */
static int ts_append(alr_endpoint *ep, alri_tls *t, alri_frame *f, const void *body, size_t len,
                     unsigned flags, alr_err *rout)
{
    size_t need = len + ALRI_FRAME_HDR_MAX;
    if (need > ALRI_TSTAGE_CAP / 2)
        return 0;
    alri_tstage *ts = ts_of(ep, t);
    if (!ts)
        return 0;
    size_t reserved = flags & ALRI_SEND_RESERVED ? need : 0;
    *rout = ALR_OK;
    if (atomic_load_explicit(&ep->wdead_a, memory_order_relaxed)) {
        if (reserved)
            ts_unreserve(ep, ts, reserved);
        *rout = ALR_ECLOSED;
        return 1;
    }
    size_t head = atomic_load_explicit(&ts->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&ts->tail, memory_order_acquire);
    if (head - tail + need > ALRI_TSTAGE_CAP)
        return 0; /* full: the locked path collects it first */
    if (!reserved && (flags & ALRI_SEND_BUDGET) && !ts_fits(ep, ts_pending(ts), need))
        return 0; /* budget_wait on the locked path */
    uint8_t hdr[ALRI_FRAME_HDR_MAX];
    size_t hl = alri_frame_hdr_put(hdr, f, len);
    if (!hl) {
        if (reserved)
            ts_unreserve(ep, ts, reserved);
        *rout = ALR_EINVAL;
        return 1;
    }
    ring_put(ts, head, hdr, hl);
    if (len)
        ring_put(ts, head + hl, body, len);
    size_t nhead = head + hl + len;
    atomic_store_explicit(&ts->hframes,
                          atomic_load_explicit(&ts->hframes, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    if (reserved)
        ts_unreserve(ep, ts, reserved);
    /* empty before: nothing of this ring was waiting (the writer took all
     * up to head, or there was nothing).  head's store and tail's load
     * here, tail's store and head's load by the writer are sequentially
     * consistent: either the writer, checking for frames after its write,
     * sees this head, or this sees its tail (and makes sure of a write
     * itself) - a frame is never left behind. */
    atomic_store(&ts->head, nhead);
    bool was_empty = atomic_load(&ts->tail) == head;
    if (was_empty || nhead - ts->published >= 4096) { /* the endpoint's count, in steps */
        atomic_fetch_add_explicit(&ep->tstaged, (long long)(nhead - ts->published),
                                  memory_order_relaxed);
        ts->published = nhead;
        staged_max_note(ep);
    }

    bool corked = t->cork && cork_hold(ep, t);
    if (corked) {
        t->cork_frames++;
        if (!t->cork_ns)
            t->cork_ns = now_ns();
        if (t->cork_quiet)
            return 1; /* the batch's flush writes it */
    }
    if (!was_empty)
        return 1; /* whoever made it non-empty made sure a write is coming */
    alr_err r = ALR_OK;
    pthread_mutex_lock(&ep->wmu);
    if (!ep->writing && !ep->wdead) {
        bool idle = false;
        if (!corked) {
            uint64_t now = now_ns();
            uint64_t last = ep->last_append_ns > ep->last_write_ns ? ep->last_append_ns
                                                                   : ep->last_write_ns;
            idle = ep->slen == 0 && now - last >= quiet_ns(ep);
            ep->last_append_ns = now;
        }
        r = kick_deferred(ep, corked, false, idle);
    }
    pthread_mutex_unlock(&ep->wmu);
    if (r != ALR_OK) {
        write_failed(ep, r);
        *rout = r;
    }
    return 1;
}

alr_err alri_ep_send_ex(alr_endpoint *ep, alri_frame *f, const void *body, size_t len,
                        uint64_t *seq, unsigned flags, uint64_t deadline_ms)
{
    alri_tls *t = flags & (ALRI_SEND_BUDGET | ALRI_SEND_RESERVED | ALRI_SEND_OWN)
                      ? alri_tls_get() : alri_tls_peek();
    alr_err r = ALR_OK;
    if (t && !seq && (flags & (ALRI_SEND_OWN | ALRI_SEND_DEFER)) ==
                         (ALRI_SEND_OWN | ALRI_SEND_DEFER) &&
        ts_append(ep, t, f, body, len, flags, &r))
        return r;
    size_t reserved = flags & ALRI_SEND_RESERVED ? len + ALRI_FRAME_HDR_MAX : 0;
    alri_tstage *own = ts_find(t, ep);
    if (reserved && own) { /* the reservation was held by the thread's stage */
        ts_unreserve(ep, own, reserved);
        reserved = 0;
        flags &= ~(unsigned)ALRI_SEND_BUDGET;
    }
    pthread_mutex_lock(&ep->wmu);
    /* the threads' staged frames go first: this thread's earlier ones keep
     * their order, and nothing staged before a CANCEL or a CLOSE comes
     * after it */
    ts_collect(ep);
    if (ep->wdead)
        r = ALR_ECLOSED;
    else if (flags & ALRI_SEND_BUDGET)
        r = budget_wait(ep, t, len + ALRI_FRAME_HDR_MAX, deadline_ms,
                        (flags & ALRI_SEND_REL) != 0);
    if (r == ALR_OK && !stage_room(ep, len + ALRI_FRAME_HDR_MAX))
        r = ALR_ENOMEM;
    size_t hl = 0;
    if (r == ALR_OK) {
        if (seq) { /* numbered in write order: stage order is write order */
            *seq = ++ep->wseq;
            if (f->kind == ALRI_FRAME_PING)
                f->token = *seq;
        }
        hl = alri_frame_hdr_put(ep->stage + ep->slen, f, len);
        if (!hl)
            r = ALR_EINVAL;
    }
    if (r != ALR_OK) {
        if (reserved) {
            staged_sub(ep, reserved);
            pthread_cond_broadcast(&ep->wspace_cv);
        }
        pthread_mutex_unlock(&ep->wmu);
        return r;
    }
    if (len)
        memcpy(ep->stage + ep->slen + hl, body, len);
    bool alone = ep->slen == 0;
    ep->slen += hl + len;
    ep->sframes++;
    ep->appends++;
    uint64_t gen = ep->sgen;
    if (reserved) {
        staged_sub(ep, reserved);
        staged_add(ep, hl + len);
    } else {
        staged_add(ep, hl + len);
        if (t)
            thread_add(ep, t, hl + len);
    }
    bool idle = false;
    bool defer = flags & ALRI_SEND_DEFER;
    /* a batch on this thread: the frame waits for its cork flush */
    alri_tls *ct = defer ? (t ? t : alri_tls_peek()) : NULL;
    bool corked = ct && ct->cork && cork_hold(ep, ct);
    if (defer) {
        /* the clock only for the first frame of a stage or of a batch:
         * idle = no deferred append and no write for the quiet time */
        if (alone || (corked && !ct->cork_ns)) {
            uint64_t now = now_ns();
            uint64_t last = ep->last_append_ns > ep->last_write_ns ? ep->last_append_ns
                                                                   : ep->last_write_ns;
            idle = !corked && alone && now - last >= quiet_ns(ep);
            ep->last_append_ns = now;
            if (corked && !ct->cork_ns)
                ct->cork_ns = now;
        }
        if (corked)
            ct->cork_frames++;
    }
    bool wait = f->kind == ALRI_FRAME_CLOSE; /* orderly close: on the wire before shutdown */
    if (ep->writing) {
        if (!defer) /* the writer must not linger with it */
            ep->fl_urgent = true;
    } else {
        r = defer ? kick_deferred(ep, corked, corked && ct->cork_quiet, idle)
                  : flush_locked(ep, false, false); /* urgent: now, with all that is staged */
        if (r != ALR_OK) {
            pthread_mutex_unlock(&ep->wmu);
            write_failed(ep, r);
            return r;
        }
    }
    while (wait && !ep->wdead && ep->gen_done < gen)
        pthread_cond_wait(&ep->wspace_cv, &ep->wmu);
    if (wait && ep->gen_done < gen)
        r = ALR_ECLOSED;
    pthread_mutex_unlock(&ep->wmu);
    return r;
}

/* ---- corking: a thread's batch */

/* Registers ep as holding frames of t's batch (wmu held); false when t
 * already holds four other endpoints (the frame is then sent as usual). */
static bool cork_hold(alr_endpoint *ep, alri_tls *t)
{
    for (uint32_t i = 0; i < t->ncorked; i++)
        if (t->corked[i] == ep)
            return true;
    if (t->ncorked == sizeof t->corked / sizeof t->corked[0])
        return false;
    alri_ep_ref(ep); /* until the flush */
    /* with async calls of this side in flight: half of them, so that two
     * batches are under way and neither side waits for the other's whole
     * batch (at least ALRI_MIN_BATCH); else (a server answering, a oneway
     * flood) max_batch_frames */
    uint32_t lim = ep->cfg.max_batch_frames;
    unsigned long long q = atomic_load_explicit(&ep->st_async, memory_order_relaxed) / 2;
    if (q && q < lim)
        lim = q > ALRI_MIN_BATCH ? (uint32_t)q : lim < ALRI_MIN_BATCH ? lim : ALRI_MIN_BATCH;
    if (t->ncorked == 0 || lim < t->cork_limit)
        t->cork_limit = lim;
    t->corked[t->ncorked++] = ep;
    return true;
}

void alri_cork(alri_tls *t, bool quiet)
{
    if (!t)
        return;
    if (t->cork++ == 0)
        t->cork_quiet = quiet;
}

void alri_uncork(alri_tls *t)
{
    if (!t || !t->cork)
        return;
    alri_cork_flush(t);
    t->cork--;
}

bool alri_cork_due(const alri_tls *t)
{
    return t && t->ncorked &&
           (t->cork_frames >= t->cork_limit || now_ns() - t->cork_ns >= ALRI_IDLE_NS);
}

void alri_cork_flush(alri_tls *t)
{
    if (!t)
        return;
    while (t->ncorked) {
        alr_endpoint *ep = t->corked[--t->ncorked];
        alr_err r = ALR_OK;
        pthread_mutex_lock(&ep->wmu);
        if (wpending(ep) && !ep->wdead) {
            if (ep->writing) {
                ep->fl_urgent = true; /* the writer takes it next, without lingering */
            } else {
                /* the reader must never block in a write: one non-blocking
                 * send, the rest handed to the flusher */
                bool nonblock = t->cork_quiet && flusher_start(ep);
                r = flush_locked(ep, false, nonblock);
            }
        }
        pthread_mutex_unlock(&ep->wmu);
        if (r != ALR_OK)
            write_failed(ep, r);
        alri_ep_unref(ep);
    }
    t->cork_ns = 0;
    t->cork_frames = 0;
}

alr_err alri_ep_send(alr_endpoint *ep, const alri_frame *f, const void *body, size_t len)
{
    return alri_ep_send_ex(ep, (alri_frame *)(uintptr_t)f, body, len, NULL, 0, 0);
}

alr_err alri_ep_send_seq(alr_endpoint *ep, alri_frame *f, const void *body, size_t len,
                         uint64_t *seq)
{
    return alri_ep_send_ex(ep, f, body, len, seq, 0, 0);
}

/* Stops writing (ep failed): wakes every producer waiting on a budget. */
static void write_path_kill(alr_endpoint *ep)
{
    pthread_mutex_lock(&ep->wmu);
    ep->wdead = true;
    atomic_store(&ep->wdead_a, true);
    pthread_cond_broadcast(&ep->wspace_cv);
    pthread_cond_signal(&ep->flush_cv);
    pthread_mutex_unlock(&ep->wmu);
}

bool alri_ep_async_take(alr_endpoint *ep)
{
    if (ep->nasync >= ep->cfg.max_async_outstanding)
        return false;
    ep->nasync++;
    atomic_store_explicit(&ep->st_async, ep->nasync, memory_order_relaxed);
    stat_max(&ep->st_async_max, ep->nasync);
    return true;
}

void alri_ep_async_done(alr_endpoint *ep)
{
    if (ep->nasync)
        ep->nasync--;
    atomic_store_explicit(&ep->st_async, ep->nasync, memory_order_relaxed);
}

alr_err alr_endpoint_stats(const alr_endpoint *cep, alr_stats *out)
{
    if (!cep || !out)
        return ALR_EINVAL;
    alr_endpoint *ep = (alr_endpoint *)(uintptr_t)cep;
    memset(out, 0, sizeof *out);
#define LD(x) atomic_load_explicit(&ep->x, memory_order_relaxed)
    out->messages_sent = LD(frames_sent);
    out->bytes_sent = LD(st_bytes_sent);
    out->messages_received = LD(frames_received);
    out->bytes_received = LD(st_bytes_received);
    out->writes = LD(st_writes);
    out->reads = LD(st_reads);
    out->batches = LD(st_batches);
    for (unsigned i = 0; i < ALR_STATS_BATCH_BUCKETS; i++)
        out->batch_frames[i] = LD(st_batch_frames[i]);
    {
        long long ts = LD(tstaged);
        out->staged_bytes = LD(st_staged) + (ts > 0 ? (uint64_t)ts : 0);
    }
    out->staged_bytes_max = LD(st_staged_max);
    out->async_outstanding = LD(st_async);
    out->async_outstanding_max = LD(st_async_max);
    out->throttled = LD(st_throttled);
    out->inline_flushes = LD(st_inline);
    out->flusher_flushes = LD(st_flusher);
    out->rx_queued_bytes_max = LD(st_rx_queued_max);
    out->rx_pauses = LD(st_rx_pauses);
#undef LD
    return ALR_OK;
}

/* ================================================================ handshake */

/* Room for `need` bytes in rbuf (at least 16 KiB free), or false. */
static bool rbuf_reserve(alr_endpoint *ep, size_t need)
{
    if (need < ep->rlen + 16384)
        need = ep->rlen + 16384;
    if (ep->rcap >= need)
        return true;
    size_t nc = ep->rcap ? ep->rcap * 2 : 65536;
    if (nc < need)
        nc = need;
    uint8_t *nb = realloc(ep->rbuf, nc);
    if (!nb)
        return false;
    ep->rbuf = nb;
    ep->rcap = nc;
    return true;
}

static const char *role_name(alr_role r)
{
    return r == ALR_ROLE_CONNECTOR ? "connector" : "acceptor";
}

alr_err alri_ep_handshake(alr_endpoint *ep, char *err, size_t errlen)
{
    uint64_t deadline = ep->t_start + ep->cfg.handshake_timeout_ms;
    char why[300] = "";
    alr_err r;
    alr_buf hb = {0};
    r = alri_hello_encode(&hb, ep->role, 0, ep->iface->blob, ep->iface->blob_len);
    if (r == ALR_OK) {
        struct iovec iov = {hb.data, hb.len};
        uint64_t now = alri_now_ms();
        r = alri_net_write(ep->fd, &iov, 1, now < deadline ? (uint32_t)(deadline - now) : 1);
        if (r != ALR_OK)
            snprintf(why, sizeof why, "cannot send the hello: %s", alr_strerror(r));
    } else {
        snprintf(why, sizeof why, "cannot encode the local hello");
    }
    free(hb.data);
    alri_hello hello;
    size_t used = 0;
    while (r == ALR_OK) {
        r = alri_hello_decode(ep->rbuf, ep->rlen, &used, &hello, why, sizeof why);
        if (r != ALR_EAGAIN)
            break;
        size_t need = ep->rlen + 1;
        if (ep->rlen >= ALRI_HELLO_HEADER_SIZE) {
            const uint8_t *p = ep->rbuf + 12;
            need = ALRI_HELLO_HEADER_SIZE +
                   ((size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24);
        }
        if (!rbuf_reserve(ep, need)) {
            r = ALR_ENOMEM;
            snprintf(why, sizeof why, "out of memory for the peer's hello");
            break;
        }
        long n = alri_net_read(ep->fd, ep->rbuf + ep->rlen, ep->rcap - ep->rlen, deadline);
        if (n > 0) {
            ep->rlen += (size_t)n;
            r = ALR_OK;
        } else if (n == 0) {
            r = ALR_ECLOSED;
            snprintf(why, sizeof why, "the peer closed the connection during the handshake");
        } else if (errno == ETIMEDOUT) {
            r = ALR_ETIMEDOUT;
            snprintf(why, sizeof why, "no complete hello within %u ms (%zu bytes received)",
                     ep->cfg.handshake_timeout_ms, ep->rlen);
        } else {
            r = ALR_ECLOSED;
            snprintf(why, sizeof why, "read: %s", strerror(errno));
        }
    }
    alr_plan *plan = NULL;
    if (r == ALR_OK)
        r = alri_handshake(ep->schema, &hello, ep->role, NULL, &plan, why, sizeof why);
    if (r == ALR_OK) {
        memmove(ep->rbuf, ep->rbuf + used, ep->rlen - used);
        ep->rlen -= used;
        pthread_mutex_lock(&ep->mu);
        ep->plan = plan;
        if (atomic_load(&ep->state) == ALRI_EP_HANDSHAKE)
            atomic_store(&ep->state, ALRI_EP_OPEN);
        else
            r = ALR_ECLOSED;
        pthread_mutex_unlock(&ep->mu);
        if (r != ALR_OK)
            snprintf(err, errlen, "closed during the handshake");
        return r;
    }
    /* spec/handshake.md §7: one line, no peer-provided names or bytes */
    char pv[16] = "?", pb[16] = "?";
    if (ep->rlen >= 6 && memcmp(ep->rbuf, ALRI_HELLO_MAGIC, ALRI_HELLO_MAGIC_LEN) == 0)
        snprintf(pv, sizeof pv, "%u.%u", ep->rbuf[4], ep->rbuf[5]);
    if (ep->rlen >= ALRI_HELLO_HEADER_SIZE &&
        memcmp(ep->rbuf, ALRI_HELLO_MAGIC, ALRI_HELLO_MAGIC_LEN) == 0) {
        const uint8_t *p = ep->rbuf + 12;
        snprintf(pb, sizeof pb, "%lu",
                 (unsigned long)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                 (uint32_t)p[3] << 24));
    }
    snprintf(err, errlen, "%s", why[0] ? why : alr_strerror(r));
    alri_ep_fail(ep, r == ALR_ECLOSED ? ALR_ECLOSED : r,
                 "handshake failed: peer=%s role=%s local=%u.%u peer=%s blob=%s after=%llums: "
                 "%s: %s",
                 ep->peer, role_name(ep->role), ALRI_PROTO_MAJOR, ALRI_PROTO_MINOR, pv, pb,
                 (unsigned long long)(alri_now_ms() - ep->t_start), alr_strerror(r), err);
    return r;
}

/* ================================================================ the reader */

static alri_msg *msg_new(const alri_frame *f, const uint8_t *body)
{
    alri_msg *m = malloc(sizeof *m + f->body_len);
    if (!m)
        return NULL;
    m->next = NULL;
    m->f = *f;
    m->block = false;
    atomic_init(&m->cancelled, false);
    if (f->body_len)
        memcpy(m->body, body, f->body_len);
    return m;
}

/* A message for an inbound call (ep->mu held): a recycled block when it
 * fits one, so the reader and the runners do not malloc and free (across
 * threads) per call. */
static alri_msg *msg_take(alr_endpoint *ep, const alri_frame *f, const uint8_t *body)
{
    alri_msg *m;
    bool small = sizeof *m + f->body_len <= ALRI_MSG_BLOCK;
    if (small && ep->msg_free) {
        m = ep->msg_free;
        ep->msg_free = m->next;
        ep->nmsg_free--;
    } else {
        m = malloc(small ? ALRI_MSG_BLOCK : sizeof *m + f->body_len);
        if (!m)
            return NULL;
    }
    m->next = NULL;
    m->f = *f;
    m->block = small;
    atomic_init(&m->cancelled, false);
    if (f->body_len)
        memcpy(m->body, body, f->body_len);
    return m;
}

void alri_msg_give(alr_endpoint *ep, alri_msg *m)
{
    if (m->block && ep->nmsg_free < ALRI_MSG_FREE_MAX) {
        m->next = ep->msg_free;
        ep->msg_free = m;
        ep->nmsg_free++;
    } else {
        free(m);
    }
}

static void send_error(alr_endpoint *ep, const alri_frame *call, alr_err code, const char *text)
{
    alri_frame f;
    memset(&f, 0, sizeof f);
    f.kind = ALRI_FRAME_ERROR;
    f.slot = call->slot;
    f.call_id = call->call_id;
    f.code = (uint32_t)code;
    alri_ep_send(ep, &f, text, strlen(text));
}

/* inline_calls: runs a CALL/ONEWAY on the reader itself when its slot is
 * free (no runner, nothing queued, no remote scope: a scope needs the
 * pool's threads).  1: done, 0: stop reading (the endpoint failed),
 * -1: queue it as usual.
 *
 * The reader keeps the slot (as its runner) in *held across the calls of
 * one read that follow on the same slot, so a run of them takes ep->mu
 * once, not twice per call; held_release gives it back before anything
 * else (another slot's call, any other frame, the end of the read).
 * While held nothing else can touch the slot's queue or scope: only this
 * thread queues calls and applies SCOPE frames. */
static void held_release(alr_endpoint *ep, alri_slot **held)
{
    alri_slot *s = *held;
    if (!s)
        return;
    *held = NULL;
    pthread_mutex_lock(&ep->mu);
    s->runner = NULL;
    alri_slot_schedule(ep, s);
    alri_slot_maybe_free(ep, s);
    pthread_mutex_unlock(&ep->mu);
}

static int run_inline(alr_endpoint *ep, const alri_frame *f, const uint8_t *body,
                      alri_slot **held)
{
    alri_tls *t = atomic_load_explicit(&ep->reader_tls, memory_order_relaxed);
    if (!t || t != alri_tls_peek())
        return -1; /* a sync caller reading its answer queues calls for the pool */
    alri_slot *s = *held;
    if (!s || s->num != f->slot) {
        held_release(ep, held);
        pthread_mutex_lock(&ep->mu);
        if (atomic_load(&ep->state) != ALRI_EP_OPEN) {
            pthread_mutex_unlock(&ep->mu);
            return 0;
        }
        s = alri_slot_find(ep, f->slot);
        if (!s)
            s = alri_slot_add(ep, f->slot);
        if (!s || s->runner || s->scheduled || s->qhead || s->pinned || s->group) {
            pthread_mutex_unlock(&ep->mu);
            return -1; /* the queue path reports a slot it cannot create */
        }
        s->runner = t;
        pthread_mutex_unlock(&ep->mu);
        *held = s;
    }
    alri_run_call(ep, s, f, body, false); /* t->cork_quiet: not on s->active */
    return atomic_load(&ep->state) == ALRI_EP_OPEN ? 1 : 0;
}

/* The async call a REPLY or ERROR answers, taken out of its calls[] entry
 * (ep->mu held, ep open); NULL when the frame answers no async call (the
 * caller sees to it). */
static alr_async *reply_take_locked(alr_endpoint *ep, const alri_frame *f)
{
    alri_slot *s = alri_slot_find(ep, f->slot);
    alri_pending *p = s && f->call_id < s->ncalls ? &s->calls[f->call_id] : NULL;
    if (!p || p->state != ALRI_CALL_WAITING || !p->async)
        return NULL;
    alr_async *h = p->async;
    alri_async_disarm_locked(ep, h);
    p->async = NULL;
    alri_ep_async_done(ep);
    if (h->ostatus)
        s->nostatus--;
    p->state = p->holds ? ALRI_CALL_HELD : ALRI_CALL_FREE;
    alri_call_id_freed(s, p);
    if (!p->holds) {
        s->nbusy--;
        alri_slot_maybe_free(ep, s);
    }
    return h;
}

/* Handles one complete frame; false: stop reading (the endpoint failed). */
static bool dispatch(alr_endpoint *ep, const alri_frame *f, const uint8_t *body,
                     alri_slot **held)
{
    switch (f->kind) {
    case ALRI_FRAME_CALL:
    case ALRI_FRAME_ONEWAY: {
        if (ep->cfg.inline_calls) {
            int done = run_inline(ep, f, body, held);
            if (done >= 0)
                return done;
        }
        held_release(ep, held);
        pthread_mutex_lock(&ep->mu);
        if (atomic_load(&ep->state) != ALRI_EP_OPEN) {
            pthread_mutex_unlock(&ep->mu);
            return false;
        }
        size_t cap = (size_t)ep->cfg.max_message * 4 + (1u << 20);
        alri_slot *s = NULL;
        if (atomic_load(&ep->queued_bytes) + ALRI_MSG_MEM(f->body_len) <= cap) {
            s = alri_slot_find(ep, f->slot);
            if (!s)
                s = alri_slot_add(ep, f->slot);
        }
        if (!s) {
            pthread_mutex_unlock(&ep->mu);
            alri_ep_fail(ep, ALR_ELIMIT, "the peer exceeds the limits on queued calls or slots");
            return false;
        }
        alri_msg *m = msg_take(ep, f, body);
        if (!m) {
            pthread_mutex_unlock(&ep->mu);
            alri_ep_fail(ep, ALR_ENOMEM, "out of memory for an inbound call");
            return false;
        }
        stat_max(&ep->st_rx_queued_max,
                 atomic_fetch_add(&ep->queued_bytes, ALRI_MSG_MEM(f->body_len)) +
                     ALRI_MSG_MEM(f->body_len));
        if (s->qtail)
            s->qtail->next = m;
        else
            s->qhead = m;
        s->qtail = m;
        if (s->runner)
            pthread_cond_signal(&s->runner->cv);
        else
            alri_slot_schedule(ep, s);
        pthread_mutex_unlock(&ep->mu);
        return true;
    }
    case ALRI_FRAME_SCOPE: {
        /* how this slot's calls run from now on (spec/threading.md §13):
         * calls already queued run under the new scope too */
        if ((f->slot & 1u) == (ep->role == ALR_ROLE_CONNECTOR ? 0u : 1u)) {
            alri_ep_fail(ep, ALR_EPROTO, "a SCOPE frame on a slot of ours (%u)", f->slot);
            return false;
        }
        pthread_mutex_lock(&ep->mu);
        if (atomic_load(&ep->state) != ALRI_EP_OPEN) {
            pthread_mutex_unlock(&ep->mu);
            return false;
        }
        alri_slot *s = alri_slot_find(ep, f->slot);
        if (!s && f->mode == ALRI_SCOPE_NONE) {
            pthread_mutex_unlock(&ep->mu);
            return true;
        }
        if (!s)
            s = alri_slot_add(ep, f->slot);
        alri_group *g = s && f->mode == ALRI_SCOPE_POOL ? group_get(ep, f->group, f->limit) : NULL;
        if (!s || (f->mode == ALRI_SCOPE_POOL && !g)) {
            pthread_mutex_unlock(&ep->mu);
            alri_ep_fail(ep, ALR_ELIMIT, "the peer exceeds the limits on slots or pool scopes");
            return false;
        }
        s->pinned = f->mode == ALRI_SCOPE_THREAD;
        s->group = g;
        atomic_fetch_add(&s->scope_gen, 1);
        if (s->runner) /* a pinned runner waiting for work: re-check */
            pthread_cond_signal(&s->runner->cv);
        alri_slot_maybe_free(ep, s);
        pthread_mutex_unlock(&ep->mu);
        return true;
    }
    case ALRI_FRAME_CALL_OBJ:
        send_error(ep, f, ALR_ENOMETHOD, "instance methods are not supported by this peer yet");
        return true;
    case ALRI_FRAME_ONEWAY_OBJ:
        alri_log(&ep->cfg, ALR_LOG_WARN, "connection %s: dropped a oneway instance call", ep->peer);
        return true;
    case ALRI_FRAME_REPLY:
    case ALRI_FRAME_ERROR: {
        pthread_mutex_lock(&ep->mu);
        if (atomic_load(&ep->state) != ALRI_EP_OPEN) {
            pthread_mutex_unlock(&ep->mu);
            return false;
        }
        alr_async *h = reply_take_locked(ep, f);
        if (h) { /* an async call */
            pthread_mutex_unlock(&ep->mu);
            alri_async_answer(h, f, body, ALR_OK); /* decoded from rbuf: no copy */
            return true;
        }
        alri_slot *s = alri_slot_find(ep, f->slot);
        alri_pending *p = s && f->call_id < s->ncalls ? &s->calls[f->call_id] : NULL;
        if (p && p->state == ALRI_CALL_WAITING) {
            alri_msg *m = msg_new(f, body); /* for the waiting thread */
            if (!m) {
                pthread_mutex_unlock(&ep->mu);
                alri_ep_fail(ep, ALR_ENOMEM, "out of memory for a reply");
                return false;
            }
            p->state = ALRI_CALL_DONE;
            ep->nsyncwait--;
            p->kind = f->kind;
            p->code = f->code;
            p->app_code = f->app_code;
            p->msg = m;
            pthread_cond_signal(&p->waiter->cv);
            pthread_mutex_unlock(&ep->mu);
            return true;
        }
        if (p && p->state == ALRI_CALL_ZOMBIE) { /* a late answer: discarded */
            p->state = ALRI_CALL_FREE;
            alri_call_id_freed(s, p);
            s->nbusy--;
            alri_slot_maybe_free(ep, s);
            pthread_mutex_unlock(&ep->mu);
            return true;
        }
        pthread_mutex_unlock(&ep->mu);
        alri_ep_fail(ep, ALR_EPROTO, "the peer answered call %u on slot %u, which is not pending",
                     f->call_id, f->slot);
        return false;
    }
    case ALRI_FRAME_CANCEL: {
        pthread_mutex_lock(&ep->mu);
        alri_slot *s = alri_slot_find(ep, f->slot);
        if (s) {
            for (alri_msg *m = s->qhead; m; m = m->next)
                if (m->f.kind == ALRI_FRAME_CALL && m->f.call_id == f->call_id)
                    atomic_store(&m->cancelled, true);
            for (alri_msg *m = s->batch; m; m = m->next) /* taken by the runner */
                if (m->f.kind == ALRI_FRAME_CALL && m->f.call_id == f->call_id)
                    atomic_store(&m->cancelled, true);
            for (alr_call *c = s->active; c; c = c->next)
                if (c->call_id == f->call_id) {
                    /* the caller cancels only when its deadline passes */
                    atomic_store(&c->timed_out, true);
                    atomic_store(&c->cancelled, true);
                }
        }
        pthread_mutex_unlock(&ep->mu);
        return true;
    }
    case ALRI_FRAME_PING: {
        /* ordered behind the calls queued or running on its slot: the PONG
         * is written after their answers (the flush of oneway status calls) */
        pthread_mutex_lock(&ep->mu);
        alri_slot *s = alri_slot_find(ep, f->slot);
        if (s && (s->runner || s->scheduled || s->qhead || s->active)) {
            alri_msg *m = msg_take(ep, f, body);
            if (!m) {
                pthread_mutex_unlock(&ep->mu);
                alri_ep_fail(ep, ALR_ENOMEM, "out of memory for a ping");
                return false;
            }
            /* counted like a call: every queued message is, until it ran */
            atomic_fetch_add(&ep->queued_bytes, ALRI_MSG_MEM(f->body_len));
            if (s->qtail)
                s->qtail->next = m;
            else
                s->qhead = m;
            s->qtail = m;
            if (s->runner)
                pthread_cond_signal(&s->runner->cv);
            else
                alri_slot_schedule(ep, s);
            pthread_mutex_unlock(&ep->mu);
            return true;
        }
        pthread_mutex_unlock(&ep->mu);
        alri_frame pong;
        memset(&pong, 0, sizeof pong);
        pong.kind = ALRI_FRAME_PONG;
        pong.slot = f->slot;
        pong.token = f->token;
        alri_ep_send(ep, &pong, NULL, 0);
        return true;
    }
    case ALRI_FRAME_PONG: {
        /* every oneway status call written on this slot before the PING
         * has run without failing: complete them */
        alr_async *ok = NULL;
        pthread_mutex_lock(&ep->mu);
        alri_slot *s = alri_slot_find(ep, f->slot);
        if (s && s->nostatus) {
            for (uint32_t i = 0; i < s->ncalls; i++) {
                alri_pending *p = &s->calls[i];
                if (p->state == ALRI_CALL_WAITING && p->async && p->seq < f->token) {
                    p->async->lnext = ok;
                    ok = p->async;
                    alri_async_disarm_locked(ep, p->async);
                    p->async = NULL;
                    alri_ep_async_done(ep);
                    s->nostatus--;
                    p->state = p->holds ? ALRI_CALL_HELD : ALRI_CALL_FREE;
                    alri_call_id_freed(s, p);
                    if (!p->holds)
                        s->nbusy--;
                }
            }
            alri_slot_maybe_free(ep, s);
        }
        pthread_mutex_unlock(&ep->mu);
        while (ok) {
            alr_async *n = ok->lnext;
            alri_async_answer(ok, NULL, NULL, ALR_OK);
            ok = n;
        }
        return true;
    }
    case ALRI_FRAME_CLOSE:
        alri_ep_fail(ep, ALR_ECLOSED, "the peer closed the connection (%s)",
                     alr_strerror((alr_err)f->code));
        return false;
    case ALRI_FRAME_FAULT: {
        uint32_t m = ep->plan ? alr_plan_method_in(ep->plan, f->method) : ALR_NONE;
        alri_ep_fail(ep, ALR_EFAULTED, "the peer reports a failed oneway call to %s: %s (app %lld)",
                     m != ALR_NONE ? ep->iface->methods[m].name : "an unknown method",
                     alr_strerror((alr_err)f->code), (long long)f->app_code);
        return false;
    }
    default:
        alri_ep_fail(ep, ALR_EPROTO, "frame of unknown kind %u", f->kind);
        return false;
    }
}

/*
 * READING.  One thread at a time holds the reader role and is the only one
 * to touch the socket's input and ep->rbuf: normally the reader thread;
 * on a client endpoint with nothing else to listen for, a sync caller
 * (rd_mode CALLER), which then reads its own answer - no hand-off from
 * the reader thread to the caller, and the reader thread stays parked.
 *
 * The reader thread parks (rd_mode PARKED) after a read when rd_can_park:
 * a connector with no async call in flight, no other sync caller waiting,
 * no service of its own and no one-way call ever sent (a FAULT could come
 * back for it).  Parked, it waits in poll() for a hang-up of the socket
 * only (POLLRDHUP: data arriving does not wake it) and for its eventfd;
 * whoever needs it listening (an async call starting, a one-way call, a
 * caller leaving the role while others wait) sets LISTEN and writes the
 * eventfd.  All of rd_* is under ep->mu.
 */

/* Dispatches every complete frame in rbuf; *need: the size of a frame not
 * complete yet (0: none).  False: stop reading (the endpoint failed). */
/* Counts n frames received.  Only the thread holding the reader role
 * dispatches (the reader thread, or a sync caller reading its own answer,
 * the role handed over under ep->mu), so a relaxed load and store lose
 * nothing: no atomic read-modify-write per frame. */
static void rx_count(alr_endpoint *ep, uint64_t n)
{
    atomic_store_explicit(&ep->frames_received,
                          atomic_load_explicit(&ep->frames_received, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* A run of answers to async calls at rbuf[off..]: their entries are
 * taken under one ep->mu, then each is completed (decoded from rbuf,
 * callbacks run) without it.  Returns where the run ended: off when the
 * first frame is not such an answer (dispatch() then sees to it). */
static size_t reply_run(alr_endpoint *ep, alri_tls *t, size_t off, uint32_t max_frame)
{
    enum { RUN = 32 };
    struct {
        alr_async *h;
        alri_frame f;
        size_t body;
    } run[RUN];
    unsigned n = 0;
    pthread_mutex_lock(&ep->mu);
    if (atomic_load(&ep->state) == ALRI_EP_OPEN) {
        while (n < RUN && off < ep->rlen) {
            alri_frame f;
            if (alri_frame_decode(ep->rbuf + off, ep->rlen - off, max_frame, &f) != ALR_OK ||
                (f.kind != ALRI_FRAME_REPLY && f.kind != ALRI_FRAME_ERROR))
                break;
            size_t total = (size_t)f.hdr_len + f.body_len;
            if (ep->rlen - off < total)
                break;
            alr_async *h = reply_take_locked(ep, &f);
            if (!h)
                break;
            run[n].h = h;
            run[n].f = f;
            run[n].body = off + f.hdr_len;
            n++;
            off += total;
        }
    }
    pthread_mutex_unlock(&ep->mu);
    rx_count(ep, n);
    /* each was answered by its frame: completed even should one of them
     * fail the endpoint (an undecodable reply) */
    for (unsigned i = 0; i < n; i++) {
        alri_async_answer(run[i].h, &run[i].f, ep->rbuf + run[i].body, ALR_OK);
        if (t && t->ncorked && t->cork_frames >= t->cork_limit)
            alri_cork_flush(t);
    }
    return off;
}

static bool dispatch_all(alr_endpoint *ep, alri_tls *t, size_t *need)
{
    uint32_t max_frame = ep->cfg.max_message + 64u;
    size_t off = 0;
    bool ok = true;
    unsigned nd = 0;
    bool half = false;
    uint64_t nf = 0; /* frames dispatched one by one (reply runs count theirs) */
    alri_slot *held = NULL; /* inline calls: the slot the reader runs now */
    *need = 0;
    /* what the reader sends while it dispatches one read's frames (the
     * calls completion callbacks start, answers of inline calls, pongs)
     * goes out in one write at the end of the batch: the reader's cork */
    alri_cork(t, true);
    while (off < ep->rlen) {
        alri_frame f;
        alr_err r = alri_frame_decode(ep->rbuf + off, ep->rlen - off, max_frame, &f);
        if (r == ALR_EAGAIN)
            break;
        if (r != ALR_OK) {
            alri_ep_fail(ep, r == ALR_ELIMIT ? ALR_ELIMIT : ALR_EPROTO,
                         "invalid frame from the peer: %s", alr_strerror(r));
            ok = false;
            break;
        }
        size_t total = (size_t)f.hdr_len + f.body_len;
        if (ep->rlen - off < total) {
            *need = total;
            break;
        }
        if (held && f.kind != ALRI_FRAME_CALL && f.kind != ALRI_FRAME_ONEWAY)
            held_release(ep, &held);
        if ((f.kind == ALRI_FRAME_REPLY || f.kind == ALRI_FRAME_ERROR) &&
            atomic_load_explicit(&ep->st_async, memory_order_relaxed)) { /* else: a sync answer */
            size_t o = reply_run(ep, t, off, max_frame);
            if (o > off) {
                off = o;
                continue;
            }
        }
        nf++;
        if (!dispatch(ep, &f, ep->rbuf + off + f.hdr_len, &held)) {
            ok = false;
            break;
        }
        off += total;
        /* push-back: the runners are far behind; the rest waits in rbuf
         * (the read loop pauses, then dispatches it before reading) */
        if (atomic_load_explicit(&ep->queued_bytes, memory_order_relaxed) > 2 * ALRI_RX_HIGH)
            break;
        /* the batch's age: the clock every 16 frames only.  And a large
         * read goes out in two writes: the first half's frames as soon as
         * they are ready, so the peer works on them while this side does
         * the rest (with few calls in flight, a pipeline of two) */
        if (t && t->ncorked &&
            (t->cork_frames >= t->cork_limit || ((++nd & 15u) == 0 && alri_cork_due(t)) ||
             (!half && t->cork_frames >= ALRI_MIN_BATCH && off * 2 >= ep->rlen))) {
            half = true;
            alri_cork_flush(t);
        }
    }
    rx_count(ep, nf);
    held_release(ep, &held);
    alri_uncork(t);
    if (!ok)
        return false;
    if (off) {
        memmove(ep->rbuf, ep->rbuf + off, ep->rlen - off);
        ep->rlen -= off;
    }
    if (ep->rlen == 0 && ep->rcap > (1u << 20)) { /* after a large frame */
        free(ep->rbuf);
        ep->rbuf = NULL;
        ep->rcap = 0;
    }
    if (!rbuf_reserve(ep, *need)) {
        alri_ep_fail(ep, ALR_ENOMEM, "out of memory for a frame of %zu bytes", *need);
        return false;
    }
    return true;
}

/* A read returned n <= 0: fails the endpoint with the right cause. */
static void read_failed(alr_endpoint *ep, long n)
{
    alr_err wf = (alr_err)atomic_load(&ep->wfail);
    if (wf != ALR_OK)
        write_failed(ep, wf); /* the flusher's write failed first */
    else if (n == 0)
        alri_ep_fail(ep, ALR_ECLOSED, "the peer closed the connection");
    else
        alri_ep_fail(ep, ALR_ECLOSED, "read: %s", strerror(errno));
}

static void read_count(alr_endpoint *ep, long n)
{
    ep->rlen += (size_t)n;
    atomic_fetch_add_explicit(&ep->st_reads, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&ep->st_bytes_received, (unsigned long long)n,
                              memory_order_relaxed);
}

/* ep->mu held. */
static bool rd_can_park(const alr_endpoint *ep)
{
    return ep->role == ALR_ROLE_CONNECTOR && !atomic_load_explicit(&ep->rd_never_park,
                                                                   memory_order_relaxed) &&
           ep->nasync == 0 &&
           ep->nsyncwait == 0 && atomic_load(&ep->state) == ALRI_EP_OPEN;
}

void alri_ep_listen(alr_endpoint *ep, bool forever)
{
    if (forever)
        atomic_store_explicit(&ep->rd_never_park, true, memory_order_relaxed);
    if (ep->rd_mode == ALRI_RD_PARKED) {
        ep->rd_mode = ALRI_RD_LISTEN;
        uint64_t one = 1;
        ssize_t w = write(ep->rd_wake, &one, sizeof one);
        (void)w; /* an eventfd write fails only when the counter is full: it is awake */
    }
}

/* The reader thread, parked: returns once it should read again (ep->mu
 * not held on entry or exit). */
static void rd_park(alr_endpoint *ep)
{
    for (;;) {
        struct pollfd pf[2] = {{ep->fd, POLLRDHUP, 0}, {ep->rd_wake, POLLIN, 0}};
        int pr = poll(pf, 2, -1);
        pthread_mutex_lock(&ep->mu);
        if (pr > 0 && (pf[1].revents & POLLIN)) {
            uint64_t v;
            ssize_t r = read(ep->rd_wake, &v, sizeof v);
            (void)r;
        }
        bool hup = pr > 0 && (pf[0].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
        if (hup || atomic_load(&ep->state) != ALRI_EP_OPEN) {
            /* read the end (a CLOSE frame, EOF), once a caller reading now
             * has left the role (it always does: its call is answered or
             * failed) */
            while (ep->rd_mode == ALRI_RD_CALLER)
                pthread_cond_wait(&ep->rd_cv, &ep->mu);
            ep->rd_mode = ALRI_RD_LISTEN;
        }
        bool go = ep->rd_mode == ALRI_RD_LISTEN;
        pthread_mutex_unlock(&ep->mu);
        if (go)
            return;
    }
}

/* Whether this (reader) thread may park now (it holds the role). */
static bool rd_try_park(alr_endpoint *ep)
{
    if (ep->role != ALR_ROLE_CONNECTOR || ep->rlen)
        return false;
    bool park = false;
    pthread_mutex_lock(&ep->mu);
    if (rd_can_park(ep)) {
        if (ep->rd_wake < 0)
            ep->rd_wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (ep->rd_wake >= 0) {
            ep->rd_mode = ALRI_RD_PARKED;
            park = true;
        }
    }
    pthread_mutex_unlock(&ep->mu);
    return park;
}

/* Receive-side push-back (the reader, between reads): while the runners
 * have more than ALRI_RX_HIGH of calls queued, read nothing until they are
 * down to ALRI_RX_LOW - the socket's buffers fill and the peer's send
 * budgets throttle its producers.  Not while an answer to this side is
 * awaited (a sync call waiting, an async call in flight: a runner may be
 * waiting for it). */
static void rx_pushback(alr_endpoint *ep)
{
    if (atomic_load(&ep->queued_bytes) <= ALRI_RX_HIGH)
        return;
    pthread_mutex_lock(&ep->mu);
    while (atomic_load(&ep->queued_bytes) > ALRI_RX_LOW &&
           atomic_load(&ep->state) == ALRI_EP_OPEN && ep->nsyncwait == 0 && ep->nasync == 0) {
        if (!ep->rx_paused)
            atomic_fetch_add_explicit(&ep->st_rx_pauses, 1, memory_order_relaxed);
        ep->rx_paused = true;
        struct timespec ts = ts_at_ns(now_ns() + 10000000u); /* re-check now and then */
        pthread_cond_timedwait(&ep->drain_cv, &ep->mu, &ts);
    }
    ep->rx_paused = false;
    pthread_mutex_unlock(&ep->mu);
}

void alri_ep_read_loop(alr_endpoint *ep)
{
    alri_tls *t = alri_tls_get();
    atomic_store_explicit(&ep->reader_tls, t, memory_order_relaxed);
    /* after the handshake the reader is the only one to read, and every
     * write says MSG_DONTWAIT: a blocking socket makes each read one recv
     * instead of recv, poll, recv */
    alri_net_set_blocking(ep->fd);
    for (;;) {
        size_t need;
        if (!dispatch_all(ep, t, &need))
            return;
        rx_pushback(ep);
        if (ep->rlen && !need) { /* dispatching stopped early for the push-back */
            size_t n0 = ep->rlen;
            alri_frame f0;
            if (alri_frame_decode(ep->rbuf, ep->rlen, ep->cfg.max_message + 64u, &f0) == ALR_OK &&
                (size_t)f0.hdr_len + f0.body_len <= n0)
                continue; /* a complete frame is waiting: dispatch before reading */
        }
        if (rd_try_park(ep)) {
            rd_park(ep);
            continue; /* a caller may have left frames in rbuf */
        }
        long n = alri_net_read(ep->fd, ep->rbuf + ep->rlen, ep->rcap - ep->rlen, UINT64_MAX);
        if (n <= 0) {
            read_failed(ep, n);
            return;
        }
        read_count(ep, n);
        if (atomic_load(&ep->state) != ALRI_EP_OPEN)
            return;
    }
}

bool alri_ep_take_reading(alr_endpoint *ep, alri_tls *t)
{
    if (ep->rd_mode != ALRI_RD_PARKED ||
        atomic_load_explicit(&ep->reader_tls, memory_order_relaxed) == t)
        return false;
    ep->rd_mode = ALRI_RD_CALLER;
    return true;
}

void alri_ep_leave_reading(alr_endpoint *ep)
{
    if (rd_can_park(ep)) {
        ep->rd_mode = ALRI_RD_PARKED;
    } else {
        ep->rd_mode = ALRI_RD_PARKED; /* so that alri_ep_listen wakes it */
        alri_ep_listen(ep, false);
    }
    pthread_cond_broadcast(&ep->rd_cv);
}

bool alri_ep_read_some(alr_endpoint *ep, alri_tls *t, uint64_t deadline_ms)
{
    size_t need;
    if (!dispatch_all(ep, t, &need)) /* what a previous holder left */
        return false;
    struct pollfd pf = {ep->fd, POLLIN, 0};
    uint64_t now = alri_now_ms();
    int ms = deadline_ms <= now ? 0 : deadline_ms - now > 60000 ? 60000 : (int)(deadline_ms - now);
    int pr = poll(&pf, 1, ms);
    if (pr <= 0)
        return true; /* the caller checks its deadline */
    long n = recv(ep->fd, ep->rbuf + ep->rlen, ep->rcap - ep->rlen, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return true;
    if (n <= 0) {
        read_failed(ep, n);
        return false;
    }
    read_count(ep, n);
    return dispatch_all(ep, t, &need);
}

/* ================================================================ client API */

static void *client_reader(void *arg)
{
    alri_ep_read_loop(arg);
    return NULL;
}

alr_err alr_endpoint_connect(const char *addr, const alr_iface *iface, const alr_config *cfg,
                             alr_endpoint **out)
{
    char err[400] = "", host[ALRI_NET_HOST_MAX], port[ALRI_NET_PORT_MAX];
    alr_err r;
    if (out)
        *out = NULL;
    if (!out || !iface || !addr || (!iface->blob && iface->blob_len)) {
        alri_set_last_error(ALR_EINVAL, 0, "alr_endpoint_connect: invalid argument", SIZE_MAX);
        return ALR_EINVAL;
    }
    alr_config c;
    alri_config_fix(&c, cfg);
    r = alri_net_split(addr, host, port, err, sizeof err);
    alr_schema *schema = NULL;
    if (r == ALR_OK) {
        r = alr_schema_load(iface->blob, iface->blob_len, &schema, err, sizeof err);
        if (r == ALR_OK)
            r = alri_iface_check(iface, schema, err, sizeof err);
    }
    int fd = -1;
    if (r == ALR_OK)
        r = alri_net_connect(host, port, alri_now_ms() + c.connect_timeout_ms, &fd, err,
                             sizeof err);
    if (r != ALR_OK) {
        alr_schema_free(schema);
        alri_set_last_error(r, 0, err, SIZE_MAX);
        return r;
    }
    alr_endpoint *ep = NULL;
    r = alri_ep_new(iface, &c, ALR_ROLE_CONNECTOR, fd, schema, NULL, &ep);
    if (r != ALR_OK) {
        close(fd);
        alr_schema_free(schema);
        alri_set_last_error(r, 0, "out of memory", SIZE_MAX);
        return r;
    }
    r = alri_ep_handshake(ep, err, sizeof err);
    if (r == ALR_OK && alri_thread_start(&ep->reader, client_reader, ep) != 0) {
        r = ALR_ENOMEM;
        snprintf(err, sizeof err, "cannot start the reader thread");
    }
    if (r != ALR_OK) {
        alri_ep_unref(ep);
        alri_set_last_error(r, 0, err, SIZE_MAX);
        return r;
    }
    ep->reader_started = true;
    alri_log(&ep->cfg, ALR_LOG_INFO, "connected to %s", ep->peer);
    alri_set_last_error(ALR_OK, 0, "", 0);
    *out = ep;
    return ALR_OK;
}

void alr_endpoint_close(alr_endpoint *ep)
{
    if (!ep)
        return;
    if (atomic_load(&ep->state) == ALRI_EP_OPEN) {
        alri_frame f;
        memset(&f, 0, sizeof f);
        f.kind = ALRI_FRAME_CLOSE;
        f.code = ALR_OK;
        static const char reason[] = "closed by the peer";
        alri_ep_send(ep, &f, reason, sizeof reason - 1);
    }
    alri_ep_fail(ep, ALR_ECLOSED, "closed by the local side");
    if (ep->srv) /* a server's connection: the server reaps it */
        return;
    if (ep->reader_started)
        pthread_join(ep->reader, NULL);
    pthread_mutex_lock(&ep->mu);
    while (atomic_load(&ep->ncallers))
        pthread_cond_wait(&ep->idle_cv, &ep->mu);
    pthread_mutex_unlock(&ep->mu);
    alri_pool_stop(&ep->own_pool);
    alri_ep_unref(ep);
}

alr_err alr_endpoint_serve(alr_endpoint *ep, uint32_t service, const void *handlers, void *user)
{
    if (!ep || service >= ep->iface->nservices)
        return ALR_EINVAL;
    pthread_mutex_lock(&ep->mu);
    ep->services[service].handlers = handlers;
    ep->services[service].user = user;
    alri_ep_listen(ep, true); /* the peer may call at any time now */
    pthread_mutex_unlock(&ep->mu);
    return ALR_OK;
}

const alr_plan *alr_endpoint_plan(const alr_endpoint *ep)
{
    return ep ? ep->plan : NULL;
}

const alr_iface *alr_endpoint_iface(const alr_endpoint *ep)
{
    return ep ? ep->iface : NULL;
}

alr_err alr_endpoint_status(const alr_endpoint *ep)
{
    return ep ? (alr_err)atomic_load(&((alr_endpoint *)ep)->status) : ALR_EINVAL;
}

const char *alr_endpoint_error(const alr_endpoint *ep)
{
    if (!ep || atomic_load(&((alr_endpoint *)ep)->status) == ALR_OK)
        return "";
    return ep->errtext;
}

/*
 * rpc_internal.h - the inside of endpoints, servers, slots and calls,
 * shared by endpoint.c (connections, reader, write path), call.c (thread
 * state, sync calls, running inbound calls), server.c (accept loop) and
 * rpc_pool.c (workers).  The model is spec/threading.md.
 *
 * Invariants (every one under ep->mu unless it says otherwise):
 *  - a call this side sent completes exactly once: its calls[] entry goes
 *    WAITING -> DONE (reply, error, or the endpoint's failure) -> FREE (the
 *    caller took it), or WAITING -> ZOMBIE (the caller gave up) -> FREE (the
 *    late answer arrived, or the endpoint failed); an id is reused only
 *    once FREE, so a late answer can never complete a newer call;
 *  - every CALL frame received is answered exactly once (REPLY or ERROR),
 *    unless the endpoint fails first;
 *  - at most one thread (the slot's runner) runs a slot's inbound calls, in
 *    order; a slot with queued frames has a runner or is scheduled on the
 *    pool (never neither);
 *  - a slot record is freed only when nothing refers to it: no runner, not
 *    scheduled, empty queue, no busy call id, no active call, no live owner,
 *    no scope (pinned, group, or one announced by this side);
 *  - a pool group has running <= cap; a slot waiting in its FIFO is
 *    scheduled and holds an ep reference; a runner runs a slot's calls only
 *    while the slot's group is the one its turn was taken for (gcur);
 *  - the fd is closed only when the endpoint is freed (refs == 0), so a
 *    late writer can never write into a reused descriptor;
 *  - lock order: ep->mu before pool->mu; ep->wmu is never held with ep->mu;
 *  - the write path (under ep->wmu): at most one thread is the writer;
 *    stage non-empty implies a writer is active or the flusher is awake or
 *    signalled; staged == slen + the batch being written + reservations.
 */
#ifndef ALR_RPC_INTERNAL_H
#define ALR_RPC_INTERNAL_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alr/rpc.h"
#include "frame.h"
#include "net.h"

/* Defaults (alr_config_init). */
#define ALRI_DEFAULT_CALL_TIMEOUT_MS 30000u
#define ALRI_DEFAULT_HANDSHAKE_TIMEOUT_MS 10000u
#define ALRI_DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define ALRI_DEFAULT_WORKERS 64u
#define ALRI_DEFAULT_MAX_MESSAGE (64u * 1024u * 1024u)
#define ALRI_DEFAULT_MAX_BATCH_BYTES (256u * 1024u)
#define ALRI_DEFAULT_FLUSH_DELAY_US 1000u
#define ALRI_DEFAULT_THREAD_SEND_BUDGET (4u * 1024u * 1024u)
#define ALRI_DEFAULT_ENDPOINT_SEND_BUDGET (16u * 1024u * 1024u)
#define ALRI_DEFAULT_MAX_ASYNC_OUTSTANDING 65536u
#define ALRI_DEFAULT_MAX_BATCH_FRAMES 512u
#define ALRI_MIN_BATCH 32u /* a batch of fewer async calls in flight */
/* Quiet / idle: no deferred append for this long (or flush_delay_us / 20
 * if longer) ends the flusher's lingering, and lets a deferred frame
 * finding the stage empty and no writer be written at once (a lone call
 * on an idle connection). */
#define ALRI_IDLE_NS 50000u

/* Bounds on what one peer can make us hold. */
#define ALRI_MAX_SLOTS 4096u           /* slot records per endpoint */
#define ALRI_MAX_CALL_IDS 4096u        /* calls in flight on one slot, incl. zombies */
#define ALRI_MAX_HANDSHAKING 64u       /* server connections still in WAIT_HELLO */
#define ALRI_ERRTEXT 1024u             /* error texts (1023 bytes + NUL) */

typedef struct alri_slot alri_slot;
typedef struct alri_tls alri_tls;
typedef struct alri_owner alri_owner;

/* A thread's own staging ring on one endpoint (endpoint.c, "PER-THREAD
 * STAGING"): the deferred frames of its own slot (async CALLs, ONEWAYs,
 * SCOPEs) and the answers it batches are appended here with no lock at
 * all: one producer (the thread) moves head, one consumer (the writer,
 * under wmu) moves tail. */
#define ALRI_TSTAGE_CAP 16384u /* bytes; a power of two */
typedef struct alri_tstage {
    struct alri_tstage *next;  /* ep->tstages (under wmu); freed with the endpoint */
    alri_owner *owner;         /* a reference (under wmu); reused once dead and done */
    uint8_t *ring;             /* ALRI_TSTAGE_CAP bytes */
    /* the producer's (other threads read them) */
    _Atomic size_t head;       /* bytes ever appended (release: they are in ring) */
    _Atomic uint64_t hframes;  /* frames ever appended */
    _Atomic size_t res;        /* bytes reserved now (alri_ep_reserve) */
    size_t published;          /* head when last added to ep->tstaged (producer only) */
    /* the consumer's (the writer, under wmu) */
    _Atomic size_t tail;       /* bytes ever collected */
    uint64_t tframes;          /* frames ever collected */
    _Atomic size_t wdone;      /* bytes ever written: head - wdone + res is the
                                  thread's use of thread_send_budget here */
    uint64_t cgen[2];          /* stage generations its bytes were collected into */
    size_t cbytes[2];
} alri_tstage;

/* A remote pool scope as the receiver sees it (per endpoint, by the
 * sender's id): at most cap of its slots are scheduled or run at once;
 * the others wait in FIFO order (spec/threading.md section 13). */
typedef struct alri_group {
    struct alri_group *next;  /* ep->groups */
    uint64_t id;
    uint32_t cap, running;
    alri_slot *head, *tail;   /* slots waiting for a turn (gnext) */
} alri_group;
#define ALRI_MAX_GROUPS 4096u  /* pool scopes per endpoint */
/* Idle records of the peer's slots kept for their next call while the
 * endpoint has at most this many slot records (no calloc/free per call). */
#define ALRI_KEEP_PEER_SLOTS 16u

/* One frame received and queued for a runner (CALL, ONEWAY). */
typedef struct alri_msg {
    struct alri_msg *next;
    alri_frame f;
    atomic_bool cancelled; /* a CANCEL arrived before it ran */
    bool block;            /* an ALRI_MSG_BLOCK-byte block (alri_msg_give may keep it) */
    uint8_t body[];   /* f.body_len bytes */
} alri_msg;

/* A thread's identity as the owner of local slots: outlives the thread
 * until every endpoint has dropped its reference. */
struct alri_owner {
    atomic_int refs;
    atomic_bool dead; /* the thread has exited */
};

/* HELD: an async call's answer arrived (or the endpoint failed) while a
 * CANCEL for its id was still being written: the id stays reserved until
 * that write is done, so the CANCEL can never reach a newer call. */
enum { ALRI_CALL_FREE = 0, ALRI_CALL_WAITING, ALRI_CALL_DONE, ALRI_CALL_ZOMBIE, ALRI_CALL_HELD };

/* A call this side sent on a slot, by call_id. */
typedef struct alri_pending {
    uint8_t state;     /* ALRI_CALL_* */
    uint8_t kind;      /* DONE: ALRI_FRAME_REPLY or ALRI_FRAME_ERROR, or 0 (endpoint failed) */
    uint32_t code;     /* ERROR: its code; failed: the endpoint's call code */
    int64_t app_code;
    alri_tls *waiter;  /* WAITING: the thread to wake */
    alri_msg *msg;     /* DONE by a frame: the frame (owned) */
    alr_async *async;  /* WAITING: an async call (holds a reference), else NULL */
    uint32_t holds;    /* CANCEL frames for this id being written (async.c) */
    uint32_t next_free; /* FREE: the next free id + 1 on the slot's free list (0: none) */
    uint64_t seq;      /* oneway status: write order (alri_ep_send_seq); UINT64_MAX unsent */
} alri_pending;

/* A queue/thread slot of one endpoint (spec/threading.md §2).  Slots the
 * connector allocates are even, the acceptor's odd. */
struct alri_slot {
    alri_slot *hnext;        /* hash chain */
    alri_slot *pnext;        /* pool queue */
    alr_endpoint *ep;
    uint32_t num;
    alri_owner *owner;       /* a local slot's thread (a reference), or NULL */
    alri_pending *calls;     /* by call_id; ncalls entries */
    uint32_t ncalls, nbusy;  /* capacity; entries not FREE */
    uint32_t free_head;      /* the first FREE id + 1 (0: none); the most recently
                                freed comes first (its entry is still in cache) */
    alri_msg *qhead, *qtail; /* inbound calls waiting for the runner */
    alri_msg *batch;         /* the calls its runner took at once and runs now (CANCEL
                                marks them too; freed by the runner after the batch) */
    atomic_uint scope_gen;   /* SCOPE frames applied (a runner's batch stops at one) */
    alri_tls *runner;        /* the thread running this slot's inbound calls */
    bool scheduled;          /* queued on the pool */
    alr_call *active;        /* inbound calls running on this slot */
    uint32_t nostatus;       /* WAITING entries of tracked oneway status calls */
    /* receiving side: the scope the peer announced (SCOPE frames); a slot
     * with a scope is kept (not freed) until a SCOPE NONE */
    bool pinned;             /* THREAD: its runner stays, waiting, until unpinned */
    alri_group *group;       /* POOL: its group */
    alri_group *gcur;        /* the group whose turn this scheduling holds or waits for */
    alri_slot *gnext;        /* gcur's wait list */
    /* sending side (a local slot): the scope last announced on it */
    uint8_t sent_mode;
    uint64_t sent_group;
};

/* A worker pool: threads start on demand up to cap and live until stop. */
typedef struct alri_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    alri_slot *head, *tail;  /* slots to run */
    uint32_t nqueued, cap, nthreads, nidle;
    pthread_t *threads;
    uint32_t threads_cap;
    bool stopping;
    alr_log_fn log;
    void *log_user;
} alri_pool;

typedef struct alri_served {
    const void *handlers;
    void *user;
} alri_served;

enum { ALRI_EP_HANDSHAKE = 0, ALRI_EP_OPEN = 1, ALRI_EP_CLOSED = 2 };
/* The reader role: the reader thread reads; it is parked (a caller may
 * take the role); a sync caller reads its own answer. */
enum { ALRI_RD_LISTEN = 0, ALRI_RD_PARKED = 1, ALRI_RD_CALLER = 2 };

struct alr_endpoint {
    const alr_iface *iface;
    alr_config cfg;
    alr_codec_limits limits;   /* decoding the peer's messages (from cfg) */
    bool *ret_heap;            /* by local method: its result has heap parts */
    alr_role role;
    uint64_t serial;           /* unique per endpoint (thread caches) */
    int fd;
    char peer[ALRI_NET_NAME_MAX];
    alr_schema *schema;        /* local schema (owned unless srv) */
    alr_plan *plan;            /* after the handshake */
    alr_server *srv;           /* accepted by this server, or NULL */
    alri_pool *pool;           /* srv's pool, or own_pool */
    alri_pool own_pool;
    atomic_int refs;

    pthread_mutex_t mu;
    pthread_cond_t idle_cv;    /* ncallers reached 0 */
    atomic_int state;          /* ALRI_EP_* (written under mu) */
    atomic_int status;         /* alr_err: the first fatal error (written under mu) */
    alr_err fail_code;         /* what calls get once failed: ALR_ECLOSED / ALR_EFAULTED */
    char errtext[256];         /* the first fatal error's text (set before status) */
    alri_served *services;    /* by local service index */
    alri_slot **buckets;       /* slot hash: nbuckets (power of 2) chains */
    uint32_t nbuckets, nslots;
    atomic_uint ncallers;      /* threads inside a call on this endpoint (alri_caller_leave) */
    atomic_size_t queued_bytes; /* memory of queued inbound calls (ALRI_MSG_MEM), until
                                   they ran */
    pthread_cond_t drain_cv;   /* the reader waits for runners to drain (rx_paused) */
    bool rx_paused;            /* under mu */
    atomic_ullong st_rx_pauses, st_rx_queued_max;
    alri_msg *msg_free;        /* under mu: idle message blocks (no malloc per call) */
    uint32_t nmsg_free;

    /* the write path (endpoint.c, "the write path"): every field under wmu */
    pthread_mutex_t wmu;
    pthread_cond_t wspace_cv;  /* staged went down, a batch was written, or wdead */
    pthread_cond_t flush_cv;   /* the flusher's wake-up (CLOCK_MONOTONIC) */
    bool wdead;                /* a write failed or the endpoint failed: no more writes */
    bool writing;              /* a thread holds the writer role (writes wbuf) */
    bool fl_started, fl_stop, fl_urgent, fl_idle; /* the flusher thread */
    uint8_t *stage;            /* frames appended, not yet taken by the writer */
    size_t slen, scap;
    uint32_t sframes;          /* frames in stage */
    uint8_t *wbuf;             /* the batch being written (writer role only) */
    size_t wcap;
    size_t staged;             /* slen + the batch being written + reservations */
    atomic_int wfail;          /* alr_err of a failed flusher write (the reader reports it) */
    bool handoff;              /* wbuf[hoff, hlen) is the flusher's to finish */
    size_t hoff, hlen;
    uint32_t hframes;
    uint64_t hgen;
    uint64_t sgen;             /* generation of stage; a batch keeps its stage's */
    uint64_t gen_done;         /* the last generation completely written */
    uint64_t appends;          /* frames ever appended (the flusher's quiet test) */
    uint64_t last_append_ns;   /* a deferred frame found the stage empty */
    uint64_t last_write_ns;    /* a batch was written */
    pthread_t flusher;
    uint64_t wseq;             /* order of oneway status CALLs and PINGs */
    alri_tstage *tstages;      /* the threads' own stages (list under wmu) */
    atomic_llong tstaged;      /* bytes in them not collected yet, about (each thread
                                  adds in steps of up to 4 KiB; may dip below 0) */
    atomic_bool wdead_a;       /* wdead, for the lock-free path */
    uint32_t nasync;           /* under mu: async calls in flight (calls[] entries) */
    alr_async *tm_head, *tm_tail; /* under mu: armed async calls by deadline (async.c,
                                     "the timer") */
    atomic_bool tm_reg;        /* on the timer's list (a reference; written under its
                                  mutex) */
    alr_endpoint *tm_next;     /* the timer's list */
    alri_group *groups;        /* under mu: the peer's pool scopes */
    uint32_t ngroups;
    /* statistics (alr_endpoint_stats): relaxed atomics */
    atomic_ulong frames_sent;
    atomic_ulong frames_received;
    atomic_ullong st_bytes_sent, st_bytes_received, st_writes, st_reads, st_batches;
    atomic_ullong st_batch_frames[ALR_STATS_BATCH_BUCKETS];
    atomic_ullong st_staged, st_staged_max, st_async, st_async_max, st_throttled;
    atomic_ullong st_inline, st_flusher;

    _Atomic(alri_tls *) reader_tls; /* the reader thread's state (set by it) */
    /* who reads (endpoint.c, "READING"; under mu) */
    uint8_t rd_mode;           /* ALRI_RD_* */
    atomic_bool rd_never_park; /* a oneway call was sent, or a service is served */
    int rd_wake;               /* eventfd waking a parked reader thread, or -1 */
    pthread_cond_t rd_cv;      /* rd_mode left CALLER */
    uint32_t nsyncwait;        /* sync calls WAITING for their answer */
    uint8_t *rbuf;             /* receive buffer: reader thread only */
    size_t rlen, rcap;
    pthread_t reader;
    bool reader_started;
    atomic_bool reader_done;
    alr_endpoint *snext;       /* server's connection list */
    uint64_t t_start;          /* connect/accept time (ms) */
};

struct alr_server {
    const alr_iface *iface;
    alr_config cfg;
    alr_schema *schema;
    alri_served *services;
    alri_pool pool;
    int lfd;
    int wake[2];               /* self-pipe: reader exits, close */
    uint16_t port;
    pthread_t acceptor;
    bool accepting;
    atomic_bool closing;
    pthread_mutex_t mu;        /* conns, nhandshaking */
    alr_endpoint *conns;
    uint32_t nhandshaking;
};

/* The callee's view of one inbound call (alr_call_* functions). */
struct alr_call {
    alr_endpoint *ep;
    alri_slot *slot;
    alr_call *next;            /* slot->active */
    uint32_t call_id, method;  /* method: local index */
    void *user;
    alr_arena *arena;
    atomic_bool cancelled, timed_out;
    int64_t app_code;
    bool has_text;
    char text[ALRI_ERRTEXT];
};

/* An async call (async.c).  Completion is decided by one atomic
 * transition: claim 0 -> 1 (the winner fills the result, then publishes
 * state).  ep, mi, snum, id, ostatus, timeout_ms never change. */
struct alr_async {
    atomic_int refs;
    atomic_int claim;          /* 0 pending, 1 claimed: THE completion transition */
    atomic_int state;          /* alr_async_state << ALRI_ST_SHIFT, set once after the
                                  fill; | ALRI_ST_CB once a callback is registered */
    pthread_mutex_t mu;        /* waiters (cv) */
    pthread_cond_t cv;         /* made by the first waiter (cv_init, under mu) */
    bool cv_init;
    atomic_uint nwaiters;      /* threads in alr_async_wait */
    atomic_bool has_fn;        /* alr_async_then was called */
    alr_async_fn fn;           /* written before state gets ALRI_ST_CB */
    void *fn_user;
    alr_endpoint *ep;          /* a reference */
    const alr_method_info *mi;
    uint32_t method, snum, id, timeout_ms;
    bool ostatus;              /* a tracked oneway status call */
    /* the timer: on ep's deadline list (under ep->mu; armed is read
       without it as a hint - once false it stays false) */
    uint64_t deadline;
    alr_async *tprev, *tnext;
    atomic_bool armed;
    /* the frame (the frames mutex) */
    alr_frame *frame;
    alr_async *fprev, *fnext;
    alr_async *lnext;          /* temporary lists (under whichever lock built them) */
    /* the result (written by the claim's winner before state) */
    alr_err err;
    int64_t app_code;
    char *text;
    alr_arena *arena;          /* a result with strings or containers */
    void *value;
    bool in_frame;             /* joined a frame (set under ep->mu before the CALL) */
    /* a result without heap parts lives here when it fits (no arena) */
    alignas(max_align_t) unsigned char inl[64];
};

/* alr_async.state: the alr_async_state << ALRI_ST_SHIFT, and ALRI_ST_CB
 * once alr_async_then registered a callback.  The completion sets the state
 * bits and then() the flag, each with one atomic OR: whichever comes second
 * sees the other's bits and runs the callback. */
#define ALRI_ST_SHIFT 2
#define ALRI_ST_CB 1

/* The deadline of a call of timeout_ms started now, on the alri_now_ms()
 * clock, never earlier than the precise one (async.c). */
uint64_t alri_deadline_ms(uint32_t timeout_ms);
/* Frees the idle handles a thread keeps (its state is going away). */
void alri_async_cache_free(alri_tls *t);
/* ep failed (its deadline list is empty): the timer lets go of it now
 * rather than at its next wake (no lock held; async.c). */
void alri_timer_forget(alr_endpoint *ep);
/* Takes h off ep's deadline list (ep->mu held; async.c). */
void alri_async_disarm_locked(alr_endpoint *ep, alr_async *h);

/* Per-thread state (call.c). */
typedef struct alri_ctx {
    alr_endpoint *ep;
    uint32_t slot;
} alri_ctx;

struct alri_tls {
    alri_owner *owner;
    pthread_cond_t cv;         /* this thread's wake-up (CLOCK_MONOTONIC) */
    alr_endpoint **eps;        /* alr_endpoint_push stack */
    uint32_t neps, eps_cap;
    uint32_t *timeouts;        /* alr_timeout_push stack */
    uint32_t ntimeouts, timeouts_cap;
    alri_ctx *ctx;             /* slots of the inbound calls this thread runs */
    uint32_t nctx, ctx_cap;
    struct {
        alr_endpoint *ep;
        uint64_t serial;
        uint32_t slot;
        alri_slot *sp;         /* the record: kept while this thread lives */
    } cache[4];                /* this thread's own slot on recent endpoints */
    uint32_t cache_next;
    alr_arena *arenas[4];      /* idle arenas for inbound calls */
    uint32_t narenas;
    alr_arena *scratch;        /* results decoded without a caller arena */
    alr_buf ebuf;              /* encoding buffer of outgoing calls */
    /* corking (endpoint.c, "the write path"): while cork > 0 this thread
     * processes a batch, and the deferred frames it stages wait for its
     * alri_cork_flush instead of being written one by one */
    uint32_t cork;
    bool cork_quiet;           /* the reader: no flusher wake-up for them */
    uint32_t ncorked;
    alr_endpoint *corked[4];   /* endpoints holding such frames (a reference each) */
    uint64_t cork_ns;          /* when the first of them was staged */
    uint32_t cork_frames;      /* how many frames are held */
    uint32_t cork_limit;       /* written at this many: the least max_batch_frames */
    bool batch_more;           /* a runner: more calls of its batch follow this one */
    struct {
        uint64_t serial;       /* endpoint serial, 0 = unused */
        uint64_t gen[2];       /* its stage generations this thread appended to */
        size_t bytes[2];
    } sacct[4];                /* bytes this thread staged (thread_send_budget) */
    uint32_t sacct_next;
    struct {
        uint64_t serial;       /* endpoint serial, 0 = unused */
        alri_tstage *ts;       /* this thread's stage there (freed with the endpoint) */
    } tcache[4];
    uint32_t tcache_next;
    alr_frame **frames;        /* alr_frame_push stack (async.c) */
    uint32_t nframes, frames_cap;
    struct alri_scope {
        uint8_t mode;          /* ALRI_SCOPE_* */
        uint32_t limit;
        uint64_t group;
    } *scopes;                 /* alr_remote_*_push stack */
    uint32_t nscopes, scopes_cap;
    struct alri_scoped {
        alr_endpoint *ep;      /* a reference while its slot carries a scope */
        uint32_t slot;
    } *scoped;                 /* own slots announced with a scope (not NONE) */
    uint32_t nscoped, scoped_cap;
    char errtext[ALRI_ERRTEXT];
    int64_t app_code;
    alr_async *hfree;          /* idle async handles (async.c), through lnext */
    uint32_t nhfree;
};

/* ---- call.c ---- */
/* This thread's state (call.c; set by alri_tls_make, cleared at thread
 * exit).  Read inline on every call path: no function call. */
extern _Thread_local alri_tls *alri_tls_cur;
/* Creates this thread's state; NULL when out of memory. */
alri_tls *alri_tls_make(void);
/* This thread's state (created on first use); NULL when out of memory. */
static inline alri_tls *alri_tls_get(void)
{
    alri_tls *t = alri_tls_cur;
    return t ? t : alri_tls_make();
}
/* This thread's state if it has one (never creates it). */
static inline alri_tls *alri_tls_peek(void)
{
    return alri_tls_cur;
}
void alri_owner_unref(alri_owner *o);
/* Runs one inbound CALL/ONEWAY on the calling thread (the slot's runner)
 * and answers it; frees msg. */
void alri_run_inbound(alr_endpoint *ep, alri_slot *slot, alri_msg *msg);
/* The same for a frame not copied into a message (body: f->body_len
 * bytes, borrowed for the call): the reader running a call inline. */
void alri_run_call(alr_endpoint *ep, alri_slot *slot, const alri_frame *f, const uint8_t *body,
                   bool cancelled);
void alri_set_last_error(alr_err code, int64_t app_code, const char *text, size_t len);
/* A free call id on s, the most recently freed first (growing calls[]), or
 * ALR_NONE (ep->mu held). */
uint32_t alri_call_id_alloc(alri_slot *s);
/* p's entry left WAITING, DONE or HELD: a FREE one joins the slot's free list
 * (a HELD one does once its CANCEL is written). */
static inline void alri_call_id_freed(alri_slot *s, alri_pending *p)
{
    if (p->state != ALRI_CALL_FREE)
        return; /* HELD: freed when the CANCEL is written */
    p->next_free = s->free_head;
    s->free_head = (uint32_t)(p - s->calls) + 1;
}
/* The end of a call's use of ep, counted in ep->ncallers (taken under
 * ep->mu while the endpoint was open): alr_endpoint_close waits for 0. */
void alri_caller_leave(alr_endpoint *ep);

/* Whether this thread must announce its scope on slot before a call goes
 * out on it (ep->mu held): if so records it as sent and fills *sf with the
 * SCOPE frame to send (without ep->mu) before the call.  Only a thread's
 * own slot carries scopes. */
bool alri_scope_check(alri_slot *slot, alri_tls *t, alri_frame *sf);

/* Grows a stack array to hold n + 1 items of size sz; false when out of memory. */
bool alri_stack_room(void **v, uint32_t *cap, uint32_t n, size_t sz);

/* ---- async.c ---- */
/* An answer (REPLY/ERROR frame f with its body, borrowed for the call) or
 * the endpoint's failure (f NULL, code; ALR_OK: a oneway status call
 * confirmed) for async call h, whose calls[] entry the caller has already
 * released (its reference passes to this function).  Never with ep->mu
 * held. */
void alri_async_answer(alr_async *h, const alri_frame *f, const uint8_t *body,
                       alr_err fail_code);
/* Whether a value of struct sd needs memory beyond the struct (strings,
 * containers, optionals). */
bool alri_struct_has_heap(const alr_struct_desc *sd);
/* Drops a reference (alr_async_release). */
void alri_async_unref(alr_async *h);

/* ---- endpoint.c ---- */
/* What a queued inbound call holds in memory (the queue bound counts it). */
#define ALRI_MSG_MEM(body_len) (sizeof(alri_msg) + (size_t)(body_len))
/* Receive-side push-back: the reader stops reading while this much is
 * queued for the runners, until it is down to ALRI_RX_LOW. */
#define ALRI_RX_HIGH (256u << 10)
#define ALRI_RX_LOW (64u << 10)
/* Inbound calls whose message fits this many bytes use recycled blocks. */
#define ALRI_MSG_BLOCK 128u
#define ALRI_MSG_FREE_MAX 2048u
/* A message done with (ep->mu held): a block back to ep's free list, else freed. */
void alri_msg_give(alr_endpoint *ep, alri_msg *m);
void alri_config_fix(alr_config *cfg, const alr_config *in);
/* A new endpoint around fd (owned), refs 1, state HANDSHAKE. */
alr_err alri_ep_new(const alr_iface *iface, const alr_config *cfg, alr_role role, int fd,
                    alr_schema *schema, alr_server *srv, alr_endpoint **out);
void alri_ep_ref(alr_endpoint *ep);
void alri_ep_unref(alr_endpoint *ep);
/* Sends both hellos' worth and builds the plan (state OPEN on success). */
alr_err alri_ep_handshake(alr_endpoint *ep, char *err, size_t errlen);
/* The reader loop after the handshake; returns when the connection ends. */
void alri_ep_read_loop(alr_endpoint *ep);
/* The reader thread must listen (ep->mu held): wakes it if parked;
 * forever: it never parks again (a oneway call sent, a service served). */
void alri_ep_listen(alr_endpoint *ep, bool forever);
/* A sync caller (thread t) takes the reader role when the reader thread is
 * parked (ep->mu held); false: it waits to be woken as usual. */
bool alri_ep_take_reading(alr_endpoint *ep, alri_tls *t);
/* ... and gives it back (ep->mu held): parked again, or to the reader
 * thread when something else needs listening. */
void alri_ep_leave_reading(alr_endpoint *ep);
/* The role holder reads once (waiting until deadline_ms at most, in steps)
 * and dispatches what came; false when the endpoint failed.  ep->mu not
 * held. */
bool alri_ep_read_some(alr_endpoint *ep, alri_tls *t, uint64_t deadline_ms);
/* Puts ep in its failed state once (first error wins): fails pending
 * calls, drops queued frames, cancels running ones, shuts the socket. */
void alri_ep_fail(alr_endpoint *ep, alr_err cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sends one frame (the one write path): appends it to the stage and, if no
 * thread is writing, writes the stage now.  Returns once the frame is
 * staged (a CLOSE: written).  Never called with ep->mu held. */
alr_err alri_ep_send(alr_endpoint *ep, const alri_frame *f, const void *body, size_t len);
/* A batch on this thread: deferred frames it stages until the matching
 * alri_uncork are written by it at the end (alri_cork_flush) instead of
 * one by one; quiet (the reader): the flusher is not woken for them.
 * Nests.  t may be NULL (no batching). */
void alri_cork(alri_tls *t, bool quiet);
void alri_uncork(alri_tls *t);
/* Writes what this thread staged while corked (non-blocking with a
 * hand-off to the flusher when quiet): at the end of a batch, before the
 * thread waits, and when it holds max_batch_frames frames or the first is
 * ALRI_IDLE_NS old. */
void alri_cork_flush(alri_tls *t);
/* Whether t's held frames are due (max_batch_frames of them, or ALRI_IDLE_NS old). */
bool alri_cork_due(const alri_tls *t);
/* Flags of alri_ep_send_ex. */
#define ALRI_SEND_DEFER 1u    /* may wait in the stage for company (async, oneway) */
#define ALRI_SEND_BUDGET 2u   /* waits for room in the send budgets until deadline_ms */
#define ALRI_SEND_RESERVED 4u /* room was taken with alri_ep_reserve(len) */
#define ALRI_SEND_REL 8u      /* BUDGET: deadline_ms is a timeout in ms, not a time */
#define ALRI_SEND_OWN 16u     /* a DEFER frame may go through the calling thread's own
                                 stage: its order matters only against this thread's
                                 other frames (its own slot's calls; the answers it
                                 batches - a slot's answers are matched by call id) */
/* alri_ep_send with flags; seq as alri_ep_send_seq (NULL: not numbered).
 * ALR_OK, ALR_ECLOSED (the stream is dead), ALR_ETIMEDOUT (BUDGET: no room
 * before deadline_ms; nothing was staged), ALR_ENOMEM, ALR_EINVAL. */
alr_err alri_ep_send_ex(alr_endpoint *ep, alri_frame *f, const void *body, size_t len,
                        uint64_t *seq, unsigned flags, uint64_t deadline_ms);
/* Waits until a frame with a body of len bytes fits the send budgets and
 * reserves that room (ALR_OK), or ALR_ETIMEDOUT / ALR_ECLOSED. */
alr_err alri_ep_reserve(alr_endpoint *ep, size_t len, uint64_t deadline_ms);
/* Gives back a reservation that will not be sent. */
void alri_ep_unreserve(alr_endpoint *ep, size_t len);
/* Counts an async call in flight (ep->mu held); false at the cap. */
bool alri_ep_async_take(alr_endpoint *ep);
/* An async call's calls[] entry was released (ep->mu held). */
void alri_ep_async_done(alr_endpoint *ep);
/* The same, numbering the frame in write order (ep->wseq, under wmu) into
 * *seq; a PING gets that number as its token.  For oneway status CALLs and
 * the PINGs that flush them (async.c). */
alr_err alri_ep_send_seq(alr_endpoint *ep, alri_frame *f, const void *body, size_t len,
                         uint64_t *seq);
/* Slot lookup / creation (ep->mu held). */
alri_slot *alri_slot_find(alr_endpoint *ep, uint32_t num);
alri_slot *alri_slot_add(alr_endpoint *ep, uint32_t num);
/* Frees the slot when nothing refers to it (ep->mu held). */
void alri_slot_maybe_free(alr_endpoint *ep, alri_slot *s);
/* Queues slot on the pool unless it has a runner or is queued (ep->mu held).
 * A slot of a pool scope waits for its group's turn first. */
void alri_slot_schedule(alr_endpoint *ep, alri_slot *s);
/* The end of a scheduled slot's run (alri_slot_drain, ep->mu held): gives
 * back its group's turn, passing it to the next waiting slot. */
void alri_group_turn_done(alr_endpoint *ep, alri_slot *s);
/* The calling thread's own slot on ep, allocated on first use (ep->mu held). */
alri_slot *alri_slot_of_thread(alr_endpoint *ep, alri_tls *t);
void alri_log(const alr_config *cfg, alr_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Checks iface against the loaded schema of its blob. */
alr_err alri_iface_check(const alr_iface *iface, const alr_schema *s, char *err, size_t errlen);

/* ---- rpc_pool.c ---- */
void alri_pool_init(alri_pool *p, uint32_t cap, const alr_config *cfg);
/* Queues slot s (s->ep referenced by the caller for the task). */
void alri_pool_submit(alri_pool *p, alri_slot *s);
/* Runs every queued task, then joins every thread. */
void alri_pool_stop(alri_pool *p);
void alri_pool_fini(alri_pool *p);
/* pthread_create with every signal blocked in the new thread (signals are
 * the application's); 0 or an errno. */
int alri_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);
/* The task: run slot s's queue as its runner (call.c). */
void alri_slot_drain(alri_slot *s);

/* ---- server.c ---- */
/* A server connection's reader has ended (wakes the acceptor to reap it). */
void alri_server_conn_done(alr_server *srv);

#endif /* ALR_RPC_INTERNAL_H */

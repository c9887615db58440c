/*
 * alr/rpc.h - endpoints, servers and calls: the runtime side of generated
 * stubs and dispatch tables (spec/c-api.md).
 *
 * An alr_endpoint is one TCP connection to a peer, after the handshake.  An
 * alr_server listens, accepts connections (each one an alr_endpoint) and
 * serves the services registered on it with a worker pool.  Generated code
 * describes a schema with one alr_iface (blob, descriptors, method table);
 * stubs call alr_call_sync() on the thread's current endpoint.
 *
 * Threads: any number of threads may share one endpoint.  A thread blocked
 * in a sync call runs the inbound calls addressed to its queue slot
 * (continuation), so a server calling back into the client during a call is
 * served on the calling thread.  Ownership is stated per function.
 */
#ifndef ALR_RPC_H
#define ALR_RPC_H

#include <stdbool.h>

#include "alr.h"
#include "codec.h"
#include "plan.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct alr_endpoint alr_endpoint;
typedef struct alr_server alr_server;
typedef struct alr_call alr_call;

/* ---- the generated description of a schema ---- */

/* Calls the user's handler for one method: `handlers` is the generated
 * handler table registered for the method's service, args the decoded
 * argument struct, ret the zeroed result struct (NULL when none).  Returns
 * the handler's alr_err (ALR_OK, or an error sent back to the caller). */
typedef alr_err (*alr_invoke_fn)(alr_call *call, const void *handlers, void *args, void *ret);

typedef struct alr_method_info {
    const char *name;             /* qualified: "cityguide.CityGuide.add" */
    uint32_t service;             /* local service index */
    uint8_t kind;                 /* alr_method_kind */
    uint8_t mode;                 /* alr_return_mode */
    uint32_t deadline_ms;         /* @deadline, 0 = the endpoint's default */
    const alr_struct_desc *args;  /* argument struct (index ALR_DESC_ARGS | method) */
    const alr_struct_desc *ret;   /* result struct, member "return"; NULL when none */
    alr_invoke_fn invoke;         /* server side; never NULL */
} alr_method_info;

typedef struct alr_iface {
    const char *package;
    const uint8_t *blob;          /* the schema blob, as alrc wrote it */
    size_t blob_len;
    uint32_t nmethods;
    const alr_method_info *methods;  /* by local method index */
    uint32_t nservices;
    const char *const *services;     /* qualified names, by local service index */
} alr_iface;

/* ---- configuration ---- */

typedef enum alr_log_level { ALR_LOG_ERROR = 0, ALR_LOG_WARN = 1, ALR_LOG_INFO = 2, ALR_LOG_DEBUG = 3 } alr_log_level;

/* A log line (no newline).  msg is valid only during the call. */
typedef void (*alr_log_fn)(void *user, alr_log_level level, const char *msg);

typedef struct alr_config {
    uint32_t call_timeout_ms;      /* default deadline of a call (30000); never infinite */
    uint32_t handshake_timeout_ms; /* whole handshake (10000) */
    uint32_t connect_timeout_ms;   /* TCP connect (10000) */
    uint32_t workers;              /* cap on worker threads, started on demand (64) */
    uint32_t max_message;          /* bytes in one frame (64 MiB) */
    alr_log_fn log;                /* NULL: silent (the default) */
    void *log_user;
    /* ---- batching and flow control (spec/threading.md section 12) ---- */
    uint32_t max_batch_bytes;      /* the flusher writes at once when this much is
                                      staged (256 KiB) */
    uint32_t flush_delay_us;       /* the longest a deferred (async, oneway) frame
                                      waits for company while producers keep
                                      appending (1000 us); 0 = no lingering */
    uint32_t thread_send_budget;   /* bytes one thread may have staged and not yet
                                      written on one endpoint (4 MiB) */
    uint32_t endpoint_send_budget; /* bytes staged and not yet written on one
                                      endpoint, all threads (16 MiB) */
    uint32_t max_async_outstanding; /* async calls in flight per endpoint; at the cap
                                       alr_call_async fails with ALR_EAGAIN (65536) */
    uint32_t max_batch_frames;     /* a thread handling a batch (the reader, a slot's
                                      runner) writes the frames it holds once it holds
                                      this many (512; with async calls of this side in
                                      flight, half of those, at least 32): smaller
                                      batches start the peer sooner, larger ones take
                                      fewer syscalls */
    /* ---- where handlers run (spec/threading.md section 14) ---- */
    bool inline_calls;             /* run the peer's calls on the connection's reader
                                      thread instead of a worker (false).  No thread
                                      hand-off: the lowest latency and CPU per call.
                                      Handlers must then not block, and must not make
                                      sync calls on their own connection (ALR_EINVAL) */
} alr_config;

/* Fills cfg with the documented defaults. */
void alr_config_init(alr_config *cfg);

/* ---- client: endpoints ---- */

/* Connects to "host:port" (IPv4, "[v6]:port", or a name), performs the
 * handshake with iface's schema and returns a ready endpoint the caller owns
 * (alr_endpoint_close).  cfg may be NULL (defaults); it is copied. */
alr_err alr_endpoint_connect(const char *addr, const alr_iface *iface, const alr_config *cfg,
                             alr_endpoint **out);

/* Closes the connection (orderly: pending calls fail with ALR_ECLOSED),
 * joins the endpoint's threads and frees it.  NULL is allowed.  Must not be
 * called from one of the endpoint's own handler threads. */
void alr_endpoint_close(alr_endpoint *ep);

/* Serves a service of ep's iface on this connection (callbacks from the
 * peer).  handlers (a generated table) and user must outlive ep. */
alr_err alr_endpoint_serve(alr_endpoint *ep, uint32_t service, const void *handlers, void *user);

/* The peer's capabilities (the handshake's plan), owned by ep. */
const alr_plan *alr_endpoint_plan(const alr_endpoint *ep);
/* The iface ep was connected (or accepted) with; NULL for NULL. */
const alr_iface *alr_endpoint_iface(const alr_endpoint *ep);

/* ALR_OK while healthy; else the first fatal error (fault state). */
alr_err alr_endpoint_status(const alr_endpoint *ep);
/* Text of the first fatal error ("" when healthy); owned by ep. */
const char *alr_endpoint_error(const alr_endpoint *ep);

/* ---- statistics (spec/threading.md section 12) ---- */

#define ALR_STATS_BATCH_BUCKETS 20

/* Counters of one endpoint since it was created.  Every field is read
 * with relaxed atomics: each is exact, the set is not one snapshot. */
typedef struct alr_stats {
    uint64_t messages_sent;     /* frames written (calls, replies, control) */
    uint64_t bytes_sent;        /* bytes written after the handshake */
    uint64_t messages_received; /* frames received */
    uint64_t bytes_received;    /* bytes read after the handshake */
    uint64_t writes;            /* write syscalls (sendmsg) */
    uint64_t reads;             /* read syscalls that returned bytes */
    uint64_t batches;           /* flushes: one buffer of frames handed to the
                                   socket (>= 1 write each) */
    /* batch_frames[i]: flushes that carried [2^i, 2^(i+1)) frames (the last
     * bucket: 2^19 and more) */
    uint64_t batch_frames[ALR_STATS_BATCH_BUCKETS];
    uint64_t staged_bytes;      /* now: staged and not yet written */
    uint64_t staged_bytes_max;  /* the most ever staged at once */
    uint64_t async_outstanding; /* now: async calls in flight */
    uint64_t async_outstanding_max;
    uint64_t throttled;         /* times a producer waited on a send budget */
    uint64_t inline_flushes;    /* flushes done by the calling thread */
    uint64_t flusher_flushes;   /* flushes done by the endpoint's flusher thread */
    uint64_t rx_queued_bytes_max; /* the most memory of the peer's calls queued for the
                                     runners at once (spec/threading.md section 12) */
    uint64_t rx_pauses;         /* times the reader stopped reading to let the runners
                                   catch up (receive-side push-back) */
} alr_stats;

/* Fills *out with ep's counters.  ALR_EINVAL for NULL. */
alr_err alr_endpoint_stats(const alr_endpoint *ep, alr_stats *out);

/* ---- latency recorder (for users: benchmarks, monitoring) ----
 *
 * A log-bucketed histogram of nanosecond values: values below 16 are
 * exact; above, each power of two is split in 16 buckets, so a reported
 * percentile is within 1/32 (3.2 %) of a value recorded in its bucket
 * (the bucket's midpoint is reported, clamped to [min, max]).  min, max
 * and mean are exact.  alr_latency_add is lock-free (relaxed atomics) and
 * may be called from any number of threads; a summary taken while adds
 * run sees some of them. */
typedef struct alr_latency alr_latency;

typedef struct alr_latency_report {
    uint64_t count;
    uint64_t min, max;  /* 0 when count is 0 */
    double mean;
    uint64_t p50, p90, p99;
} alr_latency_report;

/* A new, empty recorder (NULL when out of memory); alr_latency_free. */
alr_latency *alr_latency_new(void);
void alr_latency_add(alr_latency *l, uint64_t ns);
/* Summarises what was added so far into *s. */
void alr_latency_summary(const alr_latency *l, alr_latency_report *s);
/* Forgets every value (not concurrently with adds). */
void alr_latency_reset(alr_latency *l);
void alr_latency_free(alr_latency *l);

/* ---- ambient context (thread-local scopes) ---- */

/* Makes ep the current endpoint of this thread until the matching pop.
 * Scopes nest; ep is not owned. */
void alr_endpoint_push(alr_endpoint *ep);
void alr_endpoint_pop(void);
/* The current endpoint of this thread, or NULL. */
alr_endpoint *alr_endpoint_current(void);

/* Sets the deadline of calls made by this thread until the matching pop
 * (0 = the endpoint's default; never infinite).  Scopes nest. */
void alr_timeout_push(uint32_t ms);
void alr_timeout_pop(void);

/* ---- remote execution scopes (spec/threading.md section 13) ----
 *
 * Where the peer runs the calls this thread makes on its own slot of an
 * endpoint (sync, async and one-way calls alike).  Scopes nest (the
 * innermost wins) and are per thread; they apply to every endpoint the
 * thread calls.  Calls made while running a handler, on the caller's slot,
 * keep going to the peer's waiting thread (continuation) and ignore them.
 * Both ends must speak the SCOPE frame (spec/wire-format.md section 1). */

/* Remote thread scope: until the matching pop, every call this thread makes
 * on an endpoint runs, in order, on ONE dedicated thread of the peer, so
 * remote thread-local state is reused from call to call.  The dedicated
 * thread is one of the peer's workers, held until the scope ends (or the
 * connection does). */
void alr_remote_thread_push(void);
void alr_remote_thread_pop(void);

/* Remote pool scope: calls made inside it, from any number of threads
 * entering the same scope object, run on at most n threads of the peer at
 * once (per connection); each thread's calls still run in order, and the
 * threads' turns are taken first come, first served. */
typedef struct alr_remote_pool alr_remote_pool;
/* A new scope object (n >= 1; 0 is taken as 1); NULL when out of memory.
 * alr_remote_pool_free frees it (threads still inside keep their scope). */
alr_remote_pool *alr_remote_pool_new(uint32_t n);
void alr_remote_pool_free(alr_remote_pool *p);
/* Enters p on this thread until the matching pop (p NULL: ignored). */
void alr_remote_pool_push(alr_remote_pool *p);
void alr_remote_pool_pop(void);

/* ---- calls (what generated stubs use) ---- */

/* Calls local method `method` of iface on the current endpoint and waits for
 * its reply.  args points to the method's argument struct; ret (may be NULL
 * when the method returns nothing) receives the result struct, whose
 * strings and lists are allocated in arena (caller owned; NULL is allowed
 * only when the result has no variable-size parts).  Errors: ALR_ENOENDPOINT
 * (no current endpoint), ALR_EWRONGENDPOINT (its iface is not `iface`),
 * ALR_ENOMETHOD (the peer lacks the method), ALR_ETIMEDOUT, ALR_ECLOSED,
 * ALR_EFAULTED, ALR_EPROTO, or the error the remote handler returned. */
alr_err alr_call_sync(const alr_iface *iface, uint32_t method, const void *args, void *ret,
                      alr_arena *arena);

/* ---- async calls, one-way calls and frames (spec/c-api.md, "Async
 * calls, one-way calls and frames"; spec/threading.md section 11) ---- */

typedef struct alr_async alr_async;
typedef struct alr_frame alr_frame;

typedef enum alr_async_state {
    ALR_ASYNC_PENDING = 0,   /* not complete yet */
    ALR_ASYNC_OK = 1,        /* replied; alr_async_value() holds the result */
    ALR_ASYNC_ERROR = 2,     /* the peer answered an error, or the endpoint failed */
    ALR_ASYNC_CANCELLED = 3, /* alr_async_cancel / alr_frame_cancel won the race */
    ALR_ASYNC_TIMED_OUT = 4  /* the call's deadline passed first */
} alr_async_state;

/* Completion callback: runs exactly once per alr_async_then, on the thread
 * that completes the call (see alr_async_then).  h is valid during the
 * call (alr_async_retain keeps it longer). */
typedef void (*alr_async_fn)(alr_async *h, void *user);

/* Starts local method `method` of iface on the current endpoint without
 * waiting (checks and errors as alr_call_sync; one-way methods: EINVAL,
 * use alr_call_oneway).  Flow control: waits for room in the send budgets
 * up to the call's deadline (then ALR_ETIMEDOUT); with
 * max_async_outstanding calls of the endpoint in flight it fails at once
 * with ALR_EAGAIN (it never blocks on that cap).  On ALR_OK *out is a new handle the caller owns
 * (alr_async_release); a failure after the send (endpoint closed, ...)
 * completes the handle.  On an error *out is NULL and nothing was sent.
 * The deadline is that of alr_call_sync (timeout stack, @deadline,
 * config); the call joins this thread's innermost open frame, if any. */
alr_err alr_call_async(const alr_iface *iface, uint32_t method, const void *args,
                       alr_async **out);

/* Sets h's completion callback (one per handle: a second is ALR_EINVAL).
 * Already complete: fn runs now, on the calling thread.  Else fn runs on
 * the thread that completes h: the endpoint's reader (reply, error), the
 * library's timer thread (deadline), the thread calling alr_async_cancel /
 * alr_frame_cancel / alr_frame_pop (cancel), or the thread failing the
 * endpoint (its reader, or the one calling alr_endpoint_close).  fn must
 * not block on a sync call of the same endpoint (it may run on its reader);
 * it may start async calls and release handles. */
alr_err alr_async_then(alr_async *h, alr_async_fn fn, void *user);

/* Waits up to timeout_ms (0: do not wait; ALR_WAIT_FOREVER: until
 * complete - the call's own deadline bounds it) and returns the call's
 * result (alr_async_error), or ALR_EAGAIN when it is still pending. */
#define ALR_WAIT_FOREVER UINT32_MAX
alr_err alr_async_wait(alr_async *h, uint32_t timeout_ms);

/* Cancels h: ALR_OK when this completed it (state CANCELLED, a CANCEL is
 * sent: the callee sees alr_call_cancelled()), ALR_EAGAIN when it was
 * already complete (nothing changes). */
alr_err alr_async_cancel(alr_async *h);

alr_async_state alr_async_state_of(const alr_async *h);
/* ALR_OK (state OK), ALR_EAGAIN (pending), ALR_ECANCELED, ALR_ETIMEDOUT, or
 * the error (remote handler's code, ALR_ECLOSED, ALR_EFAULTED, ...). */
alr_err alr_async_error(const alr_async *h);
int64_t alr_async_app_code(const alr_async *h);
/* The error text ("" when OK or pending); owned by h. */
const char *alr_async_error_text(const alr_async *h);
/* The decoded result struct (state OK and a method with a result), owned
 * by h's own arena and valid until the last release; else NULL. */
const void *alr_async_value(const alr_async *h);
/* The local method index h calls. */
uint32_t alr_async_method(const alr_async *h);

/* Reference counting: the creator holds one reference; retain adds one,
 * release drops one (the last frees h, its arena and its value).  NULL is
 * allowed.  Releasing a pending handle does not cancel it. */
void alr_async_retain(alr_async *h);
void alr_async_release(alr_async *h);

/* Calls a oneway or oneway status method on the current endpoint and
 * returns once the frame is staged for writing (batched: spec/threading.md
 * section 12; checks as alr_call_sync; other modes: ALR_EINVAL).  Flow
 * control: when the send budgets (thread_send_budget, endpoint_send_budget)
 * are full it waits for room up to the call's deadline, then fails with
 * ALR_ETIMEDOUT and nothing is sent.  `oneway`: a failure on the peer comes back as FAULT and
 * faults the endpoint.  `oneway status`: inside a frame it is tracked by
 * the frame (a failure reaches the frame's error callback and its pop;
 * success is confirmed by the frame's flush); outside any frame it behaves
 * as `oneway` (a failure faults the endpoint - never silently). */
alr_err alr_call_oneway(const alr_iface *iface, uint32_t method, const void *args);

/* Frame error callback: h (valid during the call) failed: ERROR,
 * TIMED_OUT, or an error of the endpoint.  Cancelled ops are not reported.
 * Runs on the thread completing h (as alr_async_then). */
typedef void (*alr_frame_error_fn)(alr_frame *fr, alr_async *h, void *user);

/* Opens a frame on this thread (a scope of async and oneway status calls):
 * every alr_call_async / tracked alr_call_oneway this thread starts until
 * the matching pop belongs to it (the innermost frame only).  A frame
 * pushed inside another inherits its error callback and is cancelled with
 * it.  NULL when out of memory (calls then join the enclosing frame). */
alr_frame *alr_frame_push(void);
/* Closes this thread's innermost frame: flushes its oneway status calls
 * (one round trip per slot used), waits for every op in it, up to
 * timeout_ms (0: no limit beyond the ops' own deadlines); ops still pending
 * then are cancelled.  Returns ALR_OK, ALR_ETIMEDOUT (the limit passed), or
 * the first error of an op (cancelled ops do not count).  ALR_EINVAL when
 * the thread has no frame, or when it is the reader of a pending op's
 * connection (a completion callback, an inline handler), which only it
 * could complete: the frame is then detached (alr_frame_detach) instead of
 * waited for.  Frees the frame (a detached one when its last op ends). */
alr_err alr_frame_pop(uint32_t timeout_ms);
/* The error callback of fr (and of frames pushed inside it later). */
void alr_frame_on_error(alr_frame *fr, alr_frame_error_fn fn, void *user);
/* Cancels every pending op of fr and of the open frames nested in it, and
 * every op started in them afterwards (ALR_ECANCELED at once).  Any thread,
 * any time before fr is popped (or, detached, freed). */
void alr_frame_cancel(alr_frame *fr);
/* Pops fr (this thread's innermost frame) without waiting: its ops go on,
 * its error callback still runs, nobody waits for them; freed when the last
 * completes.  Its oneway status calls are not flushed (a failure still
 * reaches the callback; success frees their ids at endpoint close).
 * ALR_EINVAL when fr is not the innermost frame. */
alr_err alr_frame_detach(alr_frame *fr);
/* This thread's innermost open frame, or NULL. */
alr_frame *alr_frame_current(void);

/* ---- server ---- */

/* Creates a server for iface (not owned; must outlive the server). */
alr_err alr_server_new(const alr_iface *iface, const alr_config *cfg, alr_server **out);
/* Serves `service` (local index) with a generated handler table; handlers
 * and user must outlive the server.  Call before alr_server_listen. */
alr_err alr_server_serve(alr_server *srv, uint32_t service, const void *handlers, void *user);
/* Binds "host:port" (port 0 picks a free one) and starts accepting. */
alr_err alr_server_listen(alr_server *srv, const char *addr);
/* The bound port (after listen), or 0. */
uint16_t alr_server_port(const alr_server *srv);
/* Stops accepting, closes every connection, joins every thread, frees. */
void alr_server_close(alr_server *srv);

/* ---- callee side: the context of one inbound call ---- */

/* The user pointer given with the handler table. */
void *alr_call_user(const alr_call *call);
/* The connection the call came from (for callbacks; it is also the current
 * endpoint while the handler runs). */
alr_endpoint *alr_call_endpoint(const alr_call *call);
/* True once the caller's deadline has passed. */
bool alr_call_timed_out(const alr_call *call);
/* True once the caller cancelled the call. */
bool alr_call_cancelled(const alr_call *call);
/* Arena for the handler's results (strings, lists): released after the
 * reply is sent. */
alr_arena *alr_call_arena(alr_call *call);
/* Sets the text sent with an error return (copied; at most 1023 bytes). */
void alr_call_set_error(alr_call *call, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For result<T,E> / status<E> methods: the handler returns ALR_EAPP after
 * setting the application error code (a value of E) and an optional text. */
void alr_call_set_app_error(alr_call *call, int64_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- caller side: details of this thread's last failed call ---- */

/* Text of the last call on this thread that failed ("" after a success);
 * valid until this thread's next call.  Owned by the library. */
const char *alr_last_error_text(void);
/* Application error code of the last ALR_EAPP on this thread (0 if none). */
int64_t alr_last_app_code(void);

#ifdef __cplusplus
}
#endif

#endif /* ALR_RPC_H */

/*
 * fake_rpc.c - the stand-in runtime of fake_rpc.h.  A call encodes the
 * arguments with the method's argument descriptor, decodes them into a fresh
 * argument struct, runs the handler through the method's invoke thunk, and
 * carries the result back the same way (NULL plans: one schema both sides).
 * ALR_EAPP sets the caller's last app code and text as the runtime does.
 * Async calls run to completion inside alr_call_async (the handle is born
 * complete); oneway calls run the handler and keep its error for
 * fake_rpc_last_oneway_error().
 */
#include "fake_rpc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX 8
#define FAKE_MAX_SERVICES 64

struct alr_server {
    const alr_iface *iface;
    const void *handlers[FAKE_MAX_SERVICES];
    void *user[FAKE_MAX_SERVICES];
};

struct alr_endpoint {
    const alr_iface *iface;
    const alr_plan *plan;
    const void *handlers[FAKE_MAX_SERVICES];
    void *user[FAKE_MAX_SERVICES];
};

struct alr_call {
    void *user;
    alr_arena *arena;
    alr_endpoint *ep;
    int64_t app_code;
    char text[1024];
};

static alr_server *servers[FAKE_MAX];
static alr_endpoint *endpoints[FAKE_MAX];
static alr_endpoint *stack[16];
static int depth;
static uint32_t last_method = ALR_NONE;
static int64_t last_app;
static char last_text[1024];

alr_server *fake_rpc_server(const alr_iface *iface)
{
    for (int i = 0; i < FAKE_MAX; i++)
        if (!servers[i]) {
            servers[i] = calloc(1, sizeof *servers[i]);
            if (servers[i])
                servers[i]->iface = iface;
            return servers[i];
        }
    return NULL;
}

alr_endpoint *fake_rpc_endpoint(const alr_iface *iface, const alr_plan *plan)
{
    for (int i = 0; i < FAKE_MAX; i++)
        if (!endpoints[i]) {
            endpoints[i] = calloc(1, sizeof *endpoints[i]);
            if (endpoints[i]) {
                endpoints[i]->iface = iface;
                endpoints[i]->plan = plan;
            }
            return endpoints[i];
        }
    return NULL;
}

uint32_t fake_rpc_last_method(void)
{
    return last_method;
}

void fake_rpc_reset(void)
{
    for (int i = 0; i < FAKE_MAX; i++) {
        free(servers[i]);
        free(endpoints[i]);
        servers[i] = NULL;
        endpoints[i] = NULL;
    }
    depth = 0;
    last_method = ALR_NONE;
}

/* ---- rpc.h, renamed ---- */

void alr_endpoint_push(alr_endpoint *ep)
{
    if (depth < 16)
        stack[depth++] = ep;
}

void alr_endpoint_pop(void)
{
    if (depth > 0)
        depth--;
}

alr_endpoint *alr_endpoint_current(void)
{
    return depth ? stack[depth - 1] : NULL;
}

const alr_plan *alr_endpoint_plan(const alr_endpoint *ep)
{
    return ep ? ep->plan : NULL;
}

alr_err alr_server_serve(alr_server *srv, uint32_t service, const void *handlers, void *user)
{
    if (!srv || service >= srv->iface->nservices || service >= FAKE_MAX_SERVICES)
        return ALR_EINVAL;
    srv->handlers[service] = handlers;
    srv->user[service] = user;
    return ALR_OK;
}

alr_err alr_endpoint_serve(alr_endpoint *ep, uint32_t service, const void *handlers, void *user)
{
    if (!ep || service >= ep->iface->nservices || service >= FAKE_MAX_SERVICES)
        return ALR_EINVAL;
    ep->handlers[service] = handlers;
    ep->user[service] = user;
    return ALR_OK;
}

void *alr_call_user(const alr_call *call)
{
    return call ? call->user : NULL;
}

alr_arena *alr_call_arena(alr_call *call)
{
    return call ? call->arena : NULL;
}

void alr_call_set_error(alr_call *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->text, sizeof call->text, fmt, ap);
    va_end(ap);
}

void alr_call_set_app_error(alr_call *call, int64_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->text, sizeof call->text, fmt, ap);
    va_end(ap);
    call->app_code = code;
}

const char *alr_last_error_text(void)
{
    return last_text;
}

int64_t alr_last_app_code(void)
{
    return last_app;
}

static alr_err fail(alr_err e, int64_t app, const char *text)
{
    last_app = e == ALR_EAPP ? app : 0;
    snprintf(last_text, sizeof last_text, "%s", text);
    return e;
}

/* One call, run to completion: *sent becomes 1 once the local checks pass
 * (what the real runtime would have put on the wire). */
static alr_err run(const alr_iface *iface, uint32_t method, const void *args, void *ret,
                   alr_arena *arena, int *sent)
{
    last_method = method;
    *sent = 0;
    alr_endpoint *ep = alr_endpoint_current();
    if (!ep)
        return fail(ALR_ENOENDPOINT, 0, "no current endpoint");
    if (ep->iface != iface)
        return fail(ALR_EWRONGENDPOINT, 0, "wrong endpoint");
    if (method >= iface->nmethods)
        return fail(ALR_EINVAL, 0, "no such method");
    const alr_method_info *mi = &iface->methods[method];
    const void *handlers = NULL;
    void *user = NULL;
    for (int i = 0; i < FAKE_MAX && !handlers; i++)
        if (servers[i] && servers[i]->iface == iface) {
            handlers = servers[i]->handlers[mi->service];
            user = servers[i]->user[mi->service];
        }
    if (!handlers)
        return fail(ALR_ENOMETHOD, 0, "nobody serves the method");
    *sent = 1;
    alr_call call;
    memset(&call, 0, sizeof call);
    call.user = user;
    call.ep = ep;
    call.arena = alr_arena_new();
    alr_buf buf = {0};
    void *sargs = calloc(1, mi->args->size);
    void *sret = mi->ret ? calloc(1, mi->ret->size) : NULL;
    alr_err e = ALR_ENOMEM;
    if (!call.arena || !sargs || (mi->ret && !sret))
        goto done;
    if ((e = alr_encode(mi->args, NULL, args, &buf)) != ALR_OK)
        goto done;
    if ((e = alr_decode(mi->args, NULL, buf.data, buf.len, sargs, call.arena, NULL)) != ALR_OK)
        goto done;
    e = mi->invoke(&call, handlers, sargs, sret);
    if (e != ALR_OK) {
        fail(e, call.app_code, call.text);
        goto done;
    }
    if (mi->mode == ALR_RET_ONEWAY || mi->mode == ALR_RET_ONEWAY_STATUS)
        goto done;
    if (mi->ret && ret) {
        buf.len = 0;
        alr_arena *tmp = arena ? NULL : alr_arena_new();
        if ((e = alr_encode(mi->ret, NULL, sret, &buf)) == ALR_OK)
            e = alr_decode(mi->ret, NULL, buf.data, buf.len, ret, arena ? arena : tmp, NULL);
        alr_arena_free(tmp);
    }
done:
    if (e == ALR_OK)
        fail(ALR_OK, 0, "");
    free(buf.data);
    free(sargs);
    free(sret);
    alr_arena_free(call.arena);
    return e;
}

static int oneway_mode(const alr_iface *iface, uint32_t method)
{
    return iface && method < iface->nmethods &&
           (iface->methods[method].mode == ALR_RET_ONEWAY ||
            iface->methods[method].mode == ALR_RET_ONEWAY_STATUS);
}

alr_err alr_call_sync(const alr_iface *iface, uint32_t method, const void *args, void *ret,
                      alr_arena *arena)
{
    int sent;
    alr_err e = run(iface, method, args, ret, arena, &sent);
    /* oneway: the caller sees the send, not the handler */
    return sent && oneway_mode(iface, method) ? ALR_OK : e;
}

static alr_err oneway_err = ALR_OK;

alr_err fake_rpc_last_oneway_error(void)
{
    return oneway_err;
}

alr_err alr_call_oneway(const alr_iface *iface, uint32_t method, const void *args)
{
    last_method = method;
    if (!oneway_mode(iface, method))
        return fail(ALR_EINVAL, 0, "not a oneway method");
    int sent;
    alr_err e = run(iface, method, args, NULL, NULL, &sent);
    if (!sent)
        return e;
    oneway_err = e; /* the real runtime reports it later (fault, frame) */
    return ALR_OK;
}

/* A handle of a call that ran to completion inside alr_call_async. */
struct alr_async {
    uint32_t method;
    alr_err err;
    int refs;
    alr_arena *arena;
    void *value;
};

alr_err alr_call_async(const alr_iface *iface, uint32_t method, const void *args, alr_async **out)
{
    last_method = method;
    if (!out)
        return ALR_EINVAL;
    *out = NULL;
    if (oneway_mode(iface, method))
        return fail(ALR_EINVAL, 0, "a oneway method");
    const alr_struct_desc *rd = iface && method < iface->nmethods ? iface->methods[method].ret : NULL;
    alr_async *h = calloc(1, sizeof *h);
    if (!h || !(h->arena = alr_arena_new()) ||
        (rd && !(h->value = alr_arena_alloc(h->arena, rd->size)))) {
        if (h)
            alr_arena_free(h->arena);
        free(h);
        return ALR_ENOMEM;
    }
    h->method = method;
    h->refs = 1;
    int sent;
    h->err = run(iface, method, args, h->value, h->arena, &sent);
    if (!sent) {
        alr_err e = h->err;
        alr_arena_free(h->arena);
        free(h);
        return e;
    }
    *out = h;
    return ALR_OK;
}

alr_err alr_async_wait(alr_async *h, uint32_t timeout_ms)
{
    (void)timeout_ms;
    return h ? h->err : ALR_EINVAL;
}

alr_err alr_async_error(const alr_async *h)
{
    return h ? h->err : ALR_EINVAL;
}

alr_async_state alr_async_state_of(const alr_async *h)
{
    return h && h->err == ALR_OK ? ALR_ASYNC_OK : ALR_ASYNC_ERROR;
}

const void *alr_async_value(const alr_async *h)
{
    return h && h->err == ALR_OK ? h->value : NULL;
}

uint32_t alr_async_method(const alr_async *h)
{
    return h ? h->method : ALR_NONE;
}

void alr_async_release(alr_async *h)
{
    if (h && --h->refs == 0) {
        alr_arena_free(h->arena);
        free(h);
    }
}

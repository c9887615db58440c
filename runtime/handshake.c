/*
 * handshake.c - HELLO encoding and decoding, and the step from a decoded
 * peer hello to a ready plan (load the peer's blob as hostile input, check
 * roles and versions, intersect).  Layout and rules: spec/handshake.md.
 */
#include "handshake.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static alr_err hs_fail(char *err, size_t errlen, alr_err code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static alr_err hs_fail(char *err, size_t errlen, alr_err code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

alr_err alri_hello_encode(alr_buf *out, alr_role role, uint32_t flags, const void *blob, size_t len)
{
    if (!out || (role != ALR_ROLE_CONNECTOR && role != ALR_ROLE_ACCEPTOR) ||
        (!blob && len > 0) || len > ALR_MAX_BLOB_SIZE)
        return ALR_EINVAL;
    size_t need = ALRI_HELLO_HEADER_SIZE + len;
    if (out->len > SIZE_MAX - need)
        return ALR_ENOMEM;
    if (out->cap - out->len < need || !out->data) {
        size_t ncap = out->cap ? out->cap : 64;
        while (ncap < out->len + need)
            ncap = ncap > SIZE_MAX / 2 ? out->len + need : ncap * 2;
        uint8_t *nd = realloc(out->data, ncap);
        if (!nd)
            return ALR_ENOMEM;
        out->data = nd;
        out->cap = ncap;
    }
    uint8_t *p = out->data + out->len;
    memcpy(p, ALRI_HELLO_MAGIC, ALRI_HELLO_MAGIC_LEN);
    p[4] = ALRI_PROTO_MAJOR;
    p[5] = ALRI_PROTO_MINOR;
    p[6] = (uint8_t)role;
    p[7] = 0;
    put32le(p + 8, flags);
    put32le(p + 12, (uint32_t)len);
    if (len)
        memcpy(p + ALRI_HELLO_HEADER_SIZE, blob, len);
    out->len += need;
    return ALR_OK;
}

alr_err alri_hello_decode(const void *data, size_t len, size_t *consumed, alri_hello *out,
                          char *err, size_t errlen)
{
    if (consumed)
        *consumed = 0;
    if (out)
        memset(out, 0, sizeof *out);
    if ((!data && len) || !out)
        return hs_fail(err, errlen, ALR_EINVAL, "invalid argument");
    if (len == 0)
        return hs_fail(err, errlen, ALR_EAGAIN, "incomplete hello");
    const uint8_t *p = data;
    /* judge each byte as soon as it is there: a wrong peer fails fast */
    size_t m = len < ALRI_HELLO_MAGIC_LEN ? len : ALRI_HELLO_MAGIC_LEN;
    if (memcmp(p, ALRI_HELLO_MAGIC, m) != 0) {
        if (p[0] >= 0x14 && p[0] <= 0x18)
            return hs_fail(err, errlen, ALR_EPROTO,
                           "bad hello magic (the peer seems to speak TLS; this side does not)");
        return hs_fail(err, errlen, ALR_EPROTO, "bad hello magic (not an ALR peer)");
    }
    if (len < ALRI_HELLO_MAGIC_LEN + 1)
        return hs_fail(err, errlen, ALR_EAGAIN, "incomplete hello");
    if (p[4] != ALRI_PROTO_MAJOR)
        return hs_fail(err, errlen, ALR_EVERSION,
                       "peer speaks protocol %u.x, this side %u.%u", p[4], ALRI_PROTO_MAJOR,
                       ALRI_PROTO_MINOR);
    if (len < ALRI_HELLO_HEADER_SIZE)
        return hs_fail(err, errlen, ALR_EAGAIN, "incomplete hello");
    uint8_t role = p[6];
    uint32_t flags = get32le(p + 8);
    uint32_t blen = get32le(p + 12);
    if (role != ALR_ROLE_CONNECTOR && role != ALR_ROLE_ACCEPTOR)
        return hs_fail(err, errlen, ALR_EPROTO, "bad role %u in hello", role);
    if ((flags & ALRI_HELLO_F_CRITICAL_MASK & ~ALRI_HELLO_F_CRITICAL_KNOWN) != 0)
        return hs_fail(err, errlen, ALR_EVERSION, "peer requires unknown features (flags 0x%08x)",
                       (unsigned)(flags & ALRI_HELLO_F_CRITICAL_MASK));
    if (blen > ALR_MAX_BLOB_SIZE)
        return hs_fail(err, errlen, ALR_ELIMIT, "peer schema of %u bytes exceeds the limit of %u",
                       (unsigned)blen, (unsigned)ALR_MAX_BLOB_SIZE);
    if (len - ALRI_HELLO_HEADER_SIZE < blen)
        return hs_fail(err, errlen, ALR_EAGAIN, "incomplete hello");
    out->major = p[4];
    out->minor = p[5];
    out->role = role;
    out->flags = flags;
    out->blob = p + ALRI_HELLO_HEADER_SIZE;
    out->blob_len = blen;
    if (consumed)
        *consumed = ALRI_HELLO_HEADER_SIZE + (size_t)blen;
    if (err && errlen)
        err[0] = '\0';
    return ALR_OK;
}

static const char *role_name(unsigned r)
{
    return r == ALR_ROLE_CONNECTOR ? "connector" : r == ALR_ROLE_ACCEPTOR ? "acceptor" : "?";
}

alr_err alri_handshake(const alr_schema *local, const alri_hello *peer, alr_role local_role,
                       alr_schema **peer_out, alr_plan **plan_out, char *err, size_t errlen)
{
    if (peer_out)
        *peer_out = NULL;
    if (plan_out)
        *plan_out = NULL;
    if (!local || !peer || !plan_out ||
        (local_role != ALR_ROLE_CONNECTOR && local_role != ALR_ROLE_ACCEPTOR) ||
        (!peer->blob && peer->blob_len))
        return hs_fail(err, errlen, ALR_EINVAL, "invalid argument");
    if (peer->major != ALRI_PROTO_MAJOR)
        return hs_fail(err, errlen, ALR_EVERSION, "peer hello: protocol %u.%u, this side %u.%u",
                       peer->major, peer->minor, ALRI_PROTO_MAJOR, ALRI_PROTO_MINOR);
    if (peer->role != ALR_ROLE_CONNECTOR && peer->role != ALR_ROLE_ACCEPTOR)
        return hs_fail(err, errlen, ALR_EPROTO, "peer hello: bad role %u", peer->role);
    if (peer->role == (uint8_t)local_role)
        return hs_fail(err, errlen, ALR_EPROTO, "peer hello: both sides are %ss",
                       role_name(local_role));
    if (peer->blob_len > ALR_MAX_BLOB_SIZE)
        return hs_fail(err, errlen, ALR_ELIMIT, "peer hello: schema of %u bytes exceeds %u",
                       (unsigned)peer->blob_len, (unsigned)ALR_MAX_BLOB_SIZE);
    char why[200] = "";
    alr_schema *ps = NULL;
    alr_err e = alr_schema_load(peer->blob, peer->blob_len, &ps, why, sizeof why);
    if (e != ALR_OK) {
        alr_schema_free(ps);
        return hs_fail(err, errlen, e, "peer schema: %s", why[0] ? why : alr_strerror(e));
    }
    alr_plan *plan = NULL;
    e = alr_plan_build(local, ps, local_role, &plan, why, sizeof why);
    if (e != ALR_OK) {
        alr_schema_free(ps);
        return hs_fail(err, errlen, e, "plan: %s", why[0] ? why : alr_strerror(e));
    }
    *plan_out = plan;
    if (peer_out)
        *peer_out = ps;
    else
        alr_schema_free(ps);
    if (err && errlen)
        err[0] = '\0';
    return ALR_OK;
}

/*
 * frame.c - writing and parsing frame headers: size, kind|slot byte and
 * the per-kind LEB128 fields.  Bodies are the codec's (codec.c) or text;
 * matching replies to calls is the dispatcher's.  Layout: spec/wire-format.md.
 */
#include "frame.h"

#include <stdbool.h>
#include <string.h>

#include "wire.h"

/* Which fields each kind carries, in wire order. */
enum {
    F_METHOD = 1,
    F_OBJECT = 2,
    F_CALL = 4,
    F_CODE = 8,
    F_APP = 16,
    F_TOKEN = 32,
    F_NOBODY = 64, /* a body is a protocol error */
    F_SCOPE = 128  /* mode, group, limit */
};

static const unsigned kind_fields[ALRI_FRAME_KIND_COUNT_] = {
    [ALRI_FRAME_CALL] = F_METHOD | F_CALL,
    [ALRI_FRAME_CALL_OBJ] = F_METHOD | F_OBJECT | F_CALL,
    [ALRI_FRAME_ONEWAY] = F_METHOD,
    [ALRI_FRAME_ONEWAY_OBJ] = F_METHOD | F_OBJECT,
    [ALRI_FRAME_REPLY] = F_CALL,
    [ALRI_FRAME_ERROR] = F_CALL | F_CODE | F_APP,
    [ALRI_FRAME_CANCEL] = F_CALL | F_NOBODY,
    [ALRI_FRAME_FAULT] = F_METHOD | F_CODE | F_APP,
    [ALRI_FRAME_PING] = F_TOKEN | F_NOBODY,
    [ALRI_FRAME_PONG] = F_TOKEN | F_NOBODY,
    [ALRI_FRAME_CLOSE] = F_CODE,
    [ALRI_FRAME_SCOPE] = F_SCOPE | F_NOBODY,
};

/* Bytes after the size field, before the body. */
static size_t fields_size(const alri_frame *f, unsigned fl)
{
    size_t n = 1;
    if (f->slot >= ALRI_FRAME_SLOT_EXT)
        n += alri_leb_size(f->slot);
    if (fl & F_METHOD)
        n += alri_leb_size(f->method);
    if (fl & F_OBJECT)
        n += alri_leb_size(f->object);
    if (fl & F_CALL)
        n += alri_leb_size(f->call_id);
    if (fl & F_CODE)
        n += alri_leb_size(f->code);
    if (fl & F_APP)
        n += alri_leb_size(alri_zigzag64(f->app_code));
    if (fl & F_TOKEN)
        n += alri_leb_size(f->token);
    if (fl & F_SCOPE)
        n += alri_leb_size(f->mode) + alri_leb_size(f->group) + alri_leb_size(f->limit);
    return n;
}

/* A SCOPE's fields have one meaning each: a known mode, a group and a
 * limit >= 1 exactly for POOL. */
static bool scope_valid(const alri_frame *f)
{
    if (f->mode == ALRI_SCOPE_POOL)
        return f->limit >= 1;
    return f->mode <= ALRI_SCOPE_THREAD && f->group == 0 && f->limit == 0;
}

size_t alri_frame_hdr_size(const alri_frame *f, size_t body_len)
{
    if (!f || f->kind >= ALRI_FRAME_KIND_COUNT_)
        return 0;
    unsigned fl = kind_fields[f->kind];
    if ((fl & F_NOBODY) && body_len)
        return 0;
    if ((fl & F_SCOPE) && !scope_valid(f))
        return 0;
    size_t n = fields_size(f, fl);
    if (body_len > UINT32_MAX - n)
        return 0;
    return alri_leb_size(n + body_len) + n;
}

size_t alri_frame_hdr_put(uint8_t *dst, const alri_frame *f, size_t body_len)
{
    size_t total = alri_frame_hdr_size(f, body_len);
    if (!total)
        return 0;
    unsigned fl = kind_fields[f->kind];
    size_t n = fields_size(f, fl);
    uint8_t *p = dst;
    p += alri_leb_put(p, n + body_len);
    if (f->slot >= ALRI_FRAME_SLOT_EXT) {
        *p++ = (uint8_t)(ALRI_FRAME_SLOT_EXT << 4 | f->kind);
        p += alri_leb_put(p, f->slot);
    } else {
        *p++ = (uint8_t)(f->slot << 4 | f->kind);
    }
    if (fl & F_METHOD)
        p += alri_leb_put(p, f->method);
    if (fl & F_OBJECT)
        p += alri_leb_put(p, f->object);
    if (fl & F_CALL)
        p += alri_leb_put(p, f->call_id);
    if (fl & F_CODE)
        p += alri_leb_put(p, f->code);
    if (fl & F_APP)
        p += alri_leb_put(p, alri_zigzag64(f->app_code));
    if (fl & F_TOKEN)
        p += alri_leb_put(p, f->token);
    if (fl & F_SCOPE) {
        p += alri_leb_put(p, f->mode);
        p += alri_leb_put(p, f->group);
        p += alri_leb_put(p, f->limit);
    }
    return (size_t)(p - dst);
}

/* One LEB128 field of at most max bits inside the frame [p, fend) where
 * `whole` says the frame is complete in the buffer.  0 ok, else an error. */
static alr_err get_field(const uint8_t **pp, const uint8_t *fend, int whole, unsigned bits,
                         uint64_t *out)
{
    int r = alri_leb_get(*pp, fend, out);
    if (r == 0)
        return whole ? ALR_EPROTO : ALR_EAGAIN;
    if (r < 0 || (bits < 64 && *out >> bits))
        return ALR_EPROTO;
    *pp += r;
    return ALR_OK;
}

/* The size field at p[0..n): *szlen bytes announcing *size more. */
static alr_err size_field(const uint8_t *p, size_t n, uint32_t max_frame, size_t *szlen,
                          uint64_t *size)
{
    if (!n)
        return ALR_EAGAIN;
    int r = alri_leb_get(p, p + (n < 5 ? n : 5), size);
    if (r == 0)
        return n >= 5 ? ALR_EPROTO : ALR_EAGAIN; /* a u32 takes at most 5 bytes */
    if (r < 0 || *size > UINT32_MAX || *size == 0)
        return ALR_EPROTO;
    if (*size > max_frame)
        return ALR_ELIMIT;
    *szlen = (size_t)r;
    return ALR_OK;
}

alr_err alri_frame_total(const uint8_t *p, size_t n, uint32_t max_frame, size_t *total)
{
    uint64_t size;
    size_t szlen;
    *total = 0;
    if (!p && n)
        return ALR_EINVAL;
    alr_err err = size_field(p, n, max_frame, &szlen, &size);
    if (err)
        return err;
    *total = szlen + (size_t)size;
    return ALR_OK;
}

static alr_err frame_parse(const uint8_t *p, size_t n, uint32_t max_frame, alri_frame *f)
{
    uint64_t size;
    size_t szlen;
    if (!p && n)
        return ALR_EINVAL;
    alr_err err = size_field(p, n, max_frame, &szlen, &size);
    if (err)
        return err;
    size_t total = szlen + (size_t)size;
    int whole = n >= total;
    const uint8_t *q = p + szlen, *fend = p + (whole ? total : n);
    if (q >= fend)
        return whole ? ALR_EPROTO : ALR_EAGAIN;
    uint8_t kb = *q++;
    unsigned kind = kb & 15u;
    uint64_t v;
    if (kind >= ALRI_FRAME_KIND_COUNT_)
        return ALR_EPROTO;
    f->kind = (uint8_t)kind;
    f->slot = kb >> 4;
    if (f->slot == ALRI_FRAME_SLOT_EXT) {
        if ((err = get_field(&q, fend, whole, 32, &v)) != ALR_OK)
            return err;
        if (v < ALRI_FRAME_SLOT_EXT)
            return ALR_EPROTO; /* fits the nibble: overlong */
        f->slot = (uint32_t)v;
    }
    unsigned fl = kind_fields[kind];
    if (fl & F_METHOD) {
        if ((err = get_field(&q, fend, whole, 32, &v)) != ALR_OK)
            return err;
        f->method = (uint32_t)v;
    }
    if ((fl & F_OBJECT) && (err = get_field(&q, fend, whole, 64, &f->object)) != ALR_OK)
        return err;
    if (fl & F_CALL) {
        if ((err = get_field(&q, fend, whole, 32, &v)) != ALR_OK)
            return err;
        f->call_id = (uint32_t)v;
    }
    if (fl & F_CODE) {
        if ((err = get_field(&q, fend, whole, 32, &v)) != ALR_OK)
            return err;
        f->code = (uint32_t)v;
    }
    if (fl & F_APP) {
        if ((err = get_field(&q, fend, whole, 64, &v)) != ALR_OK)
            return err;
        f->app_code = alri_unzigzag64(v);
    }
    if ((fl & F_TOKEN) && (err = get_field(&q, fend, whole, 64, &f->token)) != ALR_OK)
        return err;
    if (fl & F_SCOPE) {
        if ((err = get_field(&q, fend, whole, 32, &v)) != ALR_OK)
            return err;
        f->mode = (uint32_t)v;
        if ((err = get_field(&q, fend, whole, 64, &f->group)) != ALR_OK)
            return err;
        if ((err = get_field(&q, fend, whole, 32, &v)) != ALR_OK)
            return err;
        f->limit = (uint32_t)v;
        if (!scope_valid(f))
            return ALR_EPROTO;
    }
    f->hdr_len = (uint32_t)(q - p);
    f->body_len = (uint32_t)(total - f->hdr_len);
    if ((fl & F_NOBODY) && f->body_len)
        return ALR_EPROTO;
    return ALR_OK;
}

alr_err alri_frame_decode(const uint8_t *p, size_t n, uint32_t max_frame, alri_frame *f)
{
    memset(f, 0, sizeof *f);
    alr_err err = frame_parse(p, n, max_frame, f);
    if (err)
        memset(f, 0, sizeof *f);
    return err;
}

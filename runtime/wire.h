/*
 * wire.h - the byte-level primitives of the ALR wire format (internal):
 * the lead-byte map of compact values, their integer/length/count forms,
 * zigzag, and LEB128 varints (used by frame headers and the handshake).
 * Everything is static inline: these sit on the hot path of every value.
 * The value walker is codec.c, frames are frame.c; layout: spec/wire-format.md.
 *
 * Invariants: every writer below needs the room it names (ALRI_W_MAXINT
 * etc.) and never writes more; every reader is given [p, end) and never
 * reads outside it; every multi-byte form is minimal, readers reject
 * overlong forms, so each non-default value has exactly one encoding.
 */
#ifndef ALR_WIRE_H
#define ALR_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- lead bytes of a compact value (spec/wire-format.md "Lead bytes") ---- */
#define ALRI_W_UINT_INLINE_MAX 0x7Fu /* 0x01..0x7F: unsigned 1..127 (0x00 is rejected) */
#define ALRI_W_UINT_N 0x80u          /* 0x81..0x88: unsigned in n = lead-0x80 LE bytes */
#define ALRI_W_F32 0x89u             /* 4 bytes LE IEEE-754 binary32 */
#define ALRI_W_F64 0x8Au             /* 8 bytes LE IEEE-754 binary64 */
#define ALRI_W_STR_INLINE 0x8Fu      /* 0x90..0xBF: string/bytes of length lead-0x8F (1..48) */
#define ALRI_W_STR_INLINE_MAX 48u
#define ALRI_W_STR_N 0xC0u           /* 0xC1..0xC4: length in n = lead-0xC0 LE bytes */
#define ALRI_W_CNT_INLINE 0xC4u      /* 0xC5..0xD8: container count lead-0xC4 (1..20) */
#define ALRI_W_CNT_INLINE_MAX 20u
#define ALRI_W_CNT_N 0xD8u           /* 0xD9..0xDC: count in n = lead-0xD8 LE bytes */
#define ALRI_W_REF_N 0xE0u           /* 0xE1..0xE8: object id in n = lead-0xE0 LE bytes */
#define ALRI_W_DEFAULT 0xF0u         /* the type's zero value (one slot) */
#define ALRI_W_RUN 0xF1u             /* + unsigned count >= 3: that many default slots */
#define ALRI_W_PRESENT 0xF2u         /* present / not default, before a marker (§8) */
/* Everything else (0x00, 0x80, 0x8B..0x8F, 0xC0, 0xDD..0xE0, 0xE9..0xEF,
 * 0xF3..0xFF) is reserved: a reader rejects it. */

#define ALRI_W_MAXINT 9u   /* room for the longest unsigned form */
#define ALRI_W_MAXHDR 5u   /* room for the longest length or count header */
#define ALRI_W_MAXRUN 10u  /* room for a run marker with its count */

/* Byte order.  The wire is little-endian; loads and stores go through memcpy
 * (one unaligned move on every mainstream target). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ALRI_BIG_ENDIAN 1
#else
#define ALRI_BIG_ENDIAN 0
#endif

static inline uint64_t alri_le64(uint64_t v)
{
#if ALRI_BIG_ENDIAN
    return __builtin_bswap64(v);
#else
    return v;
#endif
}

static inline uint32_t alri_le32(uint32_t v)
{
#if ALRI_BIG_ENDIAN
    return __builtin_bswap32(v);
#else
    return v;
#endif
}

/* Bytes needed for v > 0 in little-endian form (1..8). */
static inline unsigned alri_bytes_for(uint64_t v)
{
    return (unsigned)((64 - __builtin_clzll(v | 1) + 7) >> 3);
}

/* Stores the low n bytes of v at p, little-endian; writes 8 bytes (the caller
 * has that room, the bytes past n are overwritten later or ignored). */
static inline void alri_store_le8(uint8_t *p, uint64_t v)
{
    v = alri_le64(v);
    memcpy(p, &v, 8);
}

/* Loads n (1..8) little-endian bytes from p[0..n). */
static inline uint64_t alri_load_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
#if ALRI_BIG_ENDIAN
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
#else
    memcpy(&v, p, n);
#endif
    return v;
}

/* The smallest value an n-byte form may carry (minimality): 2^(8(n-1)). */
static inline uint64_t alri_min_for(unsigned n)
{
    return n <= 1 ? 0 : (uint64_t)1 << (8 * (n - 1));
}

/* ---- zigzag (signed -> unsigned so that small magnitudes stay small) ---- */
static inline uint64_t alri_zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t alri_unzigzag64(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* ---- compact value forms ---- */

/* Writes unsigned v != 0 (needs ALRI_W_MAXINT bytes of room); returns the
 * bytes written.  0 is never written: it is the default marker's job. */
static inline size_t alri_wput_uint(uint8_t *p, uint64_t v)
{
    if (v <= ALRI_W_UINT_INLINE_MAX) {
        p[0] = (uint8_t)v;
        return 1;
    }
    unsigned n = alri_bytes_for(v);
    p[0] = (uint8_t)(ALRI_W_UINT_N + n);
    alri_store_le8(p + 1, v);
    return 1 + n;
}

/* Size of alri_wput_uint(v) for v != 0. */
static inline size_t alri_wsize_uint(uint64_t v)
{
    return v <= ALRI_W_UINT_INLINE_MAX ? 1 : 1 + alri_bytes_for(v);
}

/* Loads the n (1..8) LE bytes at p when avail >= n bytes are readable:
 * one 8-byte load and a mask when there is room, else byte by byte. */
static inline uint64_t alri_load_le_n(const uint8_t *p, unsigned n, size_t avail)
{
    uint64_t v;
    if (avail >= 8) {
        memcpy(&v, p, 8);
        v = alri_le64(v);
        return n >= 8 ? v : v & ((1ull << (8 * n)) - 1);
    }
    v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Reads an unsigned at *pp (any lead byte: the class is checked here).
 * Returns 0 and advances *pp on success, -1 when the bytes are not a
 * minimal unsigned form or run past end. */
static inline int alri_wget_uint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    if (p >= end)
        return -1;
    unsigned lead = p[0];
    if (lead - 1u < ALRI_W_UINT_INLINE_MAX) { /* 0x01..0x7F */
        *out = lead;
        *pp = p + 1;
        return 0;
    }
    unsigned n = lead - ALRI_W_UINT_N;
    size_t avail = (size_t)(end - p) - 1;
    if (n - 1u >= 8u || avail < n)
        return -1;
    uint64_t v = alri_load_le_n(p + 1, n, avail);
    if (n == 1 ? v <= ALRI_W_UINT_INLINE_MAX : v < alri_min_for(n))
        return -1; /* overlong */
    *out = v;
    *pp = p + 1 + n;
    return 0;
}

/* Writes a length or count header: inline when v <= inline_max (lead
 * inline_base + v), else lead n_base + n and n (1..4) LE bytes.  v in
 * 1..UINT32_MAX.  Needs ALRI_W_MAXHDR bytes of room. */
static inline size_t alri_wput_hdr(uint8_t *p, uint32_t v, unsigned inline_base,
                                   unsigned inline_max, unsigned n_base)
{
    if (v <= inline_max) {
        p[0] = (uint8_t)(inline_base + v);
        return 1;
    }
    unsigned n = alri_bytes_for(v);
    uint32_t le = alri_le32(v);
    p[0] = (uint8_t)(n_base + n);
    memcpy(p + 1, &le, 4);
    return 1 + n;
}

static inline size_t alri_wsize_hdr(uint32_t v, unsigned inline_max)
{
    return v <= inline_max ? 1 : 1 + alri_bytes_for(v);
}

/* Reads the header written by alri_wput_hdr with the same constants, lead
 * already checked to be in the class (inline_base+1 .. n_base+4).  Returns
 * 0 or -1 (past end, or overlong). */
static inline int alri_wget_hdr(const uint8_t **pp, const uint8_t *end, unsigned inline_base,
                                unsigned inline_max, unsigned n_base, uint32_t *out)
{
    const uint8_t *p = *pp;
    unsigned lead = p[0];
    if (lead - inline_base - 1u < inline_max) {
        *out = lead - inline_base;
        *pp = p + 1;
        return 0;
    }
    unsigned n = lead - n_base; /* 1..4 by the caller's class check */
    size_t avail = (size_t)(end - p) - 1;
    if (avail < n)
        return -1;
    uint64_t v = alri_load_le_n(p + 1, n, avail);
    if (n == 1 ? v <= inline_max : v < alri_min_for(n))
        return -1;
    *out = (uint32_t)v;
    *pp = p + 1 + n;
    return 0;
}

/* ---- LEB128 (frame headers, handshake): 7 bits per byte, low group
 * first, high bit = more.  Minimal: a multi-byte form never ends in 0x00,
 * and at most 10 bytes carry a uint64. ---- */

#define ALRI_LEB_MAX 10u

static inline size_t alri_leb_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Writes v at p (room: alri_leb_size(v) <= ALRI_LEB_MAX); returns bytes written. */
static inline size_t alri_leb_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* Reads a varint from [p, end).  Returns the bytes consumed (> 0) and sets
 * *out; 0 when the bytes end before the varint does (read more and retry);
 * -1 when it is malformed: overlong (ends in 0x00 after the first byte),
 * longer than 10 bytes, or past 64 bits. */
static inline int alri_leb_get(const uint8_t *p, const uint8_t *end, uint64_t *out)
{
    if (p < end && p[0] < 0x80) { /* the common one-byte case */
        *out = p[0];
        return 1;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < ALRI_LEB_MAX; i++) {
        if (p + i >= end)
            return 0;
        uint8_t b = p[i];
        if (i == 9 && b > 1)
            return -1; /* bits past 64 */
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0)
                return -1; /* overlong */
            *out = v;
            return (int)i + 1;
        }
    }
    return -1;
}

/* ---- floats ---- */

/* A binary64 the writer may send as binary32: not NaN and exactly
 * representable (so the reader's widening gives back the same bits).
 * Decided on the bits alone (no float conversion, so no rounding mode or
 * flush-to-zero setting can change the answer). */
static inline int alri_f64_fits_f32(uint64_t bits, uint32_t *f32bits)
{
    uint32_t sign = (uint32_t)(bits >> 32) & 0x80000000u;
    int exp = (int)((bits >> 52) & 0x7FF);
    uint64_t man = bits & 0x000FFFFFFFFFFFFFull;
    if (exp == 0x7FF) { /* infinity fits; NaN never travels short */
        if (man)
            return 0;
        *f32bits = sign | 0x7F800000u;
        return 1;
    }
    if (exp == 0) { /* +-0 fits (+0 never gets here: it is default); subnormal f64 does not */
        if (man)
            return 0;
        *f32bits = sign;
        return 1;
    }
    int e = exp - 1023; /* unbiased */
    if (e > 127 || e < -149)
        return 0;
    if (e >= -126) { /* normal binary32: 23 mantissa bits */
        if (man & ((1ull << 29) - 1))
            return 0;
        *f32bits = sign | (uint32_t)(e + 127) << 23 | (uint32_t)(man >> 29);
        return 1;
    }
    /* subnormal binary32: value = 1.man x 2^e = m x 2^-149 with m < 2^23 */
    unsigned shift = (unsigned)(29 + (-126 - e)); /* bits of the 52 that fall off */
    uint64_t full = man | (1ull << 52);
    if (full & ((1ull << shift) - 1))
        return 0;
    *f32bits = sign | (uint32_t)(full >> shift);
    return 1;
}

/* The class of a lead byte, for diagnostics and tests. */
typedef enum alri_lead_class {
    ALRI_LC_RESERVED = 0,
    ALRI_LC_UINT,
    ALRI_LC_F32,
    ALRI_LC_F64,
    ALRI_LC_STR,
    ALRI_LC_CNT,
    ALRI_LC_REF,
    ALRI_LC_DEFAULT,
    ALRI_LC_RUN,
    ALRI_LC_PRESENT
} alri_lead_class;

alri_lead_class alri_lead_class_of(uint8_t lead);

#endif /* ALR_WIRE_H */

/*
 * frame.h - frame headers (internal): the envelope of every message after
 * the handshake.  A frame is a LEB128 size (bytes after the size field),
 * one byte kind|slot, the kind's header fields (LEB128), then a body (a
 * codec value, or text).  This file only writes and parses headers; what a
 * body means is the dispatcher's.  Layout and rules: spec/wire-format.md.
 *
 * Invariants: alri_frame_decode never reads past p[0..n); it answers
 * ALR_EAGAIN only while the header may still be completed by more bytes,
 * and checks the announced size against max_frame as soon as it is known.
 */
#ifndef ALR_FRAME_H
#define ALR_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "alr/alr.h"

/* Kinds (low 4 bits of the kind byte).  Values never change; 12..15 are
 * reserved and rejected (ALR_EPROTO). */
typedef enum alri_frame_kind {
    ALRI_FRAME_CALL = 0,       /* method, call_id; body: arguments */
    ALRI_FRAME_CALL_OBJ = 1,   /* method, object, call_id; body: arguments */
    ALRI_FRAME_ONEWAY = 2,     /* method; body: arguments; never answered */
    ALRI_FRAME_ONEWAY_OBJ = 3, /* method, object; body: arguments; never answered */
    ALRI_FRAME_REPLY = 4,      /* call_id; body: the result struct */
    ALRI_FRAME_ERROR = 5,      /* call_id, code, app_code; body: message text */
    ALRI_FRAME_CANCEL = 6,     /* call_id; no body */
    ALRI_FRAME_FAULT = 7,      /* method, code, app_code; body: message text (an
                                  error no pending call owns: oneway-status failures) */
    ALRI_FRAME_PING = 8,       /* token; no body */
    ALRI_FRAME_PONG = 9,       /* token (the PING's); no body */
    ALRI_FRAME_CLOSE = 10,     /* code; body: reason text; the sender closes */
    ALRI_FRAME_SCOPE = 11,     /* mode, group, limit; no body: how the receiver runs
                                  the slot's calls from now on (ALRI_SCOPE_*) */
    ALRI_FRAME_KIND_COUNT_ = 12
} alri_frame_kind;

/* SCOPE modes. */
enum {
    ALRI_SCOPE_NONE = 0,   /* any worker (the default) */
    ALRI_SCOPE_THREAD = 1, /* one dedicated thread runs every call of the slot */
    ALRI_SCOPE_POOL = 2    /* at most `limit` slots of `group` run at once */
};

#define ALRI_FRAME_SLOT_EXT 15u    /* slot nibble 15: a LEB128 slot (>= 15) follows */
#define ALRI_FRAME_HDR_MAX 48u     /* room for the longest header incl. the size */
/* Default bound on a frame's size field: the largest message plus header room. */
#define ALRI_FRAME_MAX_DEFAULT (64u * 1024u * 1024u + 64u)

/* One frame header.  Fields a kind does not carry are ignored on write and
 * zero after a parse. */
typedef struct alri_frame {
    uint8_t kind;      /* alri_frame_kind */
    uint32_t slot;     /* queue/thread slot of the caller */
    uint32_t method;   /* CALL*, ONEWAY*, FAULT: wire method id */
    uint64_t object;   /* *_OBJ: object id */
    uint32_t call_id;  /* CALL, CALL_OBJ, REPLY, ERROR, CANCEL */
    uint32_t code;     /* ERROR, FAULT, CLOSE: an alr_err */
    int64_t app_code;  /* ERROR, FAULT: application error code (0 = none) */
    uint64_t token;    /* PING, PONG */
    uint32_t mode;     /* SCOPE: ALRI_SCOPE_* */
    uint64_t group;    /* SCOPE: the pool scope's id (0 unless POOL) */
    uint32_t limit;    /* SCOPE: the pool scope's worker limit (>= 1 for POOL, else 0) */
    /* set by alri_frame_decode */
    uint32_t hdr_len;  /* bytes from the frame's first byte to its body */
    uint32_t body_len; /* bytes of body; the frame is hdr_len + body_len bytes */
} alri_frame;

/* Bytes of the header (size field included) of f with a body of body_len
 * bytes; 0 when f cannot be written (unknown kind, size past UINT32_MAX). */
size_t alri_frame_hdr_size(const alri_frame *f, size_t body_len);

/* Writes that header at dst (room: ALRI_FRAME_HDR_MAX) and returns its
 * length (0: as above, nothing written).  The body goes right after it.
 * A writer that encodes the body first may reserve ALRI_FRAME_HDR_MAX
 * bytes in front of it and write the header at body - hdr_size. */
size_t alri_frame_hdr_put(uint8_t *dst, const alri_frame *f, size_t body_len);

/* The size of the frame starting at p[0..n) (size field included) as soon
 * as its size field is complete.  ALR_OK, ALR_EAGAIN (need more bytes),
 * ALR_ELIMIT (announced size > max_frame), ALR_EPROTO (size field malformed
 * or zero). */
alr_err alri_frame_total(const uint8_t *p, size_t n, uint32_t max_frame, size_t *total);

/* Parses the header of the frame starting at p[0..n) into *f (zeroed first).
 * ALR_OK: f->hdr_len and f->body_len are set (the body may not be in p yet:
 * the frame ends at hdr_len + body_len).  ALR_EAGAIN: the header is not
 * complete in p[0..n).  ALR_ELIMIT: the size is past max_frame.  ALR_EPROTO:
 * malformed (overlong varint, reserved kind, field past the frame's end,
 * value out of range, a body on a kind that has none).  On any error *f is
 * all zero. */
alr_err alri_frame_decode(const uint8_t *p, size_t n, uint32_t max_frame, alri_frame *f);

#endif /* ALR_FRAME_H */

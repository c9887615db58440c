/*
 * handshake.h - the HELLO exchange at connection start (internal API).
 * Each side sends one HELLO (magic, protocol version, role, flags, its
 * schema blob) as soon as the connection is up, then waits for the peer's;
 * alri_handshake() loads the peer's blob and intersects it with the local
 * schema into a plan.  Byte layout and state machine: spec/handshake.md.
 */
#ifndef ALR_HANDSHAKE_H
#define ALR_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "alr/codec.h"
#include "alr/plan.h"
#include "alr/schema.h"

/* "ALR" followed by the message type 0x01 (hello).  The first byte 'A'
 * (0x41) is never a TLS record type (0x14..0x18), so an acceptor may sniff
 * it to serve plaintext and TLS on one port. */
#define ALRI_HELLO_MAGIC "ALR\x01"
#define ALRI_HELLO_MAGIC_LEN 4u

/* Protocol version of the frames that follow the hello.  Peers must agree
 * on the major; each side uses min(local minor, peer minor) features. */
#define ALRI_PROTO_MAJOR 1u
#define ALRI_PROTO_MINOR 0u

/* magic[4] major minor role reserved flags:u32le blob_len:u32le */
#define ALRI_HELLO_HEADER_SIZE 16u

/* Flags.  Bits 0..15 are advisory: a receiver ignores the ones it does not
 * know.  Bits 16..31 are critical: a receiver that sees one it does not know
 * refuses the connection (ALR_EVERSION), so a future version can require
 * the peer to understand a feature. */
#define ALRI_HELLO_F_TLS 0x00000001u         /* the sender is talking over TLS */
#define ALRI_HELLO_F_TLS_REQUIRED 0x00000002u /* the sender refuses a non-TLS peer */
#define ALRI_HELLO_F_ADVISORY_MASK 0x0000FFFFu
#define ALRI_HELLO_F_CRITICAL_MASK 0xFFFF0000u
#define ALRI_HELLO_F_CRITICAL_KNOWN 0x00000000u /* critical bits this version knows */

typedef struct alri_hello {
    uint8_t major, minor, role;
    uint32_t flags;
    const uint8_t *blob; /* points into the decoded data (not copied) */
    uint32_t blob_len;
} alri_hello;

/* Appends a HELLO carrying blob[0..len) to out.  ALR_EINVAL for a bad role,
 * a NULL blob with len > 0, or len > ALR_MAX_BLOB_SIZE; ALR_ENOMEM. */
alr_err alri_hello_encode(alr_buf *out, alr_role role, uint32_t flags, const void *blob, size_t len);

/* Decodes a HELLO at the start of data[0..len).  On ALR_OK *consumed is the
 * size of the hello (header + blob) and out->blob points into data.
 * ALR_EAGAIN: more bytes are needed (nothing consumed; call again with
 * more).  ALR_EPROTO: bad magic or role.  ALR_EVERSION: another protocol
 * major, or an unknown critical flag.  ALR_ELIMIT: the announced blob is
 * larger than ALR_MAX_BLOB_SIZE (checked before waiting for it).  err (may
 * be NULL) receives a one-line reason.  Never reads outside data[0..len). */
alr_err alri_hello_decode(const void *data, size_t len, size_t *consumed, alri_hello *out,
                          char *err, size_t errlen);

/* Completes the handshake from the peer's hello: checks the version and
 * that the roles are opposite (ALR_EPROTO otherwise), loads the peer's blob
 * (hostile: ALR_ESCHEMA / ALR_EVERSION / ALR_ELIMIT from the reader) and
 * builds the plan for local_role.  On success the caller owns *plan_out
 * (alr_plan_free) and, when peer_out is not NULL, *peer_out (alr_schema_free;
 * the plan does not point into it, so it may be freed first).  On failure
 * both are NULL and err holds "peer hello: ..." / "peer schema: ...". */
alr_err alri_handshake(const alr_schema *local, const alri_hello *peer, alr_role local_role,
                       alr_schema **peer_out, alr_plan **plan_out, char *err, size_t errlen);

#endif /* ALR_HANDSHAKE_H */

/*
 * alr/plan.h - what the handshake produces: the intersection of the local
 * schema with the peer's, as per-connection plans for the codec and an O(1)
 * capability table ("does the peer have this method / field / value?").
 *
 * All indices here are LOCAL: positions in the local schema blob's tables
 * (structs, enums, services sorted by qualified name; fields, enum values,
 * methods and parameters numbered globally in table order, as in
 * spec/schema-blob.md).  Generated code knows them as constants.
 *
 * Wire order rule (spec/handshake.md): shared members travel in the order
 * of the ACCEPTOR's schema, and method ids on the wire are the acceptor's
 * global method indices; the connector remaps.  A server keeps identity
 * tables for every client; each client pays for its own remapping.
 */
#ifndef ALR_PLAN_H
#define ALR_PLAN_H

#include <stdbool.h>

#include "alr.h"
#include "codec.h"
#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum alr_role {
    ALR_ROLE_CONNECTOR = 0, /* opened the connection (usually the client) */
    ALR_ROLE_ACCEPTOR = 1   /* accepted it (usually the server) */
} alr_role;

#define ALR_NONE 0xFFFFFFFFu

/* Intersects local with peer (both already loaded) for a peer of the other
 * role.  On success *out is a plan the caller owns (alr_plan_free); the plan
 * keeps no pointer into either schema.  Errors: ALR_ENOMEM, ALR_ESCHEMA (the
 * two schemas cannot be related), with a reason in errbuf. */
alr_err alr_plan_build(const alr_schema *local, const alr_schema *peer, alr_role local_role,
                       alr_plan **out, char *errbuf, size_t errlen);
void alr_plan_free(alr_plan *plan);

/* ---- capabilities of the peer, O(1) table look-ups ---- */
bool alr_caps_has_service(const alr_plan *p, uint32_t service);
bool alr_caps_has_method(const alr_plan *p, uint32_t method);
bool alr_caps_has_param(const alr_plan *p, uint32_t param);      /* global param index */
bool alr_caps_has_return(const alr_plan *p, uint32_t method);    /* return value shared */
bool alr_caps_has_struct(const alr_plan *p, uint32_t strct);
bool alr_caps_has_field(const alr_plan *p, uint32_t field);      /* global field index */
bool alr_caps_has_enum(const alr_plan *p, uint32_t enm);

typedef enum alr_enum_check {
    ALR_ENUM_VALUE = 0,       /* the peer has this numeric value */
    ALR_ENUM_STRICT = 1,      /* ... with the same name */
    ALR_ENUM_FLAGS = 2,       /* the peer has every set bit */
    ALR_ENUM_FLAGS_STRICT = 3 /* ... each with the same name */
} alr_enum_check;

/* Whether the peer understands `value` of local enum or flags `enm`. */
bool alr_caps_enum_value(const alr_plan *p, uint32_t enm, alr_enum_check how, uint64_t value);

/* ---- method ids ---- */
/* Wire id to send for local method m, or ALR_NONE when the peer lacks it. */
uint32_t alr_plan_method_out(const alr_plan *p, uint32_t method);
/* Local method for a received wire id, or ALR_NONE (undefined remote method). */
uint32_t alr_plan_method_in(const alr_plan *p, uint32_t wire_id);

#ifdef __cplusplus
}
#endif

#endif /* ALR_PLAN_H */

/*
 * plan_internal.h - the inside of an alr_plan, shared by plan.c (which
 * builds it at handshake time) and codec.c (which walks it on the hot
 * path).  Nothing here is looked up by name: every table is indexed by a
 * local index.
 */
#ifndef ALR_PLAN_INTERNAL_H
#define ALR_PLAN_INTERNAL_H

#include <stdint.h>

#include "alr/plan.h"

/* How the members of one struct (or one method's parameters) travel.
 * Both directions use the same wire order (the acceptor's member order,
 * restricted to the members both peers share). */
typedef struct alri_plan_members {
    uint32_t nwire;        /* members on the wire */
    uint32_t *wire;        /* wire slot -> local member index (0-based in the struct) */
    uint32_t nmissing;     /* local members the peer lacks: never sent; on
                              receive they take the local declared default */
    uint32_t *missing;     /* their local member indices, ascending */
    uint8_t identity;      /* 1 when wire[i] == i for all i and nmissing == 0 */
} alri_plan_members;

struct alr_plan {
    alr_role role;
    uint32_t nstructs, nmethods, nfields, nparams, nenums, nservices, nenumvals;
    alri_plan_members *structs;  /* by local struct index */
    alri_plan_members *args;     /* by local method index: its parameters */
    uint8_t *ret_shared;         /* by local method index: 1 = return value travels */
    uint32_t *method_out;        /* local method -> wire id, or ALR_NONE */
    uint32_t n_wire_ids;         /* size of method_in */
    uint32_t *method_in;         /* wire id -> local method, or ALR_NONE */
    /* capability bitsets (1 bit per local element) */
    uint8_t *has_service, *has_method, *has_param, *has_struct, *has_field, *has_enum;
    /* per local enum value: bit0 peer has the value, bit1 with the same name */
    uint8_t *enumval_caps;
    void *mem;                   /* one allocation holding every table above */
};

static inline int alri_bit(const uint8_t *set, uint32_t i)
{
    return (set[i >> 3] >> (i & 7)) & 1;
}

#endif /* ALR_PLAN_INTERNAL_H */

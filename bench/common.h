/*
 * common.h - what bench/sizes.c and bench/codec.c share: the three shapes of
 * bench/shapes.alr filled from bench/data/<shape>.json into ALR C memory
 * (alr_layout + json_value) and, when protobuf-c is there
 * (BENCH_HAVE_PROTOBUF), the same data copied into the protobuf-c messages
 * of bench/shapes.proto through both sides' reflection, matched by name.
 */
#ifndef ALR_BENCH_COMMON_H
#define ALR_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "alr/codec.h"
#include "alr/layout.h"
#include "alr/plan.h"
#include "alr/schema.h"
#include "arena.h"

#ifndef BENCH_HAVE_PROTOBUF
#define BENCH_HAVE_PROTOBUF 0
#endif
#if BENCH_HAVE_PROTOBUF
#include <protobuf-c/protobuf-c.h>
#endif

/* Printed instead of the protobuf columns when protoc-c was missing. */
#define BENCH_NO_PROTOBUF_MSG                                                                      \
    "protobuf-c not found: protobuf columns skipped (apt-get install protobuf-c-compiler "        \
    "libprotobuf-c-dev)"

#define BENCH_NSHAPES 3

typedef struct bench_shape {
    const char *name;          /* "small", "medium", "large" */
    const char *type;          /* ALR struct, e.g. "bench.Quote" */
    const alr_struct_desc *sd; /* its descriptor (alr_layout) */
    void *value;               /* sd->size bytes: the data of data/<name>.json */
#if BENCH_HAVE_PROTOBUF
    const ProtobufCMessageDescriptor *pbd;
    ProtobufCMessage *pb;      /* the same data as a protobuf-c message */
#endif
} bench_shape;

typedef struct bench_ctx {
    alr_schema *schema;
    uint8_t *blob;
    size_t bloblen;
    alr_layout *layout;
    alr_plan *plan;            /* what a connection between two peers built from
                                  shapes.alr uses (identity tables) */
    alri_arena mem;            /* the values above, ALR and protobuf-c alike */
    bench_shape shape[BENCH_NSHAPES];
} bench_ctx;

/* Loads dir/shapes.alr (compiled in process) and dir/data/<shape>.json,
 * builds the plan and the protobuf-c copies.  Returns 0, or -1 with a
 * message on stderr. */
int bench_load(bench_ctx *c, const char *dir);
void bench_free(bench_ctx *c);

/* Encodes shape s with ALR, decodes it back and checks that the decoded
 * value equals the original (as JSON) and encodes to the same bytes; *out
 * receives the encoding (the caller frees out->data).  Returns 0 or -1
 * with a message on stderr. */
int bench_check_alr(const bench_ctx *c, const bench_shape *s, alr_buf *out);

#if BENCH_HAVE_PROTOBUF
/* Packs shape s with protobuf-c, unpacks it and checks that the unpacked
 * message holds the ALR value of s, field by field.  *out / *outlen receive
 * the packed bytes (malloc'ed).  Returns 0 or -1 with a message on stderr. */
int bench_check_pb(const bench_shape *s, uint8_t **out, size_t *outlen);
#endif

#endif /* ALR_BENCH_COMMON_H */

/*
 * alr.h - the public entry point of libalr: version, error codes, and the
 * pieces every other public header shares.
 *
 * Conventions for the whole public API: names are alr_<object>_<verb>,
 * constants ALR_...; every function that can fail returns an alr_err
 * (ALR_OK == 0); ownership of every pointer is stated where the function is
 * declared.  The library never prints and never aborts on peer input.
 */
#ifndef ALR_ALR_H
#define ALR_ALR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ALR_VERSION_MAJOR 0
#define ALR_VERSION_MINOR 1
#define ALR_VERSION_PATCH 0
#define ALR_VERSION_STRING "0.1.0"

/* Error codes.  0 is success; every other value has a fixed meaning and a
 * text from alr_strerror().  Values are stable: new codes are appended. */
typedef enum alr_err {
    ALR_OK = 0,
    ALR_ENOMEM = 1,          /* out of memory, or an allocation cap was hit */
    ALR_EINVAL = 2,          /* invalid argument from the caller */
    ALR_EPROTO = 3,          /* invalid message from the peer */
    ALR_ESCHEMA = 4,         /* malformed or unacceptable schema blob */
    ALR_ELIMIT = 5,          /* a configured limit (size, depth, count) exceeded */
    ALR_EVERSION = 6,        /* unsupported protocol or blob version */
    ALR_ECLOSED = 7,         /* the connection is closed */
    ALR_ETIMEDOUT = 8,       /* the call's deadline passed */
    ALR_ECANCELED = 9,       /* the call was cancelled */
    ALR_ENOENDPOINT = 10,    /* no current endpoint on this thread */
    ALR_EWRONGENDPOINT = 11, /* the current endpoint is not the one required */
    ALR_ENOMETHOD = 12,      /* the peer does not have the called method */
    ALR_EFAULTED = 13,       /* the endpoint is in its fault state */
    ALR_ENOBACKEND = 14,     /* no backend service available */
    ALR_EIO = 15,            /* operating-system I/O error */
    ALR_ETLS = 16,           /* TLS failure */
    ALR_EAPP = 17,           /* the remote handler returned an application error */
    ALR_ENOTFOUND = 18,      /* a looked-up name does not exist */
    ALR_EAGAIN = 19,         /* try again later (flow control, busy) */
    ALR_ERR_COUNT_           /* number of codes; not an error */
} alr_err;

/* Returns a static, NUL-terminated English text for err; never NULL
 * (unknown codes give "unknown error").  The caller must not free it. */
const char *alr_strerror(alr_err err);

/* Returns ALR_VERSION_STRING of the library actually linked (static text). */
const char *alr_version(void);

#ifdef __cplusplus
}
#endif

#endif /* ALR_ALR_H */

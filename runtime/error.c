/*
 * error.c - the texts of alr_err codes and the library version.
 * Every code has a fixed, static English text; unknown codes get
 * "unknown error".
 */
#include "alr/alr.h"

static const char *const err_text[ALR_ERR_COUNT_] = {
    [ALR_OK] = "success",
    [ALR_ENOMEM] = "out of memory",
    [ALR_EINVAL] = "invalid argument",
    [ALR_EPROTO] = "protocol error: invalid message from the peer",
    [ALR_ESCHEMA] = "malformed or unacceptable schema blob",
    [ALR_ELIMIT] = "limit exceeded",
    [ALR_EVERSION] = "unsupported version",
    [ALR_ECLOSED] = "connection closed",
    [ALR_ETIMEDOUT] = "deadline exceeded",
    [ALR_ECANCELED] = "call cancelled",
    [ALR_ENOENDPOINT] = "no current endpoint on this thread",
    [ALR_EWRONGENDPOINT] = "wrong current endpoint",
    [ALR_ENOMETHOD] = "no such method on the peer",
    [ALR_EFAULTED] = "endpoint faulted",
    [ALR_ENOBACKEND] = "no backend service available",
    [ALR_EIO] = "I/O error",
    [ALR_ETLS] = "TLS error",
    [ALR_EAPP] = "application error",
    [ALR_ENOTFOUND] = "not found",
    [ALR_EAGAIN] = "resource temporarily unavailable, try again",
};

const char *alr_strerror(alr_err err)
{
    if ((int)err < 0 || (int)err >= ALR_ERR_COUNT_ || !err_text[err])
        return "unknown error";
    return err_text[err];
}

const char *alr_version(void)
{
    return ALR_VERSION_STRING;
}

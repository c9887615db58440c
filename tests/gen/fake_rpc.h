/*
 * fake_rpc.h - an in-process stand-in for the rpc.h functions that generated
 * code calls (tests/gen only).  check.sh compiles generated code and these
 * tests with -Dalr_call_sync=fake_alr_call_sync and the like (FAKE_RENAME in
 * check.sh), so the glue runs end to end through the real codec, without
 * sockets and whatever state the real runtime is in.
 */
#ifndef ALR_TESTS_GEN_FAKE_RPC_H
#define ALR_TESTS_GEN_FAKE_RPC_H

#include "alr/rpc.h"

/* A peer serving iface: alr_server_serve() registers handlers on it; calls
 * with iface are dispatched to it.  At most 8 servers live at once. */
alr_server *fake_rpc_server(const alr_iface *iface);

/* An endpoint speaking iface whose handshake produced plan (not owned; may
 * be NULL).  Make it current with alr_endpoint_push(). */
alr_endpoint *fake_rpc_endpoint(const alr_iface *iface, const alr_plan *plan);

/* Local method index of the last call made (ALR_NONE before any). */
uint32_t fake_rpc_last_method(void);

/* The handler's result of the last oneway call (the caller got ALR_OK). */
alr_err fake_rpc_last_oneway_error(void);

/* Frees every server and endpoint. */
void fake_rpc_reset(void);

#endif /* ALR_TESTS_GEN_FAKE_RPC_H */

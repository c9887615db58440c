/*
 * net.h - TCP sockets for endpoints and servers (internal): address parsing
 * ("host:port", "[v6]:port"), connect with a deadline, listen, accept, and
 * the two I/O primitives every byte goes through.  Every socket is
 * non-blocking and close-on-exec; waiting is poll() with a deadline.
 */
#ifndef ALR_NET_H
#define ALR_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "alr/alr.h"

#define ALRI_NET_HOST_MAX 256u
#define ALRI_NET_PORT_MAX 8u
#define ALRI_NET_NAME_MAX 64u /* "[v6 address]:port" */

/* Monotonic milliseconds (CLOCK_MONOTONIC). */
uint64_t alri_now_ms(void);

/* Splits "host:port" or "[v6]:port" (host may be empty: any address).
 * ALR_EINVAL with a reason in err for anything else, including a bare v6
 * address without brackets and a port that is not a number 0..65535. */
alr_err alri_net_split(const char *addr, char host[ALRI_NET_HOST_MAX], char port[ALRI_NET_PORT_MAX],
                       char *err, size_t errlen);

/* Connects to host:port (numeric or a name, through getaddrinfo; every
 * address is tried in turn) before deadline_ms (alri_now_ms() clock).  On
 * success *fd is a connected, non-blocking socket with TCP_NODELAY.
 * Errors: ALR_ENOTFOUND (name), ALR_ETIMEDOUT, ALR_EIO (refused, ...). */
alr_err alri_net_connect(const char *host, const char *port, uint64_t deadline_ms, int *fd,
                         char *err, size_t errlen);

/* Binds and listens on host:port (empty host: every address, v6 and v4
 * when the system allows).  *fd is non-blocking; *bound the bound port. */
alr_err alri_net_listen(const char *host, const char *port, int *fd, uint16_t *bound, char *err,
                        size_t errlen);

/* Accepts one connection: >= 0 a non-blocking socket with TCP_NODELAY,
 * -1 nothing pending (EAGAIN) or a transient error (errno set). */
int alri_net_accept(int lfd);

/* "1.2.3.4:80" / "[::1]:80" of the socket's peer (or "?"). */
void alri_net_peer_name(int fd, char out[ALRI_NET_NAME_MAX]);

/* Writes every byte of iov[0..n) (modified).  Waits at most stall_ms for
 * the socket to take more bytes each time it is full.  ALR_OK, ALR_ECLOSED
 * (the peer is gone: EPIPE, ECONNRESET), ALR_ETIMEDOUT (stalled), ALR_EIO. */
alr_err alri_net_write(int fd, struct iovec *iov, int n, uint32_t stall_ms);
/* The same, adding the number of sendmsg calls made to *calls (may be NULL). */
alr_err alri_net_write_counted(int fd, struct iovec *iov, int n, uint32_t stall_ms,
                               unsigned long *calls);

/* Makes fd blocking (reads wait in recv; every write of this file passes
 * MSG_DONTWAIT, so writes never block on it). */
void alri_net_set_blocking(int fd);
/* Reads what is there (at most cap bytes) into buf, waiting until
 * deadline_ms (UINT64_MAX: forever).  Returns the byte count (> 0); 0 for
 * end of stream; -1 error (errno set; ETIMEDOUT at the deadline). */
long alri_net_read(int fd, void *buf, size_t cap, uint64_t deadline_ms);

#endif /* ALR_NET_H */

/*
 * net.c - TCP sockets (net.h): getaddrinfo, non-blocking connect with a
 * deadline, listen/accept, and the read/write primitives.  Sockets never
 * raise SIGPIPE (MSG_NOSIGNAL); every wait is a poll() with a timeout.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static alr_err net_fail(char *err, size_t errlen, alr_err code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static alr_err net_fail(char *err, size_t errlen, alr_err code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

uint64_t alri_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* poll timeout for a deadline (UINT64_MAX: forever). */
static int poll_timeout(uint64_t deadline_ms)
{
    if (deadline_ms == UINT64_MAX)
        return -1;
    uint64_t now = alri_now_ms();
    if (now >= deadline_ms)
        return 0;
    uint64_t left = deadline_ms - now;
    return left > 1000000u ? 1000000 : (int)left;
}

alr_err alri_net_split(const char *addr, char host[ALRI_NET_HOST_MAX], char port[ALRI_NET_PORT_MAX],
                       char *err, size_t errlen)
{
    host[0] = port[0] = '\0';
    if (!addr)
        return net_fail(err, errlen, ALR_EINVAL, "no address");
    const char *colon, *h = addr;
    size_t hlen;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':')
            return net_fail(err, errlen, ALR_EINVAL, "bad address '%.80s': want [v6]:port", addr);
        h = addr + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon)
            return net_fail(err, errlen, ALR_EINVAL, "bad address '%.80s': want host:port", addr);
        if (memchr(addr, ':', (size_t)(colon - addr)))
            return net_fail(err, errlen, ALR_EINVAL,
                            "bad address '%.80s': write an IPv6 address as [v6]:port", addr);
        hlen = (size_t)(colon - addr);
    }
    const char *p = colon + 1;
    size_t plen = strlen(p);
    if (plen == 0 || plen > 5 || strspn(p, "0123456789") != plen || atoi(p) > 65535)
        return net_fail(err, errlen, ALR_EINVAL, "bad port in '%.80s'", addr);
    if (hlen >= ALRI_NET_HOST_MAX)
        return net_fail(err, errlen, ALR_EINVAL, "host name too long");
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(port, p, plen + 1);
    return ALR_OK;
}

static void set_nodelay(int fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

alr_err alri_net_connect(const char *host, const char *port, uint64_t deadline_ms, int *fd,
                         char *err, size_t errlen)
{
    *fd = -1;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV;
    int g = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (g != 0)
        return net_fail(err, errlen, ALR_ENOTFOUND, "cannot resolve '%.100s': %s", host,
                        gai_strerror(g));
    alr_err code = ALR_EIO;
    int last_errno = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       ai->ai_protocol);
        if (s < 0) {
            last_errno = errno;
            continue;
        }
        int r = connect(s, ai->ai_addr, ai->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS) {
            struct pollfd pfd = {s, POLLOUT, 0};
            int pr;
            do
                pr = poll(&pfd, 1, poll_timeout(deadline_ms));
            while (pr < 0 && errno == EINTR);
            if (pr == 0) {
                close(s);
                code = ALR_ETIMEDOUT;
                last_errno = ETIMEDOUT;
                break;
            }
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (pr < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
                soerr = errno;
            r = soerr ? -1 : 0;
            errno = soerr;
        }
        if (r == 0) {
            set_nodelay(s);
            freeaddrinfo(res);
            *fd = s;
            return ALR_OK;
        }
        last_errno = errno;
        close(s);
    }
    freeaddrinfo(res);
    if (code == ALR_ETIMEDOUT)
        return net_fail(err, errlen, code, "connect to %.100s:%s timed out", host, port);
    return net_fail(err, errlen, code, "connect to %.100s:%s: %s", host, port,
                    strerror(last_errno ? last_errno : ECONNREFUSED));
}

alr_err alri_net_listen(const char *host, const char *port, int *fd, uint16_t *bound, char *err,
                        size_t errlen)
{
    *fd = -1;
    *bound = 0;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int g = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (g != 0)
        return net_fail(err, errlen, ALR_ENOTFOUND, "cannot resolve '%.100s': %s", host,
                        gai_strerror(g));
    /* wildcard: prefer one dual-stack v6 socket */
    int last_errno = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            if (!host[0] && (pass == 0) != (ai->ai_family == AF_INET6))
                continue;
            if (host[0] && pass == 1)
                continue;
            int s = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                           ai->ai_protocol);
            if (s < 0) {
                last_errno = errno;
                continue;
            }
            int one = 1, zero = 0;
            (void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (ai->ai_family == AF_INET6 && !host[0])
                (void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
            if (bind(s, ai->ai_addr, ai->ai_addrlen) == 0 && listen(s, 128) == 0) {
                struct sockaddr_storage ss;
                socklen_t sl = sizeof ss;
                if (getsockname(s, (struct sockaddr *)&ss, &sl) == 0)
                    *bound = ntohs(ss.ss_family == AF_INET6
                                       ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                       : ((struct sockaddr_in *)&ss)->sin_port);
                freeaddrinfo(res);
                *fd = s;
                return ALR_OK;
            }
            last_errno = errno;
            close(s);
        }
    }
    freeaddrinfo(res);
    return net_fail(err, errlen, ALR_EIO, "cannot listen on %.100s:%s: %s", host[0] ? host : "*",
                    port, strerror(last_errno ? last_errno : EADDRNOTAVAIL));
}

int alri_net_accept(int lfd)
{
    int s;
    do
        s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (s < 0 && errno == EINTR);
    if (s >= 0)
        set_nodelay(s);
    return s;
}

void alri_net_peer_name(int fd, char out[ALRI_NET_NAME_MAX])
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char ip[INET6_ADDRSTRLEN];
    strcpy(out, "?");
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
        return;
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        if (inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip))
            snprintf(out, ALRI_NET_NAME_MAX, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        if (inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip))
            snprintf(out, ALRI_NET_NAME_MAX, "[%s]:%u", ip, (unsigned)ntohs(a->sin6_port));
    }
}

alr_err alri_net_write(int fd, struct iovec *iov, int n, uint32_t stall_ms)
{
    return alri_net_write_counted(fd, iov, n, stall_ms, NULL);
}

alr_err alri_net_write_counted(int fd, struct iovec *iov, int n, uint32_t stall_ms,
                               unsigned long *calls)
{
    while (n > 0) {
        if (iov->iov_len == 0) {
            iov++;
            n--;
            continue;
        }
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = iov;
        mh.msg_iovlen = (size_t)n;
        ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT); /* the fd may block */
        if (calls)
            ++*calls;
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = {fd, POLLOUT, 0};
                int pr = poll(&pfd, 1, (int)(stall_ms > 1000000u ? 1000000u : stall_ms));
                if (pr == 0)
                    return ALR_ETIMEDOUT;
                if (pr < 0 && errno != EINTR)
                    return ALR_EIO;
                continue;
            }
            if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)
                return ALR_ECLOSED;
            return ALR_EIO;
        }
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return ALR_OK;
}

void alri_net_set_blocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK))
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

long alri_net_read(int fd, void *buf, size_t cap, uint64_t deadline_ms)
{
    for (;;) {
        ssize_t r = recv(fd, buf, cap, 0);
        if (r >= 0)
            return (long)r;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, poll_timeout(deadline_ms));
        if (pr == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (pr < 0 && errno != EINTR)
            return -1;
    }
}

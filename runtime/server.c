/*
 * server.c - alr_server: a listening socket, one acceptor thread, one
 * reader thread per connection (which first runs the handshake), and the
 * worker pool shared by every connection.
 *
 * Invariants: srv->mu guards conns and nhandshaking; a connection leaves
 * conns only after its reader ended, and is unreferenced only after that
 * reader was joined (by the acceptor's reaping, or by alr_server_close
 * once the acceptor is gone); the pool stops only after every reader has
 * been joined, so no task is submitted to a stopped pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc_internal.h"

alr_err alr_server_new(const alr_iface *iface, const alr_config *cfg, alr_server **out)
{
    char err[300] = "";
    if (out)
        *out = NULL;
    if (!out || !iface || (!iface->blob && iface->blob_len))
        return ALR_EINVAL;
    alr_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return ALR_ENOMEM;
    alri_config_fix(&srv->cfg, cfg);
    srv->iface = iface;
    srv->lfd = -1;
    srv->wake[0] = srv->wake[1] = -1;
    alr_err r = alr_schema_load(iface->blob, iface->blob_len, &srv->schema, err, sizeof err);
    if (r == ALR_OK)
        r = alri_iface_check(iface, srv->schema, err, sizeof err);
    if (r == ALR_OK) {
        srv->services = calloc(iface->nservices ? iface->nservices : 1, sizeof *srv->services);
        if (!srv->services || pipe2(srv->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
            r = ALR_ENOMEM;
            snprintf(err, sizeof err, "out of memory or descriptors");
        }
    }
    if (r != ALR_OK) {
        alri_set_last_error(r, 0, err, SIZE_MAX);
        if (srv->wake[0] >= 0) {
            close(srv->wake[0]);
            close(srv->wake[1]);
        }
        free(srv->services);
        alr_schema_free(srv->schema);
        free(srv);
        return r;
    }
    alri_pool_init(&srv->pool, srv->cfg.workers, &srv->cfg);
    pthread_mutex_init(&srv->mu, NULL);
    atomic_init(&srv->closing, false);
    *out = srv;
    return ALR_OK;
}

alr_err alr_server_serve(alr_server *srv, uint32_t service, const void *handlers, void *user)
{
    if (!srv || service >= srv->iface->nservices || srv->accepting)
        return ALR_EINVAL;
    srv->services[service].handlers = handlers;
    srv->services[service].user = user;
    return ALR_OK;
}

uint16_t alr_server_port(const alr_server *srv)
{
    return srv ? srv->port : 0;
}

void alri_server_conn_done(alr_server *srv)
{
    char b = 1;
    ssize_t w = write(srv->wake[1], &b, 1); /* full pipe: a wake-up is pending anyway */
    (void)w;
}

static void *server_reader(void *arg)
{
    alr_endpoint *ep = arg;
    alr_server *srv = ep->srv;
    char err[400];
    alr_err r = alri_ep_handshake(ep, err, sizeof err);
    pthread_mutex_lock(&srv->mu);
    srv->nhandshaking--;
    pthread_mutex_unlock(&srv->mu);
    if (r == ALR_OK) {
        alri_log(&ep->cfg, ALR_LOG_INFO, "accepted %s", ep->peer);
        alri_ep_read_loop(ep);
    }
    atomic_store(&ep->reader_done, true);
    alri_server_conn_done(srv);
    return NULL;
}

/* Joins and releases every connection whose reader has ended. */
static void reap(alr_server *srv)
{
    alr_endpoint *dead = NULL;
    pthread_mutex_lock(&srv->mu);
    for (alr_endpoint **pp = &srv->conns; *pp;) {
        alr_endpoint *ep = *pp;
        if (atomic_load(&ep->reader_done)) {
            *pp = ep->snext;
            ep->snext = dead;
            dead = ep;
        } else {
            pp = &ep->snext;
        }
    }
    pthread_mutex_unlock(&srv->mu);
    while (dead) {
        alr_endpoint *n = dead->snext;
        pthread_join(dead->reader, NULL);
        alri_ep_unref(dead);
        dead = n;
    }
}

static void accept_one(alr_server *srv, int fd)
{
    pthread_mutex_lock(&srv->mu);
    if (srv->nhandshaking >= ALRI_MAX_HANDSHAKING) {
        pthread_mutex_unlock(&srv->mu);
        char peer[ALRI_NET_NAME_MAX];
        alri_net_peer_name(fd, peer);
        alri_log(&srv->cfg, ALR_LOG_WARN, "refused %s: %u connections are in the handshake", peer,
                 ALRI_MAX_HANDSHAKING);
        close(fd);
        return;
    }
    alr_endpoint *ep = NULL;
    if (alri_ep_new(srv->iface, &srv->cfg, ALR_ROLE_ACCEPTOR, fd, srv->schema, srv, &ep) !=
        ALR_OK) {
        pthread_mutex_unlock(&srv->mu);
        alri_log(&srv->cfg, ALR_LOG_ERROR, "out of memory for a connection");
        close(fd);
        return;
    }
    if (alri_thread_start(&ep->reader, server_reader, ep) != 0) {
        pthread_mutex_unlock(&srv->mu);
        alri_log(&srv->cfg, ALR_LOG_ERROR, "cannot start a reader thread for %s", ep->peer);
        alri_ep_unref(ep);
        return;
    }
    ep->reader_started = true;
    srv->nhandshaking++;
    ep->snext = srv->conns;
    srv->conns = ep;
    pthread_mutex_unlock(&srv->mu);
}

static void *acceptor(void *arg)
{
    alr_server *srv = arg;
    while (!atomic_load(&srv->closing)) {
        struct pollfd pfd[2] = {{srv->lfd, POLLIN, 0}, {srv->wake[0], POLLIN, 0}};
        int pr = poll(pfd, 2, -1);
        if (pr < 0 && errno != EINTR)
            break;
        if (atomic_load(&srv->closing))
            break;
        if (pfd[1].revents) {
            char buf[64];
            while (read(srv->wake[0], buf, sizeof buf) > 0) {
            }
            reap(srv);
        }
        if (pfd[0].revents) {
            for (;;) {
                int fd = alri_net_accept(srv->lfd);
                if (fd >= 0) {
                    accept_one(srv, fd);
                    continue;
                }
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                    alri_log(&srv->cfg, ALR_LOG_WARN, "accept: %s", strerror(errno));
                    poll(NULL, 0, 100); /* let descriptors free up */
                }
                break;
            }
        }
    }
    return NULL;
}

alr_err alr_server_listen(alr_server *srv, const char *addr)
{
    char err[300] = "", host[ALRI_NET_HOST_MAX], port[ALRI_NET_PORT_MAX];
    if (!srv || !addr || srv->accepting)
        return ALR_EINVAL;
    alr_err r = alri_net_split(addr, host, port, err, sizeof err);
    if (r == ALR_OK)
        r = alri_net_listen(host, port, &srv->lfd, &srv->port, err, sizeof err);
    if (r == ALR_OK && alri_thread_start(&srv->acceptor, acceptor, srv) != 0) {
        close(srv->lfd);
        srv->lfd = -1;
        srv->port = 0;
        r = ALR_ENOMEM;
        snprintf(err, sizeof err, "cannot start the acceptor thread");
    }
    if (r != ALR_OK) {
        alri_set_last_error(r, 0, err, SIZE_MAX);
        alri_log(&srv->cfg, ALR_LOG_ERROR, "%s", err);
        return r;
    }
    srv->accepting = true;
    alri_log(&srv->cfg, ALR_LOG_INFO, "listening on %s (port %u)", addr, srv->port);
    return ALR_OK;
}

void alr_server_close(alr_server *srv)
{
    if (!srv)
        return;
    atomic_store(&srv->closing, true);
    alri_server_conn_done(srv);
    if (srv->accepting)
        pthread_join(srv->acceptor, NULL);
    if (srv->lfd >= 0)
        close(srv->lfd);
    /* the acceptor is gone: conns is ours alone */
    pthread_mutex_lock(&srv->mu);
    alr_endpoint *conns = srv->conns;
    srv->conns = NULL;
    pthread_mutex_unlock(&srv->mu);
    for (alr_endpoint *ep = conns; ep; ep = ep->snext) {
        if (atomic_load(&ep->state) == ALRI_EP_OPEN) {
            alri_frame f;
            memset(&f, 0, sizeof f);
            f.kind = ALRI_FRAME_CLOSE;
            static const char reason[] = "server shutting down";
            alri_ep_send(ep, &f, reason, sizeof reason - 1);
        }
        alri_ep_fail(ep, ALR_ECLOSED, "server shutting down");
    }
    for (alr_endpoint *ep = conns; ep; ep = ep->snext)
        pthread_join(ep->reader, NULL);
    alri_pool_stop(&srv->pool);
    while (conns) {
        alr_endpoint *n = conns->snext;
        alri_ep_unref(conns);
        conns = n;
    }
    alri_pool_fini(&srv->pool);
    close(srv->wake[0]);
    close(srv->wake[1]);
    pthread_mutex_destroy(&srv->mu);
    free(srv->services);
    alr_schema_free(srv->schema);
    free(srv);
}

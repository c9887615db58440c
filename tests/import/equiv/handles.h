/* Services as handles. */
#ifndef HANDLES_H
#define HANDLES_H

#include <stdint.h>

#include <alr/annotate.h>

ALR_PACKAGE("handles");

/// A server-side session.
typedef struct ALR_SERVICE ALR_PREFIX("session_") Session Session;
/// The client's callback, only ever passed by reference.
typedef struct ALR_SERVICE ALR_COMMON ALR_PREFIX("listener_") Listener Listener;
typedef struct ALR_SERVICE ALR_PREFIX("dir_") Directory Directory;

struct ALR_STRUCT Peer {
    const char *name;
    Session *session;
    ALR_LIST(nchildren) Session **children;
    uint32_t nchildren;
};

/* Methods may come in any order across services; each keeps its place. */
ALR_STATIC(Directory) Session *dir_find(const char *user);
ALR_CTOR(Session) Session *session_new(const char *user, ALR_DEFAULT(60) uint32_t ttl);
ALR_METHOD(Session) const char *session_user(const Session *self);
ALR_METHOD(Session) void session_touch(Session *self, uint32_t seconds);
ALR_METHOD(Listener) ALR_ONEWAY void listener_event(Listener *self, const char *what, uint64_t at);
ALR_METHOD(Session) Session *session_fork(Session *self, const char *label);
ALR_METHOD(Session) void session_children(Session *self, ALR_OUT ALR_LIST(n) Session ***out,
                                          uint32_t *n);
ALR_STATIC(Directory) void dir_watch(Listener *l, ALR_LIST(nusers) const char **users,
                                     uint32_t nusers);
ALR_METHOD(Session) void session_adopt(Session *self, Session *child, struct Peer from);
ALR_METHOD(Listener) ALR_STATUS int listener_closed(Listener *self, Session *s);
ALR_METHOD(Session) ALR_DEPRECATED ALR_ONEWAY void session_close(Session *self);
ALR_STATIC(Directory) void dir_peers(ALR_OUT ALR_LIST(n) struct Peer **out, uint32_t *n);
ALR_CTOR(Directory) Directory *dir_new(void);
ALR_METHOD(Directory) uint32_t dir_size(const Directory *self);

#endif

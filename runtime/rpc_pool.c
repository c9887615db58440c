/*
 * rpc_pool.c - the worker pool that runs inbound calls of slots that have
 * no runner.  Threads start on demand (a task queued and no idle worker)
 * up to the cap, and live until alri_pool_stop, which first runs every
 * queued task.  A task is a slot (its ep referenced by the submitter).
 */
#include <signal.h>
#include <stdlib.h>

#include "rpc_internal.h"

int alri_thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = pthread_create(th, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}

void alri_pool_init(alri_pool *p, uint32_t cap, const alr_config *cfg)
{
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->head = p->tail = NULL;
    p->nqueued = p->nthreads = p->nidle = 0;
    p->cap = cap ? cap : 1;
    p->threads = NULL;
    p->threads_cap = 0;
    p->stopping = false;
    p->log = cfg->log;
    p->log_user = cfg->log_user;
}

static void *worker(void *arg)
{
    alri_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stopping) {
            p->nidle++;
            pthread_cond_wait(&p->cv, &p->mu);
            p->nidle--;
        }
        if (!p->head)
            break; /* stopping, nothing left */
        alri_slot *s = p->head;
        p->head = s->pnext;
        if (!p->head)
            p->tail = NULL;
        p->nqueued--;
        pthread_mutex_unlock(&p->mu);
        alri_slot_drain(s);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

void alri_pool_submit(alri_pool *p, alri_slot *s)
{
    pthread_mutex_lock(&p->mu);
    s->pnext = NULL;
    if (p->tail)
        p->tail->pnext = s;
    else
        p->head = s;
    p->tail = s;
    p->nqueued++;
    if (p->nidle < p->nqueued && p->nthreads < p->cap && !p->stopping) {
        bool room = p->nthreads < p->threads_cap;
        if (!room) {
            uint32_t nc = p->threads_cap ? p->threads_cap * 2 : 8;
            pthread_t *nt = realloc(p->threads, nc * sizeof *nt);
            if (nt) {
                p->threads = nt;
                p->threads_cap = nc;
                room = true;
            }
        }
        if (room && alri_thread_start(&p->threads[p->nthreads], worker, p) == 0) {
            p->nthreads++;
        } else if (p->nthreads == 0 && p->log) {
            p->log(p->log_user, ALR_LOG_ERROR, "cannot start a worker thread: inbound calls wait");
        }
    }
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void alri_pool_stop(alri_pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    uint32_t n = p->nthreads;
    pthread_mutex_unlock(&p->mu);
    /* no thread starts once stopping is set, so threads[0..n) is final */
    for (uint32_t i = 0; i < n; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_lock(&p->mu);
    p->nthreads = 0;
    while (p->head) { /* only when no thread could be started */
        alri_slot *s = p->head;
        p->head = s->pnext;
        if (!p->head)
            p->tail = NULL;
        p->nqueued--;
        pthread_mutex_unlock(&p->mu);
        alri_slot_drain(s);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

void alri_pool_fini(alri_pool *p)
{
    free(p->threads);
    p->threads = NULL;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

/*
 * arena.c - bump allocation in chained blocks.  Large requests get a block
 * of their own so that a big table does not waste a whole standard block.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 16384u
#define ARENA_ALIGN (alignof(max_align_t))

struct alri_arena_block {
    alri_arena_block *prev;
    size_t cap;
    alignas(max_align_t) unsigned char data[];
};

void alri_arena_init(alri_arena *a)
{
    a->head = NULL;
    a->used = 0;
    a->total = 0;
    a->limit = 0;
}

void alri_arena_fini(alri_arena *a)
{
    alri_arena_block *b = a->head;
    while (b) {
        alri_arena_block *prev = b->prev;
        free(b);
        b = prev;
    }
    a->head = NULL;
    a->used = 0;
    a->total = 0;
}

void *alri_arena_alloc(alri_arena *a, size_t size)
{
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (a->limit && (a->total + size > a->limit || a->total + size < a->total))
        return NULL;
    if (!a->head || a->head->cap - a->used < size) {
        size_t cap = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
        alri_arena_block *b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->cap = cap;
        if (a->head && cap == size && a->head->cap - a->used >= ARENA_BLOCK / 8) {
            /* keep filling the current block: slot the big one behind it */
            b->prev = a->head->prev;
            a->head->prev = b;
            a->total += size;
            memset(b->data, 0, size);
            return b->data;
        }
        b->prev = a->head;
        a->head = b;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *alri_arena_strndup(alri_arena *a, const char *p, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *s = alri_arena_alloc(a, n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

void *alri_arena_realloc(alri_arena *a, void *old, size_t oldsize, size_t newsize)
{
    void *p = alri_arena_alloc(a, newsize);
    if (p && old && oldsize)
        memcpy(p, old, oldsize < newsize ? oldsize : newsize);
    return p;
}

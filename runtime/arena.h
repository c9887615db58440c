/*
 * arena.h - a bump allocator for data that dies all at once (a schema, an
 * AST, a decoded call).  Blocks are malloc'ed and chained; nothing inside is
 * freed individually.  Not thread-safe: one owner at a time.
 */
#ifndef ALR_ARENA_H
#define ALR_ARENA_H

#include <stddef.h>

typedef struct alri_arena_block alri_arena_block;

typedef struct alri_arena {
    alri_arena_block *head; /* current block; older blocks chained behind */
    size_t used;            /* bytes used in head */
    size_t total;           /* bytes handed out over the arena's life */
    size_t limit;           /* 0 = unlimited; else alloc fails past it */
} alri_arena;

/* Initializes an empty arena (no allocation yet). */
void alri_arena_init(alri_arena *a);
/* Frees every block; the arena is empty and reusable afterwards. */
void alri_arena_fini(alri_arena *a);
/* Returns size bytes aligned for any type, zeroed; NULL when out of memory
 * or past a->limit.  The memory lives until alri_arena_fini(). */
void *alri_arena_alloc(alri_arena *a, size_t size);
/* Copies n bytes of p and appends a NUL; NULL on out of memory. */
char *alri_arena_strndup(alri_arena *a, const char *p, size_t n);
/* Grows a previous allocation: returns a new block holding old[0..oldsize)
 * and room for newsize bytes (the old block is simply abandoned). */
void *alri_arena_realloc(alri_arena *a, void *old, size_t oldsize, size_t newsize);

#endif /* ALR_ARENA_H */

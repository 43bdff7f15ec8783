/* arena.c - per-request bump allocator (see arena.h). */
#include "arena.h"

#include "mem.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_DEFAULT_CHUNK 4096

typedef struct chunk {
    struct chunk *next;
    size_t size;   /* usable bytes in data[] */
    size_t used;
    alignas(max_align_t) unsigned char data[];
} chunk_t;

struct sk_arena_s {
    chunk_t *head;     /* current chunk (most recent) */
    size_t chunk;      /* preferred chunk size */
    size_t used;       /* bytes handed out since the last reset */
};

static chunk_t *chunk_new(size_t size)
{
    chunk_t *c = sk_malloc(sizeof(*c) + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

sk_arena_t *sk_arena_new(size_t chunk)
{
    sk_arena_t *a = sk_calloc(1, sizeof(*a));
    a->chunk = chunk ? chunk : ARENA_DEFAULT_CHUNK;
    return a;
}

static size_t round_up(size_t n)
{
    return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void *sk_arena_alloc(sk_arena_t *a, size_t n)
{
    if (n > SIZE_MAX - 2 * ARENA_ALIGN - sizeof(chunk_t))
        abort(); /* cannot be satisfied; like sk_malloc on exhaustion */
    size_t need = round_up(n ? n : 1);
    chunk_t *c = a->head;
    if (!c || c->size - c->used < need) {
        /* Big requests get a chunk of their own placed behind the current
         * one, so the remainder of the current chunk is not wasted. */
        if (need > a->chunk / 4 && c) {
            chunk_t *big = chunk_new(need);
            big->next = c->next;
            c->next = big;
            big->used = need;
            a->used += need;
            return big->data;
        }
        c = chunk_new(need > a->chunk ? need : a->chunk);
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used += need;
    return p;
}

void *sk_arena_calloc(sk_arena_t *a, size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size)
        abort();
    void *p = sk_arena_alloc(a, nmemb * size);
    memset(p, 0, nmemb * size);
    return p;
}

void *sk_arena_memdup(sk_arena_t *a, const void *p, size_t n)
{
    void *d = sk_arena_alloc(a, n);
    if (n)
        memcpy(d, p, n);
    return d;
}

char *sk_arena_strdup(sk_arena_t *a, const char *s)
{
    if (!s)
        return NULL;
    return sk_arena_memdup(a, s, strlen(s) + 1);
}

void sk_arena_reset(sk_arena_t *a)
{
    if (!a->head)
        return;
    /* Keep the oldest chunk of the preferred size (the tail of the list). */
    chunk_t *keep = NULL;
    chunk_t *c = a->head;
    while (c) {
        chunk_t *next = c->next;
        if (!next && c->size == a->chunk && !keep)
            keep = c;
        else
            free(c);
        c = next;
    }
    a->head = keep;
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->used = 0;
}

size_t sk_arena_used(const sk_arena_t *a)
{
    return a->used;
}

void sk_arena_free(sk_arena_t *a)
{
    if (!a)
        return;
    chunk_t *c = a->head;
    while (c) {
        chunk_t *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

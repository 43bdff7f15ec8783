/* arena.h - per-request bump allocator.
 *
 * A request decoder allocates every array it needs from one arena; the whole
 * request is released with a single sk_arena_free() (or sk_arena_reset() to
 * reuse the memory for the next request on a connection). Strings are never
 * copied into the arena: decoders return sk_str_t views into the request
 * bytes, so those bytes must outlive the decoded struct.
 *
 * Memory comes from mem.h (aborts on exhaustion). Callers must not size an
 * allocation from the wire without a bound; the decoders bound every array
 * count by the bytes remaining in the request.
 * @locality any (an arena is used by one thread at a time)
 */
#ifndef SK_ARENA_H
#define SK_ARENA_H
#include <stddef.h>

typedef struct sk_arena_s sk_arena_t;

/* New empty arena; chunk is the preferred chunk size in bytes (0 = 4 KiB). */
sk_arena_t *sk_arena_new(size_t chunk);
/* n bytes aligned for any type; never NULL (n == 0 returns a valid pointer). */
void *sk_arena_alloc(sk_arena_t *a, size_t n);
/* nmemb * size zeroed bytes; aborts (like sk_calloc) if the product overflows. */
void *sk_arena_calloc(sk_arena_t *a, size_t nmemb, size_t size);
/* Copy of n bytes / a NUL-terminated copy of s (NULL -> NULL). */
void *sk_arena_memdup(sk_arena_t *a, const void *p, size_t n);
char *sk_arena_strdup(sk_arena_t *a, const char *s);
/* Drop all allocations but keep the first chunk for reuse. */
void sk_arena_reset(sk_arena_t *a);
/* Bytes handed out since creation / the last reset (for limits and tests). */
size_t sk_arena_used(const sk_arena_t *a);
/* Free the arena and everything allocated from it (NULL is a no-op). */
void sk_arena_free(sk_arena_t *a);

#endif

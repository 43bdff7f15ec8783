/* tpdup.h - finding a topic-partition named twice in a list.
 *
 * Request and file parsers (reassignment JSON, skein-delete-records' offset
 * JSON) refuse a partition given twice. Sorting makes the check n log n, so
 * a long list cannot make it quadratic. */
#ifndef SK_TPDUP_H
#define SK_TPDUP_H

#include <stdint.h>

typedef struct sk_tpref {
    const char *topic;
    int32_t partition;
} sk_tpref_t;

/* Sorts v[0..n) by topic then partition and returns the index of an entry
 * equal to the one before it (the duplicate to name in an error), or -1. */
int sk_tpref_find_dup(sk_tpref_t *v, int n);

#endif

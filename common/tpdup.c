/* tpdup.c - finding a topic-partition named twice in a list (see tpdup.h). */
#include "tpdup.h"

#include <stdlib.h>
#include <string.h>

static int tpref_cmp(const void *pa, const void *pb)
{
    const sk_tpref_t *a = pa, *b = pb;
    int c = strcmp(a->topic, b->topic);
    if (c)
        return c;
    return (a->partition > b->partition) - (a->partition < b->partition);
}

int sk_tpref_find_dup(sk_tpref_t *v, int n)
{
    if (n < 2)
        return -1;
    qsort(v, (size_t)n, sizeof(*v), tpref_cmp);
    for (int i = 1; i < n; i++)
        if (tpref_cmp(&v[i - 1], &v[i]) == 0)
            return i;
    return -1;
}

/* topics.c - topic table: a sorted array with binary search (see topics.h).
 * Topics change rarely (creation, deletion) and are looked up on every
 * request, so lookups are O(log n) and inserts O(n). */
#include "meta/topics.h"

#include "mem.h"
#include "znode.h"

#include <stdlib.h>
#include <string.h>

struct sk_topics_s {
    sk_topic_t **v;
    int n;
    int cap;
};

sk_topics_t *sk_topics_new(void)
{
    return sk_calloc(1, sizeof(sk_topics_t));
}

void sk_topic_free(sk_topic_t *topic)
{
    if (!topic)
        return;
    for (int i = 0; i < topic->n_partitions; i++) {
        free(topic->partitions[i].replicas);
        free(topic->partitions[i].isr);
        free(topic->partitions[i].offline);
        free(topic->partitions[i].replica_leo);
        free(topic->partitions[i].replica_caught_up_ms);
        free(topic->partitions[i].replica_log_start);
    }
    for (int i = 0; i < topic->n_configs; i++) {
        free(topic->config_keys[i]);
        free(topic->config_values[i]);
    }
    free(topic->config_keys);
    free(topic->config_values);
    free(topic->partitions);
    free(topic->topic_id);
    free(topic->name);
    free(topic);
}

void sk_topics_free(sk_topics_t *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->n; i++)
        sk_topic_free(t->v[i]);
    free(t->v);
    free(t);
}

static int cmp_name(const char *a, int32_t alen, const char *b)
{
    size_t blen = strlen(b);
    size_t n = (size_t)alen < blen ? (size_t)alen : blen;
    int c = memcmp(a, b, n);
    if (c)
        return c;
    return (size_t)alen < blen ? -1 : (size_t)alen > blen ? 1 : 0;
}

/* Index of name, or -(insertion point) - 1. */
static int search(const sk_topics_t *t, const char *name, int32_t len)
{
    int lo = 0, hi = t->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = cmp_name(name, len, t->v[mid]->name);
        if (c == 0)
            return mid;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return -lo - 1;
}

sk_topic_t *sk_topics_find(sk_topics_t *t, const char *name, int32_t len)
{
    if (len < 0)
        return NULL;
    int i = search(t, name, len);
    return i >= 0 ? t->v[i] : NULL;
}

sk_partition_t *sk_topics_partition(sk_topics_t *t, const char *name, int32_t len, int32_t partition)
{
    sk_topic_t *topic = sk_topics_find(t, name, len);
    if (!topic || partition < 0 || partition >= topic->n_partitions)
        return NULL;
    return &topic->partitions[partition];
}

int sk_topics_count(const sk_topics_t *t)
{
    return t->n;
}

void sk_topics_foreach(sk_topics_t *t, void (*fn)(sk_topic_t *topic, void *arg), void *arg)
{
    for (int i = 0; i < t->n; i++)
        fn(t->v[i], arg);
}

sk_topic_t *sk_topics_put(sk_topics_t *t, sk_topic_t *topic)
{
    int i = search(t, topic->name, (int32_t)strlen(topic->name));
    if (i >= 0) {
        sk_topic_free(t->v[i]);
        t->v[i] = topic;
        return topic;
    }
    int at = -i - 1;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = sk_realloc(t->v, (size_t)t->cap * sizeof(*t->v));
    }
    memmove(t->v + at + 1, t->v + at, (size_t)(t->n - at) * sizeof(*t->v));
    t->v[at] = topic;
    t->n++;
    return topic;
}

void sk_topics_remove(sk_topics_t *t, const char *name)
{
    int i = search(t, name, (int32_t)strlen(name));
    if (i < 0)
        return;
    sk_topic_free(t->v[i]);
    memmove(t->v + i, t->v + i + 1, (size_t)(t->n - i - 1) * sizeof(*t->v));
    t->n--;
}

const char *sk_topic_config(const sk_topic_t *topic, const char *key)
{
    for (int i = 0; i < topic->n_configs; i++)
        if (strcmp(topic->config_keys[i], key) == 0)
            return topic->config_values[i];
    return NULL;
}

sk_topic_t *sk_topics_find_id(sk_topics_t *t, const uint8_t id[16])
{
    for (int i = 0; i < t->n; i++) {
        uint8_t got[16];
        if (t->v[i]->topic_id && sk_znode_uuid_decode(t->v[i]->topic_id, got) == 0 &&
            memcmp(got, id, 16) == 0)
            return t->v[i];
    }
    return NULL;
}

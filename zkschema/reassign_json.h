/* reassign_json.h - Kafka's partition reassignment JSON, version 1: the
 * /admin/reassign_partitions znode and kafka-reassign-partitions.sh's
 * --reassignment-json-file, both
 *   {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]}
 * (the tool's files may add "log_dirs":["any",..], accepted and ignored).
 * Untrusted input: every field is checked, and a partition named twice or a
 * replica list naming a broker twice is refused with Kafka's message. */
#ifndef SK_REASSIGN_JSON_H
#define SK_REASSIGN_JSON_H
#include <stddef.h>
#include <stdint.h>

typedef struct sk_reassign_item {
    char *topic;
    int32_t partition;
    int32_t *replicas; /* NULL when n_replicas is 0 */
    int n_replicas;
} sk_reassign_item_t;

typedef struct sk_reassign_list {
    sk_reassign_item_t *items;
    int n;
} sk_reassign_list_t;

/* SK_OK, or SK_EPARSE with the reason in err. An empty "partitions" list is
 * valid here (the callers decide what it means). */
int sk_reassign_json_decode(const char *data, size_t len, sk_reassign_list_t *out, char *err,
                            size_t errlen);
/* Compact JSON in Kafka's key order; log_dirs adds "log_dirs":["any",..] as
 * the tool's --generate prints. malloc'd; NULL on an invalid topic name. */
char *sk_reassign_json_encode(const sk_reassign_list_t *l, int log_dirs);
/* Append a copy of one item. */
void sk_reassign_list_add(sk_reassign_list_t *l, const char *topic, int32_t partition,
                          const int32_t *replicas, int n_replicas);
void sk_reassign_list_clear(sk_reassign_list_t *l);

/* --topics-to-move-json-file: {"topics":[{"topic":"a"},..],"version":1}.
 * Names (valid topic names, duplicates dropped) malloc'd in *names; at
 * least one. SK_OK or SK_EPARSE with the reason. */
int sk_reassign_topics_decode(const char *data, size_t len, char ***names, int *n, char *err,
                              size_t errlen);
void sk_reassign_topics_free(char **names, int n);

#endif

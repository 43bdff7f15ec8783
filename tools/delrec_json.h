/* delrec_json.h - the offset JSON file of skein-delete-records, Kafka's
 * kafka-delete-records.sh format:
 *
 *   {"partitions": [{"topic": "t", "partition": 0, "offset": 10}, ...],
 *    "version": 1}
 *
 * "version" may be left out (1); any other version is refused. Every entry
 * needs a legal topic name, a partition >= 0 and an offset >= -1 (-1: the
 * high watermark); unknown keys are refused, as are an empty list and a
 * partition named twice (Kafka: "Offset json file contains duplicate topic
 * partitions"). Pure: no I/O besides reading the string given.
 * @locality any
 */
#ifndef SK_DELREC_JSON_H
#define SK_DELREC_JSON_H
#include <stddef.h>
#include <stdint.h>

typedef struct sk_delrec_entry {
    char *topic;
    int32_t partition;
    int64_t offset;
} sk_delrec_entry_t;

typedef struct sk_delrec_list {
    sk_delrec_entry_t *e;
    int n;
} sk_delrec_list_t;

/* Parse len bytes of JSON into out (entries in file order). SK_OK, or
 * SK_EPARSE with a message naming the entry at fault (out left empty). */
int sk_delrec_json_parse(const char *json, size_t len, sk_delrec_list_t *out, char *err,
                         size_t errlen);
void sk_delrec_list_free(sk_delrec_list_t *l);

#endif

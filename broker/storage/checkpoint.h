/* checkpoint.h - the small text files in a Kafka log directory.
 *
 * Offset checkpoints (recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint, replication-offset-checkpoint):
 *   "0\n<count>\n<topic> <partition> <offset>\n" x count
 * meta.properties (Java properties; ZooKeeper-mode version 0):
 *   version=0, broker.id=<id>, optional cluster.id=<id>.
 * Files are replaced atomically (tmp file + fsync + rename + dir fsync).
 * Parsers are strict: anything malformed is SK_EPARSE with a reason in err.
 * @locality any (pure, or blocking file I/O: diskio workers or startup)
 */
#ifndef SK_CHECKPOINT_H
#define SK_CHECKPOINT_H
#include <stddef.h>
#include <stdint.h>

typedef struct sk_ckpt_entry {
    char *topic;
    int32_t partition;
    int64_t offset;
} sk_ckpt_entry_t;

typedef struct sk_ckpt {
    sk_ckpt_entry_t *e;
    size_t n, cap;
} sk_ckpt_t;

#define SK_CKPT_RECOVERY "recovery-point-offset-checkpoint"
#define SK_CKPT_LOG_START "log-start-offset-checkpoint"
#define SK_CKPT_REPLICATION "replication-offset-checkpoint"
#define SK_META_PROPERTIES "meta.properties"

void sk_ckpt_init(sk_ckpt_t *c);
void sk_ckpt_free(sk_ckpt_t *c);
void sk_ckpt_add(sk_ckpt_t *c, const char *topic, int32_t partition, int64_t offset);
/* Parse text (len bytes, need not be NUL-terminated) into out (initialised
 * here). 0 or SK_EPARSE (out left empty). */
int sk_ckpt_parse(const char *text, size_t len, sk_ckpt_t *out, char *err, size_t errlen);
/* Format into a new string (caller frees); *len = its length. */
char *sk_ckpt_format(const sk_ckpt_t *c, size_t *len);
/* Read and parse a file. A missing file gives an empty checkpoint and
 * SK_ENOENT (callers usually treat it as empty); SK_EIO; SK_EPARSE. */
int sk_ckpt_read_file(const char *path, sk_ckpt_t *out, char *err, size_t errlen);

typedef struct sk_meta_props {
    int version;
    int32_t broker_id;  /* -1 if absent */
    char *cluster_id;   /* NULL if absent */
} sk_meta_props_t;

int sk_meta_parse(const char *text, size_t len, sk_meta_props_t *out, char *err, size_t errlen);
char *sk_meta_format(const sk_meta_props_t *m);
void sk_meta_free(sk_meta_props_t *m);
/* Read meta.properties: SK_OK, SK_ENOENT (no file), SK_EIO, SK_EPARSE. */
int sk_meta_read_file(const char *path, sk_meta_props_t *out, char *err, size_t errlen);

/* partition.metadata (in each partition dir; Kafka's format):
 *   "version: 0\ntopic_id: <id>\n"
 * where <id> is the topic's Kafka Uuid: 16 bytes in unpadded base64url,
 * 22 characters. */
#define SK_PARTITION_METADATA "partition.metadata"
#define SK_TOPIC_ID_LEN 22
/* 1 if id[0..len) is a canonical 22-char base64url Uuid other than the
 * all-zero one (Kafka's "no id"), else 0. */
int sk_topic_id_valid(const char *id, size_t len);
/* Strict parse ("<key>:" then spaces, version 0, a valid topic id, then at
 * most empty lines): 0 with id filled in (NUL-terminated), or SK_EPARSE
 * with the reason in err. */
int sk_partmeta_parse(const char *text, size_t len, char id[SK_TOPIC_ID_LEN + 1], char *err,
                      size_t errlen);
char *sk_partmeta_format(const char *topic_id); /* caller frees */
/* 0, SK_ENOENT, SK_EIO, SK_EPARSE (err names the file). */
int sk_partmeta_read_file(const char *path, char id[SK_TOPIC_ID_LEN + 1], char *err,
                          size_t errlen);

/* Strict decimal: optional '-', then 1..19 digits, value within [min, max].
 * 0, or -1 if malformed or out of range. */
int sk_ckpt_parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out);
/* Next line of [*p, end) without its '\n' (the last line may lack one):
 * 1 with the line in (ls, ll), or 0 at the end of the text. */
int sk_ckpt_next_line(const char **p, const char *end, const char **ls, size_t *ll);

/* Replace path atomically with data: write path.tmp, fsync, rename, fsync
 * the directory. 0 or SK_EIO. */
int sk_file_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen);
/* Read a whole small file (<= max bytes) into a NUL-terminated buffer.
 * SK_ENOENT, SK_EIO, SK_ETOOBIG. */
int sk_file_read_small(const char *path, size_t max, char **out, size_t *len);
/* Read a small text file and parse it: SK_ENOENT if missing (err untouched),
 * else the read error or the parser's result, with err saying
 * "cannot read PATH: ..." or "malformed <what>PATH: <parser's reason>". */
typedef int (*sk_text_parse_fn)(const char *text, size_t len, void *ctx, char *why,
                                size_t whylen);
int sk_file_parse(const char *path, size_t max, const char *what, sk_text_parse_fn parse,
                  void *ctx, char *err, size_t errlen);

#endif

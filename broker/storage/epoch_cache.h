/* epoch_cache.h - a partition's leader epoch cache (KIP-101/279) and its
 * leader-epoch-checkpoint file.
 *
 * The cache is a list of (epoch, start offset) entries, both strictly
 * increasing: epoch E covers offsets [start(E), start(next entry)), the
 * latest one up to the log end offset. A follower asks the leader where its
 * latest epoch ends (OffsetForLeaderEpoch, or DivergingEpoch in Fetch v12+)
 * and truncates there instead of at its high watermark.
 *
 * File format (Kafka's, in the partition directory):
 *   "0\n<count>\n<epoch> <start_offset>\n" x count
 *
 * This module is pure memory and text; the partition log (log_plog.c)
 * decides when to call it and writes the file.
 * @locality any (an instance belongs to one thread: the loop owning the log)
 */
#ifndef SK_EPOCH_CACHE_H
#define SK_EPOCH_CACHE_H
#include <stddef.h>
#include <stdint.h>

#define SK_LEADER_EPOCH_CHECKPOINT "leader-epoch-checkpoint"
#define SK_EPOCH_UNDEFINED (-1)        /* Kafka's UNDEFINED_EPOCH */
#define SK_EPOCH_OFFSET_UNDEFINED (-1) /* Kafka's UNDEFINED_EPOCH_OFFSET */

typedef struct sk_epoch_entry {
    int32_t epoch;
    int64_t start_offset;
} sk_epoch_entry_t;

typedef struct sk_epoch_cache_s sk_epoch_cache_t;

sk_epoch_cache_t *sk_epoch_cache_new(void);
void sk_epoch_cache_free(sk_epoch_cache_t *c); /* NULL ok */

size_t sk_epoch_cache_count(const sk_epoch_cache_t *c);
/* Entry i (0 = oldest); i < count. */
sk_epoch_entry_t sk_epoch_cache_get(const sk_epoch_cache_t *c, size_t i);
/* Latest epoch, or SK_EPOCH_UNDEFINED when empty. */
int32_t sk_epoch_cache_latest_epoch(const sk_epoch_cache_t *c);
/* Epoch of the entry with the largest start offset <= offset; or
 * SK_EPOCH_UNDEFINED if none. */
int32_t sk_epoch_cache_epoch_for_offset(const sk_epoch_cache_t *c, int64_t offset);
int sk_epoch_cache_equal(const sk_epoch_cache_t *a, const sk_epoch_cache_t *b);

/* Replace the contents with entries[0..n), which must have epoch >= 0,
 * start >= 0 and both strictly increasing: 0 or SK_EINVAL (unchanged). */
int sk_epoch_cache_load(sk_epoch_cache_t *c, const sk_epoch_entry_t *entries, size_t n);

/* Record that the batch at start_offset has leader epoch `epoch`, data
 * after it being new (an append, or a recovery scan in offset order).
 * Entries that contradict this go first: those starting at or after
 * start_offset and those with a larger epoch. Then (epoch, start_offset) is
 * added unless the latest entry already has this epoch.
 * Returns 1 if the cache changed, 0 if not, SK_EINVAL for a negative epoch
 * or offset (nothing changes). */
int sk_epoch_cache_assign(sk_epoch_cache_t *c, int32_t epoch, int64_t start_offset);

/* OffsetForLeaderEpoch, with Kafka's semantics (log_end_offset = LEO):
 *  - requested < 0, or larger than every epoch in the cache, or an empty
 *    cache: (SK_EPOCH_UNDEFINED, SK_EPOCH_OFFSET_UNDEFINED);
 *  - requested == latest epoch: (requested, log_end_offset);
 *  - otherwise the largest epoch <= requested and, as its end, the start
 *    offset of the first epoch > requested;
 *  - requested below the first cached epoch (older entries were removed with
 *    old segments): (requested, start offset of the first entry), so the
 *    follower truncates to at most the leader's earliest epoch start. */
void sk_epoch_cache_end_offset_for(const sk_epoch_cache_t *c, int32_t requested,
                                   int64_t log_end_offset, int32_t *out_epoch,
                                   int64_t *out_end_offset);

/* The follower's side of KIP-101/279: where to truncate a follower log
 * (cache c, log end offset leo, high watermark hw) given the leader's
 * OffsetForLeaderEpoch answer (leader_epoch, leader_end_offset) for the
 * follower's latest epoch. Sets *offset (<= leo) and returns 1 when that
 * ends the truncation, 0 when the follower must truncate to *offset and ask
 * again with its then latest epoch (the leader answered with an epoch the
 * follower does not have). Rules:
 *  - leader_end_offset undefined (< 0): the leader knows nothing of that
 *    epoch or anything older; the only fallback is the high watermark:
 *    min(hw, leo) (never below 0);
 *  - leader_epoch undefined but an end offset: min(end, leo);
 *  - the follower's largest epoch F <= leader_epoch (sk_epoch_cache_end_offset_for
 *    with leo), ending at fend:
 *      none (empty cache): min(leader_end_offset, leo), done;
 *      F == leader_epoch: min(fend, leader_end_offset, leo), done;
 *      F <  leader_epoch: min(fend, leo), ask again.
 * The high watermark is used only in the first case (never to cut a log
 * the leader can describe). The caller keeps the result >= the log start. */
int sk_epoch_truncation_point(const sk_epoch_cache_t *c, int64_t leo, int64_t hw,
                              int32_t leader_epoch, int64_t leader_end_offset, int64_t *offset);

/* Remove entries with start offset >= end_offset (log truncated to it).
 * Returns 1 if anything was removed. */
int sk_epoch_cache_truncate_from_end(sk_epoch_cache_t *c, int64_t end_offset);
/* The log now starts at start_offset: of the entries starting at or before
 * it only the last stays, moved to start at start_offset. Returns 1 if the
 * cache changed. */
int sk_epoch_cache_truncate_from_start(sk_epoch_cache_t *c, int64_t start_offset);
void sk_epoch_cache_clear(sk_epoch_cache_t *c);

/* leader-epoch-checkpoint text. parse: strict (version 0, count, exactly
 * count "<epoch> <start>" lines with single spaces, then at most empty
 * lines; entries as for _load). 0, or SK_EPARSE with the reason in err and
 * c unchanged. */
int sk_epoch_cache_parse(sk_epoch_cache_t *c, const char *text, size_t len, char *err,
                         size_t errlen);
/* New string (caller frees); *len its length (len may be NULL). */
char *sk_epoch_cache_format(const sk_epoch_cache_t *c, size_t *len);
/* Read and parse a file: 0, SK_ENOENT (no file; c unchanged), SK_EIO,
 * SK_EPARSE (err names the file). @locality any (blocking read) */
int sk_epoch_cache_read_file(sk_epoch_cache_t *c, const char *path, char *err, size_t errlen);

#endif

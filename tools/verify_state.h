/* verify_state.h - skein-verify's state file: a produce run written down so
 * that a later `skein-verify --consume-only --state-file F` can check it.
 *
 * Text, one item per line, written as the run goes (a crash loses at most
 * the last, unfinished line):
 *
 *   skein-verify-state 1
 *   run <16 hex digits>
 *   topic <name>
 *   producers <n>
 *   start <partition> <offset>       one per partition: the log end when
 *                                    producing began
 *   a <producer> <seq> <partition> <offset> <latency_us>   acknowledged
 *   f <producer> <seq>                                     delivery failed
 *   sent <producer> <count>          records 0..count-1 were sent (written
 *                                    before their acknowledgements)
 *   end                              the run finished
 *
 * The header lines come first, in this order; body lines in any order.
 * @locality any
 */
#ifndef SK_VERIFY_STATE_H
#define SK_VERIFY_STATE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "verify_ledger.h"

#define SK_VSTATE_MAX_PARTITIONS 65536

typedef struct sk_vstate {
    uint64_t run;
    char *topic;
    int producers;
    int64_t *start; /* start[p], -1 where no start line was given */
    int n_start;
    int complete;  /* the "end" line was there */
    int truncated; /* the last line had no newline and was ignored */
} sk_vstate_t;

void sk_vstate_free(sk_vstate_t *st);

/* Write the header. SK_EIO on a write error. */
int sk_vstate_write_header(FILE *f, uint64_t run, const char *topic, int producers,
                           const int64_t *start, int n_partitions);
/* Body lines (errors show at sk_vstate_finish). */
void sk_vstate_write_ack(FILE *f, int32_t producer, int64_t seq, int32_t partition,
                         int64_t offset, int64_t latency_us);
void sk_vstate_write_failed(FILE *f, int32_t producer, int64_t seq);
void sk_vstate_write_sent(FILE *f, int32_t producer, int64_t count);
/* Flush; SK_EIO with the reason when anything written to f failed. */
int sk_vstate_flush(FILE *f, char *err, size_t errlen);
/* "end", then flush. */
int sk_vstate_finish(FILE *f, char *err, size_t errlen);

/* Parse a state file's bytes into *st and a new ledger (*out, to free).
 * SK_EPARSE with "line N: reason" in err for anything malformed. */
int sk_vstate_parse(const char *buf, size_t len, sk_vstate_t *st, sk_vledger_t **out,
                    char *err, size_t errlen);
/* The same for a file (at most 4 GiB). SK_EIO when it cannot be read. */
int sk_vstate_load(const char *path, sk_vstate_t *st, sk_vledger_t **out, char *err,
                   size_t errlen);

#endif

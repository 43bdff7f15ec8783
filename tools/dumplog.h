/* dumplog.h - print the contents of log segment files (skein-dump-log, the
 * counterpart of kafka-dump-log.sh).
 *
 * Handles <base>.log (record batches, optionally every record),
 * <base>.index (offset: N position: P) and <base>.timeindex
 * (timestamp: T offset: N), recognised by their suffix. Reads files only;
 * never changes them.
 * @locality any (blocking file I/O; meant for the command-line tool)
 */
#ifndef SK_DUMPLOG_H
#define SK_DUMPLOG_H
#include <stdio.h>

typedef struct sk_dumplog_opts {
    int deep;         /* --deep-iteration: every record of every batch */
    int print_data;   /* --print-data-log: records with key and payload (implies deep) */
    int index_sanity; /* --index-sanity-check: check indexes, print only the verdict */
} sk_dumplog_opts_t;

/* Dumps one file to out; problems go to errout, each line naming the file.
 * Returns 0, or 1 if the file cannot be read, is of an unknown kind, or is
 * corrupt (torn or invalid batch, bad CRC, malformed records, an index
 * entry that is out of order or does not match the .log). The dump goes on
 * as far as it safely can. Gzip batches are decompressed for record
 * output; other codecs are listed at batch level only. */
int sk_dumplog_file(const char *path, const sk_dumplog_opts_t *o, FILE *out, FILE *errout);

#endif

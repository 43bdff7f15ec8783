/* verify_report.h - skein-verify's report: the text for people, the JSON
 * for machines, and the verdict (see verify_ledger.h for the figures).
 * @locality any
 */
#ifndef SK_VERIFY_REPORT_H
#define SK_VERIFY_REPORT_H
#include <stdint.h>
#include <stdio.h>

#include "verify_ledger.h"

/* What the run was, besides the ledger's figures. */
typedef struct sk_vreport_meta {
    const char *topic;
    const char *group;    /* consumer group (NULL when nothing was consumed) */
    uint64_t run;
    int produced;         /* this invocation produced */
    int consumed;         /* this invocation consumed and checked */
    int drained;          /* the consumer caught up with every end offset */
    int64_t elapsed_ms;
    int64_t producer_errors; /* fatal producer errors (idempotence broken) */
    int64_t ack_gap_ms;      /* longest wait without an acknowledgement (-1 unknown) */
    const char *incomplete;  /* why the check could not finish, or NULL */
} sk_vreport_meta_t;

/* 1 when the run is clean: nothing incomplete, no fatal producer error, and
 * (when consumed) the consumer caught up and no violation was found. */
int sk_vreport_clean(const sk_vreport_t *r, const sk_vreport_meta_t *m);

/* Human-readable report, ending with "RESULT: CLEAN" or "RESULT: ...". */
void sk_vreport_print(FILE *out, const sk_vreport_t *r, const sk_vreport_meta_t *m);

/* The same as one JSON object (malloc'd, NUL-terminated, with a final
 * newline; free()). */
char *sk_vreport_json(const sk_vreport_t *r, const sk_vreport_meta_t *m);

#endif

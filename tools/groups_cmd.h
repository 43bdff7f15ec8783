/* groups_cmd.h - skein-consumer-groups command line: parsing, checks, help.
 *
 * Option names and rules follow Kafka's kafka-consumer-groups.sh. Parsing
 * is separate from doing so that every usage rule is unit-tested.
 * @locality any
 */
#ifndef SK_GROUPS_CMD_H
#define SK_GROUPS_CMD_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "groups_spec.h"

typedef enum {
    SK_GC_NONE = 0,
    SK_GC_LIST,
    SK_GC_DESCRIBE,
    SK_GC_RESET,
    SK_GC_DELETE,
    SK_GC_DELETE_OFFSETS,
} sk_gc_action_t;

/* What --describe prints. */
typedef enum {
    SK_GC_SHOW_OFFSETS = 0, /* the default */
    SK_GC_SHOW_MEMBERS,
    SK_GC_SHOW_STATE,
} sk_gc_show_t;

#define SK_GC_DEFAULT_TIMEOUT_MS 10000

typedef struct sk_groups_cmd {
    sk_gc_action_t action;
    int help;
    int version;
    const char *bootstrap;      /* --bootstrap-server */
    const char *command_config; /* --command-config */
    int timeout_ms;             /* --timeout */
    const char **groups;        /* --group (repeatable), point into argv */
    int n_groups;
    int all_groups;
    sk_gc_show_t show;
    int verbose;
    sk_gtopic_spec_t *topics; /* --topic (repeatable) */
    int n_topics;
    int all_topics;
    sk_greset_mode_t reset;
    int64_t reset_value; /* offset, shift or ms since the epoch */
    int dry_run;
    int execute;
} sk_groups_cmd_t;

/* Parse argv (argv[0] is the program). On a usage error returns SK_EINVAL
 * with a one-line reason naming the flag; the caller prints it and exits 2.
 * With --help or --version the other checks are skipped. Release with
 * sk_groups_cmd_clear (also after an error). */
int sk_groups_cmd_parse(int argc, char **argv, sk_groups_cmd_t *c, char *err, size_t errlen);
void sk_groups_cmd_clear(sk_groups_cmd_t *c);
void sk_groups_cmd_usage(FILE *out);

#endif

/* conf_doc.c - docs generated from the key tables (see conf.h): the key list
 * of `skeind --help`, the key sections of skein.properties(5) and the
 * README's key table. Every type, default, range and allowed value printed
 * here comes from conf.c's and topic_conf.c's tables; only the prose around
 * them is written by hand (in the man page template and the README).
 */
#include "conf.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"
#include "kerr.h"
#include "mem.h"
#include "topic_conf.h"

/* The keys the README's table shows ("the ones that matter first"). */
static const char *const readme_keys[] = {
    "broker.id", "listeners", "advertised.listeners", "log.dirs", "zookeeper.connect",
    "zookeeper.session.timeout.ms", "num.partitions", "default.replication.factor",
    "auto.create.topics.enable", "log.segment.bytes", "log.roll.hours", "log.roll.ms",
    "log.retention.hours", "log.retention.bytes", "log.index.interval.bytes",
    "log.cleanup.policy", "log.cleaner.enable", "log.cleaner.threads",
    "log.cleaner.min.cleanable.ratio", "log.cleaner.delete.retention.ms",
    "log.cleaner.backoff.ms", "log.cleaner.dedupe.buffer.size", "log.flush.interval.messages",
    "log.flush.interval.ms", "message.max.bytes", "socket.request.max.bytes",
    "log.message.timestamp.type", "min.insync.replicas", "replica.lag.time.max.ms",
    "unclean.leader.election.enable", "controlled.shutdown.enable",
    "controlled.shutdown.max.retries", "controlled.shutdown.retry.backoff.ms",
    "auto.leader.rebalance.enable", "leader.imbalance.check.interval.seconds",
    "leader.imbalance.per.broker.percentage", "offsets.topic.num.partitions",
    "offsets.topic.replication.factor", "offsets.retention.minutes",
    "group.initial.rebalance.delay.ms", "group.min.session.timeout.ms",
    "group.max.session.timeout.ms", "authorizer.class.name", "super.users",
    "allow.everyone.if.no.acl.found", "log.level", "log.file", "log.format", "metrics.listener",
    NULL,
};

#define README_BEGIN "<!-- config-keys -->"
#define README_END "<!-- /config-keys -->"

static void seterr(char *err, size_t errlen, const char *msg, const char *arg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s%s", msg, arg ? arg : "");
}

/* "a b" (a derived key's sources) as "a or b", with each name between pre
 * and post. */
static void from_text(const char *from, const char *pre, const char *post, char *buf,
                      size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const char *p = from; *p && used < len;) {
        size_t n = strcspn(p, " ");
        int w = snprintf(buf + used, len - used, "%s%s%.*s%s", used ? " or " : "", pre, (int)n,
                         p, post);
        if (w < 0)
            break;
        used += (size_t)w;
        p += n;
        p += strspn(p, " ");
    }
}

/* ---------------------------------------------------------------------- */
/* --help */

/* Print text indented by indent columns, breaking lines at blanks before width. */
static void print_wrapped(FILE *out, const char *text, int indent, int width)
{
    const char *p = text;
    while (*p) {
        int room = width - indent;
        int n = (int)strlen(p);
        if (n > room) {
            n = room;
            while (n > 0 && p[n] != ' ')
                n--;
            if (n == 0) /* one long word: let it overflow */
                n = (int)strcspn(p, " ");
        }
        fprintf(out, "%*s%.*s\n", indent, "", n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
}

/* "  key (type, default ..., range, one of: ...)" and the doc under it.
 * broker_key: a topic key's fallback (k is then that key's spec). */
static void help_key(FILE *out, const char *name, const ckey_t *k, const char *def,
                     const char *broker_key, const char *doc)
{
    char buf[512];
    fprintf(out, "  %s (%s", name, sk_conf_spec_type_name(k));
    if (broker_key) {
        fprintf(out, ", default: %s", broker_key);
    } else if (k->flags & F_REQUIRED) {
        fputs(", required", out);
    } else if (def) {
        fprintf(out, ", default %s", def[0] ? def : "\"\"");
    } else if (k->from) {
        from_text(k->from, "", "", buf, sizeof(buf));
        fprintf(out, ", default: %s", buf);
    } else {
        fputs(", default unset", out);
    }
    sk_conf_spec_range(k, buf, sizeof(buf));
    fputs(buf, out);
    if (k->names) {
        sk_conf_spec_names(k, buf, sizeof(buf));
        fprintf(out, ", one of: %s", buf);
    }
    if ((k->flags & F_DYNAMIC) && !broker_key)
        fputs(", dynamic", out);
    fputs(")\n", out);
    print_wrapped(out, doc, 6, 79);
}

void sk_conf_print_help(FILE *out)
{
    fputs("Configuration keys (Kafka names). Set them in the --config file as key=value,\n"
          "or on the command line with --override key=value (overrides win over the file).\n"
          "Unknown keys are ignored with a warning. See skein.properties(5).\n",
          out);
    for (int i = 0; i < sk_conf_key_count(); i++) {
        const ckey_t *k = sk_conf_spec(i);
        const char *title = sk_conf_key_section(i, NULL);
        if (title)
            fprintf(out, "\n%s:\n", title);
        help_key(out, k->key, k, k->def, NULL, k->doc);
    }
    fputs("\nTopic keys (per topic in /config/topics/<topic>, e.g. skein-topics --config;\n"
          "a topic without one uses the broker key named as its default):\n",
          out);
    for (int i = 0; i < sk_topic_conf_count(); i++)
        help_key(out, sk_topic_conf_name(i), sk_topic_conf_spec(i), sk_topic_conf_default(i),
                 sk_topic_conf_broker_key(i), sk_topic_conf_doc(i));
}

/* ---------------------------------------------------------------------- */
/* skein.properties(5) */

/* Text as roff: backslashes and hyphens escaped, a leading dot or quote
 * protected. */
static void roff_text(FILE *out, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", out);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
    }
}

/* The range and allowed names in words: ", at least 14", ", 0 to 100",
 * ", one of delete, compact". */
static void man_limits(FILE *out, const ckey_t *k)
{
    int64_t hi_full = k->type == T_INT32 ? INT32_MAX : INT64_MAX;
    int64_t lo_full = k->type == T_INT32 ? INT32_MIN : INT64_MIN;
    char buf[40];
    if (k->type == T_INT32 || k->type == T_INT64 || k->type == T_DOUBLE) {
        if (k->type != T_DOUBLE && k->min == lo_full && k->max == hi_full)
            ; /* the whole type */
        else if (k->type != T_DOUBLE && k->max == hi_full) {
            snprintf(buf, sizeof(buf), "%" PRId64, k->min);
            fputs(", at least ", out);
            roff_text(out, buf);
        } else {
            snprintf(buf, sizeof(buf), "%" PRId64, k->min);
            fputs(", ", out);
            roff_text(out, buf);
            snprintf(buf, sizeof(buf), "%" PRId64, k->max);
            fputs(" to ", out);
            roff_text(out, buf);
        }
    }
    if (k->names) {
        fputs(", one of ", out);
        for (int n = 0; k->names[n]; n++) {
            fputs(n ? ", " : "", out);
            roff_text(out, k->names[n]);
        }
    }
}

/* The head of a key's entry:
 *   .TP
 *   .B segment.bytes
 *   .RI ( int ,
 *   default: the broker's log.segment.bytes, at least 14.)
 * k: the key's spec; def: its default text (NULL: required, unset, derived
 * or a broker fallback); broker_key: a topic key's fallback. */
static void man_head(FILE *out, const char *name, const ckey_t *k, const char *def,
                     const char *broker_key)
{
    fprintf(out, ".TP\n.B %s\n.RI ( %s ,\n", name, sk_conf_spec_type_name(k));
    if (broker_key) {
        fputs("default: the broker's ", out);
        roff_text(out, broker_key);
    } else if (k->flags & F_REQUIRED) {
        fputs("required", out);
    } else if (def && !*def) {
        fputs("default empty", out);
    } else if (def) {
        fputs("default ", out);
        roff_text(out, def);
    } else if (k->from) {
        char buf[256];
        from_text(k->from, "", "", buf, sizeof(buf));
        fputs("default: from ", out);
        roff_text(out, buf);
    } else {
        fputs("default unset", out);
    }
    man_limits(out, k);
    if ((k->flags & F_DYNAMIC) && !broker_key)
        fputs(", dynamic", out);
    fputs(".)\n", out);
}

typedef struct lines {
    char **v;
    int n;
} lines_t;

static void lines_read(FILE *in, lines_t *l)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    l->v = NULL;
    l->n = 0;
    while ((n = getline(&line, &cap, in)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        l->v = sk_realloc(l->v, (size_t)(l->n + 1) * sizeof(char *));
        l->v[l->n++] = sk_strdup(line);
    }
    free(line);
}

static void lines_free(lines_t *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int is_marker(const char *line)
{
    return strncmp(line, "@KEY ", 5) == 0 || strcmp(line, "@TOPIC-KEYS") == 0;
}

int sk_conf_print_man(FILE *tmpl, FILE *out, char *err, size_t errlen)
{
    lines_t l;
    int rc = SK_EINVAL, next = 0, topics = 0;
    lines_read(tmpl, &l);
    fputs(".\\\" Generated from man/skein.properties.5.in and the key tables in\n"
          ".\\\" common/conf.c and common/topic_conf.c: edit those, not this file.\n",
          out);
    for (int li = 0; li < l.n; li++) {
        const char *line = l.v[li];
        if (strcmp(line, "@TOPIC-KEYS") == 0) {
            if (topics++) {
                seterr(err, errlen, "@TOPIC-KEYS given twice", NULL);
                goto out;
            }
            for (int i = 0; i < sk_topic_conf_count(); i++) {
                man_head(out, sk_topic_conf_name(i), sk_topic_conf_spec(i),
                         sk_topic_conf_default(i), sk_topic_conf_broker_key(i));
                roff_text(out, sk_topic_conf_doc(i));
                fputc('\n', out);
            }
            continue;
        }
        if (strncmp(line, "@KEY ", 5) != 0) {
            fprintf(out, "%s\n", line);
            continue;
        }
        const char *name = line + 5;
        int i = sk_conf_key_index(name);
        if (i < 0) {
            seterr(err, errlen, "@KEY names an unknown key: ", name);
            goto out;
        }
        if (i != next) {
            seterr(err, errlen, "@KEY out of table order or repeated: ", name);
            goto out;
        }
        next++;
        const ckey_t *k = sk_conf_spec(i);
        const char *intro = NULL;
        const char *title = sk_conf_key_section(i, &intro);
        if (title) {
            fputs(".SS ", out);
            roff_text(out, title);
            fputc('\n', out);
            if (intro) {
                roff_text(out, intro);
                fputc('\n', out);
            }
        }
        man_head(out, k->key, k, k->def, NULL);
        /* No hand-written text after the marker: the table's doc. */
        if (li + 1 >= l.n || is_marker(l.v[li + 1]) || strncmp(l.v[li + 1], ".S", 2) == 0) {
            roff_text(out, k->doc);
            fputc('\n', out);
        }
    }
    if (next < sk_conf_key_count()) {
        seterr(err, errlen, "the template has no @KEY line for ", sk_conf_key_name(next));
        goto out;
    }
    if (!topics) {
        seterr(err, errlen, "the template has no @TOPIC-KEYS line", NULL);
        goto out;
    }
    rc = SK_OK;
out:
    lines_free(&l);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* README */

/* Markdown table cell text: '|' escaped. */
static void md_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s, out);
    }
}

static void readme_table(FILE *out)
{
    char buf[256];
    fputs("| key | default | meaning |\n|---|---|---|\n", out);
    for (int r = 0; readme_keys[r]; r++) {
        const ckey_t *k = sk_conf_spec(sk_conf_key_index(readme_keys[r]));
        if (!k)
            continue; /* check_conf catches it */
        fprintf(out, "| `%s` | ", k->key);
        if (k->flags & F_REQUIRED) {
            fputs("(required)", out);
        } else if (k->def && *k->def) {
            fprintf(out, "`%s`", k->def);
        } else if (k->def) {
            fputs("(empty)", out);
        } else if (k->from) {
            from_text(k->from, "`", "`", buf, sizeof(buf));
            fprintf(out, "from %s", buf);
        } else {
            fputs("(unset)", out);
        }
        fputs(" | ", out);
        md_text(out, k->doc);
        fputs(" |\n", out);
    }
}

int sk_conf_print_readme(FILE *in, FILE *out, char *err, size_t errlen)
{
    lines_t l;
    int rc = SK_EINVAL, begin = -1, end = -1;
    lines_read(in, &l);
    for (int i = 0; i < l.n; i++) {
        if (begin < 0 && strcmp(l.v[i], README_BEGIN) == 0)
            begin = i;
        else if (begin >= 0 && strcmp(l.v[i], README_END) == 0) {
            end = i;
            break;
        }
    }
    if (begin < 0 || end < 0) {
        seterr(err, errlen, "no " README_BEGIN " ... " README_END " lines", NULL);
        goto out;
    }
    for (int i = 0; i <= begin; i++)
        fprintf(out, "%s\n", l.v[i]);
    readme_table(out);
    for (int i = end; i < l.n; i++)
        fprintf(out, "%s\n", l.v[i]);
    rc = SK_OK;
out:
    lines_free(&l);
    return rc;
}

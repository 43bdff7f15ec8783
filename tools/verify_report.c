/* verify_report.c - skein-verify's text and JSON reports (see
 * verify_report.h). */
#include "verify_report.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static const char *const viol_labels[SK_VV_COUNT] = {
    "lost", "duplicated", "reordered", "offset mismatch", "checksum mismatch",
    "skipped by commits", "conflicting offsets",
};

int sk_vreport_clean(const sk_vreport_t *r, const sk_vreport_meta_t *m)
{
    if (m->incomplete || m->producer_errors > 0)
        return 0;
    if (m->consumed && (!m->drained || r->violations > 0))
        return 0;
    return 1;
}

/* One example as text, e.g. "producer 0 seq 12 acknowledged at t-1@40". */
static void example_text(char *buf, size_t len, const char *topic, const sk_vviol_t *v)
{
    switch (v->kind) {
    case SK_VV_LOST:
        snprintf(buf, len, "producer %d seq %" PRId64 " acknowledged at %s-%d@%" PRId64
                 ", never consumed", v->producer, v->seq, topic, v->partition, v->offset);
        break;
    case SK_VV_DUPLICATED:
        snprintf(buf, len, "producer %d seq %" PRId64 " at %s-%d@%" PRId64 " and %s-%d@%" PRId64,
                 v->producer, v->seq, topic, v->partition, v->offset, topic, v->partition2,
                 v->offset2);
        break;
    case SK_VV_REORDERED:
        snprintf(buf, len, "producer %d seq %" PRId64 " at %s-%d@%" PRId64 " after seq %" PRId64
                 " at offset %" PRId64, v->producer, v->seq, topic, v->partition, v->offset,
                 v->seq2, v->offset2);
        break;
    case SK_VV_OFFSET_MISMATCH:
        snprintf(buf, len, "producer %d seq %" PRId64 " acknowledged at %s-%d@%" PRId64
                 ", consumed at %s-%d@%" PRId64, v->producer, v->seq, topic, v->partition,
                 v->offset, topic, v->partition2, v->offset2);
        break;
    case SK_VV_SKIPPED:
        snprintf(buf, len, "%s-%d offsets %" PRId64 "..%" PRId64 " never received, committed past",
                 topic, v->partition, v->offset, v->offset2 - 1);
        break;
    default: /* checksum, conflict */
        snprintf(buf, len, "%s-%d@%" PRId64, topic, v->partition, v->offset);
        break;
    }
}

static void print_lat(FILE *out, const char *what, const sk_lat_summary_t *s)
{
    fprintf(out, "%-20s %.2f ms p50, %.2f ms p99, %.2f ms max, %.2f ms avg (%" PRId64
                 " records)\n", what, s->p50_ms, s->p99_ms, s->max_ms, s->avg_ms, s->count);
}

void sk_vreport_print(FILE *out, const sk_vreport_t *r, const sk_vreport_meta_t *m)
{
    fprintf(out, "skein-verify: topic %s, run %016" PRIx64, m->topic, m->run);
    if (m->group)
        fprintf(out, ", group %s", m->group);
    fprintf(out, ", %.1f s\n", (double)m->elapsed_ms / 1000.0);
    fprintf(out, "%-20s %" PRId64 " sent, %" PRId64 " acknowledged, %" PRId64 " failed, %" PRId64
                 " without outcome\n", "produced:", r->sent, r->acked, r->failed, r->unresolved);
    if (m->consumed) {
        fprintf(out, "%-20s %" PRId64 " records at %" PRId64 " offsets (%" PRId64
                     " redelivered), %" PRId64 " of other runs, %" PRId64 " malformed, %" PRId64
                     " never acknowledged\n", "consumed:", r->deliveries, r->offsets,
                r->redelivered, r->foreign, r->malformed, r->unacked_seen);
        fprintf(out, "%-20s %s\n", "caught up:", m->drained ? "yes" : "NO (deadline passed)");
        for (int k = 0; k < SK_VV_COUNT; k++) {
            char label[64];
            snprintf(label, sizeof(label), "%s:", viol_labels[k]);
            fprintf(out, "%-20s %" PRId64, label, r->count[k]);
            if (k == SK_VV_SKIPPED)
                fprintf(out, " offsets in %" PRId64 " ranges", r->skipped_ranges);
            fputc('\n', out);
            for (int i = 0; i < r->n_examples; i++) {
                if (r->examples[i].kind != (sk_vviol_kind_t)k)
                    continue;
                char line[512];
                example_text(line, sizeof(line), m->topic, &r->examples[i]);
                fprintf(out, "    %s\n", line);
            }
        }
    }
    if (m->produced || r->produce_lat.count > 0)
        print_lat(out, "produce latency:", &r->produce_lat);
    if (m->consumed && r->e2e_lat.count > 0)
        print_lat(out, "end-to-end latency:", &r->e2e_lat);
    if (m->produced && m->ack_gap_ms >= 0)
        fprintf(out, "%-20s %.1f s without an acknowledgement\n", "longest stall:",
                (double)m->ack_gap_ms / 1000.0);
    if (m->producer_errors > 0)
        fprintf(out, "%-20s %" PRId64 " fatal\n", "producer errors:", m->producer_errors);
    if (sk_vreport_clean(r, m))
        fprintf(out, "RESULT: CLEAN\n");
    else if (m->incomplete)
        fprintf(out, "RESULT: INCOMPLETE (%s)\n", m->incomplete);
    else if (m->consumed && r->violations > 0)
        fprintf(out, "RESULT: %" PRId64 " VIOLATIONS\n", r->violations);
    else if (m->producer_errors > 0)
        fprintf(out, "RESULT: PRODUCER FAILED\n");
    else
        fprintf(out, "RESULT: INCOMPLETE (the consumer did not catch up)\n");
}

static json_t *lat_json(const sk_lat_summary_t *s)
{
    return json_pack("{s:I, s:f, s:f, s:f, s:f}", "count", (json_int_t)s->count, "p50", s->p50_ms,
                     "p99", s->p99_ms, "max", s->max_ms, "avg", s->avg_ms);
}

static json_t *example_json(const sk_vviol_t *v)
{
    json_t *o = json_pack("{s:s}", "kind", sk_vviol_name(v->kind));
    struct {
        const char *key;
        int64_t v;
    } f[] = {{"producer", v->producer}, {"seq", v->seq},     {"partition", v->partition},
             {"offset", v->offset},     {"seq2", v->seq2},   {"partition2", v->partition2},
             {"offset2", v->offset2}};
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (f[i].v >= 0)
            json_object_set_new(o, f[i].key, json_integer((json_int_t)f[i].v));
    return o;
}

char *sk_vreport_json(const sk_vreport_t *r, const sk_vreport_meta_t *m)
{
    char run[17];
    snprintf(run, sizeof(run), "%016" PRIx64, m->run);
    const char *mode = m->produced && m->consumed ? "produce-consume"
                       : m->produced              ? "produce-only"
                                                  : "consume-only";
    json_t *root = json_pack(
        "{s:s, s:s, s:s, s:o, s:I, s:b, s:b, s:o, s:{s:I, s:I, s:I, s:I}}", "topic", m->topic,
        "run", run, "mode", mode, "group", m->group ? json_string(m->group) : json_null(),
        "elapsed_ms",
        (json_int_t)m->elapsed_ms, "clean", sk_vreport_clean(r, m), "drained",
        m->consumed ? m->drained : 0, "incomplete",
        m->incomplete ? json_string(m->incomplete) : json_null(), "produced", "sent",
        (json_int_t)r->sent, "acknowledged", (json_int_t)r->acked, "failed",
        (json_int_t)r->failed, "without_outcome", (json_int_t)r->unresolved);
    json_object_set_new(root, "producer_errors", json_integer((json_int_t)m->producer_errors));
    json_object_set_new(root, "longest_ack_gap_ms",
                        m->produced && m->ack_gap_ms >= 0
                            ? json_integer((json_int_t)m->ack_gap_ms)
                            : json_null());
    json_t *lat = json_object();
    json_object_set_new(lat, "produce", lat_json(&r->produce_lat));
    if (m->consumed) {
        json_object_set_new(root, "consumed",
                            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "records",
                                      (json_int_t)r->deliveries, "offsets",
                                      (json_int_t)r->offsets, "redelivered",
                                      (json_int_t)r->redelivered, "foreign",
                                      (json_int_t)r->foreign, "malformed",
                                      (json_int_t)r->malformed, "unacknowledged",
                                      (json_int_t)r->unacked_seen));
        json_t *viol = json_object();
        for (int k = 0; k < SK_VV_COUNT; k++)
            json_object_set_new(viol, sk_vviol_name(k), json_integer((json_int_t)r->count[k]));
        json_object_set_new(viol, "skipped_ranges", json_integer((json_int_t)r->skipped_ranges));
        json_object_set_new(viol, "total", json_integer((json_int_t)r->violations));
        json_object_set_new(root, "violations", viol);
        json_t *ex = json_array();
        for (int i = 0; i < r->n_examples; i++)
            json_array_append_new(ex, example_json(&r->examples[i]));
        json_object_set_new(root, "examples", ex);
        json_t *parts = json_array();
        for (int i = 0; i < r->n_parts; i++) {
            const sk_vpart_summary_t *p = &r->parts[i];
            json_array_append_new(
                parts, json_pack("{s:i, s:I, s:I, s:I, s:I}", "partition", (int)p->partition,
                                 "start", (json_int_t)p->start, "committed",
                                 (json_int_t)p->committed, "end", (json_int_t)p->end, "records",
                                 (json_int_t)p->records));
        }
        json_object_set_new(root, "partitions", parts);
        json_object_set_new(lat, "end_to_end", lat_json(&r->e2e_lat));
    } else {
        json_object_set_new(root, "violations", json_null());
    }
    json_object_set_new(root, "latency_ms", lat);
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(root);
    char *out = sk_asprintf("%s\n", s ? s : "{}");
    free(s);
    return out;
}

/* verify_ledger.c - skein-verify's acknowledgements vs. consumed records
 * (see verify_ledger.h). */
#include "verify_ledger.h"

#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "kerr.h"
#include "mem.h"
#include "verify_record.h"

#define LAT_SAMPLES 200000

enum { F_SENT = 1, F_ACKED = 2, F_FAILED = 4, F_SEEN = 8 };

/* One record of the run, indexed by (producer, seq). */
typedef struct vent {
    int64_t ack_offset;
    int64_t seen_offset; /* analysis: first consumed location */
    int32_t ack_partition;
    int32_t seen_partition;
    uint16_t occurrences; /* analysis: distinct offsets holding it (saturates) */
    uint8_t flags;
    uint8_t matched; /* analysis: consumed at its acknowledged location */
} vent_t;

typedef struct vprod {
    vent_t *e;
    int64_t n; /* highest known seq + 1 */
    int64_t cap;
    int64_t sent_upto; /* 0 .. sent_upto-1 are marked sent */
} vprod_t;

/* One delivery to the consumer. */
typedef struct vcons {
    int64_t offset;
    int64_t seq;
    int32_t producer;
    uint32_t sum; /* CRC-32C of the payload, to tell redeliveries from conflicts */
    uint32_t order;
    uint8_t kind;
} vcons_t;

typedef struct vpart {
    vcons_t *c;
    size_t n, cap;
    int64_t start;
    int64_t committed;
    int64_t end;
} vpart_t;

struct sk_vledger_s {
    uint64_t run;
    vprod_t *prods;
    int n_prods;
    vpart_t *parts;
    int n_parts;
    int64_t sent, acked, failed;
    int64_t acked_seen; /* acknowledged and consumed at least once */
    int64_t deliveries;
    sk_lat_t *produce_lat;
    sk_lat_t *e2e_lat;
};

static const char *const viol_names[SK_VV_COUNT] = {
    "lost", "duplicated", "reordered", "offset_mismatch", "checksum_mismatch", "skipped",
    "conflict",
};

const char *sk_vviol_name(sk_vviol_kind_t k)
{
    return k >= 0 && k < SK_VV_COUNT ? viol_names[k] : "unknown";
}

sk_vledger_t *sk_vledger_new(uint64_t run)
{
    sk_vledger_t *l = sk_calloc(1, sizeof(*l));
    l->run = run;
    l->produce_lat = sk_lat_new(LAT_SAMPLES, run ^ 0x5bd1e995u);
    l->e2e_lat = sk_lat_new(LAT_SAMPLES, run ^ 0x1b873593u);
    return l;
}

void sk_vledger_free(sk_vledger_t *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n_prods; i++)
        free(l->prods[i].e);
    free(l->prods);
    for (int i = 0; i < l->n_parts; i++)
        free(l->parts[i].c);
    free(l->parts);
    sk_lat_free(l->produce_lat);
    sk_lat_free(l->e2e_lat);
    free(l);
}

uint64_t sk_vledger_run(const sk_vledger_t *l)
{
    return l->run;
}

/* ---- producing side ----------------------------------------------------- */

/* The entry of (producer, seq), created (zeroed, locations -1) if needed. */
static vent_t *entry(sk_vledger_t *l, int32_t producer, int64_t seq)
{
    if (producer < 0 || producer >= SK_VLEDGER_MAX_PRODUCERS || seq < 0 ||
        seq > SK_VREC_MAX_SEQ)
        return NULL;
    if (producer >= l->n_prods) {
        l->prods = sk_realloc(l->prods, (size_t)(producer + 1) * sizeof(*l->prods));
        memset(l->prods + l->n_prods, 0, (size_t)(producer + 1 - l->n_prods) * sizeof(vprod_t));
        l->n_prods = producer + 1;
    }
    vprod_t *p = &l->prods[producer];
    if (seq >= p->n) {
        if (seq - p->n >= SK_VLEDGER_MAX_AHEAD)
            return NULL;
        if (seq >= p->cap) {
            int64_t cap = p->cap ? p->cap : 1024;
            while (cap <= seq)
                cap *= 2;
            p->e = sk_realloc(p->e, (size_t)cap * sizeof(vent_t));
            p->cap = cap;
        }
        for (int64_t i = p->n; i <= seq; i++) {
            memset(&p->e[i], 0, sizeof(vent_t));
            p->e[i].ack_offset = -1;
            p->e[i].ack_partition = -1;
        }
        p->n = seq + 1;
    }
    return &p->e[seq];
}

/* The entry if it exists. */
static vent_t *find(const sk_vledger_t *l, int32_t producer, int64_t seq)
{
    if (producer < 0 || producer >= l->n_prods || seq < 0 || seq >= l->prods[producer].n)
        return NULL;
    return &l->prods[producer].e[seq];
}

static void mark_sent(sk_vledger_t *l, vent_t *e)
{
    if (!(e->flags & F_SENT)) {
        e->flags |= F_SENT;
        l->sent++;
    }
}

int sk_vledger_sent(sk_vledger_t *l, int32_t producer, int64_t seq)
{
    vent_t *e = entry(l, producer, seq);
    if (!e)
        return SK_EINVAL;
    mark_sent(l, e);
    return SK_OK;
}

int sk_vledger_sent_upto(sk_vledger_t *l, int32_t producer, int64_t count)
{
    if (count <= 0)
        return count == 0 && producer >= 0 && producer < SK_VLEDGER_MAX_PRODUCERS ? SK_OK
                                                                                 : SK_EINVAL;
    if (!entry(l, producer, count - 1))
        return SK_EINVAL;
    vprod_t *p = &l->prods[producer];
    for (int64_t s = p->sent_upto; s < count; s++)
        mark_sent(l, &p->e[s]);
    if (count > p->sent_upto)
        p->sent_upto = count;
    return SK_OK;
}

int sk_vledger_acked(sk_vledger_t *l, int32_t producer, int64_t seq, int32_t partition,
                     int64_t offset, int64_t latency_us)
{
    if (partition < 0 || partition >= SK_VLEDGER_MAX_PARTITIONS || offset < 0)
        return SK_EINVAL;
    vent_t *e = entry(l, producer, seq);
    if (!e)
        return SK_EINVAL;
    if (e->flags & F_FAILED)
        return SK_EEXIST;
    if (e->flags & F_ACKED)
        return e->ack_partition == partition && e->ack_offset == offset ? SK_OK : SK_EEXIST;
    mark_sent(l, e);
    e->flags |= F_ACKED;
    e->ack_partition = partition;
    e->ack_offset = offset;
    l->acked++;
    if (e->flags & F_SEEN)
        l->acked_seen++;
    if (latency_us >= 0)
        sk_lat_add(l->produce_lat, latency_us);
    return SK_OK;
}

int sk_vledger_failed(sk_vledger_t *l, int32_t producer, int64_t seq)
{
    vent_t *e = entry(l, producer, seq);
    if (!e)
        return SK_EINVAL;
    if (e->flags & F_ACKED)
        return SK_EEXIST;
    mark_sent(l, e);
    if (!(e->flags & F_FAILED)) {
        e->flags |= F_FAILED;
        l->failed++;
    }
    return SK_OK;
}

/* ---- consuming side ----------------------------------------------------- */

static vpart_t *part(sk_vledger_t *l, int32_t partition)
{
    if (partition < 0 || partition >= SK_VLEDGER_MAX_PARTITIONS)
        return NULL;
    if (partition >= l->n_parts) {
        l->parts = sk_realloc(l->parts, (size_t)(partition + 1) * sizeof(*l->parts));
        for (int i = l->n_parts; i <= partition; i++) {
            memset(&l->parts[i], 0, sizeof(vpart_t));
            l->parts[i].start = -1;
            l->parts[i].committed = -1;
            l->parts[i].end = -1;
        }
        l->n_parts = partition + 1;
    }
    return &l->parts[partition];
}

int sk_vledger_start(sk_vledger_t *l, int32_t partition, int64_t offset)
{
    vpart_t *p = part(l, partition);
    if (!p || offset < 0)
        return SK_EINVAL;
    if (p->start < 0)
        p->start = offset;
    return SK_OK;
}

int sk_vledger_committed(sk_vledger_t *l, int32_t partition, int64_t offset)
{
    vpart_t *p = part(l, partition);
    if (!p || offset < 0)
        return SK_EINVAL;
    if (offset > p->committed)
        p->committed = offset;
    return SK_OK;
}

int sk_vledger_consumed(sk_vledger_t *l, int32_t partition, int64_t offset, const void *payload,
                        size_t len, int64_t now_us)
{
    vpart_t *p = part(l, partition);
    if (!p || offset < 0)
        return SK_EINVAL;
    vcons_t c;
    memset(&c, 0, sizeof(c));
    c.offset = offset;
    c.producer = -1;
    c.seq = -1;
    c.sum = payload ? sk_crc32c(0, payload, len) : 0;
    sk_vrec_t r;
    switch (sk_vrec_parse(payload, len, &r)) {
    case SK_VREC_OK:
        if (r.run != l->run) {
            c.kind = SK_VKIND_FOREIGN;
            break;
        }
        vent_t *e = find(l, r.producer, r.seq);
        if (!e) {
            c.kind = SK_VKIND_UNKNOWN;
            break;
        }
        c.kind = SK_VKIND_OURS;
        c.producer = r.producer;
        c.seq = r.seq;
        if (!(e->flags & F_SEEN)) {
            e->flags |= F_SEEN;
            if (e->flags & F_ACKED)
                l->acked_seen++;
            if (now_us >= 0)
                sk_lat_add(l->e2e_lat, now_us - r.ts_us);
        }
        break;
    case SK_VREC_BADSUM: c.kind = SK_VKIND_BADSUM; break;
    default: c.kind = SK_VKIND_MALFORMED; break;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 1024;
        p->c = sk_realloc(p->c, p->cap * sizeof(vcons_t));
    }
    c.order = (uint32_t)p->n;
    p->c[p->n++] = c;
    if (offset + 1 > p->end)
        p->end = offset + 1;
    l->deliveries++;
    return c.kind;
}

int64_t sk_vledger_position(const sk_vledger_t *l, int32_t partition)
{
    if (partition < 0 || partition >= l->n_parts)
        return -1;
    return l->parts[partition].end;
}

int64_t sk_vledger_pending(const sk_vledger_t *l)
{
    return l->acked - l->acked_seen;
}

/* ---- analysis ----------------------------------------------------------- */

typedef struct analysis {
    sk_vreport_t *r;
    int per_kind[SK_VV_COUNT];
    int cap_examples;
} analysis_t;

static sk_vviol_t *example(analysis_t *a, sk_vviol_kind_t k)
{
    sk_vreport_t *r = a->r;
    r->count[k]++;
    if (a->per_kind[k] >= SK_VREPORT_EXAMPLES)
        return NULL;
    a->per_kind[k]++;
    if (r->n_examples == a->cap_examples) {
        a->cap_examples = a->cap_examples ? a->cap_examples * 2 : 16;
        r->examples = sk_realloc(r->examples, (size_t)a->cap_examples * sizeof(sk_vviol_t));
    }
    sk_vviol_t *v = &r->examples[r->n_examples++];
    v->kind = k;
    v->producer = -1;
    v->seq = -1;
    v->partition = -1;
    v->offset = -1;
    v->seq2 = -1;
    v->partition2 = -1;
    v->offset2 = -1;
    return v;
}

static int cmp_cons(const void *x, const void *y)
{
    const vcons_t *a = x, *b = y;
    if (a->offset != b->offset)
        return a->offset < b->offset ? -1 : 1;
    return (a->order > b->order) - (a->order < b->order);
}

static int same_record(const vcons_t *a, const vcons_t *b)
{
    return a->sum == b->sum && a->kind == b->kind && a->producer == b->producer &&
           a->seq == b->seq;
}

/* A range [from, to) of offsets never received; the part below the
 * committed offset was skipped. */
static void gap(analysis_t *a, int32_t partition, int64_t from, int64_t to, int64_t committed)
{
    if (committed <= from)
        return;
    int64_t end = to < committed ? to : committed;
    a->r->skipped_ranges++;
    sk_vviol_t *v = example(a, SK_VV_SKIPPED);
    a->r->count[SK_VV_SKIPPED] += end - from - 1; /* example() counted one */
    if (v) {
        v->partition = partition;
        v->offset = from;
        v->offset2 = end;
    }
}

/* One distinct offset's record (the first delivery of it). */
static void analyze_record(analysis_t *a, sk_vledger_t *l, int32_t partition, const vcons_t *c,
                           int64_t *last_seq, int64_t *last_off)
{
    sk_vreport_t *r = a->r;
    switch (c->kind) {
    case SK_VKIND_FOREIGN: r->foreign++; return;
    case SK_VKIND_MALFORMED: r->malformed++; return;
    case SK_VKIND_UNKNOWN: r->unacked_seen++; return;
    case SK_VKIND_BADSUM: {
        sk_vviol_t *v = example(a, SK_VV_CHECKSUM);
        if (v) {
            v->partition = partition;
            v->offset = c->offset;
        }
        return;
    }
    default: break;
    }
    vent_t *e = find(l, c->producer, c->seq);
    if (e->occurrences == 0) {
        e->seen_partition = partition;
        e->seen_offset = c->offset;
    } else {
        sk_vviol_t *v = example(a, SK_VV_DUPLICATED);
        if (v) {
            v->producer = c->producer;
            v->seq = c->seq;
            v->partition = e->seen_partition;
            v->offset = e->seen_offset;
            v->partition2 = partition;
            v->offset2 = c->offset;
        }
    }
    if (e->occurrences < UINT16_MAX)
        e->occurrences++;
    if ((e->flags & F_ACKED) && e->ack_partition == partition && e->ack_offset == c->offset)
        e->matched = 1;
    if (c->seq < last_seq[c->producer]) {
        sk_vviol_t *v = example(a, SK_VV_REORDERED);
        if (v) {
            v->producer = c->producer;
            v->seq = c->seq;
            v->partition = partition;
            v->offset = c->offset;
            v->seq2 = last_seq[c->producer];
            v->offset2 = last_off[c->producer];
        }
    } else {
        last_seq[c->producer] = c->seq;
        last_off[c->producer] = c->offset;
    }
}

static void analyze_partition(analysis_t *a, sk_vledger_t *l, int32_t partition)
{
    vpart_t *p = &l->parts[partition];
    sk_vpart_summary_t *s = &a->r->parts[a->r->n_parts++];
    s->partition = partition;
    s->start = p->start;
    s->committed = p->committed;
    s->end = p->end;
    s->records = 0;
    if (p->n > 1)
        qsort(p->c, p->n, sizeof(vcons_t), cmp_cons);
    int n_prods = l->n_prods > 0 ? l->n_prods : 1;
    int64_t *last_seq = sk_malloc((size_t)n_prods * sizeof(int64_t));
    int64_t *last_off = sk_malloc((size_t)n_prods * sizeof(int64_t));
    for (int i = 0; i < n_prods; i++)
        last_seq[i] = last_off[i] = -1;
    int64_t expected = p->start >= 0 ? p->start : (p->n ? p->c[0].offset : 0);
    for (size_t i = 0; i < p->n;) {
        const vcons_t *first = &p->c[i];
        size_t j = i + 1;
        int conflict = 0;
        for (; j < p->n && p->c[j].offset == first->offset; j++) {
            if (same_record(first, &p->c[j]))
                a->r->redelivered++;
            else
                conflict = 1;
        }
        if (conflict) {
            sk_vviol_t *v = example(a, SK_VV_CONFLICT);
            if (v) {
                v->partition = partition;
                v->offset = first->offset;
            }
        }
        s->records++;
        a->r->offsets++;
        if (first->offset >= expected) {
            if (first->offset > expected)
                gap(a, partition, expected, first->offset, p->committed);
            expected = first->offset + 1;
        }
        analyze_record(a, l, partition, first, last_seq, last_off);
        i = j;
    }
    if (p->committed > expected)
        gap(a, partition, expected, p->committed, p->committed);
    free(last_seq);
    free(last_off);
}

static void analyze_entries(analysis_t *a, sk_vledger_t *l)
{
    sk_vreport_t *r = a->r;
    for (int pi = 0; pi < l->n_prods; pi++) {
        vprod_t *p = &l->prods[pi];
        for (int64_t s = 0; s < p->n; s++) {
            vent_t *e = &p->e[s];
            if ((e->flags & F_SENT) && !(e->flags & (F_ACKED | F_FAILED)))
                r->unresolved++;
            if (!(e->flags & F_ACKED)) {
                if (e->occurrences > 0)
                    r->unacked_seen++;
                continue;
            }
            sk_vviol_t *v = NULL;
            if (e->occurrences == 0)
                v = example(a, SK_VV_LOST);
            else if (!e->matched) {
                v = example(a, SK_VV_OFFSET_MISMATCH);
                if (v) {
                    v->partition2 = e->seen_partition;
                    v->offset2 = e->seen_offset;
                }
            }
            if (v) {
                v->producer = pi;
                v->seq = s;
                v->partition = e->ack_partition;
                v->offset = e->ack_offset;
            }
        }
    }
}

void sk_vledger_analyze(sk_vledger_t *l, sk_vreport_t *out)
{
    memset(out, 0, sizeof(*out));
    analysis_t a;
    memset(&a, 0, sizeof(a));
    a.r = out;
    for (int pi = 0; pi < l->n_prods; pi++)
        for (int64_t s = 0; s < l->prods[pi].n; s++) {
            l->prods[pi].e[s].occurrences = 0;
            l->prods[pi].e[s].matched = 0;
        }
    out->sent = l->sent;
    out->acked = l->acked;
    out->failed = l->failed;
    out->deliveries = l->deliveries;
    out->parts = sk_calloc((size_t)l->n_parts + 1, sizeof(sk_vpart_summary_t));
    for (int32_t p = 0; p < l->n_parts; p++)
        analyze_partition(&a, l, p);
    analyze_entries(&a, l);
    for (int k = 0; k < SK_VV_COUNT; k++)
        out->violations += out->count[k];
    sk_lat_summarize(l->produce_lat, &out->produce_lat);
    sk_lat_summarize(l->e2e_lat, &out->e2e_lat);
}

void sk_vreport_free(sk_vreport_t *r)
{
    if (!r)
        return;
    free(r->examples);
    free(r->parts);
    memset(r, 0, sizeof(*r));
}

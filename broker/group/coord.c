/* coord.c - the group coordinator (see coord.h): ownership of
 * __consumer_offsets partitions, loading and unloading them, FindCoordinator,
 * life cycle. Shared state and cross-file helpers: coord_int.h. */
#include "group/coord_int.h"

#include "clock.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "mem.h"
#include "offsets_record.h"
#include "recbatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOAD_CHUNK_BYTES (1 << 20)
#define LOAD_TURN_BYTES (4 << 20)

/* ------------------------------------------------------------------ */
/* small helpers */

int32_t sk_coord_partition_for(const char *group, int32_t n_partitions)
{
    if (n_partitions <= 0)
        return 0;
    return sk_offrec_partition_for(group, strlen(group), n_partitions);
}

int64_t coord_now_wall(void) { return sk_wall_ms(); }

static sk_topic_t *offsets_topic(sk_coord_t *c)
{
    return sk_topics_find(c->b->topics, SK_OFFSETS_TOPIC, (int32_t)strlen(SK_OFFSETS_TOPIC));
}

int32_t coord_n_offsets_partitions(sk_coord_t *c)
{
    sk_topic_t *t = offsets_topic(c);
    int32_t n = c->b->conf->offsets_topic_num_partitions;
    /* The configured count, unless the topic exists with another one (a
     * broker knows all partitions of it from UpdateMetadata). */
    if (t && t->n_partitions > n)
        n = t->n_partitions;
    return n > 0 ? n : 1;
}

static cpart_t *cpart(sk_coord_t *c, int32_t i)
{
    if (i < 0)
        return NULL;
    if (i >= c->n_parts) {
        c->parts = sk_realloc(c->parts, (size_t)(i + 1) * sizeof(*c->parts));
        for (int32_t k = c->n_parts; k <= i; k++) {
            c->parts[k] = sk_calloc(1, sizeof(cpart_t));
            c->parts[k]->c = c;
            c->parts[k]->index = k;
            c->parts[k]->epoch = -1;
        }
        c->n_parts = i + 1;
    }
    return c->parts[i];
}

sk_group_t *coord_find_group(sk_coord_t *c, const char *id)
{
    sk_group_t *g;
    TAILQ_FOREACH(g, &c->groups, link)
        if (strcmp(g->id, id) == 0)
            return g;
    return NULL;
}

sk_group_t *coord_create_group(sk_coord_t *c, const char *id, int32_t partition)
{
    sk_group_t *g = sk_group_new(id, partition, coord_now_wall());
    TAILQ_INSERT_TAIL(&c->groups, g, link);
    return g;
}

/* ------------------------------------------------------------------ */
/* ownership and loading */

static void apply_offset_record(sk_coord_t *c, int32_t partition, const sk_offrec_key_t *k,
                                const sk_record_t *rec)
{
    char *gid = sk_str_dup(k->Group), *topic = sk_str_dup(k->Topic);
    if (!gid || !topic)
        goto out;
    sk_group_t *g = coord_find_group(c, gid);
    if (rec->value.len < 0) {
        if (g)
            sk_group_delete_offset(g, topic, k->Partition);
        goto out;
    }
    int16_t vv;
    sk_offrec_offset_value_t v;
    if (sk_offrec_offset_value_decode(rec->value.p, (size_t)rec->value.len, &vv, &v) != SK_OK) {
        sk_warn("group", "loading " SK_OFFSETS_TOPIC "-%d: malformed offset value at offset "
                "%lld skipped", partition, (long long)rec->offset);
        goto out;
    }
    if (!g)
        g = coord_create_group(c, gid, partition);
    char *md = sk_str_dup(v.Metadata);
    sk_group_set_offset(g, topic, k->Partition, v.Offset, v.LeaderEpoch, md, v.CommitTimestamp);
    /* value v1: an explicit expiry (OffsetCommit v2-4 RetentionTimeMs) */
    sk_group_offset(g, topic, k->Partition)->expire_ts = v.ExpireTimestamp;
    free(md);
out:
    free(gid);
    free(topic);
}

static void apply_group_record(sk_coord_t *c, int32_t partition, const sk_offrec_key_t *k,
                               const sk_record_t *rec)
{
    char *gid = sk_str_dup(k->Group);
    sk_arena_t *a = NULL;
    if (!gid)
        goto out;
    sk_group_t *g = coord_find_group(c, gid);
    sk_gmember_t *m;
    if (rec->value.len < 0) {
        /* Tombstone: the group's metadata is gone (its offsets have their own). */
        if (g && g->n_offsets == 0) {
            coord_group_drop(c, g, SK_KERR_NOT_COORDINATOR);
        } else if (g) {
            while ((m = TAILQ_FIRST(&g->members)) != NULL)
                coord_member_drop(c, g, m, SK_KERR_NOT_COORDINATOR);
            g->state = SK_GSTATE_EMPTY;
        }
        goto out;
    }
    int16_t vv;
    sk_offrec_group_value_t v;
    a = sk_arena_new(4096);
    if (sk_offrec_group_value_decode(rec->value.p, (size_t)rec->value.len, a, &vv, &v) != SK_OK) {
        sk_warn("group", "loading " SK_OFFSETS_TOPIC "-%d: malformed metadata of group %s at "
                "offset %lld skipped", partition, gid, (long long)rec->offset);
        goto out;
    }
    if (!g)
        g = coord_create_group(c, gid, partition);
    while ((m = TAILQ_FIRST(&g->members)) != NULL)
        coord_member_drop(c, g, m, SK_KERR_NOT_COORDINATOR);
    free(g->protocol_type);
    g->protocol_type = v.ProtocolType.len > 0 ? sk_str_dup(v.ProtocolType) : NULL;
    free(g->protocol);
    g->protocol = v.Protocol.len >= 0 ? sk_str_dup(v.Protocol) : NULL;
    g->generation = v.Generation;
    for (int32_t i = 0; i < v.MembersCnt; i++) {
        const sk_offrec_member_t *om = &v.Members[i];
        if (om->MemberId.len <= 0)
            continue;
        char *ms = sk_str_dup(om->MemberId), *is = sk_str_dup(om->GroupInstanceId),
             *cs = sk_str_dup(om->ClientId), *hs = sk_str_dup(om->ClientHost);
        m = sk_group_add_member(g, ms, is, cs ? cs : "", hs ? hs : "");
        m->session_timeout_ms = om->SessionTimeout;
        m->rebalance_timeout_ms = om->RebalanceTimeout > 0 ? om->RebalanceTimeout
                                                           : om->SessionTimeout;
        sk_gprotocol_t p = {g->protocol ? g->protocol : (char *)"",
                            (uint8_t *)(uintptr_t)om->Subscription.p, om->Subscription.len};
        sk_gmember_set_protocols(m, &p, 1);
        sk_gmember_set_assignment(m, om->Assignment.p, om->Assignment.len);
        free(ms);
        free(is);
        free(cs);
        free(hs);
    }
    free(g->leader_id);
    g->leader_id = v.Leader.len > 0 ? sk_str_dup(v.Leader) : NULL;
    if (g->n_members > 0 && (!g->leader_id || !sk_group_member(g, g->leader_id))) {
        free(g->leader_id);
        g->leader_id = sk_strdup(TAILQ_FIRST(&g->members)->id);
    }
    g->state = g->n_members > 0 ? SK_GSTATE_STABLE : SK_GSTATE_EMPTY;
    g->state_ts = v.CurrentStateTimestamp >= 0 ? v.CurrentStateTimestamp : coord_now_wall();
out:
    sk_arena_free(a);
    free(gid);
}

/* Replay one record of an offsets partition (README §5 formats). */
static void apply_record(sk_coord_t *c, int32_t partition, const sk_record_t *rec)
{
    sk_offrec_key_t k;
    if (rec->key.len < 0 || sk_offrec_key_decode(rec->key.p, (size_t)rec->key.len, &k) != SK_OK)
        return; /* unknown key versions are skipped, as Kafka does */
    if (k.Version == SK_OFFREC_KEY_GROUP)
        apply_group_record(c, partition, &k, rec);
    else
        apply_offset_record(c, partition, &k, rec);
}

typedef struct load_ctx {
    sk_coord_t *c;
    int32_t partition;
    int64_t from;
    int64_t n;
} load_ctx_t;

static int load_record_cb(const sk_record_t *rec, void *arg)
{
    load_ctx_t *lc = arg;
    if (rec->offset < lc->from)
        return 0;
    apply_record(lc->c, lc->partition, rec);
    lc->n++;
    return 0;
}

static void load_finish(cpart_t *cp)
{
    sk_coord_t *c = cp->c;
    cp->state = CP_LOADED;
    int ng = 0, no = 0;
    sk_group_t *g;
    TAILQ_FOREACH(g, &c->groups, link) {
        if (g->partition != cp->index)
            continue;
        ng++;
        no += g->n_offsets;
        sk_gmember_t *m;
        TAILQ_FOREACH(m, &g->members, link)
            coord_session_reset(c, g, m);
    }
    sk_info("group", "partition " SK_OFFSETS_TOPIC "-%d loaded for leader epoch %d: %d groups, "
            "%d committed offsets from %lld records in %lld ms", cp->index, cp->epoch, ng, no,
            (long long)cp->n_records, (long long)(sk_mono_ms() - cp->started_ms));
}

static void load_step(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    cpart_t *cp = arg;
    sk_coord_t *c = cp->c;
    if (cp->state != CP_LOADING)
        return;
    sk_partition_t *p = sk_topics_partition(c->b->topics, SK_OFFSETS_TOPIC,
                                            (int32_t)strlen(SK_OFFSETS_TOPIC), cp->index);
    if (!p || !p->log)
        return; /* partitions_changed unloads it */
    int64_t leo = sk_plog_end_offset(p->log);
    int64_t start = sk_plog_start_offset(p->log);
    if (cp->cursor < start)
        cp->cursor = start;
    int64_t budget = LOAD_TURN_BYTES;
    while (budget > 0 && cp->cursor < leo) {
        sk_plog_slice_t s;
        int rc = sk_plog_read(p->log, cp->cursor, leo, LOAD_CHUNK_BYTES, &s);
        if (rc != SK_OK) {
            sk_error("group", "loading " SK_OFFSETS_TOPIC "-%d: read at offset %lld failed: %s",
                     cp->index, (long long)cp->cursor, sk_strerror(rc));
            break;
        }
        if (s.len <= 0) {
            if (s.fd >= 0)
                close(s.fd);
            break;
        }
        uint8_t *buf = sk_malloc((size_t)s.len);
        int64_t before = cp->cursor;
        size_t off = 0, len = sk_plog_slice_load(p->log, &s, buf) == SK_OK ? (size_t)s.len : 0;
        while (off < len) {
            ssize_t n = sk_batch_next(buf + off, len - off);
            sk_batch_info_t info;
            if (n <= 0 || sk_batch_parse_header(buf + off, (size_t)n, &info) != SK_OK)
                break;
            int64_t last = sk_batch_last_offset(&info);
            if (last >= cp->cursor && !(info.attributes & SK_BATCH_ATTR_CONTROL)) {
                if (sk_batch_compression(&info) != SK_COMPRESSION_NONE) {
                    sk_warn("group", "loading " SK_OFFSETS_TOPIC "-%d: compressed batch at "
                            "offset %lld skipped", cp->index, (long long)info.base_offset);
                } else {
                    load_ctx_t lc = {c, cp->index, cp->cursor, 0};
                    if (sk_batch_foreach_record(buf + off, (size_t)n, load_record_cb, &lc) != 0)
                        sk_warn("group", "loading " SK_OFFSETS_TOPIC "-%d: malformed batch at "
                                "offset %lld skipped", cp->index, (long long)info.base_offset);
                    cp->n_records += lc.n;
                }
            }
            if (last + 1 > cp->cursor)
                cp->cursor = last + 1;
            off += (size_t)n;
        }
        free(buf);
        budget -= s.len;
        if (cp->cursor == before) {
            sk_warn("group", "loading " SK_OFFSETS_TOPIC "-%d: no progress at offset %lld, "
                    "stopping there", cp->index, (long long)cp->cursor);
            cp->cursor = leo;
        }
    }
    if (cp->cursor >= leo || budget > 0) {
        load_finish(cp);
        return;
    }
    struct timeval tv = {0, 0};
    evtimer_add(cp->load_ev, &tv); /* the rest on a later loop turn */
}

static void unload_partition(sk_coord_t *c, cpart_t *cp, const char *why)
{
    if (cp->state == CP_NONE)
        return;
    int n = 0;
    sk_group_t *g, *next;
    for (g = TAILQ_FIRST(&c->groups); g; g = next) {
        next = TAILQ_NEXT(g, link);
        if (g->partition == cp->index) {
            coord_group_drop(c, g, SK_KERR_NOT_COORDINATOR);
            n++;
        }
    }
    if (cp->load_ev)
        evtimer_del(cp->load_ev);
    cp->state = CP_NONE;
    cp->epoch = -1;
    sk_info("group", "partition " SK_OFFSETS_TOPIC "-%d unloaded (%s): %d groups dropped",
            cp->index, why, n);
}

static void start_load(sk_coord_t *c, cpart_t *cp, int32_t epoch)
{
    cp->state = CP_LOADING;
    cp->epoch = epoch;
    cp->cursor = 0;
    cp->n_records = 0;
    cp->started_ms = sk_mono_ms();
    if (!cp->load_ev)
        cp->load_ev = evtimer_new(c->b->base, load_step, cp);
    sk_info("group", "partition " SK_OFFSETS_TOPIC "-%d: loading groups (leader epoch %d)",
            cp->index, epoch);
    struct timeval tv = {0, 0};
    evtimer_add(cp->load_ev, &tv);
}

void sk_coord_partitions_changed(sk_coord_t *c)
{
    if (!c || c->stopped)
        return;
    sk_topic_t *t = offsets_topic(c);
    int32_t n = t ? t->n_partitions : 0;
    for (int32_t i = 0; i < n; i++) {
        sk_partition_t *p = &t->partitions[i];
        cpart_t *cp = cpart(c, i);
        int leads = p->leader == c->b->id && p->log;
        if (leads && (cp->state == CP_NONE || cp->epoch != p->leader_epoch)) {
            if (cp->state != CP_NONE)
                unload_partition(c, cp, "new leader epoch");
            start_load(c, cp, p->leader_epoch);
        } else if (!leads && cp->state != CP_NONE) {
            unload_partition(c, cp, "no longer leader");
        }
    }
    for (int32_t i = n; i < c->n_parts; i++)
        if (c->parts[i]->state != CP_NONE)
            unload_partition(c, c->parts[i], "partition gone");
}

/* ------------------------------------------------------------------ */
/* FindCoordinator */

static void created_cb(int16_t kerr, const char *msg, void *arg)
{
    sk_coord_t *c = arg;
    c->creating = 0;
    if (kerr != SK_KERR_NONE && kerr != SK_KERR_TOPIC_ALREADY_EXISTS)
        sk_warn("group", "creating " SK_OFFSETS_TOPIC " failed: %s (%s)", sk_kerr_name(kerr),
                msg ? msg : "");
}

static void create_offsets_topic(sk_coord_t *c)
{
    if (c->creating || sk_topic_creating(c->b, SK_OFFSETS_TOPIC,
                                         (int32_t)strlen(SK_OFFSETS_TOPIC)))
        return;
    const sk_conf_t *conf = c->b->conf;
    int n_live = c->b->n_live > 0 ? c->b->n_live : 1;
    int rf = conf->offsets_topic_replication_factor;
    if (rf > n_live)
        rf = n_live;
    if (rf < 1)
        rf = 1;
    char segbytes[32];
    snprintf(segbytes, sizeof(segbytes), "%d", conf->offsets_topic_segment_bytes);
    char *keys[] = {"cleanup.policy", "segment.bytes", "compression.type"};
    char *values[] = {"compact", segbytes, "producer"};
    const char *msg = NULL;
    int16_t kerr = sk_topic_create(c->b, SK_OFFSETS_TOPIC, conf->offsets_topic_num_partitions,
                                   (int16_t)rf, NULL, NULL, keys, values, 3, 0, &msg, created_cb,
                                   c);
    if (kerr == SK_KERR_NONE) {
        c->creating = 1;
        sk_info("group", "creating " SK_OFFSETS_TOPIC " with %d partitions, replication factor %d",
                conf->offsets_topic_num_partitions, rf);
    } else if (kerr != SK_KERR_TOPIC_ALREADY_EXISTS) {
        sk_warn("group", "cannot create " SK_OFFSETS_TOPIC ": %s (%s)", sk_kerr_name(kerr),
                msg ? msg : "");
    }
}

int16_t sk_coord_find(sk_coord_t *c, const char *key, int8_t key_type, const char *listener,
                      int32_t *node_id, const char **host, int32_t *port)
{
    *node_id = -1;
    *host = "";
    *port = -1;
    if (key_type != 0)
        return SK_KERR_COORDINATOR_NOT_AVAILABLE; /* transactions: not yet */
    if (!key || !key[0])
        return SK_KERR_INVALID_REQUEST;
    sk_topic_t *t = offsets_topic(c);
    if (!t) {
        create_offsets_topic(c);
        return SK_KERR_COORDINATOR_NOT_AVAILABLE;
    }
    int32_t part = sk_coord_partition_for(key, coord_n_offsets_partitions(c));
    if (part >= t->n_partitions)
        return SK_KERR_COORDINATOR_NOT_AVAILABLE;
    int32_t leader = t->partitions[part].leader;
    if (leader < 0)
        return SK_KERR_COORDINATOR_NOT_AVAILABLE;
    int p;
    if (!sk_broker_addr(c->b, leader, listener, host, &p))
        return SK_KERR_COORDINATOR_NOT_AVAILABLE;
    *node_id = leader;
    *port = p;
    return SK_KERR_NONE;
}

int16_t sk_coord_owns(sk_coord_t *c, const char *group)
{
    if (c->stopped)
        return SK_KERR_NOT_COORDINATOR;
    if (!group || !group[0])
        return SK_KERR_INVALID_GROUP_ID;
    sk_topic_t *t = offsets_topic(c);
    if (!t)
        return SK_KERR_NOT_COORDINATOR;
    int32_t part = sk_coord_partition_for(group, coord_n_offsets_partitions(c));
    if (part >= c->n_parts)
        return SK_KERR_NOT_COORDINATOR;
    switch (c->parts[part]->state) {
    case CP_LOADED:
        return SK_KERR_NONE;
    case CP_LOADING:
        return SK_KERR_COORDINATOR_LOAD_IN_PROGRESS;
    default:
        return SK_KERR_NOT_COORDINATOR;
    }
}

sk_group_t *sk_coord_group(sk_coord_t *c, const char *group)
{
    if (sk_coord_owns(c, group) != SK_KERR_NONE)
        return NULL;
    return coord_find_group(c, group);
}

/* ------------------------------------------------------------------ */
/* life cycle */

sk_coord_t *sk_coord_new(sk_broker_t *b)
{
    sk_coord_t *c = sk_calloc(1, sizeof(*c));
    c->b = b;
    TAILQ_INIT(&c->groups);
    TAILQ_INIT(&c->done_q);
    TAILQ_INIT(&c->ptimers);
    c->done_ev = event_new(b->base, -1, 0, coord_done_cb, c);
    c->expire_ev = evtimer_new(b->base, coord_expire_cb, c);
    coord_expire_arm(c);
    return c;
}

void sk_coord_stop(sk_coord_t *c)
{
    if (!c || c->stopped)
        return;
    sk_group_t *g;
    while ((g = TAILQ_FIRST(&c->groups)) != NULL)
        coord_group_drop(c, g, SK_KERR_NOT_COORDINATOR);
    for (int32_t i = 0; i < c->n_parts; i++) {
        if (c->parts[i]->load_ev)
            evtimer_del(c->parts[i]->load_ev);
        c->parts[i]->state = CP_NONE;
    }
    c->stopped = 1;
    evtimer_del(c->expire_ev);
    while (!TAILQ_EMPTY(&c->ptimers))
        coord_ptimer_free(c, TAILQ_FIRST(&c->ptimers));
    coord_done_cb(-1, 0, c); /* send what is answered (or free it if the connection is gone) */
}

void sk_coord_free(sk_coord_t *c)
{
    if (!c)
        return;
    sk_coord_stop(c);
    coord_done_cb(-1, 0, c);
    for (int32_t i = 0; i < c->n_parts; i++) {
        if (c->parts[i]->load_ev)
            event_free(c->parts[i]->load_ev);
        free(c->parts[i]);
    }
    free(c->parts);
    event_free(c->done_ev);
    event_free(c->expire_ev);
    free(c);
}

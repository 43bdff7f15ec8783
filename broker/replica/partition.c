/* partition.c - the only writer of partition state (see partition.h). */
#include "replica/partition.h"

#include "clock.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "storage/logmgr.h"
#include "mem.h"
#include "metrics.h"
#include "replica/purgatory.h"
#include "topic_conf.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void trunc_reset(sk_partition_t *p, const char *why);

static uint64_t key_of(const sk_partition_t *p)
{
    return sk_purg_key(p->topic, strlen(p->topic), p->id);
}

/* The partition changed in a way acks=all and fetch waits care about. */
static void wake(const sk_partition_env_t *env, const sk_partition_t *p, int produce, int fetch)
{
    if (!p->topic)
        return;
    uint64_t k = key_of(p);
    if (produce)
        sk_purg_wake(env->produce, k);
    if (fetch)
        sk_purg_wake(env->fetch, k);
}

/* The topic's leaders changed (CreateTopics waits for them). */
static void wake_topic(const sk_partition_env_t *env, const sk_partition_t *p)
{
    if (p->topic)
        sk_purg_wake(env->meta, sk_purg_key(p->topic, strlen(p->topic), -1));
}

static void checkpoint_hw(const sk_partition_env_t *env, const sk_partition_t *p)
{
    if (env->logs)
        sk_logmgr_set_high_watermark(env->logs, p->topic, p->id, p->high_watermark);
}

static void set_ids(int32_t **dst, int *n, const int32_t *src, int cnt)
{
    free(*dst);
    *dst = sk_calloc((size_t)(cnt > 0 ? cnt : 1), sizeof(int32_t));
    if (cnt > 0)
        memcpy(*dst, src, (size_t)cnt * sizeof(int32_t));
    *n = cnt > 0 ? cnt : 0;
}

/* A new leadership or replica set: the followers' progress is learnt afresh. */
static void forget_progress(sk_partition_t *p)
{
    free(p->replica_leo);
    p->replica_leo = NULL;
    free(p->replica_caught_up_ms);
    p->replica_caught_up_ms = NULL;
    free(p->replica_log_start);
    p->replica_log_start = NULL;
}

void sk_partition_init(sk_partition_t *p, const char *topic, int32_t id)
{
    memset(p, 0, sizeof(*p));
    p->topic = topic;
    p->id = id;
    p->leader = -1;
    p->leader_epoch = -1;
    p->replicas = sk_calloc(1, sizeof(int32_t));
    p->isr = sk_calloc(1, sizeof(int32_t));
    p->offline = sk_calloc(1, sizeof(int32_t));
}

void sk_partition_release(sk_partition_t *p)
{
    free(p->replicas);
    free(p->isr);
    free(p->offline);
    forget_progress(p);
    p->replicas = p->isr = p->offline = NULL;
    p->n_replicas = p->n_isr = p->n_offline = 0;
}

int sk_partition_replica_index(const sk_partition_t *p, int32_t id)
{
    for (int i = 0; i < p->n_replicas; i++)
        if (p->replicas[i] == id)
            return i;
    return -1;
}

int sk_partition_in_isr(const sk_partition_t *p, int32_t id)
{
    for (int i = 0; i < p->n_isr; i++)
        if (p->isr[i] == id)
            return 1;
    return 0;
}

int sk_partition_is_leader(const sk_partition_env_t *env, const sk_partition_t *p)
{
    return p->leader == env->self && p->log;
}

/* ---- role ---- */

int16_t sk_partition_set_state(const sk_partition_env_t *env, sk_partition_t *p, int32_t leader,
                               int32_t leader_epoch, int32_t partition_epoch,
                               const int32_t *replicas, int n_replicas, const int32_t *isr,
                               int n_isr, int *same, int *was_leader)
{
    if (p->leader_epoch > leader_epoch)
        return SK_KERR_STALE_CONTROLLER_EPOCH;
    *was_leader = p->leader == env->self && p->log;
    *same = p->leader_epoch == leader_epoch && p->leader == leader;
    if (!*same || n_replicas != p->n_replicas) {
        forget_progress(p);
        p->isr_inflight = 0;
        p->has_joining = 0;
    }
    set_ids(&p->replicas, &p->n_replicas, replicas, n_replicas);
    set_ids(&p->isr, &p->n_isr, isr, n_isr);
    p->leader = leader;
    p->leader_epoch = leader_epoch;
    p->zk_version = partition_epoch;
    if (!*same)
        trunc_reset(p, "LeaderAndIsr: new leader or leader epoch");
    /* Waits on p see the new role (NOT_LEADER_OR_FOLLOWER, fencing). */
    wake(env, p, 1, 1);
    wake_topic(env, p);
    return SK_KERR_NONE;
}

void sk_partition_set_cached(const sk_partition_env_t *env, sk_partition_t *p, int32_t leader,
                             int32_t leader_epoch, int32_t partition_epoch,
                             const int32_t *replicas, int n_replicas, const int32_t *isr,
                             int n_isr)
{
    if (p->leader_epoch > leader_epoch)
        return;
    if (n_replicas != p->n_replicas)
        forget_progress(p);
    set_ids(&p->replicas, &p->n_replicas, replicas, n_replicas);
    set_ids(&p->isr, &p->n_isr, isr, n_isr);
    if (!p->log || p->leader_epoch < leader_epoch) {
        int moved = p->leader != leader || p->leader_epoch != leader_epoch;
        p->leader = leader;
        p->leader_epoch = leader_epoch;
        p->zk_version = partition_epoch;
        if (moved)
            trunc_reset(p, "UpdateMetadata: new leader or leader epoch");
        wake_topic(env, p);
    }
}

void sk_partition_set_offline(sk_partition_t *p, const int32_t *offline, int n_offline)
{
    if (n_offline < 0)
        n_offline = 0;
    if (p->n_offline != n_offline)
        sk_debug("partition", "partition %s-%d: offline replicas %d -> %d (UpdateMetadata)",
                 p->topic, p->id, p->n_offline, n_offline);
    set_ids(&p->offline, &p->n_offline, offline, n_offline);
}

void sk_partition_forget_topic(const sk_partition_env_t *env, const char *topic)
{
    sk_met_topic_remove(topic); /* before: topic may point into the table's entry */
    sk_topics_remove(env->topics, topic);
    sk_purg_wake_all(env->produce);
    sk_purg_wake_all(env->fetch);
    sk_purg_wake_all(env->meta);
}

void sk_partition_set_log(sk_partition_t *p, sk_plog_t *log)
{
    if (log != p->log)
        trunc_reset(p, "the log changed");
    p->log = log;
}

void sk_partition_stop(const sk_partition_env_t *env, sk_partition_t *p)
{
    if (!p->log)
        return;
    p->log = NULL;
    if (p->leader == env->self)
        p->leader = -1;
    trunc_reset(p, "StopReplica: the log is no longer ours");
    wake(env, p, 1, 1);
    wake_topic(env, p);
}

void sk_partition_log_moved(const char *topic, int32_t partition, sk_plog_t *log, void *arg)
{
    const sk_partition_env_t *env = arg;
    sk_partition_t *p = sk_topics_partition(env->topics, topic, (int32_t)strlen(topic),
                                            partition);
    if (!p || !p->log)
        return; /* no log attached yet: it is the log manager's to hand out */
    if (!log) {
        sk_partition_stop(env, p);
        return;
    }
    /* the same records at the same offsets: no truncation check needed */
    p->log = log;
    sk_info("partition", "partition %s-%" PRId32 " (leader epoch %" PRId32 "): the log is now "
            "%s", p->topic, p->id, p->leader_epoch, sk_plog_dir(log));
    wake(env, p, 1, 1);
}

/* KIP-101: followers ask where their epochs end, so the new epoch starts at
 * our log end even before anything is written in it. */
static void record_epoch_start(sk_partition_t *p)
{
    if (!p->log || p->leader_epoch < 0)
        return;
    int32_t latest = sk_plog_latest_epoch(p->log);
    if (p->leader_epoch <= latest)
        return;
    int rc = sk_plog_assign_epoch(p->log, p->leader_epoch, sk_plog_end_offset(p->log));
    if (rc != SK_OK)
        sk_warn("epoch", "partition %s-%d: cannot record leader epoch %d at offset %" PRId64
                ": %s", p->topic, p->id, p->leader_epoch, sk_plog_end_offset(p->log),
                sk_strerror(rc));
}

void sk_partition_track_caught_up(sk_partition_t *p)
{
    if (p->replica_caught_up_ms)
        return;
    p->replica_caught_up_ms = sk_calloc((size_t)(p->n_replicas > 0 ? p->n_replicas : 1),
                                        sizeof(int64_t));
    int64_t now = sk_mono_ms();
    for (int i = 0; i < p->n_replicas; i++)
        p->replica_caught_up_ms[i] = now;
}

void sk_partition_become_leader(const sk_partition_env_t *env, sk_partition_t *p,
                                int was_leader)
{
    if (!was_leader) {
        int64_t hw = env->logs ? sk_logmgr_get_checkpointed_high_watermark(env->logs, p->topic,
                                                                          p->id) : 0;
        p->high_watermark = hw > 0 ? hw : 0;
        /* Every follower starts "caught up now". */
        free(p->replica_caught_up_ms);
        p->replica_caught_up_ms = NULL;
        p->isr_inflight = 0;
        p->has_joining = 0;
        sk_partition_track_caught_up(p);
    }
    record_epoch_start(p);
    sk_partition_update_hw(env, p);
}

/* ---- the leader's log and HW ---- */

void sk_partition_update_hw(const sk_partition_env_t *env, sk_partition_t *p)
{
    if (!p->log || p->leader != env->self)
        return;
    /* HW = the smallest log end offset over the in-sync replicas: the
     * leader's own, and each follower's as its last fetch confirmed it. */
    int64_t hw = sk_plog_end_offset(p->log);
    for (int i = 0; i <= p->n_isr; i++) {
        /* the ISR, then a replica proposed to join it */
        if (i == p->n_isr && (!p->has_joining || sk_partition_in_isr(p, p->joining)))
            break;
        int32_t id = i < p->n_isr ? p->isr[i] : p->joining;
        if (id == env->self)
            continue;
        int64_t leo = -1;
        for (int r = 0; r < p->n_replicas; r++)
            if (p->replicas[r] == id && p->replica_leo)
                leo = p->replica_leo[r];
        if (leo < hw)
            hw = leo;
    }
    if (hw > p->high_watermark) { /* the HW only moves forward */
        p->high_watermark = hw;
        checkpoint_hw(env, p);
        wake(env, p, 1, 1);
    }
}

static void data_arrived(const sk_partition_env_t *env, sk_partition_t *p)
{
    sk_partition_update_hw(env, p);
    wake(env, p, 0, 1);
}

int sk_partition_append(const sk_partition_env_t *env, sk_partition_t *p, uint8_t *data,
                        size_t len, int64_t *first, int64_t *last)
{
    int rc = sk_plog_append(p->log, data, len, p->leader_epoch, first, last);
    if (rc == SK_OK)
        data_arrived(env, p);
    return rc;
}

int32_t sk_partition_min_insync(const sk_partition_env_t *env, const sk_partition_t *p)
{
    sk_topic_t *t = env->topics ? sk_topics_find(env->topics, p->topic,
                                                 (int32_t)strlen(p->topic)) : NULL;
    const char *v = t ? sk_topic_config(t, "min.insync.replicas") : NULL;
    int64_t n; /* the table's range: 1 .. INT32_MAX */
    if (v && sk_topic_conf_int("min.insync.replicas", v, &n, NULL, 0) == SK_OK)
        return (int32_t)n;
    return env->min_insync;
}

int sk_partition_ack_status(const sk_partition_env_t *env, const char *topic, size_t topic_len,
                            int32_t partition, int64_t required_hw, int32_t leader_epoch,
                            int16_t *kerr)
{
    sk_partition_t *p = sk_topics_partition(env->topics, topic, (int32_t)topic_len, partition);
    if (!p || p->leader != env->self || p->leader_epoch != leader_epoch) {
        *kerr = SK_KERR_NOT_LEADER_OR_FOLLOWER;
        return 1;
    }
    if (p->high_watermark >= required_hw) {
        /* Committed; but if the ISR fell below min.insync.replicas on the
         * way, acks=all was not honoured (Kafka's rule). */
        *kerr = p->n_isr < sk_partition_min_insync(env, p)
                    ? SK_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND : SK_KERR_NONE;
        return 1;
    }
    return 0;
}

/* An internal acks=all append waiting in the produce purgatory. */
typedef struct acked_append {
    const sk_partition_env_t *env;
    char *topic;
    int32_t partition;
    int64_t required_hw;
    int32_t leader_epoch; /* of the append */
    sk_append_done_fn done;
    void *arg;
} acked_append_t;

static int acked_try(void *arg, sk_purg_why_t why)
{
    acked_append_t *a = arg;
    int16_t kerr = SK_KERR_NONE;
    if (!sk_partition_ack_status(a->env, a->topic, strlen(a->topic), a->partition,
                                 a->required_hw, a->leader_epoch, &kerr)) {
        if (why == SK_PURG_WOKEN)
            return 0;
        kerr = SK_KERR_REQUEST_TIMED_OUT;
    }
    sk_append_done_fn done = a->done;
    void *done_arg = a->arg;
    free(a->topic);
    free(a);
    done(kerr, done_arg);
    return 1;
}

int16_t sk_partition_append_acked(const sk_partition_env_t *env, const char *topic,
                                  int32_t partition, uint8_t *data, size_t len,
                                  int32_t timeout_ms, sk_append_done_fn done, void *arg)
{
    sk_partition_t *p = sk_topics_partition(env->topics, topic, (int32_t)strlen(topic), partition);
    if (!p)
        return SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    if (p->leader != env->self || !p->log || (env->stopping && *env->stopping))
        return SK_KERR_NOT_LEADER_OR_FOLLOWER;
    int64_t first = -1, last = -1;
    int rc = sk_plog_append(p->log, data, len, p->leader_epoch, &first, &last);
    if (rc == SK_ESTATE)
        return SK_KERR_NOT_LEADER_OR_FOLLOWER;
    if (rc != SK_OK) {
        sk_error("produce", "internal append to %s-%d failed: %s (KAFKA_STORAGE_ERROR)",
                 p->topic, p->id, sk_strerror(rc));
        return SK_KERR_KAFKA_STORAGE_ERROR;
    }
    acked_append_t *a = sk_calloc(1, sizeof(*a));
    a->env = env;
    a->topic = sk_strdup(p->topic);
    a->partition = partition;
    a->required_hw = last + 1;
    a->leader_epoch = p->leader_epoch;
    a->done = done;
    a->arg = arg;
    sk_purg_op_t *op = sk_purg_add(env->produce, timeout_ms > 0 ? timeout_ms : 0, acked_try, a);
    sk_purg_watch(op, key_of(p));
    data_arrived(env, p);
    /* Answered from the loop (next turn at the earliest), never from inside
     * the caller. */
    sk_purg_wake(env->produce, key_of(p));
    return SK_KERR_NONE;
}

/* ---- followers' progress ---- */

int sk_partition_follower_fetched(const sk_partition_env_t *env, sk_partition_t *p,
                                  int32_t replica_id, int64_t fetch_offset, int64_t leader_leo)
{
    int idx = sk_partition_replica_index(p, replica_id);
    if (idx < 0)
        return -1;
    /* A follower asking for offset X holds everything below X. */
    if (!p->replica_leo) {
        p->replica_leo = sk_calloc((size_t)p->n_replicas, sizeof(int64_t));
        for (int r = 0; r < p->n_replicas; r++)
            p->replica_leo[r] = -1;
    }
    if (fetch_offset > p->replica_leo[idx]) {
        p->replica_leo[idx] = fetch_offset;
        sk_partition_update_hw(env, p);
    }
    sk_partition_track_caught_up(p);
    if (fetch_offset >= leader_leo)
        p->replica_caught_up_ms[idx] = sk_mono_ms();
    return idx;
}

/* ---- the log start offset (DeleteRecords) ---- */

/* Moves p's log start to offset (forward only, at most the log end) and
 * deletes the segments wholly below it; returns the log start after. */
static int64_t advance_log_start(const sk_partition_env_t *env, sk_partition_t *p,
                                 int64_t offset)
{
    if (env->logs) {
        int64_t now = sk_logmgr_advance_log_start(env->logs, p->topic, p->id, offset);
        if (now >= 0)
            return now;
    }
    sk_plog_set_start_offset(p->log, offset);
    return sk_plog_start_offset(p->log);
}

int16_t sk_partition_delete_records(const sk_partition_env_t *env, sk_partition_t *p,
                                    int64_t offset, int64_t *required)
{
    *required = -1;
    if (!sk_partition_is_leader(env, p))
        return SK_KERR_NOT_LEADER_OR_FOLLOWER;
    if (!sk_plog_cleanup_delete(p->log))
        return SK_KERR_POLICY_VIOLATION;
    if (offset == SK_DELETE_RECORDS_HW)
        offset = p->high_watermark;
    if (offset < 0 || offset > p->high_watermark)
        return SK_KERR_OFFSET_OUT_OF_RANGE;
    int64_t before = sk_plog_start_offset(p->log);
    int64_t after = advance_log_start(env, p, offset);
    if (after != before) {
        sk_info_tp("partition", p->topic, p->id, p->leader_epoch,
                   "partition %s-%d: DeleteRecords moved the log start offset %" PRId64
                   " -> %" PRId64 " (high watermark %" PRId64 ", leader epoch %d)",
                   p->topic, p->id, before, after, p->high_watermark, p->leader_epoch);
        /* Followers learn it from their next fetch answer. */
        wake(env, p, 1, 1);
    }
    *required = offset;
    return SK_KERR_NONE;
}

int64_t sk_partition_low_watermark(const sk_partition_env_t *env, const sk_partition_t *p)
{
    if (!sk_partition_is_leader(env, p))
        return -1;
    int64_t low = sk_plog_start_offset(p->log);
    for (int i = 0; i < p->n_isr; i++) {
        if (p->isr[i] == env->self)
            continue;
        int r = sk_partition_replica_index(p, p->isr[i]);
        int64_t start = r >= 0 && p->replica_log_start ? p->replica_log_start[r] : -1;
        if (start < low)
            low = start;
    }
    return low;
}

int sk_partition_delete_status(const sk_partition_env_t *env, const char *topic,
                               size_t topic_len, int32_t partition, int64_t required,
                               int16_t *kerr, int64_t *low_watermark)
{
    sk_partition_t *p = sk_topics_partition(env->topics, topic, (int32_t)topic_len, partition);
    *low_watermark = -1;
    if (!p || !sk_partition_is_leader(env, p)) {
        *kerr = SK_KERR_NOT_LEADER_OR_FOLLOWER;
        return 1;
    }
    int64_t low = sk_partition_low_watermark(env, p);
    if (low < required)
        return 0;
    *kerr = SK_KERR_NONE;
    *low_watermark = low;
    return 1;
}

void sk_partition_follower_log_start(const sk_partition_env_t *env, sk_partition_t *p,
                                     int idx, int64_t log_start)
{
    if (idx < 0 || idx >= p->n_replicas || log_start < 0)
        return;
    if (!p->replica_log_start) {
        p->replica_log_start = sk_calloc((size_t)p->n_replicas, sizeof(int64_t));
        for (int r = 0; r < p->n_replicas; r++)
            p->replica_log_start[r] = -1;
    }
    if (log_start != p->replica_log_start[idx]) {
        p->replica_log_start[idx] = log_start;
        wake(env, p, 1, 0); /* DeleteRecords waits in the produce purgatory */
    }
}

void sk_partition_leader_log_start(const sk_partition_env_t *env, sk_partition_t *p,
                                   int64_t leader_log_start)
{
    if (!p->log || leader_log_start < 0)
        return;
    int64_t before = sk_plog_start_offset(p->log);
    if (leader_log_start <= before)
        return;
    int64_t after = advance_log_start(env, p, leader_log_start);
    if (after != before)
        sk_info_tp("partition", p->topic, p->id, p->leader_epoch,
                   "partition %s-%d: log start offset %" PRId64 " -> %" PRId64
                   " as leader %d's (leader epoch %d)", p->topic, p->id, before, after,
                   p->leader, p->leader_epoch);
}

/* ---- ISR ---- */

void sk_partition_isr_proposed(sk_partition_t *p, int32_t controller, int64_t now_ms)
{
    p->isr_inflight = 1;
    p->isr_proposed_ms = now_ms;
    p->isr_proposed_to = controller;
}

void sk_partition_isr_refused(sk_partition_t *p, int32_t id, int64_t until_ms)
{
    p->isr_refused_id = id;
    p->isr_refused_until_ms = until_ms;
}

int sk_partition_isr_refused_now(const sk_partition_t *p, int32_t id, int64_t now_ms)
{
    return p->isr_refused_until_ms > now_ms && p->isr_refused_id == id;
}

int sk_partition_isr_expire(const sk_partition_env_t *env, sk_partition_t *p, int32_t controller,
                            int64_t now_ms, int64_t timeout_ms)
{
    if (!p->isr_inflight ||
        (p->isr_proposed_to == controller && now_ms - p->isr_proposed_ms < timeout_ms))
        return 0;
    sk_warn_tp("partition", p->topic, p->id, p->leader_epoch,
               "partition %s-%d: the ISR proposal to controller %d (%lld ms ago) is given up%s",
               p->topic, p->id, p->isr_proposed_to, (long long)(now_ms - p->isr_proposed_ms),
               p->isr_proposed_to != controller ? ": the controller changed" : "");
    p->isr_inflight = 0;
    if (p->has_joining) {
        p->has_joining = 0;
        sk_partition_update_hw(env, p); /* its joiner no longer holds the HW */
    }
    return 1;
}

void sk_partition_isr_answered(sk_partition_t *p)
{
    p->isr_inflight = 0;
    p->has_joining = 0;
}

void sk_partition_isr_joining(sk_partition_t *p, int32_t id)
{
    p->has_joining = 1;
    p->joining = id;
}

int sk_partition_isr_apply(const sk_partition_env_t *env, sk_partition_t *p, int32_t leader_epoch,
                           const int32_t *isr, int n_isr, int32_t partition_epoch)
{
    if (p->leader != env->self || p->leader_epoch != leader_epoch)
        return 0; /* leadership moved meanwhile */
    if (n_isr < p->n_isr)
        sk_met.isr_shrinks++;
    else if (n_isr > p->n_isr)
        sk_met.isr_expands++;
    set_ids(&p->isr, &p->n_isr, isr, n_isr);
    p->zk_version = partition_epoch;
    sk_partition_update_hw(env, p);
    /* acks=all waits: the HW may have moved, or the ISR fell below
     * min.insync.replicas. */
    wake(env, p, 1, 0);
    return 1;
}

/* ---- the follower's side ---- */

void sk_partition_follower_hw(const sk_partition_env_t *env, sk_partition_t *p, int64_t leader_hw)
{
    int64_t leo = sk_plog_end_offset(p->log);
    int64_t hw = leader_hw < leo ? leader_hw : leo;
    if (hw > p->high_watermark) {
        p->high_watermark = hw;
        checkpoint_hw(env, p);
        wake(env, p, 0, 1);
    }
}

void sk_partition_clamp_hw(const sk_partition_env_t *env, sk_partition_t *p)
{
    int64_t leo = sk_plog_end_offset(p->log);
    if (p->high_watermark > leo) {
        p->high_watermark = leo;
        checkpoint_hw(env, p);
    }
}

void sk_partition_log_restarted(const sk_partition_env_t *env, sk_partition_t *p,
                                int64_t log_start)
{
    sk_partition_clamp_hw(env, p);
    if (p->high_watermark < log_start)
        p->high_watermark = log_start;
    checkpoint_hw(env, p);
}

/* ---- the follower's truncation state ---- */

/* allowed[from][to]: the transitions of partition.h's table. */
static const unsigned char trunc_allowed[SK_TRUNC_N_STATES][SK_TRUNC_N_STATES] = {
    /*                            NEEDS  TRUNCATING  FETCHING */
    [SK_TRUNC_NEEDS_TRUNCATION] = {0,    1,          1},
    [SK_TRUNC_TRUNCATING]       = {1,    0,          1},
    [SK_TRUNC_FETCHING]         = {1,    0,          0},
};

static const char *const trunc_names[SK_TRUNC_N_STATES] = {
    [SK_TRUNC_NEEDS_TRUNCATION] = "NEEDS_TRUNCATION",
    [SK_TRUNC_TRUNCATING] = "TRUNCATING",
    [SK_TRUNC_FETCHING] = "FETCHING",
};

int sk_trunc_state_allowed(sk_trunc_state_t from, sk_trunc_state_t to)
{
    if ((unsigned)from >= SK_TRUNC_N_STATES || (unsigned)to >= SK_TRUNC_N_STATES)
        return 0;
    return trunc_allowed[from][to];
}

const char *sk_trunc_state_name(sk_trunc_state_t s)
{
    return (unsigned)s < SK_TRUNC_N_STATES ? trunc_names[s] : "?";
}

/* The one place p->trunc_state changes: checked against the table, logged. */
static int trunc_move(sk_partition_t *p, sk_trunc_state_t to, sk_log_level_t level,
                      const char *why)
{
    sk_trunc_state_t from = p->trunc_state;
    if (!sk_trunc_state_allowed(from, to)) {
        SK_LOG_TP_AT(SK_LOG_ERROR, "partition", p->topic, p->id, p->leader_epoch,
                     "partition %s-%d: %s: refused (truncation %s -> %s, leader %d, leader "
                     "epoch %d)", p->topic, p->id, why, sk_trunc_state_name(from),
                     sk_trunc_state_name(to), p->leader, p->leader_epoch);
        return SK_ESTATE;
    }
    p->trunc_state = to;
    SK_LOG_TP_AT(level, "partition", p->topic, p->id, p->leader_epoch,
                 "partition %s-%d: %s (truncation %s -> %s, leader %d, leader epoch %d)",
                 p->topic, p->id, why, sk_trunc_state_name(from), sk_trunc_state_name(to),
                 p->leader, p->leader_epoch);
    return SK_OK;
}

/* The leader, leader epoch or log changed: the log is checked again before
 * it is fetched. (The role change itself is logged by the caller.) */
static void trunc_reset(sk_partition_t *p, const char *why)
{
    if (p->trunc_state != SK_TRUNC_NEEDS_TRUNCATION)
        trunc_move(p, SK_TRUNC_NEEDS_TRUNCATION, SK_LOG_DEBUG, why);
}

int sk_partition_set_trunc(sk_partition_t *p, sk_trunc_state_t to, const char *why)
{
    /* Leaving FETCHING here means a fetch out of range: rare, INFO. The
     * steps every leadership change takes are DEBUG (control.c logs the
     * role change itself at INFO). */
    sk_log_level_t level = p->trunc_state == SK_TRUNC_FETCHING && to != SK_TRUNC_FETCHING
                               ? SK_LOG_INFO : SK_LOG_DEBUG;
    return trunc_move(p, to, level, why);
}

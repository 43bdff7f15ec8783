/* api_listoffsets.c - ListOffsets (key 2), every version Kafka 3.7 accepts
 * (0-8), on the generated codec (proto_gen.h).
 *
 * v1+: one offset per partition: the log end (LATEST, the high watermark for
 * consumers), the log start (EARLIEST, and EARLIEST_LOCAL: there is no
 * remote tier), the record with the largest timestamp (MAX_TIMESTAMP), or
 * the first record at or after a timestamp; with the leader epoch of that
 * offset from v4, CurrentLeaderEpoch checked (FENCED / UNKNOWN_LEADER_EPOCH),
 * a partition asked twice refused with INVALID_REQUEST, and a consumer's
 * LATEST refused while a new leader's high watermark is still below the
 * start of its epoch (OFFSET_NOT_AVAILABLE from v5, LEADER_NOT_AVAILABLE
 * below), as Kafka does.
 *
 * v0 (the old "offsets before" API, still sent by sarama and so Burrow): up
 * to MaxNumOffsets offsets in descending order, taken from the segment start
 * offsets and the log end, chosen by the segment files' modification times
 * (Kafka's legacyFetchOffsetsBefore); a consumer never sees past the high
 * watermark.
 * @locality loop
 */
#include "api/api.h"

#include "arena.h"
#include "storage/epoch_cache.h"
#include "kbuf.h"
#include "kerr.h"
#include "storage/segment.h"
#include "clock.h"
#include "proto_listoffsets.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

/* ReplicaId of an ordinary consumer (followers send their broker id, and
 * -2 is Kafka's debugging id: both see up to the log end). */
#define CONSUMER_REPLICA_ID (-1)

typedef sk_listoffsets_req_partition_t req_part_t;
typedef sk_listoffsets_resp_partition_t resp_part_t;

/* The partition when this broker leads it; otherwise NULL and *err. The
 * epoch check comes first, as in Kafka. */
static sk_partition_t *leader_partition(sk_broker_t *b, sk_str_t topic, const req_part_t *rp,
                                        int16_t *err)
{
    sk_partition_t *p = sk_topics_partition(b->topics, topic.p, topic.len, rp->PartitionIndex);
    if (!p) {
        *err = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return NULL;
    }
    if (rp->CurrentLeaderEpoch >= 0 && rp->CurrentLeaderEpoch != p->leader_epoch) {
        *err = rp->CurrentLeaderEpoch < p->leader_epoch ? SK_KERR_FENCED_LEADER_EPOCH
                                                        : SK_KERR_UNKNOWN_LEADER_EPOCH;
        return NULL;
    }
    if (p->leader != b->id || !p->log) {
        *err = SK_KERR_NOT_LEADER_OR_FOLLOWER;
        return NULL;
    }
    *err = SK_KERR_NONE;
    return p;
}

static int32_t epoch_at(const sk_partition_t *p, int64_t offset)
{
    int32_t e = sk_epoch_cache_epoch_for_offset(sk_plog_epochs(p->log), offset);
    return e >= 0 ? e : -1;
}

/* Offset of the first record with the log's largest timestamp: the largest
 * T for which a lookup by time still finds a record, by bisection. */
static int find_max_timestamp(sk_plog_t *log, int64_t *offset, int64_t *ts)
{
    int64_t off, found;
    if (sk_plog_offset_for_time(log, INT64_MIN, &off, &found) != SK_OK)
        return SK_EIO;
    *offset = off;
    *ts = found;
    if (off < 0)
        return SK_OK;
    int64_t lo = found, hi = INT64_MAX; /* lo is found; above hi nothing is */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2 + 1;
        if (sk_plog_offset_for_time(log, mid, &off, &found) != SK_OK)
            return SK_EIO;
        if (off >= 0) {
            lo = found;
            *offset = off;
            *ts = found;
        } else {
            hi = mid - 1;
        }
    }
    return SK_OK;
}

/* Is a consumer's LATEST to be refused because this new leader's high
 * watermark has not reached the start of its own epoch yet? */
static int hw_behind_epoch_start(const sk_partition_t *p)
{
    const sk_epoch_cache_t *c = sk_plog_epochs(p->log);
    size_t n = sk_epoch_cache_count(c);
    if (n == 0)
        return 0;
    sk_epoch_entry_t last = sk_epoch_cache_get(c, n - 1);
    return last.epoch == p->leader_epoch && last.start_offset > p->high_watermark;
}

/* v1+ */
static void list_partition(const sk_req_t *req, const sk_listoffsets_req_t *in, sk_partition_t *p,
                           const req_part_t *rp, resp_part_t *out)
{
    int consumer = in->ReplicaId == CONSUMER_REPLICA_ID;
    int64_t fetchable = consumer ? p->high_watermark : sk_plog_end_offset(p->log);
    int64_t off = -1, ts = -1;
    switch (rp->Timestamp) {
    case SK_LISTOFFSETS_LATEST:
        if (consumer && hw_behind_epoch_start(p)) {
            out->ErrorCode = req->api_version >= 5 ? SK_KERR_OFFSET_NOT_AVAILABLE
                                                   : SK_KERR_LEADER_NOT_AVAILABLE;
            return;
        }
        out->Offset = fetchable;
        if (req->api_version >= 4)
            out->LeaderEpoch = p->leader_epoch;
        return;
    case SK_LISTOFFSETS_EARLIEST:
    case SK_LISTOFFSETS_EARLIEST_LOCAL:
        out->Offset = sk_plog_start_offset(p->log);
        if (req->api_version >= 4)
            out->LeaderEpoch = epoch_at(p, out->Offset);
        return;
    case SK_LISTOFFSETS_MAX_TIMESTAMP:
        if (find_max_timestamp(p->log, &off, &ts) != SK_OK) {
            out->ErrorCode = SK_KERR_KAFKA_STORAGE_ERROR;
            return;
        }
        break;
    default:
        if (sk_plog_offset_for_time(p->log, rp->Timestamp, &off, &ts) != SK_OK) {
            out->ErrorCode = SK_KERR_KAFKA_STORAGE_ERROR;
            return;
        }
        break;
    }
    if (off < 0 || off >= fetchable)
        return; /* nothing (visible) at or after that time: -1, -1 */
    out->Offset = off;
    out->Timestamp = ts;
    if (req->api_version >= 4) /* not ignorable: Kafka sets it only where it exists */
        out->LeaderEpoch = epoch_at(p, off);
}

/* ---- v0 ---- */

typedef struct seg_time {
    int64_t offset;
    int64_t mtime_ms;
} seg_time_t;

static int cmp_seg_time(const void *a, const void *b)
{
    const seg_time_t *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Kafka's offset/time array: (max(segment base, log start), segment file
 * mtime) per segment, plus (log end, now) when the last segment is not
 * empty. Scans the partition directory (ListOffsets v0 is rare). Returns
 * the count, or -1 on an I/O error. */
static int segment_times(sk_partition_t *p, sk_arena_t *a, seg_time_t **out)
{
    const char *dir = sk_plog_dir(p->log);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t n = 0, cap = (size_t)sk_plog_segment_count(p->log) + 2;
    seg_time_t *st = sk_arena_calloc(a, cap, sizeof(*st));
    int64_t last_size = 0, last_base = -1;
    int64_t start = sk_plog_start_offset(p->log);
    struct dirent *de;
    while ((de = readdir(d))) {
        int64_t base;
        if (sk_seg_parse_name(de->d_name, ".log", &base) != 0)
            continue;
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &sb) != 0)
            continue; /* deleted meanwhile */
        if (n + 1 >= cap) {
            seg_time_t *bigger = sk_arena_calloc(a, cap * 2, sizeof(*st));
            memcpy(bigger, st, n * sizeof(*st));
            st = bigger;
            cap *= 2;
        }
        st[n].offset = base > start ? base : start;
        st[n].mtime_ms = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
        n++;
        if (base > last_base) {
            last_base = base;
            last_size = (int64_t)sb.st_size;
        }
    }
    closedir(d);
    qsort(st, n, sizeof(*st), cmp_seg_time);
    if (last_size > 0 || n == 0) {
        st[n].offset = sk_plog_end_offset(p->log);
        st[n].mtime_ms = sk_wall_ms();
        n++;
    }
    *out = st;
    return (int)n;
}

static void list_partition_v0(const sk_req_t *req, const sk_listoffsets_req_t *in,
                              sk_partition_t *p, const req_part_t *rp, resp_part_t *out)
{
    seg_time_t *st;
    int n = segment_times(p, req->arena, &st);
    if (n < 0) {
        out->ErrorCode = SK_KERR_KAFKA_STORAGE_ERROR;
        return;
    }
    int from; /* index of the newest entry to return */
    if (rp->Timestamp == SK_LISTOFFSETS_LATEST) {
        from = n - 1;
    } else if (rp->Timestamp == SK_LISTOFFSETS_EARLIEST) {
        from = 0;
    } else {
        from = n - 1;
        while (from >= 0 && st[from].mtime_ms > rp->Timestamp)
            from--;
    }
    int32_t want = rp->MaxNumOffsets > 0 ? rp->MaxNumOffsets : 0;
    int32_t cnt = from + 1 < want ? from + 1 : want;
    int64_t *offs = sk_arena_calloc(req->arena, (size_t)cnt + 1, sizeof(int64_t));
    for (int32_t k = 0; k < cnt; k++)
        offs[k] = st[from - k].offset;
    /* A consumer never sees past the high watermark: offsets above it are
     * replaced by the high watermark itself (Kafka's rule). */
    if (in->ReplicaId == CONSUMER_REPLICA_ID && cnt > 0 && offs[0] > p->high_watermark) {
        int32_t skip = 0;
        while (skip < cnt && offs[skip] > p->high_watermark)
            skip++;
        offs[0] = p->high_watermark;
        memmove(offs + 1, offs + skip, (size_t)(cnt - skip) * sizeof(int64_t));
        cnt = cnt - skip + 1;
    }
    out->OldStyleOffsets = offs;
    out->OldStyleOffsetsCnt = cnt;
}

/* ---- the request ---- */

typedef struct part_ref {
    sk_str_t topic;
    int32_t partition;
    int32_t ti, pi;
} part_ref_t;

static int cmp_part_ref(const void *a, const void *b)
{
    const part_ref_t *x = a, *y = b;
    int32_t n = x->topic.len < y->topic.len ? x->topic.len : y->topic.len;
    int c = n > 0 ? memcmp(x->topic.p, y->topic.p, (size_t)n) : 0;
    if (c == 0)
        c = (x->topic.len > y->topic.len) - (x->topic.len < y->topic.len);
    if (c == 0)
        c = (x->partition > y->partition) - (x->partition < y->partition);
    return c;
}

/* Marks partitions asked for more than once (v1+ answers them with
 * INVALID_REQUEST, as Kafka does). */
static void mark_duplicates(const sk_listoffsets_req_t *in, sk_arena_t *a, uint8_t **dup)
{
    size_t total = 0;
    for (int32_t i = 0; i < in->TopicsCnt; i++)
        total += (size_t)in->Topics[i].PartitionsCnt;
    part_ref_t *refs = sk_arena_calloc(a, total + 1, sizeof(*refs));
    size_t n = 0;
    for (int32_t i = 0; i < in->TopicsCnt; i++)
        for (int32_t j = 0; j < in->Topics[i].PartitionsCnt; j++)
            refs[n++] = (part_ref_t){in->Topics[i].Name,
                                     in->Topics[i].Partitions[j].PartitionIndex, i, j};
    qsort(refs, n, sizeof(*refs), cmp_part_ref);
    for (size_t k = 1; k < n; k++)
        if (cmp_part_ref(&refs[k - 1], &refs[k]) == 0) {
            dup[refs[k - 1].ti][refs[k - 1].pi] = 1;
            dup[refs[k].ti][refs[k].pi] = 1;
        }
}

int sk_api_listoffsets(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_listoffsets_req_t in;
    if (sk_listoffsets_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_listoffsets_resp_t resp;
    sk_listoffsets_resp_init(&resp);
    resp.TopicsCnt = in.TopicsCnt;
    resp.Topics = sk_arena_calloc(req->arena, (size_t)in.TopicsCnt + 1, sizeof(*resp.Topics));
    uint8_t **dup = sk_arena_calloc(req->arena, (size_t)in.TopicsCnt + 1, sizeof(*dup));
    for (int32_t i = 0; i < in.TopicsCnt; i++)
        dup[i] = sk_arena_calloc(req->arena, (size_t)in.Topics[i].PartitionsCnt + 1, 1);
    if (req->api_version >= 1)
        mark_duplicates(&in, req->arena, dup);

    for (int32_t i = 0; i < in.TopicsCnt; i++) {
        const sk_listoffsets_req_topic_t *t = &in.Topics[i];
        sk_listoffsets_resp_topic_t *rt = &resp.Topics[i];
        sk_listoffsets_resp_topic_init(rt);
        rt->Name = t->Name;
        rt->PartitionsCnt = t->PartitionsCnt;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)t->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        int described =
            sk_authz_len(b, req, SK_ACL_OP_DESCRIBE, SK_ACL_RES_TOPIC, t->Name.p, t->Name.len);
        for (int32_t j = 0; j < t->PartitionsCnt; j++) {
            const req_part_t *rp = &t->Partitions[j];
            resp_part_t *out = &rt->Partitions[j];
            sk_listoffsets_resp_partition_init(out);
            out->PartitionIndex = rp->PartitionIndex;
            if (!described) {
                out->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
            if (dup[i][j]) {
                out->ErrorCode = SK_KERR_INVALID_REQUEST;
                continue;
            }
            sk_partition_t *p = leader_partition(b, t->Name, rp, &out->ErrorCode);
            if (!p)
                continue;
            if (req->api_version == 0)
                list_partition_v0(req, &in, p, rp, out);
            else
                list_partition(req, &in, p, rp, out);
        }
    }
    return sk_req_respond(req, &resp);
}

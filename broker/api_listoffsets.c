/* api_listoffsets.c - ListOffsets (key 2): earliest, latest, by timestamp. */
#include "broker_int.h"

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "proto_listoffsets.h"

static void list_partition(sk_broker_t *b, const sk_listoffsets_req_t *in, sk_str_t topic,
                           const sk_listoffsets_req_partition_t *rp,
                           sk_listoffsets_resp_partition_t *out)
{
    out->PartitionIndex = rp->PartitionIndex;
    out->Timestamp = -1;
    out->Offset = -1;
    sk_partition_t *p = sk_topics_partition(b->topics, topic.p, topic.len, rp->PartitionIndex);
    if (!p) {
        out->ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    if (p->leader != b->id || !p->log) {
        out->ErrorCode = SK_KERR_NOT_LEADER_OR_FOLLOWER;
        return;
    }
    out->ErrorCode = SK_KERR_NONE;
    if (rp->Timestamp == SK_LISTOFFSETS_LATEST) {
        /* Consumers see up to the high watermark (= last stable offset
         * while there are no transactions); a replica sees the log end. */
        out->Offset = in->ReplicaId >= 0 ? sk_plog_end_offset(p->log) : p->high_watermark;
    } else if (rp->Timestamp == SK_LISTOFFSETS_EARLIEST) {
        out->Offset = sk_plog_start_offset(p->log);
    } else {
        int64_t off = -1, ts = -1;
        if (sk_plog_offset_for_time(p->log, rp->Timestamp, &off, &ts) != SK_OK) {
            out->ErrorCode = SK_KERR_KAFKA_STORAGE_ERROR;
            return;
        }
        if (off >= p->high_watermark && in->ReplicaId < 0) {
            off = -1;
            ts = -1;
        }
        out->Offset = off;
        out->Timestamp = ts;
    }
}

int sk_api_listoffsets(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_listoffsets_req_t in;
    if (sk_listoffsets_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_listoffsets_resp_t resp = {0};
    resp.TopicsCnt = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
    resp.Topics = sk_arena_calloc(req->arena, (size_t)resp.TopicsCnt + 1, sizeof(*resp.Topics));
    for (int32_t i = 0; i < resp.TopicsCnt; i++) {
        const sk_listoffsets_req_topic_t *t = &in.Topics[i];
        sk_listoffsets_resp_topic_t *rt = &resp.Topics[i];
        rt->Name = t->Name;
        rt->PartitionsCnt = t->PartitionsCnt > 0 ? t->PartitionsCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        for (int32_t j = 0; j < rt->PartitionsCnt; j++)
            list_partition(b, &in, t->Name, &t->Partitions[j], &rt->Partitions[j]);
    }
    sk_wr_t w;
    sk_wr_init(&w);
    sk_listoffsets_resp_encode(&w, req->api_version, &resp);
    sk_req_set_body(req, &w);
    return SK_REQ_DONE;
}

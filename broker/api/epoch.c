/* api_epoch.c - OffsetForLeaderEpoch (key 23) on the leader (KIP-101/279).
 * (The leader epoch a new leader records in its log: partition.c.)
 *
 * A follower (or a consumer checking for truncation) asks "where does leader
 * epoch E end in your log?". The leader answers from its epoch cache: the
 * largest epoch <= E it knows and the start offset of the next larger one, or
 * its log end offset when E is its latest epoch; (-1, -1) when E is newer than
 * anything it knows. CurrentLeaderEpoch fences requests the same way Fetch
 * does: older than ours FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH.
 * Every version Kafka 3.7 accepts (0-4), on the generated codec: v0 answers
 * no epoch, v0-1 ask without CurrentLeaderEpoch (no fencing check).
 */
#include "api/api.h"

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "storage/plog.h"
#include "proto_offsetforleaderepoch.h"

#include <inttypes.h>

static void answer_partition(sk_broker_t *b, sk_str_t topic, int authorized,
                             const sk_offsetforleaderepoch_req_partition_t *rp,
                             sk_offsetforleaderepoch_resp_partition_t *out)
{
    out->Partition = rp->Partition;
    out->LeaderEpoch = SK_EPOCH_UNDEFINED;
    out->EndOffset = SK_EPOCH_OFFSET_UNDEFINED;
    sk_partition_t *p = sk_topics_partition(b->topics, topic.p, topic.len, rp->Partition);
    if (!authorized)
        out->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
    else if (!p)
        out->ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    else if (p->leader != b->id || !p->log)
        out->ErrorCode = SK_KERR_NOT_LEADER_OR_FOLLOWER;
    else if (rp->CurrentLeaderEpoch >= 0 && rp->CurrentLeaderEpoch < p->leader_epoch)
        out->ErrorCode = SK_KERR_FENCED_LEADER_EPOCH;
    else if (rp->CurrentLeaderEpoch > p->leader_epoch)
        out->ErrorCode = SK_KERR_UNKNOWN_LEADER_EPOCH;
    else {
        out->ErrorCode = SK_KERR_NONE;
        sk_plog_end_offset_for_epoch(p->log, rp->LeaderEpoch, &out->LeaderEpoch,
                                     &out->EndOffset);
        sk_debug("epoch", "OffsetForLeaderEpoch %s-%d epoch %d: epoch %d ends at %" PRId64,
                 p->topic, p->id, rp->LeaderEpoch, out->LeaderEpoch, out->EndOffset);
    }
}

int sk_api_offsetforleaderepoch(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_offsetforleaderepoch_req_t in;
    if (sk_offsetforleaderepoch_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_offsetforleaderepoch_resp_t resp;
    sk_offsetforleaderepoch_resp_init(&resp);
    resp.TopicsCnt = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
    resp.Topics = sk_arena_calloc(req->arena, (size_t)resp.TopicsCnt + 1, sizeof(*resp.Topics));
    /* followers (ClusterAction) may ask about every topic, others about
     * those they may describe (Kafka's rule) */
    int cluster = sk_authz_cluster(b, req, SK_ACL_OP_CLUSTER_ACTION);
    for (int32_t i = 0; i < resp.TopicsCnt; i++) {
        const sk_offsetforleaderepoch_req_topic_t *t = &in.Topics[i];
        sk_offsetforleaderepoch_resp_topic_t *rt = &resp.Topics[i];
        rt->Topic = t->Topic;
        rt->PartitionsCnt = t->PartitionsCnt > 0 ? t->PartitionsCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        int authorized = cluster || sk_authz_len(b, req, SK_ACL_OP_DESCRIBE, SK_ACL_RES_TOPIC,
                                                 t->Topic.p, t->Topic.len);
        for (int32_t j = 0; j < rt->PartitionsCnt; j++)
            answer_partition(b, t->Topic, authorized, &t->Partitions[j], &rt->Partitions[j]);
    }
    return sk_req_respond(req, &resp);
}

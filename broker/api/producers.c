/* producers.c - DescribeProducers (key 61, v0; KIP-664): the idempotent
 * producers the leader of each partition knows (producer_state.h), for
 * kafka-transactions.sh describe-producers and debugging.
 *
 * Per partition, as Kafka does: TOPIC_AUTHORIZATION_FAILED without Read on
 * the topic, UNKNOWN_TOPIC_OR_PARTITION for a partition this broker does not
 * know, NOT_LEADER_OR_FOLLOWER where it does not lead. Skein has no
 * transactions: CoordinatorEpoch and CurrentTxnStartOffset are always -1.
 */
#include "api/api.h"

#include "kerr.h"
#include "proto_gen.h"
#include "storage/plog.h"
#include "storage/producer_state.h"

#include <stdlib.h>
#include <string.h>

typedef struct dp_fill {
    sk_describeproducers_resp_producer_t *out;
    int32_t n, cap;
} dp_fill_t;

static void dp_one(const sk_pstate_producer_t *pr, void *arg)
{
    dp_fill_t *f = arg;
    if (f->n >= f->cap)
        return;
    sk_describeproducers_resp_producer_t *o = &f->out[f->n++];
    sk_describeproducers_resp_producer_init(o);
    o->ProducerId = pr->producer_id;
    o->ProducerEpoch = pr->epoch;
    o->LastSequence = pr->last_sequence;
    o->LastTimestamp = pr->last_timestamp;
    o->CoordinatorEpoch = -1;
    o->CurrentTxnStartOffset = -1;
}

static void dp_partition(sk_broker_t *b, sk_req_t *req, sk_str_t topic, int authorized,
                         int32_t index, sk_describeproducers_resp_partition_t *out)
{
    sk_describeproducers_resp_partition_init(out);
    out->PartitionIndex = index;
    out->ErrorMessage = SK_STR_NULL;
    if (!authorized) {
        out->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
        return;
    }
    sk_partition_t *p = sk_topics_partition(b->topics, topic.p, topic.len, index);
    if (!p) {
        out->ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    if (!sk_partition_is_leader(b->parts, p)) {
        out->ErrorCode = SK_KERR_NOT_LEADER_OR_FOLLOWER;
        return;
    }
    const sk_pstate_t *ps = sk_plog_producers(p->log);
    size_t n = sk_pstate_count(ps);
    dp_fill_t f = {sk_arena_calloc(req->arena, n + 1, sizeof(*f.out)), 0,
                   n > INT32_MAX ? INT32_MAX : (int32_t)n};
    sk_pstate_foreach(ps, dp_one, &f);
    out->ErrorCode = SK_KERR_NONE;
    out->ActiveProducers = f.out;
    out->ActiveProducersCnt = f.n;
}

int sk_api_describeproducers(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_describeproducers_req_t in;
    if (sk_describeproducers_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    sk_describeproducers_resp_t resp;
    sk_describeproducers_resp_init(&resp);
    int32_t n_topics = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
    resp.TopicsCnt = n_topics;
    resp.Topics = sk_arena_calloc(req->arena, (size_t)n_topics + 1, sizeof(*resp.Topics));
    for (int32_t i = 0; i < n_topics; i++) {
        const sk_describeproducers_req_topic_t *t = &in.Topics[i];
        sk_describeproducers_resp_topic_t *rt = &resp.Topics[i];
        sk_describeproducers_resp_topic_init(rt);
        rt->Name = t->Name;
        rt->PartitionsCnt = t->PartitionIndexesCnt > 0 ? t->PartitionIndexesCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        int authorized = sk_authz_len(b, req, SK_ACL_OP_READ, SK_ACL_RES_TOPIC, t->Name.p,
                                      t->Name.len);
        for (int32_t j = 0; j < rt->PartitionsCnt; j++)
            dp_partition(b, req, t->Name, authorized, t->PartitionIndexes[j], &rt->Partitions[j]);
    }
    return sk_req_respond(req, &resp);
}

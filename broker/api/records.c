/* records.c - DeleteRecords (key 21), every version Kafka 3.7 accepts (0-2),
 * on the generated codec.
 *
 * Per partition, as Kafka does: TOPIC_AUTHORIZATION_FAILED without Delete
 * on the topic, UNKNOWN_TOPIC_OR_PARTITION for a partition this broker does
 * not know, INVALID_TOPIC_EXCEPTION for an internal topic; otherwise the
 * leader moves its log start (sk_partition_delete_records: -1 is the high
 * watermark, above it OFFSET_OUT_OF_RANGE, NOT_LEADER_OR_FOLLOWER elsewhere,
 * POLICY_VIOLATION for a compacted topic). The answer, with each
 * partition's low watermark, waits in the produce purgatory until every
 * in-sync replica starts at or above the offset asked (followers learn it
 * from their next fetch and report it in the one after), or TimeoutMs
 * passes (REQUEST_TIMED_OUT, low watermark -1).
 */
#include "api/api.h"

#include "kerr.h"
#include "log.h"
#include "proto_gen.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct dr_part {
    sk_deleterecords_resp_partition_t *out;
    const char *topic; /* NUL-terminated, in the request's arena */
    int32_t partition;
    int64_t required;
    int done;
} dr_part_t;

typedef struct dr_wait {
    sk_broker_t *b;
    sk_req_t *req;
    sk_deleterecords_resp_t resp;
    dr_part_t *parts;
    int n_parts;
} dr_wait_t;

/* Settles what can be settled; returns how many partitions still wait. */
static int dr_check(dr_wait_t *w, sk_purg_why_t why)
{
    int pending = 0;
    for (int i = 0; i < w->n_parts; i++) {
        dr_part_t *dp = &w->parts[i];
        if (dp->done)
            continue;
        int16_t kerr = SK_KERR_NONE;
        int64_t low = -1;
        if (sk_partition_delete_status(w->b->parts, dp->topic, strlen(dp->topic), dp->partition,
                                       dp->required, &kerr, &low)) {
            dp->out->ErrorCode = kerr;
            dp->out->LowWatermark = low;
            dp->done = 1;
        } else if (why != SK_PURG_WOKEN) {
            dp->out->ErrorCode = SK_KERR_REQUEST_TIMED_OUT;
            dp->out->LowWatermark = -1;
            dp->done = 1;
        } else {
            pending++;
        }
    }
    return pending;
}

static void dr_free(dr_wait_t *w)
{
    free(w->parts);
    free(w);
}

/* The produce purgatory's try callback. */
static int dr_try(void *arg, sk_purg_why_t why)
{
    dr_wait_t *w = arg;
    if (dr_check(w, why))
        return 0;
    sk_req_t *req = w->req;
    sk_req_respond(req, &w->resp);
    dr_free(w);
    sk_req_complete(req);
    return 1;
}

/* One partition: an error in out (done), or a wait entry in w. */
static void dr_partition(sk_broker_t *b, sk_req_t *req, sk_str_t topic, int authorized,
                         const sk_deleterecords_req_partition_t *rp,
                         sk_deleterecords_resp_partition_t *out, dr_wait_t *w)
{
    sk_deleterecords_resp_partition_init(out);
    out->PartitionIndex = rp->PartitionIndex;
    out->LowWatermark = -1;
    if (!authorized) {
        out->ErrorCode = SK_KERR_TOPIC_AUTHORIZATION_FAILED;
        return;
    }
    sk_topic_t *t = sk_topics_find(b->topics, topic.p, topic.len);
    sk_partition_t *p = sk_topics_partition(b->topics, topic.p, topic.len, rp->PartitionIndex);
    if (!t || !p) {
        out->ErrorCode = SK_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    if (t->internal) {
        out->ErrorCode = SK_KERR_INVALID_TOPIC_EXCEPTION;
        return;
    }
    int64_t required = -1;
    int16_t kerr = sk_partition_delete_records(b->parts, p, rp->Offset, &required);
    if (kerr != SK_KERR_NONE) {
        sk_info("deleterecords", "DeleteRecords of %s-%d up to offset %" PRId64 " from %s: %s",
                p->topic, p->id, rp->Offset, sk_req_peer(req), sk_kerr_name(kerr));
        out->ErrorCode = kerr;
        return;
    }
    dr_part_t *dp = &w->parts[w->n_parts++];
    dp->out = out;
    dp->topic = sk_arena_strdup(req->arena, p->topic);
    dp->partition = p->id;
    dp->required = required;
}

int sk_api_deleterecords(sk_broker_t *b, sk_req_t *req, sk_rd_t *r)
{
    sk_deleterecords_req_t in;
    if (sk_deleterecords_req_decode(r, req->api_version, req->arena, &in) != SK_OK)
        return sk_api_malformed(req);
    int32_t n_topics = in.TopicsCnt > 0 ? in.TopicsCnt : 0;
    size_t n_parts = 0;
    for (int32_t i = 0; i < n_topics; i++)
        n_parts += in.Topics[i].PartitionsCnt > 0 ? (size_t)in.Topics[i].PartitionsCnt : 0;

    dr_wait_t *w = sk_calloc(1, sizeof(*w));
    w->b = b;
    w->req = req;
    w->parts = sk_calloc(n_parts + 1, sizeof(*w->parts));
    sk_deleterecords_resp_init(&w->resp);
    w->resp.TopicsCnt = n_topics;
    w->resp.Topics = sk_arena_calloc(req->arena, (size_t)n_topics + 1, sizeof(*w->resp.Topics));
    for (int32_t i = 0; i < n_topics; i++) {
        const sk_deleterecords_req_topic_t *t = &in.Topics[i];
        sk_deleterecords_resp_topic_t *rt = &w->resp.Topics[i];
        sk_deleterecords_resp_topic_init(rt);
        rt->Name = t->Name;
        rt->PartitionsCnt = t->PartitionsCnt > 0 ? t->PartitionsCnt : 0;
        rt->Partitions = sk_arena_calloc(req->arena, (size_t)rt->PartitionsCnt + 1,
                                         sizeof(*rt->Partitions));
        int authorized = sk_authz_len(b, req, SK_ACL_OP_DELETE, SK_ACL_RES_TOPIC, t->Name.p,
                                      t->Name.len);
        for (int32_t j = 0; j < rt->PartitionsCnt; j++)
            dr_partition(b, req, t->Name, authorized, &t->Partitions[j], &rt->Partitions[j], w);
    }
    if (dr_check(w, SK_PURG_WOKEN) == 0) {
        int rc = sk_req_respond(req, &w->resp);
        dr_free(w);
        return rc;
    }
    /* Some in-sync replica still starts below: wait for its next fetch. */
    sk_purg_op_t *op = sk_purg_add(b->parts->produce, in.TimeoutMs > 0 ? in.TimeoutMs : 0,
                                   dr_try, w);
    for (int i = 0; i < w->n_parts; i++)
        sk_purg_watch(op, sk_purg_key(w->parts[i].topic, strlen(w->parts[i].topic),
                                      w->parts[i].partition));
    return SK_REQ_PENDING;
}

/* fuzz_request.c - libFuzzer target for the request header and every API
 * codec (generated, and the hand-written ones left in common/proto_*.c).
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_request` or scripts/fuzz.sh fuzz_request.
 * Seeds: tests/fuzz/corpus/fuzz_request/ (the frames captured from clients in
 * tests/unit/data/ and every other API's request frame at a few versions).
 *
 * Each input is one request frame without its size prefix (the format of the
 * captures in tests/unit/data/). The header is decoded; for a key Skein
 * implements the body is decoded with that API's request decoder (at the
 * frame's version, or, when that version is not ours, at a version in our
 * range picked from it) and then, from the same bytes, with the response
 * decoder. Beyond "no crash, no leak, no over-read", whatever decodes must
 * survive encode -> decode -> encode with identical bytes the second time.
 *
 * The cluster/admin codecs (LeaderAndIsr ... DescribeConfigs) are fuzzed
 * whether or not apis.c lists their key yet: for a key the table does not
 * know, the header's tag section (flexible versions, by the codec's own
 * SK_<API>_FLEX_VER) is skipped here and the version is mapped into the
 * codec's own range.
 */
#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apis.h"
#include "arena.h"
#include "kerr.h"
#include "proto_all.h"
#include "proto_alterpartition.h"
#include "proto_controlledshutdown.h"
#include "proto_createpartitions.h"
#include "proto_deletetopics.h"
#include "proto_describecluster.h"
#include "proto_describeconfigs.h"
#include "proto_fetch.h"
#include "proto_leaderandisr.h"
#include "proto_offsetforleaderepoch.h"
#include "proto_stopreplica.h"
#include "proto_updatemetadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* encode(decoded) must decode again and re-encode to the same bytes. */
#define FIXPOINT(name, type, ver, decoded)                                        \
    do {                                                                          \
        sk_wr_t w1, w2;                                                           \
        sk_wr_init(&w1);                                                          \
        sk_wr_init(&w2);                                                          \
        if (sk_##name##_encode(&w1, ver, decoded) == SK_OK) {                     \
            type again;                                                           \
            sk_rd_t r2;                                                           \
            sk_rd_init(&r2, w1.buf, w1.len);                                      \
            if (sk_##name##_decode(&r2, ver, a, &again) != SK_OK ||               \
                sk_rd_remaining(&r2) != 0)                                        \
                abort();                                                          \
            if (sk_##name##_encode(&w2, ver, &again) != SK_OK || w1.len != w2.len || \
                (w1.len && memcmp(w1.buf, w2.buf, w1.len) != 0))                  \
                abort();                                                          \
        }                                                                         \
        sk_wr_free(&w1);                                                          \
        sk_wr_free(&w2);                                                          \
    } while (0)

#define ROUND(name, type, ver, body, len)                                         \
    do {                                                                          \
        type out;                                                                 \
        sk_rd_t rd_;                                                              \
        sk_rd_init(&rd_, body, len);                                              \
        int rc_ = sk_##name##_decode(&rd_, ver, a, &out);                         \
        if (rc_ != SK_OK && rc_ != SK_EPARSE)                                     \
            abort();                                                              \
        if (rc_ == SK_OK)                                                         \
            FIXPOINT(name, type, ver, &out);                                      \
    } while (0)

/* Keys without an SK_API_* constant in apis.h. */
#define KEY_ALTER_PARTITION 56
#define KEY_DESCRIBE_CLUSTER 60

/* The version ranges the cluster/admin codecs implement (their headers'
 * constants), used when apis.c does not list the key. */
static const struct own_range {
    int16_t key, min, max, flex;
} own_ranges[] = {
    {SK_API_LEADER_AND_ISR, SK_LEADERANDISR_MIN_VER, SK_LEADERANDISR_MAX_VER,
     SK_LEADERANDISR_FLEX_VER},
    {SK_API_STOP_REPLICA, SK_STOPREPLICA_MIN_VER, SK_STOPREPLICA_MAX_VER,
     SK_STOPREPLICA_FLEX_VER},
    {SK_API_UPDATE_METADATA, SK_UPDATEMETADATA_MIN_VER, SK_UPDATEMETADATA_MAX_VER,
     SK_UPDATEMETADATA_FLEX_VER},
    {SK_API_CONTROLLED_SHUTDOWN, SK_CONTROLLEDSHUTDOWN_MIN_VER, SK_CONTROLLEDSHUTDOWN_MAX_VER,
     SK_CONTROLLEDSHUTDOWN_FLEX_VER},
    {SK_API_DELETE_TOPICS, SK_DELETETOPICS_MIN_VER, SK_DELETETOPICS_MAX_VER,
     SK_DELETETOPICS_FLEX_VER},
    {SK_API_OFFSET_FOR_LEADER_EPOCH, SK_OFFSETFORLEADEREPOCH_MIN_VER,
     SK_OFFSETFORLEADEREPOCH_MAX_VER, SK_OFFSETFORLEADEREPOCH_FLEX_VER},
    {SK_API_DESCRIBE_CONFIGS, SK_DESCRIBECONFIGS_MIN_VER, SK_DESCRIBECONFIGS_MAX_VER,
     SK_DESCRIBECONFIGS_FLEX_VER},
    {SK_API_CREATE_PARTITIONS, SK_CREATEPARTITIONS_MIN_VER, SK_CREATEPARTITIONS_MAX_VER,
     SK_CREATEPARTITIONS_FLEX_VER},
    {KEY_ALTER_PARTITION, SK_ALTERPARTITION_MIN_VER, SK_ALTERPARTITION_MAX_VER,
     SK_ALTERPARTITION_FLEX_VER},
    {KEY_DESCRIBE_CLUSTER, SK_DESCRIBECLUSTER_MIN_VER, SK_DESCRIBECLUSTER_MAX_VER,
     SK_DESCRIBECLUSTER_FLEX_VER},
};

static const struct own_range *own_find(int16_t key)
{
    for (size_t i = 0; i < sizeof(own_ranges) / sizeof(own_ranges[0]); i++)
        if (own_ranges[i].key == key)
            return &own_ranges[i];
    return NULL;
}

/* Fetch responses encode into an evbuffer: pull the bytes up and compare. */
/* Fetch responses: the generated round trip, then the same struct sent
 * through the record attachment hook (each partition's records as a memory
 * source) must give exactly the bytes of the plain encoder. */
static void fetch_resp_round(const uint8_t *body, size_t len, int16_t ver, sk_arena_t *a)
{
    ROUND(fetch_resp, sk_fetch_resp_t, ver, body, len);
    sk_fetch_resp_t out;
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    if (sk_fetch_resp_decode(&r, ver, a, &out) != SK_OK)
        return;
    sk_wr_t w;
    sk_wr_init(&w);
    if (sk_fetch_resp_encode(&w, ver, &out) != SK_OK)
        abort(); /* what decodes encodes */
    for (int32_t i = 0; i < out.ResponsesCnt; i++)
        for (int32_t j = 0; j < out.Responses[i].PartitionsCnt; j++) {
            sk_str_t *rec = &out.Responses[i].Partitions[j].Records;
            if (rec->len < 0)
                continue;
            sk_fetch_records_t *src = sk_arena_calloc(a, 1, sizeof(*src));
            *src = (sk_fetch_records_t){SK_FETCH_REC_MEM, rec->p, -1, 0, rec->len};
            sk_fetch_records_set(rec, src);
        }
    struct evbuffer *e = evbuffer_new();
    if (sk_fetch_resp_send(e, ver, &out) != SK_OK || evbuffer_get_length(e) != w.len)
        abort();
    uint8_t *b = malloc(w.len ? w.len : 1);
    evbuffer_copyout(e, b, w.len);
    if (w.len && memcmp(b, w.buf, w.len) != 0)
        abort();
    free(b);
    evbuffer_free(e);
    sk_wr_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sk_rd_t r;
    sk_req_hdr_t h;
    sk_rd_init(&r, data, size);
    int rc = sk_req_hdr_decode(&r, &h);
    const struct own_range *own = own_find(h.RequestApiKey);
    if (rc == SK_ENOENT && own) {
        /* Not in the dispatcher's table (yet): the header was read as v1. */
        if (h.RequestApiVersion >= own->flex)
            sk_rd_tags(&r, 1);
        if (!sk_rd_ok(&r))
            return 0;
    } else if (rc != SK_OK) {
        return 0; /* SK_EPARSE or SK_ENOENT: the caller closes */
    }
    const sk_api_t *api = sk_api_find(h.RequestApiKey);
    if (!api && !own)
        abort(); /* SK_OK promises a known key */
    int16_t min = own ? own->min : api->min_ver, max = own ? own->max : api->max_ver;
    int16_t ver = h.RequestApiVersion;
    if (ver < min || ver > max) {
        int span = max - min + 1;
        ver = (int16_t)(min + ((ver % span) + span) % span);
    }
    const uint8_t *body = r.p;
    size_t len = sk_rd_remaining(&r);
    sk_arena_t *a = sk_arena_new(0);
    switch (h.RequestApiKey) {
    case SK_API_API_VERSIONS:
        ROUND(apiversions_req, sk_apiversions_req_t, ver, body, len);
        ROUND(apiversions_resp, sk_apiversions_resp_t, ver, body, len);
        break;
    case SK_API_METADATA:
        ROUND(metadata_req, sk_metadata_req_t, ver, body, len);
        ROUND(metadata_resp, sk_metadata_resp_t, ver, body, len);
        break;
    case SK_API_PRODUCE:
        ROUND(produce_req, sk_produce_req_t, ver, body, len);
        ROUND(produce_resp, sk_produce_resp_t, ver, body, len);
        break;
    case SK_API_FETCH:
        ROUND(fetch_req, sk_fetch_req_t, ver, body, len);
        fetch_resp_round(body, len, ver, a);
        break;
    case SK_API_LIST_OFFSETS:
        ROUND(listoffsets_req, sk_listoffsets_req_t, ver, body, len);
        ROUND(listoffsets_resp, sk_listoffsets_resp_t, ver, body, len);
        break;
    case SK_API_CREATE_TOPICS:
        ROUND(createtopics_req, sk_createtopics_req_t, ver, body, len);
        ROUND(createtopics_resp, sk_createtopics_resp_t, ver, body, len);
        break;
    case SK_API_LEADER_AND_ISR:
        ROUND(leaderandisr_req, sk_leaderandisr_req_t, ver, body, len);
        ROUND(leaderandisr_resp, sk_leaderandisr_resp_t, ver, body, len);
        break;
    case SK_API_UPDATE_METADATA:
        ROUND(updatemetadata_req, sk_updatemetadata_req_t, ver, body, len);
        ROUND(updatemetadata_resp, sk_updatemetadata_resp_t, ver, body, len);
        break;
    case SK_API_STOP_REPLICA:
        ROUND(stopreplica_req, sk_stopreplica_req_t, ver, body, len);
        ROUND(stopreplica_resp, sk_stopreplica_resp_t, ver, body, len);
        break;
    case SK_API_CONTROLLED_SHUTDOWN:
        ROUND(controlledshutdown_req, sk_controlledshutdown_req_t, ver, body, len);
        ROUND(controlledshutdown_resp, sk_controlledshutdown_resp_t, ver, body, len);
        break;
    case KEY_ALTER_PARTITION:
        ROUND(alterpartition_req, sk_alterpartition_req_t, ver, body, len);
        ROUND(alterpartition_resp, sk_alterpartition_resp_t, ver, body, len);
        break;
    case SK_API_OFFSET_FOR_LEADER_EPOCH:
        ROUND(offsetforleaderepoch_req, sk_offsetforleaderepoch_req_t, ver, body, len);
        ROUND(offsetforleaderepoch_resp, sk_offsetforleaderepoch_resp_t, ver, body, len);
        break;
    case SK_API_DELETE_TOPICS:
        ROUND(deletetopics_req, sk_deletetopics_req_t, ver, body, len);
        ROUND(deletetopics_resp, sk_deletetopics_resp_t, ver, body, len);
        break;
    case SK_API_CREATE_PARTITIONS:
        ROUND(createpartitions_req, sk_createpartitions_req_t, ver, body, len);
        ROUND(createpartitions_resp, sk_createpartitions_resp_t, ver, body, len);
        break;
    case KEY_DESCRIBE_CLUSTER:
        ROUND(describecluster_req, sk_describecluster_req_t, ver, body, len);
        ROUND(describecluster_resp, sk_describecluster_resp_t, ver, body, len);
        break;
    case SK_API_DESCRIBE_CONFIGS:
        ROUND(describeconfigs_req, sk_describeconfigs_req_t, ver, body, len);
        ROUND(describeconfigs_resp, sk_describeconfigs_resp_t, ver, body, len);
        break;
    default:
        break; /* group and producer-id APIs: fuzz_group.c; every API's generated
                * decoder: fuzz_codec.c */
    }
    sk_arena_free(a);
    return 0;
}

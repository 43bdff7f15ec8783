/* fuzz_group.c - libFuzzer target for the consumer-group codecs
 * (common/proto_{findcoordinator,joingroup,syncgroup,heartbeat,leavegroup,
 * offsetcommit,offsetfetch,listgroups,describegroups,deletegroups,
 * offsetdelete}.h over the generated codec, proto_gen.c), the
 * __consumer_offsets records (offsets_record.c) and the producer-id codec.
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_group` or scripts/fuzz.sh fuzz_group. Seeds:
 * tests/fuzz/corpus/fuzz_group/ (every group API's request frame at a few
 * versions, and the __consumer_offsets records).
 *
 * Each input is one request frame without its size prefix: request header
 * v1 (ApiKey, ApiVersion, CorrelationId, ClientId; plus a tag section when
 * the version is flexible for that API), then a body. The header is parsed
 * here, not with sk_req_hdr_decode(), so the target does not depend on
 * which keys common/apis.c advertises. A version outside our range is
 * mapped into it. The body is decoded with the API's request decoder and,
 * from the same bytes, with its response decoder. ApiKey -1 (ff ff) selects
 * the __consumer_offsets records instead: the body is decoded as a record
 * key, an offset value and a group metadata value.
 *
 * Beyond "no crash, no leak, no over-read": whatever decodes must survive
 * encode -> decode -> encode with identical bytes the second time. For
 * InitProducerId's classic versions (v0-1, one encoding per value) the
 * first encoding must also equal the bytes the decoder consumed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "offsets_record.h"
#include "proto_deletegroups.h"
#include "proto_describegroups.h"
#include "proto_findcoordinator.h"
#include "proto_heartbeat.h"
#include "proto_initproducerid.h"
#include "proto_joingroup.h"
#include "proto_leavegroup.h"
#include "proto_listgroups.h"
#include "proto_offsetcommit.h"
#include "proto_offsetdelete.h"
#include "proto_offsetfetch.h"
#include "proto_syncgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* encode(decoded) must decode again and re-encode to the same bytes. */
#define FIXPOINT(name, type, ver, decoded)                                        \
    do {                                                                          \
        sk_wr_t w1, w2;                                                           \
        sk_wr_init(&w1);                                                          \
        sk_wr_init(&w2);                                                          \
        if (sk_##name##_encode(&w1, ver, decoded) != SK_OK)                       \
            abort(); /* anything decoded must be encodable */                     \
        type again;                                                               \
        sk_rd_t r2;                                                               \
        sk_rd_init(&r2, w1.buf, w1.len);                                          \
        if (sk_##name##_decode(&r2, ver, a, &again) != SK_OK ||                   \
            sk_rd_remaining(&r2) != 0)                                            \
            abort();                                                              \
        if (sk_##name##_encode(&w2, ver, &again) != SK_OK || w1.len != w2.len ||  \
            (w1.len && memcmp(w1.buf, w2.buf, w1.len) != 0))                      \
            abort();                                                              \
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

static const struct range {
    int16_t key, min, max, flex;
} ranges[] = {
    {8, SK_OFFSETCOMMIT_MIN_VER, SK_OFFSETCOMMIT_MAX_VER, SK_OFFSETCOMMIT_FLEX_VER},
    {9, SK_OFFSETFETCH_MIN_VER, SK_OFFSETFETCH_MAX_VER, SK_OFFSETFETCH_FLEX_VER},
    {10, SK_FINDCOORDINATOR_MIN_VER, SK_FINDCOORDINATOR_MAX_VER, SK_FINDCOORDINATOR_FLEX_VER},
    {11, SK_JOINGROUP_MIN_VER, SK_JOINGROUP_MAX_VER, SK_JOINGROUP_FLEX_VER},
    {12, SK_HEARTBEAT_MIN_VER, SK_HEARTBEAT_MAX_VER, SK_HEARTBEAT_FLEX_VER},
    {13, SK_LEAVEGROUP_MIN_VER, SK_LEAVEGROUP_MAX_VER, SK_LEAVEGROUP_FLEX_VER},
    {14, SK_SYNCGROUP_MIN_VER, SK_SYNCGROUP_MAX_VER, SK_SYNCGROUP_FLEX_VER},
    {15, SK_DESCRIBEGROUPS_MIN_VER, SK_DESCRIBEGROUPS_MAX_VER, SK_DESCRIBEGROUPS_FLEX_VER},
    {16, SK_LISTGROUPS_MIN_VER, SK_LISTGROUPS_MAX_VER, SK_LISTGROUPS_FLEX_VER},
    {22, SK_INITPRODUCERID_MIN_VER, SK_INITPRODUCERID_MAX_VER, SK_INITPRODUCERID_FLEX_VER},
    {42, SK_DELETEGROUPS_MIN_VER, SK_DELETEGROUPS_MAX_VER, SK_DELETEGROUPS_FLEX_VER},
    {47, SK_OFFSETDELETE_MIN_VER, SK_OFFSETDELETE_MAX_VER, SK_OFFSETDELETE_FLEX_VER},
};

static const struct range *find_range(int16_t key)
{
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (ranges[i].key == key)
            return &ranges[i];
    return NULL;
}

/* The records: decode as key / offset value / group value; re-encode at
 * the decoded version and compare with the input bytes (the decoders
 * consume everything, so the encoding must reproduce the input). */
static void records_round(const uint8_t *body, size_t len, sk_arena_t *a)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_offrec_key_t k;
    if (sk_offrec_key_decode(body, len, &k) == SK_OK) {
        if (sk_offrec_key_encode(&w, &k) != SK_OK || w.len != len || memcmp(w.buf, body, len))
            abort();
    }
    sk_wr_reset(&w);
    sk_offrec_offset_value_t ov;
    int16_t ver;
    int rc = sk_offrec_offset_value_decode(body, len, &ver, &ov);
    if (rc != SK_OK && rc != SK_EPARSE && rc != SK_ENOENT)
        abort();
    if (rc == SK_OK && (sk_offrec_offset_value_encode(&w, ver, &ov) != SK_OK || w.len != len ||
                        memcmp(w.buf, body, len)))
        abort();
    sk_wr_reset(&w);
    sk_offrec_group_value_t gv;
    rc = sk_offrec_group_value_decode(body, len, a, &ver, &gv);
    if (rc != SK_OK && rc != SK_EPARSE && rc != SK_ENOENT)
        abort();
    if (rc == SK_OK && (sk_offrec_group_value_encode(&w, ver, &gv) != SK_OK || w.len != len ||
                        memcmp(w.buf, body, len)))
        abort();
    /* the partition hash takes any bytes */
    int32_t p = sk_offrec_partition_for((const char *)body, len, 50);
    if (p < 0 || p >= 50)
        abort();
    sk_wr_free(&w);
}

/* Decode with name at a classic version; if that succeeds, encoding the
 * result must give back exactly the bytes the decoder consumed. */
#define EXACT(name, type, ver, body, len)                                         \
    do {                                                                          \
        type out;                                                                 \
        sk_rd_t rd_;                                                              \
        sk_rd_init(&rd_, body, len);                                              \
        if (sk_##name##_decode(&rd_, ver, a, &out) == SK_OK) {                    \
            size_t used = (len) - sk_rd_remaining(&rd_);                          \
            sk_wr_t w;                                                            \
            sk_wr_init(&w);                                                       \
            if (sk_##name##_encode(&w, ver, &out) != SK_OK || w.len != used ||    \
                (used && memcmp(w.buf, body, used) != 0))                         \
                abort();                                                          \
            sk_wr_free(&w);                                                       \
        }                                                                         \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sk_rd_t r;
    sk_rd_init(&r, data, size);
    int16_t key = sk_rd_i16(&r);
    int16_t ver = sk_rd_i16(&r);
    (void)sk_rd_i32(&r);     /* correlation id */
    (void)sk_rd_str(&r, 0);  /* client id */
    if (!sk_rd_ok(&r))
        return 0;
    const struct range *rg = find_range(key);
    if (!rg && key != -1)
        return 0;
    if (rg && (ver < rg->min || ver > rg->max)) {
        int span = rg->max - rg->min + 1;
        ver = (int16_t)(rg->min + ((ver % span) + span) % span);
    }
    if (rg && ver >= rg->flex)
        sk_rd_tags(&r, 1);
    if (!sk_rd_ok(&r))
        return 0;
    const uint8_t *body = r.p;
    size_t len = sk_rd_remaining(&r);
    sk_arena_t *a = sk_arena_new(0);
    switch (key) {
    case -1:
        records_round(body, len, a);
        break;
    case 8:
        ROUND(offsetcommit_req, sk_offsetcommit_req_t, ver, body, len);
        ROUND(offsetcommit_resp, sk_offsetcommit_resp_t, ver, body, len);
        break;
    case 9:
        ROUND(offsetfetch_req, sk_offsetfetch_req_t, ver, body, len);
        ROUND(offsetfetch_resp, sk_offsetfetch_resp_t, ver, body, len);
        break;
    case 10:
        ROUND(findcoordinator_req, sk_findcoordinator_req_t, ver, body, len);
        ROUND(findcoordinator_resp, sk_findcoordinator_resp_t, ver, body, len);
        break;
    case 11:
        ROUND(joingroup_req, sk_joingroup_req_t, ver, body, len);
        ROUND(joingroup_resp, sk_joingroup_resp_t, ver, body, len);
        break;
    case 12:
        ROUND(heartbeat_req, sk_heartbeat_req_t, ver, body, len);
        ROUND(heartbeat_resp, sk_heartbeat_resp_t, ver, body, len);
        break;
    case 13:
        ROUND(leavegroup_req, sk_leavegroup_req_t, ver, body, len);
        ROUND(leavegroup_resp, sk_leavegroup_resp_t, ver, body, len);
        break;
    case 14:
        ROUND(syncgroup_req, sk_syncgroup_req_t, ver, body, len);
        ROUND(syncgroup_resp, sk_syncgroup_resp_t, ver, body, len);
        break;
    case 15:
        ROUND(describegroups_req, sk_describegroups_req_t, ver, body, len);
        ROUND(describegroups_resp, sk_describegroups_resp_t, ver, body, len);
        break;
    case 16:
        ROUND(listgroups_req, sk_listgroups_req_t, ver, body, len);
        ROUND(listgroups_resp, sk_listgroups_resp_t, ver, body, len);
        break;
    case 22:
        ROUND(initproducerid_req, sk_initproducerid_req_t, ver, body, len);
        ROUND(initproducerid_resp, sk_initproducerid_resp_t, ver, body, len);
        if (ver < SK_INITPRODUCERID_FLEX_VER) {
            EXACT(initproducerid_req, sk_initproducerid_req_t, ver, body, len);
            EXACT(initproducerid_resp, sk_initproducerid_resp_t, ver, body, len);
        }
        break;
    case 42:
        ROUND(deletegroups_req, sk_deletegroups_req_t, ver, body, len);
        ROUND(deletegroups_resp, sk_deletegroups_resp_t, ver, body, len);
        break;
    case 47:
        ROUND(offsetdelete_req, sk_offsetdelete_req_t, ver, body, len);
        ROUND(offsetdelete_resp, sk_offsetdelete_resp_t, ver, body, len);
        break;
    default:
        abort();
    }
    sk_arena_free(a);
    return 0;
}

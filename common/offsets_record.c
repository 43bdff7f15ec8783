/* offsets_record.c - __consumer_offsets keys and values, group partition
 * hash (see offsets_record.h). */
#include "offsets_record.h"

#include "javahash.h"

#include "proto_group_int.h"

/* The decoders' epilogue: whole buffer consumed. */
static int rd_done(const sk_rd_t *r)
{
    return sk_rd_ok(r) && sk_rd_remaining(r) == 0 ? SK_OK : SK_EPARSE;
}

int sk_offrec_key_decode(const void *buf, size_t len, sk_offrec_key_t *out)
{
    sk_rd_t r;
    sk_rd_init(&r, buf, len);
    *out = (sk_offrec_key_t){0};
    out->Version = sk_rd_i16(&r);
    if (!sk_rd_ok(&r))
        return SK_EPARSE;
    if (out->Version < 0 || out->Version > SK_OFFREC_KEY_GROUP)
        return SK_ENOENT;
    out->Group = sk_proto_rd_str_nn(&r, 0);
    if (out->Version != SK_OFFREC_KEY_GROUP) {
        out->Topic = sk_proto_rd_str_nn(&r, 0);
        out->Partition = sk_rd_i32(&r);
    }
    return rd_done(&r);
}

int sk_offrec_key_encode(sk_wr_t *w, const sk_offrec_key_t *key)
{
    if (key->Version < 0 || key->Version > SK_OFFREC_KEY_GROUP)
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_wr_i16(w, key->Version);
    sk_pg_wr_str_nn(w, 0, key->Group, &bad);
    if (key->Version != SK_OFFREC_KEY_GROUP) {
        sk_pg_wr_str_nn(w, 0, key->Topic, &bad);
        sk_wr_i32(w, key->Partition);
    }
    return sk_pg_wr_end(w, mark, bad);
}

int sk_offrec_offset_value_decode(const void *buf, size_t len, int16_t *version,
                                  sk_offrec_offset_value_t *out)
{
    sk_rd_t r;
    sk_rd_init(&r, buf, len);
    *out = (sk_offrec_offset_value_t){.LeaderEpoch = -1, .ExpireTimestamp = -1};
    int16_t v = sk_rd_i16(&r);
    if (version)
        *version = v;
    if (!sk_rd_ok(&r))
        return SK_EPARSE;
    if (v < 0 || v > SK_OFFREC_OFFSET_VALUE_VER)
        return SK_ENOENT;
    out->Offset = sk_rd_i64(&r);
    if (v >= 3)
        out->LeaderEpoch = sk_rd_i32(&r);
    out->Metadata = sk_proto_rd_str_nn(&r, 0);
    out->CommitTimestamp = sk_rd_i64(&r);
    if (v == 1)
        out->ExpireTimestamp = sk_rd_i64(&r);
    return rd_done(&r);
}

int sk_offrec_offset_value_encode(sk_wr_t *w, int16_t version,
                                  const sk_offrec_offset_value_t *v)
{
    if (version < 0 || version > SK_OFFREC_OFFSET_VALUE_VER)
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_wr_i16(w, version);
    sk_wr_i64(w, v->Offset);
    if (version >= 3)
        sk_wr_i32(w, v->LeaderEpoch);
    sk_pg_wr_str_nn(w, 0, v->Metadata, &bad);
    sk_wr_i64(w, v->CommitTimestamp);
    if (version == 1)
        sk_wr_i64(w, v->ExpireTimestamp);
    return sk_pg_wr_end(w, mark, bad);
}

static void rd_member(sk_rd_t *r, int16_t v, sk_offrec_member_t *m)
{
    m->MemberId = sk_proto_rd_str_nn(r, 0);
    m->GroupInstanceId = v >= 3 ? sk_rd_str(r, 0) : SK_STR_NULL;
    m->ClientId = sk_proto_rd_str_nn(r, 0);
    m->ClientHost = sk_proto_rd_str_nn(r, 0);
    if (v >= 1)
        m->RebalanceTimeout = sk_rd_i32(r);
    m->SessionTimeout = sk_rd_i32(r);
    if (v < 1)
        m->RebalanceTimeout = m->SessionTimeout;
    m->Subscription = sk_pg_rd_bytes_nn(r, 0);
    m->Assignment = sk_pg_rd_bytes_nn(r, 0);
}

int sk_offrec_group_value_decode(const void *buf, size_t len, sk_arena_t *a, int16_t *version,
                                 sk_offrec_group_value_t *out)
{
    sk_rd_t r;
    sk_rd_init(&r, buf, len);
    *out = (sk_offrec_group_value_t){.CurrentStateTimestamp = -1};
    int16_t v = sk_rd_i16(&r);
    if (version)
        *version = v;
    if (!sk_rd_ok(&r))
        return SK_EPARSE;
    if (v < 0 || v > SK_OFFREC_GROUP_VALUE_VER)
        return SK_ENOENT;
    out->ProtocolType = sk_proto_rd_str_nn(&r, 0);
    out->Generation = sk_rd_i32(&r);
    out->Protocol = sk_rd_str(&r, 0);
    out->Leader = sk_rd_str(&r, 0);
    if (v >= 2)
        out->CurrentStateTimestamp = sk_rd_i64(&r);
    /* three strings (2 each) [+ instance id (2)] + timeouts (4 or 8) + two
     * byte fields (4 each) */
    size_t min = 6 + (v >= 3 ? 2 : 0) + (v >= 1 ? 8 : 4) + 8;
    int32_t n = sk_proto_rd_count_nn(&r, 0, min);
    out->MembersCnt = sk_rd_ok(&r) ? n : 0;
    out->Members = sk_proto_alloc(a, out->MembersCnt, sizeof(*out->Members));
    for (int32_t i = 0; i < out->MembersCnt && sk_rd_ok(&r); i++)
        rd_member(&r, v, &out->Members[i]);
    return rd_done(&r);
}

int sk_offrec_group_value_encode(sk_wr_t *w, int16_t version, const sk_offrec_group_value_t *v)
{
    if (version < 0 || version > SK_OFFREC_GROUP_VALUE_VER)
        return SK_EINVAL;
    size_t mark = w->len;
    int bad = 0;
    sk_wr_i16(w, version);
    sk_pg_wr_str_nn(w, 0, v->ProtocolType, &bad);
    sk_wr_i32(w, v->Generation);
    sk_wr_sstr(w, 0, v->Protocol);
    sk_wr_sstr(w, 0, v->Leader);
    if (version >= 2)
        sk_wr_i64(w, v->CurrentStateTimestamp);
    int32_t n = sk_pg_wr_count(w, 0, v->MembersCnt, 0, &bad);
    for (int32_t i = 0; i < n; i++) {
        const sk_offrec_member_t *m = &v->Members[i];
        sk_pg_wr_str_nn(w, 0, m->MemberId, &bad);
        if (version >= 3)
            sk_wr_sstr(w, 0, m->GroupInstanceId);
        sk_pg_wr_str_nn(w, 0, m->ClientId, &bad);
        sk_pg_wr_str_nn(w, 0, m->ClientHost, &bad);
        if (version >= 1)
            sk_wr_i32(w, m->RebalanceTimeout);
        sk_wr_i32(w, m->SessionTimeout);
        sk_pg_wr_bytes_nn(w, 0, m->Subscription, &bad);
        sk_pg_wr_bytes_nn(w, 0, m->Assignment, &bad);
    }
    return sk_pg_wr_end(w, mark, bad);
}

/* ---- group -> partition ---- */

int32_t sk_offrec_partition_for(const char *group, size_t len, int32_t partitions)
{
    if (partitions <= 0)
        return -1;
    int32_t h = sk_java_hash(group, len);
    int32_t abs_h = h == INT32_MIN ? 0 : (h < 0 ? -h : h);
    return abs_h % partitions;
}

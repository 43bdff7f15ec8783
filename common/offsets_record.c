/* offsets_record.c - __consumer_offsets keys and values, group partition
 * hash (see offsets_record.h). */
#include "offsets_record.h"

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

#define REPLACEMENT 0xfffdu

/* Decode one code point from s[0..len) (len >= 1); *used = bytes taken.
 * An ill-formed sequence yields U+FFFD and consumes its maximal subpart:
 * the lead byte plus the continuation bytes that were still acceptable. */
static uint32_t utf8_next(const uint8_t *s, size_t len, size_t *used)
{
    uint8_t b = s[0];
    *used = 1;
    if (b < 0x80)
        return b;
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf; /* range allowed for the second byte */
    uint32_t cp;
    if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        cp = b & 0x0f;
        if (b == 0xe0)
            lo = 0xa0; /* no overlong forms */
        else if (b == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        cp = b & 0x07;
        if (b == 0xf0)
            lo = 0x90;
        else if (b == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        return REPLACEMENT; /* stray continuation byte, C0/C1, F5-FF */
    }
    for (size_t k = 1; k <= need; k++) {
        if (k >= len)
            return REPLACEMENT; /* truncated: *used = bytes seen */
        uint8_t c = s[k];
        if (c < lo || c > hi)
            return REPLACEMENT;
        cp = cp << 6 | (c & 0x3fu);
        *used = k + 1;
        lo = 0x80;
        hi = 0xbf;
    }
    return cp;
}

int32_t sk_offrec_java_hash(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t h = 0;
    size_t i = 0;
    while (i < len) {
        size_t used;
        uint32_t cp = utf8_next(p + i, len - i, &used);
        i += used;
        if (cp > 0xffff) {
            cp -= 0x10000;
            h = 31u * h + (0xd800u + (cp >> 10));
            h = 31u * h + (0xdc00u + (cp & 0x3ffu));
        } else {
            h = 31u * h + cp;
        }
    }
    return (int32_t)h;
}

int32_t sk_offrec_partition_for(const char *group, size_t len, int32_t partitions)
{
    if (partitions <= 0)
        return -1;
    int32_t h = sk_offrec_java_hash(group, len);
    int32_t abs_h = h == INT32_MIN ? 0 : (h < 0 ? -h : h);
    return abs_h % partitions;
}

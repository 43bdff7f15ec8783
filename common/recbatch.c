/* recbatch.c - RecordBatch v2 inspection, validation and building. */
#include "mem.h"
#include "recbatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crc32c.h"
#include "kerr.h"

int sk_batch_parse_header(const uint8_t *buf, size_t len, sk_batch_info_t *out)
{
    if (!buf || len < SK_BATCH_HEADER_SIZE)
        return SK_EPARSE;
    out->base_offset = (int64_t)sk_be64(buf + SK_BATCH_OFF_BASE_OFFSET);
    out->batch_length = (int32_t)sk_be32(buf + SK_BATCH_OFF_LENGTH);
    out->partition_leader_epoch = (int32_t)sk_be32(buf + SK_BATCH_OFF_LEADER_EPOCH);
    out->magic = (int8_t)buf[SK_BATCH_OFF_MAGIC];
    out->crc = sk_be32(buf + SK_BATCH_OFF_CRC);
    out->attributes = (int16_t)sk_be16(buf + SK_BATCH_OFF_ATTRIBUTES);
    out->last_offset_delta = (int32_t)sk_be32(buf + SK_BATCH_OFF_LAST_OFFSET_DELTA);
    out->base_timestamp = (int64_t)sk_be64(buf + SK_BATCH_OFF_BASE_TIMESTAMP);
    out->max_timestamp = (int64_t)sk_be64(buf + SK_BATCH_OFF_MAX_TIMESTAMP);
    out->producer_id = (int64_t)sk_be64(buf + SK_BATCH_OFF_PRODUCER_ID);
    out->producer_epoch = (int16_t)sk_be16(buf + SK_BATCH_OFF_PRODUCER_EPOCH);
    out->base_sequence = (int32_t)sk_be32(buf + SK_BATCH_OFF_BASE_SEQUENCE);
    out->record_count = (int32_t)sk_be32(buf + SK_BATCH_OFF_RECORD_COUNT);
    return SK_OK;
}

ssize_t sk_batch_next(const uint8_t *buf, size_t len)
{
    if (len < SK_BATCH_LOG_OVERHEAD)
        return 0;
    int32_t blen = (int32_t)sk_be32(buf + SK_BATCH_OFF_LENGTH);
    if (blen < SK_BATCH_HEADER_SIZE - SK_BATCH_LOG_OVERHEAD)
        return -1;
    if (len > SK_BATCH_OFF_MAGIC && buf[SK_BATCH_OFF_MAGIC] != 2)
        return -1;
    size_t total = (size_t)blen + SK_BATCH_LOG_OVERHEAD;
    if (len < total)
        return 0;
    return (ssize_t)total;
}

void sk_batch_set_base_offset(uint8_t *batch, int64_t base_offset)
{
    sk_put_be64(batch + SK_BATCH_OFF_BASE_OFFSET, (uint64_t)base_offset);
}

void sk_batch_set_leader_epoch(uint8_t *batch, int32_t epoch)
{
    sk_put_be32(batch + SK_BATCH_OFF_LEADER_EPOCH, (uint32_t)epoch);
}

void sk_batch_update_crc(uint8_t *batch, size_t len)
{
    uint32_t crc = sk_crc32c(0, batch + SK_BATCH_CRC_START, len - SK_BATCH_CRC_START);
    sk_put_be32(batch + SK_BATCH_OFF_CRC, crc);
}

/* A record's offset is baseOffset + its delta (at most lastOffsetDelta): a
 * baseOffset so close to INT64_MAX that the sum cannot be represented is
 * refused rather than overflowed. */
static int offsets_overflow(const sk_batch_info_t *h)
{
    return h->last_offset_delta > 0 && h->base_offset > INT64_MAX - h->last_offset_delta;
}

/* Walks the records after the header. Returns a Kafka code; when the callback
 * stops the walk, *stopped receives its value and SK_KERR_NONE is returned. */
static int walk_records(const uint8_t *buf, size_t len, const sk_batch_info_t *h, sk_record_fn fn,
                        void *arg, int *stopped, char *err, size_t errlen)
{
    sk_rd_t r;
    sk_rd_init(&r, buf + SK_BATCH_HEADER_SIZE, len - SK_BATCH_HEADER_SIZE);
    int64_t prev_delta = -1;
    if (offsets_overflow(h)) {
        sk_errf(err, errlen, "baseOffset %lld + lastOffsetDelta %d overflows",
                (long long)h->base_offset, h->last_offset_delta);
        return SK_KERR_CORRUPT_MESSAGE;
    }
    int log_append = (h->attributes & SK_BATCH_ATTR_LOG_APPEND_TIME) != 0;

    for (int32_t i = 0; i < h->record_count; i++) {
        if (sk_rd_remaining(&r) == 0) {
            sk_errf(err, errlen, "batch at offset %lld holds %d records, header says %d",
                    (long long)h->base_offset, i, h->record_count);
            return SK_KERR_INVALID_RECORD;
        }
        const uint8_t *raw = r.p;
        int32_t rlen = sk_rd_varint(&r);
        if (!sk_rd_ok(&r) || rlen <= 0 || (size_t)rlen > sk_rd_remaining(&r)) {
            sk_errf(err, errlen, "record %d: length %d invalid or beyond the batch (%zu left)", i,
                    rlen, sk_rd_remaining(&r));
            return SK_KERR_CORRUPT_MESSAGE;
        }
        sk_rd_t rr;
        sk_rd_init(&rr, sk_rd_raw(&r, (size_t)rlen), (size_t)rlen);
        sk_record_t rec;
        rec.raw = raw;
        rec.raw_len = (size_t)(rr.end - raw);
        rec.attributes = sk_rd_i8(&rr);
        int64_t ts_delta = sk_rd_varlong(&rr);
        int32_t off_delta = sk_rd_varint(&rr);
        int32_t klen = sk_rd_varint(&rr);
        if (!sk_rd_ok(&rr) || klen < -1)
            goto bad_record;
        rec.key.len = klen;
        rec.key.p = klen >= 0 ? (const char *)sk_rd_raw(&rr, (size_t)klen) : NULL;
        int32_t vlen = sk_rd_varint(&rr);
        if (!sk_rd_ok(&rr) || vlen < -1)
            goto bad_record;
        rec.value.len = vlen;
        rec.value.p = vlen >= 0 ? (const char *)sk_rd_raw(&rr, (size_t)vlen) : NULL;
        rec.header_count = sk_rd_varint(&rr);
        if (!sk_rd_ok(&rr) || rec.header_count < 0)
            goto bad_record;
        rec.headers = rr.p;
        for (int32_t k = 0; k < rec.header_count; k++) {
            sk_str_t hk, hv;
            if (sk_record_header_next(&rr, &hk, &hv) != SK_OK)
                goto bad_record;
        }
        if (!sk_rd_ok(&rr) || sk_rd_remaining(&rr) != 0)
            goto bad_record;
        rec.headers_len = (size_t)(rr.p - rec.headers);
        if (off_delta <= prev_delta || off_delta > h->last_offset_delta) {
            sk_errf(err, errlen, "record %d: offset delta %d out of order or past lastOffsetDelta %d",
                    i, off_delta, h->last_offset_delta);
            return SK_KERR_INVALID_RECORD;
        }
        prev_delta = off_delta;
        rec.offset = h->base_offset + off_delta;
        rec.timestamp = log_append ? h->max_timestamp : (int64_t)((uint64_t)h->base_timestamp +
                                                                  (uint64_t)ts_delta);
        if (fn) {
            int rc = fn(&rec, arg);
            if (rc) {
                *stopped = rc;
                return SK_KERR_NONE;
            }
        }
        continue;
    bad_record:
        sk_errf(err, errlen, "record %d: malformed fields (negative length or overrun)", i);
        return SK_KERR_CORRUPT_MESSAGE;
    }
    if (sk_rd_remaining(&r) != 0) {
        sk_errf(err, errlen, "batch at offset %lld has %zu bytes after its %d records",
                (long long)h->base_offset, sk_rd_remaining(&r), h->record_count);
        return SK_KERR_INVALID_RECORD;
    }
    return SK_KERR_NONE;
}

int sk_batch_validate(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    sk_batch_info_t h;
    if (sk_batch_parse_header(buf, len, &h) != SK_OK) {
        sk_errf(err, errlen, "batch of %zu bytes is shorter than the %d-byte header", len,
                SK_BATCH_HEADER_SIZE);
        return SK_KERR_CORRUPT_MESSAGE;
    }
    if (h.magic != 2) {
        sk_errf(err, errlen, "unsupported magic %d (only 2)", h.magic);
        return SK_KERR_INVALID_RECORD;
    }
    if (h.batch_length < 0 || (uint64_t)h.batch_length + SK_BATCH_LOG_OVERHEAD != len) {
        sk_errf(err, errlen, "batchLength %d does not match the %zu bytes present", h.batch_length,
                len);
        return SK_KERR_CORRUPT_MESSAGE;
    }
    uint32_t crc = sk_crc32c(0, buf + SK_BATCH_CRC_START, len - SK_BATCH_CRC_START);
    if (crc != h.crc) {
        sk_errf(err, errlen, "CRC mismatch: header 0x%08x, computed 0x%08x", h.crc, crc);
        return SK_KERR_CORRUPT_MESSAGE;
    }
    if (h.record_count < 0) {
        sk_errf(err, errlen, "negative recordCount %d", h.record_count);
        return SK_KERR_CORRUPT_MESSAGE;
    }
    if (h.last_offset_delta < 0 ||
        (h.record_count > 0 && h.last_offset_delta < h.record_count - 1)) {
        sk_errf(err, errlen, "lastOffsetDelta %d inconsistent with recordCount %d",
                h.last_offset_delta, h.record_count);
        return SK_KERR_CORRUPT_MESSAGE;
    }
    if (offsets_overflow(&h)) { /* compressed batches are not walked here */
        sk_errf(err, errlen, "baseOffset %lld + lastOffsetDelta %d overflows",
                (long long)h.base_offset, h.last_offset_delta);
        return SK_KERR_CORRUPT_MESSAGE;
    }
    int codec = sk_batch_compression(&h);
    if (codec > SK_COMPRESSION_ZSTD) {
        sk_errf(err, errlen, "unknown compression codec %d", codec);
        return SK_KERR_CORRUPT_MESSAGE;
    }
    if (codec != SK_COMPRESSION_NONE)
        return SK_KERR_NONE;
    int stopped = 0;
    return walk_records(buf, len, &h, NULL, NULL, &stopped, err, errlen);
}

int sk_batch_foreach_record(const uint8_t *batch, size_t len, sk_record_fn fn, void *arg)
{
    sk_batch_info_t h;
    if (sk_batch_parse_header(batch, len, &h) != SK_OK || h.magic != 2 || h.batch_length < 0 ||
        (uint64_t)h.batch_length + SK_BATCH_LOG_OVERHEAD != len || h.record_count < 0)
        return SK_EPARSE;
    if (sk_batch_compression(&h) != SK_COMPRESSION_NONE)
        return SK_EINVAL;
    int stopped = 0;
    int kerr = walk_records(batch, len, &h, fn, arg, &stopped, NULL, 0);
    if (kerr != SK_KERR_NONE)
        return SK_EPARSE;
    return stopped;
}

int sk_record_header_next(sk_rd_t *r, sk_str_t *key, sk_str_t *value)
{
    int32_t kl = sk_rd_varint(r);
    if (!sk_rd_ok(r) || kl < 0)
        goto bad;
    key->len = kl;
    key->p = (const char *)sk_rd_raw(r, (size_t)kl);
    int32_t vl = sk_rd_varint(r);
    if (!sk_rd_ok(r) || vl < -1)
        goto bad;
    value->len = vl;
    value->p = vl >= 0 ? (const char *)sk_rd_raw(r, (size_t)vl) : NULL;
    if (!sk_rd_ok(r))
        goto bad;
    return SK_OK;
bad:
    sk_rd_fail(r);
    return SK_EPARSE;
}

static void wr_blob(sk_wr_t *w, const void *p, int32_t len)
{
    if (!p || len < 0) {
        sk_wr_varint(w, -1);
        return;
    }
    sk_wr_varint(w, len);
    sk_wr_raw(w, p, (size_t)len);
}

void sk_batch_build(sk_wr_t *w, int64_t base_offset, const sk_batch_opts_t *opts,
                    const sk_record_in_t *recs, int32_t n)
{
    static const sk_batch_opts_t defaults = {0, -1, -1, -1, 0};
    if (!opts)
        opts = &defaults;
    int64_t base_ts = n > 0 ? recs[0].timestamp : -1;
    int64_t max_ts = -1;
    for (int32_t i = 0; i < n; i++)
        if (recs[i].timestamp > max_ts)
            max_ts = recs[i].timestamp;

    size_t start = w->len;
    uint8_t hdr[SK_BATCH_HEADER_SIZE] = {0};
    sk_put_be64(hdr + SK_BATCH_OFF_BASE_OFFSET, (uint64_t)base_offset);
    sk_put_be32(hdr + SK_BATCH_OFF_LEADER_EPOCH, (uint32_t)opts->leader_epoch);
    hdr[SK_BATCH_OFF_MAGIC] = 2;
    sk_put_be16(hdr + SK_BATCH_OFF_ATTRIBUTES,
                (uint16_t)(opts->attributes & ~SK_BATCH_ATTR_COMPRESSION_MASK));
    sk_put_be32(hdr + SK_BATCH_OFF_LAST_OFFSET_DELTA, (uint32_t)(n > 0 ? n - 1 : 0));
    sk_put_be64(hdr + SK_BATCH_OFF_BASE_TIMESTAMP, (uint64_t)base_ts);
    sk_put_be64(hdr + SK_BATCH_OFF_MAX_TIMESTAMP, (uint64_t)max_ts);
    sk_put_be64(hdr + SK_BATCH_OFF_PRODUCER_ID, (uint64_t)opts->producer_id);
    sk_put_be16(hdr + SK_BATCH_OFF_PRODUCER_EPOCH, (uint16_t)opts->producer_epoch);
    sk_put_be32(hdr + SK_BATCH_OFF_BASE_SEQUENCE, (uint32_t)opts->base_sequence);
    sk_put_be32(hdr + SK_BATCH_OFF_RECORD_COUNT, (uint32_t)n);
    sk_wr_raw(w, hdr, sizeof(hdr));

    sk_wr_t body;
    sk_wr_init(&body);
    for (int32_t i = 0; i < n; i++) {
        const sk_record_in_t *rc = &recs[i];
        sk_wr_reset(&body);
        sk_wr_i8(&body, 0);
        sk_wr_varlong(&body, rc->timestamp - base_ts);
        sk_wr_varint(&body, i);
        wr_blob(&body, rc->key, rc->key_len);
        wr_blob(&body, rc->value, rc->value_len);
        sk_wr_varint(&body, rc->header_count);
        for (int32_t k = 0; k < rc->header_count; k++) {
            const sk_record_header_in_t *hh = &rc->headers[k];
            wr_blob(&body, hh->key, (int32_t)strlen(hh->key));
            wr_blob(&body, hh->value, hh->value_len);
        }
        sk_wr_varint(w, (int32_t)body.len);
        sk_wr_raw(w, body.buf, body.len);
    }
    sk_wr_free(&body);

    uint8_t *b = w->buf + start;
    size_t blen = w->len - start;
    sk_put_be32(b + SK_BATCH_OFF_LENGTH, (uint32_t)(blen - SK_BATCH_LOG_OVERHEAD));
    sk_batch_update_crc(b, blen);
}

/* msgset.c - legacy message sets (magic 0/1) to and from RecordBatch v2
 * (see msgset.h). */
#include "msgset.h"

#include "compress.h"
#include "kerr.h"
#include "mem.h"
#include "recbatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static const char MSG_NESTED[] =
    "Compressed outer record should not have an inner record with a compression attribute set";
static const char MSG_INNER_OFFSETS[] =
    "Inner record inside the compressed record batch does not have incremental offsets";
static const char MSG_LOG_APPEND[] =
    "Invalid timestamp type in message. Producer should not set timestamp type to LogAppendTime.";
static const char MSG_BAD_TS[] = "Invalid message timestamp";

/* One parsed message (views into the input or the inflated buffer). */
typedef struct legacy_msg {
    int64_t offset;
    int magic;
    int attributes;
    int64_t timestamp; /* -1 at magic 0 */
    sk_str_t key, value;
} legacy_msg_t;

/* The records collected for the new batch. */
typedef struct collect {
    sk_arena_t *a;
    sk_record_in_t *recs;
    int32_t n, cap;
    sk_msgset_result_t *res;
    int32_t errs_cap;
} collect_t;

static int16_t fail(sk_msgset_result_t *res, int16_t kerr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int16_t fail(sk_msgset_result_t *res, int16_t kerr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->err, sizeof(res->err), fmt, ap);
    va_end(ap);
    res->kerr = kerr;
    return kerr;
}

int sk_msgset_magic(const uint8_t *records, size_t len)
{
    if (!records || len <= SK_MSGSET_OFF_MAGIC)
        return -1;
    return records[SK_MSGSET_OFF_MAGIC];
}

static sk_str_t rd_blob(sk_rd_t *r)
{
    int32_t n = sk_rd_i32(r);
    if (!sk_rd_ok(r) || n < -1) {
        sk_rd_fail(r);
        return SK_STR_NULL;
    }
    if (n < 0)
        return SK_STR_NULL;
    const uint8_t *p = sk_rd_raw(r, (size_t)n);
    return p ? (sk_str_t){(const char *)p, n} : SK_STR_NULL;
}

/* Reads the entry at r into m: SK_KERR_NONE or CORRUPT_MESSAGE (res->err
 * says why). A magic 2 entry is corrupt here: the caller looked first. */
static int16_t read_msg(sk_rd_t *r, const uint8_t *base, legacy_msg_t *m,
                        sk_msgset_result_t *res)
{
    size_t at = (size_t)(r->p - base);
    if (sk_rd_remaining(r) < SK_BATCH_LOG_OVERHEAD)
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "truncated message at byte %zu", at);
    m->offset = sk_rd_i64(r);
    int32_t size = sk_rd_i32(r);
    if (size < SK_MSGSET_MIN_V0 || (size_t)size > sk_rd_remaining(r))
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "message at byte %zu: size %d, %zu bytes left",
                    at, size, sk_rd_remaining(r));
    const uint8_t *body = sk_rd_raw(r, (size_t)size);
    uint32_t crc = sk_be32(body);
    m->magic = body[4];
    if (m->magic > 1)
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "message at byte %zu has magic %d among "
                    "magic 0/1 messages", at, m->magic);
    if (m->magic == 1 && size < SK_MSGSET_MIN_V1)
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "magic 1 message at byte %zu: size %d", at,
                    size);
    uint32_t want = (uint32_t)crc32(0L, body + 4, (uInt)(size - 4));
    if (crc != want)
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "message at byte %zu: CRC %08x, computed %08x",
                    at, crc, want);
    sk_rd_t b;
    sk_rd_init(&b, body + 5, (size_t)size - 5);
    m->attributes = (uint8_t)sk_rd_i8(&b);
    m->timestamp = m->magic == 1 ? sk_rd_i64(&b) : -1;
    m->key = rd_blob(&b);
    m->value = rd_blob(&b);
    if (!sk_rd_ok(&b) || sk_rd_remaining(&b) != 0)
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "message at byte %zu: key and value do not "
                    "fill its %d bytes", at, size);
    return SK_KERR_NONE;
}

static void add_rec_error(collect_t *c, int32_t index, const char *message)
{
    sk_msgset_result_t *res = c->res;
    if (res->n_rec_errs == c->errs_cap) {
        int32_t cap = c->errs_cap ? c->errs_cap * 2 : 8;
        sk_msgset_rec_err_t *e = sk_arena_calloc(c->a, (size_t)cap, sizeof(*e));
        if (res->n_rec_errs)
            memcpy(e, res->rec_errs, (size_t)res->n_rec_errs * sizeof(*e));
        res->rec_errs = e;
        c->errs_cap = cap;
    }
    res->rec_errs[res->n_rec_errs++] = (sk_msgset_rec_err_t){index, message};
}

/* Kafka's per-record checks (validateTimestamp): a record error each. */
static void check_record(collect_t *c, const legacy_msg_t *m, int batch_attrs, int32_t index)
{
    if (m->magic == 1 && (batch_attrs & SK_MSGSET_ATTR_LOG_APPEND_TIME))
        add_rec_error(c, index, MSG_LOG_APPEND);
    else if (m->timestamp < -1)
        add_rec_error(c, index, MSG_BAD_TS);
}

static void add_record(collect_t *c, const legacy_msg_t *m)
{
    if (c->n == c->cap) {
        int32_t cap = c->cap ? c->cap * 2 : 64;
        sk_record_in_t *r = sk_arena_calloc(c->a, (size_t)cap, sizeof(*r));
        if (c->n)
            memcpy(r, c->recs, (size_t)c->n * sizeof(*r));
        c->recs = r;
        c->cap = cap;
    }
    c->recs[c->n++] = (sk_record_in_t){.timestamp = m->timestamp,
                                       .key = m->key.p, .key_len = m->key.len,
                                       .value = m->value.p, .value_len = m->value.len};
}

/* xxHash32 of a short input (under 16 bytes), seed 0: what an LZ4 frame's
 * header checksum is made of. */
static uint32_t xxh32_short(const uint8_t *p, size_t len)
{
    const uint32_t P1 = 2654435761u, P2 = 2246822519u, P3 = 3266489917u, P4 = 668265263u,
                   P5 = 374761393u;
    uint32_t h = P5 + (uint32_t)len;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t v = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                     (uint32_t)p[i + 3] << 24;
        h += v * P3;
        h = ((h << 17) | (h >> 15)) * P4;
    }
    for (; i < len; i++) {
        h += p[i] * P5;
        h = ((h << 11) | (h >> 21)) * P1;
    }
    h ^= h >> 15;
    h *= P2;
    h ^= h >> 13;
    h *= P3;
    h ^= h >> 16;
    return h;
}

/* Kafka 0.8/0.9 wrote magic 0 LZ4 frames with a wrong header checksum (it
 * hashed the frame magic too, KAFKA-3160) and Kafka still reads them without
 * checking it: the checksum of such a frame is made right, in place. */
static void fix_lz4_header(uint8_t *f, size_t len)
{
    static const uint8_t magic[4] = {0x04, 0x22, 0x4d, 0x18};
    if (len < 7 || memcmp(f, magic, 4) != 0)
        return;
    size_t desc = 2 + ((f[4] & 0x08) ? 8 : 0) + ((f[4] & 0x01) ? 4 : 0);
    if (4 + desc >= len)
        return;
    f[4 + desc] = (uint8_t)(xxh32_short(f + 4, desc) >> 8);
}

/* A wrapper: inflate its value and take every inner message. */
static int16_t take_wrapper(collect_t *c, const legacy_msg_t *w)
{
    sk_msgset_result_t *res = c->res;
    int codec = w->attributes & SK_BATCH_ATTR_COMPRESSION_MASK;
    if (codec == SK_COMPRESSION_ZSTD)
        return fail(res, SK_KERR_UNSUPPORTED_COMPRESSION_TYPE, "zstd in a magic %d message: "
                    "zstd needs record batches (magic 2)", w->magic);
    if (codec > SK_COMPRESSION_ZSTD)
        return fail(res, SK_KERR_INVALID_RECORD, "unknown compression codec %d", codec);
    if (w->value.len <= 0)
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "compressed message without a value");
    const uint8_t *z = (const uint8_t *)w->value.p;
    if (codec == SK_COMPRESSION_LZ4 && w->magic == 0) {
        uint8_t *copy = sk_arena_memdup(c->a, z, (size_t)w->value.len);
        fix_lz4_header(copy, (size_t)w->value.len);
        z = copy;
    }
    sk_wr_t inflated;
    sk_wr_init(&inflated);
    int rc = sk_decompress(codec, z, (size_t)w->value.len, SK_MSGSET_MAX_INFLATED, &inflated);
    if (rc != SK_OK) {
        sk_wr_free(&inflated);
        if (rc == SK_ETOOBIG)
            return fail(res, SK_KERR_MESSAGE_TOO_LARGE, "compressed message inflates past %u "
                        "bytes", SK_MSGSET_MAX_INFLATED);
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "compressed message (codec %d) cannot be "
                    "inflated: %s", codec, sk_strerror(rc));
    }
    /* the records point into the inflated bytes until the batch is built */
    uint8_t *inner = sk_arena_memdup(c->a, inflated.buf, inflated.len);
    size_t inner_len = inflated.len;
    sk_wr_free(&inflated);
    sk_rd_t r;
    sk_rd_init(&r, inner, inner_len);
    int32_t index = 0;
    if (inner_len == 0)
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "compressed message holds no messages");
    while (sk_rd_remaining(&r) > 0) {
        legacy_msg_t m;
        int16_t kerr = read_msg(&r, inner, &m, res);
        if (kerr != SK_KERR_NONE)
            return kerr;
        if (m.attributes & SK_BATCH_ATTR_COMPRESSION_MASK)
            add_rec_error(c, index, MSG_NESTED);
        else if (w->magic == 1 && m.offset != index)
            add_rec_error(c, index, MSG_INNER_OFFSETS);
        else
            check_record(c, &m, w->attributes, index);
        add_record(c, &m);
        index++;
    }
    res->codec = codec;
    return SK_KERR_NONE;
}

/* 1 if ts - base cannot be represented (the record's timestamp delta). */
static int delta_overflows(int64_t ts, int64_t base)
{
    return (base < 0 && ts > INT64_MAX + base) || (base > 0 && ts < INT64_MIN + base);
}

/* Compresses the records of the uncompressed batch in raw with codec into
 * out (header patched: length, codec bits, CRC). */
static int compress_batch(const sk_wr_t *raw, int codec, sk_wr_t *out)
{
    size_t start = out->len;
    sk_wr_raw(out, raw->buf, SK_BATCH_HEADER_SIZE);
    int rc = sk_compress(codec, raw->buf + SK_BATCH_HEADER_SIZE,
                         raw->len - SK_BATCH_HEADER_SIZE, out);
    if (rc != SK_OK) {
        out->len = start;
        return rc;
    }
    uint8_t *b = out->buf + start;
    size_t blen = out->len - start;
    uint16_t attr = sk_be16(b + SK_BATCH_OFF_ATTRIBUTES);
    sk_put_be16(b + SK_BATCH_OFF_ATTRIBUTES, (uint16_t)(attr | codec));
    sk_put_be32(b + SK_BATCH_OFF_LENGTH, (uint32_t)(blen - SK_BATCH_LOG_OVERHEAD));
    sk_batch_update_crc(b, blen);
    return SK_OK;
}

int16_t sk_msgset_to_batch(const uint8_t *in, size_t len, sk_arena_t *a, sk_wr_t *out,
                           sk_msgset_result_t *res)
{
    memset(res, 0, sizeof(*res));
    res->magic = -1;
    collect_t c = {.a = a, .res = res};
    sk_rd_t r;
    sk_rd_init(&r, in, len);
    if (len == 0)
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "empty message set");
    while (sk_rd_remaining(&r) > 0) {
        legacy_msg_t m;
        int16_t kerr = read_msg(&r, in, &m, res);
        if (kerr != SK_KERR_NONE)
            return kerr;
        if (res->magic < 0)
            res->magic = m.magic;
        if (m.attributes & SK_BATCH_ATTR_COMPRESSION_MASK) {
            kerr = take_wrapper(&c, &m);
            if (kerr != SK_KERR_NONE)
                return kerr;
            continue;
        }
        /* an uncompressed message is a batch of one to Kafka: index 0 */
        check_record(&c, &m, m.attributes, 0);
        add_record(&c, &m);
    }
    if (res->n_rec_errs > 0) {
        int ts = 0;
        for (int32_t i = 0; i < res->n_rec_errs; i++)
            ts |= res->rec_errs[i].message == MSG_LOG_APPEND ||
                  res->rec_errs[i].message == MSG_BAD_TS;
        /* Kafka: INVALID_TIMESTAMP if any record has a bad timestamp */
        return fail(res, ts ? SK_KERR_INVALID_TIMESTAMP : SK_KERR_INVALID_RECORD,
                    "%d record error%s, the first: record %d: %s", res->n_rec_errs,
                    res->n_rec_errs > 1 ? "s" : "", res->rec_errs[0].index,
                    res->rec_errs[0].message);
    }
    for (int32_t i = 1; i < c.n; i++)
        if (delta_overflows(c.recs[i].timestamp, c.recs[0].timestamp)) {
            add_rec_error(&c, i, MSG_BAD_TS);
            return fail(res, SK_KERR_INVALID_TIMESTAMP, "record %d: timestamp %lld too far from "
                        "the first record's %lld", i, (long long)c.recs[i].timestamp,
                        (long long)c.recs[0].timestamp);
        }
    res->count = c.n;
    sk_wr_t raw;
    sk_wr_init(&raw);
    sk_batch_build(&raw, 0, NULL, c.recs, c.n);
    int rc = SK_OK;
    if (res->codec == SK_COMPRESSION_NONE)
        sk_wr_raw(out, raw.buf, raw.len);
    else
        rc = compress_batch(&raw, res->codec, out);
    sk_wr_free(&raw);
    if (rc != SK_OK)
        return fail(res, SK_KERR_CORRUPT_MESSAGE, "compressing the converted batch failed: %s",
                    sk_strerror(rc));
    res->kerr = SK_KERR_NONE;
    return SK_KERR_NONE;
}

/* ---- down-conversion ---- */

typedef struct down {
    sk_wr_t *out;
    int magic;
    int64_t first_offset;
    int log_append;
    int64_t max_ts;
    int relative;   /* inside a magic 1 wrapper: offsets from base */
    int64_t base;   /* the first record written's offset */
    int64_t last;   /* the last record written's offset */
    int32_t count;
} down_t;

static void wr_blob(sk_wr_t *w, sk_str_t s)
{
    if (s.len < 0) {
        sk_wr_i32(w, -1);
        return;
    }
    sk_wr_i32(w, s.len);
    sk_wr_raw(w, s.p, (size_t)s.len);
}

/* A message's head: offset, size and CRC (both reserved), magic,
 * attributes, timestamp (magic 1); the caller writes key and value, then
 * wr_msg_end() patches size and CRC. Returns the size's position. */
static size_t wr_msg_head(sk_wr_t *w, int64_t offset, int magic, int attributes, int64_t ts)
{
    sk_wr_i64(w, offset);
    size_t size_at = sk_wr_reserve_i32(w);
    sk_wr_reserve_i32(w); /* CRC */
    sk_wr_i8(w, (int8_t)magic);
    sk_wr_i8(w, (int8_t)attributes);
    if (magic == 1)
        sk_wr_i64(w, ts);
    return size_at;
}

static void wr_msg_end(sk_wr_t *w, size_t size_at)
{
    size_t end = w->len;
    size_t crc_at = size_at + 4;
    sk_wr_patch_i32(w, size_at, (int32_t)(end - size_at - 4));
    uint32_t crc = (uint32_t)crc32(0L, w->buf + crc_at + 4, (uInt)(end - crc_at - 4));
    sk_wr_patch_i32(w, crc_at, (int32_t)crc);
}

static int down_record(const sk_record_t *rec, void *arg)
{
    down_t *d = arg;
    if (rec->offset < d->first_offset)
        return 0;
    if (d->count++ == 0)
        d->base = rec->offset;
    d->last = rec->offset;
    int attrs = d->magic == 1 && d->log_append ? SK_MSGSET_ATTR_LOG_APPEND_TIME : 0;
    size_t size_at = wr_msg_head(d->out, d->relative ? rec->offset - d->base : rec->offset,
                                 d->magic, attrs, d->log_append ? d->max_ts : rec->timestamp);
    wr_blob(d->out, rec->key);
    wr_blob(d->out, rec->value);
    wr_msg_end(d->out, size_at);
    return 0;
}

/* The codec a compressed batch keeps when written at magic, or NONE: Kafka
 * keeps the batch's codec; zstd needs magic 2 (such fetches are refused
 * before this), and LZ4 at magic 0 would need Kafka 0.9's broken frame
 * checksum, so those two go uncompressed. */
static int down_codec(int codec, int magic)
{
    if (codec == SK_COMPRESSION_GZIP || codec == SK_COMPRESSION_SNAPPY ||
        (codec == SK_COMPRESSION_LZ4 && magic == 1))
        return codec;
    return SK_COMPRESSION_NONE;
}

/* The messages of d's batch, written into inner, wrapped into one compressed
 * message appended to out (Kafka's wrapper: the last inner offset, the
 * batch's max timestamp and timestamp type, a null key). */
static int wr_wrapper(sk_wr_t *out, const down_t *d, int codec, const sk_wr_t *inner)
{
    size_t start = out->len;
    int attrs = codec | (d->magic == 1 && d->log_append ? SK_MSGSET_ATTR_LOG_APPEND_TIME : 0);
    size_t size_at = wr_msg_head(out, d->last, d->magic, attrs, d->max_ts);
    sk_wr_i32(out, -1); /* key */
    size_t len_at = sk_wr_reserve_i32(out);
    int rc = sk_compress(codec, inner->buf, inner->len, out);
    if (rc != SK_OK) {
        out->len = start;
        return rc;
    }
    sk_wr_patch_i32(out, len_at, (int32_t)(out->len - len_at - 4));
    wr_msg_end(out, size_at);
    return SK_OK;
}

int sk_msgset_from_batches(const uint8_t *in, size_t len, int magic, int64_t first_offset,
                           sk_wr_t *out)
{
    size_t off = 0;
    sk_wr_t expanded, inner;
    sk_wr_init(&expanded);
    sk_wr_init(&inner);
    int rc = SK_OK;
    while (off < len) {
        ssize_t n = sk_batch_next(in + off, len - off);
        if (n == 0)
            break; /* a partial batch at the end of the fetched range */
        sk_batch_info_t h;
        if (n < 0 || sk_batch_parse_header(in + off, (size_t)n, &h) != SK_OK) {
            rc = SK_EPARSE;
            break;
        }
        const uint8_t *batch = in + off;
        size_t blen = (size_t)n;
        off += (size_t)n;
        if (h.attributes & SK_BATCH_ATTR_CONTROL)
            continue; /* transaction markers: old clients know none */
        if (sk_batch_last_offset(&h) < first_offset)
            continue;
        int codec = down_codec(sk_batch_compression(&h), magic);
        if (sk_batch_compression(&h) != SK_COMPRESSION_NONE) {
            rc = sk_batch_expand(batch, blen, SK_MSGSET_MAX_INFLATED, &expanded);
            if (rc != SK_OK)
                break;
            batch = expanded.buf;
            blen = expanded.len;
        }
        inner.len = 0;
        down_t d = {codec != SK_COMPRESSION_NONE ? &inner : out, magic, first_offset,
                    (h.attributes & SK_BATCH_ATTR_LOG_APPEND_TIME) != 0, h.max_timestamp,
                    codec != SK_COMPRESSION_NONE && magic == 1, 0, 0, 0};
        rc = sk_batch_foreach_record(batch, blen, down_record, &d);
        if (rc != SK_OK) {
            rc = SK_EPARSE;
            break;
        }
        if (codec != SK_COMPRESSION_NONE && d.count > 0 &&
            (rc = wr_wrapper(out, &d, codec, &inner)) != SK_OK)
            break;
    }
    sk_wr_free(&inner);
    sk_wr_free(&expanded);
    return rc;
}

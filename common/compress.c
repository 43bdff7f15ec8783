/* compress.c - gzip, snappy, lz4 and zstd for record batches (see compress.h).
 *
 * Every decoder writes straight into the caller's sk_wr_t, a piece at a
 * time, and asks each library for at most one byte more than the budget
 * left: producing that byte is how "the output would exceed max_out" shows
 * up. No size read from the input is used to allocate before it has been
 * checked against the budget.
 */
#include "compress.h"

#define ZLIB_CONST
#include <limits.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "kerr.h"
#include "recbatch.h"

/* Output is produced in pieces of at most this many bytes. */
#define CHUNK (64u * 1024u)
/* snappy-java's block size: input bytes per xerial block when writing. */
#define XERIAL_BLOCK (32u * 1024u)
#define XERIAL_HDR 16
/* zstd windows the decoder always accepts (8 MiB: what zstd picks for
 * streams of unknown size up to level 19) and never beyond (128 MiB, the
 * library's own default limit). */
#define ZSTD_WLOG_FLOOR 23
#define ZSTD_WLOG_CEIL 27

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

/* How much to ask a decoder for next: one byte over the budget left, so
 * that crossing it is seen, and never more than CHUNK. */
static size_t next_piece(size_t produced, size_t max_out)
{
    size_t left = max_out - produced;
    return left < CHUNK ? left + 1 : CHUNK;
}

/* gzip or zlib (windowBits 15 + 32 detects either); members may follow
 * each other, as gzip(1) and Java's GZIPInputStream allow, but anything
 * after the last one that is not another member is corrupt. */
static int gunzip(const uint8_t *in, size_t len, size_t max_out, sk_wr_t *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return SK_EIO;
    size_t pos = 0, produced = 0;
    int rc = SK_OK;
    for (;;) {
        if (zs.avail_in == 0 && pos < len) {
            size_t n = len - pos < UINT_MAX ? len - pos : UINT_MAX;
            zs.next_in = in + pos;
            zs.avail_in = (uInt)n;
            pos += n;
        }
        size_t want = next_piece(produced, max_out);
        zs.next_out = sk_wr_reserve(out, want);
        zs.avail_out = (uInt)want;
        int zr = inflate(&zs, Z_NO_FLUSH);
        size_t got = want - zs.avail_out;
        out->len += got;
        produced += got;
        if (produced > max_out) {
            rc = SK_ETOOBIG;
            break;
        }
        if (zr == Z_STREAM_END) {
            if (zs.avail_in == 0 && pos == len)
                break;
            if (inflateReset(&zs) != Z_OK) {
                rc = SK_EIO;
                break;
            }
            continue;
        }
        if (zr == Z_OK)
            continue;
        /* Z_BUF_ERROR with room to write: the input ran out mid-stream */
        rc = zr == Z_MEM_ERROR ? SK_EIO : SK_EPARSE;
        break;
    }
    inflateEnd(&zs);
    return rc;
}

/* One raw snappy block; its stated length is checked against the budget
 * before any room is made for it. */
static int unsnappy_block(const uint8_t *in, size_t len, size_t max_out, size_t *produced,
                          sk_wr_t *out)
{
    size_t n;
    if (len == 0 || snappy_uncompressed_length((const char *)in, len, &n) != SNAPPY_OK)
        return SK_EPARSE;
    if (n > max_out - *produced)
        return SK_ETOOBIG;
    uint8_t *p = sk_wr_reserve(out, n);
    if (snappy_uncompress((const char *)in, len, (char *)p, &n) != SNAPPY_OK)
        return SK_EPARSE;
    out->len += n;
    *produced += n;
    return SK_OK;
}

/* xerial framing when the magic is there, else one raw block. No raw
 * block can start with the magic or be a piece of it (0x82 0x53 is a
 * length of 10626, then 'N' would be a copy with nothing yet to copy
 * from), so the check is unambiguous, and a cut-off header is corrupt
 * rather than a raw block stating a large size. The version fields are not
 * checked, as librdkafka does not. */
static int unsnappy(const uint8_t *in, size_t len, size_t max_out, sk_wr_t *out)
{
    size_t produced = 0;
    size_t m = len < sizeof(xerial_magic) ? len : sizeof(xerial_magic);
    if (memcmp(in, xerial_magic, m) != 0)
        return unsnappy_block(in, len, max_out, &produced, out);
    if (len < XERIAL_HDR)
        return SK_EPARSE;
    size_t pos = XERIAL_HDR;
    while (pos < len) {
        if (len - pos < 4)
            return SK_EPARSE;
        uint32_t blen = sk_be32(in + pos);
        pos += 4;
        if (blen > len - pos)
            return SK_EPARSE;
        int rc = unsnappy_block(in + pos, blen, max_out, &produced, out);
        if (rc != SK_OK)
            return rc;
        pos += blen;
    }
    return SK_OK;
}

/* LZ4 frames, one after another (a finished frame leaves the context
 * ready for the next). The decoder keeps its own copy of the history, so
 * the output may move between calls. */
static int unlz4(const uint8_t *in, size_t len, size_t max_out, sk_wr_t *out)
{
    LZ4F_dctx *dctx;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
        return SK_EIO;
    size_t pos = 0, produced = 0, hint = 1;
    int rc = SK_OK, full = 0;
    while (pos < len || full) {
        size_t want = next_piece(produced, max_out);
        size_t got = want, used = len - pos;
        size_t r = LZ4F_decompress(dctx, sk_wr_reserve(out, want), &got, in + pos, &used, NULL);
        if (LZ4F_isError(r)) {
            rc = SK_EPARSE;
            break;
        }
        /* a call that moved nothing only says what the next frame needs */
        if (used == 0 && got == 0)
            break;
        hint = r;
        pos += used;
        out->len += got;
        produced += got;
        if (produced > max_out) {
            rc = SK_ETOOBIG;
            break;
        }
        full = got == want; /* more may be waiting inside the decoder */
    }
    /* input gone with a frame still open, or no frame at all */
    if (rc == SK_OK && (hint != 0 || len == 0))
        rc = SK_EPARSE;
    LZ4F_freeDecompressionContext(dctx);
    return rc;
}

/* Smallest window log covering n bytes, kept within the zstd limits above. */
static int zstd_wlog(size_t n)
{
    int lg = ZSTD_WLOG_FLOOR;
    while (lg < ZSTD_WLOG_CEIL && ((size_t)1 << lg) < n)
        lg++;
    return lg;
}

/* zstd frames, one after another, sizes known or not. The decoder's window
 * buffer is sized from the frame header, so frames asking for more than
 * the budget could need (but at least 8 MiB, see zstd_wlog) are refused. */
static int unzstd(const uint8_t *in, size_t len, size_t max_out, sk_wr_t *out)
{
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    if (!dctx)
        return SK_EIO;
    if (ZSTD_isError(ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, zstd_wlog(max_out)))) {
        ZSTD_freeDCtx(dctx);
        return SK_EIO;
    }
    ZSTD_inBuffer ib = {in, len, 0};
    size_t produced = 0, hint = 1;
    int rc = SK_OK;
    for (;;) {
        size_t want = next_piece(produced, max_out);
        ZSTD_outBuffer ob = {sk_wr_reserve(out, want), want, 0};
        size_t before = ib.pos;
        size_t r = ZSTD_decompressStream(dctx, &ob, &ib);
        if (ZSTD_isError(r)) {
            ZSTD_ErrorCode e = ZSTD_getErrorCode(r);
            rc = e == ZSTD_error_frameParameter_windowTooLarge ? SK_ETOOBIG :
                 e == ZSTD_error_memory_allocation ? SK_EIO : SK_EPARSE;
            break;
        }
        /* a call that moved nothing only says what the next frame needs */
        if (ib.pos == before && ob.pos == 0)
            break;
        hint = r;
        out->len += ob.pos;
        produced += ob.pos;
        if (produced > max_out) {
            rc = SK_ETOOBIG;
            break;
        }
        /* all input read and the decoder had no more to give */
        if (ib.pos == ib.size && ob.pos < ob.size)
            break;
    }
    if (rc == SK_OK && hint != 0)
        rc = SK_EPARSE; /* truncated frame, or no frame */
    ZSTD_freeDCtx(dctx);
    return rc;
}

int sk_decompress(int codec, const uint8_t *in, size_t len, size_t max_out, sk_wr_t *out)
{
    size_t start = out->len;
    int rc;
    if (!in)
        in = (const uint8_t *)"";
    if (len == 0 && codec >= SK_COMPRESSION_GZIP && codec <= SK_COMPRESSION_ZSTD)
        return SK_EPARSE; /* no codec's stream is empty */
    switch (codec) {
    case SK_COMPRESSION_GZIP:
        rc = gunzip(in, len, max_out, out);
        break;
    case SK_COMPRESSION_SNAPPY:
        rc = unsnappy(in, len, max_out, out);
        break;
    case SK_COMPRESSION_LZ4:
        rc = unlz4(in, len, max_out, out);
        break;
    case SK_COMPRESSION_ZSTD:
        rc = unzstd(in, len, max_out, out);
        break;
    default:
        return SK_EINVAL;
    }
    if (rc != SK_OK)
        out->len = start;
    return rc;
}

/* A gzip stream (windowBits 15 + 16 writes the gzip header), level 6. */
static int gzip(const uint8_t *in, size_t len, sk_wr_t *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return SK_EIO;
    size_t pos = 0;
    int rc = SK_OK;
    for (;;) {
        if (zs.avail_in == 0 && pos < len) {
            size_t n = len - pos < UINT_MAX ? len - pos : UINT_MAX;
            zs.next_in = in + pos;
            zs.avail_in = (uInt)n;
            pos += n;
        }
        zs.next_out = sk_wr_reserve(out, CHUNK);
        zs.avail_out = CHUNK;
        int zr = deflate(&zs, pos == len ? Z_FINISH : Z_NO_FLUSH);
        out->len += CHUNK - zs.avail_out;
        if (zr == Z_STREAM_END)
            break;
        if (zr != Z_OK) {
            rc = SK_EIO;
            break;
        }
    }
    deflateEnd(&zs);
    return rc;
}

/* snappy-java's stream: the header, then each XERIAL_BLOCK of input as
 * [int32 compressed length][raw snappy block]. Empty input is the header. */
static int snappy_xerial(const uint8_t *in, size_t len, sk_wr_t *out)
{
    uint8_t hdr[XERIAL_HDR];
    memcpy(hdr, xerial_magic, sizeof(xerial_magic));
    sk_put_be32(hdr + 8, 1);  /* version */
    sk_put_be32(hdr + 12, 1); /* compatible version */
    sk_wr_raw(out, hdr, sizeof(hdr));
    for (size_t pos = 0; pos < len;) {
        size_t n = len - pos < XERIAL_BLOCK ? len - pos : XERIAL_BLOCK;
        size_t clen = snappy_max_compressed_length(n);
        uint8_t *p = sk_wr_reserve(out, 4 + clen);
        if (snappy_compress((const char *)in + pos, n, (char *)p + 4, &clen) != SNAPPY_OK ||
            clen > INT32_MAX)
            return SK_EIO;
        sk_put_be32(p, (uint32_t)clen);
        out->len += 4 + clen;
        pos += n;
    }
    return SK_OK;
}

/* One LZ4 frame. Independent blocks and no content checksum, as Kafka's
 * Java client writes them (its reader refuses linked blocks); the default
 * block size is 64 KiB, which every Kafka reader accepts. */
static int lz4(const uint8_t *in, size_t len, sk_wr_t *out)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof(prefs));
    prefs.frameInfo.blockSizeID = LZ4F_default;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
    size_t bound = LZ4F_compressFrameBound(len, &prefs);
    size_t n = LZ4F_compressFrame(sk_wr_reserve(out, bound), bound, in, len, &prefs);
    if (LZ4F_isError(n))
        return SK_EIO;
    out->len += n;
    return SK_OK;
}

/* One zstd frame, level 3, content size in the header. */
static int zstd(const uint8_t *in, size_t len, sk_wr_t *out)
{
    size_t bound = ZSTD_compressBound(len);
    if (ZSTD_isError(bound))
        return SK_EIO;
    size_t n = ZSTD_compress(sk_wr_reserve(out, bound), bound, in, len, 3);
    if (ZSTD_isError(n))
        return SK_EIO;
    out->len += n;
    return SK_OK;
}

int sk_compress(int codec, const uint8_t *in, size_t len, sk_wr_t *out)
{
    size_t start = out->len;
    int rc;
    if (!in)
        in = (const uint8_t *)"";
    switch (codec) {
    case SK_COMPRESSION_GZIP:
        rc = gzip(in, len, out);
        break;
    case SK_COMPRESSION_SNAPPY:
        rc = snappy_xerial(in, len, out);
        break;
    case SK_COMPRESSION_LZ4:
        rc = lz4(in, len, out);
        break;
    case SK_COMPRESSION_ZSTD:
        rc = zstd(in, len, out);
        break;
    default:
        return SK_EINVAL;
    }
    if (rc != SK_OK)
        out->len = start;
    return rc;
}

int sk_batch_expand(const uint8_t *batch, size_t len, size_t max_records, sk_wr_t *out)
{
    sk_batch_info_t b;
    sk_wr_reset(out);
    if (len < SK_BATCH_HEADER_SIZE || sk_batch_parse_header(batch, len, &b) != SK_OK ||
        sk_batch_compression(&b) == SK_COMPRESSION_NONE)
        return SK_EINVAL;
    sk_wr_raw(out, batch, SK_BATCH_HEADER_SIZE);
    int rc = sk_decompress(sk_batch_compression(&b), batch + SK_BATCH_HEADER_SIZE,
                           len - SK_BATCH_HEADER_SIZE, max_records, out);
    if (rc != SK_OK)
        return rc;
    if (out->len - SK_BATCH_LOG_OVERHEAD > INT32_MAX)
        return SK_ETOOBIG;
    uint16_t attr = (uint16_t)(b.attributes & ~SK_BATCH_ATTR_COMPRESSION_MASK);
    sk_put_be16(out->buf + SK_BATCH_OFF_ATTRIBUTES, attr);
    sk_put_be32(out->buf + SK_BATCH_OFF_LENGTH, (uint32_t)(out->len - SK_BATCH_LOG_OVERHEAD));
    return SK_OK;
}

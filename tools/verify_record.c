/* verify_record.c - skein-verify's record payload (see verify_record.h). */
#include "verify_record.h"

#include <string.h>

#include "crc32c.h"
#include "kerr.h"

/* Field positions in the layout "skv1 RRRRRRRRRRRRRRRR PPPPP SSSSSSSSSSSS TTTTTTTTTTTTTTTT ". */
enum {
    POS_RUN = 5,
    LEN_RUN = 16,
    POS_PRODUCER = 22,
    LEN_PRODUCER = 5,
    POS_SEQ = 28,
    LEN_SEQ = 12,
    POS_TS = 41,
    LEN_TS = 16,
    POS_PAD = 58,
    LEN_CRC = 8,
};

static const char hexdig[] = "0123456789abcdef";

static void put_dec(char *dst, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        dst[i] = (char)('0' + (int)(v % 10));
        v /= 10;
    }
}

static void put_hex(char *dst, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        dst[i] = hexdig[v & 0xF];
        v >>= 4;
    }
}

/* 0 and the value, or -1 if a byte is not a decimal digit. */
static int get_dec(const char *src, int width, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < width; i++) {
        if (src[i] < '0' || src[i] > '9')
            return -1;
        v = v * 10 + (src[i] - '0');
    }
    *out = v;
    return 0;
}

/* Lowercase hex only, so that every value has exactly one spelling. */
static int get_hex(const char *src, int width, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < width; i++) {
        char c = src[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else
            return -1;
        v = (v << 4) | (uint64_t)d;
    }
    *out = v;
    return 0;
}

static char pad_char(int64_t seq, size_t i)
{
    return (char)('a' + (int)(((uint64_t)seq + i) % 26u));
}

int sk_vrec_encode(const sk_vrec_t *r, char *buf, size_t len)
{
    if (len < SK_VREC_MIN_SIZE || r->producer < 0 || r->producer > SK_VREC_MAX_PRODUCER ||
        r->seq < 0 || r->seq > SK_VREC_MAX_SEQ || r->ts_us < 0 || r->ts_us > 9999999999999999LL)
        return SK_EINVAL;
    memcpy(buf, "skv1 ", 5);
    put_hex(buf + POS_RUN, r->run, LEN_RUN);
    buf[POS_RUN + LEN_RUN] = ' ';
    put_dec(buf + POS_PRODUCER, r->producer, LEN_PRODUCER);
    buf[POS_PRODUCER + LEN_PRODUCER] = ' ';
    put_dec(buf + POS_SEQ, r->seq, LEN_SEQ);
    buf[POS_SEQ + LEN_SEQ] = ' ';
    put_dec(buf + POS_TS, r->ts_us, LEN_TS);
    buf[POS_TS + LEN_TS] = ' ';
    size_t crc_at = len - LEN_CRC;
    for (size_t i = POS_PAD; i < crc_at; i++)
        buf[i] = pad_char(r->seq, i - POS_PAD);
    put_hex(buf + crc_at, sk_crc32c(0, buf, crc_at), LEN_CRC);
    return SK_OK;
}

sk_vrec_status_t sk_vrec_parse(const void *p, size_t len, sk_vrec_t *out)
{
    const char *b = p;
    sk_vrec_t r;
    memset(out, 0, sizeof(*out));
    if (!p || len < SK_VREC_MIN_SIZE || memcmp(b, "skv1 ", 5) != 0 ||
        b[POS_RUN + LEN_RUN] != ' ' || b[POS_PRODUCER + LEN_PRODUCER] != ' ' ||
        b[POS_SEQ + LEN_SEQ] != ' ' || b[POS_TS + LEN_TS] != ' ')
        return SK_VREC_MALFORMED;
    int64_t producer;
    uint64_t crc;
    if (get_hex(b + POS_RUN, LEN_RUN, &r.run) != 0 ||
        get_dec(b + POS_PRODUCER, LEN_PRODUCER, &producer) != 0 ||
        get_dec(b + POS_SEQ, LEN_SEQ, &r.seq) != 0 || get_dec(b + POS_TS, LEN_TS, &r.ts_us) != 0 ||
        get_hex(b + len - LEN_CRC, LEN_CRC, &crc) != 0)
        return SK_VREC_MALFORMED;
    r.producer = (int32_t)producer;
    size_t crc_at = len - LEN_CRC;
    if ((uint32_t)crc != sk_crc32c(0, b, crc_at)) {
        *out = r;
        return SK_VREC_BADSUM;
    }
    /* The checksum matches, so a wrong filler was written that way on purpose. */
    for (size_t i = POS_PAD; i < crc_at; i++)
        if (b[i] != pad_char(r.seq, i - POS_PAD))
            return SK_VREC_MALFORMED;
    *out = r;
    return SK_VREC_OK;
}

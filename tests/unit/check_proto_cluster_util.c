/* check_proto_cluster_util.c - see check_proto_cluster_util.h. */
#include "check_proto_cluster_util.h"

#include "kerr.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t tu_hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ' || *s == '\n' || *s == '|') {
            s++;
            continue;
        }
        unsigned v;
        ck_assert_msg(sscanf(s, "%2x", &v) == 1 && s[1], "bad hex at '%s'", s);
        ck_assert_uint_lt(n, cap);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

int tu_decode(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v, sk_arena_t *a,
              void *out)
{
    sk_rd_t r;
    sk_rd_init(&r, buf, len);
    int rc = c->dec(&r, v, a, out);
    if (rc == SK_OK && sk_rd_remaining(&r) != 0)
        return 99;
    return rc;
}

int tu_decode_hex(const tu_codec_t *c, const char *hexs, int16_t v, sk_arena_t *a, void *out)
{
    size_t cap = strlen(hexs) / 2 + 1;
    uint8_t *b = sk_arena_alloc(a, cap); /* must outlive out's string views */
    size_t n = tu_hex(hexs, b, cap);
    return tu_decode(c, b, n, v, a, out);
}

void tu_assert_encodes(const tu_codec_t *c, int16_t v, const void *in, const char *hexs)
{
    size_t cap = strlen(hexs) / 2 + 1;
    uint8_t *want = malloc(cap);
    size_t n = tu_hex(hexs, want, cap);
    sk_wr_t w;
    sk_wr_init(&w);
    int rc = c->enc(&w, v, in);
    ck_assert_msg(rc == SK_OK, "%s v%d: encode failed (%d)", c->name, v, rc);
    if (w.len != n || memcmp(w.buf, want, n) != 0) {
        fprintf(stderr, "%s v%d: got ", c->name, v);
        for (size_t i = 0; i < w.len; i++)
            fprintf(stderr, "%02x", w.buf[i]);
        fprintf(stderr, "\n");
    }
    ck_assert_msg(w.len == n, "%s v%d: encoded %zu bytes, want %zu", c->name, v, w.len, n);
    ck_assert_msg(memcmp(w.buf, want, n) == 0, "%s v%d: bytes differ", c->name, v);
    sk_wr_free(&w);
    free(want);
}

void tu_check_trunc(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v)
{
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        if (cut)
            memcpy(copy, buf, cut);
        void *out = calloc(1, c->size);
        sk_arena_t *a = sk_arena_new(256);
        sk_rd_t r;
        sk_rd_init(&r, copy, cut);
        int rc = c->dec(&r, v, a, out);
        if (cut < len) {
            ck_assert_msg(rc == SK_EPARSE, "%s v%d: prefix %zu of %zu decoded (rc %d)", c->name,
                          v, cut, len, rc);
        } else {
            ck_assert_msg(rc == SK_OK, "%s v%d: full message failed (rc %d)", c->name, v, rc);
            ck_assert_uint_eq(sk_rd_remaining(&r), 0);
        }
        sk_arena_free(a);
        free(out);
        free(copy);
    }
}

/* Decode buf, encode the result; returns the encoder's bytes (caller
 * frees) or NULL if buf did not decode. Asserts the encoder accepts
 * anything the decoder produced. */
static uint8_t *reencode(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v,
                         size_t *outlen)
{
    void *out = calloc(1, c->size);
    sk_arena_t *a = sk_arena_new(256);
    uint8_t *res = NULL;
    if (tu_decode(c, buf, len, v, a, out) == SK_OK) {
        sk_wr_t w;
        sk_wr_init(&w);
        int rc = c->enc(&w, v, out);
        ck_assert_msg(rc == SK_OK, "%s v%d: decoded message does not re-encode (%d)", c->name,
                      v, rc);
        res = sk_wr_steal(&w, outlen);
        if (!res)
            res = malloc(1); /* empty body */
    }
    sk_arena_free(a);
    free(out);
    return res;
}

void tu_check_fixpoint(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v)
{
    size_t n = 0;
    uint8_t *again = reencode(c, buf, len, v, &n);
    ck_assert_msg(again != NULL, "%s v%d: does not decode", c->name, v);
    ck_assert_msg(n == len && memcmp(again, buf, len) == 0,
                  "%s v%d: re-encoding differs (%zu vs %zu bytes)", c->name, v, n, len);
    free(again);
}

void tu_check_mutations(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff};
    uint8_t *copy = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof(vals); k++) {
            memcpy(copy, buf, len);
            copy[i] = vals[k];
            void *out = calloc(1, c->size);
            sk_arena_t *a = sk_arena_new(256);
            sk_rd_t r;
            sk_rd_init(&r, copy, len);
            int rc = c->dec(&r, v, a, out);
            ck_assert_msg(rc == SK_OK || rc == SK_EPARSE, "%s v%d: rc %d", c->name, v, rc);
            sk_arena_free(a);
            free(out);
            if (rc != SK_OK)
                continue;
            /* A prefix may decode (trailing bytes are the caller's concern):
             * the fixpoint is checked on the re-encoding. */
            size_t n1 = 0, n2 = 0;
            uint8_t *e1 = reencode(c, copy, (size_t)(r.p - copy), v, &n1);
            ck_assert_ptr_nonnull(e1);
            uint8_t *e2 = reencode(c, e1, n1, v, &n2);
            ck_assert_msg(e2 && n1 == n2 && memcmp(e1, e2, n1) == 0,
                          "%s v%d: no fixpoint after byte %zu = %02x", c->name, v, i, vals[k]);
            free(e1);
            free(e2);
        }
    }
    free(copy);
}

void tu_check_all(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v)
{
    tu_check_fixpoint(c, buf, len, v);
    tu_check_trunc(c, buf, len, v);
    tu_check_mutations(c, buf, len, v);
}

void tu_check_bad_versions(const tu_codec_t *c, int16_t min, int16_t max)
{
    const int16_t bad[] = {(int16_t)(min - 1), (int16_t)(max + 1), -1, INT16_MAX, INT16_MIN};
    uint8_t b[64] = {0};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (bad[i] >= min && bad[i] <= max)
            continue;
        void *st = calloc(1, c->size);
        sk_arena_t *a = sk_arena_new(0);
        sk_rd_t r;
        sk_rd_init(&r, b, sizeof(b));
        ck_assert_msg(c->dec(&r, bad[i], a, st) == SK_EINVAL, "%s: v%d decoded", c->name, bad[i]);
        ck_assert_uint_eq(sk_rd_remaining(&r), sizeof(b));
        memset(st, 0, c->size);
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_msg(c->enc(&w, bad[i], st) == SK_EINVAL, "%s: v%d encoded", c->name, bad[i]);
        ck_assert_uint_eq(w.len, 0);
        sk_wr_free(&w);
        sk_arena_free(a);
        free(st);
    }
}

void tu_assert_str(sk_str_t s, const char *want)
{
    if (!want) {
        ck_assert_msg(s.len == -1, "want null, got len %d", s.len);
        return;
    }
    ck_assert_msg(sk_str_eq(s, want), "got '%.*s' want '%s'", s.len < 0 ? 4 : s.len,
                  s.len < 0 ? "null" : s.p, want);
}

void tu_assert_i32s(const int32_t *got, int32_t cnt, const int32_t *want, int32_t wcnt)
{
    ck_assert_int_eq(cnt, wcnt);
    for (int32_t i = 0; i < cnt; i++)
        ck_assert_int_eq(got[i], want[i]);
}

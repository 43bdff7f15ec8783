/* check_proto_group_util.h - helpers for the check_proto_group* tests, on
 * top of check_proto_cluster_util.h. Header-only (static functions), one
 * copy per test program.
 */
#ifndef CHECK_PROTO_GROUP_UTIL_H
#define CHECK_PROTO_GROUP_UTIL_H
#include "check_proto_cluster_util.h"
#include "kerr.h"

#include <check.h>
#include <string.h>

/* Decode hex with c at v (it must decode and be consumed exactly), run the
 * truncation / mutation / fixpoint sweeps, and hand back the decoded struct
 * (arena-backed; the bytes live in a). */
static inline void *tg_decode_checked(const tu_codec_t *c, const char *hexs, int16_t v,
                                      sk_arena_t *a)
{
    size_t cap = strlen(hexs) / 2 + 1;
    uint8_t *b = sk_arena_alloc(a, cap);
    size_t n = tu_hex(hexs, b, cap);
    void *out = sk_arena_calloc(a, 1, c->size);
    ck_assert_msg(tu_decode(c, b, n, v, a, out) == SK_OK, "%s v%d does not decode", c->name, v);
    tu_check_all(c, b, n, v);
    return out;
}

/* Encode in at v, check the bytes, then decode them with the sweeps. */
static inline void *tg_both(const tu_codec_t *c, int16_t v, const void *in, const char *hexs,
                            sk_arena_t *a)
{
    if (*hexs) {
        tu_assert_encodes(c, v, in, hexs);
    } else { /* empty body: compare lengths only (memcmp of NULL is UB) */
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(c->enc(&w, v, in), SK_OK);
        ck_assert_uint_eq(w.len, 0);
        sk_wr_free(&w);
    }
    return tg_decode_checked(c, hexs, v, a);
}

/* Every hex case fails to decode at v with SK_EPARSE. */
static inline void tg_parse_fail(const tu_codec_t *c, int16_t v, const char *const *cases,
                                 size_t n)
{
    sk_arena_t *a = sk_arena_new(0);
    for (size_t i = 0; i < n; i++) {
        void *out = sk_arena_calloc(a, 1, c->size);
        ck_assert_msg(tu_decode_hex(c, cases[i], v, a, out) == SK_EPARSE, "%s v%d case %zu",
                      c->name, v, i);
    }
    sk_arena_free(a);
}

/* The encoder refuses in at v with SK_EINVAL and writes nothing (also
 * after earlier bytes in w: they stay as they were). */
static inline void tg_enc_fails(const tu_codec_t *c, int16_t v, const void *in)
{
    sk_wr_t w;
    sk_wr_init(&w);
    sk_wr_i32(&w, 0x5a5a5a5a);
    ck_assert_msg(c->enc(&w, v, in) == SK_EINVAL, "%s v%d: encoded", c->name, v);
    ck_assert_uint_eq(w.len, 4);
    ck_assert_uint_eq(sk_be32(w.buf), 0x5a5a5a5a);
    sk_wr_free(&w);
}

#define TG_N(arr) (sizeof(arr) / sizeof((arr)[0]))

#endif

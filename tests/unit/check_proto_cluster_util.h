/* check_proto_cluster_util.h - helpers shared by the check_proto_cluster*
 * unit tests: hex input, decode/encode wrappers, and the sweeps every codec
 * goes through (truncation at every byte, byte mutations with an
 * encode/decode fixpoint, out-of-range versions).
 */
#ifndef CHECK_PROTO_CLUSTER_UTIL_H
#define CHECK_PROTO_CLUSTER_UTIL_H
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

typedef int (*tu_dec_fn)(sk_rd_t *r, int16_t v, sk_arena_t *a, void *out);
typedef int (*tu_enc_fn)(sk_wr_t *w, int16_t v, const void *in);

/* One direction of one API: its decoder, encoder and struct size. */
typedef struct tu_codec {
    const char *name;
    tu_dec_fn dec;
    tu_enc_fn enc;
    size_t size;
} tu_codec_t;

/* Defines tu_codec_t <name>_codec around sk_<name>_decode / _encode. */
#define TU_CODEC(name, type)                                                    \
    static int tu_dec_##name(sk_rd_t *r, int16_t v, sk_arena_t *a, void *out)   \
    {                                                                           \
        return sk_##name##_decode(r, v, a, (type *)out);                        \
    }                                                                           \
    static int tu_enc_##name(sk_wr_t *w, int16_t v, const void *in)             \
    {                                                                           \
        return sk_##name##_encode(w, v, (const type *)in);                      \
    }                                                                           \
    static const tu_codec_t name##_codec = {#name, tu_dec_##name, tu_enc_##name, \
                                            sizeof(type)}

/* "00 01 ff" -> bytes (spaces, newlines and '|' ignored); returns the length. */
size_t tu_hex(const char *s, uint8_t *out, size_t cap);

/* Decode buf with c at v into out (c->size bytes). Returns the decoder's
 * result, or 99 if it returned SK_OK without consuming every byte. */
int tu_decode(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v, sk_arena_t *a,
              void *out);
/* Decode hex text; same results as tu_decode. */
int tu_decode_hex(const tu_codec_t *c, const char *hexs, int16_t v, sk_arena_t *a, void *out);

/* Encode in with c at v and assert the bytes equal the hex text. */
void tu_assert_encodes(const tu_codec_t *c, int16_t v, const void *in, const char *hexs);

/* Every strict prefix of buf fails with SK_EPARSE (each decoded from an
 * exact-size heap copy, so ASan sees any over-read); the whole decodes and
 * is consumed exactly. */
void tu_check_trunc(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v);

/* buf decodes, and encoding the result gives buf again. */
void tu_check_fixpoint(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v);

/* Set every byte of buf to each of several values in turn: the decoder
 * returns SK_OK or SK_EPARSE, and whatever decodes re-encodes (SK_OK) to
 * bytes that decode to the same encoding again. */
void tu_check_mutations(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v);

/* All of the above for one valid message. */
void tu_check_all(const tu_codec_t *c, const uint8_t *buf, size_t len, int16_t v);

/* Versions min-1, max+1, -1 and INT16_MAX are refused with SK_EINVAL by the
 * decoder (nothing read) and the encoder (nothing written, given a zeroed
 * struct). */
void tu_check_bad_versions(const tu_codec_t *c, int16_t min, int16_t max);

void tu_assert_str(sk_str_t s, const char *want); /* want NULL = null */
void tu_assert_i32s(const int32_t *got, int32_t cnt, const int32_t *want, int32_t wcnt);

#endif

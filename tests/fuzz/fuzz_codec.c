/* fuzz_codec.c - libFuzzer target for the generated decoders (every message
 * of common/schema/apis.schema through common/msgcodec.c).
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_codec` or scripts/fuzz.sh fuzz_codec. Seeds:
 * tests/fuzz/corpus/fuzz_codec/ (tests/fuzz/make_corpus.py: every API's
 * request and response at a few versions, encoded from Kafka's schemas).
 *
 * Input: byte 0 picks the API (its ApiKey when the table has it, else an
 * index into the table modulo its size, so that every byte picks one and
 * seeds keep their meaning as the table grows), byte 1 the version (modulo
 * the API's valid range), byte 2 request (even) or response (odd); the rest
 * is the message body. It is decoded into an arena and onto the heap (the
 * heap copy is freed: LeakSanitizer checks the release); whatever decodes
 * must encode, decode again to an equal struct, and re-encode to the same
 * bytes.
 */
#include "apis.h"
#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "msgcodec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const sk_api_t *api = sk_api_find(data[0]);
    if (!api)
        api = sk_api_at(data[0] % sk_api_count());
    int16_t span = (int16_t)(api->valid_max - api->valid_min + 1);
    int16_t v = (int16_t)(api->valid_min + data[1] % span);
    const sk_msgdesc_t *d = (data[2] & 1) ? api->resp : api->req;
    const uint8_t *body = data + 3;
    size_t len = size - 3;

    sk_arena_t *a = sk_arena_new(0);
    void *m = sk_arena_calloc(a, 1, d->size);
    void *m2 = sk_arena_calloc(a, 1, d->size);
    void *h = sk_arena_calloc(a, 1, d->size);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    int rc = sk_msg_decode(d, v, &r, a, m);
    sk_rd_init(&r, body, len);
    int rch = sk_msg_decode(d, v, &r, NULL, h);
    if (rc != rch)
        abort();
    if (rch == SK_OK) {
        if (!sk_msg_equal(d, m, h))
            abort();
        sk_msg_free(d, h);
    }
    if (rc == SK_OK) {
        sk_wr_t w1, w2;
        sk_wr_init(&w1);
        sk_wr_init(&w2);
        size_t sz = 0;
        if (sk_msg_encode(d, v, &w1, m) != SK_OK || sk_msg_size(d, v, m, &sz) != SK_OK ||
            sz != w1.len)
            abort();
        sk_rd_init(&r, w1.buf, w1.len);
        if (sk_msg_decode(d, v, &r, a, m2) != SK_OK || !sk_msg_equal(d, m, m2))
            abort();
        if (sk_msg_encode(d, v, &w2, m2) != SK_OK || w1.len != w2.len ||
            (w1.len && memcmp(w1.buf, w2.buf, w1.len) != 0))
            abort();
        sk_wr_free(&w1);
        sk_wr_free(&w2);
    }
    sk_arena_free(a);
    return 0;
}

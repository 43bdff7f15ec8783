/* fuzz_request.c - libFuzzer target for the request header and every API
 * codec (common/proto_*.c).
 *
 * Not built by automake. Build and run from the top of the source tree:
 *
 *   clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Icommon -I. -D_GNU_SOURCE tests/fuzz/fuzz_request.c \
 *       common/arena.c common/apis.c common/proto_hdr.c common/proto_apiversions.c \
 *       common/proto_metadata.c common/proto_produce.c common/proto_fetch.c \
 *       common/proto_listoffsets.c common/proto_createtopics.c \
 *       common/kbuf.c common/mem.c common/kerr.c \
 *       $(pkg-config --cflags --libs libevent_core) -o /tmp/fuzz_request
 *   mkdir -p /tmp/fuzz_request_corpus && cp tests/unit/data/[a-z]*.bin /tmp/fuzz_request_corpus/
 *   /tmp/fuzz_request -max_total_time=30 -max_len=4096 /tmp/fuzz_request_corpus
 *
 * Each input is one request frame without its size prefix (the format of
 * files in tests/unit/data/, which make a good seed corpus). The header is
 * decoded; for a key Skein implements the body is decoded with that API's
 * request decoder (at the frame's version, or, when that version is not
 * ours, at a version in our range picked from it) and then, from the same
 * bytes, with the response decoder. Beyond "no crash, no leak, no
 * over-read", whatever decodes must survive encode -> decode -> encode with
 * identical bytes the second time.
 */
#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apis.h"
#include "arena.h"
#include "kerr.h"
#include "proto_all.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* encode(decoded) must decode again and re-encode to the same bytes. */
#define FIXPOINT(name, type, ver, decoded)                                        \
    do {                                                                          \
        sk_wr_t w1, w2;                                                           \
        sk_wr_init(&w1);                                                          \
        sk_wr_init(&w2);                                                          \
        if (sk_##name##_encode(&w1, ver, decoded) == SK_OK) {                     \
            type again;                                                           \
            sk_rd_t r2;                                                           \
            sk_rd_init(&r2, w1.buf, w1.len);                                      \
            if (sk_##name##_decode(&r2, ver, a, &again) != SK_OK ||               \
                sk_rd_remaining(&r2) != 0)                                        \
                abort();                                                          \
            if (sk_##name##_encode(&w2, ver, &again) != SK_OK || w1.len != w2.len || \
                (w1.len && memcmp(w1.buf, w2.buf, w1.len) != 0))                  \
                abort();                                                          \
        }                                                                         \
        sk_wr_free(&w1);                                                          \
        sk_wr_free(&w2);                                                          \
    } while (0)

#define ROUND(name, type, ver, body, len)                                         \
    do {                                                                          \
        type out;                                                                 \
        sk_rd_t r;                                                                \
        sk_rd_init(&r, body, len);                                                \
        int rc = sk_##name##_decode(&r, ver, a, &out);                            \
        if (rc != SK_OK && rc != SK_EPARSE)                                       \
            abort();                                                              \
        if (rc == SK_OK)                                                          \
            FIXPOINT(name, type, ver, &out);                                      \
    } while (0)

/* Fetch responses encode into an evbuffer: pull the bytes up and compare. */
static void fetch_resp_round(const uint8_t *body, size_t len, int16_t ver, sk_arena_t *a)
{
    sk_fetch_resp_t out;
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    int rc = sk_fetch_resp_decode(&r, ver, a, &out);
    if (rc != SK_OK && rc != SK_EPARSE)
        abort();
    if (rc != SK_OK)
        return;
    struct evbuffer *e1 = evbuffer_new(), *e2 = evbuffer_new();
    if (sk_fetch_resp_encode(e1, ver, &out) != SK_OK)
        abort(); /* decoded records are always valid memory ranges */
    size_t n1 = evbuffer_get_length(e1);
    if ((int64_t)n1 != sk_fetch_resp_size(ver, &out))
        abort();
    uint8_t *b1 = malloc(n1 ? n1 : 1);
    evbuffer_copyout(e1, b1, n1);
    sk_fetch_resp_t again;
    sk_rd_init(&r, b1, n1);
    if (sk_fetch_resp_decode(&r, ver, a, &again) != SK_OK || sk_rd_remaining(&r) != 0)
        abort();
    if (sk_fetch_resp_encode(e2, ver, &again) != SK_OK || evbuffer_get_length(e2) != n1)
        abort();
    uint8_t *b2 = malloc(n1 ? n1 : 1);
    evbuffer_copyout(e2, b2, n1);
    if (n1 && memcmp(b1, b2, n1) != 0)
        abort();
    free(b1);
    free(b2);
    evbuffer_free(e1);
    evbuffer_free(e2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sk_rd_t r;
    sk_req_hdr_t h;
    sk_rd_init(&r, data, size);
    int rc = sk_req_hdr_decode(&r, &h);
    if (rc != SK_OK)
        return 0; /* SK_EPARSE or SK_ENOENT: the caller closes */
    const sk_api_t *api = sk_api_find(h.RequestApiKey);
    if (!api)
        abort(); /* SK_OK promises a known key */
    int16_t ver = h.RequestApiVersion;
    if (!sk_api_supported(h.RequestApiKey, ver)) {
        int span = api->max_ver - api->min_ver + 1;
        ver = (int16_t)(api->min_ver + ((ver % span) + span) % span);
    }
    const uint8_t *body = r.p;
    size_t len = sk_rd_remaining(&r);
    sk_arena_t *a = sk_arena_new(0);
    switch (h.RequestApiKey) {
    case SK_API_API_VERSIONS:
        ROUND(apiversions_req, sk_apiversions_req_t, ver, body, len);
        ROUND(apiversions_resp, sk_apiversions_resp_t, ver, body, len);
        break;
    case SK_API_METADATA:
        ROUND(metadata_req, sk_metadata_req_t, ver, body, len);
        ROUND(metadata_resp, sk_metadata_resp_t, ver, body, len);
        break;
    case SK_API_PRODUCE:
        ROUND(produce_req, sk_produce_req_t, ver, body, len);
        ROUND(produce_resp, sk_produce_resp_t, ver, body, len);
        break;
    case SK_API_FETCH:
        ROUND(fetch_req, sk_fetch_req_t, ver, body, len);
        fetch_resp_round(body, len, ver, a);
        break;
    case SK_API_LIST_OFFSETS:
        ROUND(listoffsets_req, sk_listoffsets_req_t, ver, body, len);
        ROUND(listoffsets_resp, sk_listoffsets_resp_t, ver, body, len);
        break;
    case SK_API_CREATE_TOPICS:
        ROUND(createtopics_req, sk_createtopics_req_t, ver, body, len);
        ROUND(createtopics_resp, sk_createtopics_resp_t, ver, body, len);
        break;
    default:
        abort(); /* a row in apis.c without a case here */
    }
    sk_arena_free(a);
    return 0;
}

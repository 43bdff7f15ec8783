/* fuzz_msgset.c - libFuzzer target for legacy message sets (magic 0/1):
 * Produce v0-2's conversion to a v2 batch and Fetch v0-3's down-conversion.
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_msgset` or scripts/fuzz.sh fuzz_msgset.
 * Seeds: tests/fuzz/corpus/fuzz_msgset/ (magic 0 and 1 sets, gzip
 * wrappers of both, v2 batches).
 *
 * The input is used three ways: as a message set as received (CRCs as
 * they are), with every entry's CRC fixed up so the fuzzer reaches the
 * parsing behind the checksum, and as v2 batches to down-convert. Whatever
 * converts must give a valid batch, and that batch down-converted and
 * converted again must give the same number of records.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "arena.h"
#include "compress.h"
#include "kbuf.h"
#include "kerr.h"
#include "msgset.h"
#include "recbatch.h"

/* Recomputes the CRC of every top-level entry whose size fits. */
static void fix_crcs(uint8_t *d, size_t len)
{
    size_t off = 0;
    while (len - off >= 12) {
        int32_t size = (int32_t)sk_be32(d + off + 8);
        if (size < 5 || (size_t)size > len - off - 12)
            return;
        uint8_t *body = d + off + 12;
        sk_put_be32(body, (uint32_t)crc32(0L, body + 4, (uInt)(size - 4)));
        off += 12 + (size_t)size;
    }
}

static int count_rec(const sk_record_t *rec, void *arg)
{
    (void)rec;
    (*(int32_t *)arg)++;
    return 0;
}

/* The records of one valid batch (inflated if need be); -1 if unreadable. */
static int32_t batch_records(const uint8_t *b, size_t len)
{
    sk_batch_info_t h;
    if (sk_batch_parse_header(b, len, &h) != SK_OK)
        return -1;
    int32_t n = 0;
    if (sk_batch_compression(&h) == SK_COMPRESSION_NONE)
        return sk_batch_foreach_record(b, len, count_rec, &n) == SK_OK ? n : -1;
    sk_wr_t x;
    sk_wr_init(&x);
    int rc = sk_batch_expand(b, len, SK_MSGSET_MAX_INFLATED, &x);
    if (rc == SK_OK)
        rc = sk_batch_foreach_record(x.buf, x.len, count_rec, &n);
    sk_wr_free(&x);
    return rc == SK_OK ? n : -1;
}

static void convert(const uint8_t *d, size_t len)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_wr_t out, down, again;
    sk_wr_init(&out);
    sk_wr_init(&down);
    sk_wr_init(&again);
    sk_msgset_result_t res;
    if (sk_msgset_to_batch(d, len, a, &out, &res) == SK_KERR_NONE) {
        if (sk_batch_validate(out.buf, out.len, NULL, 0) != SK_KERR_NONE)
            abort(); /* a converted set is a valid batch */
        int32_t n = batch_records(out.buf, out.len);
        if (n != res.count)
            abort();
        if (sk_msgset_from_batches(out.buf, out.len, 1, 0, &down) != SK_OK)
            abort();
        sk_msgset_result_t res2;
        if (sk_msgset_to_batch(down.buf, down.len, a, &again, &res2) != SK_KERR_NONE ||
            res2.count != n)
            abort(); /* down and up again: the same records */
    } else if (out.len != 0) {
        abort(); /* a refusal leaves nothing behind */
    }
    sk_wr_free(&out);
    sk_wr_free(&down);
    sk_wr_free(&again);
    sk_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    convert(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    fix_crcs(copy, size);
    convert(copy, size);
    free(copy);
    for (int magic = 0; magic <= 1; magic++) {
        sk_wr_t w;
        sk_wr_init(&w);
        (void)sk_msgset_from_batches(data, size, magic, size ? data[0] : 0, &w);
        sk_wr_free(&w);
    }
    return 0;
}

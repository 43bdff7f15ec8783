/* fuzz_compress.c - libFuzzer target for the batch compression codecs
 * (common/compress.c).
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_compress` or scripts/fuzz.sh fuzz_compress.
 * Seeds: tests/fuzz/corpus/fuzz_compress/ (gzip, lz4 and zstd made by the
 * real tools, snappy raw and xerial-framed).
 *
 * Each input is decompressed with every codec into a writer that already
 * holds a few bytes, with a small budget. Whatever the result: the prefix
 * is untouched, a failure is SK_EPARSE or SK_ETOOBIG and leaves the writer
 * as it was, a success stays within the budget, decodes the same twice, and
 * fails with SK_ETOOBIG when the budget is one byte short. The output of a
 * success, and the input itself, must then survive compress + decompress
 * with every codec. zlib, snappy, lz4 and zstd come from the system and
 * are not instrumented, hence the seeds made by the real tools (the vectors
 * of tests/unit/check_compress.c, snappy among them, are good seeds too).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compress.h"
#include "kerr.h"
#include "recbatch.h"

#define MAX_OUT (64u * 1024u)

static const uint8_t prefix[] = {'s', 'k', 'e', 'i', 'n'};

static void roundtrip(const uint8_t *p, size_t n)
{
    for (int codec = SK_COMPRESSION_GZIP; codec <= SK_COMPRESSION_ZSTD; codec++) {
        sk_wr_t c, d;
        sk_wr_init(&c);
        sk_wr_init(&d);
        if (sk_compress(codec, p, n, &c) != SK_OK)
            abort();
        if (sk_decompress(codec, c.buf, c.len, n, &d) != SK_OK || d.len != n ||
            (n && memcmp(d.buf, p, n) != 0))
            abort();
        sk_wr_free(&c);
        sk_wr_free(&d);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int codec = SK_COMPRESSION_GZIP; codec <= SK_COMPRESSION_ZSTD; codec++) {
        sk_wr_t w;
        sk_wr_init(&w);
        sk_wr_raw(&w, prefix, sizeof(prefix));
        int rc = sk_decompress(codec, data, size, MAX_OUT, &w);
        if (w.len < sizeof(prefix) || memcmp(w.buf, prefix, sizeof(prefix)) != 0)
            abort();
        if (rc != SK_OK) {
            if ((rc != SK_EPARSE && rc != SK_ETOOBIG) || w.len != sizeof(prefix))
                abort();
            sk_wr_free(&w);
            continue;
        }
        size_t n = w.len - sizeof(prefix);
        if (n > MAX_OUT)
            abort();
        /* same answer again, into a fresh writer */
        sk_wr_t again;
        sk_wr_init(&again);
        if (sk_decompress(codec, data, size, n, &again) != SK_OK || again.len != n ||
            (n && memcmp(again.buf, w.buf + sizeof(prefix), n) != 0))
            abort();
        if (n && (sk_decompress(codec, data, size, n - 1, &again) != SK_ETOOBIG || again.len != n))
            abort();
        sk_wr_free(&again);
        roundtrip(w.buf + sizeof(prefix), n);
        sk_wr_free(&w);
    }
    if (size <= 4096)
        roundtrip(data, size);
    return 0;
}

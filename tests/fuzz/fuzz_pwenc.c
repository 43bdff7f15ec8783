/* fuzz_pwenc.c - libFuzzer target for the decoder of Kafka's encoded
 * dynamic passwords (common/pwenc.c), which reads what /config/brokers/<id>
 * holds.
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_pwenc`. Seeds: tests/fuzz/corpus/fuzz_pwenc/
 * (written by tests/fuzz/make_corpus.py).
 *
 * The input is an encoded value, decoded with the seeds' secret. A value
 * that decodes must give a NUL-free password that encodes and decodes back
 * to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "pwenc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512], *clear = NULL;
    if (sk_pwenc_decode("skein-secret", (const char *)data, size, &clear, err, sizeof(err)) !=
        SK_OK) {
        check(clear == NULL && err[0] != '\0');
        return 0;
    }
    char *enc = NULL, *back = NULL;
    check(sk_pwenc_encode("skein-secret", clear, &enc, err, sizeof(err)) == SK_OK);
    check(sk_pwenc_decode("skein-secret", enc, strlen(enc), &back, err, sizeof(err)) == SK_OK);
    check(strcmp(back, clear) == 0);
    free(back);
    free(enc);
    free(clear);
    return 0;
}

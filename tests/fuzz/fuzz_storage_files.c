/* fuzz_storage_files.c - libFuzzer target for the text files of a log
 * directory: leader-epoch-checkpoint, partition.metadata, the offset
 * checkpoints and meta.properties.
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_storage_files` or scripts/fuzz.sh
 * fuzz_storage_files. Seeds: tests/fuzz/corpus/fuzz_storage_files/ (one of
 * each file).
 *
 * Every accepted input must survive format -> parse unchanged, and the
 * epoch cache operations must keep their invariants on whatever was parsed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/checkpoint.h"
#include "storage/epoch_cache.h"
#include "kerr.h"

static void check_epochs(const char *text, size_t len)
{
    char err[256];
    sk_epoch_cache_t *c = sk_epoch_cache_new(), *d = sk_epoch_cache_new();
    if (sk_epoch_cache_parse(c, text, len, err, sizeof(err)) == SK_OK) {
        size_t flen;
        char *f = sk_epoch_cache_format(c, &flen);
        if (sk_epoch_cache_parse(d, f, flen, err, sizeof(err)) != SK_OK ||
            !sk_epoch_cache_equal(c, d))
            abort();
        free(f);
        /* drive the cache with values taken from the input */
        int64_t leo = len * 7;
        for (size_t i = 0; i + 1 < len && i < 64; i += 2) {
            int32_t e = (int32_t)(uint8_t)text[i];
            int64_t o = (int64_t)(uint8_t)text[i + 1] * 3;
            int32_t oe;
            int64_t oo;
            switch (text[i] & 3) {
            case 0: sk_epoch_cache_assign(c, e, o); break;
            case 1: sk_epoch_cache_truncate_from_end(c, o); break;
            case 2: sk_epoch_cache_truncate_from_start(c, o); break;
            default: sk_epoch_cache_end_offset_for(c, e, leo, &oe, &oo);
            }
            size_t n = sk_epoch_cache_count(c);
            for (size_t k = 1; k < n; k++) {
                sk_epoch_entry_t a = sk_epoch_cache_get(c, k - 1), b = sk_epoch_cache_get(c, k);
                if (a.epoch >= b.epoch || a.start_offset >= b.start_offset)
                    abort(); /* entries must stay strictly increasing */
            }
        }
    }
    sk_epoch_cache_free(c);
    sk_epoch_cache_free(d);
}

static void check_partmeta(const char *text, size_t len)
{
    char id[SK_TOPIC_ID_LEN + 1], id2[SK_TOPIC_ID_LEN + 1], err[256];
    if (sk_partmeta_parse(text, len, id, err, sizeof(err)) != SK_OK)
        return;
    char *f = sk_partmeta_format(id);
    if (sk_partmeta_parse(f, strlen(f), id2, err, sizeof(err)) != SK_OK || strcmp(id, id2))
        abort();
    free(f);
}

static void check_ckpt(const char *text, size_t len)
{
    char err[256];
    sk_ckpt_t c, d;
    if (sk_ckpt_parse(text, len, &c, err, sizeof(err)) == SK_OK) {
        size_t flen;
        char *f = sk_ckpt_format(&c, &flen);
        if (sk_ckpt_parse(f, flen, &d, err, sizeof(err)) != SK_OK || d.n != c.n)
            abort();
        sk_ckpt_free(&d);
        free(f);
        sk_ckpt_free(&c);
    }
    sk_meta_props_t m;
    if (sk_meta_parse(text, len, &m, err, sizeof(err)) == SK_OK)
        sk_meta_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    check_epochs(text, size);
    check_partmeta(text, size);
    check_ckpt(text, size);
    return 0;
}

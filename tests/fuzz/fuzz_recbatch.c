/* fuzz_recbatch.c - libFuzzer target for RecordBatch v2 parsing/validation.
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_recbatch` or scripts/fuzz.sh fuzz_recbatch.
 * Seeds: tests/fuzz/corpus/fuzz_recbatch/ (plain, idempotent, gzip, control
 * and empty batches, and two in a row).
 *
 * The input is used twice: as a byte stream of concatenated batches
 * (sk_batch_next + sk_batch_validate + record walk, as Produce and log
 * recovery see it), and with its CRC fixed up so the fuzzer also reaches the
 * record walker past the checksum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "recbatch.h"

static int on_record(const sk_record_t *rec, void *arg)
{
    size_t *sum = arg;
    /* touch every view so ASan checks the bounds the walker promised */
    if (rec->key.len > 0)
        *sum += (uint8_t)rec->key.p[rec->key.len - 1];
    if (rec->value.len > 0)
        *sum += (uint8_t)rec->value.p[rec->value.len - 1];
    sk_rd_t r;
    sk_rd_init(&r, rec->headers, rec->headers_len);
    for (int32_t i = 0; i < rec->header_count; i++) {
        sk_str_t k, v;
        if (sk_record_header_next(&r, &k, &v) != SK_OK)
            abort(); /* validated records must have well-formed headers */
        if (k.len > 0)
            *sum += (uint8_t)k.p[k.len - 1];
    }
    return 0;
}

static void check_one(const uint8_t *p, size_t n)
{
    char err[256];
    int kerr = sk_batch_validate(p, n, err, sizeof(err));
    if (kerr != SK_KERR_NONE && kerr != SK_KERR_CORRUPT_MESSAGE && kerr != SK_KERR_INVALID_RECORD)
        abort();
    size_t sum = 0;
    int rc = sk_batch_foreach_record(p, n, on_record, &sum);
    sk_batch_info_t h;
    if (kerr == SK_KERR_NONE && sk_batch_parse_header(p, n, &h) == SK_OK &&
        sk_batch_compression(&h) == SK_COMPRESSION_NONE && rc != 0)
        abort(); /* valid uncompressed batch must walk cleanly */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* 1. as a stream of batches */
    size_t pos = 0;
    while (pos < size) {
        ssize_t n = sk_batch_next(data + pos, size - pos);
        if (n <= 0)
            break;
        if ((size_t)n < SK_BATCH_HEADER_SIZE || (size_t)n > size - pos)
            abort();
        check_one(data + pos, (size_t)n);
        pos += (size_t)n;
    }
    /* 2. as one batch with a corrected length and CRC */
    if (size >= SK_BATCH_HEADER_SIZE && size < (1u << 20)) {
        uint8_t *copy = malloc(size);
        memcpy(copy, data, size);
        sk_put_be32(copy + SK_BATCH_OFF_LENGTH, (uint32_t)(size - SK_BATCH_LOG_OVERHEAD));
        copy[SK_BATCH_OFF_MAGIC] = 2;
        sk_batch_update_crc(copy, size);
        check_one(copy, size);
        sk_batch_set_base_offset(copy, 12345);
        sk_batch_set_leader_epoch(copy, 7);
        if (sk_batch_validate(copy, size, NULL, 0) != sk_batch_validate(copy, size, NULL, 0))
            abort();
        free(copy);
    }
    return 0;
}

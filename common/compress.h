/* compress.h - Kafka's record batch compression codecs, for the parts of
 * Skein that must look inside compressed batches (the log cleaner,
 * skein-dump-log): gzip (zlib), snappy, lz4 and zstd, as Kafka writes and
 * reads them:
 *  - gzip: a gzip stream (a zlib stream, and several concatenated gzip
 *    members as gzip(1) writes them, are accepted when reading);
 *  - snappy: the xerial/snappy-java framing Kafka's Java client writes
 *    ("\x82SNAPPY\0", version 1, compatible 1, then blocks of a 4-byte
 *    big-endian length and a raw snappy block); a plain raw snappy block,
 *    as librdkafka writes it, is also accepted when reading. Written with
 *    the xerial framing (blocks of at most 32 KiB of input, as snappy-java);
 *  - lz4: the LZ4 frame format (Kafka >= 0.10 with magic 2), written with
 *    independent 64 KiB blocks (Kafka's Java reader refuses linked ones)
 *    and no content checksum; several concatenated frames are accepted
 *    when reading;
 *  - zstd: a zstd frame, level 3 (several concatenated frames accepted).
 * Bytes after the last stream or frame are corrupt, not ignored.
 * @locality any (no shared state)
 */
#ifndef SK_COMPRESS_H
#define SK_COMPRESS_H
#include <stddef.h>
#include <stdint.h>

#include "kbuf.h"

/* Decompress `in` (the records part of a batch compressed with codec, one
 * of SK_COMPRESSION_GZIP..ZSTD from recbatch.h) and append the result to
 * out. Never appends more than max_out bytes, and sizes stated in the
 * input are checked against that budget before anything is allocated for
 * them. Returns SK_OK; SK_EPARSE when the data is corrupt or truncated
 * (empty input included); SK_ETOOBIG when the output would exceed max_out,
 * or a zstd frame asks for a window larger than both 8 MiB and max_out
 * rounded up to a power of two (or larger than 128 MiB); SK_EINVAL for an
 * unknown codec (or NONE); SK_EIO if a library cannot set itself up. On
 * error out keeps its length from before the call. */
int sk_decompress(int codec, const uint8_t *in, size_t len, size_t max_out, sk_wr_t *out);
/* Compress `in` with codec and append to out (SK_OK, SK_EINVAL for an
 * unknown codec or NONE; SK_EIO if the library fails). On error out keeps
 * its length from before the call. */
int sk_compress(int codec, const uint8_t *in, size_t len, sk_wr_t *out);

/* A whole compressed record batch (codec from its attributes) as the same
 * batch uncompressed: header copied, records decompressed (at most
 * max_records bytes), compression bits cleared, batchLength fixed (the CRC
 * is left as it was: it is not valid for the result). Replaces out's
 * contents. SK_OK, SK_EINVAL (not compressed, or shorter than a header) or
 * sk_decompress's errors. Used to walk the records of compressed batches
 * (log cleaner, skein-dump-log). */
int sk_batch_expand(const uint8_t *batch, size_t len, size_t max_records, sk_wr_t *out);

#endif

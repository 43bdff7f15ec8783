/* dumplog.c - human-readable dumps of .log, .index and .timeindex files. */
#include "dumplog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compress.h"
#include "kbuf.h"
#include "kerr.h"
#include "mem.h"
#include "recbatch.h"

#define MAX_INFLATED ((size_t)256 << 20) /* refuse to decompress a batch beyond this */

static const char *const codec_names[] = {"none", "gzip", "snappy", "lz4", "zstd"};

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* Base offset from a "<20 digits>.<suffix>" file name, or -1. */
static int64_t name_base(const char *path)
{
    const char *nm = strrchr(path, '/');
    nm = nm ? nm + 1 : path;
    int64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (nm[i] < '0' || nm[i] > '9')
            return -1;
        if (v > (INT64_MAX - (nm[i] - '0')) / 10)
            return -1;
        v = v * 10 + (nm[i] - '0');
    }
    return nm[20] == '.' ? v : -1;
}

static int pread_all(int fd, void *buf, size_t n, int64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Printable ASCII as is; backslash and everything else escaped. */
static void put_escaped(FILE *out, const char *p, int32_t len)
{
    if (!p || len < 0) {
        fputs("null", out);
        return;
    }
    for (int32_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\')
            fputs("\\\\", out);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, out);
        else
            fprintf(out, "\\x%02x", c);
    }
}

/* ---- .log ---- */

typedef struct rec_ctx {
    FILE *out;
    const sk_dumplog_opts_t *o;
    const sk_batch_info_t *b;
    const char *ts_label;
} rec_ctx_t;

static int32_t seq_at(int32_t base_seq, int64_t delta)
{
    if (base_seq < 0)
        return -1;
    /* sequences wrap from INT32_MAX to 0 */
    return (int32_t)(((int64_t)base_seq + delta) % ((int64_t)INT32_MAX + 1));
}

static void put_control(FILE *out, const sk_record_t *rec)
{
    if (rec->key.len < 4) {
        fputs(" controlType: unknown", out);
        return;
    }
    int16_t type = (int16_t)sk_be16((const uint8_t *)rec->key.p + 2);
    if (type == 0 || type == 1) {
        fprintf(out, " endTxnMarker: %s", type ? "COMMIT" : "ABORT");
        if (rec->value.len >= 6)
            fprintf(out, " coordinatorEpoch: %" PRId32,
                    (int32_t)sk_be32((const uint8_t *)rec->value.p + 2));
    } else {
        fprintf(out, " controlType: %d", type);
    }
}

static int on_record(const sk_record_t *rec, void *arg)
{
    rec_ctx_t *c = arg;
    FILE *out = c->out;
    fprintf(out, "| offset: %" PRId64 " %s: %" PRId64 " keySize: %" PRId32 " valueSize: %" PRId32
            " sequence: %" PRId32 " headerKeys: [",
            rec->offset, c->ts_label, rec->timestamp, rec->key.len, rec->value.len,
            seq_at(c->b->base_sequence, rec->offset - c->b->base_offset));
    sk_rd_t r;
    sk_rd_init(&r, rec->headers, rec->headers_len);
    for (int32_t i = 0; i < rec->header_count; i++) {
        sk_str_t k, v;
        if (sk_record_header_next(&r, &k, &v) != SK_OK)
            break;
        if (i)
            fputc(',', out);
        put_escaped(out, k.p, k.len);
    }
    fputc(']', out);
    if (c->b->attributes & SK_BATCH_ATTR_CONTROL) {
        put_control(out, rec);
    } else if (c->o->print_data) {
        if (rec->key.len >= 0) {
            fputs(" key: ", out);
            put_escaped(out, rec->key.p, rec->key.len);
        }
        fputs(" payload: ", out);
        put_escaped(out, rec->value.p, rec->value.len);
    }
    fputc('\n', out);
    return 0;
}

/* Prints the records of one batch; 0 or 1 (malformed). */
static int dump_records(const char *path, int64_t pos, const uint8_t *batch, size_t len,
                        const sk_batch_info_t *b, const sk_dumplog_opts_t *o, FILE *out,
                        FILE *errout)
{
    rec_ctx_t c = {out, o, b, (b->attributes & SK_BATCH_ATTR_LOG_APPEND_TIME) ? "LogAppendTime"
                                                                               : "CreateTime"};
    int codec = sk_batch_compression(b);
    sk_wr_t plain;
    sk_wr_init(&plain);
    if (codec != SK_COMPRESSION_NONE) {
        int erc = sk_batch_expand(batch, len, MAX_INFLATED, &plain);
        if (erc != SK_OK) {
            fprintf(errout, "%s: batch at position %" PRId64 " (offset %" PRId64 "): %s records "
                    "cannot be decompressed (%s)\n", path, pos, b->base_offset,
                    codec < 5 ? codec_names[codec] : "unknown",
                    erc == SK_ETOOBIG ? "more than 256 MiB" : sk_strerror(erc));
            sk_wr_free(&plain);
            return 1;
        }
        batch = plain.buf;
        len = plain.len;
    }
    int rc = sk_batch_foreach_record(batch, len, on_record, &c);
    sk_wr_free(&plain);
    if (rc != 0) {
        fprintf(errout, "%s: batch at position %" PRId64 " (offset %" PRId64
                "): malformed records\n", path, pos, b->base_offset);
        return 1;
    }
    return 0;
}

static void put_batch(FILE *out, const sk_batch_info_t *b, int64_t pos, int valid)
{
    int codec = sk_batch_compression(b);
    int32_t last_seq = b->base_sequence < 0 ? -1 : seq_at(b->base_sequence, b->last_offset_delta);
    fprintf(out,
            "baseOffset: %" PRId64 " lastOffset: %" PRId64 " count: %" PRId32
            " baseSequence: %" PRId32 " lastSequence: %" PRId32 " producerId: %" PRId64
            " producerEpoch: %d partitionLeaderEpoch: %" PRId32
            " isTransactional: %s isControl: %s position: %" PRId64 " %s: %" PRId64
            " size: %" PRId64 " magic: %d compresscodec: %s crc: %" PRIu32 " isvalid: %s\n",
            b->base_offset, sk_batch_last_offset(b), b->record_count, b->base_sequence, last_seq,
            b->producer_id, b->producer_epoch, b->partition_leader_epoch,
            (b->attributes & SK_BATCH_ATTR_TRANSACTIONAL) ? "true" : "false",
            (b->attributes & SK_BATCH_ATTR_CONTROL) ? "true" : "false", pos,
            (b->attributes & SK_BATCH_ATTR_LOG_APPEND_TIME) ? "LogAppendTime" : "CreateTime",
            b->max_timestamp, sk_batch_total_size(b), b->magic,
            codec < 5 ? codec_names[codec] : "unknown", b->crc, valid ? "true" : "false");
}

static int dump_log(const char *path, int fd, int64_t size, const sk_dumplog_opts_t *o,
                    FILE *out, FILE *errout)
{
    int64_t base = name_base(path), pos = 0;
    int bad = 0;
    uint8_t *buf = NULL;
    size_t cap = 0;
    if (base >= 0)
        fprintf(out, "Log starting offset: %" PRId64 "\n", base);
    while (pos < size) {
        uint8_t hdr[SK_BATCH_HEADER_SIZE];
        sk_batch_info_t b;
        const char *why = NULL;
        if (size - pos < SK_BATCH_HEADER_SIZE) {
            why = "too short for a batch header";
        } else if (pread_all(fd, hdr, sizeof(hdr), pos) < 0) {
            fprintf(errout, "%s: read error at position %" PRId64 ": %s\n", path, pos,
                    strerror(errno));
            bad = 1;
            break;
        } else {
            sk_batch_parse_header(hdr, sizeof(hdr), &b);
            if (b.magic != 2)
                why = "not a v2 record batch (bad magic)";
            else if (b.batch_length < SK_BATCH_HEADER_SIZE - SK_BATCH_LOG_OVERHEAD)
                why = "batchLength too small";
            else if (sk_batch_total_size(&b) > size - pos)
                why = "batch extends past the end of the file";
        }
        if (why) {
            fprintf(errout, "%s: %" PRId64 " bytes at position %" PRId64
                    " are not a valid batch: %s\n", path, size - pos, pos, why);
            bad = 1;
            break;
        }
        size_t total = (size_t)sk_batch_total_size(&b);
        if (total > cap) {
            cap = total;
            buf = sk_realloc(buf, cap);
        }
        if (pread_all(fd, buf, total, pos) < 0) {
            fprintf(errout, "%s: read error at position %" PRId64 ": %s\n", path, pos,
                    strerror(errno));
            bad = 1;
            break;
        }
        char verr[256] = "";
        int valid = sk_batch_validate(buf, total, verr, sizeof(verr)) == SK_KERR_NONE;
        put_batch(out, &b, pos, valid);
        if (!valid) {
            fprintf(errout, "%s: batch at position %" PRId64 " (offset %" PRId64 ") is invalid: %s\n",
                    path, pos, b.base_offset, verr);
            bad = 1;
        }
        if ((o->deep || o->print_data) && dump_records(path, pos, buf, total, &b, o, out, errout))
            bad = 1;
        pos += (int64_t)total;
    }
    free(buf);
    return bad;
}

/* ---- .index / .timeindex ---- */

/* The .log next to an index: its batch at pos must end at offset `last`. */
static const char *check_against_log(int log_fd, int64_t log_size, int64_t pos, int64_t last,
                                     int64_t *found)
{
    uint8_t hdr[SK_BATCH_HEADER_SIZE];
    sk_batch_info_t b;
    if (pos + SK_BATCH_HEADER_SIZE > log_size)
        return "position is past the end of the log";
    if (pread_all(log_fd, hdr, sizeof(hdr), pos) < 0)
        return "cannot read the log there";
    sk_batch_parse_header(hdr, sizeof(hdr), &b);
    if (b.magic != 2 || b.batch_length < SK_BATCH_HEADER_SIZE - SK_BATCH_LOG_OVERHEAD)
        return "no batch starts at that position in the log";
    *found = sk_batch_last_offset(&b);
    return *found == last ? NULL : "the log batch there ends at another offset";
}

static int dump_index(const char *path, int fd, int64_t size, int timeidx,
                      const sk_dumplog_opts_t *o, FILE *out, FILE *errout)
{
    const size_t esz = timeidx ? 12 : 8;
    int64_t base = name_base(path);
    int bad = 0, log_fd = -1;
    int64_t log_size = 0;
    char *fail = NULL;
    uint8_t *data = NULL;
    if (base < 0) {
        fprintf(errout, "%s: cannot tell the base offset: the name is not <20 digits>%s\n", path,
                timeidx ? ".timeindex" : ".index");
        return 1;
    }
    if (size > ((int64_t)1 << 31)) {
        fprintf(errout, "%s: %" PRId64 " bytes is too large for an index\n", path, size);
        return 1;
    }
    data = sk_malloc((size_t)size + 1);
    if (size && pread_all(fd, data, (size_t)size, 0) < 0) {
        fprintf(errout, "%s: read error: %s\n", path, strerror(errno));
        free(data);
        return 1;
    }
    if (!timeidx) {
        char *lp = sk_strdup(path);
        strcpy(lp + strlen(lp) - strlen(".index"), ".log");
        struct stat st;
        log_fd = open(lp, O_RDONLY | O_CLOEXEC);
        if (log_fd >= 0 && fstat(log_fd, &st) == 0)
            log_size = st.st_size;
        free(lp);
    }
    size_t n = (size_t)size / esz;
    if ((size_t)size % esz)
        fail = sk_asprintf("size %" PRId64 " is not a multiple of the %zu-byte entry", size, esz);
    int64_t prev_a = INT64_MIN, prev_b = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = data + i * esz;
        int64_t ts = timeidx ? (int64_t)sk_be64(e) : 0;
        int32_t rel = (int32_t)sk_be32(timeidx ? e + 8 : e);
        int32_t ipos = timeidx ? 0 : (int32_t)sk_be32(e + 4);
        if (i > 0 && ts == 0 && rel == 0 && ipos == 0)
            break; /* unused, preallocated space (Kafka leaves zeros there) */
        /* .index: a = offset, b = position; .timeindex: a = timestamp, b = offset */
        int64_t a = timeidx ? ts : base + rel, b = timeidx ? base + rel : ipos;
        char *why = NULL;
        if (rel < 0 || ipos < 0)
            why = sk_asprintf("entry %zu: negative relative offset or position", i);
        else if (!timeidx && i > 0 && (a <= prev_a || b <= prev_b))
            why = sk_asprintf("entry %zu: offset %" PRId64 " position %" PRId64
                              " does not follow offset %" PRId64 " position %" PRId64,
                              i, a, b, prev_a, prev_b);
        else if (timeidx && i > 0 && (a < prev_a || b < prev_b))
            why = sk_asprintf("entry %zu: timestamp %" PRId64 " offset %" PRId64
                              " goes back from timestamp %" PRId64 " offset %" PRId64,
                              i, a, b, prev_a, prev_b);
        if (!why && log_fd >= 0) {
            int64_t found = -1;
            const char *m = check_against_log(log_fd, log_size, b, a, &found);
            if (m)
                why = sk_asprintf("entry %zu: offset %" PRId64 " position %" PRId64
                                  " does not match the log: %s (%" PRId64 ")",
                                  i, a, b, m, found);
        }
        if (why && !fail)
            fail = why;
        else
            free(why);
        prev_a = a;
        prev_b = b;
        if (!o->index_sanity) {
            if (timeidx)
                fprintf(out, "timestamp: %" PRId64 " offset: %" PRId64 "\n", a, b);
            else
                fprintf(out, "offset: %" PRId64 " position: %" PRId64 "\n", a, b);
        }
    }
    if (o->index_sanity) {
        if (fail)
            fprintf(out, "%s failed sanity check: %s\n", path, fail);
        else
            fprintf(out, "%s passed sanity check.\n", path);
    }
    if (fail) {
        fprintf(errout, "%s: %s\n", path, fail);
        bad = 1;
    }
    free(fail);
    free(data);
    if (log_fd >= 0)
        close(log_fd);
    return bad;
}

int sk_dumplog_file(const char *path, const sk_dumplog_opts_t *o, FILE *out, FILE *errout)
{
    int kind = has_suffix(path, ".log") ? 0 : has_suffix(path, ".index") ? 1
               : has_suffix(path, ".timeindex") ? 2 : -1;
    if (kind < 0) {
        fprintf(errout, "%s: not a .log, .index or .timeindex file\n", path);
        return 1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    const char *why = NULL;
    if (fd < 0 || fstat(fd, &st) < 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    if (why) {
        fprintf(errout, "%s: cannot read: %s\n", path, why);
        if (fd >= 0)
            close(fd);
        return 1;
    }
    fprintf(out, "Dumping %s\n", path);
    int rc = kind == 0 ? dump_log(path, fd, st.st_size, o, out, errout)
                       : dump_index(path, fd, st.st_size, kind == 2, o, out, errout);
    close(fd);
    fflush(out);
    return rc;
}

/* fuzz_compact.c - libFuzzer target for log compaction: the cleaner
 * reading damaged closed segments, and the crash-recovery parser of a
 * leftover <base>.log.swap file at open.
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_compact` or scripts/fuzz.sh fuzz_compact.
 * Seeds: tests/fuzz/corpus/fuzz_compact/ (keys, damage, and .log.swap files
 * of whole and cut batches).
 *
 * Input: byte 0 picks the mode. Mode even: a log of keyed batches (keys
 * from the input) whose first closed segment is then overwritten with the
 * rest of the input before a pass; the pass must fail cleanly or leave a
 * log whose every batch is valid. Mode odd: the rest of the input is a
 * .log.swap leftover next to a normal log; opening must not crash and must
 * leave no .swap file behind.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbuf.h"
#include "kerr.h"
#include "log.h"
#include "storage/plog.h"
#include "recbatch.h"

static char dir[128];

static void put(sk_plog_t *log, const uint8_t *key, int klen, int n)
{
    char v[32];
    snprintf(v, sizeof(v), "value-%d", n);
    sk_record_in_t r = {.timestamp = 1000 + n, .key = key, .key_len = klen, .value = v,
                        .value_len = (int32_t)strlen(v)};
    sk_wr_t w;
    sk_wr_init(&w);
    sk_batch_build(&w, 0, NULL, &r, 1);
    sk_plog_append(log, w.buf, w.len, 1, NULL, NULL);
    sk_wr_free(&w);
}

static sk_plog_t *make_log(const uint8_t *data, size_t len)
{
    sk_plog_config_t cfg;
    sk_plog_config_defaults(&cfg);
    cfg.segment_bytes = 256;
    cfg.cleanup_compact = 1;
    cfg.cleanup_delete = 0;
    sk_plog_t *log = NULL;
    char err[256];
    if (sk_plog_open(dir, &cfg, NULL, 0, &log, err, sizeof(err)) != SK_OK)
        abort();
    for (int i = 0; i < 24; i++) {
        uint8_t k = len ? data[(size_t)i % len] % 5 : (uint8_t)i;
        put(log, &k, 1, i);
    }
    return log;
}

/* Every batch from the log start reads back valid. */
static void check_log(sk_plog_t *log)
{
    int64_t off = sk_plog_start_offset(log), leo = sk_plog_end_offset(log);
    while (off < leo) {
        sk_plog_slice_t s;
        if (sk_plog_read(log, off, leo, 1 << 16, &s) != SK_OK)
            abort();
        if (s.len == 0)
            break;
        uint8_t *b = malloc((size_t)s.len);
        if (pread(s.fd, b, (size_t)s.len, s.file_pos) != s.len)
            abort();
        close(s.fd);
        for (size_t pos = 0; pos < (size_t)s.len;) {
            sk_batch_info_t h;
            sk_batch_parse_header(b + pos, (size_t)s.len - pos, &h);
            size_t bl = (size_t)sk_batch_total_size(&h);
            if (sk_batch_validate(b + pos, bl, NULL, 0) != SK_KERR_NONE)
                abort();
            off = sk_batch_last_offset(&h) + 1;
            pos += bl;
        }
        free(b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *base;
    if (!base) {
        /* Damaged segments are logged at every run: nobody reads that. */
        sk_log_open("/dev/null");
        /* Each run writes a log and syncs it: on tmpfs the syncs cost
         * nothing (here some 800 runs a second against 5-10 on disk). */
        struct stat st;
        base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                   ? "/dev/shm"
                   : "/tmp";
    }
    char top[128];
    snprintf(top, sizeof(top), "%s/fuzz-compact-%d", base, (int)getpid());
    snprintf(dir, sizeof(dir), "%s/t-0", top);
    sk_plog_rmtree(top);
    sk_plog_t *log = make_log(data + 1, size - 1);
    char seg0[200];
    if (data[0] % 2 == 0) {
        /* damage the first closed segment in place, then clean */
        snprintf(seg0, sizeof(seg0), "%s/%020d.log", dir, 0);
        int fd = open(seg0, O_WRONLY);
        if (fd >= 0) {
            for (size_t i = 1; i + 1 < size; i += 2)
                if (pwrite(fd, &data[i + 1], 1, data[i] % 200) != 1)
                    break;
            close(fd);
        }
        if (sk_plog_compact(log, 10000, sk_plog_end_offset(log), NULL) == 1)
            check_log(log);
        sk_plog_close(log);
    } else {
        sk_plog_close(log);
        snprintf(seg0, sizeof(seg0), "%s/%020d.log.swap", dir, 0);
        FILE *f = fopen(seg0, "wb");
        if (f) {
            fwrite(data + 1, 1, size - 1, f);
            fclose(f);
        }
        sk_plog_config_t cfg;
        sk_plog_config_defaults(&cfg);
        cfg.cleanup_compact = 1;
        char err[256];
        if (sk_plog_open(dir, &cfg, NULL, 0, &log, err, sizeof(err)) == SK_OK) {
            check_log(log);
            sk_plog_close(log);
        }
        if (access(seg0, F_OK) == 0)
            abort(); /* the swap is always completed or removed */
    }
    sk_plog_rmtree(top);
    return 0;
}

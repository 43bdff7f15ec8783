/* fuzz_verify.c - libFuzzer target for skein-verify's parsers: the record
 * payload (tools/verify_record.c) fed through the ledger and its analysis
 * (tools/verify_ledger.c), and the state file (tools/verify_state.c) with
 * the reports made from it (tools/verify_report.c).
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_verify` or scripts/fuzz.sh fuzz_verify.
 * Seeds: tests/fuzz/corpus/fuzz_verify/ (records of one run, foreign
 * records, a state file). fuzz.am compiles its own copy of the ledger with
 * SK_VLEDGER_MAX_AHEAD=4096, so that a state file of a few KiB cannot ask
 * for gigabytes.
 *
 * Input: byte 0 picks the mode.
 *   Even: the rest is a run of consumed records, each "<len byte> <partition
 *   byte> <payload of len bytes>" at consecutive offsets (the first record
 *   alone is also parsed whole). A record that parses must encode back to
 *   the same bytes; every record goes into a ledger that knows a few
 *   acknowledged records of the same run; the analysis must count every
 *   distinct offset once and never report more examples than it allows.
 *   Odd: the rest is a state file. A parse that succeeds yields a ledger
 *   whose analysis and both reports must come out without error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "verify_ledger.h"
#include "verify_record.h"
#include "verify_report.h"
#include "verify_state.h"

#define RUN 0x0123456789abcdefULL

static void check_record(const uint8_t *p, size_t n)
{
    sk_vrec_t r;
    sk_vrec_status_t st = sk_vrec_parse(p, n, &r);
    if (st == SK_VREC_OK) {
        char *again = malloc(n);
        if (sk_vrec_encode(&r, again, n) != SK_OK || memcmp(again, p, n) != 0)
            abort();
        free(again);
    } else if (st == SK_VREC_MALFORMED) {
        if (r.run != 0 || r.producer != 0 || r.seq != 0 || r.ts_us != 0)
            abort();
    } else if (st != SK_VREC_BADSUM || n < SK_VREC_MIN_SIZE) {
        abort();
    }
}

static void check_report(sk_vledger_t *l, const char *topic)
{
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    int per_kind[SK_VV_COUNT] = {0};
    int64_t total = 0;
    for (int i = 0; i < r.n_examples; i++) {
        sk_vviol_kind_t k = r.examples[i].kind;
        if (k < 0 || k >= SK_VV_COUNT || ++per_kind[k] > SK_VREPORT_EXAMPLES)
            abort();
    }
    for (int k = 0; k < SK_VV_COUNT; k++) {
        if (r.count[k] < per_kind[k])
            abort();
        total += r.count[k];
    }
    if (total != r.violations || r.offsets > r.deliveries)
        abort();
    sk_vreport_meta_t m = {.topic = topic, .group = "g", .run = sk_vledger_run(l),
                           .produced = 1, .consumed = 1, .drained = 1};
    char *js = sk_vreport_json(&r, &m);
    if (!js)
        abort();
    free(js);
    FILE *f = fopen("/dev/null", "w");
    if (f) {
        sk_vreport_print(f, &r, &m);
        fclose(f);
    }
    sk_vreport_free(&r);
}

static void records_mode(const uint8_t *p, size_t n)
{
    check_record(p, n);
    sk_vledger_t *l = sk_vledger_new(RUN);
    for (int64_t s = 0; s < 8; s++)
        sk_vledger_acked(l, (int32_t)(s % 2), s / 2, (int32_t)(s % 3), s, s * 100);
    sk_vledger_start(l, 0, 0);
    sk_vledger_committed(l, 1, 3);
    int64_t offset = 0;
    int64_t deliveries = 0;
    while (n >= 2) {
        size_t len = p[0];
        int32_t part = p[1] % 4;
        p += 2;
        n -= 2;
        if (len > n)
            len = n;
        check_record(p, len);
        int k = sk_vledger_consumed(l, part, offset, p, len, (int64_t)len * 1000);
        if (k < SK_VKIND_OURS || k > SK_VKIND_UNKNOWN)
            abort();
        deliveries++;
        /* every third record is delivered again, at the same offset */
        if (offset % 3 == 2) {
            sk_vledger_consumed(l, part, offset, p, len, -1);
            deliveries++;
        }
        offset += len % 2 ? 1 : 2;
        p += len;
        n -= len;
    }
    sk_vreport_t r;
    sk_vledger_analyze(l, &r);
    if (r.deliveries != deliveries)
        abort();
    sk_vreport_free(&r);
    check_report(l, "fuzz");
    sk_vledger_free(l);
}

static void state_mode(const uint8_t *p, size_t n)
{
    sk_vstate_t st;
    sk_vledger_t *l = NULL;
    char err[256];
    int rc = sk_vstate_parse((const char *)p, n, &st, &l, err, sizeof(err));
    if (rc != SK_OK) {
        if (rc != SK_EPARSE || l != NULL || st.topic != NULL || strncmp(err, "line ", 5) != 0)
            abort();
        return;
    }
    if (!l || !st.topic || st.producers < 1)
        abort();
    for (int i = 0; i < st.n_start; i++)
        if (st.start[i] >= 0)
            sk_vledger_start(l, i, st.start[i]);
    check_report(l, st.topic);
    sk_vledger_free(l);
    sk_vstate_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] % 2 == 0)
        records_mode(data + 1, size - 1);
    else
        state_mode(data + 1, size - 1);
    return 0;
}

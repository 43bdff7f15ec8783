/* fuzz_tooljson.c - libFuzzer target for the JSON files the tools read from
 * the user: skein-delete-records' offset JSON (tools/delrec_json.c).
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_tooljson` or scripts/fuzz.sh fuzz_tooljson.
 * Seeds: tests/fuzz/corpus/fuzz_tooljson/ (Kafka's example file, -1
 * offsets, several topics).
 *
 * The input is the file. A parse that succeeds must hold only what the
 * parser promises (a non-empty list of legal topics, partitions >= 0,
 * offsets >= -1, no partition twice); written out again as JSON it must
 * parse to the same list. A parse that fails must leave the list empty and
 * say why.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delrec_json.h"
#include "kerr.h"
#include "znode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

/* The list as Kafka's JSON (topics are legal names: nothing to escape). */
static char *write_json(const sk_delrec_list_t *l, size_t *len)
{
    size_t cap = 64 + (size_t)l->n * 320, n = 0;
    char *out = malloc(cap);
    check(out != NULL);
    n += (size_t)snprintf(out + n, cap - n, "{\"version\":1,\"partitions\":[");
    for (int i = 0; i < l->n; i++)
        n += (size_t)snprintf(out + n, cap - n,
                              "%s{\"topic\":\"%s\",\"partition\":%" PRId32 ",\"offset\":%" PRId64
                              "}", i ? "," : "", l->e[i].topic, l->e[i].partition,
                              l->e[i].offset);
    n += (size_t)snprintf(out + n, cap - n, "]}");
    check(n < cap);
    *len = n;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sk_delrec_list_t l, again;
    char err[256] = "";
    if (sk_delrec_json_parse((const char *)data, size, &l, err, sizeof(err)) != SK_OK) {
        check(l.e == NULL && l.n == 0 && err[0] != '\0');
        return 0;
    }
    check(l.n > 0);
    for (int i = 0; i < l.n; i++) {
        char why[160];
        check(sk_topic_name_valid(l.e[i].topic, why, sizeof(why)) == SK_OK);
        check(l.e[i].partition >= 0 && l.e[i].offset >= -1);
        for (int j = 0; j < i && l.n < 64; j++)
            check(strcmp(l.e[i].topic, l.e[j].topic) != 0 ||
                  l.e[i].partition != l.e[j].partition);
    }
    size_t len;
    char *json = write_json(&l, &len);
    check(sk_delrec_json_parse(json, len, &again, err, sizeof(err)) == SK_OK);
    check(again.n == l.n);
    for (int i = 0; i < l.n; i++)
        check(strcmp(again.e[i].topic, l.e[i].topic) == 0 &&
              again.e[i].partition == l.e[i].partition && again.e[i].offset == l.e[i].offset);
    free(json);
    sk_delrec_list_free(&again);
    sk_delrec_list_free(&l);
    return 0;
}

/* fuzz_quota.c - libFuzzer target for the client quota parsers
 * (broker/meta/quota.c): quota entity znodes, entity paths and names.
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_quota` or scripts/fuzz.sh fuzz_quota. Seeds:
 * tests/fuzz/corpus/fuzz_quota/ (written by tests/fuzz/make_corpus.py).
 *
 * The first input byte picks the parser: 0 an entity znode, 1 an entity
 * path, 2 a name to sanitize. A znode that parses is updated (each kind set,
 * then removed) and must parse back to the values set, other keys kept; a
 * path that parses must print back to a path that parses to the same
 * entity, and its quotas go through the store and the eight-level lookup;
 * a sanitized name must desanitize to itself.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "meta/quota.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static void fuzz_znode(const char *p, size_t n)
{
    char err[256];
    double v[SK_QUOTA_KINDS], back[SK_QUOTA_KINDS];
    if (sk_quota_znode_parse(p, n, v, err, sizeof(err)) != SK_OK) {
        for (int k = 0; k < SK_QUOTA_KINDS; k++)
            check(v[k] == -1);
        return;
    }
    for (int k = 0; k < SK_QUOTA_KINDS; k++)
        check(v[k] == -1 || (v[k] >= 0 && isfinite(v[k])));
    double set[SK_QUOTA_KINDS] = {1048576, 2000, 12.5};
    int none[SK_QUOTA_KINDS] = {0, 0, 0}, all[SK_QUOTA_KINDS] = {1, 1, 1}, empty;
    char *j = sk_quota_znode_update(p, n, set, none, &empty, err, sizeof(err));
    if (!j) /* only a config jansson cannot write back */
        return;
    check(!empty);
    check(sk_quota_znode_parse(j, strlen(j), back, err, sizeof(err)) == SK_OK);
    for (int k = 0; k < SK_QUOTA_KINDS; k++)
        check(back[k] == set[k]);
    double unset[SK_QUOTA_KINDS] = {-1, -1, -1};
    char *j2 = sk_quota_znode_update(j, strlen(j), unset, all, &empty, err, sizeof(err));
    check(j2 != NULL);
    check(sk_quota_znode_parse(j2, strlen(j2), back, err, sizeof(err)) == SK_OK);
    for (int k = 0; k < SK_QUOTA_KINDS; k++)
        check(back[k] == -1);
    free(j2);
    free(j);
}

static void fuzz_path(const char *p)
{
    char buf[1200], buf2[1200];
    sk_quota_entity_t e, e2;
    if (sk_quota_entity_parse(p, &e, buf, sizeof(buf)) != SK_OK)
        return;
    check(e.user_part || e.client_part);
    char *path = sk_quota_entity_path(&e);
    check(sk_quota_entity_parse(path, &e2, buf2, sizeof(buf2)) == SK_OK);
    check(e2.user_part == e.user_part && e2.client_part == e.client_part);
    check(e.user_part != SK_QUOTA_NAME || strcmp(e.user, e2.user) == 0);
    check(e.client_part != SK_QUOTA_NAME || strcmp(e.client, e2.client) == 0);
    free(path);
    sk_quota_t *q = sk_quota_new(11, 1000);
    double v[SK_QUOTA_KINDS] = {100, -1, 5};
    check(sk_quota_set(q, &e, v) == SK_OK);
    const char *u = e.user_part == SK_QUOTA_NAME ? e.user : "someone";
    const char *c = e.client_part == SK_QUOTA_NAME ? e.client : "some-client";
    int level;
    check(sk_quota_bound(q, SK_QUOTA_PRODUCE, u, strlen(u), c, strlen(c), &level) == 100);
    check(level >= 1 && level <= 8);
    check(sk_quota_record(q, SK_QUOTA_PRODUCE, u, strlen(u), c, strlen(c), 1e6, 5) > 0);
    double none[SK_QUOTA_KINDS] = {-1, -1, -1};
    sk_quota_set(q, &e, none);
    check(sk_quota_count(q) == 0);
    sk_quota_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *p = malloc(size);
    memcpy(p, data + 1, size - 1);
    p[size - 1] = 0;
    switch (data[0] % 3) {
    case 0:
        fuzz_znode(p, size - 1);
        break;
    case 1:
        fuzz_path(p);
        break;
    default: {
        char *s = sk_quota_sanitize(p, size - 1);
        char *out = malloc(size + 1);
        /* a name with a NUL byte is refused; any other comes back as it was */
        if (memchr(p, 0, size - 1))
            check(sk_quota_desanitize(s, out, size + 1) == SK_EPARSE);
        else
            check(sk_quota_desanitize(s, out, size + 1) == SK_OK && strcmp(out, p) == 0);
        free(out);
        free(s);
        break;
    }
    }
    free(p);
    return 0;
}

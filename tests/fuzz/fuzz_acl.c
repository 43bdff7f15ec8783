/* fuzz_acl.c - libFuzzer target for the ACL znode and change-notification
 * parsers and the authorizer's table (broker/meta/acl.c).
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_acl` or scripts/fuzz.sh fuzz_acl. Seeds:
 * tests/fuzz/corpus/fuzz_acl/ (Kafka's ACL znode and both change forms).
 *
 * The first input byte picks the parser: 0 an ACL znode, 1 a literal change
 * notification, 2 an extended one. A znode that parses is built again and
 * must parse to the same entries; its entries are then put in a table as a
 * literal and a prefixed resource and every operation is decided for each
 * entry's principal and host (a Deny entry must refuse its operation).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "meta/acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static void fuzz_znode(const char *p, size_t n)
{
    char err[256];
    sk_acl_entry_t *e, *e2;
    int cnt, cnt2;
    if (sk_acl_znode_parse(p, n, &e, &cnt, err, sizeof(err)) != SK_OK) {
        check(e == NULL && cnt == 0);
        return;
    }
    char *j = sk_acl_znode_build(e, cnt);
    if (j) { /* NULL only for strings jansson cannot encode */
        check(sk_acl_znode_parse(j, strlen(j), &e2, &cnt2, err, sizeof(err)) == SK_OK);
        check(cnt2 == cnt);
        for (int i = 0; i < cnt; i++)
            check(!strcmp(e[i].principal, e2[i].principal) && !strcmp(e[i].host, e2[i].host) &&
                  e[i].op == e2[i].op && e[i].perm == e2[i].perm);
        sk_acl_entries_free(e2, cnt2);
        free(j);
    }
    sk_acl_t *a = sk_acl_new("User:admin;User:b", cnt & 1);
    sk_acl_set(a, SK_ACL_RES_TOPIC, SK_ACL_PAT_LITERAL, "t", e, cnt);
    sk_acl_set(a, SK_ACL_RES_TOPIC, SK_ACL_PAT_PREFIXED, "t", e, cnt);
    check(sk_acl_entry_count(a) == 2 * cnt);
    for (int i = 0; i < cnt; i++) {
        const char *host = strcmp(e[i].host, "*") ? e[i].host : "10.0.0.1";
        for (int op = SK_ACL_OP_READ; op <= SK_ACL_OP_DESCRIBE_TOKENS; op++) {
            int allow = sk_acl_authorize(a, e[i].principal, host, op, SK_ACL_RES_TOPIC, "t");
            check(allow == sk_acl_authorize(a, e[i].principal, host, op, SK_ACL_RES_TOPIC, "t"));
            if (e[i].perm == SK_ACL_PERM_DENY && (e[i].op == op || e[i].op == SK_ACL_OP_ALL) &&
                !sk_acl_is_super(a, e[i].principal))
                check(!allow);
            (void)sk_acl_authorize_any(a, e[i].principal, host, op, SK_ACL_RES_TOPIC);
        }
    }
    sk_acl_set(a, SK_ACL_RES_TOPIC, SK_ACL_PAT_LITERAL, "t", NULL, 0);
    sk_acl_free(a);
    sk_acl_entries_free(e, cnt);
}

static void fuzz_change(const char *p, size_t n, int extended)
{
    char err[256];
    sk_acl_res_t r, r2;
    if (sk_acl_change_parse(p, n, extended, &r, err, sizeof(err)) != SK_OK) {
        check(r.name == NULL);
        return;
    }
    char *s = sk_acl_change_build(&r);
    if (s) {
        int ext2 = r.pattern != SK_ACL_PAT_LITERAL;
        check(sk_acl_change_parse(s, strlen(s), ext2, &r2, err, sizeof(err)) == SK_OK);
        check(r2.type == r.type && r2.pattern == r.pattern && !strcmp(r2.name, r.name));
        free(r2.name);
        free(s);
    }
    char path[512];
    (void)sk_acl_res_path(r.type, r.pattern, r.name, path, sizeof(path));
    free(r.name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 3) {
    case 0:
        fuzz_znode(p, n);
        break;
    case 1:
        fuzz_change(p, n, 0);
        break;
    default:
        fuzz_change(p, n, 1);
        break;
    }
    return 0;
}

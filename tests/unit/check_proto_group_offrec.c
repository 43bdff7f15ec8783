/* check_proto_group_offrec.c - unit tests for offsets_record.c: the
 * __consumer_offsets keys and values (every version both ways, expected
 * bytes written by hand from the layouts in the protocol guide §5, every
 * truncation, trailing bytes, nulls and hostile counts) and the
 * group -> partition hash against Java's String.hashCode.
 */
#include "check_proto_group_util.h"
#include "offsets_record.h"
#include "javahash.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define GRP "0003 677270"   /* "grp" */
#define FOO "0003 666f6f"   /* "foo" */
#define TS "0000018bcfe56800"   /* 1700000000000 */
#define EXP "0000018bd50bc400"  /* 1700086400000 */

/* hex -> arena bytes */
static const uint8_t *hexbuf(const char *hexs, sk_arena_t *a, size_t *n)
{
    size_t cap = strlen(hexs) / 2 + 1;
    uint8_t *b = sk_arena_alloc(a, cap);
    *n = tu_hex(hexs, b, cap);
    return b;
}

static void assert_wr(const sk_wr_t *w, const char *hexs)
{
    sk_arena_t *a = sk_arena_new(0);
    size_t n;
    const uint8_t *want = hexbuf(hexs, a, &n);
    ck_assert_uint_eq(w->len, n);
    ck_assert_mem_eq(w->buf, want, n);
    sk_arena_free(a);
}

/* Every strict prefix of a decodable buffer fails with SK_EPARSE, and one
 * extra byte does too. dec wraps one of the decoders. */
typedef int (*dec_fn)(const uint8_t *b, size_t n, sk_arena_t *a);

static void check_cuts(dec_fn dec, const uint8_t *buf, size_t len)
{
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        sk_arena_t *a = sk_arena_new(0);
        ck_assert_msg(dec(copy, cut, a) == SK_EPARSE, "prefix %zu of %zu decoded", cut, len);
        sk_arena_free(a);
        free(copy);
    }
    uint8_t *more = malloc(len + 1);
    memcpy(more, buf, len);
    more[len] = 0;
    sk_arena_t *a = sk_arena_new(0);
    ck_assert_int_eq(dec(more, len, a), SK_OK);
    ck_assert_int_eq(dec(more, len + 1, a), SK_EPARSE);
    sk_arena_free(a);
    free(more);
}

/* The decoders below also re-encode what they decoded (at the decoded
 * version) and require the input bytes back: the decoders consume every
 * byte and the formats have one encoding per value. */
static void same_bytes(const sk_wr_t *w, const uint8_t *b, size_t n)
{
    ck_assert_uint_eq(w->len, n);
    ck_assert(n == 0 || memcmp(w->buf, b, n) == 0);
}

static int dec_key(const uint8_t *b, size_t n, sk_arena_t *a)
{
    (void)a;
    sk_offrec_key_t k;
    int rc = sk_offrec_key_decode(b, n, &k);
    if (rc == SK_OK) {
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_offrec_key_encode(&w, &k), SK_OK);
        same_bytes(&w, b, n);
        sk_wr_free(&w);
    }
    return rc;
}

static int dec_offset(const uint8_t *b, size_t n, sk_arena_t *a)
{
    (void)a;
    sk_offrec_offset_value_t v;
    int16_t ver;
    int rc = sk_offrec_offset_value_decode(b, n, &ver, &v);
    if (rc == SK_OK) {
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_offrec_offset_value_encode(&w, ver, &v), SK_OK);
        same_bytes(&w, b, n);
        sk_wr_free(&w);
    }
    return rc;
}

static int dec_group(const uint8_t *b, size_t n, sk_arena_t *a)
{
    sk_offrec_group_value_t v;
    int16_t ver;
    int rc = sk_offrec_group_value_decode(b, n, a, &ver, &v);
    if (rc == SK_OK) {
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(sk_offrec_group_value_encode(&w, ver, &v), SK_OK);
        same_bytes(&w, b, n);
        sk_wr_free(&w);
    }
    return rc;
}

/* Each byte set to several values in turn: SK_OK (and then the same
 * bytes re-encode, checked in dec), SK_EPARSE or SK_ENOENT, nothing else,
 * and no over-read (exact-size copies under ASan). */
static void check_mutations(dec_fn dec, const uint8_t *buf, size_t len)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff};
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof(vals); k++) {
            uint8_t *copy = malloc(len);
            memcpy(copy, buf, len);
            copy[i] = vals[k];
            sk_arena_t *a = sk_arena_new(0);
            int rc = dec(copy, len, a);
            ck_assert_msg(rc == SK_OK || rc == SK_EPARSE || rc == SK_ENOENT,
                          "byte %zu = %02x: rc %d", i, vals[k], rc);
            sk_arena_free(a);
            free(copy);
        }
    }
}

/* ======================= keys ======================= */

START_TEST(test_keys)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_wr_t w;
    sk_wr_init(&w);
    static const struct {
        int16_t ver;
        const char *hexs;
    } cases[] = {
        {1, "0001 " GRP " " FOO " 00000002"},
        {0, "0000 " GRP " " FOO " 00000002"},
        {2, "0002 " GRP},
    };
    for (size_t i = 0; i < TG_N(cases); i++) {
        sk_offrec_key_t k = {cases[i].ver, sk_str_c("grp"), sk_str_c("foo"), 2};
        if (cases[i].ver == SK_OFFREC_KEY_GROUP)
            k.Topic = SK_STR_NULL; /* not written for group keys */
        sk_wr_reset(&w);
        ck_assert_int_eq(sk_offrec_key_encode(&w, &k), SK_OK);
        assert_wr(&w, cases[i].hexs);
        size_t n;
        const uint8_t *b = hexbuf(cases[i].hexs, a, &n);
        sk_offrec_key_t g;
        ck_assert_int_eq(sk_offrec_key_decode(b, n, &g), SK_OK);
        ck_assert_int_eq(g.Version, cases[i].ver);
        tu_assert_str(g.Group, "grp");
        if (cases[i].ver == SK_OFFREC_KEY_GROUP) {
            ck_assert_int_eq(g.Topic.len, 0);
            ck_assert_int_eq(g.Partition, 0);
        } else {
            tu_assert_str(g.Topic, "foo");
            ck_assert_int_eq(g.Partition, 2);
        }
        check_cuts(dec_key, b, n);
        check_mutations(dec_key, b, n);
    }
    /* newer key versions are skipped, not errors */
    size_t n;
    const uint8_t *b = hexbuf("0003 " GRP, a, &n);
    sk_offrec_key_t g;
    ck_assert_int_eq(sk_offrec_key_decode(b, n, &g), SK_ENOENT);
    ck_assert_int_eq(g.Version, 3);
    b = hexbuf("ffff " GRP, a, &n);
    ck_assert_int_eq(sk_offrec_key_decode(b, n, &g), SK_ENOENT);
    static const char *const bad[] = {"0001 ffff " FOO " 00000000", "0001 " GRP " ffff 00000000",
                                      "0002 ffff", "0002 0004 677270", "00"};
    for (size_t i = 0; i < TG_N(bad); i++) {
        b = hexbuf(bad[i], a, &n);
        ck_assert_msg(sk_offrec_key_decode(b, n, &g) == SK_EPARSE, "bad key %zu", i);
    }
    /* unencodable */
    sk_wr_reset(&w);
    sk_offrec_key_t k = {3, sk_str_c("grp"), SK_STR_NULL, 0};
    ck_assert_int_eq(sk_offrec_key_encode(&w, &k), SK_EINVAL);
    k.Version = 1;
    ck_assert_int_eq(sk_offrec_key_encode(&w, &k), SK_EINVAL);
    k.Version = 2;
    k.Group = SK_STR_NULL;
    ck_assert_int_eq(sk_offrec_key_encode(&w, &k), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    sk_arena_free(a);
}
END_TEST

/* ======================= offset values ======================= */

START_TEST(test_offset_values)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_wr_t w;
    sk_wr_init(&w);
    const sk_offrec_offset_value_t val = {42, 5, sk_str_c("m"), 1700000000000LL,
                                          1700086400000LL};
    static const char *const hexs[] = {
        "0000 000000000000002a 0001 6d " TS,
        "0001 000000000000002a 0001 6d " TS " " EXP,
        "0002 000000000000002a 0001 6d " TS,
        "0003 000000000000002a 00000005 0001 6d " TS,
    };
    for (int16_t v = 0; v <= SK_OFFREC_OFFSET_VALUE_VER; v++) {
        sk_wr_reset(&w);
        ck_assert_int_eq(sk_offrec_offset_value_encode(&w, v, &val), SK_OK);
        assert_wr(&w, hexs[v]);
        size_t n;
        const uint8_t *b = hexbuf(hexs[v], a, &n);
        sk_offrec_offset_value_t g;
        int16_t gv = -9;
        ck_assert_int_eq(sk_offrec_offset_value_decode(b, n, &gv, &g), SK_OK);
        ck_assert_int_eq(gv, v);
        ck_assert_int_eq(g.Offset, 42);
        ck_assert_int_eq(g.LeaderEpoch, v == 3 ? 5 : -1);
        tu_assert_str(g.Metadata, "m");
        ck_assert_int_eq(g.CommitTimestamp, 1700000000000LL);
        ck_assert_int_eq(g.ExpireTimestamp, v == 1 ? 1700086400000LL : -1);
        check_cuts(dec_offset, b, n);
        check_mutations(dec_offset, b, n);
        /* re-encode at the same version: same bytes */
        sk_wr_reset(&w);
        ck_assert_int_eq(sk_offrec_offset_value_encode(&w, v, &g), SK_OK);
        assert_wr(&w, hexs[v]);
    }
    size_t n;
    const uint8_t *b = hexbuf("0004 000000000000002a 00000005 02 6d " TS " 00", a, &n);
    sk_offrec_offset_value_t g;
    int16_t gv;
    ck_assert_int_eq(sk_offrec_offset_value_decode(b, n, &gv, &g), SK_ENOENT);
    ck_assert_int_eq(gv, 4);
    b = hexbuf("0003 000000000000002a 00000005 ffff " TS, a, &n); /* null metadata */
    ck_assert_int_eq(sk_offrec_offset_value_decode(b, n, NULL, &g), SK_EPARSE);
    sk_offrec_offset_value_t nul = val;
    nul.Metadata = SK_STR_NULL;
    sk_wr_reset(&w);
    ck_assert_int_eq(sk_offrec_offset_value_encode(&w, 3, &nul), SK_EINVAL);
    ck_assert_int_eq(sk_offrec_offset_value_encode(&w, 4, &val), SK_EINVAL);
    ck_assert_int_eq(sk_offrec_offset_value_encode(&w, -1, &val), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    sk_arena_free(a);
}
END_TEST

/* ======================= group values ======================= */

#define CONSUMER "0008 636f6e73756d6572"
#define RANGE "0005 72616e6765"
#define M1 "0002 6d31"
#define I1 "0002 6931"
#define CID "0003 636964"
#define HOST "0002 2f68"
#define SUB "00000002 0001"
#define ASG "00000003 000102"

START_TEST(test_group_values)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_wr_t w;
    sk_wr_init(&w);
    sk_offrec_member_t mem = {sk_str_c("m1"), sk_str_c("i1"), sk_str_c("cid"), sk_str_c("/h"),
                              300000, 10000, {"\x00\x01", 2}, {"\x00\x01\x02", 3}};
    sk_offrec_group_value_t val = {sk_str_c("consumer"), 4, sk_str_c("range"), sk_str_c("m1"),
                                   1700000000000LL, &mem, 1};
    char hexs[4][400];
    for (int v = 0; v <= 3; v++)
        snprintf(hexs[v], sizeof(hexs[v]),
                 "%04x " CONSUMER " 00000004 " RANGE " " M1 " %s 00000001"
                 " | " M1 " %s " CID " " HOST " %s 00002710 " SUB " " ASG,
                 v, v >= 2 ? TS : "", v >= 3 ? I1 : "", v >= 1 ? "000493e0" : "");
    for (int16_t v = 0; v <= SK_OFFREC_GROUP_VALUE_VER; v++) {
        sk_wr_reset(&w);
        ck_assert_int_eq(sk_offrec_group_value_encode(&w, v, &val), SK_OK);
        assert_wr(&w, hexs[v]);
        size_t n;
        const uint8_t *b = hexbuf(hexs[v], a, &n);
        sk_offrec_group_value_t g;
        int16_t gv = -9;
        ck_assert_int_eq(sk_offrec_group_value_decode(b, n, a, &gv, &g), SK_OK);
        ck_assert_int_eq(gv, v);
        tu_assert_str(g.ProtocolType, "consumer");
        ck_assert_int_eq(g.Generation, 4);
        tu_assert_str(g.Protocol, "range");
        tu_assert_str(g.Leader, "m1");
        ck_assert_int_eq(g.CurrentStateTimestamp, v >= 2 ? 1700000000000LL : -1);
        ck_assert_int_eq(g.MembersCnt, 1);
        const sk_offrec_member_t *m = &g.Members[0];
        tu_assert_str(m->MemberId, "m1");
        tu_assert_str(m->GroupInstanceId, v >= 3 ? "i1" : NULL);
        tu_assert_str(m->ClientId, "cid");
        tu_assert_str(m->ClientHost, "/h");
        ck_assert_int_eq(m->RebalanceTimeout, v >= 1 ? 300000 : 10000);
        ck_assert_int_eq(m->SessionTimeout, 10000);
        ck_assert_int_eq(m->Subscription.len, 2);
        ck_assert_mem_eq(m->Subscription.p, "\x00\x01", 2);
        ck_assert_int_eq(m->Assignment.len, 3);
        ck_assert_mem_eq(m->Assignment.p, "\x00\x01\x02", 3);
        check_cuts(dec_group, b, n);
        check_mutations(dec_group, b, n);
        sk_wr_reset(&w);
        ck_assert_int_eq(sk_offrec_group_value_encode(&w, v, &g), SK_OK);
        assert_wr(&w, hexs[v]);
    }
    /* an empty group: null protocol and leader, no members */
    sk_offrec_group_value_t empty = {sk_str_c("consumer"), 5, SK_STR_NULL, SK_STR_NULL,
                                     1700000000000LL, NULL, 0};
    sk_wr_reset(&w);
    ck_assert_int_eq(sk_offrec_group_value_encode(&w, 3, &empty), SK_OK);
    const char *ehex = "0003 " CONSUMER " 00000005 ffff ffff " TS " 00000000";
    assert_wr(&w, ehex);
    size_t n;
    const uint8_t *b = hexbuf(ehex, a, &n);
    sk_offrec_group_value_t g;
    ck_assert_int_eq(sk_offrec_group_value_decode(b, n, a, NULL, &g), SK_OK);
    tu_assert_str(g.Protocol, NULL);
    tu_assert_str(g.Leader, NULL);
    ck_assert_int_eq(g.MembersCnt, 0);
    int16_t gv;
    b = hexbuf("0004 09 636f6e73756d6572 00000005 00 00 " TS " 01 00", a, &n);
    ck_assert_int_eq(sk_offrec_group_value_decode(b, n, a, &gv, &g), SK_ENOENT);
    ck_assert_int_eq(gv, 4);
    static const char *const bad[] = {
        "0003 ffff 00000005 ffff ffff " TS " 00000000",          /* null protocol type */
        "0003 " CONSUMER " 00000005 ffff ffff " TS " ffffffff",  /* null members */
        "0003 " CONSUMER " 00000005 ffff ffff " TS " 7fffffff",
        "0003 " CONSUMER " 00000005 ffff ffff " TS " 00000001 ffff ffff " CID " " HOST
        " 00000001 00000001 " SUB " " ASG,                        /* null member id */
        "0003 " CONSUMER " 00000005 ffff ffff " TS " 00000001 " M1 " ffff " CID " " HOST
        " 00000001 00000001 ffffffff " ASG,                       /* null subscription */
        "0000 " CONSUMER " 00000005 ffff ffff 00000002 " M1 " " CID " " HOST
        " 00000001 " SUB " " ASG,                                 /* count over the bytes */
    };
    for (size_t i = 0; i < TG_N(bad); i++) {
        b = hexbuf(bad[i], a, &n);
        ck_assert_msg(sk_offrec_group_value_decode(b, n, a, NULL, &g) == SK_EPARSE,
                      "bad group value %zu", i);
    }
    /* unencodable */
    sk_wr_reset(&w);
    mem.ClientHost = SK_STR_NULL;
    ck_assert_int_eq(sk_offrec_group_value_encode(&w, 3, &val), SK_EINVAL);
    mem.ClientHost = sk_str_c("/h");
    mem.Assignment = SK_STR_NULL;
    ck_assert_int_eq(sk_offrec_group_value_encode(&w, 2, &val), SK_EINVAL);
    mem.Assignment = (sk_str_t){"", 0};
    val.MembersCnt = -1;
    ck_assert_int_eq(sk_offrec_group_value_encode(&w, 1, &val), SK_EINVAL);
    val.MembersCnt = 1;
    val.ProtocolType = SK_STR_NULL;
    ck_assert_int_eq(sk_offrec_group_value_encode(&w, 0, &val), SK_EINVAL);
    ck_assert_int_eq(sk_offrec_group_value_encode(&w, 4, &empty), SK_EINVAL);
    ck_assert_uint_eq(w.len, 0);
    sk_wr_free(&w);
    sk_arena_free(a);
}
END_TEST

/* ======================= group -> partition ======================= */

/* Reference: Java's String.hashCode for ASCII text, written independently
 * of the UTF-8 decoding in the code under test. */
static int32_t ref_ascii_hash(const char *s)
{
    uint32_t h = 0;
    for (; *s; s++)
        h = h * 31u + (uint8_t)*s;
    return (int32_t)h;
}

static int32_t ref_partition(int32_t h, int32_t n)
{
    int64_t x = h;
    if (x == INT32_MIN)
        x = 0;
    return (int32_t)((x < 0 ? -x : x) % n);
}

static int32_t hash_c(const char *s)
{
    return sk_java_hash(s, strlen(s));
}

START_TEST(test_partition_for)
{
    /* Known Java values: "".hashCode() == 0, "a" == 97, "hello" ==
     * 99162322, and "polygenelubricants" == Integer.MIN_VALUE. */
    ck_assert_int_eq(hash_c(""), 0);
    ck_assert_int_eq(hash_c("a"), 97);
    ck_assert_int_eq(hash_c("hello"), 99162322);
    ck_assert_int_eq(hash_c("polygenelubricants"), INT32_MIN);
    ck_assert_int_eq(sk_offrec_partition_for("hello", 5, 50), 99162322 % 50);
    ck_assert_int_eq(sk_offrec_partition_for("polygenelubricants", 18, 50), 0); /* abs(MIN)=0 */
    ck_assert_int_eq(sk_offrec_partition_for("", 0, 50), 0);
    ck_assert_int_eq(sk_offrec_partition_for("a", 1, 50), 47);
    /* ASCII ids against the reference loop, negative hashes included */
    static const char *const ids[] = {"console-consumer-12345", "my-group", "g", "group-0",
                                      "a-much-longer-consumer-group-name-with-digits-0123456789",
                                      "polygenelubricants", "~!@#$%^&*()_+{}|:<>?"};
    int saw_negative = 0;
    for (size_t i = 0; i < TG_N(ids); i++) {
        int32_t h = ref_ascii_hash(ids[i]);
        saw_negative |= h < 0;
        ck_assert_int_eq(hash_c(ids[i]), h);
        for (int32_t n = 1; n <= 64; n++)
            ck_assert_int_eq(sk_offrec_partition_for(ids[i], strlen(ids[i]), n),
                             ref_partition(h, n));
    }
    ck_assert(saw_negative); /* "my-group" hashes to -1906497762 */
    ck_assert_int_eq(hash_c("my-group"), -1906497762);
    ck_assert_int_eq(sk_offrec_partition_for("my-group", 8, 50), 1906497762 % 50);
    /* Non-ASCII, worked by hand: U+00E9 (UTF-8 c3 a9) is one unit, 233;
     * "a\u00e9" = 97*31 + 233 = 3240. */
    ck_assert_int_eq(hash_c("\xc3\xa9"), 233);
    ck_assert_int_eq(hash_c("a\xc3\xa9"), 3240);
    /* U+20AC (e2 82 ac) = 8364; "x\u20ac" = 120*31 + 8364 = 12084 */
    ck_assert_int_eq(hash_c("x\xe2\x82\xac"), 12084);
    /* Astral plane: U+1F600 (f0 9f 98 80) is the pair d83d de00:
     * 55357*31 + 56832 = 1772899; "a" before it: 97*961 + 1772899 =
     * 1866116. */
    ck_assert_int_eq(hash_c("\xf0\x9f\x98\x80"), 1772899);
    ck_assert_int_eq(hash_c("a\xf0\x9f\x98\x80"), 1866116);
    ck_assert_int_eq(sk_offrec_partition_for("\xf0\x9f\x98\x80", 4, 50), 1772899 % 50);
    /* Embedded NUL is a character like any other (length-delimited). */
    ck_assert_int_eq(sk_java_hash("a\0b", 3), (97 * 31 + 0) * 31 + 98);
    /* Ill-formed UTF-8: U+FFFD (65533) per maximal ill-formed subpart. */
    ck_assert_int_eq(hash_c("\xff"), 65533);
    ck_assert_int_eq(hash_c("\xe2\x82"), 65533);                 /* truncated: one */
    ck_assert_int_eq(hash_c("\xe2\x82" "A"), 65533 * 31 + 65);
    ck_assert_int_eq(hash_c("\xc0\xaf"), 65533 * 31 + 65533);    /* overlong: two */
    ck_assert_int_eq(hash_c("\xf4\x90\x80\x80"), ((65533 * 31 + 65533) * 31 + 65533) * 31 + 65533);
    /* bad partition counts */
    ck_assert_int_eq(sk_offrec_partition_for("a", 1, 0), -1);
    ck_assert_int_eq(sk_offrec_partition_for("a", 1, -5), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_group_offrec");
    TCase *tc = tcase_create("offrec");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_offset_values);
    tcase_add_test(tc, test_group_values);
    tcase_add_test(tc, test_partition_for);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

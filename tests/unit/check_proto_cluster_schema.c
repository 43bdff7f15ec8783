/* check_proto_cluster_schema.c - the cluster/admin codecs against Kafka's
 * reference message schemas, read at test time.
 *
 * 1. Each header's SK_<API>_MIN_VER/_MAX_VER lie inside the schema's
 *    validVersions and _FLEX_VER is the schema's first flexible version.
 * 2. A generator that knows nothing about our codecs walks the schema's
 *    field list for a version and writes a random valid message: every
 *    field present in that version, in schema order, with Kafka's classic
 *    or compact encodings, nullable strings/arrays sometimes null, arrays of
 *    0-4 elements and sometimes 10-29 minimal elements (empty strings and
 *    lists, to catch a per-element size bound that is too strict), and in
 *    flexible versions a tag section after every struct. A second copy of
 *    each message carries unknown tagged fields in some of those sections.
 *    Our decoder must accept both copies, consume every byte, and our
 *    encoder must turn the result back into exactly the untagged copy.
 *    Every few messages also go through the truncation sweep.
 *
 * The schemas are found in $SK_PROTOCOL_DIR or the compiled-in default
 * (../shared/kafka-protocol/messages beside the source tree).
 */
#include "check_proto_cluster_util.h"
#include "kerr.h"
#include "proto_alterpartition.h"
#include "proto_controlledshutdown.h"
#include "proto_createpartitions.h"
#include "proto_deletetopics.h"
#include "proto_describecluster.h"
#include "proto_describeconfigs.h"
#include "proto_leaderandisr.h"
#include "proto_offsetforleaderepoch.h"
#include "proto_stopreplica.h"
#include "proto_updatemetadata.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SK_PROTOCOL_DIR_DEFAULT
#define SK_PROTOCOL_DIR_DEFAULT "../shared/kafka-protocol/messages"
#endif

TU_CODEC(leaderandisr_req, sk_leaderandisr_req_t);
TU_CODEC(leaderandisr_resp, sk_leaderandisr_resp_t);
TU_CODEC(updatemetadata_req, sk_updatemetadata_req_t);
TU_CODEC(updatemetadata_resp, sk_updatemetadata_resp_t);
TU_CODEC(stopreplica_req, sk_stopreplica_req_t);
TU_CODEC(stopreplica_resp, sk_stopreplica_resp_t);
TU_CODEC(controlledshutdown_req, sk_controlledshutdown_req_t);
TU_CODEC(controlledshutdown_resp, sk_controlledshutdown_resp_t);
TU_CODEC(alterpartition_req, sk_alterpartition_req_t);
TU_CODEC(alterpartition_resp, sk_alterpartition_resp_t);
TU_CODEC(offsetforleaderepoch_req, sk_offsetforleaderepoch_req_t);
TU_CODEC(offsetforleaderepoch_resp, sk_offsetforleaderepoch_resp_t);
TU_CODEC(deletetopics_req, sk_deletetopics_req_t);
TU_CODEC(deletetopics_resp, sk_deletetopics_resp_t);
TU_CODEC(createpartitions_req, sk_createpartitions_req_t);
TU_CODEC(createpartitions_resp, sk_createpartitions_resp_t);
TU_CODEC(describecluster_req, sk_describecluster_req_t);
TU_CODEC(describecluster_resp, sk_describecluster_resp_t);
TU_CODEC(describeconfigs_req, sk_describeconfigs_req_t);
TU_CODEC(describeconfigs_resp, sk_describeconfigs_resp_t);

typedef struct api_case {
    const char *name;                /* schema file stem */
    const tu_codec_t *req, *resp;
    int16_t min, max, flex;
} api_case_t;

static const api_case_t apis[] = {
#define API(name, pre, codec)                                                           \
    {name, &codec##_req_codec, &codec##_resp_codec, SK_##pre##_MIN_VER, SK_##pre##_MAX_VER, \
     SK_##pre##_FLEX_VER}
    API("LeaderAndIsr", LEADERANDISR, leaderandisr),
    API("UpdateMetadata", UPDATEMETADATA, updatemetadata),
    API("StopReplica", STOPREPLICA, stopreplica),
    API("ControlledShutdown", CONTROLLEDSHUTDOWN, controlledshutdown),
    API("AlterPartition", ALTERPARTITION, alterpartition),
    API("OffsetForLeaderEpoch", OFFSETFORLEADEREPOCH, offsetforleaderepoch),
    API("DeleteTopics", DELETETOPICS, deletetopics),
    API("CreatePartitions", CREATEPARTITIONS, createpartitions),
    API("DescribeCluster", DESCRIBECLUSTER, describecluster),
    API("DescribeConfigs", DESCRIBECONFIGS, describeconfigs),
#undef API
};
#define NAPIS (sizeof(apis) / sizeof(apis[0]))

/* ---------- schema loading ---------- */

static const char *proto_dir(void)
{
    const char *d = getenv("SK_PROTOCOL_DIR");
    return d && *d ? d : SK_PROTOCOL_DIR_DEFAULT;
}

/* The schema files carry // comments, which JSON does not allow: blank
 * them (outside strings) before parsing. */
static json_t *load_schema(const char *stem, const char *kind)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s%s.json", proto_dir(), stem, kind);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s (set SK_PROTOCOL_DIR)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 2);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = buf[got + 1] = 0;
    int in_str = 0;
    for (size_t i = 0; i < got; i++) {
        if (in_str) {
            if (buf[i] == '\\')
                i++;
            else if (buf[i] == '"')
                in_str = 0;
        } else if (buf[i] == '"') {
            in_str = 1;
        } else if (buf[i] == '/' && buf[i + 1] == '/') {
            while (i < got && buf[i] != '\n')
                buf[i++] = ' ';
        }
    }
    json_error_t jerr;
    json_t *root = json_loads(buf, 0, &jerr);
    ck_assert_msg(root != NULL, "%s: line %d: %s", path, jerr.line, jerr.text);
    free(buf);
    return root;
}

/* Version spec: "3+", "0-4", "5", "none"; NULL = none. */
static int in_range(const char *spec, int v)
{
    if (!spec || strcmp(spec, "none") == 0)
        return 0;
    char *end;
    long lo = strtol(spec, &end, 10);
    if (*end == '+')
        return v >= lo;
    if (*end == '-')
        return v >= lo && v <= strtol(end + 1, NULL, 10);
    return v == lo;
}

static const char *sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* ---------- the generator ---------- */

typedef struct gen {
    uint64_t rng;
    sk_wr_t plain;                   /* the message */
    sk_wr_t tagged;                  /* the same with unknown tagged fields */
    json_t *common;                  /* commonStructs */
    int v;
    int flex;
    int minimal;                     /* write the smallest element possible */
    int tags_added;
    const char *where;               /* schema file, for messages */
} gen_t;

static uint32_t rnd(gen_t *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return (uint32_t)(g->rng >> 11);
}

static void emit(gen_t *g, const void *p, size_t n)
{
    sk_wr_raw(&g->plain, p, n);
    sk_wr_raw(&g->tagged, p, n);
}

static void emit_be(gen_t *g, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    emit(g, b, (size_t)bytes);
}

/* Length or count: classic int16/int32, compact uvarint n+1. -1 = null. */
static void emit_len(gen_t *g, int32_t n, int classic_bytes)
{
    if (g->flex) {
        sk_wr_uvarint(&g->plain, (uint32_t)(n + 1));
        sk_wr_uvarint(&g->tagged, (uint32_t)(n + 1));
    } else {
        emit_be(g, (uint64_t)(int64_t)n, classic_bytes);
    }
}

static uint64_t edge_value(gen_t *g, int bytes)
{
    static const int64_t edges[] = {0, 1, -1, 2, 7, 0x7f, -2};
    uint32_t k = rnd(g) % 10;
    if (k < 7)
        return (uint64_t)edges[k];
    if (k == 7)
        return (uint64_t)1 << (8 * bytes - 1); /* most negative */
    return ((uint64_t)rnd(g) << 32) | rnd(g);
}

static void gen_primitive(gen_t *g, const char *t, int nullable)
{
    if (strcmp(t, "bool") == 0) {
        uint8_t b = (uint8_t)(rnd(g) & 1);
        emit(g, &b, 1);
    } else if (strcmp(t, "int8") == 0) {
        emit_be(g, edge_value(g, 1), 1);
    } else if (strcmp(t, "int16") == 0 || strcmp(t, "uint16") == 0) {
        emit_be(g, edge_value(g, 2), 2);
    } else if (strcmp(t, "int32") == 0 || strcmp(t, "uint32") == 0) {
        emit_be(g, edge_value(g, 4), 4);
    } else if (strcmp(t, "int64") == 0 || strcmp(t, "float64") == 0) {
        emit_be(g, edge_value(g, 8), 8);
    } else if (strcmp(t, "uuid") == 0) {
        for (int i = 0; i < 4; i++)
            emit_be(g, rnd(g), 4);
    } else if (strcmp(t, "string") == 0 || strcmp(t, "bytes") == 0 ||
               strcmp(t, "records") == 0) {
        int is_str = t[0] == 's';
        if (nullable && rnd(g) % 5 == 0) {
            emit_len(g, -1, is_str ? 2 : 4);
            return;
        }
        int32_t n = g->minimal ? 0 : (int32_t)(rnd(g) % 7);
        emit_len(g, n, is_str ? 2 : 4);
        for (int32_t i = 0; i < n; i++) {
            uint8_t c = (uint8_t)(is_str ? 'a' + rnd(g) % 26 : rnd(g));
            emit(g, &c, 1);
        }
    } else {
        ck_abort_msg("%s: type %s not handled by the generator", g->where, t);
    }
}

static int is_primitive(const char *t)
{
    static const char *const prim[] = {"bool", "int8", "int16", "uint16", "int32", "uint32",
                                       "int64", "float64", "uuid", "string", "bytes",
                                       "records"};
    for (size_t i = 0; i < sizeof(prim) / sizeof(prim[0]); i++)
        if (strcmp(t, prim[i]) == 0)
            return 1;
    return 0;
}

static json_t *struct_fields(gen_t *g, json_t *field, const char *type)
{
    json_t *f = json_object_get(field, "fields");
    if (f)
        return f;
    size_t i;
    json_t *c;
    json_array_foreach(g->common, i, c) {
        if (strcmp(sget(c, "name"), type) == 0)
            return json_object_get(c, "fields");
    }
    ck_abort_msg("%s: struct %s not found", g->where, type);
    return NULL;
}

/* A tag section: empty in the plain copy; in the tagged copy, sometimes
 * one or two unknown tags, numbered from 1 (the only known tagged field in
 * these ranges, UpdateMetadata v8's Type, has tag 0 and is left out). */
static void gen_tags(gen_t *g)
{
    if (!g->flex)
        return;
    sk_wr_uvarint(&g->plain, 0);
    if (rnd(g) % 3 != 0) {
        sk_wr_uvarint(&g->tagged, 0);
        return;
    }
    uint32_t k = 1 + rnd(g) % 2, tag = rnd(g) % 4;
    sk_wr_uvarint(&g->tagged, k);
    for (uint32_t i = 0; i < k; i++) {
        tag += 1 + rnd(g) % 200; /* ascending, some needing 2-byte varints */
        sk_wr_uvarint(&g->tagged, tag);
        uint32_t size = rnd(g) % 5;
        sk_wr_uvarint(&g->tagged, size);
        for (uint32_t j = 0; j < size; j++)
            sk_wr_i8(&g->tagged, (int8_t)rnd(g));
    }
    g->tags_added++;
}

static void gen_fields(gen_t *g, json_t *fields);

static void gen_struct(gen_t *g, json_t *fields)
{
    gen_fields(g, fields);
    gen_tags(g);
}

static void gen_array(gen_t *g, json_t *field, const char *elem, int nullable)
{
    if (nullable && rnd(g) % 6 == 0) {
        emit_len(g, -1, 4);
        return;
    }
    int32_t n;
    int was_minimal = g->minimal;
    uint32_t k = rnd(g) % 10;
    if (g->minimal)
        n = 0;
    else if (k < 7)
        n = (int32_t)(rnd(g) % 3);
    else if (k < 9)
        n = 3 + (int32_t)(rnd(g) % 2);
    else {
        n = 10 + (int32_t)(rnd(g) % 20);
        g->minimal = 1;
    }
    emit_len(g, n, 4);
    json_t *sf = is_primitive(elem) ? NULL : struct_fields(g, field, elem);
    for (int32_t i = 0; i < n; i++) {
        if (sf)
            gen_struct(g, sf);
        else
            gen_primitive(g, elem, 0);
    }
    g->minimal = was_minimal;
}

static void gen_fields(gen_t *g, json_t *fields)
{
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f) {
        const char *name = sget(f, "name"), *type = sget(f, "type");
        if (!in_range(sget(f, "versions"), g->v))
            continue;
        /* A known tagged field (UpdateMetadata v8's Type, tag 0) is left
         * out of both copies: absent, it decodes to its default, which the
         * encoder leaves out again. The unknown tags gen_tags() adds start
         * at 1. */
        if (in_range(sget(f, "taggedVersions"), g->v))
            continue;
        int nullable = in_range(sget(f, "nullableVersions"), g->v);
        if (strncmp(type, "[]", 2) == 0) {
            gen_array(g, f, type + 2, nullable);
        } else if (is_primitive(type)) {
            gen_primitive(g, type, nullable);
        } else {
            ck_assert_msg(!nullable, "%s: nullable struct %s", g->where, name);
            gen_struct(g, struct_fields(g, f, type));
        }
    }
}

/* ---------- tests ---------- */

START_TEST(test_versions_match_schemas)
{
    for (size_t i = 0; i < NAPIS; i++) {
        for (int resp = 0; resp < 2; resp++) {
            json_t *root = load_schema(apis[i].name, resp ? "Response" : "Request");
            const char *valid = sget(root, "validVersions");
            const char *flex = sget(root, "flexibleVersions");
            ck_assert_ptr_nonnull(valid);
            ck_assert_ptr_nonnull(flex);
            for (int v = apis[i].min; v <= apis[i].max; v++)
                ck_assert_msg(in_range(valid, v), "%s: v%d not in validVersions %s",
                              apis[i].name, v, valid);
            ck_assert_msg(strcmp(flex, "none") != 0 && flex[strlen(flex) - 1] == '+' &&
                              atoi(flex) == apis[i].flex,
                          "%s: FLEX_VER %d, schema flexibleVersions %s", apis[i].name,
                          apis[i].flex, flex);
            json_decref(root);
        }
    }
}
END_TEST

/* One generated message (both copies) through our decoder and encoder. */
static void check_generated(const tu_codec_t *c, gen_t *g, int iter)
{
    const char *copies[2] = {"plain", "tagged"};
    sk_wr_t *bufs[2] = {&g->plain, &g->tagged};
    for (int k = 0; k < 2; k++) {
        sk_arena_t *a = sk_arena_new(0);
        void *out = calloc(1, c->size);
        int rc = tu_decode(c, bufs[k]->buf, bufs[k]->len, (int16_t)g->v, a, out);
        ck_assert_msg(rc == SK_OK, "%s v%d message %d (%s copy, %zu bytes): decode rc %d",
                      g->where, g->v, iter, copies[k], bufs[k]->len, rc);
        sk_wr_t w;
        sk_wr_init(&w);
        ck_assert_int_eq(c->enc(&w, (int16_t)g->v, out), SK_OK);
        ck_assert_msg(w.len == g->plain.len && memcmp(w.buf, g->plain.buf, w.len) == 0,
                      "%s v%d message %d (%s copy): re-encoding differs (%zu vs %zu bytes)",
                      g->where, g->v, iter, copies[k], w.len, g->plain.len);
        sk_wr_free(&w);
        free(out);
        sk_arena_free(a);
    }
    if (iter % 25 == 0) {
        tu_check_trunc(c, g->plain.buf, g->plain.len, (int16_t)g->v);
        tu_check_trunc(c, g->tagged.buf, g->tagged.len, (int16_t)g->v);
    }
}

enum { ITERATIONS = 400 };

static void run_generator(size_t api, int resp)
{
    const api_case_t *ac = &apis[api];
    const tu_codec_t *c = resp ? ac->resp : ac->req;
    char where[128];
    snprintf(where, sizeof(where), "%s%s", ac->name, resp ? "Response" : "Request");
    json_t *root = load_schema(ac->name, resp ? "Response" : "Request");
    for (int v = ac->min; v <= ac->max; v++) {
        gen_t g = {.rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)api << 32) ^ (uint64_t)(v * 2 + resp),
                   .common = json_object_get(root, "commonStructs"),
                   .v = v,
                   .flex = v >= ac->flex,
                   .where = where};
        if (!g.common)
            g.common = json_array(); /* leaked deliberately small; freed below */
        sk_wr_init(&g.plain);
        sk_wr_init(&g.tagged);
        for (int it = 0; it < ITERATIONS; it++) {
            sk_wr_reset(&g.plain);
            sk_wr_reset(&g.tagged);
            gen_struct(&g, json_object_get(root, "fields"));
            check_generated(c, &g, it);
        }
        /* the tagged copies really carried tags in flexible versions */
        if (g.flex)
            ck_assert_int_gt(g.tags_added, ITERATIONS / 4);
        if (!json_object_get(root, "commonStructs"))
            json_decref(g.common);
        sk_wr_free(&g.plain);
        sk_wr_free(&g.tagged);
    }
    json_decref(root);
}

START_TEST(test_generated_requests)
{
    run_generator((size_t)_i, 0);
}
END_TEST

START_TEST(test_generated_responses)
{
    run_generator((size_t)_i, 1);
}
END_TEST

/* The generator is only as good as the field types it understands: make
 * sure it produced non-trivial messages, e.g. for LeaderAndIsr v5 that some
 * messages exceed 200 bytes (several topics with partition states). */
START_TEST(test_generator_coverage)
{
    json_t *root = load_schema("LeaderAndIsr", "Request");
    gen_t g = {.rng = 12345, .common = json_object_get(root, "commonStructs"), .v = 5,
               .flex = 1, .where = "LeaderAndIsrRequest"};
    sk_wr_init(&g.plain);
    sk_wr_init(&g.tagged);
    size_t longest = 0;
    for (int it = 0; it < 100; it++) {
        sk_wr_reset(&g.plain);
        sk_wr_reset(&g.tagged);
        gen_struct(&g, json_object_get(root, "fields"));
        if (g.plain.len > longest)
            longest = g.plain.len;
    }
    ck_assert_uint_gt(longest, 200);
    sk_wr_free(&g.plain);
    sk_wr_free(&g.tagged);
    json_decref(root);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proto_cluster_schema");
    TCase *tc = tcase_create("schema");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_versions_match_schemas);
    tcase_add_test(tc, test_generator_coverage);
    tcase_add_loop_test(tc, test_generated_requests, 0, (int)NAPIS);
    tcase_add_loop_test(tc, test_generated_responses, 0, (int)NAPIS);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

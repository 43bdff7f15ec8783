/* check_apis.c - the API table against Kafka's reference message schemas.
 *
 * Reads <dir>/<Name>Request.json for every row of apis.c, where <dir> is
 * $SK_PROTOCOL_DIR or the compiled-in default (../shared/kafka-protocol/
 * messages beside the source tree), and checks that our version range is
 * the schema's validVersions (below an unstable top version), that every API
 * runs on the generated codec and that our first flexible version is the
 * schema's. Also checks sk_api_name() against every request schema.
 */
#include "apis.h"
#include "arena.h"
#include "proto_apiversions.h"

#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SK_PROTOCOL_DIR_DEFAULT
#define SK_PROTOCOL_DIR_DEFAULT "../shared/kafka-protocol/messages"
#endif

static const char *proto_dir(void)
{
    const char *d = getenv("SK_PROTOCOL_DIR");
    return d && *d ? d : SK_PROTOCOL_DIR_DEFAULT;
}

/* Reads a file and blanks out // comments that are outside strings. */
static char *read_json_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = 0;
    int in_str = 0;
    for (size_t i = 0; i < got; i++) {
        if (in_str) {
            if (buf[i] == '\\' && i + 1 < got)
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
    return buf;
}

static json_t *load_schema(const char *file)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", proto_dir(), file);
    char *text = read_json_text(path);
    ck_assert_msg(text != NULL,
                  "cannot read %s: set SK_PROTOCOL_DIR to the directory holding Kafka's "
                  "message schemas (shared/kafka-protocol/messages)", path);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    ck_assert_msg(root != NULL, "%s: JSON error line %d: %s", path, jerr.line, jerr.text);
    free(text);
    return root;
}

/* "0-12" -> 0,12; "3" -> 3,3. */
static void parse_range(const char *s, int *lo, int *hi)
{
    char *end;
    *lo = (int)strtol(s, &end, 10);
    *hi = *end == '-' ? (int)strtol(end + 1, NULL, 10) : *lo;
}

/* "9+" -> 9; "none" -> -1. */
static int parse_flex(const char *s)
{
    if (strcmp(s, "none") == 0)
        return -1;
    ck_assert_msg(s[strlen(s) - 1] == '+', "unexpected flexibleVersions '%s'", s);
    return atoi(s);
}

START_TEST(test_protocol_dir_present)
{
    DIR *d = opendir(proto_dir());
    ck_assert_msg(d != NULL,
                  "Kafka message schemas not found at '%s': set SK_PROTOCOL_DIR to "
                  "shared/kafka-protocol/messages", proto_dir());
    closedir(d);
}
END_TEST

START_TEST(test_table_matches_schemas)
{
    ck_assert_uint_gt(sk_api_count(), 0);
    for (size_t i = 0; i < sk_api_count(); i++) {
        const sk_api_t *api = sk_api_at(i);
        for (int resp = 0; resp < 2; resp++) {
            char file[256];
            snprintf(file, sizeof(file), "%s%s.json", api->name, resp ? "Response" : "Request");
            json_t *root = load_schema(file);
            json_int_t key = json_integer_value(json_object_get(root, "apiKey"));
            ck_assert_msg(key == api->key, "%s: apiKey %lld, table %d", file, (long long)key,
                          api->key);
            const char *valid = json_string_value(json_object_get(root, "validVersions"));
            const char *flex = json_string_value(json_object_get(root, "flexibleVersions"));
            ck_assert_ptr_nonnull(valid);
            ck_assert_ptr_nonnull(flex);
            int lo, hi;
            parse_range(valid, &lo, &hi);
            ck_assert_msg(api->min_ver >= lo && api->max_ver <= hi && api->min_ver <= api->max_ver,
                          "%s: our range %d-%d not inside validVersions %s", file, api->min_ver,
                          api->max_ver, valid);
            ck_assert_msg(api->flex_ver == parse_flex(flex),
                          "%s: our first flexible version %d, schema says %s", file,
                          api->flex_ver, flex);
            json_t *unstable = json_object_get(root, "latestVersionUnstable");
            if (unstable && json_is_true(unstable))
                ck_assert_msg(api->max_ver < hi, "%s: top version is unstable", file);
            else
                /* every version Kafka 3.7 accepts */
                ck_assert_msg(api->min_ver == lo && api->max_ver == hi,
                              "%s: our range %d-%d, validVersions %s", file, api->min_ver,
                              api->max_ver, valid);
            /* no hand-written (legacy) codec is left */
            ck_assert_msg(api->generated, "%s: not on the generated codec", file);
            json_decref(root);
        }
    }
}
END_TEST

START_TEST(test_names_match_schemas)
{
    DIR *d = opendir(proto_dir());
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    int checked = 0;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        const char *suffix = "Request.json";
        size_t sl = strlen(suffix);
        if (n <= sl || strcmp(de->d_name + n - sl, suffix) != 0)
            continue;
        json_t *root = load_schema(de->d_name);
        json_t *k = json_object_get(root, "apiKey");
        if (json_is_integer(k)) {
            char name[128];
            snprintf(name, sizeof(name), "%.*s", (int)(n - sl), de->d_name);
            int16_t key = (int16_t)json_integer_value(k);
            if (key <= 68) {
                ck_assert_msg(strcmp(sk_api_name(key), name) == 0, "key %d: '%s' vs schema '%s'",
                              key, sk_api_name(key), name);
                checked++;
            }
        }
        json_decref(root);
    }
    closedir(d);
    ck_assert_int_gt(checked, 50);
    ck_assert_str_eq(sk_api_name(-1), "Unknown");
    ck_assert_str_eq(sk_api_name(1000), "Unknown");
}
END_TEST

START_TEST(test_lookups)
{
    const sk_api_t *p = sk_api_find(SK_API_PRODUCE);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->min_ver, 0); /* librdkafka compresses only if Produce v0 is listed */
    ck_assert_int_eq(p->max_ver, 10);
    ck_assert_ptr_null(sk_api_find(-1));
    ck_assert_ptr_null(sk_api_find(9999));
    ck_assert(sk_api_supported(SK_API_FETCH, 0)); /* down-converted to magic 0 */
    ck_assert(sk_api_supported(SK_API_FETCH, 16));
    ck_assert(!sk_api_supported(SK_API_FETCH, -1));
    ck_assert(!sk_api_supported(SK_API_FETCH, 17));
    ck_assert(sk_api_supported(SK_API_LIST_OFFSETS, 0)); /* Burrow (sarama) sends v0 */
    ck_assert(sk_api_supported(SK_API_LIST_OFFSETS, 8));
    ck_assert(!sk_api_supported(SK_API_LIST_OFFSETS, 9));
    ck_assert(sk_api_supported(SK_API_METADATA, 0));
    ck_assert(!sk_api_supported(1234, 0));
    ck_assert(!sk_api_flexible(SK_API_API_VERSIONS, 2));
    ck_assert(sk_api_flexible(SK_API_API_VERSIONS, 3));
    ck_assert(sk_api_flexible(SK_API_API_VERSIONS, 4)); /* above our max: still flexible */
    ck_assert(!sk_api_flexible(SK_API_METADATA, 5));
    ck_assert(sk_api_flexible(SK_API_METADATA, 9));
    ck_assert(!sk_api_flexible(1234, 9));
    /* The README's recommended advertisement for the APIs we have, except
     * Produce from v0: librdkafka 2.0.2 sends gzip, snappy and lz4 batches
     * uncompressed ("Broker does not support compression type ...") unless
     * Produce v0 is listed. */
    static const int16_t want[][3] = {{0, 0, 10}, {1, 0, 16}, {2, 0, 8}, {3, 0, 12}, {18, 0, 3},
                                      {19, 0, 7}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const sk_api_t *a = sk_api_find(want[i][0]);
        ck_assert_ptr_nonnull(a);
        ck_assert_int_eq(a->min_ver, want[i][1]);
        ck_assert_int_eq(a->max_ver, want[i][2]);
    }
    /* Ascending, unique keys; sk_api_at past the end is NULL. */
    for (size_t i = 1; i < sk_api_count(); i++)
        ck_assert_int_lt(sk_api_at(i - 1)->key, sk_api_at(i)->key);
    ck_assert_ptr_null(sk_api_at(sk_api_count()));
}
END_TEST

START_TEST(test_apiversions_fill)
{
    sk_arena_t *a = sk_arena_new(0);
    sk_apiversions_resp_t resp;
    sk_apiversions_resp_fill(&resp, a);
    ck_assert_int_eq(resp.ErrorCode, 0);
    ck_assert_int_eq(resp.ApiKeysCnt, (int32_t)sk_api_count());
    for (int32_t i = 0; i < resp.ApiKeysCnt; i++) {
        const sk_api_t *api = sk_api_find(resp.ApiKeys[i].ApiKey);
        ck_assert_ptr_nonnull(api);
        ck_assert_int_eq(resp.ApiKeys[i].MinVersion, api->min_ver);
        ck_assert_int_eq(resp.ApiKeys[i].MaxVersion, api->max_ver);
    }
    sk_arena_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apis");
    TCase *tc = tcase_create("schemas");
    tcase_add_test(tc, test_protocol_dir_present);
    tcase_add_test(tc, test_table_matches_schemas);
    tcase_add_test(tc, test_names_match_schemas);
    tcase_add_test(tc, test_lookups);
    tcase_add_test(tc, test_apiversions_fill);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

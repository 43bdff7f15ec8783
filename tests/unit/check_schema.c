/* check_schema.c - common/schema/apis.schema against Kafka's message JSON.
 *
 * For every API in the generated table (sk_api_rows), reads
 * <dir>/<Name>Request.json and <Name>Response.json, where <dir> is
 * $SK_PROTOCOL_DIR or ../shared/kafka-protocol/messages beside the source
 * tree, and checks: the API key, validVersions against the table's valid
 * range (the advertised range must lie inside it), flexibleVersions, and
 * every field at every level in order: name, type (primitive, array,
 * struct), versions, nullableVersions, tag and taggedVersions, ignorable and
 * default. When the directory is absent the tests say so and pass.
 */
#include "apis.h"
#include "msgcodec.h"
#include "proto_gen.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
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

/* 1 if the reference schemas are there; otherwise says so once. */
static int have_reference(void)
{
    DIR *d = opendir(proto_dir());
    if (!d) {
        printf("check_schema: SKIPPED: Kafka's message schemas not found at %s (%s); set "
               "SK_PROTOCOL_DIR to shared/kafka-protocol/messages to run these checks\n",
               proto_dir(), strerror(errno));
        return 0;
    }
    closedir(d);
    return 1;
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
    ck_assert_msg(text != NULL, "cannot read %s", path);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    ck_assert_msg(root != NULL, "%s: JSON error line %d: %s", path, jerr.line, jerr.text);
    free(text);
    return root;
}

/* Kafka's version strings: "N+", "N-M", "N", "none" (lo = -1). */
static void parse_versions(const char *s, int *lo, int *hi)
{
    if (!s || strcmp(s, "none") == 0) {
        *lo = *hi = -1;
        return;
    }
    char *end;
    *lo = (int)strtol(s, &end, 10);
    if (*end == '+')
        *hi = SK_VER_INF;
    else if (*end == '-')
        *hi = (int)strtol(end + 1, NULL, 10);
    else
        *hi = *lo;
}

static const char *type_name(int t)
{
    static const char *const n[] = {"?", "bool", "int8", "int16", "uint16", "int32", "uint32",
                                    "int64", "float64", "uuid", "string", "bytes", "records",
                                    "struct"};
    return t >= 0 && t <= SK_FT_STRUCT ? n[t] : "?";
}

static json_t *common_struct(json_t *root, const char *name)
{
    json_t *cs = json_object_get(root, "commonStructs");
    size_t i;
    json_t *s;
    json_array_foreach(cs, i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "name")), name) == 0)
            return json_object_get(s, "fields");
    }
    return NULL;
}

static int nfields_checked;

/* The default the schema gives a field, as our descriptor stores it. */
static void check_default(const char *where, json_t *jf, const sk_msgfield_t *f)
{
    json_t *jd = json_object_get(jf, "default");
    char num[64];
    const char *d = json_is_string(jd) ? json_string_value(jd) : NULL;
    if (json_is_integer(jd)) {
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(jd));
        d = num;
    } else if (json_is_boolean(jd)) {
        d = json_is_true(jd) ? "true" : "false";
    }
    if (f->array) {
        ck_assert_msg(f->def_null == (d && strcmp(d, "null") == 0), "%s: default", where);
        return;
    }
    switch (f->type) {
    case SK_FT_STRING: case SK_FT_BYTES: case SK_FT_RECORDS:
        ck_assert_msg(f->def_null == (d && strcmp(d, "null") == 0), "%s: default %s", where,
                      d ? d : "(none)");
        break;
    case SK_FT_BOOL:
        ck_assert_msg(f->def_int == (d && strcmp(d, "true") == 0), "%s: default %s", where,
                      d ? d : "(none)");
        break;
    case SK_FT_FLOAT64:
        ck_assert_msg(f->def_f64 == (d ? strtod(d, NULL) : 0.0), "%s: default", where);
        break;
    case SK_FT_STRUCT: case SK_FT_UUID:
        break;
    default:
        ck_assert_msg(f->def_int == (d ? strtoll(d, NULL, 0) : 0),
                      "%s: default %" PRId64 ", schema %s", where, f->def_int, d ? d : "(none)");
        break;
    }
}

static void check_fields(json_t *root, const char *where, json_t *jfields, const sk_msgdesc_t *d,
                         int depth)
{
    ck_assert_int_lt(depth, 10);
    size_t n = json_array_size(jfields);
    ck_assert_msg(n == (size_t)d->nfields, "%s: %zu fields in Kafka's schema, %d in ours", where,
                  n, d->nfields);
    for (size_t i = 0; i < n; i++) {
        json_t *jf = json_array_get(jfields, i);
        const sk_msgfield_t *f = &d->fields[i];
        const char *name = json_string_value(json_object_get(jf, "name"));
        char w[512];
        snprintf(w, sizeof(w), "%s.%s", where, name);
        ck_assert_msg(strcmp(name, f->name) == 0, "%s: field %zu is %s in ours", w, i, f->name);
        const char *type = json_string_value(json_object_get(jf, "type"));
        int arr = strncmp(type, "[]", 2) == 0;
        const char *base = arr ? type + 2 : type;
        ck_assert_msg(arr == f->array, "%s: array %d vs %d", w, arr, f->array);
        int is_struct = base[0] >= 'A' && base[0] <= 'Z';
        if (is_struct)
            ck_assert_msg(f->type == SK_FT_STRUCT, "%s: %s vs %s", w, type, type_name(f->type));
        else
            ck_assert_msg(strcmp(base, type_name(f->type)) == 0, "%s: type %s vs %s", w, type,
                          type_name(f->type));
        int lo, hi;
        parse_versions(json_string_value(json_object_get(jf, "versions")), &lo, &hi);
        ck_assert_msg(lo == f->ver_lo && hi == f->ver_hi, "%s: versions %d-%d vs %d-%d", w, lo,
                      hi, f->ver_lo, f->ver_hi);
        parse_versions(json_string_value(json_object_get(jf, "nullableVersions")), &lo, &hi);
        ck_assert_msg(lo == f->null_lo && hi == f->null_hi, "%s: nullable %d-%d vs %d-%d", w, lo,
                      hi, f->null_lo, f->null_hi);
        parse_versions(json_string_value(json_object_get(jf, "taggedVersions")), &lo, &hi);
        ck_assert_msg(lo == f->tag_lo && hi == f->tag_hi, "%s: tagged %d-%d vs %d-%d", w, lo, hi,
                      f->tag_lo, f->tag_hi);
        json_t *tag = json_object_get(jf, "tag");
        ck_assert_msg((tag ? (int)json_integer_value(tag) : -1) == f->tag, "%s: tag", w);
        json_t *ign = json_object_get(jf, "ignorable");
        ck_assert_msg((ign && json_is_true(ign)) == f->ignorable, "%s: ignorable", w);
        check_default(w, jf, f);
        nfields_checked++;
        if (is_struct) {
            json_t *sub = json_object_get(jf, "fields");
            if (!sub)
                sub = common_struct(root, base);
            ck_assert_msg(sub != NULL, "%s: struct %s has no fields", w, base);
            check_fields(root, w, sub, f->sub, depth + 1);
        }
    }
}

START_TEST(test_schema_matches_kafka)
{
    if (!have_reference())
        return;
    ck_assert_uint_gt(sk_api_count(), 0);
    for (size_t i = 0; i < sk_api_count(); i++) {
        const sk_api_t *api = sk_api_at(i);
        for (int resp = 0; resp < 2; resp++) {
            const sk_msgdesc_t *d = resp ? api->resp : api->req;
            char file[256];
            snprintf(file, sizeof(file), "%s%s.json", api->name, resp ? "Response" : "Request");
            json_t *root = load_schema(file);
            ck_assert_int_eq(json_integer_value(json_object_get(root, "apiKey")), api->key);
            int lo, hi;
            parse_versions(json_string_value(json_object_get(root, "validVersions")), &lo, &hi);
            ck_assert_msg(lo == api->valid_min && hi == api->valid_max,
                          "%s: validVersions %d-%d, ours %d-%d", file, lo, hi, api->valid_min,
                          api->valid_max);
            ck_assert_int_eq(d->valid_lo, lo);
            ck_assert_int_eq(d->valid_hi, hi);
            parse_versions(json_string_value(json_object_get(root, "flexibleVersions")), &lo,
                           &hi);
            ck_assert_msg(lo == api->flex_ver && lo == d->flex_lo, "%s: flexible %d vs %d", file,
                          lo, api->flex_ver);
            ck_assert_msg(api->min_ver >= api->valid_min && api->max_ver <= api->valid_max &&
                              api->min_ver <= api->max_ver,
                          "%s: advertised %d-%d outside valid", file, api->min_ver, api->max_ver);
            if (api->generated)
                ck_assert_msg(api->min_ver == api->valid_min && api->max_ver == api->valid_max,
                              "%s: a generated codec serves Kafka's whole range", file);
            check_fields(root, file, json_object_get(root, "fields"), d, 0);
            json_decref(root);
        }
    }
    printf("check_schema: %zu APIs, %d fields match Kafka's schemas\n", sk_api_count(),
           nfields_checked);
}
END_TEST

/* Every handler named in the schema is a distinct key of the table. */
START_TEST(test_handler_list)
{
    int keys[] = {
#define K(key, fn) key,
        SK_API_HANDLERS(K)
#undef K
    };
    size_t n = sizeof(keys) / sizeof(keys[0]);
    ck_assert_uint_eq(n, sk_api_count());
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(keys[i], sk_api_at(i)->key);
}
END_TEST

static Suite *schema_suite(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("schema");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_schema_matches_kafka);
    tcase_add_test(tc, test_handler_list);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(schema_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

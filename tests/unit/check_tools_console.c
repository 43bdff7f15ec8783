/* check_tools_console.c - unit tests for the console tools' record printing
 * (Kafka's DefaultMessageFormatter layout) and line splitting (Kafka's
 * LineMessageReader rules), including malformed lines. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_fmt.h"
#include "kerr.h"

/* ---- printing ----------------------------------------------------------- */

static char *fmt_to_string(const sk_msgfmt_t *f, const sk_msgview_t *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    sk_msgfmt_write(f, m, out);
    fclose(out);
    return buf;
}

static sk_msgview_t sample(void)
{
    static const sk_msghdr_t hdrs[] = {{"h1", 2, "a", 1}, {"h2", 2, NULL, -1}, {"h3", 2, "", 0}};
    sk_msgview_t m = {
        .partition = 3,
        .offset = 42,
        .ts_type = SK_TS_CREATE_TIME,
        .timestamp = 1700000000123LL,
        .key = "k",
        .key_len = 1,
        .value = "v a l",
        .value_len = 5,
        .headers = hdrs,
        .n_headers = 3,
    };
    return m;
}

START_TEST(test_fmt_default_value_only)
{
    sk_msgfmt_t f;
    sk_msgfmt_init(&f);
    sk_msgview_t m = sample();
    char *s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "v a l\n");
    free(s);
    m.value = NULL;
    m.value_len = -1;
    s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "null\n");
    free(s);
    m.value = "";
    m.value_len = 0;
    s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "\n");
    free(s);
    sk_msgfmt_clear(&f);
}
END_TEST

START_TEST(test_fmt_all_fields)
{
    sk_msgfmt_t f;
    char err[256];
    sk_msgfmt_init(&f);
    const char *on[] = {"print.timestamp", "print.partition", "print.offset", "print.headers",
                        "print.key"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_int_eq(sk_msgfmt_set(&f, on[i], "true", err, sizeof(err)), SK_OK);
    sk_msgview_t m = sample();
    char *s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "CreateTime:1700000000123\tPartition:3\tOffset:42\th1:a,h2:null,h3:\tk"
                        "\tv a l\n");
    free(s);

    ck_assert_int_eq(sk_msgfmt_set(&f, "key.separator", " | ", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_msgfmt_set(&f, "line.separator", "\n--\n", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_msgfmt_set(&f, "headers.separator", ";", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_msgfmt_set(&f, "null.literal", "<nil>", err, sizeof(err)), SK_OK);
    m.ts_type = SK_TS_LOG_APPEND_TIME;
    m.key = NULL;
    m.key_len = -1;
    m.n_headers = 0;
    s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "LogAppendTime:1700000000123 | Partition:3 | Offset:42 | NO_HEADERS | "
                        "<nil> | v a l\n--\n");
    free(s);
    m.n_headers = 2;
    m.ts_type = SK_TS_NONE;
    s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "NO_TIMESTAMP | Partition:3 | Offset:42 | h1:a;h2:<nil> | <nil> | v a l\n"
                        "--\n");
    free(s);
    sk_msgfmt_clear(&f);
}
END_TEST

START_TEST(test_fmt_without_value)
{
    /* the last printed field ends the line; no dangling separator */
    sk_msgfmt_t f;
    char err[256];
    sk_msgfmt_init(&f);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.value", "false", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.key", "true", err, sizeof(err)), SK_OK);
    sk_msgview_t m = sample();
    char *s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "k\n");
    free(s);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.key", "false", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.offset", "TRUE", err, sizeof(err)), SK_OK);
    s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "Offset:42\n");
    free(s);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.offset", "false", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.timestamp", "true", err, sizeof(err)), SK_OK);
    s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "CreateTime:1700000000123\n");
    free(s);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.timestamp", "false", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.partition", "true", err, sizeof(err)), SK_OK);
    s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "Partition:3\n");
    free(s);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.partition", "false", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.headers", "true", err, sizeof(err)), SK_OK);
    s = fmt_to_string(&f, &m);
    ck_assert_str_eq(s, "h1:a,h2:null,h3:\n");
    free(s);
    sk_msgfmt_clear(&f);
}
END_TEST

START_TEST(test_fmt_binary_bytes)
{
    sk_msgfmt_t f;
    sk_msgfmt_init(&f);
    sk_msgview_t m = sample();
    m.value = "a\0b\n";
    m.value_len = 4;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    sk_msgfmt_write(&f, &m, out);
    fclose(out);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(buf, "a\0b\n\n", 5);
    free(buf);
    sk_msgfmt_clear(&f);
}
END_TEST

START_TEST(test_fmt_bad_properties)
{
    sk_msgfmt_t f;
    char err[512];
    sk_msgfmt_init(&f);
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.key", "yes", err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "print.key"));
    ck_assert_int_eq(sk_msgfmt_set(&f, "print.kye", "true", err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "unknown --property 'print.kye'"));
    ck_assert_int_eq(f.print_key, 0);
    sk_msgfmt_clear(&f);
}
END_TEST

/* ---- line splitting ------------------------------------------------------ */

#define PARSE_OK(r, line, out)                                                                  \
    ck_assert_int_eq(sk_linereader_parse(r, line, strlen(line), 1, out, err, sizeof(err)), SK_OK)

static void assert_bytes(const char *p, size_t n, const char *expected)
{
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(n, strlen(expected));
    ck_assert_mem_eq(p, expected, n);
}

START_TEST(test_lines_plain)
{
    sk_linereader_t r;
    sk_lineparsed_t p = {0};
    char err[512];
    sk_linereader_init(&r);
    ck_assert_int_eq(sk_linereader_check(&r, err, sizeof(err)), SK_OK);
    PARSE_OK(&r, "a\tb:c", &p);
    ck_assert_ptr_null(p.key);
    assert_bytes(p.value, p.value_len, "a\tb:c");
    PARSE_OK(&r, "", &p);
    assert_bytes(p.value, p.value_len, ""); /* empty, not null */
    ck_assert_int_eq(p.n_headers, 0);
    sk_lineparsed_clear(&p);
    sk_linereader_clear(&r);
}
END_TEST

START_TEST(test_lines_keys)
{
    sk_linereader_t r;
    sk_lineparsed_t p = {0};
    char err[512];
    sk_linereader_init(&r);
    ck_assert_int_eq(sk_linereader_set(&r, "parse.key", "true", err, sizeof(err)), SK_OK);
    PARSE_OK(&r, "k\tv\tmore", &p);
    assert_bytes(p.key, p.key_len, "k");
    assert_bytes(p.value, p.value_len, "v\tmore");
    ck_assert_int_eq(sk_linereader_set(&r, "key.separator", "::", err, sizeof(err)), SK_OK);
    PARSE_OK(&r, "a::b::c", &p);
    assert_bytes(p.key, p.key_len, "a");
    assert_bytes(p.value, p.value_len, "b::c");
    PARSE_OK(&r, "::x", &p);
    assert_bytes(p.key, p.key_len, "");
    assert_bytes(p.value, p.value_len, "x");
    PARSE_OK(&r, "x::", &p);
    assert_bytes(p.key, p.key_len, "x");
    assert_bytes(p.value, p.value_len, "");

    /* no separator: an error naming the line, unless ignore.error */
    ck_assert_int_eq(sk_linereader_parse(&r, "novalue", 7, 7, &p, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "No key separator found on line number 7: 'novalue'");
    ck_assert_int_eq(sk_linereader_set(&r, "ignore.error", "true", err, sizeof(err)), SK_OK);
    PARSE_OK(&r, "novalue", &p);
    ck_assert_ptr_null(p.key);
    assert_bytes(p.value, p.value_len, "novalue");

    /* a very long bad line is cut in the message */
    ck_assert_int_eq(sk_linereader_set(&r, "ignore.error", "false", err, sizeof(err)), SK_OK);
    char longline[1000];
    memset(longline, 'x', sizeof(longline));
    ck_assert_int_eq(sk_linereader_parse(&r, longline, sizeof(longline), 1, &p, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "...'"));
    ck_assert_uint_lt(strlen(err), 300);
    sk_lineparsed_clear(&p);
    sk_linereader_clear(&r);
}
END_TEST

START_TEST(test_lines_null_marker)
{
    sk_linereader_t r;
    sk_lineparsed_t p = {0};
    char err[512];
    sk_linereader_init(&r);
    ck_assert_int_eq(sk_linereader_set(&r, "parse.key", "true", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_linereader_set(&r, "key.separator", ":", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_linereader_set(&r, "null.marker", "<null>", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_linereader_check(&r, err, sizeof(err)), SK_OK);
    PARSE_OK(&r, "<null>:v", &p);
    ck_assert_ptr_null(p.key);
    assert_bytes(p.value, p.value_len, "v");
    PARSE_OK(&r, "k:<null>", &p);
    assert_bytes(p.key, p.key_len, "k");
    ck_assert_ptr_null(p.value);
    PARSE_OK(&r, "k:<null>x", &p);
    assert_bytes(p.value, p.value_len, "<null>x");
    sk_lineparsed_clear(&p);
    /* a null marker equal to a separator is refused */
    ck_assert_int_eq(sk_linereader_set(&r, "null.marker", ":", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_linereader_check(&r, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "null.marker and key.separator may not be equal");
    ck_assert_int_eq(sk_linereader_set(&r, "null.marker", "", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_linereader_check(&r, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_linereader_set(&r, "null.marker", "N", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_linereader_set(&r, "key.separator", "", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_linereader_check(&r, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "key.separator may not be empty");
    sk_linereader_clear(&r);
}
END_TEST

START_TEST(test_lines_headers)
{
    sk_linereader_t r;
    sk_lineparsed_t p = {0};
    char err[512];
    sk_linereader_init(&r);
    ck_assert_int_eq(sk_linereader_set(&r, "parse.headers", "true", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_linereader_set(&r, "parse.key", "true", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_linereader_set(&r, "null.marker", "NULL", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_linereader_check(&r, err, sizeof(err)), SK_OK);
    PARSE_OK(&r, "h1:v1,h2:,h3:NULL,h4:a:b\tkey\tvalue", &p);
    ck_assert_int_eq(p.n_headers, 4);
    assert_bytes(p.headers[0].name, p.headers[0].name_len, "h1");
    assert_bytes(p.headers[0].value, p.headers[0].value_len, "v1");
    assert_bytes(p.headers[1].value, p.headers[1].value_len, "");
    ck_assert_ptr_null(p.headers[2].value);
    assert_bytes(p.headers[3].value, p.headers[3].value_len, "a:b");
    assert_bytes(p.key, p.key_len, "key");
    assert_bytes(p.value, p.value_len, "value");

    /* trailing empty pairs are dropped (Java split), NULL means no headers */
    PARSE_OK(&r, "h:1,,\tk\tv", &p);
    ck_assert_int_eq(p.n_headers, 1);
    PARSE_OK(&r, "NULL\tk\tv", &p);
    ck_assert_int_eq(p.n_headers, 0);
    PARSE_OK(&r, ",\tk\tv", &p);
    ck_assert_int_eq(p.n_headers, 0);

    /* malformed */
    ck_assert_int_eq(sk_linereader_parse(&r, "h1\tk\tv", 6, 2, &p, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "No header key separator found in pair 'h1' on line number 2");
    ck_assert_int_eq(sk_linereader_parse(&r, "\tk\tv", 4, 3, &p, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_linereader_parse(&r, "a:1,,b:2\tk\tv", 12, 3, &p, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_int_eq(sk_linereader_parse(&r, "NULL:x\tk\tv", 10, 4, &p, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "null marker"));
    ck_assert_int_eq(sk_linereader_parse(&r, "no-delimiter", 12, 5, &p, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_str_eq(err, "No headers delimiter found on line number 5: 'no-delimiter'");

    /* ignore.error: a pair without ':' is a header with a null value */
    ck_assert_int_eq(sk_linereader_set(&r, "ignore.error", "true", err, sizeof(err)), SK_OK);
    PARSE_OK(&r, "flag\tk\tv", &p);
    ck_assert_int_eq(p.n_headers, 1);
    assert_bytes(p.headers[0].name, p.headers[0].name_len, "flag");
    ck_assert_ptr_null(p.headers[0].value);
    PARSE_OK(&r, "just a value", &p);
    ck_assert_int_eq(p.n_headers, 0);
    ck_assert_ptr_null(p.key);
    assert_bytes(p.value, p.value_len, "just a value");
    sk_lineparsed_clear(&p);

    ck_assert_int_eq(sk_linereader_set(&r, "headers.key.separator", ",", err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(sk_linereader_check(&r, err, sizeof(err)), SK_EINVAL);
    sk_linereader_clear(&r);
}
END_TEST

START_TEST(test_lines_many_headers_and_bad_props)
{
    sk_linereader_t r;
    sk_lineparsed_t p = {0};
    char err[512];
    sk_linereader_init(&r);
    ck_assert_int_eq(sk_linereader_set(&r, "parse.headers", "true", err, sizeof(err)), SK_OK);
    char line[4096];
    size_t len = 0;
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, "%sh%d:%d", i ? "," : "", i, i);
    len += (size_t)snprintf(line + len, sizeof(line) - len, "\tvalue");
    ck_assert_int_eq(sk_linereader_parse(&r, line, len, 1, &p, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(p.n_headers, 100);
    assert_bytes(p.headers[99].name, p.headers[99].name_len, "h99");
    assert_bytes(p.headers[99].value, p.headers[99].value_len, "99");
    assert_bytes(p.value, p.value_len, "value");
    sk_lineparsed_clear(&p);
    ck_assert_int_eq(sk_linereader_set(&r, "parse.key", "1", err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_linereader_set(&r, "parse.keys", "true", err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "unknown --property 'parse.keys'"));
    sk_linereader_clear(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("tools_console");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, test_fmt_default_value_only);
    tcase_add_test(tc, test_fmt_all_fields);
    tcase_add_test(tc, test_fmt_without_value);
    tcase_add_test(tc, test_fmt_binary_bytes);
    tcase_add_test(tc, test_fmt_bad_properties);
    suite_add_tcase(s, tc);
    tc = tcase_create("lines");
    tcase_add_test(tc, test_lines_plain);
    tcase_add_test(tc, test_lines_keys);
    tcase_add_test(tc, test_lines_null_marker);
    tcase_add_test(tc, test_lines_headers);
    tcase_add_test(tc, test_lines_many_headers_and_bad_props);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

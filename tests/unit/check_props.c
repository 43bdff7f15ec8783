/* check_props.c - unit tests for the .properties reader. */
#include "props.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kerr.h"
#include "log.h"

/* Parse a NUL-terminated text; asserts success. */
static void parse_ok(sk_props_t *p, const char *text)
{
    char err[256] = "";
    sk_props_init(p);
    int rc = sk_props_parse_buf(p, text, strlen(text), "t.properties", err, sizeof(err));
    ck_assert_msg(rc == SK_OK, "parse failed: %s", err);
}

/* Parse len bytes; asserts failure and returns the message. */
static void parse_fail(const char *text, size_t len, char *err, size_t errlen)
{
    sk_props_t p;
    sk_props_init(&p);
    err[0] = '\0';
    int rc = sk_props_parse_buf(&p, text, len, "t.properties", err, errlen);
    ck_assert_int_eq(rc, SK_EINVAL);
    ck_assert_int_eq(p.n, 0);
    ck_assert_ptr_null(p.v);
}

static void assert_entry(const sk_props_t *p, const char *key, const char *value, int line)
{
    const sk_prop_t *e = sk_props_get(p, key);
    ck_assert_msg(e != NULL, "key '%s' missing", key);
    ck_assert_str_eq(e->value, value);
    ck_assert_int_eq(e->line, line);
}

START_TEST(test_separators)
{
    sk_props_t p;
    parse_ok(&p, "a=1\n"
                 "b: 2\n"
                 "c 3\n"
                 "d  =  4\n"
                 "e\t:\tfive six\n"
                 "f=x=y\n"
                 "g==z\n"
                 "h::w\n"
                 "i\n"
                 "j=\n"
                 "k =   \n"
                 "l    m  \t \n");
    ck_assert_int_eq(p.n, 12);
    assert_entry(&p, "a", "1", 1);
    assert_entry(&p, "b", "2", 2);
    assert_entry(&p, "c", "3", 3);
    assert_entry(&p, "d", "4", 4);
    assert_entry(&p, "e", "five six", 5);
    assert_entry(&p, "f", "x=y", 6);
    assert_entry(&p, "g", "=z", 7);
    assert_entry(&p, "h", ":w", 8);
    assert_entry(&p, "i", "", 9);
    assert_entry(&p, "j", "", 10);
    assert_entry(&p, "k", "", 11);
    assert_entry(&p, "l", "m", 12);
    /* order is file order */
    ck_assert_str_eq(p.v[0].key, "a");
    ck_assert_str_eq(p.v[11].key, "l");
    sk_props_free(&p);
}
END_TEST

START_TEST(test_comments_and_blank_lines)
{
    sk_props_t p;
    parse_ok(&p, "# comment\n"
                 "! also a comment\n"
                 "   # indented comment\n"
                 "\t! indented bang\n"
                 "\n"
                 "   \t  \n"
                 "# comment ending in backslash does not continue \\\n"
                 "real=yes # not a comment inside a value\n"
                 "\f\n");
    ck_assert_int_eq(p.n, 1);
    assert_entry(&p, "real", "yes # not a comment inside a value", 8);
    sk_props_free(&p);
}
END_TEST

START_TEST(test_leading_whitespace)
{
    sk_props_t p;
    parse_ok(&p, "    key.one = v1\n\t\tkey.two=v2\n");
    assert_entry(&p, "key.one", "v1", 1);
    assert_entry(&p, "key.two", "v2", 2);
    sk_props_free(&p);
}
END_TEST

START_TEST(test_continuation)
{
    sk_props_t p;
    parse_ok(&p, "list=a,\\\n"
                 "     b,\\\n"
                 "\t   c\n"
                 "next=1\n"
                 "even=x\\\\\n"          /* escaped backslash: no continuation */
                 "after=2\n"
                 "odd=y\\\\\\\n"         /* \\ then \ : continues */
                 "  z\n"
                 "cont\\\n"              /* key continues on the next line */
                 "  key = v\n"
                 "# comment\n"
                 "multi = \\\n"          /* continuation line starting with # is data */
                 "  #notcomment\n"
                 "last=end\\");          /* continuation at end of file */
    assert_entry(&p, "list", "a,b,c", 1);
    assert_entry(&p, "next", "1", 4);
    assert_entry(&p, "even", "x\\", 5);
    assert_entry(&p, "after", "2", 6);
    assert_entry(&p, "odd", "y\\z", 7);
    assert_entry(&p, "contkey", "v", 9);
    assert_entry(&p, "multi", "#notcomment", 12);
    assert_entry(&p, "last", "end", 14);
    ck_assert_int_eq(p.n, 8);
    sk_props_free(&p);
}
END_TEST

START_TEST(test_escapes)
{
    sk_props_t p;
    parse_ok(&p, "tab=a\\tb\n"
                 "nl=a\\nb\n"
                 "cr=a\\rb\n"
                 "ff=a\\fb\n"
                 "bs=a\\\\b\n"
                 "eq=a\\=b\n"
                 "colon=a\\:b\n"
                 "k\\=ey=1\n"
                 "k\\:ey2=2\n"
                 "my\\ key=3\n"
                 "other=\\q\\#\\!\n"
                 "sp=x\\ \n"
                 "lead=\\  y\n"
                 "e_acute=caf\\u00e9\n"
                 "euro=\\u20AC\n"
                 "emoji=\\uD83D\\uDE00\n"
                 "ascii=\\u0041\\u0062\n"
                 "utf8raw=caf\xc3\xa9\n");
    assert_entry(&p, "tab", "a\tb", 1);
    assert_entry(&p, "nl", "a\nb", 2);
    assert_entry(&p, "cr", "a\rb", 3);
    assert_entry(&p, "ff", "a\fb", 4);
    assert_entry(&p, "bs", "a\\b", 5);
    assert_entry(&p, "eq", "a=b", 6);
    assert_entry(&p, "colon", "a:b", 7);
    assert_entry(&p, "k=ey", "1", 8);
    assert_entry(&p, "k:ey2", "2", 9);
    assert_entry(&p, "my key", "3", 10);
    assert_entry(&p, "other", "q#!", 11);
    assert_entry(&p, "sp", "x ", 12);
    assert_entry(&p, "lead", "  y", 13);
    assert_entry(&p, "e_acute", "caf\xc3\xa9", 14);
    assert_entry(&p, "euro", "\xe2\x82\xac", 15);
    assert_entry(&p, "emoji", "\xf0\x9f\x98\x80", 16);
    assert_entry(&p, "ascii", "Ab", 17);
    assert_entry(&p, "utf8raw", "caf\xc3\xa9", 18);
    sk_props_free(&p);
}
END_TEST

START_TEST(test_line_endings)
{
    sk_props_t p;
    /* CRLF */
    parse_ok(&p, "a=1\r\nb=2  \r\n\r\n# c\r\nc=3\r\n");
    ck_assert_int_eq(p.n, 3);
    assert_entry(&p, "a", "1", 1);
    assert_entry(&p, "b", "2", 2);
    assert_entry(&p, "c", "3", 5);
    sk_props_free(&p);
    /* old Mac CR only */
    parse_ok(&p, "a=1\rb=2\r\rc=3");
    assert_entry(&p, "a", "1", 1);
    assert_entry(&p, "b", "2", 2);
    assert_entry(&p, "c", "3", 4);
    sk_props_free(&p);
    /* CRLF continuation */
    parse_ok(&p, "a=x\\\r\n   y\r\nb=z");
    assert_entry(&p, "a", "xy", 1);
    assert_entry(&p, "b", "z", 3);
    sk_props_free(&p);
    /* no trailing newline, and a UTF-8 BOM */
    parse_ok(&p, "\xEF\xBB\xBFkey=last");
    assert_entry(&p, "key", "last", 1);
    sk_props_free(&p);
    /* empty input */
    parse_ok(&p, "");
    ck_assert_int_eq(p.n, 0);
    sk_props_free(&p);
}
END_TEST

/* Read a whole (small) file into a static buffer. */
static const char *slurp(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(test_duplicates_last_wins)
{
    char logpath[] = "/tmp/check_props_log_XXXXXX";
    int fd = mkstemp(logpath);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(sk_log_open(logpath), 0);
    sk_log_set_level(SK_LOG_WARN);

    sk_props_t p;
    parse_ok(&p, "a=1\nb=2\na=3\n");
    ck_assert_int_eq(p.n, 2);
    ck_assert_str_eq(p.v[0].key, "a");
    assert_entry(&p, "a", "3", 3);
    assert_entry(&p, "b", "2", 2);
    sk_props_free(&p);

    sk_log_set_level(SK_LOG_ERROR);
    const char *log = slurp(logpath);
    ck_assert_msg(strstr(log, "WARN") && strstr(log, "'a'") && strstr(log, "line 3") &&
                      strstr(log, "line 1") && strstr(log, "t.properties"),
                  "log was: %s", log);
    unlink(logpath);
}
END_TEST

START_TEST(test_bad_unicode_escapes)
{
    static const struct {
        const char *text;
        const char *expect; /* substring of the message */
    } bad[] = {
        {"ok=1\nx=\\u12\n", "t.properties:2:"},
        {"x=\\u12G4\n", "t.properties:1:"},
        {"x=\\u\n", "malformed"},
        {"x=\\u0000\n", "NUL"},
        {"x=\\uDC00\n", "surrogate"},
        {"x=\\uD83D\n", "surrogate"},
        {"x=\\uD83Dabc\n", "surrogate"},
        {"x=\\uD83D\\u0041\n", "surrogate"},
        {"k\\uZZZZ=1\n", "t.properties:1:"},
        {"a=1\n\n# c\nb=\\\n  \\u00\n", "t.properties:4:"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[256];
        parse_fail(bad[i].text, strlen(bad[i].text), err, sizeof(err));
        ck_assert_msg(strstr(err, bad[i].expect) != NULL, "case %zu: '%s' lacks '%s'", i, err,
                      bad[i].expect);
    }
}
END_TEST

START_TEST(test_nul_byte)
{
    static const char text[] = "a=1\nb=x\0y\nc=3\n";
    char err[256];
    parse_fail(text, sizeof(text) - 1, err, sizeof(err));
    ck_assert_msg(strstr(err, "t.properties:2:") && strstr(err, "NUL"), "%s", err);
    /* in a comment line too */
    static const char text2[] = "# \0\n";
    parse_fail(text2, sizeof(text2) - 1, err, sizeof(err));
    ck_assert_msg(strstr(err, "t.properties:1:"), "%s", err);
    /* in a continuation line */
    static const char text3[] = "a=\\\n\0\n";
    parse_fail(text3, sizeof(text3) - 1, err, sizeof(err));
    ck_assert_msg(strstr(err, "t.properties:2:"), "%s", err);
}
END_TEST

START_TEST(test_overlong_lines)
{
    size_t n = SK_PROPS_MAX_LINE + 10;
    char *text = malloc(n + 16);
    char err[256];
    /* one natural line over the limit, on line 2 */
    memcpy(text, "a=1\nb=", 6);
    memset(text + 6, 'x', n - 6);
    text[n] = '\n';
    parse_fail(text, n + 1, err, sizeof(err));
    ck_assert_msg(strstr(err, "t.properties:2:") && strstr(err, "longer"), "%s", err);

    /* a continued line whose parts are each short but the whole is too long */
    size_t pos = 0;
    memcpy(text, "k=", 2);
    pos = 2;
    size_t logical = 2;
    while (logical < n) {
        size_t chunk = 1000;
        logical += chunk;
        memset(text + pos, 'y', chunk);
        pos += chunk;
        memcpy(text + pos, "\\\n", 2);
        pos += 2;
        text = realloc(text, pos + 1100);
    }
    memcpy(text + pos, "end\n", 4);
    pos += 4;
    parse_fail(text, pos, err, sizeof(err));
    ck_assert_msg(strstr(err, "t.properties:1:") && strstr(err, "longer"), "%s", err);

    /* exactly at the limit is fine */
    text = realloc(text, SK_PROPS_MAX_LINE + 2);
    memcpy(text, "k=", 2);
    memset(text + 2, 'z', SK_PROPS_MAX_LINE - 2);
    sk_props_t p;
    sk_props_init(&p);
    ck_assert_int_eq(sk_props_parse_buf(&p, text, SK_PROPS_MAX_LINE, "t", err, sizeof(err)), SK_OK);
    ck_assert_uint_eq(strlen(sk_props_get(&p, "k")->value), SK_PROPS_MAX_LINE - 2);
    sk_props_free(&p);
    free(text);
}
END_TEST

START_TEST(test_files)
{
    char path[] = "/tmp/check_props_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *text = "broker.id=3\r\nlog.dirs=/a,/b\r\n";
    ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);

    char err[512] = "";
    sk_props_t p;
    sk_props_init(&p);
    ck_assert_int_eq(sk_props_parse_file(&p, path, err, sizeof(err)), SK_OK);
    assert_entry(&p, "broker.id", "3", 1);
    assert_entry(&p, "log.dirs", "/a,/b", 2);
    sk_props_free(&p);

    /* errors name the file */
    fd = open(path, O_WRONLY | O_TRUNC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "a=1\nb=\\uXYZW\n", 13), 13);
    close(fd);
    ck_assert_int_eq(sk_props_parse_file(&p, path, err, sizeof(err)), SK_EINVAL);
    char expect[128];
    snprintf(expect, sizeof(expect), "%s:2:", path);
    ck_assert_msg(strstr(err, expect) != NULL, "%s", err);
    ck_assert_int_eq(p.n, 0);
    unlink(path);

    ck_assert_int_eq(sk_props_parse_file(&p, path, err, sizeof(err)), SK_EINVAL);
    ck_assert_msg(strstr(err, path) && strstr(err, "No such file"), "%s", err);
    ck_assert_int_eq(sk_props_parse_file(&p, "/tmp", err, sizeof(err)), SK_EINVAL);
    ck_assert_msg(strstr(err, "/tmp") && strstr(err, "directory"), "%s", err);
    ck_assert_int_eq(p.n, 0);
}
END_TEST

START_TEST(test_get_missing)
{
    sk_props_t p;
    parse_ok(&p, "a=1\n");
    ck_assert_ptr_null(sk_props_get(&p, "b"));
    ck_assert_ptr_null(sk_props_get(&p, "A"));
    sk_props_free(&p);
    sk_props_free(&p); /* idempotent */
}
END_TEST

int main(void)
{
    sk_log_set_level(SK_LOG_ERROR); /* duplicate-key warnings are expected */
    Suite *s = suite_create("props");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_separators);
    tcase_add_test(tc, test_comments_and_blank_lines);
    tcase_add_test(tc, test_leading_whitespace);
    tcase_add_test(tc, test_continuation);
    tcase_add_test(tc, test_escapes);
    tcase_add_test(tc, test_line_endings);
    tcase_add_test(tc, test_duplicates_last_wins);
    tcase_add_test(tc, test_bad_unicode_escapes);
    tcase_add_test(tc, test_nul_byte);
    tcase_add_test(tc, test_overlong_lines);
    tcase_add_test(tc, test_files);
    tcase_add_test(tc, test_get_missing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

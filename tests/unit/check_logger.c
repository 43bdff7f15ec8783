/* check_logger.c - the logger's line formats (common/log.h): text lines as
 * before, and log.format=json: one object per line with time, level,
 * broker, module, the partition fields of the *_tp calls, and the message
 * escaped (quotes, backslashes, control bytes; bytes that are not UTF-8 as
 * U+FFFD), long messages cut without breaking the object. */
#include "log.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

/* Log into a fresh file; returns what was written once fn has run. */
static char *capture(void (*fn)(void))
{
    strcpy(path, "/tmp/sk-check-logger-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(sk_log_open(path), 0);
    fn();
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    unlink(path);
    return buf;
}

static void log_text(void)
{
    sk_log_set_format(SK_LOG_TEXT);
    sk_log_set_broker_id(3);
    sk_info("zk", "two\nlines \"quoted\"");
    sk_info_tp("control", "t", 1, 4, "partition %s-%d: now leader", "t", 1);
}

START_TEST(test_text_unchanged)
{
    char *s = capture(log_text);
    ck_assert_ptr_nonnull(strstr(s, "Z INFO  [broker 3] [zk] two lines \"quoted\"\n"));
    ck_assert_ptr_nonnull(strstr(s, "Z INFO  [broker 3] [control] partition t-1: now leader\n"));
    ck_assert_ptr_null(strchr(s, '{'));
}
END_TEST

static void log_json(void)
{
    sk_log_set_format(SK_LOG_JSON);
    sk_log_set_broker_id(7);
    sk_warn("net", "peer \"%s\" sent \\ and\ttab\x01 %s", "a\nb", "caf\xc3\xa9 \xff\xfe end");
    sk_info_tp("isr", "top\"ic", 2, 9, "ISR now %d", 3);
    sk_info_tp("control", "t", 0, -1, "stopped");
}

START_TEST(test_json_fields_and_escaping)
{
    char *s = capture(log_json);
    char *l1 = s, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
    ck_assert(strncmp(l1, "{\"time\":\"", 9) == 0);
    ck_assert_ptr_nonnull(strstr(l1, "Z\",\"level\":\"WARN\",\"broker\":7,\"module\":\"net\","
                                     "\"message\":\"peer \\\"a\\nb\\\" sent \\\\ and\\ttab"
                                     "\\u0001 caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end\"}\n"));
    ck_assert_ptr_nonnull(strstr(l2, "\"level\":\"INFO\",\"broker\":7,\"module\":\"isr\","
                                     "\"topic\":\"top\\\"ic\",\"partition\":2,\"epoch\":9,"
                                     "\"message\":\"ISR now 3\"}\n"));
    ck_assert_ptr_nonnull(strstr(l3, "\"topic\":\"t\",\"partition\":0,\"message\":\"stopped\"}\n"));
    /* three lines, nothing else */
    ck_assert_ptr_eq(strchr(l3, '\n') + 1, s + strlen(s));
}
END_TEST

static void log_long(void)
{
    sk_log_set_format(SK_LOG_JSON);
    static char big[10000];
    memset(big, '"', sizeof(big) - 1); /* each one doubles when escaped */
    sk_error("x", "%s", big);
}

START_TEST(test_json_long_message_stays_one_object)
{
    char *s = capture(log_long);
    size_t n = strlen(s);
    ck_assert_int_gt(n, 2000);
    ck_assert(strcmp(s + n - 3, "\"}\n") == 0);
    ck_assert_ptr_eq(strchr(s, '\n'), s + n - 1);
    /* the cut fell between escape sequences: an even run of \" pairs */
    const char *m = strstr(s, "\"message\":\"") + 11;
    for (const char *c = m; c < s + n - 3; c += 2)
        ck_assert(c[0] == '\\' && c[1] == '"');
}
END_TEST

static Suite *logger_suite(void)
{
    Suite *s = suite_create("logger");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_text_unchanged);
    tcase_add_test(tc, test_json_fields_and_escaping);
    tcase_add_test(tc, test_json_long_message_stays_one_object);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(logger_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

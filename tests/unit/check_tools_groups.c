/* check_tools_groups.c - unit tests for skein-consumer-groups' pure parts:
 * command-line rules, --topic scopes, --to-datetime parsing, reset
 * arithmetic and the output tables. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups_cmd.h"
#include "groups_out.h"
#include "groups_spec.h"
#include "kerr.h"
#include "mem.h"

/* ---- command line ------------------------------------------------------- */

/* Parse a NULL-terminated argument list (program name added). */
static int parse(sk_groups_cmd_t *c, char *err, size_t errlen, ...)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "skein-consumer-groups";
    va_list ap;
    va_start(ap, errlen);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 63)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    err[0] = '\0';
    return sk_groups_cmd_parse(argc, argv, c, err, errlen);
}

#define B "--bootstrap-server", "h:1"

START_TEST(test_cmd_valid)
{
    sk_groups_cmd_t c;
    char err[512];
    ck_assert_int_eq(parse(&c, err, sizeof(err), B, "--list", NULL), SK_OK);
    ck_assert_int_eq(c.action, SK_GC_LIST);
    ck_assert_str_eq(c.bootstrap, "h:1");
    ck_assert_int_eq(c.timeout_ms, SK_GC_DEFAULT_TIMEOUT_MS);
    sk_groups_cmd_clear(&c);

    ck_assert_int_eq(parse(&c, err, sizeof(err), B, "--describe", "--group", "g1", "--group",
                           "g2", "--members", "--verbose", "--timeout", "2500", NULL),
                     SK_OK);
    ck_assert_int_eq(c.action, SK_GC_DESCRIBE);
    ck_assert_int_eq(c.n_groups, 2);
    ck_assert_str_eq(c.groups[1], "g2");
    ck_assert_int_eq(c.show, SK_GC_SHOW_MEMBERS);
    ck_assert_int_eq(c.verbose, 1);
    ck_assert_int_eq(c.timeout_ms, 2500);
    sk_groups_cmd_clear(&c);

    ck_assert_int_eq(parse(&c, err, sizeof(err), B, "--describe", "--all-groups", "--state",
                           NULL), SK_OK);
    ck_assert_int_eq(c.all_groups, 1);
    ck_assert_int_eq(c.show, SK_GC_SHOW_STATE);
    sk_groups_cmd_clear(&c);

    ck_assert_int_eq(parse(&c, err, sizeof(err), B, "--reset-offsets", "--group", "g", "--topic",
                           "t:0,2", "--topic", "u", "--shift-by", "-5", "--execute", NULL),
                     SK_OK);
    ck_assert_int_eq(c.action, SK_GC_RESET);
    ck_assert_int_eq(c.reset, SK_GRESET_SHIFT);
    ck_assert_int_eq(c.reset_value, -5);
    ck_assert_int_eq(c.execute, 1);
    ck_assert_int_eq(c.n_topics, 2);
    ck_assert_str_eq(c.topics[0].topic, "t");
    ck_assert_int_eq(c.topics[0].n_parts, 2);
    ck_assert_int_eq(c.topics[1].n_parts, 0);
    sk_groups_cmd_clear(&c);

    ck_assert_int_eq(parse(&c, err, sizeof(err), B, "--reset-offsets", "--all-groups",
                           "--all-topics", "--to-datetime", "2026-01-02T03:04:05.678Z",
                           "--dry-run", NULL), SK_OK);
    ck_assert_int_eq(c.reset, SK_GRESET_DATETIME);
    ck_assert_int_eq(c.reset_value, 1767323045678LL);
    sk_groups_cmd_clear(&c);

    ck_assert_int_eq(parse(&c, err, sizeof(err), B, "--reset-offsets", "--group", "g",
                           "--all-topics", "--to-offset", "42", NULL), SK_OK);
    ck_assert_int_eq(c.reset, SK_GRESET_OFFSET);
    ck_assert_int_eq(c.reset_value, 42);
    sk_groups_cmd_clear(&c);

    ck_assert_int_eq(parse(&c, err, sizeof(err), B, "--delete-offsets", "--group", "g",
                           "--topic", "t", NULL), SK_OK);
    ck_assert_int_eq(c.action, SK_GC_DELETE_OFFSETS);
    sk_groups_cmd_clear(&c);

    /* --help skips every other rule */
    ck_assert_int_eq(parse(&c, err, sizeof(err), "--help", NULL), SK_OK);
    ck_assert_int_eq(c.help, 1);
    sk_groups_cmd_clear(&c);
    ck_assert_int_eq(parse(&c, err, sizeof(err), "-h", "--describe", NULL), SK_OK);
    ck_assert_int_eq(c.help, 1);
    sk_groups_cmd_clear(&c);
}
END_TEST

/* Each bad command line fails, and the message names the flag. */
START_TEST(test_cmd_errors)
{
    static const struct {
        const char *args[12];
        const char *needle;
    } cases[] = {
        {{"--list"}, "--bootstrap-server"},
        {{B}, "exactly one action"},
        {{B, "--list", "--describe"}, "--describe"},
        {{B, "--describe"}, "--group"},
        {{B, "--describe", "--group", "g", "--all-groups"}, "--all-groups"},
        {{B, "--describe", "--group", "g", "--members", "--state"}, "--state"},
        {{B, "--list", "--group", "g"}, "--group"},
        {{B, "--list", "--members"}, "--members"},
        {{B, "--delete", "--group", "g", "--verbose"}, "--verbose"},
        {{B, "--describe", "--group", "g", "--topic", "t"}, "--topic"},
        {{B, "--describe", "--group", "g", "--to-earliest"}, "--to-earliest"},
        {{B, "--describe", "--group", "g", "--execute"}, "--execute"},
        {{B, "--reset-offsets", "--group", "g", "--to-earliest"}, "--all-topics"},
        {{B, "--reset-offsets", "--group", "g", "--topic", "t"}, "--to-earliest"},
        {{B, "--reset-offsets", "--group", "g", "--all-topics", "--topic", "t", "--to-latest"},
         "--all-topics"},
        {{B, "--reset-offsets", "--group", "g", "--topic", "t", "--to-latest", "--to-earliest"},
         "--to-earliest"},
        {{B, "--reset-offsets", "--group", "g", "--topic", "t", "--to-latest", "--execute",
          "--dry-run"}, "--dry-run"},
        {{B, "--reset-offsets", "--group", "g", "--topic", "t", "--to-offset", "-1"},
         "--to-offset"},
        {{B, "--reset-offsets", "--group", "g", "--topic", "t", "--to-offset", "x"},
         "--to-offset"},
        {{B, "--reset-offsets", "--group", "g", "--topic", "t", "--shift-by", "1.5"},
         "--shift-by"},
        {{B, "--reset-offsets", "--group", "g", "--topic", "t", "--to-datetime", "yesterday"},
         "--to-datetime"},
        {{B, "--reset-offsets", "--group", "g", "--topic", "t:", "--to-latest"}, "--topic"},
        {{B, "--reset-offsets", "--group", "g", "--topic", ":1", "--to-latest"}, "--topic"},
        {{B, "--delete-offsets", "--group", "g"}, "--topic"},
        {{B, "--delete-offsets", "--group", "g", "--group", "h", "--topic", "t"}, "--group"},
        {{B, "--delete-offsets", "--all-groups", "--topic", "t"}, "--group"},
        {{B, "--delete"}, "--group"},
        {{B, "--list", "--timeout", "0"}, "--timeout"},
        {{B, "--list", "--timeout"}, "--timeout"},
        {{B, "--list", "--nonsense"}, "--nonsense"},
        {{B, "--list", "extra"}, "extra"},
        {{B, "--describe", "--group", ""}, "--group"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[16];
        int argc = 0;
        argv[argc++] = "skein-consumer-groups";
        for (int j = 0; cases[i].args[j]; j++)
            argv[argc++] = (char *)cases[i].args[j];
        argv[argc] = NULL;
        sk_groups_cmd_t c;
        char err[512] = "";
        ck_assert_msg(sk_groups_cmd_parse(argc, argv, &c, err, sizeof(err)) == SK_EINVAL,
                      "case %zu accepted", i);
        ck_assert_msg(strstr(err, cases[i].needle) != NULL, "case %zu: '%s' lacks '%s'", i, err,
                      cases[i].needle);
        sk_groups_cmd_clear(&c);
    }
}
END_TEST

START_TEST(test_usage_mentions_options)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sk_groups_cmd_usage(f);
    fclose(f);
    const char *opts[] = {"--bootstrap-server", "--list", "--describe", "--reset-offsets",
                          "--delete", "--delete-offsets", "--group", "--all-groups",
                          "--members", "--offsets", "--state", "--topic", "--all-topics",
                          "--to-earliest", "--to-latest", "--to-offset", "--shift-by",
                          "--to-datetime", "--dry-run", "--execute", "--command-config",
                          "--timeout", "--help"};
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        ck_assert_msg(strstr(buf, opts[i]) != NULL, "%s missing", opts[i]);
    free(buf);
}
END_TEST

/* ---- topic scopes ------------------------------------------------------- */

START_TEST(test_topic_spec)
{
    sk_gtopic_spec_t s;
    char err[256];
    ck_assert_int_eq(sk_gtopic_spec_parse("orders", &s, err, sizeof(err)), SK_OK);
    ck_assert_str_eq(s.topic, "orders");
    ck_assert_int_eq(s.n_parts, 0);
    ck_assert(sk_gtopic_spec_match(&s, "orders", 7));
    ck_assert(!sk_gtopic_spec_match(&s, "order", 7));
    sk_gtopic_spec_clear(&s);

    ck_assert_int_eq(sk_gtopic_spec_parse("a.b-c:3,0,12", &s, err, sizeof(err)), SK_OK);
    ck_assert_str_eq(s.topic, "a.b-c");
    ck_assert_int_eq(s.n_parts, 3);
    ck_assert_int_eq(s.parts[2], 12);
    ck_assert(sk_gtopic_spec_match(&s, "a.b-c", 0));
    ck_assert(!sk_gtopic_spec_match(&s, "a.b-c", 1));
    sk_gtopic_spec_clear(&s);

    const char *bad[] = {"", ":0", "t:", "t:,", "t:1,", "t:,1", "t:1,,2", "t:-1", "t:x",
                         "t:1 ", "t:1,1", "t:2147483648", "t:1:2",
                         "t:99999999999999999999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        ck_assert_msg(sk_gtopic_spec_parse(bad[i], &s, err, sizeof(err)) == SK_EINVAL, "%s",
                      bad[i]);
        ck_assert(strlen(err) > 0);
        ck_assert_ptr_null(s.topic);
        ck_assert_ptr_null(s.parts);
    }
}
END_TEST

/* ---- timestamps --------------------------------------------------------- */

START_TEST(test_datetime)
{
    int64_t ms;
    char err[256], buf[40];
    ck_assert_int_eq(sk_gdatetime_parse("1970-01-01T00:00:00.000", &ms, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(ms, 0);
    ck_assert_int_eq(sk_gdatetime_parse("2026-11-22T06:26:44.123", &ms, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(ms, 1795328804123LL);
    ck_assert_int_eq(sk_gdatetime_parse("2026-11-22T06:26:44.123Z", &ms, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(ms, 1795328804123LL);
    ck_assert_int_eq(sk_gdatetime_parse("2026-11-22T06:26:44", &ms, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(ms, 1795328804000LL);
    /* +02:00 is two hours ahead of UTC: the same instant is 2 h earlier in UTC */
    ck_assert_int_eq(sk_gdatetime_parse("2026-11-22T08:26:44.123+02:00", &ms, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(ms, 1795328804123LL);
    ck_assert_int_eq(sk_gdatetime_parse("2026-11-22T01:56:44.123-04:30", &ms, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(ms, 1795328804123LL);
    /* leap day */
    ck_assert_int_eq(sk_gdatetime_parse("2024-02-29T12:00:00.000", &ms, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(ms, 1709208000000LL);
    ck_assert_int_eq(sk_gdatetime_parse("2000-02-29T00:00:00.000", &ms, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(ms, 951782400000LL);

    sk_gdatetime_format(1795328804123LL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "2026-11-22T06:26:44.123Z");
    sk_gdatetime_format(951782400000LL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "2000-02-29T00:00:00.000Z");
    sk_gdatetime_format(0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");

    const char *bad[] = {"",
                         "2026-11-22",
                         "2026-11-22 06:26:44.123",
                         "2026-11-22T06:26",
                         "2026-13-01T00:00:00.000",
                         "2026-00-01T00:00:00.000",
                         "2026-02-29T00:00:00.000",
                         "1900-02-29T00:00:00.000",
                         "2026-04-31T00:00:00.000",
                         "2026-01-00T00:00:00.000",
                         "2026-01-01T24:00:00.000",
                         "2026-01-01T00:60:00.000",
                         "2026-01-01T00:00:60.000",
                         "2026-01-01T00:00:00.12",
                         "2026-01-01T00:00:00.1234",
                         "2026-01-01T00:00:00.000ZZ",
                         "2026-01-01T00:00:00.000+0200",
                         "2026-01-01T00:00:00.000+02",
                         "2026-01-01T00:00:00.000+19:00",
                         "2026-01-01T00:00:00.000+02:60",
                         "1969-12-31T23:59:59.999",
                         "1970-01-01T00:00:00.000+00:01",
                         "+026-01-01T00:00:00.000",
                         "2026-1-01T00:00:00.000",
                         "2026-01-01T00:00:00.000 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ms = 777;
        err[0] = '\0';
        ck_assert_msg(sk_gdatetime_parse(bad[i], &ms, err, sizeof(err)) == SK_EINVAL, "'%s'",
                      bad[i]);
        ck_assert_int_eq(ms, 777);
        ck_assert(strlen(err) > 0);
    }
}
END_TEST

/* ---- reset arithmetic --------------------------------------------------- */

START_TEST(test_reset_target)
{
    sk_greset_in_t in = {.low = 10, .high = 100, .committed = 40, .by_time = 55};
    int64_t v;
    char err[256];
    ck_assert_int_eq(sk_greset_target(SK_GRESET_EARLIEST, 0, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 10);
    ck_assert_int_eq(sk_greset_target(SK_GRESET_LATEST, 0, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 100);
    ck_assert_int_eq(sk_greset_target(SK_GRESET_CURRENT, 0, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 40);
    ck_assert_int_eq(sk_greset_target(SK_GRESET_OFFSET, 50, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 50);
    /* clamped to the log range */
    ck_assert_int_eq(sk_greset_target(SK_GRESET_OFFSET, 5, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 10);
    ck_assert_int_eq(sk_greset_target(SK_GRESET_OFFSET, 500, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 100);
    ck_assert_int_eq(sk_greset_target(SK_GRESET_SHIFT, -5, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 35);
    ck_assert_int_eq(sk_greset_target(SK_GRESET_SHIFT, 1000, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 100);
    ck_assert_int_eq(sk_greset_target(SK_GRESET_SHIFT, -1000, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 10);
    ck_assert_int_eq(
        sk_greset_target(SK_GRESET_SHIFT, INT64_MAX, &in, "t", 0, &v, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(v, 100);
    ck_assert_int_eq(
        sk_greset_target(SK_GRESET_SHIFT, INT64_MIN, &in, "t", 0, &v, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(v, 10);
    ck_assert_int_eq(sk_greset_target(SK_GRESET_DATETIME, 0, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 55);
    in.by_time = -1; /* no message that late: the log end */
    ck_assert_int_eq(sk_greset_target(SK_GRESET_DATETIME, 0, &in, "t", 0, &v, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(v, 100);

    /* shift / current need a committed offset */
    in.committed = -1;
    v = 777;
    ck_assert_int_eq(sk_greset_target(SK_GRESET_SHIFT, 1, &in, "orders", 3, &v, err, sizeof(err)),
                     SK_ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "orders-3"));
    ck_assert_int_eq(v, 777);
    ck_assert_int_eq(
        sk_greset_target(SK_GRESET_CURRENT, 0, &in, "orders", 3, &v, err, sizeof(err)),
        SK_ENOENT);
    ck_assert_int_eq(sk_greset_target(SK_GRESET_NONE, 0, &in, "t", 0, &v, err, sizeof(err)),
                     SK_EINVAL);
    /* an empty log: everything is 0 */
    sk_greset_in_t empty = {.low = 0, .high = 0, .committed = -1, .by_time = -1};
    ck_assert_int_eq(
        sk_greset_target(SK_GRESET_OFFSET, 9, &empty, "t", 0, &v, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(v, 0);
}
END_TEST

/* ---- output tables ------------------------------------------------------ */

/* Split into lines; returns the count (lines point into buf, modified). */
static int split_lines(char *buf, char **lines, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *l = strtok_r(buf, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    return n;
}

/* Whitespace-separated fields of a line (line modified). */
static int split_fields(char *line, char **f, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save))
        f[n++] = t;
    return n;
}

static void make_group(sk_ggroup_t *g)
{
    memset(g, 0, sizeof(*g));
    g->group = sk_strdup("grp");
    g->state = sk_strdup("Stable");
    g->assignor = sk_strdup("range");
    g->coordinator_host = sk_strdup("127.0.0.1");
    g->coordinator_port = 9092;
    g->coordinator_id = 2;
    sk_gmember_t *m1 = sk_ggroup_add_member(g, "c-1-aaaa", NULL, "c-1", "/127.0.0.1");
    sk_gmember_assign(m1, "t", 1);
    sk_gmember_assign(m1, "t", 0);
    sk_gmember_t *m2 =
        sk_ggroup_add_member(g, "a-very-long-consumer-id-0123456789-abcdef", "inst", "c-2",
                             "/10.0.0.2");
    sk_gmember_assign(m2, "t", 2);
    sk_gmember_assign(m2, "u", 0);
    /* committed: t-0 (owned), t-3 (unowned); t-1 owned without a commit */
    sk_gtp_t committed[2] = {{.topic = "t", .partition = 3, .offset = 7},
                             {.topic = "t", .partition = 0, .offset = 5}};
    sk_ggroup_build_parts(g, committed, 2);
}

START_TEST(test_out_offsets)
{
    sk_ggroup_t g;
    make_group(&g);
    ck_assert_int_eq(g.n_parts, 5);
    for (int i = 0; i < g.n_parts; i++)
        g.parts[i].log_end = 10;
    g.parts[4].log_end = -1; /* u-0: unknown */
    FILE *f;
    size_t len;
    char *buf = NULL;
    f = open_memstream(&buf, &len);
    sk_gout_state_note(f, &g); /* stable: nothing */
    sk_gout_offsets(f, &g);
    fclose(f);
    ck_assert(buf[0] == '\n');
    char *lines[16];
    int n = split_lines(buf, lines, 16);
    ck_assert_int_eq(n, 6);
    char *fl[16];
    ck_assert_int_eq(split_fields(lines[0], fl, 16), 9);
    ck_assert_str_eq(fl[0], "GROUP");
    ck_assert_str_eq(fl[3], "CURRENT-OFFSET");
    ck_assert_str_eq(fl[5], "LAG");
    ck_assert_str_eq(fl[8], "CLIENT-ID");
    const char *want[5][9] = {
        {"grp", "t", "0", "5", "10", "5", "c-1-aaaa", "/127.0.0.1", "c-1"},
        {"grp", "t", "1", "-", "10", "-", "c-1-aaaa", "/127.0.0.1", "c-1"},
        {"grp", "t", "2", "-", "10", "-", "a-very-long-consumer-id-0123456789-abcdef",
         "/10.0.0.2", "c-2"},
        {"grp", "t", "3", "7", "10", "3", "-", "-", "-"},
        {"grp", "u", "0", "-", "-", "-", "a-very-long-consumer-id-0123456789-abcdef",
         "/10.0.0.2", "c-2"},
    };
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(split_fields(lines[i + 1], fl, 16), 9);
        for (int j = 0; j < 9; j++)
            ck_assert_msg(strcmp(fl[j], want[i][j]) == 0, "row %d col %d: %s != %s", i, j, fl[j],
                          want[i][j]);
    }
    free(buf);
    sk_ggroup_clear(&g);
}
END_TEST

START_TEST(test_out_columns_aligned)
{
    sk_ggroup_t g;
    make_group(&g);
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    sk_gout_offsets(f, &g);
    fclose(f);
    /* every header word starts at the same column as the row values */
    char *lines[16];
    int n = split_lines(buf, lines, 16);
    const char *h = lines[0];
    size_t col_lag = (size_t)(strstr(h, "LAG") - h);
    size_t col_client = (size_t)(strstr(h, "CLIENT-ID") - h);
    for (int i = 1; i < n; i++) {
        ck_assert(strlen(lines[i]) > col_client);
        ck_assert(lines[i][col_lag - 1] == ' ' && lines[i][col_lag] != ' ');
        ck_assert(lines[i][col_client - 1] == ' ' && lines[i][col_client] != ' ');
    }
    free(buf);
    sk_ggroup_clear(&g);
}
END_TEST

START_TEST(test_out_notes_members_state)
{
    sk_ggroup_t g;
    char *buf = NULL;
    size_t len;
    FILE *f;

    make_group(&g);
    f = open_memstream(&buf, &len);
    sk_gout_members(f, &g, 1);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "#PARTITIONS"));
    ck_assert_ptr_nonnull(strstr(buf, "ASSIGNMENT"));
    ck_assert_ptr_nonnull(strstr(buf, " 2               t(0,1)\n"));
    ck_assert_ptr_nonnull(strstr(buf, " 2               t(2),u(0)\n"));
    free(buf);

    f = open_memstream(&buf, &len);
    sk_gout_members(f, &g, 0);
    fclose(f);
    ck_assert_ptr_null(strstr(buf, "ASSIGNMENT"));
    char *lines[8], *fl[8];
    ck_assert_int_eq(split_lines(buf, lines, 8), 3);
    ck_assert_int_eq(split_fields(lines[1], fl, 8), 5);
    ck_assert_str_eq(fl[1], "c-1-aaaa");
    ck_assert_str_eq(fl[4], "2");
    free(buf);

    f = open_memstream(&buf, &len);
    sk_gout_state(f, &g);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "COORDINATOR (ID)"));
    ck_assert_ptr_nonnull(strstr(buf, "127.0.0.1:9092  (2)"));
    ck_assert_int_eq(split_lines(buf, lines, 8), 2);
    ck_assert_int_eq(split_fields(lines[1], fl, 8), 6);
    ck_assert_str_eq(fl[3], "range");
    ck_assert_str_eq(fl[4], "Stable");
    ck_assert_str_eq(fl[5], "2");
    free(buf);
    sk_ggroup_clear(&g);

    /* notes */
    memset(&g, 0, sizeof(g));
    g.group = sk_strdup("idle");
    g.state = sk_strdup("Empty");
    f = open_memstream(&buf, &len);
    sk_gout_state_note(f, &g);
    fclose(f);
    ck_assert_str_eq(buf, "\nConsumer group 'idle' has no active members.\n");
    free(buf);
    free(g.state);
    g.state = sk_strdup("PreparingRebalance");
    f = open_memstream(&buf, &len);
    sk_gout_state_note(f, &g);
    fclose(f);
    ck_assert_str_eq(buf, "\nWarning: Consumer group 'idle' is rebalancing.\n");
    free(buf);
    sk_ggroup_clear(&g);
}
END_TEST

START_TEST(test_out_reset_and_delete)
{
    sk_gtp_t plan[2] = {{.topic = "t", .partition = 0, .offset = 0},
                        {.topic = "t", .partition = 1, .offset = 12}};
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    sk_gout_reset_plan(f, "g", plan, 2);
    fclose(f);
    char *lines[8], *fl[8];
    ck_assert_int_eq(split_lines(buf, lines, 8), 3);
    ck_assert_int_eq(split_fields(lines[0], fl, 8), 4);
    ck_assert_str_eq(fl[3], "NEW-OFFSET");
    ck_assert_int_eq(split_fields(lines[2], fl, 8), 4);
    ck_assert_str_eq(fl[0], "g");
    ck_assert_str_eq(fl[1], "t");
    ck_assert_str_eq(fl[2], "1");
    ck_assert_str_eq(fl[3], "12");
    free(buf);

    plan[1].error = "The group is subscribed to the topic.";
    f = open_memstream(&buf, &len);
    sk_gout_delete_offsets(f, plan, 2);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "STATUS"));
    ck_assert_int_eq(split_lines(buf, lines, 8), 3);
    ck_assert_ptr_nonnull(strstr(lines[1], "Successful"));
    ck_assert_ptr_nonnull(strstr(lines[2], "Error: The group is subscribed"));
    free(buf);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("tools_groups");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_cmd_valid);
    tcase_add_test(tc, test_cmd_errors);
    tcase_add_test(tc, test_usage_mentions_options);
    tcase_add_test(tc, test_topic_spec);
    tcase_add_test(tc, test_datetime);
    tcase_add_test(tc, test_reset_target);
    tcase_add_test(tc, test_out_offsets);
    tcase_add_test(tc, test_out_columns_aligned);
    tcase_add_test(tc, test_out_notes_members_state);
    tcase_add_test(tc, test_out_reset_and_delete);
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

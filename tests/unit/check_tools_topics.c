/* check_tools_topics.c - unit tests for skein-topics' pure parts: option
 * helpers, replica assignment, --replica-assignment parsing, describe
 * output, topic filters and command-line rules. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign_tool.h"
#include "kerr.h"
#include "mem.h"
#include "toolopt.h"
#include "topics_cmd.h"
#include "topics_desc.h"

/* ---- toolopt ------------------------------------------------------------ */

START_TEST(test_topt_int)
{
    long long v;
    char err[128];
    ck_assert_int_eq(sk_topt_int("42", 0, 100, &v, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(sk_topt_int("-5", -10, 10, &v, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(v, -5);
    ck_assert_int_eq(sk_topt_int("+7", 0, 10, &v, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(v, 7);
    const char *bad[] = {"", "x", "1x", " 1", "1 ", "--1", "0x10", "101", "-1",
                         "99999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 12345;
        ck_assert_msg(sk_topt_int(bad[i], 0, 100, &v, err, sizeof(err)) == SK_EINVAL, "%s",
                      bad[i]);
        ck_assert_int_eq(v, 12345);
        ck_assert(strlen(err) > 0);
    }
}
END_TEST

START_TEST(test_kvlist)
{
    sk_kvlist_t l;
    char err[128];
    sk_kvlist_init(&l);
    ck_assert_int_eq(sk_kvlist_add_arg(&l, "a=1", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_kvlist_add_arg(&l, "b=x=y", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_kvlist_add_arg(&l, "c=", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_kvlist_add_arg(&l, "a=2", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_kvlist_add_arg(&l, "novalue", err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_kvlist_add_arg(&l, "=v", err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(l.n, 3);
    ck_assert_str_eq(l.keys[0], "a");
    ck_assert_str_eq(sk_kvlist_get(&l, "a"), "2");
    ck_assert_str_eq(sk_kvlist_get(&l, "b"), "x=y");
    ck_assert_str_eq(sk_kvlist_get(&l, "c"), "");
    ck_assert_ptr_null(sk_kvlist_get(&l, "d"));
    ck_assert_int_eq(sk_kvlist_remove(&l, "b"), 1);
    ck_assert_int_eq(sk_kvlist_remove(&l, "b"), 0);
    ck_assert_int_eq(l.n, 2);
    ck_assert_str_eq(l.keys[1], "c");
    sk_kvlist_free(&l);
}
END_TEST

START_TEST(test_topt_bool_and_list)
{
    int b;
    char err[128];
    ck_assert_int_eq(sk_topt_bool("TRUE", &b, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(sk_topt_bool("false", &b, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(b, 0);
    ck_assert_int_eq(sk_topt_bool("yes", &b, err, sizeof(err)), SK_EINVAL);
    int32_t *v;
    int n;
    ck_assert_int_eq(sk_topt_int32_list("1,2,0", &v, &n, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(v[0], 1);
    ck_assert_int_eq(v[2], 0);
    free(v);
    ck_assert_int_eq(sk_topt_int32_list("", &v, &n, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(sk_topt_int32_list("1,,2", &v, &n, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_topt_int32_list("1,x", &v, &n, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_topt_int32_list("1,", &v, &n, err, sizeof(err)), SK_EINVAL);
}
END_TEST

/* ---- assignment ----------------------------------------------------------- */

static void assert_assignment(const sk_assignment_t *a, const int32_t expected[][3], int n,
                              int rf)
{
    ck_assert_int_eq(a->n_partitions, n);
    for (int p = 0; p < n; p++) {
        ck_assert_int_eq(a->n_replicas[p], rf);
        for (int j = 0; j < rf; j++)
            ck_assert_msg(a->replicas[p][j] == expected[p][j], "partition %d replica %d: %d != %d",
                          p, j, a->replicas[p][j], expected[p][j]);
    }
}

/* Kafka's own expected layout for 5 brokers, 10 partitions, rf 3, fixed
 * start index 0 (AdminUtils' rack-unaware assignment). */
START_TEST(test_assign_kafka_vector)
{
    static const int32_t brokers[] = {0, 1, 2, 3, 4};
    static const int32_t expected[10][3] = {{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0},
                                            {4, 0, 1}, {0, 2, 3}, {1, 3, 4}, {2, 4, 0},
                                            {3, 0, 1}, {4, 1, 2}};
    sk_assignment_t a;
    char err[256];
    ck_assert_int_eq(sk_assign_rack_unaware(brokers, 5, 10, 3, 0, 0, 0, &a, err, sizeof(err)),
                     SK_OK);
    assert_assignment(&a, expected, 10, 3);
    sk_assignment_clear(&a);
}
END_TEST

/* Non-contiguous broker ids, a start index and a shift, and partitions
 * added from id 3 on: the formula in assign_tool.h by hand. */
START_TEST(test_assign_start_and_shift)
{
    static const int32_t brokers[] = {10, 20, 30};
    sk_assignment_t a;
    char err[256];
    ck_assert_int_eq(sk_assign_rack_unaware(brokers, 3, 6, 2, 1, 2, 0, &a, err, sizeof(err)),
                     SK_OK);
    /* p0: first=(0+1)%3=1 -> 20, shift 2: step 1+(2%2)=1 -> 30
     * p1: first 2 -> 30, step 1 -> 10; p2: first 0 -> 10, step 1 -> 20
     * p3: shift 3: first 1 -> 20, step 1+(3%2)=2 -> 10
     * p4: first 2 -> 30, step 2 -> 20; p5: first 0 -> 10, step 2 -> 30 */
    static const int32_t expected[6][3] = {{20, 30}, {30, 10}, {10, 20},
                                           {20, 10}, {30, 20}, {10, 30}};
    assert_assignment(&a, expected, 6, 2);
    sk_assignment_clear(&a);

    /* adding partitions 3 and 4 to a topic over 3 brokers, start index 0 */
    ck_assert_int_eq(sk_assign_rack_unaware(brokers, 3, 2, 3, 0, 0, 3, &a, err, sizeof(err)),
                     SK_OK);
    /* p3: 3 % 3 == 0 -> shift 1; first 0 -> 10; steps 1+(1%2)=2 -> 30, 1+(2%2)=1 -> 20
     * p4: first 1 -> 20; steps 2 -> 10, 1 -> 30 */
    static const int32_t added[2][3] = {{10, 30, 20}, {20, 10, 30}};
    assert_assignment(&a, added, 2, 3);
    sk_assignment_clear(&a);
}
END_TEST

START_TEST(test_assign_balanced)
{
    /* 6 partitions x 3 replicas over 3 brokers: every broker leads 2 and
     * holds 6 replicas, and each partition's replicas are distinct, for
     * every random start. */
    static const int32_t brokers[] = {0, 1, 2};
    char err[256];
    for (int start = 0; start < 3; start++) {
        for (int shift = 0; shift < 3; shift++) {
            sk_assignment_t a;
            ck_assert_int_eq(sk_assign_rack_unaware(brokers, 3, 6, 3, start, shift, 0, &a, err,
                                                    sizeof(err)),
                             SK_OK);
            int leads[3] = {0}, holds[3] = {0};
            for (int p = 0; p < 6; p++) {
                leads[a.replicas[p][0]]++;
                for (int j = 0; j < 3; j++) {
                    holds[a.replicas[p][j]]++;
                    for (int k = 0; k < j; k++)
                        ck_assert_int_ne(a.replicas[p][j], a.replicas[p][k]);
                }
            }
            for (int b = 0; b < 3; b++) {
                ck_assert_int_eq(leads[b], 2);
                ck_assert_int_eq(holds[b], 6);
            }
            ck_assert_int_eq(sk_assign_validate(&a, err, sizeof(err)), SK_OK);
            sk_assignment_clear(&a);
        }
    }
}
END_TEST

START_TEST(test_assign_errors)
{
    static const int32_t brokers[] = {0, 1};
    sk_assignment_t a;
    char err[256];
    ck_assert_int_eq(sk_assign_rack_unaware(brokers, 2, 3, 3, 0, 0, 0, &a, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_str_eq(err, "Replication factor: 3 larger than available brokers: 2.");
    ck_assert_int_eq(sk_assign_rack_unaware(brokers, 2, 0, 1, 0, 0, 0, &a, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_str_eq(err, "Number of partitions must be larger than 0.");
    ck_assert_int_eq(sk_assign_rack_unaware(brokers, 2, 1, 0, 0, 0, 0, &a, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_str_eq(err, "Replication factor must be larger than 0.");
    ck_assert_int_eq(sk_assign_rack_unaware(NULL, 0, 1, 1, 0, 0, 0, &a, err, sizeof(err)),
                     SK_EINVAL);
    ck_assert_str_eq(err, "Replication factor: 1 larger than available brokers: 0.");
    ck_assert_int_eq(a.n_partitions, 0);
    /* one broker, rf 1: everything on it */
    ck_assert_int_eq(sk_assign_rack_unaware(brokers, 1, 4, 1, 0, 0, 0, &a, err, sizeof(err)),
                     SK_OK);
    for (int p = 0; p < 4; p++)
        ck_assert_int_eq(a.replicas[p][0], 0);
    sk_assignment_clear(&a);
}
END_TEST

START_TEST(test_assign_random_index)
{
    int seen[4] = {0};
    for (int i = 0; i < 400; i++) {
        int r = sk_assign_random_index(4);
        ck_assert_int_ge(r, 0);
        ck_assert_int_lt(r, 4);
        seen[r]++;
    }
    for (int i = 0; i < 4; i++)
        ck_assert_int_gt(seen[i], 0);
    ck_assert_int_eq(sk_assign_random_index(1), 0);
}
END_TEST

START_TEST(test_assign_parse)
{
    sk_assignment_t a;
    char err[256];
    ck_assert_int_eq(sk_assign_parse("0:1, 1 : 2 ,2:0", &a, err, sizeof(err)), SK_OK);
    static const int32_t expected[3][3] = {{0, 1}, {1, 2}, {2, 0}};
    assert_assignment(&a, expected, 3, 2);
    sk_assignment_clear(&a);

    ck_assert_int_eq(sk_assign_parse("5", &a, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(a.n_partitions, 1);
    ck_assert_int_eq(a.replicas[0][0], 5);
    sk_assignment_clear(&a);

    ck_assert_int_eq(sk_assign_parse("0:1,2", &a, err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "Partition 1 has different replication factor"));
    ck_assert_int_eq(a.n_partitions, 0);
    ck_assert_int_eq(sk_assign_parse("1:1", &a, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "Partition replica lists may not contain duplicate entries: 1");
    ck_assert_int_eq(sk_assign_parse("1:2:1:2:3", &a, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "Partition replica lists may not contain duplicate entries: 1,2");
    const char *bad[] = {"", ",", "0,", ",0", "0::1", "a", "0:-1", "0:1:", "0;1",
                         "99999999999", "0:1,,1:0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(sk_assign_parse(bad[i], &a, err, sizeof(err)) == SK_EINVAL, "'%s'", bad[i]);
        ck_assert_int_eq(a.n_partitions, 0);
        ck_assert_ptr_null(a.replicas);
    }
}
END_TEST

START_TEST(test_assign_validate_and_brokers)
{
    sk_assignment_t a;
    char err[256];
    ck_assert_int_eq(sk_assign_parse("0:1,1:5,7:0", &a, err, sizeof(err)), SK_OK);
    int32_t live[] = {0, 1, 2};
    ck_assert_int_eq(sk_assign_check_brokers(&a, live, 3, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "Unknown broker(s) in replica assignment: 5,7.");
    int32_t live2[] = {0, 1, 5, 7};
    ck_assert_int_eq(sk_assign_check_brokers(&a, live2, 4, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_assign_validate(&a, err, sizeof(err)), SK_OK);
    /* break it by hand: a duplicate and a short partition */
    a.replicas[1][1] = 1;
    ck_assert_int_eq(sk_assign_validate(&a, err, sizeof(err)), SK_EINVAL);
    a.replicas[1][1] = 5;
    a.n_replicas[2] = 1;
    ck_assert_int_eq(sk_assign_validate(&a, err, sizeof(err)), SK_EINVAL);
    ck_assert_str_eq(err, "All partitions should have the same number of replicas");
    a.n_replicas[2] = 0;
    ck_assert_int_eq(sk_assign_validate(&a, err, sizeof(err)), SK_EINVAL);
    a.n_replicas[2] = 2;
    sk_assignment_clear(&a);
    memset(&a, 0, sizeof(a));
    ck_assert_int_eq(sk_assign_validate(&a, err, sizeof(err)), SK_EINVAL);
}
END_TEST

/* ---- describe output ------------------------------------------------------ */

static void add_part(sk_tdesc_topic_t *t, int32_t id, int32_t leader, const int32_t *r, int nr,
                     const int32_t *isr, int ni)
{
    t->parts = sk_realloc(t->parts, (size_t)(t->n_parts + 1) * sizeof(*t->parts));
    sk_tdesc_part_t *p = &t->parts[t->n_parts++];
    memset(p, 0, sizeof(*p));
    p->partition = id;
    p->leader = leader;
    p->replicas = sk_calloc((size_t)nr + 1, sizeof(int32_t));
    memcpy(p->replicas, r, (size_t)nr * sizeof(int32_t));
    p->n_replicas = nr;
    p->isr = sk_calloc((size_t)ni + 1, sizeof(int32_t));
    if (ni)
        memcpy(p->isr, isr, (size_t)ni * sizeof(int32_t));
    p->n_isr = ni;
}

static char *print_to_string(const sk_tdesc_topic_t *t, const sk_tdesc_opts_t *o, int *lines)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int n = sk_tdesc_print(f, t, o);
    fclose(f);
    if (lines)
        *lines = n;
    return buf;
}

static void sample_topic(sk_tdesc_topic_t *t)
{
    memset(t, 0, sizeof(*t));
    t->name = sk_strdup("t");
    t->topic_id = sk_strdup("cMr3GpVESX2L3byPGf93lQ");
    sk_tdesc_add_config(t, "retention.ms", "1000");
    sk_tdesc_add_config(t, "cleanup.policy", "compact");
    /* added out of order: sort_parts must fix it */
    add_part(t, 1, -1, (int32_t[]){2, 0, 1}, 3, (int32_t[]){2}, 1);
    add_part(t, 0, 1, (int32_t[]){1, 2, 0}, 3, (int32_t[]){1, 2, 0}, 3);
    add_part(t, 2, 7, (int32_t[]){0, 1, 2}, 3, (int32_t[]){0, 1, 2}, 3);
    sk_tdesc_sort_parts(t);
}

START_TEST(test_describe_format)
{
    sk_tdesc_topic_t t;
    sample_topic(&t);
    int32_t live[] = {0, 1, 2};
    sk_tdesc_opts_t o = {0, 0, 0, live, 3};
    int lines;
    char *s = print_to_string(&t, &o, &lines);
    ck_assert_int_eq(lines, 4);
    ck_assert_str_eq(s, "Topic: t\tTopicId: cMr3GpVESX2L3byPGf93lQ\tPartitionCount: 3\t"
                        "ReplicationFactor: 3\tConfigs: retention.ms=1000,cleanup.policy=compact\n"
                        "\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2,0\tIsr: 1,2,0\n"
                        "\tTopic: t\tPartition: 1\tLeader: none\tReplicas: 2,0,1\tIsr: 2\n"
                        "\tTopic: t\tPartition: 2\tLeader: 7\tReplicas: 0,1,2\tIsr: 0,1,2\n");
    free(s);

    /* filters print only partition lines */
    o.under_replicated = 1;
    s = print_to_string(&t, &o, &lines);
    ck_assert_int_eq(lines, 1);
    ck_assert_str_eq(s, "\tTopic: t\tPartition: 1\tLeader: none\tReplicas: 2,0,1\tIsr: 2\n");
    free(s);
    o.under_replicated = 0;
    o.unavailable = 1; /* no leader, or leader 7 which is not live */
    s = print_to_string(&t, &o, &lines);
    ck_assert_int_eq(lines, 2);
    ck_assert_str_eq(s, "\tTopic: t\tPartition: 1\tLeader: none\tReplicas: 2,0,1\tIsr: 2\n"
                        "\tTopic: t\tPartition: 2\tLeader: 7\tReplicas: 0,1,2\tIsr: 0,1,2\n");
    free(s);
    o.under_replicated = 1; /* either filter */
    s = print_to_string(&t, &o, &lines);
    ck_assert_int_eq(lines, 2);
    free(s);

    /* topics-with-overrides: the topic line only, and only with configs */
    sk_tdesc_opts_t ov = {0, 0, 1, live, 3};
    s = print_to_string(&t, &ov, &lines);
    ck_assert_int_eq(lines, 1);
    ck_assert_ptr_eq(strchr(s, '\n'), s + strlen(s) - 1);
    free(s);
    sk_tdesc_topic_clear(&t);
    ck_assert_ptr_null(t.name);
}
END_TEST

START_TEST(test_describe_no_id_deletion_reassignment)
{
    sk_tdesc_topic_t t;
    memset(&t, 0, sizeof(t));
    t.name = sk_strdup("x");
    t.marked_for_deletion = 1;
    add_part(&t, 0, 0, (int32_t[]){0, 1, 2}, 3, (int32_t[]){0, 1}, 2);
    t.parts[0].adding = sk_calloc(1, sizeof(int32_t));
    t.parts[0].adding[0] = 2;
    t.parts[0].n_adding = 1;
    sk_tdesc_opts_t o = {0, 0, 0, NULL, 0};
    char *s = print_to_string(&t, &o, NULL);
    /* no TopicId; RF excludes replicas being added; empty Configs */
    ck_assert_str_eq(s, "Topic: x\tPartitionCount: 1\tReplicationFactor: 2\tConfigs: "
                        "\tMarkedForDeletion: true\n"
                        "\tTopic: x\tPartition: 0\tLeader: 0\tReplicas: 0,1,2\tIsr: 0,1\t"
                        "Adding Replicas: 2\tRemoving Replicas: \tMarkedForDeletion: true\n");
    free(s);
    /* ISR 0,1 of replicas 0,1 (2 being added) is not under-replicated */
    ck_assert_int_eq(sk_tdesc_part_under_replicated(&t.parts[0]), 0);
    sk_tdesc_opts_t ov = {0, 0, 1, NULL, 0};
    s = print_to_string(&t, &ov, NULL);
    ck_assert_str_eq(s, "");
    free(s);
    sk_tdesc_topic_clear(&t);

    /* a topic without partitions */
    memset(&t, 0, sizeof(t));
    t.name = sk_strdup("empty");
    s = print_to_string(&t, &o, NULL);
    ck_assert_str_eq(s, "Topic: empty\tPartitionCount: 0\tReplicationFactor: 0\tConfigs: \n");
    free(s);
    sk_tdesc_topic_clear(&t);
}
END_TEST

START_TEST(test_filter)
{
    sk_tfilter_t f;
    char err[256];
    ck_assert_int_eq(sk_tfilter_init(&f, NULL, 0, err, sizeof(err)), SK_OK);
    ck_assert(sk_tfilter_match(&f, "anything"));
    ck_assert(sk_tfilter_match(&f, "__consumer_offsets"));
    sk_tfilter_free(&f);

    ck_assert_int_eq(sk_tfilter_init(&f, NULL, 1, err, sizeof(err)), SK_OK);
    ck_assert(!sk_tfilter_match(&f, "__consumer_offsets"));
    ck_assert(!sk_tfilter_match(&f, "__transaction_state"));
    ck_assert(sk_tfilter_match(&f, "__other"));
    sk_tfilter_free(&f);

    /* whole-name match */
    ck_assert_int_eq(sk_tfilter_init(&f, "test", 0, err, sizeof(err)), SK_OK);
    ck_assert(sk_tfilter_match(&f, "test"));
    ck_assert(!sk_tfilter_match(&f, "test2"));
    ck_assert(!sk_tfilter_match(&f, "atest"));
    sk_tfilter_free(&f);

    ck_assert_int_eq(sk_tfilter_init(&f, "'t.*'", 0, err, sizeof(err)), SK_OK);
    ck_assert(sk_tfilter_match(&f, "t"));
    ck_assert(sk_tfilter_match(&f, "topic"));
    ck_assert(!sk_tfilter_match(&f, "xt"));
    sk_tfilter_free(&f);

    ck_assert_int_eq(sk_tfilter_init(&f, "a, b", 0, err, sizeof(err)), SK_OK);
    ck_assert(sk_tfilter_match(&f, "a"));
    ck_assert(sk_tfilter_match(&f, "b"));
    ck_assert(!sk_tfilter_match(&f, "ab"));
    sk_tfilter_free(&f);

    ck_assert_int_eq(sk_tfilter_init(&f, "test\\.topic", 0, err, sizeof(err)), SK_OK);
    ck_assert(sk_tfilter_match(&f, "test.topic"));
    ck_assert(!sk_tfilter_match(&f, "test_topic"));
    sk_tfilter_free(&f);

    ck_assert_int_eq(sk_tfilter_init(&f, "a(", 0, err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "invalid topic expression"));
    sk_tfilter_free(&f);

    char *names[] = {"b", "a", "__c", "B"};
    sk_tdesc_sort_names(names, 4);
    ck_assert_str_eq(names[0], "B");
    ck_assert_str_eq(names[1], "__c");
    ck_assert_str_eq(names[2], "a");
    ck_assert_str_eq(names[3], "b");
}
END_TEST

/* ---- command line ------------------------------------------------------ */

static int parse(sk_topics_cmd_t *c, char *err, size_t errlen, ...)
{
    char *argv[40];
    int argc = 0;
    argv[argc++] = "skein-topics";
    va_list ap;
    va_start(ap, errlen);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && argc < 39)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return sk_topics_cmd_parse(argc, argv, c, err, errlen);
}

START_TEST(test_cmd_ok)
{
    sk_topics_cmd_t c;
    char err[256];
    ck_assert_int_eq(parse(&c, err, sizeof(err), "--bootstrap-server", "h:9092", "--create",
                           "--topic", "t", "--partitions", "3", "--replication-factor=2",
                           "--config", "retention.ms=5", "--config", "cleanup.policy=compact",
                           "--if-not-exists", NULL),
                     SK_OK);
    ck_assert_int_eq(c.action, SK_TC_CREATE);
    ck_assert_str_eq(c.bootstrap, "h:9092");
    ck_assert_str_eq(c.topic, "t");
    ck_assert_int_eq(c.partitions, 3);
    ck_assert_int_eq(c.replication_factor, 2);
    ck_assert_int_eq(c.configs.n, 2);
    ck_assert_str_eq(sk_kvlist_get(&c.configs, "cleanup.policy"), "compact");
    ck_assert_int_eq(c.if_not_exists, 1);
    sk_topics_cmd_clear(&c);

    /* bootstrap create may leave partitions and RF to the broker */
    ck_assert_int_eq(parse(&c, err, sizeof(err), "--bootstrap-server", "h:1", "--create",
                           "--topic", "t", NULL),
                     SK_OK);
    ck_assert_int_eq(c.partitions, -1);
    ck_assert_int_eq(c.replication_factor, -1);
    sk_topics_cmd_clear(&c);

    ck_assert_int_eq(parse(&c, err, sizeof(err), "--zookeeper", "z:2181/k", "--describe",
                           "--under-replicated-partitions", "--unavailable-partitions", NULL),
                     SK_OK);
    ck_assert_int_eq(c.action, SK_TC_DESCRIBE);
    ck_assert_str_eq(c.zookeeper, "z:2181/k");
    ck_assert_ptr_null(c.topic);
    sk_topics_cmd_clear(&c);

    ck_assert_int_eq(parse(&c, err, sizeof(err), "--zookeeper", "z", "--alter", "--topic", "t",
                           "--partitions", "6", "--replica-assignment", "0,0,0,1,1,1",
                           "--if-exists", NULL),
                     SK_OK);
    sk_topics_cmd_clear(&c);

    ck_assert_int_eq(parse(&c, err, sizeof(err), "--help", NULL), SK_OK);
    ck_assert_int_eq(c.help, 1);
    sk_topics_cmd_clear(&c);
    ck_assert_int_eq(parse(&c, err, sizeof(err), "--list", "--bootstrap-server", "x",
                           "--exclude-internal", NULL),
                     SK_OK);
    ck_assert_int_eq(c.exclude_internal, 1);
    sk_topics_cmd_clear(&c);
}
END_TEST

START_TEST(test_cmd_usage_errors)
{
    sk_topics_cmd_t c;
    char err[256];
    struct {
        const char *args[12];
        const char *needle;
    } cases[] = {
        {{"--bootstrap-server", "h"}, "exactly one action"},
        {{"--list"}, "--bootstrap-server or --zookeeper"},
        {{"--list", "--bootstrap-server", "h", "--zookeeper", "z"}, "Only one of"},
        {{"--list", "--describe", "--bootstrap-server", "h"}, "exactly one action"},
        {{"--create", "--bootstrap-server", "h"}, "Missing required argument --topic"},
        {{"--delete", "--zookeeper", "h"}, "Missing required argument --topic"},
        {{"--create", "--zookeeper", "h", "--topic", "t", "--partitions", "1"},
         "--replication-factor"},
        {{"--create", "--bootstrap-server", "h", "--topic", "t", "--partitions", "0"},
         "--partitions"},
        {{"--create", "--bootstrap-server", "h", "--topic", "t", "--partitions", "x"},
         "not a number"},
        {{"--create", "--bootstrap-server", "h", "--topic", "t", "--replica-assignment", "0",
          "--partitions", "1"},
         "--replica-assignment can't be used"},
        {{"--create", "--bootstrap-server", "h", "--topic", "t", "--if-exists"},
         "--if-exists can't be used with option --create"},
        {{"--delete", "--bootstrap-server", "h", "--topic", "t", "--if-not-exists"},
         "--if-not-exists"},
        {{"--list", "--bootstrap-server", "h", "--under-replicated-partitions"},
         "--under-replicated-partitions"},
        {{"--alter", "--bootstrap-server", "h", "--topic", "t"}, "--alter needs --partitions"},
        {{"--alter", "--bootstrap-server", "h", "--topic", "t", "--partitions", "2", "--config",
          "a=b"},
         "--config"},
        {{"--describe", "--bootstrap-server", "h", "--replication-factor", "2"},
         "--replication-factor"},
        {{"--create", "--bootstrap-server", "h", "--topic", "t", "--config", "novalue"},
         "key=value"},
        {{"--list", "--bootstrap-server", "h", "--bogus"}, "unknown option --bogus"},
        {{"--list", "--bootstrap-server"}, "needs a value"},
        {{"--list", "--bootstrap-server", "h", "stray"}, "unexpected argument 'stray'"},
        {{"--list", "--zookeeper", "h", "--command-config", "f"}, "--command-config"},
        {{"--describe", "--zookeeper", "h", "--topics-with-overrides",
          "--unavailable-partitions"},
         "--topics-with-overrides"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[16];
        int argc = 0;
        argv[argc++] = "skein-topics";
        for (int j = 0; cases[i].args[j]; j++)
            argv[argc++] = (char *)cases[i].args[j];
        argv[argc] = NULL;
        err[0] = '\0';
        int rc = sk_topics_cmd_parse(argc, argv, &c, err, sizeof(err));
        ck_assert_msg(rc == SK_EINVAL, "case %zu accepted", i);
        ck_assert_msg(strstr(err, cases[i].needle) != NULL, "case %zu: '%s' lacks '%s'", i, err,
                      cases[i].needle);
        sk_topics_cmd_clear(&c);
    }
}
END_TEST

START_TEST(test_usage_text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sk_topics_cmd_usage(f);
    fclose(f);
    const char *opts[] = {"--bootstrap-server", "--zookeeper", "--create", "--list",
                          "--describe", "--delete", "--alter", "--topic", "--partitions",
                          "--replication-factor", "--replica-assignment", "--config",
                          "--if-exists", "--if-not-exists", "--under-replicated-partitions",
                          "--unavailable-partitions", "--help", "Exit status"};
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        ck_assert_msg(strstr(buf, opts[i]) != NULL, "help lacks %s", opts[i]);
    free(buf);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("tools_topics");
    TCase *tc = tcase_create("toolopt");
    tcase_add_test(tc, test_topt_int);
    tcase_add_test(tc, test_kvlist);
    tcase_add_test(tc, test_topt_bool_and_list);
    suite_add_tcase(s, tc);
    tc = tcase_create("assign");
    tcase_add_test(tc, test_assign_kafka_vector);
    tcase_add_test(tc, test_assign_start_and_shift);
    tcase_add_test(tc, test_assign_balanced);
    tcase_add_test(tc, test_assign_errors);
    tcase_add_test(tc, test_assign_random_index);
    tcase_add_test(tc, test_assign_parse);
    tcase_add_test(tc, test_assign_validate_and_brokers);
    suite_add_tcase(s, tc);
    tc = tcase_create("describe");
    tcase_add_test(tc, test_describe_format);
    tcase_add_test(tc, test_describe_no_id_deletion_reassignment);
    tcase_add_test(tc, test_filter);
    suite_add_tcase(s, tc);
    tc = tcase_create("cmd");
    tcase_add_test(tc, test_cmd_ok);
    tcase_add_test(tc, test_cmd_usage_errors);
    tcase_add_test(tc, test_usage_text);
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

/* check_znode.c - unit tests for the Kafka znode JSON codecs and paths. */
#include "znode.h"
#include "javahash.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"

#define DEC(fn, json, out) fn(json, strlen(json), out, err, sizeof(err))

static char err[256];

START_TEST(test_paths)
{
    char *p = sk_znode_broker_path(3);
    ck_assert_str_eq(p, "/brokers/ids/3");
    free(p);
    p = sk_znode_partition_state_path("orders", 7);
    ck_assert_str_eq(p, "/brokers/topics/orders/partitions/7/state");
    free(p);
    p = sk_znode_partition_path("orders", 7);
    ck_assert_str_eq(p, "/brokers/topics/orders/partitions/7");
    free(p);
    p = sk_znode_partitions_path("orders");
    ck_assert_str_eq(p, "/brokers/topics/orders/partitions");
    free(p);
    p = sk_znode_topic_path("orders");
    ck_assert_str_eq(p, "/brokers/topics/orders");
    free(p);
    p = sk_znode_topic_config_path("orders");
    ck_assert_str_eq(p, "/config/topics/orders");
    free(p);
    p = sk_znode_delete_topic_path("orders");
    ck_assert_str_eq(p, "/admin/delete_topics/orders");
    free(p);
    ck_assert_int_eq(sk_znode_n_top_level_paths, 14);
    ck_assert_str_eq(sk_znode_top_level_paths[0], "/consumers");
    ck_assert_str_eq(sk_znode_top_level_paths[13], "/config/ips");
}
END_TEST

START_TEST(test_topic_name_valid)
{
    ck_assert_int_eq(sk_topic_name_valid("orders", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_topic_name_valid("a.b_c-D9", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_topic_name_valid("...", err, sizeof(err)), SK_OK);
    ck_assert_int_eq(sk_topic_name_valid("", err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_topic_name_valid(NULL, err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_topic_name_valid(".", err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_topic_name_valid("..", err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_topic_name_valid("a/b", err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "position 1"));
    ck_assert_int_eq(sk_topic_name_valid("a b", err, sizeof(err)), SK_EINVAL);
    ck_assert_int_eq(sk_topic_name_valid("caf\xc3\xa9", err, sizeof(err)), SK_EINVAL);
    char name[251];
    memset(name, 'x', 249);
    name[249] = '\0';
    ck_assert_int_eq(sk_topic_name_valid(name, err, sizeof(err)), SK_OK);
    name[249] = 'x';
    name[250] = '\0';
    ck_assert_int_eq(sk_topic_name_valid(name, err, sizeof(err)), SK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "250"));
}
END_TEST

START_TEST(test_uuid)
{
    /* Known vector: 16 zero bytes, and the metadata topic id (0, 1). */
    uint8_t raw[16] = {0};
    char s[23];
    sk_znode_uuid_encode(raw, s);
    ck_assert_str_eq(s, "AAAAAAAAAAAAAAAAAAAAAA");
    raw[15] = 1;
    sk_znode_uuid_encode(raw, s);
    ck_assert_str_eq(s, "AAAAAAAAAAAAAAAAAAAAAQ");
    uint8_t back[16];
    ck_assert_int_eq(sk_znode_uuid_decode(s, back), SK_OK);
    ck_assert_mem_eq(back, raw, 16);
    /* Spec example ids round-trip. */
    ck_assert_int_eq(sk_znode_uuid_decode("cMr3GpVESX2L3byPGf93lQ", back), SK_OK);
    sk_znode_uuid_encode(back, s);
    ck_assert_str_eq(s, "cMr3GpVESX2L3byPGf93lQ");
    /* Bad inputs. */
    ck_assert_int_eq(sk_znode_uuid_decode("short", back), SK_EPARSE);
    ck_assert_int_eq(sk_znode_uuid_decode("cMr3GpVESX2L3byPGf93l+", back), SK_EPARSE);
    ck_assert_int_eq(sk_znode_uuid_decode("cMr3GpVESX2L3byPGf93lR", back), SK_EPARSE);
    ck_assert_int_eq(sk_znode_uuid_decode("cMr3GpVESX2L3byPGf93lQQ", back), SK_EPARSE);
    ck_assert_int_eq(sk_znode_uuid_decode(NULL, back), SK_EPARSE);
    /* Generated ids: 22 url-safe chars, v4 bits, not '-' first, distinct. */
    char prev[23] = "";
    for (int i = 0; i < 2000; i++) {
        ck_assert_int_eq(sk_znode_uuid_generate(s), SK_OK);
        ck_assert_uint_eq(strlen(s), 22);
        ck_assert_int_ne(s[0], '-');
        ck_assert_int_eq(sk_znode_uuid_decode(s, back), SK_OK);
        ck_assert_uint_eq(back[6] >> 4, 4);
        ck_assert_uint_eq(back[8] >> 6, 2);
        ck_assert_str_ne(s, prev);
        strcpy(prev, s);
    }
}
END_TEST

START_TEST(test_cluster_id)
{
    const char *expect = "{\"version\":\"1\",\"id\":\"Sfr7YvlkRHSHrmSrwq9mug\"}";
    char *j = sk_znode_cluster_id_encode("Sfr7YvlkRHSHrmSrwq9mug");
    ck_assert_str_eq(j, expect);
    free(j);
    char *id = NULL;
    ck_assert_int_eq(DEC(sk_znode_cluster_id_decode, expect, &id), SK_OK);
    ck_assert_str_eq(id, "Sfr7YvlkRHSHrmSrwq9mug");
    free(id);
    id = NULL;
    ck_assert_int_eq(DEC(sk_znode_cluster_id_decode, "{\"id\":\"x\",\"version\":\"1\",\"z\":[1]}", &id),
                     SK_OK);
    ck_assert_str_eq(id, "x");
    free(id);
    id = NULL;
    const char *bad[] = {"", "{", "[]", "null", "{\"version\":\"1\"}", "{\"id\":5}",
                         "{\"id\":\"\"}", "{\"id\":null}", "{\"id\":\"a\"} trailing"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(DEC(sk_znode_cluster_id_decode, bad[i], &id), SK_EPARSE);
        ck_assert_ptr_null(id);
    }
    ck_assert_int_eq(sk_znode_cluster_id_decode(NULL, 0, &id, err, sizeof(err)), SK_EPARSE);
}
END_TEST

START_TEST(test_broker_encode)
{
    sk_znode_endpoint_t one[] = {{"PLAINTEXT", "PLAINTEXT", "kafka-1", 9092}};
    sk_znode_broker_t b = {.endpoints = one, .n_endpoints = 1, .jmx_port = -1,
                           .timestamp = 1704032948949LL};
    char *j = sk_znode_broker_encode(&b);
    ck_assert_str_eq(j, "{\"features\":{},\"listener_security_protocol_map\":{\"PLAINTEXT\":"
                        "\"PLAINTEXT\"},\"endpoints\":[\"PLAINTEXT://kafka-1:9092\"],\"jmx_port\":"
                        "-1,\"port\":9092,\"host\":\"kafka-1\",\"version\":5,\"timestamp\":"
                        "\"1704032948949\"}");
    free(j);

    sk_znode_endpoint_t two[] = {{"INTERNAL", "PLAINTEXT", "kafka-1", 29092},
                                 {"EXTERNAL", "SASL_SSL", "kafka-1.example.com", 9093}};
    b.endpoints = two;
    b.n_endpoints = 2;
    b.rack = "dc1";
    j = sk_znode_broker_encode(&b);
    ck_assert_str_eq(
        j, "{\"features\":{},\"listener_security_protocol_map\":{\"INTERNAL\":\"PLAINTEXT\","
           "\"EXTERNAL\":\"SASL_SSL\"},\"endpoints\":[\"INTERNAL://kafka-1:29092\",\"EXTERNAL://"
           "kafka-1.example.com:9093\"],\"rack\":\"dc1\",\"jmx_port\":-1,\"port\":29092,\"host\":"
           "\"kafka-1\",\"version\":5,\"timestamp\":\"1704032948949\"}");
    free(j);

    /* No PLAINTEXT listener: host null, port -1; IPv6 and null hosts. */
    sk_znode_endpoint_t tls[] = {{"SSL", "SSL", "::1", 9093}, {"SASL", "SASL_SSL", NULL, 9094}};
    b.endpoints = tls;
    b.rack = NULL;
    b.timestamp = 5;
    j = sk_znode_broker_encode(&b);
    ck_assert_str_eq(j, "{\"features\":{},\"listener_security_protocol_map\":{\"SSL\":\"SSL\","
                        "\"SASL\":\"SASL_SSL\"},\"endpoints\":[\"SSL://[::1]:9093\",\"SASL://:9094\"],"
                        "\"jmx_port\":-1,\"port\":-1,\"host\":null,\"version\":5,\"timestamp\":"
                        "\"5\"}");
    /* Round trip. */
    sk_znode_broker_t d;
    ck_assert_int_eq(sk_znode_broker_decode(j, strlen(j), &d, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(d.version, 5);
    ck_assert_int_eq(d.n_endpoints, 2);
    ck_assert_str_eq(d.endpoints[0].listener, "SSL");
    ck_assert_str_eq(d.endpoints[0].host, "::1");
    ck_assert_int_eq(d.endpoints[0].port, 9093);
    ck_assert_str_eq(d.endpoints[1].protocol, "SASL_SSL");
    ck_assert_ptr_null(d.endpoints[1].host);
    ck_assert_ptr_null(d.host);
    ck_assert_int_eq(d.port, -1);
    ck_assert_int_eq(d.timestamp, 5);
    ck_assert_ptr_null(d.rack);
    sk_znode_broker_clear(&d);
    free(j);
}
END_TEST

START_TEST(test_broker_decode)
{
    sk_znode_broker_t d;
    /* Scala 2.12 key order, v4 without features, rack present. */
    const char *v4 = "{\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"},"
                     "\"endpoints\":[\"PLAINTEXT://h:9092\"],\"rack\":\"r1\",\"jmx_port\":9999,"
                     "\"host\":\"h\",\"timestamp\":\"17\",\"port\":9092,\"version\":4}";
    ck_assert_int_eq(DEC(sk_znode_broker_decode, v4, &d), SK_OK);
    ck_assert_int_eq(d.version, 4);
    ck_assert_int_eq(d.jmx_port, 9999);
    ck_assert_str_eq(d.rack, "r1");
    ck_assert_int_eq(d.timestamp, 17);
    ck_assert_str_eq(d.endpoints[0].protocol, "PLAINTEXT");
    sk_znode_broker_clear(&d);
    /* v2 without the protocol map: protocol = listener name. */
    ck_assert_int_eq(DEC(sk_znode_broker_decode,
                         "{\"version\":2,\"jmx_port\":-1,\"endpoints\":[\"SSL://h:1\"],\"x\":{}}",
                         &d),
                     SK_OK);
    ck_assert_str_eq(d.endpoints[0].protocol, "SSL");
    sk_znode_broker_clear(&d);
    /* v1: host/port only. */
    ck_assert_int_eq(DEC(sk_znode_broker_decode,
                         "{\"version\":1,\"jmx_port\":-1,\"host\":\"old\",\"port\":9092}", &d),
                     SK_OK);
    ck_assert_int_eq(d.n_endpoints, 1);
    ck_assert_str_eq(d.endpoints[0].host, "old");
    sk_znode_broker_clear(&d);

    const char *bad[] = {
        "{\"jmx_port\":-1,\"endpoints\":[]}",                     /* no version */
        "{\"version\":5,\"endpoints\":[]}",                       /* no jmx_port */
        "{\"version\":5,\"jmx_port\":-1}",                        /* no endpoints */
        "{\"version\":\"5\",\"jmx_port\":-1,\"endpoints\":[]}",   /* version string */
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":\"x\"}",    /* endpoints type */
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[5]}",      /* endpoint type */
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[\"PLAINTEXT:h:1\"]}",
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[\"://h:1\"]}",
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[\"P://h:99999\"]}",
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[\"P://h:\"]}",
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[\"P://[::1:9\"]}",
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[\"P://h:1\"],"
        "\"listener_security_protocol_map\":{\"Q\":\"SSL\"}}", /* listener not in map */
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[],\"listener_security_protocol_map\":[]}",
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[],\"timestamp\":17}",
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[],\"timestamp\":\"1x\"}",
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[],\"host\":5}",
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[],\"rack\":5}",
        "{\"version\":5,\"jmx_port\":99999999999,\"endpoints\":[]}",
        "{\"version\":5,\"jmx_port\":1.5,\"endpoints\":[]}",
        "{\"version\":1,\"jmx_port\":-1}", /* v1 without host */
        "{\"version\":0,\"jmx_port\":-1,\"endpoints\":[]}",
        "{\"version\":5,\"jmx_port\":-1,\"endpoints\":[]", "[1,2]", "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(DEC(sk_znode_broker_decode, bad[i], &d) == SK_EPARSE, "accepted %s", bad[i]);
        ck_assert_ptr_null(d.endpoints);
        ck_assert_int_eq(d.n_endpoints, 0);
    }
}
END_TEST

START_TEST(test_controller)
{
    char *j = sk_znode_controller_encode(1, 1677731044279LL);
    ck_assert_str_eq(j, "{\"version\":1,\"brokerid\":1,\"timestamp\":\"1677731044279\"}");
    sk_znode_controller_t c;
    ck_assert_int_eq(DEC(sk_znode_controller_decode, j, &c), SK_OK);
    ck_assert_int_eq(c.broker_id, 1);
    ck_assert_int_eq(c.version, 1);
    ck_assert(c.timestamp == 1677731044279LL);
    ck_assert_int_eq(c.kraft_controller_epoch, -1);
    free(j);
    ck_assert_int_eq(DEC(sk_znode_controller_decode,
                         "{\"version\":2,\"brokerid\":7,\"timestamp\":\"1704032949256\","
                         "\"kraftControllerEpoch\":-1}",
                         &c),
                     SK_OK);
    ck_assert_int_eq(c.broker_id, 7);
    ck_assert_int_eq(c.version, 2);
    ck_assert_int_eq(DEC(sk_znode_controller_decode, "{\"brokerid\":3}", &c), SK_OK);
    ck_assert_int_eq(c.broker_id, 3);
    ck_assert_int_eq(c.timestamp, -1);
    const char *bad[] = {"{\"version\":1}", "{\"brokerid\":\"1\"}", "{\"brokerid\":2147483648}",
                         "{\"brokerid\":1,\"timestamp\":\"abc\"}",
                         "{\"brokerid\":1,\"timestamp\":[]}", "{\"brokerid\":1,\"version\":\"1\"}",
                         "1", "{\"brokerid\":1e3}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(DEC(sk_znode_controller_decode, bad[i], &c) == SK_EPARSE, "accepted %s",
                      bad[i]);

    j = sk_znode_controller_epoch_encode(12);
    ck_assert_str_eq(j, "12");
    free(j);
    int32_t e = -5;
    ck_assert_int_eq(sk_znode_controller_epoch_decode("0", 1, &e, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(e, 0);
    ck_assert_int_eq(sk_znode_controller_epoch_decode("2147483647", 10, &e, err, sizeof(err)),
                     SK_OK);
    ck_assert_int_eq(e, 2147483647);
    const char *ebad[] = {"", "-1", "2147483648", "1 ", " 1", "x", "99999999999999999999", "+1"};
    for (size_t i = 0; i < sizeof(ebad) / sizeof(ebad[0]); i++)
        ck_assert_msg(sk_znode_controller_epoch_decode(ebad[i], strlen(ebad[i]), &e, err,
                                                       sizeof(err)) == SK_EPARSE,
                      "accepted '%s'", ebad[i]);
    ck_assert_int_eq(sk_znode_controller_epoch_decode(NULL, 0, &e, err, sizeof(err)), SK_EPARSE);
}
END_TEST

/* Build a topic with n partitions, replicas {p%3+1, ...}. */
static void make_topic(sk_znode_topic_t *t, int n, int rf)
{
    memset(t, 0, sizeof(*t));
    t->partitions = sk_calloc((size_t)n, sizeof(*t->partitions));
    t->n_partitions = n;
    for (int p = 0; p < n; p++) {
        t->partitions[p].partition = p;
        t->partitions[p].replicas = sk_calloc((size_t)rf, sizeof(int32_t));
        t->partitions[p].n_replicas = rf;
        for (int r = 0; r < rf; r++)
            t->partitions[p].replicas[r] = (p + r) % 3 + 1;
    }
}

START_TEST(test_topic_encode)
{
    sk_znode_topic_t t;
    make_topic(&t, 3, 3);
    t.topic_id = sk_strdup("cMr3GpVESX2L3byPGf93lQ");
    const char *expect =
        "{\"partitions\":{\"0\":[1,2,3],\"1\":[2,3,1],\"2\":[3,1,2]},\"topic_id\":"
        "\"cMr3GpVESX2L3byPGf93lQ\",\"adding_replicas\":{},\"removing_replicas\":{},\"version\":3}";
    char *j = sk_znode_topic_encode(&t);
    ck_assert_str_eq(j, expect);
    free(j);
    sk_znode_topic_clear(&t);

    /* Without topic id. */
    make_topic(&t, 1, 1);
    j = sk_znode_topic_encode(&t);
    ck_assert_str_eq(j, "{\"partitions\":{\"0\":[1]},\"adding_replicas\":{},\"removing_replicas\":"
                        "{},\"version\":3}");
    free(j);
    sk_znode_topic_clear(&t);

    /* 11 partitions: natural order; 12: "11" first (Scala 2.13 HashMap). */
    make_topic(&t, 11, 1);
    j = sk_znode_topic_encode(&t);
    ck_assert_ptr_nonnull(strstr(j, "{\"partitions\":{\"0\":[1],\"1\":[2],\"2\":[3],\"3\":[1],"
                                    "\"4\":[2],\"5\":[3],\"6\":[1],\"7\":[2],\"8\":[3],\"9\":[1],"
                                    "\"10\":[2]},"));
    free(j);
    sk_znode_topic_clear(&t);
    make_topic(&t, 12, 1);
    j = sk_znode_topic_encode(&t);
    ck_assert_ptr_nonnull(strstr(j, "{\"partitions\":{\"11\":[3],\"0\":[1],\"1\":[2],\"2\":[3],"
                                    "\"3\":[1],\"4\":[2],\"5\":[3],\"6\":[1],\"7\":[2],\"8\":[3],"
                                    "\"9\":[1],\"10\":[2]},"));
    /* Round trip, any order. */
    sk_znode_topic_t d;
    ck_assert_int_eq(sk_znode_topic_decode(j, strlen(j), &d, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(d.n_partitions, 12);
    for (int p = 0; p < 12; p++) {
        ck_assert_int_eq(d.partitions[p].partition, p);
        ck_assert_int_eq(d.partitions[p].n_replicas, 1);
        ck_assert_int_eq(d.partitions[p].replicas[0], p % 3 + 1);
    }
    ck_assert_int_eq(d.version, 3);
    ck_assert_ptr_null(d.topic_id);
    sk_znode_topic_clear(&d);
    free(j);

    /* Reassignment maps use the partition field as key. */
    sk_znode_replicas_t add = {.partition = 5, .replicas = (int32_t[]){4}, .n_replicas = 1};
    t.adding = &add;
    t.n_adding = 1;
    j = sk_znode_topic_encode(&t);
    ck_assert_ptr_nonnull(strstr(j, "\"adding_replicas\":{\"5\":[4]},\"removing_replicas\":{},"));
    free(j);
    t.adding = NULL;
    t.n_adding = 0;
    /* Encoder refuses partitions that are not 0..n-1. */
    t.partitions[3].partition = 30;
    ck_assert_ptr_null(sk_znode_topic_encode(&t));
    sk_znode_topic_clear(&t);
    ck_assert_ptr_null(sk_znode_topic_encode(&t));
}
END_TEST

START_TEST(test_topic_decode)
{
    sk_znode_topic_t d;
    ck_assert_int_eq(DEC(sk_znode_topic_decode, "{\"version\":1,\"partitions\":{\"0\":[0]}}", &d),
                     SK_OK);
    ck_assert_int_eq(d.version, 1);
    ck_assert_int_eq(d.n_partitions, 1);
    ck_assert_int_eq(d.partitions[0].replicas[0], 0);
    sk_znode_topic_clear(&d);
    ck_assert_int_eq(DEC(sk_znode_topic_decode,
                         "{\"version\":2,\"partitions\":{\"1\":[2,1],\"0\":[1,2]},"
                         "\"adding_replicas\":{\"1\":[1]},\"removing_replicas\":{}}",
                         &d),
                     SK_OK);
    ck_assert_int_eq(d.n_partitions, 2);
    ck_assert_int_eq(d.partitions[1].replicas[0], 2);
    ck_assert_int_eq(d.partitions[0].replicas[1], 2);
    ck_assert_int_eq(d.n_adding, 1);
    ck_assert_int_eq(d.adding[0].partition, 1);
    ck_assert_int_eq(d.n_removing, 0);
    sk_znode_topic_clear(&d);
    /* Scala 2.12 order with topic id. */
    ck_assert_int_eq(DEC(sk_znode_topic_decode,
                         "{\"removing_replicas\":{},\"partitions\":{\"0\":[1]},\"topic_id\":"
                         "\"cMr3GpVESX2L3byPGf93lQ\",\"adding_replicas\":{},\"version\":3}",
                         &d),
                     SK_OK);
    ck_assert_str_eq(d.topic_id, "cMr3GpVESX2L3byPGf93lQ");
    sk_znode_topic_clear(&d);

    const char *bad[] = {
        "{\"partitions\":{\"0\":[0]}}",                          /* no version */
        "{\"version\":3}",                                       /* no partitions */
        "{\"version\":3,\"partitions\":[]}",                     /* wrong type */
        "{\"version\":3,\"partitions\":{\"1\":[0]}}",            /* not 0..n-1 */
        "{\"version\":3,\"partitions\":{\"0\":[0],\"2\":[0]}}",  /* gap */
        "{\"version\":3,\"partitions\":{\"0\":[0],\"01\":[0]}}", /* non-canonical */
        "{\"version\":3,\"partitions\":{\"-1\":[0]}}",
        "{\"version\":3,\"partitions\":{\"x\":[0]}}",
        "{\"version\":3,\"partitions\":{\"\":[0]}}",
        "{\"version\":3,\"partitions\":{\"99999999999999999999\":[0]}}",
        "{\"version\":3,\"partitions\":{\"0\":0}}",
        "{\"version\":3,\"partitions\":{\"0\":[\"1\"]}}",
        "{\"version\":3,\"partitions\":{\"0\":[-1]}}",
        "{\"version\":3,\"partitions\":{\"0\":[2147483648]}}",
        "{\"version\":3,\"partitions\":{\"0\":[1.0]}}",
        "{\"version\":3,\"partitions\":{\"0\":[12345678901234567890123]}}",
        "{\"version\":3,\"partitions\":{\"0\":[1]},\"topic_id\":5}",
        "{\"version\":3,\"partitions\":{\"0\":[1]},\"topic_id\":\"short\"}",
        "{\"version\":3,\"partitions\":{\"0\":[1]},\"adding_replicas\":[]}",
        "{\"version\":3,\"partitions\":{\"0\":[1]},\"removing_replicas\":{\"a\":[1]}}",
        "{\"version\":3,\"partitions\":{\"0\":[1]},\"removing_replicas\":{\"0\":[\"x\"]}}",
        "{\"version\":3,\"partitions\":{\"0\":[1]}",
        "nonsense",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(DEC(sk_znode_topic_decode, bad[i], &d) == SK_EPARSE, "accepted %s", bad[i]);
        ck_assert_ptr_null(d.partitions);
        ck_assert_ptr_null(d.topic_id);
    }
}
END_TEST

START_TEST(test_pstate)
{
    sk_znode_pstate_t s = {.controller_epoch = 1, .leader = 2, .leader_epoch = 0,
                           .isr = (int32_t[]){2, 3, 1}, .n_isr = 3};
    const char *expect =
        "{\"controller_epoch\":1,\"leader\":2,\"version\":1,\"leader_epoch\":0,\"isr\":[2,3,1]}";
    char *j = sk_znode_pstate_encode(&s);
    ck_assert_str_eq(j, expect);
    free(j);
    sk_znode_pstate_t r = {.controller_epoch = 3, .leader = 2, .leader_epoch = 5,
                           .isr = (int32_t[]){2}, .n_isr = 1, .leader_recovery_state = 1};
    const char *expect2 = "{\"controller_epoch\":3,\"leader\":2,\"version\":1,"
                          "\"leader_recovery_state\":1,\"leader_epoch\":5,\"isr\":[2]}";
    j = sk_znode_pstate_encode(&r);
    ck_assert_str_eq(j, expect2);
    free(j);
    sk_znode_pstate_t d;
    ck_assert_int_eq(DEC(sk_znode_pstate_decode, expect, &d), SK_OK);
    ck_assert_int_eq(d.controller_epoch, 1);
    ck_assert_int_eq(d.leader, 2);
    ck_assert_int_eq(d.n_isr, 3);
    ck_assert_int_eq(d.isr[2], 1);
    ck_assert_int_eq(d.leader_recovery_state, 0);
    sk_znode_pstate_clear(&d);
    ck_assert_int_eq(DEC(sk_znode_pstate_decode, expect2, &d), SK_OK);
    ck_assert_int_eq(d.leader_recovery_state, 1);
    sk_znode_pstate_clear(&d);
    ck_assert_int_eq(DEC(sk_znode_pstate_decode,
                         "{\"isr\":[],\"leader\":-1,\"leader_epoch\":9,\"controller_epoch\":4}", &d),
                     SK_OK);
    ck_assert_int_eq(d.leader, -1);
    ck_assert_int_eq(d.n_isr, 0);
    sk_znode_pstate_clear(&d);
    const char *bad[] = {
        "{\"leader\":1,\"leader_epoch\":0,\"isr\":[1]}",
        "{\"controller_epoch\":1,\"leader_epoch\":0,\"isr\":[1]}",
        "{\"controller_epoch\":1,\"leader\":1,\"isr\":[1]}",
        "{\"controller_epoch\":1,\"leader\":1,\"leader_epoch\":0}",
        "{\"controller_epoch\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":\"1\"}",
        "{\"controller_epoch\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":[null]}",
        "{\"controller_epoch\":1,\"leader\":\"1\",\"leader_epoch\":0,\"isr\":[1]}",
        "{\"controller_epoch\":1,\"leader\":1,\"leader_epoch\":-1,\"isr\":[1]}",
        "{\"controller_epoch\":1,\"leader\":1,\"leader_epoch\":4294967296,\"isr\":[1]}",
        "{\"controller_epoch\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":[1],"
        "\"leader_recovery_state\":2}",
        "{\"controller_epoch\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":[1],"
        "\"leader_recovery_state\":true}",
        "{}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(DEC(sk_znode_pstate_decode, bad[i], &d) == SK_EPARSE, "accepted %s", bad[i]);
        ck_assert_ptr_null(d.isr);
    }
}
END_TEST

START_TEST(test_config_change)
{
    char *t, *n;
    char *j = sk_znode_config_change_encode("topics", "orders");
    ck_assert_str_eq(j, "{\"version\":2,\"entity_path\":\"topics/orders\"}");
    ck_assert_int_eq(sk_znode_config_change_decode(j, strlen(j), &t, &n, err, sizeof(err)), SK_OK);
    ck_assert_str_eq(t, "topics");
    ck_assert_str_eq(n, "orders");
    free(t), free(n), free(j);
    const char *v2 = "{\"version\":2,\"entity_path\":\"users/alice/clients/app\"}";
    ck_assert_int_eq(sk_znode_config_change_decode(v2, strlen(v2), &t, &n, err, sizeof(err)),
                     SK_OK);
    ck_assert_str_eq(t, "users");
    ck_assert_str_eq(n, "alice/clients/app");
    free(t), free(n);
    const char *v1 = "{\"version\":1,\"entity_type\":\"brokers\",\"entity_name\":\"<default>\"}";
    ck_assert_int_eq(sk_znode_config_change_decode(v1, strlen(v1), &t, &n, err, sizeof(err)),
                     SK_OK);
    ck_assert_str_eq(t, "brokers");
    ck_assert_str_eq(n, "<default>");
    free(t), free(n);
    const char *bad[] = {
        "", "{", "[]", "\"topics/x\"", "{\"version\":3,\"entity_path\":\"topics/x\"}",
        "{\"entity_path\":\"topics/x\"}", "{\"version\":2,\"entity_path\":7}",
        "{\"version\":2,\"entity_path\":\"topics\"}", "{\"version\":2,\"entity_path\":\"topics/\"}",
        "{\"version\":2,\"entity_path\":\"/x\"}", "{\"version\":2,\"entity_path\":\"secrets/x\"}",
        "{\"version\":2,\"entity_path\":\"topics/a/b\"}",
        "{\"version\":2,\"entity_path\":\"topics/..\"}",
        "{\"version\":2,\"entity_path\":\"users/a/clients/\"}",
        "{\"version\":2,\"entity_path\":\"users/a/groups/b\"}",
        "{\"version\":2,\"entity_path\":\"users/a/clients/b/c\"}",
        "{\"version\":1,\"entity_type\":\"topics\"}",
        "{\"version\":1,\"entity_type\":\"topics\",\"entity_name\":1}",
        "{\"version\":\"2\",\"entity_path\":\"topics/x\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(sk_znode_config_change_decode(bad[i], strlen(bad[i]), &t, &n, err,
                                                    sizeof(err)) == SK_EPARSE,
                      "accepted %s", bad[i]);
        ck_assert_ptr_null(t);
        ck_assert_ptr_null(n);
    }
    ck_assert_int_eq(sk_znode_config_change_seq("config_change_0000000042"), 42);
    ck_assert_int_eq(sk_znode_config_change_seq("config_change_"), -1);
    ck_assert_int_eq(sk_znode_config_change_seq("config_change_12x"), -1);
    ck_assert_int_eq(sk_znode_config_change_seq("acl_changes_0000000001"), -1);
    ck_assert_int_eq(sk_znode_config_change_seq("config_change_99999999999999999999999"), -1);
}
END_TEST

START_TEST(test_config)
{
    const char *k[] = {"retention.ms", "cleanup.policy"};
    const char *v[] = {"86400000", "compact"};
    const char *expect =
        "{\"version\":1,\"config\":{\"retention.ms\":\"86400000\",\"cleanup.policy\":\"compact\"}}";
    char *j = sk_znode_config_encode(k, v, 2);
    ck_assert_str_eq(j, expect);
    free(j);
    j = sk_znode_config_encode(NULL, NULL, 0);
    ck_assert_str_eq(j, "{\"version\":1,\"config\":{}}");
    sk_znode_config_t c;
    ck_assert_int_eq(DEC(sk_znode_config_decode, j, &c), SK_OK);
    ck_assert_int_eq(c.n, 0);
    sk_znode_config_clear(&c);
    free(j);
    ck_assert_int_eq(DEC(sk_znode_config_decode, expect, &c), SK_OK);
    ck_assert_int_eq(c.n, 2);
    ck_assert_str_eq(c.keys[1], "cleanup.policy");
    ck_assert_str_eq(c.values[1], "compact");
    sk_znode_config_clear(&c);
    ck_assert_int_eq(sk_znode_config_decode(NULL, 0, &c, err, sizeof(err)), SK_OK);
    ck_assert_int_eq(c.n, 0);
    ck_assert_int_eq(DEC(sk_znode_config_decode, "{\"version\":1}", &c), SK_OK);
    ck_assert_int_eq(c.n, 0);
    const char *bad[] = {"{\"config\":[]}", "{\"config\":{\"a\":1}}", "{\"config\":{\"a\":null}}",
                         "{\"config\":{\"a\":\"b\",\"c\":{}}}", "{", "\"x\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(DEC(sk_znode_config_decode, bad[i], &c) == SK_EPARSE, "accepted %s", bad[i]);
        ck_assert_int_eq(c.n, 0);
        ck_assert_ptr_null(c.keys);
    }
}
END_TEST

START_TEST(test_pid_block)
{
    sk_znode_pid_block_t b = {2, 1000, 1999}, d;
    char *j = sk_znode_pid_block_encode(&b);
    ck_assert_str_eq(j, "{\"version\":1,\"broker\":2,\"block_start\":\"1000\","
                        "\"block_end\":\"1999\"}");
    ck_assert_int_eq(DEC(sk_znode_pid_block_decode, j, &d), SK_OK);
    ck_assert_int_eq(d.broker, 2);
    ck_assert_int_eq(d.start, 1000);
    ck_assert_int_eq(d.end, 1999);
    free(j);
    /* numbers instead of strings are read too */
    ck_assert_int_eq(DEC(sk_znode_pid_block_decode,
                         "{\"version\":1,\"broker\":0,\"block_start\":0,\"block_end\":999}",
                         &d), SK_OK);
    ck_assert_int_eq(d.end, 999);
    static const char *bad[] = {
        "", "null", "[]", "{\"broker\":0,\"block_start\":\"0\"}",
        "{\"broker\":0,\"block_start\":\"x\",\"block_end\":\"9\"}",
        "{\"broker\":0,\"block_start\":\"10\",\"block_end\":\"9\"}",
        "{\"broker\":0,\"block_start\":\"-5\",\"block_end\":\"9\"}",
        "{\"broker\":\"a\",\"block_start\":\"0\",\"block_end\":\"9\"}",
        "{\"broker\":0,\"block_start\":\"0\",\"block_end\":\"99999999999999999999\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(DEC(sk_znode_pid_block_decode, bad[i], &d) == SK_EPARSE, "accepted %s",
                      bad[i]);
}
END_TEST

START_TEST(test_hashmap_order)
{
    ck_assert_int_eq(sk_java_hash("", 0), 0);
    ck_assert_int_eq(sk_java_hash("a", 1), 97);
    ck_assert_int_eq(sk_java_hash("10", 2), 1567);
    ck_assert_int_eq(sk_java_hash("hello", 5), 99162322);
    ck_assert_int_eq(sk_java_hash("listener_security_protocol_map", 30), 740874377);
    /* Overflowing hash is negative in Java. */
    ck_assert_int_eq(sk_java_hash("adding_replicas", 15), -916116071);
    /* U+00E9 is one UTF-16 unit, U+1F600 two (surrogates D83D DE00). */
    ck_assert_int_eq(sk_java_hash("\xc3\xa9", 2), 0xe9);
    ck_assert_int_eq(sk_java_hash("\xf0\x9f\x98\x80", 4), 0xd83d * 31 + 0xde00);

    /* The fixed key orders the encoders use must be what the rule gives. */
    const char *broker[] = {"version", "host", "port", "endpoints", "jmx_port", "timestamp",
                            "listener_security_protocol_map", "features", "rack"};
    const char *broker_expect[] = {"features", "listener_security_protocol_map", "endpoints",
                                   "rack", "jmx_port", "port", "host", "version", "timestamp"};
    int order[16];
    sk_znode_hashmap_order(broker, 9, 16, order);
    for (int i = 0; i < 9; i++)
        ck_assert_str_eq(broker[order[i]], broker_expect[i]);
    const char *topic[] = {"version", "partitions", "topic_id", "adding_replicas",
                           "removing_replicas"};
    const char *topic_expect[] = {"partitions", "topic_id", "adding_replicas",
                                  "removing_replicas", "version"};
    sk_znode_hashmap_order(topic, 5, 8, order);
    for (int i = 0; i < 5; i++)
        ck_assert_str_eq(topic[order[i]], topic_expect[i]);
    /* 24 entries grow the table to 64. */
    char keys[24][4];
    const char *kp[24];
    for (int i = 0; i < 24; i++) {
        snprintf(keys[i], sizeof(keys[i]), "%d", i);
        kp[i] = keys[i];
    }
    int o24[24];
    sk_znode_hashmap_order(kp, 24, 16, o24);
    /* With 64 buckets: "22","23" (hash 1600,1601) wrap to buckets 0,1;
     * "10".."19" (1567..1576) are 31..40; "0".."9" 48..57; "20","21" 62,63. */
    const char *e24[] = {"22", "23", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19",
                         "0",  "1",  "2",  "3",  "4",  "5",  "6",  "7",  "8",  "9",  "20", "21"};
    for (int i = 0; i < 24; i++)
        ck_assert_str_eq(kp[o24[i]], e24[i]);
    int o12[12];
    sk_znode_hashmap_order(kp, 12, 16, o12);
    ck_assert_str_eq(kp[o12[0]], "11");
    ck_assert_str_eq(kp[o12[11]], "10");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("znode");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_paths);
    tcase_add_test(tc, test_topic_name_valid);
    tcase_add_test(tc, test_uuid);
    tcase_add_test(tc, test_cluster_id);
    tcase_add_test(tc, test_broker_encode);
    tcase_add_test(tc, test_broker_decode);
    tcase_add_test(tc, test_controller);
    tcase_add_test(tc, test_topic_encode);
    tcase_add_test(tc, test_topic_decode);
    tcase_add_test(tc, test_pstate);
    tcase_add_test(tc, test_config);
    tcase_add_test(tc, test_config_change);
    tcase_add_test(tc, test_hashmap_order);
    tcase_add_test(tc, test_pid_block);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

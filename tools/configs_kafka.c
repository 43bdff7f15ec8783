/* configs_kafka.c - skein-configs --bootstrap-server (see configs_kafka.h). */
#include "configs_kafka.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "configs_default.h"
#include "mem.h"
#include "rdk_util.h"

#define TIMEOUT_MS 30000

static rd_kafka_ResourceType_t restype(const char *type)
{
    return strcmp(type, "topics") == 0 ? RD_KAFKA_RESOURCE_TOPIC : RD_KAFKA_RESOURCE_BROKER;
}

/* The resource's own dynamic level: what DescribeConfigs without --all
 * shows and what an AlterConfigs must send again. */
static rd_kafka_ConfigSource_t own_source(const char *type)
{
    return strcmp(type, "topics") == 0 ? RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG
                                       : RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG;
}

/* Run one admin call and wait for its event; NULL with a message. */
static rd_kafka_event_t *wait_event(rd_kafka_queue_t *q, rd_kafka_event_type_t type)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, TIMEOUT_MS + 5000);
    if (!ev) {
        fprintf(stderr, "skein-configs: no answer from the cluster within %d s\n",
                TIMEOUT_MS / 1000);
        return NULL;
    }
    if (rd_kafka_event_type(ev) != type || rd_kafka_event_error(ev)) {
        fprintf(stderr, "skein-configs: %s\n", rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

static rd_kafka_AdminOptions_t *options(rd_kafka_t *rk, rd_kafka_admin_op_t op)
{
    char err[256];
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
    rd_kafka_AdminOptions_set_request_timeout(o, TIMEOUT_MS, err, sizeof(err));
    return o;
}

/* DescribeConfigs of one resource: the event (destroy it) and its one
 * resource, or NULL with a message. */
static rd_kafka_event_t *describe(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *type,
                                  const char *name, const rd_kafka_ConfigResource_t **out)
{
    rd_kafka_ConfigResource_t *r = rd_kafka_ConfigResource_new(restype(type), name);
    rd_kafka_AdminOptions_t *o = options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(rk, &r, 1, o, q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy(r);
    rd_kafka_event_t *ev = wait_event(q, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT);
    if (!ev)
        return NULL;
    size_t n = 0;
    const rd_kafka_ConfigResource_t **rs = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(ev), &n);
    if (n != 1 || rd_kafka_ConfigResource_error(rs[0])) {
        fprintf(stderr, "skein-configs: %s\n",
                n == 1 ? rd_kafka_ConfigResource_error_string(rs[0]) : "no result");
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    *out = rs[0];
    return ev;
}

/* --describe: kafka-configs.sh's lines for one resource. */
static int describe_one(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *type, const char *name,
                        int all)
{
    const rd_kafka_ConfigResource_t *res;
    rd_kafka_event_t *ev = describe(rk, q, type, name, &res);
    if (!ev)
        return 1;
    printf("%s configs for %s %s are:\n", all ? "All" : "Dynamic",
           strcmp(type, "topics") == 0 ? "topic" : "broker", name);
    size_t n = 0;
    const rd_kafka_ConfigEntry_t **es = rd_kafka_ConfigResource_configs(res, &n);
    for (size_t i = 0; i < n; i++) {
        const rd_kafka_ConfigEntry_t *e = es[i];
        if (!all && rd_kafka_ConfigEntry_source(e) != own_source(type))
            continue;
        const char *v = rd_kafka_ConfigEntry_value(e);
        printf("  %s=%s sensitive=%s synonyms={", rd_kafka_ConfigEntry_name(e),
               rd_kafka_ConfigEntry_is_sensitive(e) ? "null" : v ? v : "null",
               rd_kafka_ConfigEntry_is_sensitive(e) ? "true" : "false");
        size_t ns = 0;
        const rd_kafka_ConfigEntry_t **syn = rd_kafka_ConfigEntry_synonyms(e, &ns);
        for (size_t j = 0; j < ns; j++) {
            const char *sv = rd_kafka_ConfigEntry_value(syn[j]);
            printf("%s%s:%s=%s", j ? ", " : "",
                   rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(syn[j])),
                   rd_kafka_ConfigEntry_name(syn[j]),
                   rd_kafka_ConfigEntry_is_sensitive(e) ? "null" : sv ? sv : "null");
        }
        printf("}\n");
    }
    rd_kafka_event_destroy(ev);
    return 0;
}

static int describe_cmd(rd_kafka_t *rk, rd_kafka_queue_t *q, const sk_cfg_cmd_t *cmd)
{
    const char *type = cmd->ent.type[0];
    if (cmd->ent.name[0])
        return describe_one(rk, q, type, cmd->ent.name[0], cmd->all);
    if (strcmp(type, "brokers") == 0) {
        /* every broker of the cluster, from Metadata */
        const struct rd_kafka_metadata *md;
        if (rd_kafka_metadata(rk, 0, NULL, &md, TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "skein-configs: Metadata failed\n");
            return 1;
        }
        int rc = 0;
        for (int i = 0; i < md->broker_cnt; i++) {
            char id[16];
            snprintf(id, sizeof(id), "%d", md->brokers[i].id);
            rc |= describe_one(rk, q, type, id, cmd->all);
        }
        rd_kafka_metadata_destroy(md);
        return rc | sk_cfgdefault_describe(cmd->bootstrap); /* then the default, as Kafka */
    }
    char **names = NULL;
    int n = 0;
    char err[256];
    if (sk_rdk_topic_names(rk, TIMEOUT_MS, &names, &n, err, sizeof(err)) != 0) {
        fprintf(stderr, "skein-configs: %s\n", err);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++)
        rc |= describe_one(rk, q, type, names[i], cmd->all);
    sk_rdk_free_names(names, n);
    return rc;
}

/* --alter: describe, merge, AlterConfigs with the whole dynamic set. */
static int alter_cmd(rd_kafka_t *rk, rd_kafka_queue_t *q, const sk_cfg_cmd_t *cmd)
{
    const char *type = cmd->ent.type[0], *name = cmd->ent.name[0];
    char err[768];
    for (int i = 0; i < cmd->n_add; i++)
        if (sk_cfg_check(type, cmd->add[i].key, cmd->add[i].value, err, sizeof(err)) != 0) {
            fprintf(stderr, "skein-configs: %s\n", err);
            return 2;
        }
    const rd_kafka_ConfigResource_t *cur;
    rd_kafka_event_t *ev = describe(rk, q, type, name, &cur);
    if (!ev)
        return 1;
    rd_kafka_ConfigResource_t *r = rd_kafka_ConfigResource_new(restype(type), name);
    size_t n = 0;
    const rd_kafka_ConfigEntry_t **es = rd_kafka_ConfigResource_configs(cur, &n);
    for (int d = 0; d < cmd->n_del; d++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= rd_kafka_ConfigEntry_source(es[i]) == own_source(type) &&
                     strcmp(rd_kafka_ConfigEntry_name(es[i]), cmd->del[d]) == 0;
        if (!found) {
            fprintf(stderr, "skein-configs: Invalid config(s): %s\n", cmd->del[d]);
            rd_kafka_ConfigResource_destroy(r);
            rd_kafka_event_destroy(ev);
            return 2;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *k = rd_kafka_ConfigEntry_name(es[i]);
        if (rd_kafka_ConfigEntry_source(es[i]) != own_source(type))
            continue;
        int drop = 0;
        for (int d = 0; d < cmd->n_del; d++)
            drop |= strcmp(k, cmd->del[d]) == 0;
        for (int a = 0; a < cmd->n_add; a++)
            drop |= strcmp(k, cmd->add[a].key) == 0;
        if (drop)
            continue;
        if (rd_kafka_ConfigEntry_is_sensitive(es[i])) {
            fprintf(stderr, "skein-configs: %s is a secret the describe cannot show, so "
                    "AlterConfigs would lose it; use --zookeeper\n", k);
            rd_kafka_ConfigResource_destroy(r);
            rd_kafka_event_destroy(ev);
            return 1;
        }
        rd_kafka_ConfigResource_set_config(r, k, rd_kafka_ConfigEntry_value(es[i]));
    }
    rd_kafka_event_destroy(ev);
    for (int a = 0; a < cmd->n_add; a++)
        rd_kafka_ConfigResource_set_config(r, cmd->add[a].key, cmd->add[a].value);
    rd_kafka_AdminOptions_t *o = options(rk, RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
    rd_kafka_AlterConfigs(rk, &r, 1, o, q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy(r);
    ev = wait_event(q, RD_KAFKA_EVENT_ALTERCONFIGS_RESULT);
    if (!ev)
        return 1;
    size_t nr = 0;
    const rd_kafka_ConfigResource_t **rs = rd_kafka_AlterConfigs_result_resources(
        rd_kafka_event_AlterConfigs_result(ev), &nr);
    int rc = 0;
    if (nr != 1 || rd_kafka_ConfigResource_error(rs[0])) {
        fprintf(stderr, "skein-configs: %s\n",
                nr == 1 ? rd_kafka_ConfigResource_error_string(rs[0]) : "no result");
        rc = 1;
    } else {
        printf("Completed updating config for %s %s.\n",
               strcmp(type, "topics") == 0 ? "topic" : "broker", name);
    }
    rd_kafka_event_destroy(ev);
    return rc;
}

int sk_cfgkafka_run(const sk_cfg_cmd_t *cmd)
{
    const sk_cfg_entity_t *ent = &cmd->ent;
    if (ent->n != 1 || (strcmp(ent->type[0], "topics") && strcmp(ent->type[0], "brokers"))) {
        fprintf(stderr, "skein-configs: with --bootstrap-server only topics and brokers (users "
                "and clients: --zookeeper; librdkafka 2.0.2 has no client quota API)\n");
        return 2;
    }
    if (ent->def[0]) {
        if (strcmp(ent->type[0], "brokers") != 0) {
            fprintf(stderr, "skein-configs: --entity-default applies to brokers, users and "
                    "clients\n");
            return 2;
        }
        return sk_cfgdefault_run(cmd); /* librdkafka cannot name the default resource */
    }
    if (cmd->alter && !ent->name[0]) {
        fprintf(stderr, "skein-configs: --alter needs --entity-name or --entity-default\n");
        return 2;
    }
    char err[512];
    rd_kafka_t *rk = sk_rdk_admin_new(cmd->bootstrap, "skein-configs", cmd->command_config, err,
                                      sizeof(err));
    if (!rk) {
        fprintf(stderr, "skein-configs: %s\n", err);
        return 1;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    int rc = cmd->describe ? describe_cmd(rk, q, cmd) : alter_cmd(rk, q, cmd);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}

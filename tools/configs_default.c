/* configs_default.c - the cluster default broker configuration over
 * --bootstrap-server (see configs_default.h). */
#include "configs_default.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "arena.h"
#include "kerr.h"
#include "mem.h"
#include "proto_gen.h"
#include "props.h"
#include "rawreq.h"

#define CLIENT_ID "skein-configs"
#define TIMEOUT_S 30
#define RESOURCE_BROKER 4
#define OP_SET 0
#define OP_DELETE 1

/* A connection to the first broker of the bootstrap list that answers. */
static int dial_any(const char *bootstrap, char *err, size_t errlen)
{
    sk_raw_cluster_t c = {0};
    if (sk_raw_cluster(bootstrap, CLIENT_ID, &c, err, errlen) != 0)
        return -1;
    int fd = -1;
    for (int i = 0; i < c.n && fd < 0; i++)
        fd = sk_raw_dial(c.brokers[i].hostport, TIMEOUT_S, err, errlen);
    sk_raw_cluster_free(&c);
    return fd;
}

static const char *source_name(int8_t s)
{
    static const char *const names[] = {"UNKNOWN", "DYNAMIC_TOPIC_CONFIG",
                                        "DYNAMIC_BROKER_CONFIG", "DYNAMIC_DEFAULT_BROKER_CONFIG",
                                        "STATIC_BROKER_CONFIG", "DEFAULT_CONFIG",
                                        "DYNAMIC_BROKER_LOGGER_CONFIG"};
    return s >= 0 && s < 7 ? names[s] : "UNKNOWN";
}

/* DescribeConfigs v1 of the default: the answer's one result (in arena a,
 * its strings in *body, which the caller frees), or NULL with err set. */
static const sk_describeconfigs_resp_result_t *describe(int fd, sk_arena_t *a, uint8_t **body,
                                                        char *err, size_t errlen)
{
    sk_describeconfigs_req_resource_t res;
    sk_describeconfigs_req_resource_init(&res);
    res.ResourceType = RESOURCE_BROKER;
    res.ResourceName = sk_str_c("");
    res.ConfigurationKeysCnt = -1;
    sk_describeconfigs_req_t req;
    sk_describeconfigs_req_init(&req);
    req.Resources = &res;
    req.ResourcesCnt = 1;
    req.IncludeSynonyms = 1;
    sk_wr_t w;
    sk_wr_init(&w);
    sk_describeconfigs_req_encode(&w, 1, &req);
    size_t len = 0;
    *body = NULL;
    if (sk_raw_round_trip(fd, 32, 1, CLIENT_ID, &w, body, &len, err, errlen) != 0)
        return NULL;
    sk_rd_t r;
    sk_rd_init(&r, *body, len);
    sk_describeconfigs_resp_t *resp = sk_arena_calloc(a, 1, sizeof(*resp));
    const sk_describeconfigs_resp_result_t *out = NULL;
    if (sk_describeconfigs_resp_decode(&r, 1, a, resp) != SK_OK || resp->ResultsCnt != 1)
        snprintf(err, errlen, "malformed DescribeConfigs response");
    else if (resp->Results[0].ErrorCode != SK_KERR_NONE)
        snprintf(err, errlen, "%.*s", resp->Results[0].ErrorMessage.len > 0
                                          ? (int)resp->Results[0].ErrorMessage.len : 0,
                 resp->Results[0].ErrorMessage.p ? resp->Results[0].ErrorMessage.p : "");
    else
        out = &resp->Results[0];
    return out;
}

static void print_str(sk_str_t s, int hide)
{
    if (hide || !s.p || s.len < 0)
        printf("null");
    else
        printf("%.*s", (int)s.len, s.p);
}

int sk_cfgdefault_describe(const char *bootstrap)
{
    char err[512];
    int fd = dial_any(bootstrap, err, sizeof(err));
    if (fd < 0) {
        fprintf(stderr, "skein-configs: %s\n", err);
        return 1;
    }
    sk_arena_t *a = sk_arena_new(0);
    uint8_t *body = NULL;
    const sk_describeconfigs_resp_result_t *res = describe(fd, a, &body, err, sizeof(err));
    close(fd);
    int rc = 1;
    if (!res) {
        fprintf(stderr, "skein-configs: %s\n", err);
        goto out;
    }
    printf("Default configurations for brokers are:\n");
    for (int32_t i = 0; i < res->ConfigsCnt; i++) {
        const sk_describeconfigs_resp_config_t *c = &res->Configs[i];
        printf("  ");
        print_str(c->Name, 0);
        printf("=");
        print_str(c->Value, c->IsSensitive);
        printf(" sensitive=%s synonyms={", c->IsSensitive ? "true" : "false");
        for (int32_t j = 0; j < c->SynonymsCnt; j++) {
            printf("%s%s:", j ? ", " : "", source_name(c->Synonyms[j].Source));
            print_str(c->Synonyms[j].Name, 0);
            printf("=");
            print_str(c->Synonyms[j].Value, c->IsSensitive);
        }
        printf("}\n");
    }
    rc = 0;
out:
    sk_arena_free(a);
    free(body);
    return rc;
}

/* --delete-config names keys the default has (kafka-configs.sh checks it
 * against a describe first). 0, 1 (no answer) or 2. */
static int check_deletes(int fd, const sk_cfg_cmd_t *cmd)
{
    char err[512];
    sk_arena_t *a = sk_arena_new(0);
    uint8_t *body = NULL;
    const sk_describeconfigs_resp_result_t *res = describe(fd, a, &body, err, sizeof(err));
    int rc = 0;
    if (!res) {
        fprintf(stderr, "skein-configs: %s\n", err);
        rc = 1;
    }
    for (int d = 0; rc == 0 && d < cmd->n_del; d++) {
        int found = 0;
        for (int32_t i = 0; i < res->ConfigsCnt; i++)
            found |= sk_str_eq(res->Configs[i].Name, cmd->del[d]);
        if (!found) {
            fprintf(stderr, "skein-configs: Invalid config(s): %s\n", cmd->del[d]);
            rc = 2;
        }
    }
    sk_arena_free(a);
    free(body);
    return rc;
}

static int alter(const sk_cfg_cmd_t *cmd)
{
    char err[768];
    for (int i = 0; i < cmd->n_add; i++)
        if (sk_cfg_check("brokers", cmd->add[i].key, cmd->add[i].value, err, sizeof(err)) != 0) {
            fprintf(stderr, "skein-configs: %s\n", err);
            return 2;
        }
    int fd = dial_any(cmd->bootstrap, err, sizeof(err));
    if (fd < 0) {
        fprintf(stderr, "skein-configs: %s\n", err);
        return 1;
    }
    int rc = check_deletes(fd, cmd);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    int n = cmd->n_add + cmd->n_del;
    sk_incrementalalterconfigs_req_config_t *ops = sk_calloc((size_t)n + 1, sizeof(*ops));
    for (int i = 0; i < n; i++) {
        sk_incrementalalterconfigs_req_config_init(&ops[i]);
        int add = i < cmd->n_add;
        ops[i].Name = sk_str_c(add ? cmd->add[i].key : cmd->del[i - cmd->n_add]);
        ops[i].ConfigOperation = add ? OP_SET : OP_DELETE;
        ops[i].Value = add ? sk_str_c(cmd->add[i].value) : SK_STR_NULL;
    }
    sk_incrementalalterconfigs_req_resource_t res;
    sk_incrementalalterconfigs_req_resource_init(&res);
    res.ResourceType = RESOURCE_BROKER;
    res.ResourceName = sk_str_c("");
    res.Configs = ops;
    res.ConfigsCnt = n;
    sk_incrementalalterconfigs_req_t req;
    sk_incrementalalterconfigs_req_init(&req);
    req.Resources = &res;
    req.ResourcesCnt = 1;
    sk_wr_t w;
    sk_wr_init(&w);
    sk_incrementalalterconfigs_req_encode(&w, 0, &req);
    free(ops);
    uint8_t *body = NULL;
    size_t len = 0;
    rc = 1;
    if (sk_raw_round_trip(fd, 44, 0, CLIENT_ID, &w, &body, &len, err, sizeof(err)) != 0) {
        close(fd);
        fprintf(stderr, "skein-configs: %s\n", err);
        return 1;
    }
    close(fd);
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_incrementalalterconfigs_resp_t resp;
    if (sk_incrementalalterconfigs_resp_decode(&r, 0, a, &resp) != SK_OK ||
        resp.ResponsesCnt != 1) {
        fprintf(stderr, "skein-configs: malformed IncrementalAlterConfigs response\n");
    } else if (resp.Responses[0].ErrorCode != SK_KERR_NONE) {
        sk_str_t m = resp.Responses[0].ErrorMessage;
        fprintf(stderr, "skein-configs: %.*s\n", m.p && m.len > 0 ? (int)m.len : 0,
                m.p ? m.p : "");
    } else {
        printf("Completed updating default config for brokers in the cluster.\n");
        rc = 0;
    }
    free(body);
    sk_arena_free(a);
    return rc;
}

int sk_cfgdefault_run(const sk_cfg_cmd_t *cmd)
{
    if (cmd->command_config) {
        sk_props_t props;
        char err[512];
        sk_props_init(&props);
        int bad = sk_props_parse_file(&props, cmd->command_config, err, sizeof(err)) != SK_OK;
        const sk_prop_t *sp = bad ? NULL : sk_props_get(&props, "security.protocol");
        if (bad)
            fprintf(stderr, "skein-configs: cannot read --command-config %s: %s\n",
                    cmd->command_config, err);
        else if (sp && strcasecmp(sp->value, "PLAINTEXT") != 0)
            fprintf(stderr, "skein-configs: --entity-default with --bootstrap-server connects "
                    "with PLAINTEXT only (security.protocol=%s in %s); use --zookeeper\n",
                    sp->value, cmd->command_config);
        sk_props_free(&props);
        if (bad || (sp && strcasecmp(sp->value, "PLAINTEXT") != 0))
            return 2;
    }
    return cmd->describe ? sk_cfgdefault_describe(cmd->bootstrap) : alter(cmd);
}

/* top_discover.c - find the brokers' metrics endpoints (see top_discover.h). */
#include "top_discover.h"

#include "arena.h"
#include "kbuf.h"
#include "kerr.h"
#include "mem.h"
#include "proto_gen.h"
#include "rawreq.h"
#include "top_scrape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DESCRIBE_CONFIGS_KEY 32
#define DESCRIBE_CONFIGS_VERSION 1
#define RESOURCE_BROKER 4

char *sk_top_listener_url(const char *listener, const char *hostport, char *err, size_t errlen)
{
    sk_top_url_t u;
    size_t n = strlen(listener);
    if (n > 2 && !strcmp(listener + n - 2, ":0")) {
        snprintf(err, errlen, "metrics.listener %s has port 0 (any): give --metrics", listener);
        return NULL;
    }
    if (strncmp(listener, "http://", 7)) {
        snprintf(err, errlen, "metrics.listener %s is not http://", listener);
        return NULL;
    }
    /* "http://:9404" has no host: the parser wants one */
    char *fixed = listener[7] == ':' ? sk_asprintf("http://0.0.0.0%s", listener + 7)
                                     : sk_strdup(listener);
    int rc = sk_top_url_parse(fixed, &u, err, errlen);
    free(fixed);
    if (rc)
        return NULL;
    char *url = NULL;
    if (!strcmp(u.host, "0.0.0.0") || !strcmp(u.host, "::")) {
        /* every interface: the broker's advertised host */
        const char *colon = strrchr(hostport, ':');
        size_t hl = colon ? (size_t)(colon - hostport) : strlen(hostport);
        url = sk_asprintf("http://%.*s:%s/metrics", (int)hl, hostport, u.port);
    } else {
        url = sk_asprintf("http://%s/metrics", u.text);
    }
    sk_top_url_free(&u);
    return url;
}

/* Broker b's metrics.listener, asked of b itself. 0 with *value (malloc'd;
 * NULL when unset), or -1 with err. */
static int ask_listener(const sk_raw_broker_t *b, int timeout_s, char **value, char *err,
                        size_t errlen)
{
    *value = NULL;
    int fd = sk_raw_dial(b->hostport, timeout_s, err, errlen);
    if (fd < 0)
        return -1;
    char id[16];
    snprintf(id, sizeof(id), "%d", (int)b->id);
    sk_str_t key = {"metrics.listener", (int32_t)strlen("metrics.listener")};
    sk_describeconfigs_req_resource_t res;
    sk_describeconfigs_req_resource_init(&res);
    res.ResourceType = RESOURCE_BROKER;
    res.ResourceName = (sk_str_t){id, (int32_t)strlen(id)};
    res.ConfigurationKeys = &key;
    res.ConfigurationKeysCnt = 1;
    sk_describeconfigs_req_t req;
    sk_describeconfigs_req_init(&req);
    req.Resources = &res;
    req.ResourcesCnt = 1;
    sk_wr_t w;
    sk_wr_init(&w);
    sk_describeconfigs_req_encode(&w, DESCRIBE_CONFIGS_VERSION, &req);
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = sk_raw_round_trip(fd, DESCRIBE_CONFIGS_KEY, DESCRIBE_CONFIGS_VERSION, "skein-top",
                               &w, &body, &len, err, errlen);
    close(fd);
    if (rc != 0)
        return -1;
    rc = -1;
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_describeconfigs_resp_t resp;
    if (sk_describeconfigs_resp_decode(&r, DESCRIBE_CONFIGS_VERSION, a, &resp) != SK_OK ||
        resp.ResultsCnt != 1) {
        snprintf(err, errlen, "malformed DescribeConfigs response");
    } else if (resp.Results[0].ErrorCode != SK_KERR_NONE) {
        snprintf(err, errlen, "DescribeConfigs: %s", sk_kerr_name(resp.Results[0].ErrorCode));
    } else {
        rc = 0;
        const sk_describeconfigs_resp_result_t *x = &resp.Results[0];
        for (int32_t i = 0; i < x->ConfigsCnt; i++) {
            const sk_describeconfigs_resp_config_t *c = &x->Configs[i];
            if (c->Name.len == key.len && !memcmp(c->Name.p, key.p, (size_t)key.len) &&
                c->Value.len > 0)
                *value = sk_asprintf("%.*s", (int)c->Value.len, c->Value.p);
        }
    }
    sk_arena_free(a);
    free(body);
    return rc;
}

int sk_top_discover(const char *bootstrap, int timeout_s, sk_top_target_t **out, int *n,
                    char *err, size_t errlen)
{
    sk_raw_cluster_t c;
    *out = NULL;
    *n = 0;
    if (sk_raw_cluster(bootstrap, "skein-top", &c, err, errlen) != 0)
        return -1;
    sk_top_target_t *t = sk_calloc((size_t)(c.n ? c.n : 1), sizeof(*t));
    for (int i = 0; i < c.n; i++) {
        t[i].id = c.brokers[i].id;
        char *listener = NULL;
        if (ask_listener(&c.brokers[i], timeout_s, &listener, t[i].error, sizeof(t[i].error)))
            ;
        else if (!listener)
            snprintf(t[i].error, sizeof(t[i].error), "no metrics.listener");
        else
            t[i].url = sk_top_listener_url(listener, c.brokers[i].hostport, t[i].error,
                                           sizeof(t[i].error));
        free(listener);
        sk_top_url_t u;
        char e2[64];
        if (t[i].url && sk_top_url_parse(t[i].url, &u, e2, sizeof(e2)) == 0) {
            t[i].label = sk_asprintf("%d/%s", (int)t[i].id, u.text);
            sk_top_url_free(&u);
        } else {
            t[i].label = sk_asprintf("%d/%s", (int)t[i].id, c.brokers[i].hostport);
        }
    }
    *out = t;
    *n = c.n;
    sk_raw_cluster_free(&c);
    return 0;
}

void sk_top_targets_free(sk_top_target_t *t, int n)
{
    for (int i = 0; t && i < n; i++) {
        free(t[i].url);
        free(t[i].label);
    }
    free(t);
}

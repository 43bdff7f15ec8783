/* rawreq.c - Kafka requests over a plain socket (rawreq.h). */
#include "rawreq.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "arena.h"
#include "kerr.h"
#include "mem.h"
#include "proto_hdr.h"
#include "proto_metadata.h"

#define MAX_FRAME (64 * 1024 * 1024)
#define METADATA_VERSION 1
#define METADATA_KEY 3

int sk_raw_dial(const char *hostport, int timeout_s, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof(host) || !colon[1]) {
        snprintf(err, errlen, "bad address %s (want HOST:PORT)", hostport);
        return -1;
    }
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, colon + 1, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", hostport, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {timeout_s, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            snprintf(err, errlen, "cannot connect to %s: %s", hostport, strerror(errno));
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int sk_raw_round_trip(int fd, int16_t key, int16_t ver, const char *client_id, sk_wr_t *body,
                      uint8_t **resp, size_t *resp_len, char *err, size_t errlen)
{
    static int32_t corr = 1;
    int32_t my_corr = corr++;
    sk_wr_t w;
    sk_wr_init(&w);
    size_t pos = sk_wr_reserve_i32(&w);
    sk_req_hdr_encode(&w, key, ver, my_corr, client_id);
    sk_wr_raw(&w, body->buf, body->len);
    sk_wr_patch_i32(&w, pos, (int32_t)(w.len - 4));
    sk_wr_free(body);
    errno = 0;
    int rc = write_all(fd, w.buf, w.len);
    sk_wr_free(&w);
    if (rc != 0) {
        snprintf(err, errlen, "sending the request failed: %s", strerror(errno));
        return -1;
    }
    uint8_t sz[4];
    errno = 0;
    if (read_all(fd, sz, 4) != 0) {
        snprintf(err, errlen, "no response: %s", errno ? strerror(errno) : "connection closed");
        return -1;
    }
    uint32_t n = ((uint32_t)sz[0] << 24) | ((uint32_t)sz[1] << 16) | ((uint32_t)sz[2] << 8) | sz[3];
    if (n < 4 || n > MAX_FRAME) {
        snprintf(err, errlen, "bad response size %u", n);
        return -1;
    }
    uint8_t *buf = sk_malloc(n);
    if (read_all(fd, buf, n) != 0) {
        free(buf);
        snprintf(err, errlen, "truncated response");
        return -1;
    }
    sk_rd_t r;
    sk_rd_init(&r, buf, n);
    int32_t got = 0;
    if (sk_resp_hdr_decode(&r, key, ver, &got) != SK_OK || got != my_corr) {
        free(buf);
        snprintf(err, errlen, "response header mismatch");
        return -1;
    }
    size_t off = n - sk_rd_remaining(&r);
    *resp_len = n - off;
    *resp = sk_malloc(*resp_len + 1);
    memcpy(*resp, buf + off, *resp_len);
    free(buf);
    return 0;
}

static int broker_cmp(const void *a, const void *b)
{
    int32_t x = ((const sk_raw_broker_t *)a)->id, y = ((const sk_raw_broker_t *)b)->id;
    return x < y ? -1 : x > y;
}

/* Metadata v1 from one broker. */
static int ask_one(const char *hostport, const char *client_id, sk_raw_cluster_t *out, char *err,
                   size_t errlen)
{
    int fd = sk_raw_dial(hostport, 30, err, errlen);
    if (fd < 0)
        return -1;
    sk_metadata_req_t mreq;
    sk_metadata_req_init(&mreq); /* schema defaults (auto-creation true below v4) */
    mreq.TopicsCnt = 0;
    sk_wr_t w;
    sk_wr_init(&w);
    sk_metadata_req_encode(&w, METADATA_VERSION, &mreq);
    uint8_t *body = NULL;
    size_t len = 0;
    int rc = sk_raw_round_trip(fd, METADATA_KEY, METADATA_VERSION, client_id, &w, &body, &len,
                               err, errlen);
    close(fd);
    if (rc != 0)
        return -1;
    sk_arena_t *a = sk_arena_new(0);
    sk_rd_t r;
    sk_rd_init(&r, body, len);
    sk_metadata_resp_t m;
    rc = -1;
    if (sk_metadata_resp_decode(&r, METADATA_VERSION, a, &m) != SK_OK) {
        snprintf(err, errlen, "malformed Metadata response from %s", hostport);
    } else {
        out->controller_id = m.ControllerId;
        out->n = m.BrokersCnt > 0 ? m.BrokersCnt : 0;
        out->brokers = sk_calloc((size_t)out->n + 1, sizeof(*out->brokers));
        for (int i = 0; i < out->n; i++) {
            out->brokers[i].id = m.Brokers[i].NodeId;
            out->brokers[i].hostport = sk_asprintf("%.*s:%d", (int)m.Brokers[i].Host.len,
                                                   m.Brokers[i].Host.p, m.Brokers[i].Port);
        }
        qsort(out->brokers, (size_t)out->n, sizeof(*out->brokers), broker_cmp);
        rc = 0;
    }
    sk_arena_free(a);
    free(body);
    return rc;
}

int sk_raw_cluster(const char *bootstrap, const char *client_id, sk_raw_cluster_t *out,
                   char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->controller_id = -1;
    snprintf(err, errlen, "no broker in the bootstrap list %s", bootstrap);
    char *list = sk_strdup(bootstrap), *save = NULL;
    int rc = -1;
    for (char *b = strtok_r(list, ",", &save); b && rc != 0; b = strtok_r(NULL, ",", &save)) {
        while (*b == ' ')
            b++;
        rc = ask_one(b, client_id, out, err, errlen);
    }
    free(list);
    return rc;
}

void sk_raw_cluster_free(sk_raw_cluster_t *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->brokers[i].hostport);
    free(c->brokers);
    memset(c, 0, sizeof(*c));
}

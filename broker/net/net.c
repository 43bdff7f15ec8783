/* net.c - listeners, connections, framing (see net.h).
 *
 * TLS: a listener that has a server context (tls.h, set up by main()) wraps
 * each accepted socket in libevent's OpenSSL bufferevent; everything above
 * (framing, requests, responses) is the same for both kinds, except one: a
 * Fetch response's record bytes are file segments added to req->resp. On
 * plain TCP req->resp is marked as draining to the socket, so they stay
 * sendfile chains (zero-copy); on TLS it is not, so libevent reads the file
 * when the segment is added (never maps it: proto_fetch.c) and SSL_write
 * encrypts those bytes.
 */
#include "net/net.h"
#include "net/sockread.h"

#include "apis.h"
#include "arena.h"
#include "conf.h"
#include "kbuf.h"
#include "kerr.h"
#include "clock.h"
#include "log.h"
#include "mem.h"
#include "sasl.h"
#include "metrics.h"
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

/* Stop reading a connection's socket while its unsent responses pass this
 * many bytes; resume once they drain below the low mark. A client that
 * pipelines requests and never reads its answers thus holds at most about
 * this much of the broker's memory (plus the kernel's socket buffers). */
#define SK_NET_OUT_HIGH (4u * 1024 * 1024)
#define SK_NET_OUT_LOW (1u * 1024 * 1024)
/* Unread input kept per connection beyond the frame being read: the
 * socket is not read further until frames are taken out. */
#define SK_NET_IN_CAP (64u * 1024)
/* Buckets of the per-IP connection counts (chained). */
#define SK_NET_IP_BUCKETS 1024
/* Smallest legal frame: api key, version, correlation id. */
#define SK_NET_MIN_FRAME 8

/* A response queued on the socket whose last byte has not left yet: its
 * send and total times are counted once the output has drained. */
typedef struct sent_rec {
    int16_t api_key;
    int64_t received_us, queued_us;
} sent_rec_t;

struct sk_conn_s {
    TAILQ_ENTRY(sk_conn_s) link;
    sk_net_t *net;
    struct bufferevent *bev;
    sk_req_t *pending;   /* the request being handled asynchronously */
    int out_blocked;     /* waiting for output to drain */
    int close_after;     /* close once the pending response is queued */
    int tls;             /* an OpenSSL bufferevent */
    int handshake_done;  /* TLS: the handshake finished */
    char peer[64];
    char listener[32];
    char principal[320]; /* "User:ANONYMOUS", the TLS client's subject, or User:<SASL user> */
    sk_sasl_conn_t *sasl; /* SASL listener: where authentication stands (NULL otherwise) */
    sk_req_t *held;       /* a failed authentication's answer, sent after the delay */
    struct event *auth_timer;
    int drain_close;      /* close once the output has drained */
    int64_t session_end;  /* SASL session's end (monotonic ms, KIP-368); 0 = none */
    int lidx;            /* index of its listener */
    char ip[INET6_ADDRSTRLEN]; /* peer address without port (IPv4-mapped shown as IPv4) */
    int64_t last_active; /* monotonic ms of the last request read or answered */
    int mem_wait;        /* waiting for queued.max.request.bytes to allow a frame */
    sent_rec_t *sent;    /* responses queued, oldest first */
    int n_sent, cap_sent;
    sk_sent_file_t *files; /* file ranges those responses send (sk_req_note_file) */
    int n_files;
    int muted;           /* a quota's throttle time: not read until mute_timer fires */
    int64_t mute_until;  /* monotonic ms */
    struct event *mute_timer;
};

struct sk_net_s {
    struct event_base *base;
    struct evconnlistener **listeners;
    char **listener_names;
    int n_listeners;
    int32_t max_request_bytes;
    sk_net_request_fn fn;
    void *arg;
    sk_net_file_error_fn file_err_fn;
    void *file_err_arg;
    TAILQ_HEAD(, sk_conn_s) conns;
    int n_conns;
    int *listener_conns; /* open connections per listener */
    uint64_t *listener_auth_ok, *listener_auth_failed; /* SASL logins per listener */
    /* limits (sk_net_set_limits) */
    int32_t max_conns, max_per_ip;
    sk_ip_override_t *overrides; /* host = a numeric address */
    int n_overrides;
    char *inter_broker;
    int64_t idle_ms;
    int64_t queued_max;
    int32_t sndbuf, rcvbuf; /* socket.send/receive.buffer.bytes; -1: the OS's */
    int64_t queued_bytes;        /* frames of live requests of live connections */
    int n_mem_wait;
    struct ip_count *ip_buckets[SK_NET_IP_BUCKETS];
    struct event *idle_timer;
    struct event *mem_wake;
    uint64_t mutes, muted_ms; /* quota throttles applied */
};

/* Open connections from one address. */
typedef struct ip_count {
    struct ip_count *next;
    int count;
    char ip[INET6_ADDRSTRLEN];
} ip_count_t;

static void conn_process(sk_conn_t *c);
static void conn_close(sk_conn_t *c, const char *why);

/* A request was read or answered: the connection goes to the tail of the
 * list, which is thus ordered by last activity (the idle sweep walks it
 * from the head and stops at the first connection still young). */
static void conn_touch(sk_conn_t *c)
{
    c->last_active = sk_mono_ms();
    TAILQ_REMOVE(&c->net->conns, c, link);
    TAILQ_INSERT_TAIL(&c->net->conns, c, link);
}

/* Read a frame of want bytes (with its size), and at most SK_NET_IN_CAP
 * more, before the socket is left unread. Plain TCP: every read of
 * libevent's (4 KiB) calls conn_read_cb, which reads the rest of the frame
 * itself in large reads (sk_sockread_fill). */
static void conn_read_wm(sk_conn_t *c, size_t want)
{
    bufferevent_setwatermark(c->bev, EV_READ, c->tls ? want : 0,
                             want > SK_NET_IN_CAP ? want : SK_NET_IN_CAP);
}

static unsigned ip_hash(const char *ip)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *ip; ip++)
        h = (h ^ (unsigned char)*ip) * 16777619u;
    return h % SK_NET_IP_BUCKETS;
}

static ip_count_t *ip_find(sk_net_t *net, const char *ip)
{
    for (ip_count_t *e = net->ip_buckets[ip_hash(ip)]; e; e = e->next)
        if (strcmp(e->ip, ip) == 0)
            return e;
    return NULL;
}

static void ip_add(sk_net_t *net, const char *ip)
{
    ip_count_t *e = ip_find(net, ip);
    if (!e) {
        unsigned h = ip_hash(ip);
        e = sk_calloc(1, sizeof(*e));
        snprintf(e->ip, sizeof(e->ip), "%s", ip);
        e->next = net->ip_buckets[h];
        net->ip_buckets[h] = e;
    }
    e->count++;
}

static void ip_remove(sk_net_t *net, const char *ip)
{
    ip_count_t **pp = &net->ip_buckets[ip_hash(ip)];
    for (; *pp; pp = &(*pp)->next) {
        ip_count_t *e = *pp;
        if (strcmp(e->ip, ip) != 0)
            continue;
        if (--e->count <= 0) {
            *pp = e->next;
            free(e);
        }
        return;
    }
}

/* The address of sa without port; an IPv4-mapped IPv6 address as IPv4. */
static void sockaddr_ip(const struct sockaddr *sa, char *buf, size_t len)
{
    snprintf(buf, len, "?");
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a))
            inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)len);
        else
            inet_ntop(AF_INET6, a, buf, (socklen_t)len);
    }
}

/* Why a new connection from ip on listener lidx is refused, or NULL. */
static const char *limit_refusal(sk_net_t *net, int lidx, const char *ip, char *why, size_t len)
{
    int inter = net->inter_broker && strcmp(net->listener_names[lidx], net->inter_broker) == 0;
    if (!inter && net->n_conns >= net->max_conns) {
        snprintf(why, len, "%d connections are open, max.connections is %d", net->n_conns,
                 net->max_conns);
        return why;
    }
    int32_t limit = net->max_per_ip;
    const char *key = "max.connections.per.ip";
    for (int i = 0; i < net->n_overrides; i++)
        if (strcmp(net->overrides[i].host, ip) == 0) {
            limit = net->overrides[i].count;
            key = "max.connections.per.ip.overrides";
        }
    ip_count_t *e = ip_find(net, ip);
    int have = e ? e->count : 0;
    if (have >= limit) {
        snprintf(why, len, "%d connections from %s are open, %s allows %d", have, ip, key, limit);
        return why;
    }
    return NULL;
}

/* Closes connections idle for connections.max.idle.ms; the list is in
 * activity order, so the walk ends at the first one still young. Ones
 * waiting for the broker (a pending request, a held answer, room in
 * queued.max.request.bytes) are left alone. */
static void idle_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_net_t *net = arg;
    int64_t now = sk_mono_ms();
    sk_conn_t *c = TAILQ_FIRST(&net->conns), *next;
    for (; c && now - c->last_active >= net->idle_ms; c = next) {
        next = TAILQ_NEXT(c, link);
        if (c->pending || c->held || c->mem_wait)
            continue;
        char why[128];
        snprintf(why, sizeof(why), "idle for %" PRId64 " ms (connections.max.idle.ms %" PRId64 ")",
                 now - c->last_active, net->idle_ms);
        conn_close(c, why);
    }
}

/* Room was made in queued.max.request.bytes: the connection waiting
 * longest (nearest the head) reads again; one per loop turn, and again
 * only while that one made progress, so a connection that has to wait on
 * does not spin the loop. */
static void mem_wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_net_t *net = arg;
    sk_conn_t *c;
    TAILQ_FOREACH(c, &net->conns, link)
        if (c->mem_wait)
            break;
    if (!c)
        return;
    c->mem_wait = 0;
    net->n_mem_wait--;
    conn_process(c); /* may close c */
    if (net->n_mem_wait > 0 && net->queued_bytes < net->queued_max) {
        sk_conn_t *w;
        TAILQ_FOREACH(w, &net->conns, link)
            if (w == c)
                break;
        if (!w || !c->mem_wait)
            event_active(net->mem_wake, EV_TIMEOUT, 0);
    }
}

/* The request's frame stops counting toward queued.max.request.bytes;
 * connections waiting for room are woken from the loop, not from here. */
static void req_unqueue(sk_req_t *req)
{
    sk_net_t *net = req->net;
    if (!net)
        return;
    req->net = NULL;
    net->queued_bytes -= (int64_t)req->frame_len;
    if (net->n_mem_wait > 0 && net->mem_wake)
        event_active(net->mem_wake, EV_TIMEOUT, 0);
}

static void files_free(sk_sent_file_t *f, int n)
{
    for (int i = 0; i < n; i++)
        free(f[i].topic);
    free(f);
}

void sk_req_note_file(sk_req_t *req, const char *topic, int32_t topic_len, int32_t partition,
                      int64_t offset, int64_t file_pos, int64_t len)
{
    req->files = sk_realloc(req->files, (size_t)(req->n_files + 1) * sizeof(*req->files));
    req->files[req->n_files++] =
        (sk_sent_file_t){sk_strndup(topic, (size_t)topic_len), partition, offset, file_pos, len};
}

void sk_req_files_failed(sk_req_t *req)
{
    sk_net_t *net = req->net;
    for (int i = 0; net && net->file_err_fn && i < req->n_files; i++)
        net->file_err_fn(net->file_err_arg, &req->files[i], "TLS read");
}

void sk_net_set_file_error_cb(sk_net_t *net, sk_net_file_error_fn fn, void *arg)
{
    net->file_err_fn = fn;
    net->file_err_arg = arg;
}

static void req_free(sk_req_t *req)
{
    if (!req)
        return;
    files_free(req->files, req->n_files);
    req_unqueue(req);
    if (req->handler_free)
        req->handler_free(req);
    if (req->resp)
        evbuffer_free(req->resp);
    sk_arena_free(req->arena);
    free(req->frame);
    free(req);
}

const char *sk_req_peer(const sk_req_t *req)
{
    return req->conn ? req->conn->peer : "(closed)";
}

const char *sk_req_listener(const sk_req_t *req)
{
    return req->conn ? req->conn->listener : "";
}

const char *sk_req_user(const sk_req_t *req, size_t *len)
{
    const char *p = sk_req_principal(req);
    if (strncmp(p, "User:", 5) == 0)
        p += 5;
    *len = strlen(p);
    return p;
}

void sk_net_throttle_stats(const sk_net_t *net, uint64_t *mutes, uint64_t *muted_ms)
{
    *mutes = net->mutes;
    *muted_ms = net->muted_ms;
}

const char *sk_req_principal(const sk_req_t *req)
{
    return req->conn ? req->conn->principal : "User:ANONYMOUS";
}

void sk_req_close_after(sk_req_t *req)
{
    if (req->conn)
        req->conn->close_after = 1;
}

sk_sasl_conn_t *sk_req_sasl(const sk_req_t *req)
{
    return req->conn ? req->conn->sasl : NULL;
}

void sk_req_sasl_done(sk_req_t *req)
{
    sk_conn_t *c = req->conn;
    const char *p = c && c->sasl ? sk_sasl_conn_principal(c->sasl) : NULL;
    if (p)
        snprintf(c->principal, sizeof(c->principal), "%s", p);
    if (c)
        c->net->listener_auth_ok[c->lidx]++;
}

void sk_req_sasl_failed(sk_req_t *req, int delay)
{
    if (!req->conn)
        return;
    req->conn->net->listener_auth_failed[req->conn->lidx]++;
    req->conn->drain_close = 1;
    req->sasl_delay = delay;
}

void sk_req_raw_reply(sk_req_t *req, const uint8_t *bytes, size_t len)
{
    req->no_response = 1;
    if (!req->conn)
        return;
    uint8_t sz[4];
    sk_put_be32(sz, (uint32_t)len);
    struct evbuffer *out = bufferevent_get_output(req->conn->bev);
    evbuffer_add(out, sz, 4);
    evbuffer_add(out, bytes, len);
}

void sk_req_sasl_session(sk_req_t *req, int64_t lifetime_ms)
{
    if (req->conn)
        req->conn->session_end = lifetime_ms > 0 ? sk_mono_ms() + lifetime_ms : 0;
}

static void auth_delay_cb(evutil_socket_t fd, short what, void *arg);

/* After a refused authentication: the answer (if any) goes out after
 * connection.failed.authentication.delay.ms (Kafka's KIP-306), then the
 * connection closes once it has drained. Reading stops meanwhile. */
static void conn_hold_failed(sk_conn_t *c, sk_req_t *req)
{
    const sk_sasl_t *s = sk_sasl_process();
    int32_t ms = req->sasl_delay ? sk_sasl_fail_delay_ms(s) : 0;
    bufferevent_disable(c->bev, EV_READ);
    c->held = req;
    if (ms <= 0) {
        auth_delay_cb(-1, 0, c);
        return;
    }
    c->auth_timer = evtimer_new(c->net->base, auth_delay_cb, c);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(c->auth_timer, &tv);
}

static void mute_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_conn_t *c = arg;
    c->muted = 0;
    sk_debug("net", "connection from %s on %s unmuted (quota throttle over)", c->peer,
             c->listener);
    conn_process(c);
}

/* KIP-219: the answer carrying throttle_time_ms goes out first, then the
 * connection is not read for that time (a client that ignores the field is
 * slowed all the same). A later throttle extends a running one. */
static void conn_mute(sk_conn_t *c, int32_t ms)
{
    int64_t until = sk_mono_ms() + ms;
    if (c->muted && until <= c->mute_until)
        return;
    if (!c->mute_timer)
        c->mute_timer = evtimer_new(c->net->base, mute_cb, c);
    c->muted = 1;
    c->mute_until = until;
    c->net->mutes++;
    c->net->muted_ms += (uint64_t)ms;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(c->mute_timer, &tv);
    bufferevent_disable(c->bev, EV_READ);
}

/* Queues the response frame: size, response header, body. */
static void conn_send(sk_conn_t *c, sk_req_t *req)
{
    int64_t now = sk_met_now_us();
    if (req->throttle_ms > 0)
        conn_mute(c, req->throttle_ms);
    if (req->handled_us) /* the handler went pending: it waited since */
        sk_met_request_time(req->api_key, SK_MET_REQ_REMOTE, now - req->handled_us);
    if (req->no_response) {
        sk_met_request_time(req->api_key, SK_MET_REQ_TOTAL, now - req->received_us);
        return;
    }
    if (c->n_sent == c->cap_sent) {
        c->cap_sent = c->cap_sent ? c->cap_sent * 2 : 4;
        c->sent = sk_realloc(c->sent, (size_t)c->cap_sent * sizeof(*c->sent));
    }
    c->sent[c->n_sent].api_key = req->api_key;
    c->sent[c->n_sent].received_us = req->received_us;
    c->sent[c->n_sent].queued_us = now;
    c->n_sent++;
    if (req->n_files) {
        c->files = sk_realloc(c->files, (size_t)(c->n_files + req->n_files) * sizeof(*c->files));
        memcpy(c->files + c->n_files, req->files, (size_t)req->n_files * sizeof(*c->files));
        c->n_files += req->n_files;
        free(req->files);
        req->files = NULL;
        req->n_files = 0;
    }
    struct evbuffer *out = bufferevent_get_output(c->bev);
    size_t body = evbuffer_get_length(req->resp);
    if (req->throttle_ms > 0 && req->throttle_first && body >= 4) {
        /* a throttle the handler did not know of (request_percentage) */
        unsigned char *t = evbuffer_pullup(req->resp, 4);
        if (t && (int32_t)sk_be32(t) < req->throttle_ms)
            sk_put_be32(t, (uint32_t)req->throttle_ms);
    }
    uint8_t hdr[9];
    size_t hlen = 8;
    sk_put_be32(hdr + 4, (uint32_t)req->correlation_id);
    if (req->resp_flexible)
        hdr[hlen++] = 0; /* empty tag section */
    sk_put_be32(hdr, (uint32_t)(hlen - 4 + body));
    evbuffer_add(out, hdr, hlen);
    evbuffer_add_buffer(out, req->resp);
    if (evbuffer_get_length(out) > SK_NET_OUT_HIGH) {
        c->out_blocked = 1;
        bufferevent_setwatermark(c->bev, EV_WRITE, SK_NET_OUT_LOW, 0);
    }
}

void sk_req_complete(sk_req_t *req)
{
    sk_conn_t *c = req->conn;
    if (!c) { /* the connection died while we worked */
        req_free(req);
        return;
    }
    c->pending = NULL;
    if (c->drain_close) {
        conn_hold_failed(c, req);
        return;
    }
    conn_send(c, req);
    req_free(req);
    if (c->close_after) {
        conn_close(c, NULL);
        return;
    }
    conn_touch(c);
    conn_process(c); /* reads again unless something else holds it */
}

static void auth_delay_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sk_conn_t *c = arg;
    sk_req_t *req = c->held;
    c->held = NULL;
    conn_send(c, req);
    req_free(req);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        conn_close(c, NULL);
    /* else conn_write_cb closes it once the answer has left */
}

static void conn_close(sk_conn_t *c, const char *why)
{
    sk_net_t *net = c->net;
    if (why)
        sk_info("net", "closing connection from %s on %s: %s", c->peer, c->listener, why);
    else
        sk_debug("net", "connection from %s closed", c->peer);
    if (c->pending) {
        req_unqueue(c->pending);
        c->pending->conn = NULL; /* the handler finishes it and frees it */
        c->pending = NULL;
    }
    if (c->mem_wait)
        net->n_mem_wait--;
    ip_remove(net, c->ip);
    if (c->held)
        req_free(c->held);
    if (c->auth_timer)
        event_free(c->auth_timer);
    if (c->mute_timer)
        event_free(c->mute_timer);
    sk_sasl_conn_free(c->sasl);
    TAILQ_REMOVE(&net->conns, c, link);
    net->n_conns--;
    net->listener_conns[c->lidx]--;
    bufferevent_free(c->bev);
    free(c->sent);
    files_free(c->files, c->n_files);
    free(c);
}

/* Kafka's rule before SASL authentication: ApiVersions and SaslHandshake
 * first, then SaslAuthenticate only; anything else closes the connection. */
static int sasl_allowed(const sk_conn_t *c, int16_t api_key)
{
    if (sk_sasl_conn_state(c->sasl) == SK_SASL_HANDSHAKE)
        return api_key == SK_API_API_VERSIONS || api_key == SK_API_SASL_HANDSHAKE;
    return api_key == SK_API_SASL_AUTHENTICATE;
}

/* Reads and handles complete frames until one goes pending or input runs out. */
static void conn_process(sk_conn_t *c)
{
    sk_net_t *net = c->net;
    if (!c->pending && !c->out_blocked && !c->held && !c->drain_close && !c->mem_wait &&
        !c->muted)
        bufferevent_enable(c->bev, EV_READ);
    for (;;) {
        /* Whatever holds the connection (an answer pending, unsent
         * responses past SK_NET_OUT_HIGH, a refused login, no room in
         * queued.max.request.bytes, a quota's throttle) also stops
         * reading its socket. */
        if (c->pending || c->out_blocked || c->held || c->drain_close || c->mem_wait ||
            c->muted) {
            bufferevent_disable(c->bev, EV_READ);
            return;
        }
        struct evbuffer *in = bufferevent_get_input(c->bev);
        size_t avail = evbuffer_get_length(in);
        if (avail < 4) {
            conn_read_wm(c, 4);
            return;
        }
        uint8_t szb[4];
        evbuffer_copyout(in, szb, 4);
        int32_t size = (int32_t)sk_be32(szb);
        /* Before SASL authentication: sasl.server.max.receive.size, and
         * after a v0 SaslHandshake the frames are bare tokens. */
        int unauth = c->sasl && sk_sasl_conn_state(c->sasl) != SK_SASL_DONE;
        int raw = unauth && sk_sasl_conn_raw(c->sasl);
        int32_t max = unauth ? sk_sasl_max_receive(sk_sasl_process()) : net->max_request_bytes;
        if (size < (raw ? 1 : SK_NET_MIN_FRAME) || size > max) {
            char why[160];
            if (size > max)
                snprintf(why, sizeof(why), "request size %d exceeds %s %d", size,
                         unauth ? "sasl.server.max.receive.size (not authenticated)"
                                : "socket.request.max.bytes",
                         max);
            else
                snprintf(why, sizeof(why), "invalid request size %d", size);
            sk_warn("net", "closing connection from %s on %s: %s", c->peer, c->listener, why);
            conn_close(c, NULL);
            return;
        }
        /* As Kafka's memory pool: a frame is taken while anything is left
         * below the bound, even if it overshoots, so a request larger than
         * the bound is still served, and one waiting request (a CreateTopics
         * waiting for its leaders) never starves the requests it waits for. */
        if (net->queued_max > 0 && net->queued_bytes >= net->queued_max) {
            sk_debug("net", "connection from %s on %s waits: %" PRId64 " bytes of requests "
                     "queued, queued.max.request.bytes is %" PRId64, c->peer, c->listener,
                     net->queued_bytes, net->queued_max);
            c->mem_wait = 1;
            net->n_mem_wait++;
            bufferevent_disable(c->bev, EV_READ);
            return;
        }
        if (avail < 4 + (size_t)size && !c->tls)
            avail += (size_t)sk_sockread_fill(c->bev, 4 + (size_t)size);
        if (avail < 4 + (size_t)size) {
            conn_read_wm(c, 4 + (size_t)size);
            return;
        }
        evbuffer_drain(in, 4);
        conn_touch(c);
        sk_req_t *req = sk_calloc(1, sizeof(*req));
        req->conn = c;
        req->frame = sk_malloc((size_t)size);
        req->frame_len = (size_t)size;
        req->net = net;
        net->queued_bytes += size;
        evbuffer_remove(in, req->frame, (size_t)size);
        if (raw) { /* a SASL token without a Kafka header (v0 handshake) */
            req->sasl_raw = 1;
            req->api_key = SK_API_SASL_AUTHENTICATE;
            req->api_version = -1;
        } else {
            req->api_key = (int16_t)sk_be16(req->frame);
            req->api_version = (int16_t)sk_be16(req->frame + 2);
            req->correlation_id = (int32_t)sk_be32(req->frame + 4);
        }
        if (unauth && !raw && !sasl_allowed(c, req->api_key)) {
            sk_warn("net", "closing connection from %s on %s: %s request before SASL "
                    "authentication", c->peer, c->listener, sk_api_name(req->api_key));
            req_free(req);
            conn_close(c, NULL);
            return;
        }
        if (!unauth && c->session_end && req->api_key != SK_API_SASL_HANDSHAKE &&
            sk_mono_ms() >= c->session_end) {
            sk_info("net", "closing connection from %s on %s: its SASL session expired "
                    "(connections.max.reauth.ms) without re-authentication", c->peer,
                    c->listener);
            req_free(req);
            conn_close(c, NULL);
            return;
        }
        req->resp = evbuffer_new();
        /* Plain TCP: the response only ever moves whole into the socket's
         * output, so file segments added to it (Fetch records) may stay
         * sendfile chains. TLS: they must be bytes SSL_write can encrypt,
         * so libevent maps or reads them when they are added. */
        if (!c->tls)
            evbuffer_set_flags(req->resp, EVBUFFER_FLAG_DRAINS_TO_FD);
        req->arena = sk_arena_new(0);
        req->received_ms = sk_mono_ms();
        req->received_us = sk_met_now_us();
        sk_met_request(req->api_key, req->api_version);

        int rc = net->fn(net->arg, req);
        int64_t handled = sk_met_now_us();
        sk_met_request_time(req->api_key, SK_MET_REQ_LOCAL, handled - req->received_us);
        if (rc == SK_REQ_PENDING) {
            req->handled_us = handled;
            c->pending = req;
            bufferevent_disable(c->bev, EV_READ);
            return;
        }
        if (rc == SK_REQ_CLOSE) {
            req_free(req);
            conn_close(c, NULL);
            return;
        }
        if (c->drain_close) {
            conn_hold_failed(c, req);
            return;
        }
        conn_send(c, req);
        req_free(req);
        if (c->close_after) {
            conn_close(c, NULL);
            return;
        }
    }
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    conn_process(arg);
}

/* The output is empty: every queued response has left. */
static void count_sent(sk_conn_t *c)
{
    int64_t now = sk_met_now_us();
    for (int i = 0; i < c->n_sent; i++) {
        sk_met_request_time(c->sent[i].api_key, SK_MET_REQ_SEND, now - c->sent[i].queued_us);
        sk_met_request_time(c->sent[i].api_key, SK_MET_REQ_TOTAL, now - c->sent[i].received_us);
    }
    c->n_sent = 0;
    files_free(c->files, c->n_files); /* sent whole */
    c->files = NULL;
    c->n_files = 0;
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
    sk_conn_t *c = arg;
    if (c->n_sent && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        count_sent(c);
    if (c->out_blocked && evbuffer_get_length(bufferevent_get_output(bev)) <= SK_NET_OUT_LOW) {
        c->out_blocked = 0;
        bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
        if (!c->drain_close) {
            conn_process(c);
            return; /* c may be gone */
        }
    }
    if (c->drain_close && !c->held && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        conn_close(c, NULL);
}

/* TLS connection events before the handshake finished: one line per failure. */
static void conn_tls_event(sk_conn_t *c, short what)
{
    if (what & BEV_EVENT_CONNECTED) {
        c->handshake_done = 1;
        SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
        sk_tls_principal(ssl, c->principal, sizeof(c->principal));
        sk_debug("net", "TLS connection from %s on %s: %s %s, principal %s", c->peer,
                 c->listener, ssl ? SSL_get_version(ssl) : "?",
                 ssl ? SSL_get_cipher_name(ssl) : "?", c->principal);
        return;
    }
    char buf[256];
    const char *why = sk_tls_bev_reason(c->bev, buf, sizeof(buf));
    if (!why) {
        int e = EVUTIL_SOCKET_ERROR();
        why = (what & BEV_EVENT_ERROR) && e ? evutil_socket_error_to_string(e)
                                            : "connection closed during the handshake";
    }
    sk_warn("net", "TLS handshake with %s on %s failed: %s", c->peer, c->listener, why);
    conn_close(c, NULL);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    sk_conn_t *c = arg;
    if (c->tls && !c->handshake_done) {
        conn_tls_event(c, what);
        return;
    }
    if (what & BEV_EVENT_EOF) {
        size_t left = evbuffer_get_length(bufferevent_get_input(c->bev));
        if (left > 0 && !c->pending) {
            uint8_t szb[4] = {0, 0, 0, 0};
            evbuffer_copyout(bufferevent_get_input(c->bev), szb, left < 4 ? left : 4);
            sk_warn("net", "connection from %s on %s closed with a truncated request: %zu bytes "
                    "of a frame announcing %d", c->peer, c->listener, left,
                    left >= 4 ? (int32_t)sk_be32(szb) + 4 : -1);
        }
        conn_close(c, NULL);
    }
    else if (what & BEV_EVENT_ERROR) {
        int e = EVUTIL_SOCKET_ERROR();
        char buf[256];
        const char *why = c->tls ? sk_tls_bev_reason(c->bev, buf, sizeof(buf)) : NULL;
        sk_net_t *net = c->net;
        sk_sent_file_t *files = NULL;
        int n_files = 0;
        if (e == EIO && (what & BEV_EVENT_WRITING) && net->file_err_fn) {
            files = c->files; /* sendfile could not read one of them */
            n_files = c->n_files;
            c->files = NULL;
            c->n_files = 0;
        }
        conn_close(c, why ? why : evutil_socket_error_to_string(e));
        for (int i = 0; i < n_files; i++)
            net->file_err_fn(net->file_err_arg, &files[i], "sendfile");
        files_free(files, n_files);
    }
}

static void format_peer(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
        snprintf(buf, len, "%s:%d", host, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
        snprintf(buf, len, "[%s]:%d", host, port);
    } else {
        snprintf(buf, len, "unknown");
    }
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    (void)salen;
    sk_net_t *net = arg;
    const char *lname = "";
    int lidx = 0;
    for (int i = 0; i < net->n_listeners; i++)
        if (net->listeners[i] == l) {
            lname = net->listener_names[i];
            lidx = i;
        }
    char ip[INET6_ADDRSTRLEN], why[160];
    sockaddr_ip(sa, ip, sizeof(ip));
    if (limit_refusal(net, lidx, ip, why, sizeof(why))) {
        char peer[64];
        format_peer(sa, peer, sizeof(peer));
        sk_info("net", "refusing connection from %s on %s: %s", peer, lname, why);
        evutil_closesocket(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    /* As Kafka's SocketServer: -1 leaves the kernel's default (and its
     * autotuning) in place. */
    if (net->sndbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &net->sndbuf, sizeof(net->sndbuf));
    if (net->rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &net->rcvbuf, sizeof(net->rcvbuf));
    SSL_CTX *ctx = sk_tls_server_ctx(sk_tls_process(), lname);
    struct bufferevent *bev = NULL;
    if (ctx) {
        SSL *ssl = SSL_new(ctx);
        if (ssl)
            bev = bufferevent_openssl_socket_new(net->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                 BEV_OPT_CLOSE_ON_FREE);
        if (bev) /* a client closing without close_notify reads as EOF */
            bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    } else {
        bev = bufferevent_socket_new(net->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    if (!bev) {
        sk_warn("net", "cannot set up a connection on %s: out of memory", lname);
        evutil_closesocket(fd);
        return;
    }
    sk_conn_t *c = sk_calloc(1, sizeof(*c));
    c->net = net;
    c->bev = bev;
    c->tls = ctx != NULL;
    format_peer(sa, c->peer, sizeof(c->peer));
    snprintf(c->listener, sizeof(c->listener), "%s", lname);
    snprintf(c->principal, sizeof(c->principal), "User:ANONYMOUS");
    c->sasl = sk_sasl_conn_new(sk_sasl_process(), lname);
    c->lidx = lidx;
    snprintf(c->ip, sizeof(c->ip), "%s", ip);
    c->last_active = sk_mono_ms();
    TAILQ_INSERT_TAIL(&net->conns, c, link);
    net->n_conns++;
    net->listener_conns[lidx]++;
    ip_add(net, ip);
    bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
    conn_read_wm(c, 4);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    sk_debug("net", "accepted connection from %s on %s", c->peer, c->listener);
}

static void accept_error_cb(struct evconnlistener *l, void *arg)
{
    (void)l;
    (void)arg;
    int err = EVUTIL_SOCKET_ERROR();
    sk_warn("net", "accept failed: %s", evutil_socket_error_to_string(err));
}

int sk_net_new(struct event_base *base, const sk_net_listener_t *ls, int n, int32_t max_request_bytes,
               sk_net_request_fn fn, void *arg, sk_net_t **out, char *err, size_t errlen)
{
    sk_net_t *net = sk_calloc(1, sizeof(*net));
    net->base = base;
    net->max_request_bytes = max_request_bytes;
    net->fn = fn;
    net->arg = arg;
    net->max_conns = INT32_MAX;
    net->max_per_ip = INT32_MAX;
    TAILQ_INIT(&net->conns);
    net->listeners = sk_calloc((size_t)n, sizeof(*net->listeners));
    net->listener_names = sk_calloc((size_t)n, sizeof(*net->listener_names));
    net->listener_conns = sk_calloc((size_t)n + 1, sizeof(*net->listener_conns));
    net->listener_auth_ok = sk_calloc((size_t)n + 1, sizeof(*net->listener_auth_ok));
    net->listener_auth_failed = sk_calloc((size_t)n + 1, sizeof(*net->listener_auth_failed));
    for (int i = 0; i < n; i++) {
        struct addrinfo hints = {0}, *res = NULL;
        char port[16];
        snprintf(port, sizeof(port), "%d", ls[i].port);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE;
        const char *host = (ls[i].host && ls[i].host[0]) ? ls[i].host : NULL;
        int gai = getaddrinfo(host, port, &hints, &res);
        if (gai != 0) {
            snprintf(err, errlen, "listener %s: cannot resolve '%s': %s", ls[i].name,
                     host ? host : "", gai_strerror(gai));
            goto fail;
        }
        /* With no host, prefer the IPv6 wildcard (dual stack) if offered. */
        struct addrinfo *pick = res;
        for (struct addrinfo *ai = res; !host && ai; ai = ai->ai_next)
            if (ai->ai_family == AF_INET6) {
                pick = ai;
                break;
            }
        net->listeners[i] = evconnlistener_new_bind(
            base, accept_cb, net, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, 512,
            pick->ai_addr, (int)pick->ai_addrlen);
        int e = errno;
        freeaddrinfo(res);
        if (!net->listeners[i]) {
            snprintf(err, errlen, "listener %s: cannot bind %s:%d: %s", ls[i].name,
                     host ? host : "*", ls[i].port, strerror(e));
            goto fail;
        }
        evconnlistener_set_error_cb(net->listeners[i], accept_error_cb);
        net->listener_names[i] = sk_strdup(ls[i].name ? ls[i].name : "PLAINTEXT");
        net->n_listeners = i + 1;
    }
    *out = net;
    return SK_OK;
fail:
    sk_net_free(net);
    return SK_EIO;
}

void sk_net_start(sk_net_t *net)
{
    for (int i = 0; i < net->n_listeners; i++)
        evconnlistener_enable(net->listeners[i]);
}

int sk_net_port(const sk_net_t *net, int i)
{
    if (i < 0 || i >= net->n_listeners)
        return -1;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(evconnlistener_get_fd(net->listeners[i]), (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

void sk_net_free(sk_net_t *net)
{
    if (!net)
        return;
    for (int i = 0; i < net->n_listeners; i++) {
        evconnlistener_free(net->listeners[i]);
        free(net->listener_names[i]);
    }
    sk_conn_t *c;
    while ((c = TAILQ_FIRST(&net->conns)) != NULL)
        conn_close(c, NULL);
    if (net->idle_timer)
        event_free(net->idle_timer);
    if (net->mem_wake)
        event_free(net->mem_wake);
    free(net->overrides);
    free(net->inter_broker);
    free(net->listeners);
    free(net->listener_names);
    free(net->listener_conns);
    free(net->listener_auth_ok);
    free(net->listener_auth_failed);
    free(net);
}

int sk_net_listener_count(const sk_net_t *net)
{
    return net ? net->n_listeners : 0;
}

const char *sk_net_listener_name(const sk_net_t *net, int i)
{
    return i >= 0 && i < net->n_listeners ? net->listener_names[i] : "";
}

int sk_net_listener_conns(const sk_net_t *net, int i)
{
    return i >= 0 && i < net->n_listeners ? net->listener_conns[i] : 0;
}

void sk_net_listener_auth(const sk_net_t *net, int i, uint64_t *ok, uint64_t *failed)
{
    int in = i >= 0 && i < net->n_listeners;
    *ok = in ? net->listener_auth_ok[i] : 0;
    *failed = in ? net->listener_auth_failed[i] : 0;
}

/* Adds host's numeric addresses to net->overrides (a literal as it is, a
 * name through the resolver). */
static int add_override(sk_net_t *net, const sk_ip_override_t *o, int *cap, char *err,
                        size_t errlen)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(o->host, NULL, &hints, &res);
    if (gai != 0) {
        sk_errf(err, errlen, "max.connections.per.ip.overrides: cannot resolve '%s': %s", o->host,
                gai_strerror(gai));
        return SK_EINVAL;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (net->n_overrides == *cap) {
            *cap = *cap ? *cap * 2 : 4;
            net->overrides = sk_realloc(net->overrides, (size_t)*cap * sizeof(*net->overrides));
        }
        sk_ip_override_t *d = &net->overrides[net->n_overrides++];
        sockaddr_ip(ai->ai_addr, d->host, sizeof(d->host));
        d->count = o->count;
    }
    freeaddrinfo(res);
    return SK_OK;
}

int sk_net_set_limits(sk_net_t *net, const sk_net_limits_t *lim, char *err, size_t errlen)
{
    /* the overrides are built afresh: a later call (a dynamic
     * max.connections.per.ip.overrides) replaces them, a failed one keeps
     * those in force */
    sk_ip_override_t *old = net->overrides;
    int n_old = net->n_overrides, cap = 0;
    net->overrides = NULL;
    net->n_overrides = 0;
    for (int i = 0; i < lim->n_overrides; i++)
        if (add_override(net, &lim->overrides[i], &cap, err, errlen) != SK_OK) {
            free(net->overrides);
            net->overrides = old;
            net->n_overrides = n_old;
            return SK_EINVAL;
        }
    free(old);
    net->max_conns = lim->max_connections;
    net->max_per_ip = lim->max_per_ip;
    free(net->inter_broker);
    net->inter_broker = lim->inter_broker ? sk_strdup(lim->inter_broker) : NULL;
    net->queued_max = lim->queued_max_bytes;
    net->idle_ms = lim->idle_ms;
    net->sndbuf = lim->send_buffer_bytes;
    net->rcvbuf = lim->receive_buffer_bytes;
    if (!net->mem_wake)
        net->mem_wake = event_new(net->base, -1, 0, mem_wake_cb, net);
    if (net->idle_ms > 0 && !net->idle_timer) {
        /* a quarter of the limit, between 10 ms and 1 s */
        int64_t ms = net->idle_ms / 4;
        ms = ms < 10 ? 10 : ms > 1000 ? 1000 : ms;
        struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
        net->idle_timer = event_new(net->base, -1, EV_PERSIST, idle_cb, net);
        evtimer_add(net->idle_timer, &tv);
    }
    return SK_OK;
}

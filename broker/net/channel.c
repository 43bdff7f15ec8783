/* channel.c - controller-to-broker connections (see channel.h).
 *
 * When the inter-broker listener's protocol is SSL, every connection is a
 * TLS client (tls.h: the trust store verifies the peer, the host name check
 * follows ssl.endpoint.identification.algorithm); the handshake finishes
 * before BEV_EVENT_CONNECTED, so nothing else changes.
 *
 * When it is SASL_PLAINTEXT or SASL_SSL (sasl.h), a new connection first
 * authenticates as Kafka's clients do: SaslHandshake v1 naming
 * sasl.mechanism.inter.broker.protocol, then SaslAuthenticate v1 tokens
 * (PLAIN: one; SCRAM: client-first, client-final, and the server's
 * signature checked) with the username and password of that listener's JAAS
 * line. Queued requests go out only once that succeeded; a refusal is
 * logged once and retried like a lost connection.
 *
 * A broker's host is never resolved on the loop: a numeric address is
 * parsed in place, and a name goes to getaddrinfo on a thread of its own,
 * which hands the address back to the loop (event_active); the loop then
 * connects. The address is kept until the registration changes or a
 * connection to it fails; the next attempt then resolves the name again, as
 * every attempt did before.
 */
#include "net/channel.h"
#include "net/sockread.h"

#include "apis.h"
#include "arena.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "proto_gen.h"
#include "proto_hdr.h"
#include "sasl.h"
#include "scram.h"
#include "tls.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#define RECONNECT_MS 500
#define MAX_RESPONSE_BYTES (100 * 1024 * 1024)

typedef struct chan_req {
    TAILQ_ENTRY(chan_req) link;
    int16_t key;
    int16_t version;
    int32_t corr;
    uint8_t *frame; /* size prefix + header + body */
    size_t frame_len;
    sk_chan_cb cb;
    void *arg;
} chan_req_t;

typedef struct chan_broker chan_broker_t;

/* One name lookup on its thread. The thread owns nothing of the loop's:
 * it reads host and port, writes rc and the address, then posts ev. b is
 * cleared when the broker goes or changes address (the answer is dropped). */
typedef struct chan_lookup {
    LIST_ENTRY(chan_lookup) link;
    sk_chan_t *ch;
    chan_broker_t *b;
    pthread_t thread;
    struct event *ev;
    char *host;
    char port[16];
    int rc; /* getaddrinfo's */
    struct sockaddr_storage addr;
    socklen_t addr_len;
} chan_lookup_t;

struct chan_broker {
    LIST_ENTRY(chan_broker) link;
    sk_chan_t *ch;
    int32_t id;
    char *host;
    int port;
    struct bufferevent *bev;
    int tls;              /* bev is a TLS client */
    int connected;
    chan_req_t *inflight;
    TAILQ_HEAD(, chan_req) queue;
    struct event *retry;
    int warned;
    struct sockaddr_storage addr; /* the resolved (or numeric) address */
    socklen_t addr_len;           /* 0: not known */
    int numeric;                  /* host is an address: never resolved */
    chan_lookup_t *lookup;        /* in flight */
    /* SASL before anything else (inter-broker listener SASL_*) */
    enum { AUTH_NONE = 0, AUTH_HANDSHAKE, AUTH_TOKEN } auth;
    int32_t auth_corr;         /* of the SASL request in flight */
    int auth_step;             /* SaslAuthenticate answers received */
    sk_scram_client_t *scram;
};

struct sk_chan_s {
    struct event_base *base;
    char *client_id;
    int32_t next_corr;
    LIST_HEAD(, chan_broker) brokers;
    LIST_HEAD(, chan_lookup) lookups; /* threads not yet joined */
    sk_chan_lookup_fn lookup_fn;
};

static void broker_connect(chan_broker_t *b);
static void broker_pump(chan_broker_t *b);

static chan_broker_t *find(const sk_chan_t *ch, int32_t id)
{
    chan_broker_t *b;
    LIST_FOREACH(b, &ch->brokers, link)
        if (b->id == id)
            return b;
    return NULL;
}

int sk_chan_has_broker(const sk_chan_t *ch, int32_t id)
{
    return find(ch, id) != NULL;
}

static void req_free(chan_req_t *r)
{
    free(r->frame);
    free(r);
}

static void broker_disconnect(chan_broker_t *b)
{
    if (b->bev) {
        bufferevent_free(b->bev);
        b->bev = NULL;
    }
    b->connected = 0;
    b->auth = AUTH_NONE;
    b->auth_step = 0;
    sk_scram_client_free(b->scram);
    b->scram = NULL;
    if (b->inflight) { /* send it again after reconnecting */
        TAILQ_INSERT_HEAD(&b->queue, b->inflight, link);
        b->inflight = NULL;
    }
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    broker_connect(arg);
}

static void schedule_retry(chan_broker_t *b)
{
    broker_disconnect(b);
    if (!b->numeric)
        b->addr_len = 0; /* resolve again */
    struct timeval tv = {0, RECONNECT_MS * 1000};
    evtimer_add(b->retry, &tv);
}

/* Send one SASL request (v1, generated codec) on b's connection. */
static void auth_send(chan_broker_t *b, int16_t key, const sk_saslhandshake_req_t *hs,
                      const sk_saslauthenticate_req_t *au)
{
    sk_wr_t w;
    sk_wr_init(&w);
    size_t pos = sk_wr_reserve_i32(&w);
    b->auth_corr = b->ch->next_corr++;
    if (b->ch->next_corr <= 0)
        b->ch->next_corr = 1;
    sk_req_hdr_encode(&w, key, 1, b->auth_corr, b->ch->client_id);
    if (hs)
        sk_saslhandshake_req_encode(&w, 1, hs);
    else
        sk_saslauthenticate_req_encode(&w, 1, au);
    sk_wr_patch_i32(&w, pos, (int32_t)(w.len - 4));
    bufferevent_write(b->bev, w.buf, w.len);
    sk_wr_free(&w);
}

static void auth_token(chan_broker_t *b, const char *tok, size_t len)
{
    sk_saslauthenticate_req_t m;
    sk_saslauthenticate_req_init(&m);
    m.AuthBytes = (sk_str_t){tok, (int32_t)len};
    auth_send(b, SK_API_SASL_AUTHENTICATE, NULL, &m);
}

/* The connection is up (TLS included): authenticate first if SASL. */
static void auth_start(chan_broker_t *b)
{
    const char *mech = sk_sasl_client_mechanism(sk_sasl_process());
    sk_saslhandshake_req_t m;
    sk_saslhandshake_req_init(&m);
    m.Mechanism = sk_str_c(mech);
    b->auth = AUTH_HANDSHAKE;
    b->auth_step = 0;
    auth_send(b, SK_API_SASL_HANDSHAKE, &m, NULL);
}

static void auth_fail(chan_broker_t *b, const char *why)
{
    if (!b->warned)
        sk_warn("channel", "SASL authentication with broker %d at %s:%d failed: %s: retrying",
                b->id, b->host, b->port, why);
    b->warned = 1;
    schedule_retry(b);
}

static void connected(chan_broker_t *b)
{
    b->connected = 1;
    if (b->warned)
        sk_info("channel", "connected to broker %d at %s:%d", b->id, b->host, b->port);
    b->warned = 0;
    broker_pump(b);
}

/* One answer during authentication (frame without the size). */
static void auth_answer(chan_broker_t *b, const uint8_t *frame, size_t len)
{
    const sk_sasl_t *s = sk_sasl_process();
    int16_t key = b->auth == AUTH_HANDSHAKE ? SK_API_SASL_HANDSHAKE : SK_API_SASL_AUTHENTICATE;
    sk_rd_t rd;
    int32_t corr = -1;
    char why[256];
    sk_rd_init(&rd, frame, len);
    sk_arena_t *a = sk_arena_new(0);
    if (sk_resp_hdr_decode(&rd, key, 1, &corr) != SK_OK || corr != b->auth_corr) {
        auth_fail(b, "unexpected answer");
        goto out;
    }
    if (b->auth == AUTH_HANDSHAKE) {
        sk_saslhandshake_resp_t r;
        if (sk_saslhandshake_resp_decode(&rd, 1, a, &r) != SK_OK || r.ErrorCode != SK_KERR_NONE) {
            snprintf(why, sizeof(why), "SaslHandshake for %s refused",
                     sk_sasl_client_mechanism(s));
            auth_fail(b, why);
            goto out;
        }
        b->auth = AUTH_TOKEN;
        const char *mech = sk_sasl_client_mechanism(s);
        int m = sk_scram_mech_parse(mech);
        if (m < 0) { /* PLAIN: authzid empty, user, password */
            const char *u = sk_sasl_client_user(s), *p = sk_sasl_client_password(s);
            size_t ul = strlen(u), pl = strlen(p);
            char *tok = sk_malloc(ul + pl + 2);
            tok[0] = '\0';
            memcpy(tok + 1, u, ul + 1);
            memcpy(tok + 2 + ul, p, pl);
            auth_token(b, tok, ul + pl + 2);
            memset(tok, 0, ul + pl + 2);
            free(tok);
            goto out;
        }
        b->scram = sk_scram_client_new((sk_scram_mech_t)m, sk_sasl_client_user(s),
                                       sk_sasl_client_password(s), NULL);
        char *first = NULL;
        size_t fl = 0;
        if (!b->scram || sk_scram_client_first(b->scram, &first, &fl) != SK_OK) {
            auth_fail(b, "cannot start SCRAM");
            goto out;
        }
        auth_token(b, first, fl);
        free(first);
        goto out;
    }
    sk_saslauthenticate_resp_t r;
    if (sk_saslauthenticate_resp_decode(&rd, 1, a, &r) != SK_OK) {
        auth_fail(b, "malformed SaslAuthenticate answer");
        goto out;
    }
    if (r.ErrorCode != SK_KERR_NONE) {
        snprintf(why, sizeof(why), "%s: %.*s", sk_kerr_name(r.ErrorCode),
                 r.ErrorMessage.len > 0 ? (int)r.ErrorMessage.len : 0,
                 r.ErrorMessage.len > 0 ? r.ErrorMessage.p : "");
        auth_fail(b, why);
        goto out;
    }
    const uint8_t *tok = (const uint8_t *)(r.AuthBytes.len > 0 ? r.AuthBytes.p : "");
    size_t tl = r.AuthBytes.len > 0 ? (size_t)r.AuthBytes.len : 0;
    b->auth_step++;
    if (b->scram && b->auth_step == 1) {
        char *fin = NULL;
        size_t fl = 0;
        if (sk_scram_client_final(b->scram, tok, tl, &fin, &fl, why, sizeof(why)) != SK_OK) {
            auth_fail(b, why);
            goto out;
        }
        auth_token(b, fin, fl);
        free(fin);
        goto out;
    }
    if (b->scram && sk_scram_client_verify(b->scram, tok, tl, why, sizeof(why)) != SK_OK) {
        auth_fail(b, why);
        goto out;
    }
    sk_scram_client_free(b->scram);
    b->scram = NULL;
    b->auth = AUTH_NONE;
    sk_debug("channel", "authenticated to broker %d with %s as %s", b->id,
             sk_sasl_client_mechanism(s), sk_sasl_client_user(s));
    connected(b);
out:
    sk_arena_free(a);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
    chan_broker_t *b = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        size_t avail = evbuffer_get_length(in);
        if (avail < 4)
            return;
        uint8_t szb[4];
        evbuffer_copyout(in, szb, 4);
        int32_t size = (int32_t)sk_be32(szb);
        if (size < 4 || size > MAX_RESPONSE_BYTES) {
            sk_warn("channel", "broker %d sent an invalid response size %d: reconnecting", b->id,
                    size);
            schedule_retry(b);
            return;
        }
        if (avail < 4 + (size_t)size && !b->tls)
            avail += (size_t)sk_sockread_fill(bev, 4 + (size_t)size);
        if (avail < 4 + (size_t)size)
            return;
        evbuffer_drain(in, 4);
        uint8_t *frame = sk_malloc((size_t)size);
        evbuffer_remove(in, frame, (size_t)size);
        if (b->auth != AUTH_NONE) {
            auth_answer(b, frame, (size_t)size);
            free(frame);
            if (!b->bev)
                return;
            continue;
        }
        chan_req_t *r = b->inflight;
        sk_rd_t rd;
        sk_rd_init(&rd, frame, (size_t)size);
        int32_t corr = -1;
        if (!r || sk_resp_hdr_decode(&rd, r->key, r->version, &corr) != SK_OK || corr != r->corr) {
            sk_warn("channel", "unexpected response (correlation id %d) from broker %d: "
                    "reconnecting", corr, b->id);
            free(frame);
            schedule_retry(b);
            return;
        }
        b->inflight = NULL;
        if (r->cb)
            r->cb(SK_OK, rd.p, sk_rd_remaining(&rd), r->arg);
        free(frame);
        req_free(r);
        broker_pump(b);
        if (!b->bev)
            return;
    }
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    chan_broker_t *b = arg;
    if (what & BEV_EVENT_CONNECTED) {
        int one = 1;
        setsockopt(bufferevent_getfd(b->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (sk_sasl_client_mechanism(sk_sasl_process()))
            auth_start(b);
        else
            connected(b);
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        char buf[256];
        const char *why = b->tls ? sk_tls_bev_reason(b->bev, buf, sizeof(buf)) : NULL;
        if (!b->warned && why && !b->connected)
            sk_warn("channel", "TLS handshake with broker %d at %s:%d failed: %s: retrying",
                    b->id, b->host, b->port, why);
        else if (!b->warned)
            sk_warn("channel", "connection to broker %d at %s:%d lost or refused%s%s: retrying",
                    b->id, b->host, b->port, why ? ": " : "", why ? why : "");
        b->warned = 1;
        schedule_retry(b);
    }
}

static void retry_later(chan_broker_t *b)
{
    struct timeval tv = {0, RECONNECT_MS * 1000};
    evtimer_add(b->retry, &tv);
}

/* Parses a numeric host into b->addr; 0 when it is a name. */
static int parse_numeric(chan_broker_t *b)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)&b->addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&b->addr;
    memset(&b->addr, 0, sizeof(b->addr));
    if (inet_pton(AF_INET, b->host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)b->port);
        b->addr_len = sizeof(*in4);
        return 1;
    }
    if (inet_pton(AF_INET6, b->host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)b->port);
        b->addr_len = sizeof(*in6);
        return 1;
    }
    b->addr_len = 0;
    return 0;
}

static void *lookup_main(void *arg)
{
    chan_lookup_t *lk = arg;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    lk->rc = lk->ch->lookup_fn(lk->host, lk->port, &hints, &res);
    if (lk->rc == 0 && (!res || res->ai_addrlen > sizeof(lk->addr)))
        lk->rc = EAI_FAIL;
    if (lk->rc == 0) {
        memcpy(&lk->addr, res->ai_addr, res->ai_addrlen);
        lk->addr_len = (socklen_t)res->ai_addrlen;
    }
    if (res)
        freeaddrinfo(res);
    event_active(lk->ev, EV_TIMEOUT, 0);
    return NULL;
}

static void lookup_free(chan_lookup_t *lk)
{
    pthread_join(lk->thread, NULL);
    LIST_REMOVE(lk, link);
    if (lk->b)
        lk->b->lookup = NULL;
    event_free(lk->ev);
    free(lk->host);
    free(lk);
}

/* On the loop, once the lookup's thread has answered. */
static void lookup_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    chan_lookup_t *lk = arg;
    chan_broker_t *b = lk->b;
    if (b && lk->rc == 0) {
        memcpy(&b->addr, &lk->addr, lk->addr_len);
        b->addr_len = lk->addr_len;
    } else if (b) {
        if (!b->warned)
            sk_warn("channel", "cannot resolve broker %d host %s: %s: retrying", b->id, b->host,
                    gai_strerror(lk->rc));
        b->warned = 1;
        retry_later(b);
    }
    lookup_free(lk);
    if (b && b->addr_len)
        broker_connect(b);
}

/* Starts resolving b's host on a thread; 0 when none could start. */
static int lookup_start(chan_broker_t *b)
{
    chan_lookup_t *lk = sk_calloc(1, sizeof(*lk));
    lk->ch = b->ch;
    lk->b = b;
    lk->host = sk_strdup(b->host);
    snprintf(lk->port, sizeof(lk->port), "%d", b->port);
    lk->ev = event_new(b->ch->base, -1, 0, lookup_done, lk);
    if (!lk->ev || pthread_create(&lk->thread, NULL, lookup_main, lk) != 0) {
        if (lk->ev)
            event_free(lk->ev);
        free(lk->host);
        free(lk);
        return 0;
    }
    LIST_INSERT_HEAD(&b->ch->lookups, lk, link);
    b->lookup = lk;
    return 1;
}

/* The broker's address changed or it is gone: its lookup's answer is not
 * wanted any more (the thread is joined when it answers). */
static void lookup_drop(chan_broker_t *b)
{
    if (b->lookup) {
        b->lookup->b = NULL;
        b->lookup = NULL;
    }
}

static void broker_connect(chan_broker_t *b)
{
    if (b->bev || b->lookup)
        return;
    if (!b->addr_len) {
        if (!lookup_start(b)) {
            if (!b->warned)
                sk_warn("channel", "cannot resolve broker %d host %s: no thread: retrying",
                        b->id, b->host);
            b->warned = 1;
            retry_later(b);
        }
        return;
    }
    SSL *ssl = NULL;
    if (sk_tls_client_ssl(sk_tls_process(), b->host, &ssl) != SK_OK) {
        if (!b->warned)
            sk_warn("channel", "cannot set up TLS to broker %d at %s:%d: retrying", b->id,
                    b->host, b->port);
        b->warned = 1;
        retry_later(b);
        return;
    }
    b->tls = ssl != NULL;
    if (ssl) {
        b->bev = bufferevent_openssl_socket_new(b->ch->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                BEV_OPT_CLOSE_ON_FREE);
        if (b->bev) /* a peer closing without close_notify reads as EOF */
            bufferevent_openssl_set_allow_dirty_shutdown(b->bev, 1);
    } else {
        b->bev = bufferevent_socket_new(b->ch->base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (!b->bev) {
        retry_later(b);
        return;
    }
    bufferevent_setcb(b->bev, read_cb, NULL, event_cb, b);
    bufferevent_enable(b->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(b->bev, (struct sockaddr *)&b->addr, (int)b->addr_len) != 0)
        schedule_retry(b);
}

static void broker_pump(chan_broker_t *b)
{
    if (!b->connected || b->inflight)
        return;
    chan_req_t *r = TAILQ_FIRST(&b->queue);
    if (!r)
        return;
    TAILQ_REMOVE(&b->queue, r, link);
    b->inflight = r;
    bufferevent_write(b->bev, r->frame, r->frame_len);
}

sk_chan_t *sk_chan_new(struct event_base *base, const char *client_id)
{
    sk_chan_t *ch = sk_calloc(1, sizeof(*ch));
    ch->base = base;
    ch->client_id = sk_strdup(client_id);
    ch->next_corr = 1;
    LIST_INIT(&ch->brokers);
    LIST_INIT(&ch->lookups);
    ch->lookup_fn = getaddrinfo;
    return ch;
}

void sk_chan_set_lookup(sk_chan_t *ch, sk_chan_lookup_fn fn)
{
    ch->lookup_fn = fn ? fn : getaddrinfo;
}

void sk_chan_set_broker(sk_chan_t *ch, int32_t id, const char *host, int port)
{
    chan_broker_t *b = find(ch, id);
    if (b) {
        if (strcmp(b->host, host) == 0 && b->port == port)
            return;
        free(b->host);
        b->host = sk_strdup(host);
        b->port = port;
        broker_disconnect(b);
        lookup_drop(b);
        evtimer_del(b->retry);
        b->numeric = parse_numeric(b);
        broker_connect(b);
        return;
    }
    b = sk_calloc(1, sizeof(*b));
    b->ch = ch;
    b->id = id;
    b->host = sk_strdup(host);
    b->port = port;
    TAILQ_INIT(&b->queue);
    b->retry = evtimer_new(ch->base, retry_cb, b);
    b->numeric = parse_numeric(b);
    LIST_INSERT_HEAD(&ch->brokers, b, link);
    broker_connect(b);
}

static void broker_free(chan_broker_t *b)
{
    LIST_REMOVE(b, link);
    broker_disconnect(b);
    lookup_drop(b);
    event_free(b->retry);
    chan_req_t *r;
    while ((r = TAILQ_FIRST(&b->queue)) != NULL) {
        TAILQ_REMOVE(&b->queue, r, link);
        if (r->cb)
            r->cb(SK_EIO, NULL, 0, r->arg);
        req_free(r);
    }
    free(b->host);
    free(b);
}

void sk_chan_remove_broker(sk_chan_t *ch, int32_t id)
{
    chan_broker_t *b = find(ch, id);
    if (b)
        broker_free(b);
}

void sk_chan_send(sk_chan_t *ch, int32_t broker, int16_t api_key, int16_t api_version, sk_wr_t *body,
                  sk_chan_cb cb, void *arg)
{
    chan_broker_t *b = find(ch, broker);
    if (!b) {
        sk_wr_free(body);
        if (cb)
            cb(SK_EIO, NULL, 0, arg);
        return;
    }
    chan_req_t *r = sk_calloc(1, sizeof(*r));
    r->key = api_key;
    r->version = api_version;
    r->corr = ch->next_corr++;
    if (ch->next_corr <= 0)
        ch->next_corr = 1;
    r->cb = cb;
    r->arg = arg;
    sk_wr_t w;
    sk_wr_init(&w);
    size_t pos = sk_wr_reserve_i32(&w);
    sk_req_hdr_encode(&w, api_key, api_version, r->corr, ch->client_id);
    sk_wr_raw(&w, body->buf, body->len);
    sk_wr_patch_i32(&w, pos, (int32_t)(w.len - 4));
    sk_wr_free(body);
    r->frame = sk_wr_steal(&w, &r->frame_len);
    TAILQ_INSERT_TAIL(&b->queue, r, link);
    broker_pump(b);
}

void sk_chan_free(sk_chan_t *ch)
{
    if (!ch)
        return;
    chan_broker_t *b;
    while ((b = LIST_FIRST(&ch->brokers)) != NULL)
        broker_free(b);
    chan_lookup_t *lk;
    while ((lk = LIST_FIRST(&ch->lookups)) != NULL) /* waits for each thread */
        lookup_free(lk);
    free(ch->client_id);
    free(ch);
}

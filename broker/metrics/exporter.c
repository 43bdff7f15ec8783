/* exporter.c - the HTTP side of /metrics (see exporter.h): libevent's
 * evhttp on the broker's loop. evhttp itself answers what it cannot parse
 * (400) and closes idle or slow connections after the timeout below.
 */
#include "metrics/exporter.h"
#include "metrics/lagpoll.h"

#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "meta/broker_ctx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A scrape must not tie up a connection slot forever. */
#define EXPORTER_TIMEOUT_S 10
#define EXPORTER_MAX_HEADERS 8192

struct sk_exporter_s {
    sk_broker_t *b;
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    sk_lagpoll_t *lag;    /* high watermarks of partitions led elsewhere */
    uint64_t scrapes;
};

static void free_body(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

static void reply_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
    struct evbuffer *out = evbuffer_new();
    if (out)
        evbuffer_add_printf(out, "%s\n", text);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; charset=utf-8");
    evhttp_send_reply(req, code, reason, out);
    if (out)
        evbuffer_free(out);
}

static void serve_metrics(sk_exporter_t *e, struct evhttp_request *req)
{
    sk_prom_t p;
    sk_prom_init(&p);
    int64_t t0 = sk_met_now_us();
    sk_metrics_render(e->b, &p);
    e->scrapes++;
    char line[256];
    int n = snprintf(line, sizeof(line),
                     "# HELP skein_metrics_render_seconds Time the previous families took to "
                     "render on the event loop.\n"
                     "# TYPE skein_metrics_render_seconds gauge\n"
                     "skein_metrics_render_seconds %.6f\n",
                     (double)(sk_met_now_us() - t0) / 1e6);
    if (n > 0 && (size_t)n < sizeof(line))
        sk_prom_raw(&p, line, (size_t)n);
    size_t len;
    char *body = sk_prom_take(&p, &len);
    struct evbuffer *out = evbuffer_new();
    if (!out) {
        free(body);
        evhttp_send_error(req, HTTP_INTERNAL, NULL);
        return;
    }
    if (evbuffer_add_reference(out, body, len, free_body, NULL) != 0)
        free(body);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4; charset=utf-8");
    evhttp_send_reply(req, HTTP_OK, "OK", out);
    evbuffer_free(out);
    /* for the next scrape: the lag of partitions this broker does not host */
    sk_lagpoll_refresh(e->lag);
}

static void request_cb(struct evhttp_request *req, void *arg)
{
    sk_exporter_t *e = arg;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    if (!path || strcmp(path, "/metrics") != 0) {
        reply_text(req, HTTP_NOTFOUND, "Not Found", "not found: Skein serves GET /metrics");
        return;
    }
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        reply_text(req, HTTP_BADMETHOD, "Method Not Allowed", "only GET /metrics");
        return;
    }
    serve_metrics(e, req);
}

int sk_exporter_new(sk_broker_t *b, const char *host, int port, sk_exporter_t **out, char *err,
                    size_t errlen)
{
    int rc = SK_OK;
    sk_exporter_t *e = sk_calloc(1, sizeof(*e));
    e->b = b;
    e->lag = sk_lagpoll_new(b);
    e->http = evhttp_new(b->base);
    if (!e->http) {
        snprintf(err, errlen, "metrics.listener: cannot set up the HTTP server");
        rc = SK_EIO;
        goto fail;
    }
    evhttp_set_timeout(e->http, EXPORTER_TIMEOUT_S);
    evhttp_set_max_headers_size(e->http, EXPORTER_MAX_HEADERS);
    evhttp_set_max_body_size(e->http, 0);
    evhttp_set_allowed_methods(e->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
    evhttp_set_gencb(e->http, request_cb, e);
    /* No host: every interface, IPv6 and IPv4 (dual stack) where the host
     * has IPv6, else IPv4 alone. */
    const char *bind_host = host && *host ? host : "::";
    e->sock = evhttp_bind_socket_with_handle(e->http, bind_host, (ev_uint16_t)port);
    if (!e->sock && !(host && *host)) {
        bind_host = "0.0.0.0";
        e->sock = evhttp_bind_socket_with_handle(e->http, bind_host, (ev_uint16_t)port);
    }
    if (!e->sock) {
        snprintf(err, errlen, "metrics.listener: cannot bind %s:%d: %s", bind_host, port,
                 errno ? strerror(errno) : "failed");
        rc = SK_EIO;
        goto fail;
    }
    int v6 = strchr(bind_host, ':') != NULL;
    sk_info("metrics", "serving /metrics on http://%s%s%s:%d", v6 ? "[" : "", bind_host,
            v6 ? "]" : "", sk_exporter_port(e));
    *out = e;
    return SK_OK;
fail:
    sk_exporter_free(e);
    return rc;
}

int sk_exporter_port(const sk_exporter_t *e)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    evutil_socket_t fd = evhttp_bound_socket_get_fd(e->sock);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

void sk_exporter_free(sk_exporter_t *e)
{
    if (!e)
        return;
    if (e->http)
        evhttp_free(e->http);
    sk_lagpoll_free(e->lag);
    free(e);
}

int sk_exporter_remote_hw(const sk_exporter_t *e, const char *topic, int32_t partition,
                          int64_t *hw)
{
    return e ? sk_lagpoll_hw(e->lag, topic, partition, hw) : 0;
}

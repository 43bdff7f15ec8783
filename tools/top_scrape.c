/* top_scrape.c - GET /metrics over a plain socket (see top_scrape.h). */
#include "top_scrape.h"

#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char *dup_n(const char *s, size_t n)
{
    char *d = sk_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void sk_top_url_free(sk_top_url_t *u)
{
    free(u->host);
    free(u->port);
    free(u->path);
    free(u->text);
    memset(u, 0, sizeof(*u));
}

int sk_top_url_parse(const char *url, sk_top_url_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *s = url;
    if (!strncasecmp(s, "http://", 7))
        s += 7;
    else if (strstr(s, "://")) {
        snprintf(err, errlen, "%s: only http:// URLs", url);
        return -1;
    }
    const char *slash = strchr(s, '/');
    size_t hp_len = slash ? (size_t)(slash - s) : strlen(s);
    const char *host = s, *host_end, *port;
    if (*s == '[') {
        host = s + 1;
        host_end = memchr(s, ']', hp_len);
        if (!host_end || host_end == host) {
            snprintf(err, errlen, "%s: bad IPv6 address", url);
            return -1;
        }
        port = host_end + 1;
    } else {
        host_end = memchr(s, ':', hp_len);
        if (!host_end)
            host_end = s + hp_len;
        port = host_end;
    }
    if (host_end == host || memchr(host, '@', (size_t)(host_end - host))) {
        snprintf(err, errlen, "%s: host missing", url);
        return -1;
    }
    size_t port_len = (size_t)(s + hp_len - port);
    if (port_len && *port != ':') {
        snprintf(err, errlen, "%s: ':' expected after the address", url);
        return -1;
    }
    if (port_len) {
        port++;
        port_len--;
        if (!port_len || port_len > 5 || strspn(port, "0123456789") < port_len ||
            atoi(port) < 1 || atoi(port) > 65535) {
            snprintf(err, errlen, "%s: bad port", url);
            return -1;
        }
    }
    if (slash && strpbrk(slash, "?# \t\r\n")) {
        snprintf(err, errlen, "%s: no query, fragment or blank in the path", url);
        return -1;
    }
    out->host = dup_n(host, (size_t)(host_end - host));
    out->port = port_len ? dup_n(port, port_len) : sk_strdup("80");
    out->path = sk_strdup(slash && slash[1] ? slash : "/metrics");
    out->text = dup_n(s, hp_len);
    return 0;
}

/* ---- the response ---- */

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

static const char *find_crlf2(const char *buf, size_t len)
{
    for (size_t i = 0; i + 3 < len; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
            return buf + i;
    return NULL;
}

int sk_top_http_response(const char *buf, size_t len, size_t *body_off, size_t *body_len,
                         char *err, size_t errlen)
{
    const char *end = find_crlf2(buf, len);
    if (!end) {
        snprintf(err, errlen, "incomplete HTTP response (%zu bytes, no end of headers)", len);
        return -1;
    }
    /* status line: HTTP/1.x NNN reason */
    const char *eol = memchr(buf, '\r', (size_t)(end - buf) + 1);
    size_t sl = (size_t)(eol - buf);
    if (sl < 12 || memcmp(buf, "HTTP/1.", 7) || (buf[7] != '0' && buf[7] != '1') ||
        buf[8] != ' ' || !all_digits(buf + 9, 3) || (sl > 12 && buf[12] != ' ')) {
        snprintf(err, errlen, "malformed HTTP status line");
        return -1;
    }
    int status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    if (status != 200) {
        snprintf(err, errlen, "HTTP %d", status);
        return -1;
    }
    long long clen = -1;
    const char *h = eol + 2;
    while (h < end + 2) {
        const char *he = h;
        while (he < end && *he != '\r')
            he++;
        size_t n = (size_t)(he - h);
        const char *colon = memchr(h, ':', n);
        if (!colon || colon == h) {
            snprintf(err, errlen, "malformed HTTP header");
            return -1;
        }
        size_t nl = (size_t)(colon - h);
        const char *v = colon + 1;
        while (v < he && (*v == ' ' || *v == '\t'))
            v++;
        size_t vl = (size_t)(he - v);
        if (nl == 14 && !strncasecmp(h, "Content-Length", 14)) {
            if (vl > 12 || !all_digits(v, vl)) {
                snprintf(err, errlen, "bad Content-Length");
                return -1;
            }
            clen = 0;
            for (size_t i = 0; i < vl; i++)
                clen = clen * 10 + (v[i] - '0');
        } else if (nl == 17 && !strncasecmp(h, "Transfer-Encoding", 17) &&
                   !(vl == 8 && !strncasecmp(v, "identity", 8))) {
            snprintf(err, errlen, "unsupported Transfer-Encoding");
            return -1;
        }
        h = he + 2;
    }
    size_t off = (size_t)(end - buf) + 4, have = len - off;
    if (clen >= 0) {
        if ((unsigned long long)clen > have) {
            snprintf(err, errlen, "body cut short (%zu of %lld bytes)", have, clen);
            return -1;
        }
        have = (size_t)clen;
    }
    *body_off = off;
    *body_len = have;
    return 0;
}

/* ---- the socket ---- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        return r < 0 ? -1 : r;
    }
}

static int dial(const sk_top_url_t *u, long long deadline, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(u->host, u->port, &hints, &res);
    if (gai) {
        snprintf(err, errlen, "%s: %s", u->host, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    snprintf(err, errlen, "no address");
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        int r = connect(fd, a->ai_addr, a->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS) {
            int w = wait_fd(fd, POLLOUT, deadline);
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            if (w <= 0) {
                snprintf(err, errlen, "connect: %s", w == 0 ? "timed out" : strerror(errno));
            } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
                r = 0;
            } else {
                snprintf(err, errlen, "connect: %s", strerror(soerr ? soerr : errno));
            }
        } else if (r < 0) {
            snprintf(err, errlen, "connect: %s", strerror(errno));
        }
        if (r == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

int sk_top_http_get(const sk_top_url_t *u, int timeout_ms, char **body, size_t *len, char *err,
                    size_t errlen)
{
    long long deadline = now_ms() + timeout_ms;
    char *buf = NULL;
    int rc = -1;
    int fd = dial(u, deadline, err, errlen);
    if (fd < 0)
        return -1;
    char req[1200];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: skein-top\r\n"
                     "Accept: text/plain;version=0.0.4\r\nConnection: close\r\n\r\n",
                     u->path, u->text);
    if (n < 0 || (size_t)n >= sizeof(req)) {
        snprintf(err, errlen, "URL too long");
        goto out;
    }
    for (size_t sent = 0; sent < (size_t)n;) {
        ssize_t w = send(fd, req + sent, (size_t)n - sent, MSG_NOSIGNAL);
        if (w > 0) {
            sent += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            snprintf(err, errlen, "send: %s", strerror(errno));
            goto out;
        }
        if (w < 0 && errno == EAGAIN && wait_fd(fd, POLLOUT, deadline) <= 0) {
            snprintf(err, errlen, "send: timed out");
            goto out;
        }
    }
    size_t have = 0, cap = 65536;
    buf = sk_malloc(cap + 1);
    for (;;) {
        if (have == cap) {
            if (cap >= SK_TOP_MAX_BODY) {
                snprintf(err, errlen, "response larger than %u bytes", SK_TOP_MAX_BODY);
                goto out;
            }
            cap = cap * 2 < SK_TOP_MAX_BODY ? cap * 2 : SK_TOP_MAX_BODY;
            buf = sk_realloc(buf, cap + 1);
        }
        ssize_t r = recv(fd, buf + have, cap - have, 0);
        if (r > 0) {
            have += (size_t)r;
            continue;
        }
        if (r == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            snprintf(err, errlen, "recv: %s", strerror(errno));
            goto out;
        }
        int w = wait_fd(fd, POLLIN, deadline);
        if (w <= 0) {
            snprintf(err, errlen, "no answer within %d ms", timeout_ms);
            goto out;
        }
    }
    size_t off, blen;
    if (sk_top_http_response(buf, have, &off, &blen, err, errlen))
        goto out;
    memmove(buf, buf + off, blen);
    buf[blen] = '\0';
    *body = buf;
    *len = blen;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

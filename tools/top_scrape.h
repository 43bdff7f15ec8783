/* top_scrape.h - skein-top's HTTP client: one GET of a broker's /metrics
 * over a plain socket (HTTP/1.0, no keep-alive), with a deadline, and the
 * reading of the answer's status line and headers, which come from the
 * network and are checked like any other untrusted bytes
 * (tests/fuzz/fuzz_prom.c).
 * @locality any (one thread per scrape)
 */
#ifndef SK_TOP_SCRAPE_H
#define SK_TOP_SCRAPE_H
#include <stddef.h>

/* The most a /metrics answer (headers and body) may hold; a 10,000-partition
 * scrape is a few MB. */
#define SK_TOP_MAX_BODY (64u << 20)

typedef struct sk_top_url {
    char *host; /* without brackets for IPv6 */
    char *port;
    char *path; /* "/metrics" unless the URL names one */
    char *text; /* "host:port" as shown (brackets kept) */
} sk_top_url_t;

/* "http://HOST:PORT[/PATH]" or "HOST:PORT[/PATH]" ("[v6addr]" as HOST; no
 * user info, query or https). 0, or -1 with err set. */
int sk_top_url_parse(const char *url, sk_top_url_t *out, char *err, size_t errlen);
void sk_top_url_free(sk_top_url_t *u);

/* An HTTP response in buf[0..len) (the whole of what the server sent
 * before closing): status 200 and a body (Content-Length honoured when
 * present, chunked encoding refused). 0 with body_off and body_len set, or -1
 * with err set ("HTTP 404", "malformed status line", ...). */
int sk_top_http_response(const char *buf, size_t len, size_t *body_off, size_t *body_len,
                         char *err, size_t errlen);

/* GET u within timeout_ms in all (connect, send, read). 0 with *body
 * (malloc'd, NUL-terminated, free()) and *len, or -1 with err set. */
int sk_top_http_get(const sk_top_url_t *u, int timeout_ms, char **body, size_t *len, char *err,
                    size_t errlen);

#endif

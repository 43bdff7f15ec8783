/* fuzz_prom.c - libFuzzer target for what skein-top reads from the network:
 * the Prometheus text format (common/promparse.c, and skein-top's figures
 * built on it, tools/top_view.c), the HTTP answer around it
 * (tools/top_scrape.c) and metrics URLs (--metrics, metrics.listener).
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am); run it with `make fuzz FUZZ_TARGETS=fuzz_prom`.
 * Seeds: tests/fuzz/corpus/fuzz_prom/ (tests/fuzz/make_corpus.py).
 *
 * The first byte picks the parser: 0 the text format, 1 an HTTP response,
 * 2 a URL (and the same as a metrics.listener value). Beyond "no crash, no
 * leak", it checks what holds for every result: samples have valid names
 * and distinct label names within the limit, a refused text says
 * "line N: ..." with N within the input's lines, a failed scrape keeps
 * nothing, and an HTTP body lies inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promparse.h"
#include "top_discover.h"
#include "top_scrape.h"
#include "top_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int valid_name(const char *s, int metric)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (metric && *s == ':')))
            return 0;
    return 1;
}

static int check_sample(const sk_promparse_sample_t *s, void *arg)
{
    (*(size_t *)arg)++;
    if (!valid_name(s->name, 1) || s->n_labels < 0 || s->n_labels > SK_PROMPARSE_MAX_LABELS)
        abort();
    for (int i = 0; i < s->n_labels; i++) {
        if (!valid_name(s->labels[i].name, 0) || !s->labels[i].value)
            abort();
        for (int j = 0; j < i; j++)
            if (!strcmp(s->labels[i].name, s->labels[j].name))
                abort();
        if (sk_promparse_label(s, s->labels[i].name) != s->labels[i].value)
            abort();
    }
    return 0;
}

static void text_format(const char *buf, size_t len)
{
    size_t lines = 1, n = 0;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    char err[160];
    if (sk_promparse(buf, len, check_sample, &n, err, sizeof(err)) != 0) {
        unsigned long line;
        if (sscanf(err, "line %lu: ", &line) != 1 || line < 1 || line > lines)
            abort();
    }
    sk_top_snap_t s;
    memset(&s, 0, sizeof(s));
    if (sk_top_snap_parse(&s, buf, len, err, sizeof(err)) != 0) {
        if (s.n_lags || s.lags || s.leaders || s.bytes_in != 0)
            abort();
    } else {
        for (int i = 0; i < s.n_lags; i++)
            for (const char *c = s.lags[i].group; *c; c++)
                if ((unsigned char)*c < 0x20)
                    abort(); /* a control byte would reach the terminal */
    }
    sk_top_snap_clear(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    char err[256];
    switch (data[0] % 3) {
    case 0:
        text_format(buf, len);
        break;
    case 1: {
        size_t off = 0, blen = 0;
        if (sk_top_http_response(buf, len, &off, &blen, err, sizeof(err)) == 0 &&
            (off > len || blen > len - off))
            abort();
        break;
    }
    default: {
        if (len > 4096)
            return 0;
        char *s = malloc(len + 1);
        memcpy(s, buf, len);
        s[len] = '\0';
        sk_top_url_t u;
        if (sk_top_url_parse(s, &u, err, sizeof(err)) == 0) {
            if (!u.host[0] || !u.port[0] || u.path[0] != '/')
                abort();
            sk_top_url_free(&u);
        }
        char *url = sk_top_listener_url(s, "broker:9092", err, sizeof(err));
        free(url);
        free(s);
        break;
    }
    }
    return 0;
}

/* props.c - Java .properties reader (see props.h). */
#include "props.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kerr.h"
#include "log.h"
#include "mem.h"

/* A growable byte string. */
typedef struct {
    char *p;
    size_t n, cap;
} sbuf_t;

static void sbuf_put(sbuf_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = sk_realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sbuf_putc(sbuf_t *b, char c)
{
    sbuf_put(b, &c, 1);
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\f';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Read 4 hex digits at s[i..]; -1 if not there. */
static long hex4(const char *s, size_t n, size_t i)
{
    if (i + 4 > n)
        return -1;
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hexval(s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static void put_utf8(sbuf_t *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sbuf_put(b, u, n);
}

/* Unescape s[0..n) into a new string. Returns NULL and fills why on error. */
static char *unescape(const char *s, size_t n, const char **why)
{
    sbuf_t b = {0};
    sbuf_put(&b, "", 0);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\\') {
            sbuf_putc(&b, c);
            continue;
        }
        if (++i >= n)
            break; /* a lone backslash at the very end stands for nothing */
        c = s[i];
        switch (c) {
        case 't': sbuf_putc(&b, '\t'); break;
        case 'n': sbuf_putc(&b, '\n'); break;
        case 'r': sbuf_putc(&b, '\r'); break;
        case 'f': sbuf_putc(&b, '\f'); break;
        case 'u': {
            long cp = hex4(s, n, i + 1);
            if (cp < 0) {
                *why = "malformed \\uXXXX escape (need four hex digits)";
                goto fail;
            }
            i += 4;
            if (cp == 0) {
                *why = "\\u0000 (NUL) is not allowed";
                goto fail;
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                *why = "\\u escape is a lone low surrogate";
                goto fail;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = (i + 2 < n && s[i + 1] == '\\' && s[i + 2] == 'u')
                              ? hex4(s, n, i + 3) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    *why = "\\u escape is a high surrogate without a low surrogate";
                    goto fail;
                }
                i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(&b, (uint32_t)cp);
            break;
        }
        default:
            sbuf_putc(&b, c);
            break;
        }
    }
    return b.p;
fail:
    free(b.p);
    return NULL;
}

void sk_props_init(sk_props_t *p)
{
    memset(p, 0, sizeof(*p));
}

void sk_props_free(sk_props_t *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->v[i].key);
        free(p->v[i].value);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

const sk_prop_t *sk_props_get(const sk_props_t *p, const char *key)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->v[i].key, key) == 0)
            return &p->v[i];
    return NULL;
}

/* Add or replace (last one wins). Takes ownership of key and value. */
static void props_put(sk_props_t *p, char *key, char *value, int line, const char *source)
{
    for (int i = 0; i < p->n; i++) {
        if (strcmp(p->v[i].key, key) == 0) {
            sk_warn("conf", "duplicate key '%s' in %s: line %d overrides line %d", key, source,
                    line, p->v[i].line);
            free(p->v[i].value);
            free(key);
            p->v[i].value = value;
            p->v[i].line = line;
            return;
        }
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->v = sk_realloc(p->v, (size_t)p->cap * sizeof(*p->v));
    }
    p->v[p->n++] = (sk_prop_t){key, value, line};
}

/* Does s[0..n) end in an odd number of backslashes? */
static int ends_in_odd_backslashes(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[n - 1 - k] == '\\')
        k++;
    return k % 2 == 1;
}

/* Split one logical line (leading whitespace already gone) into key and value. */
static int parse_entry(sk_props_t *p, const char *s, size_t n, int line, const char *source,
                       char *err, size_t errlen)
{
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (c == '=' || c == ':' || is_ws(c))
            break;
        i++;
    }
    if (i > n)
        i = n;
    size_t klen = i;
    while (i < n && is_ws(s[i]))
        i++;
    if (i < n && (s[i] == '=' || s[i] == ':'))
        i++;
    while (i < n && is_ws(s[i]))
        i++;
    size_t vstart = i, vend = n;
    /* trim trailing whitespace that is not escaped */
    while (vend > vstart && is_ws(s[vend - 1]) && !ends_in_odd_backslashes(s + vstart, vend - 1 - vstart))
        vend--;

    const char *why = NULL;
    char *key = unescape(s, klen, &why);
    if (!key) {
        sk_errf(err, errlen, "%s:%d: %s", source, line, why);
        return SK_EINVAL;
    }
    char *value = unescape(s + vstart, vend - vstart, &why);
    if (!value) {
        free(key);
        sk_errf(err, errlen, "%s:%d: %s", source, line, why);
        return SK_EINVAL;
    }
    props_put(p, key, value, line, source);
    return SK_OK;
}

/* The natural line starting at *pos is [*ls, *le); *pos moves past its
 * terminator (\n, \r\n or \r). */
static void next_line(const char *buf, size_t len, size_t *pos, size_t *ls, size_t *le)
{
    size_t p = *pos, e = *pos;
    while (e < len && buf[e] != '\n' && buf[e] != '\r')
        e++;
    p = e;
    if (p < len && buf[p] == '\r')
        p++;
    if (p < len && buf[p] == '\n' && (p == e || buf[p - 1] == '\r'))
        p++;
    *ls = *pos;
    *le = e;
    *pos = p;
}

int sk_props_parse_buf(sk_props_t *p, const char *buf, size_t len, const char *source,
                       char *err, size_t errlen)
{
    int rc = SK_OK;
    sbuf_t logical = {0};
    size_t pos = 0;
    int lineno = 0;

    if (!source)
        source = "(buffer)";
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;

    while (pos < len) {
        size_t ls, le;
        next_line(buf, len, &pos, &ls, &le);
        lineno++;
        if (le - ls > SK_PROPS_MAX_LINE) {
            sk_errf(err, errlen, "%s:%d: line longer than %d bytes", source, lineno,
                   SK_PROPS_MAX_LINE);
            rc = SK_EINVAL;
            goto out;
        }
        if (memchr(buf + ls, '\0', le - ls)) {
            sk_errf(err, errlen, "%s:%d: NUL byte in file", source, lineno);
            rc = SK_EINVAL;
            goto out;
        }
        while (ls < le && is_ws(buf[ls]))
            ls++;
        if (ls == le || buf[ls] == '#' || buf[ls] == '!')
            continue; /* blank or comment */

        int start_line = lineno;
        logical.n = 0;
        sbuf_put(&logical, buf + ls, le - ls);
        /* continuation lines */
        while (ends_in_odd_backslashes(logical.p, logical.n)) {
            logical.n--; /* drop the continuation backslash */
            logical.p[logical.n] = '\0';
            if (pos >= len)
                break;
            next_line(buf, len, &pos, &ls, &le);
            lineno++;
            if (memchr(buf + ls, '\0', le - ls)) {
                sk_errf(err, errlen, "%s:%d: NUL byte in file", source, lineno);
                rc = SK_EINVAL;
                goto out;
            }
            if (logical.n + (le - ls) > SK_PROPS_MAX_LINE) {
                sk_errf(err, errlen, "%s:%d: line longer than %d bytes", source, start_line,
                       SK_PROPS_MAX_LINE);
                rc = SK_EINVAL;
                goto out;
            }
            while (ls < le && is_ws(buf[ls]))
                ls++;
            sbuf_put(&logical, buf + ls, le - ls);
        }
        rc = parse_entry(p, logical.p, logical.n, start_line, source, err, errlen);
        if (rc != SK_OK)
            goto out;
    }
out:
    free(logical.p);
    if (rc != SK_OK)
        sk_props_free(p);
    return rc;
}

int sk_props_parse_file(sk_props_t *p, const char *path, char *err, size_t errlen)
{
    int rc = SK_EINVAL;
    char *data = NULL;
    size_t n = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sk_errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        sk_errf(err, errlen, "%s: is a directory", path);
        goto out;
    }
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            data = sk_realloc(data, cap);
        }
        ssize_t r = read(fd, data + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            sk_errf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > SK_PROPS_MAX_FILE) {
            sk_errf(err, errlen, "%s: file larger than %d bytes", path, SK_PROPS_MAX_FILE);
            goto out;
        }
    }
    rc = sk_props_parse_buf(p, data ? data : "", n, path, err, errlen);
out:
    if (fd >= 0)
        close(fd);
    free(data);
    return rc;
}

/* console_fmt.c - record printing and line splitting of the console tools
 * (see console_fmt.h). */
#define _GNU_SOURCE /* memmem */
#include "console_fmt.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"
#include "toolopt.h"

/* ---- consumer ------------------------------------------------------------ */

void sk_msgfmt_init(sk_msgfmt_t *f)
{
    memset(f, 0, sizeof(*f));
    f->print_value = 1;
    f->key_separator = sk_strdup("\t");
    f->line_separator = sk_strdup("\n");
    f->headers_separator = sk_strdup(",");
    f->null_literal = sk_strdup("null");
}

void sk_msgfmt_clear(sk_msgfmt_t *f)
{
    free(f->key_separator);
    free(f->line_separator);
    free(f->headers_separator);
    free(f->null_literal);
    memset(f, 0, sizeof(*f));
}

static void replace_str(char **slot, const char *value)
{
    free(*slot);
    *slot = sk_strdup(value);
}

int sk_msgfmt_set(sk_msgfmt_t *f, const char *key, const char *value, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        size_t off;
    } flags[] = {
        {"print.timestamp", offsetof(sk_msgfmt_t, print_timestamp)},
        {"print.partition", offsetof(sk_msgfmt_t, print_partition)},
        {"print.offset", offsetof(sk_msgfmt_t, print_offset)},
        {"print.headers", offsetof(sk_msgfmt_t, print_headers)},
        {"print.key", offsetof(sk_msgfmt_t, print_key)},
        {"print.value", offsetof(sk_msgfmt_t, print_value)},
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (strcmp(key, flags[i].name) != 0)
            continue;
        char e[128];
        if (sk_topt_bool(value, (int *)((char *)f + flags[i].off), e, sizeof(e)) != SK_OK) {
            snprintf(err, errlen, "--property %s: %s", key, e);
            return SK_EINVAL;
        }
        return SK_OK;
    }
    if (strcmp(key, "key.separator") == 0)
        replace_str(&f->key_separator, value);
    else if (strcmp(key, "line.separator") == 0)
        replace_str(&f->line_separator, value);
    else if (strcmp(key, "headers.separator") == 0)
        replace_str(&f->headers_separator, value);
    else if (strcmp(key, "null.literal") == 0)
        replace_str(&f->null_literal, value);
    else {
        snprintf(err, errlen, "unknown --property '%s' (the consumer knows print.timestamp, "
                              "print.partition, print.offset, print.headers, print.key, "
                              "print.value, key.separator, line.separator, headers.separator, "
                              "null.literal)", key);
        return SK_EINVAL;
    }
    return SK_OK;
}

static void put_bytes(const sk_msgfmt_t *f, const void *p, ssize_t len, FILE *out)
{
    if (len < 0)
        fputs(f->null_literal, out);
    else if (len > 0)
        fwrite(p, 1, (size_t)len, out);
}

void sk_msgfmt_write(const sk_msgfmt_t *f, const sk_msgview_t *m, FILE *out)
{
    /* a field is followed by the key separator if a later field is printed */
    int later_after_ts = f->print_partition || f->print_offset || f->print_headers ||
                         f->print_key || f->print_value;
    int later_after_part = f->print_offset || f->print_headers || f->print_key || f->print_value;
    int later_after_off = f->print_headers || f->print_key || f->print_value;
    int later_after_hdr = f->print_key || f->print_value;
    if (f->print_timestamp) {
        if (m->ts_type == SK_TS_CREATE_TIME)
            fprintf(out, "CreateTime:%" PRId64, m->timestamp);
        else if (m->ts_type == SK_TS_LOG_APPEND_TIME)
            fprintf(out, "LogAppendTime:%" PRId64, m->timestamp);
        else
            fputs("NO_TIMESTAMP", out);
        fputs(later_after_ts ? f->key_separator : f->line_separator, out);
    }
    if (f->print_partition) {
        fprintf(out, "Partition:%d", (int)m->partition);
        fputs(later_after_part ? f->key_separator : f->line_separator, out);
    }
    if (f->print_offset) {
        fprintf(out, "Offset:%" PRId64, m->offset);
        fputs(later_after_off ? f->key_separator : f->line_separator, out);
    }
    if (f->print_headers) {
        if (m->n_headers == 0)
            fputs("NO_HEADERS", out);
        for (int i = 0; i < m->n_headers; i++) {
            if (i)
                fputs(f->headers_separator, out);
            fwrite(m->headers[i].name, 1, m->headers[i].name_len, out);
            fputc(':', out);
            put_bytes(f, m->headers[i].value, m->headers[i].value_len, out);
        }
        fputs(later_after_hdr ? f->key_separator : f->line_separator, out);
    }
    if (f->print_key) {
        put_bytes(f, m->key, m->key_len, out);
        fputs(f->print_value ? f->key_separator : f->line_separator, out);
    }
    if (f->print_value) {
        put_bytes(f, m->value, m->value_len, out);
        fputs(f->line_separator, out);
    }
}

/* ---- producer ------------------------------------------------------------ */

void sk_linereader_init(sk_linereader_t *r)
{
    memset(r, 0, sizeof(*r));
    r->key_separator = sk_strdup("\t");
    r->headers_delimiter = sk_strdup("\t");
    r->headers_separator = sk_strdup(",");
    r->headers_key_separator = sk_strdup(":");
}

void sk_linereader_clear(sk_linereader_t *r)
{
    free(r->key_separator);
    free(r->headers_delimiter);
    free(r->headers_separator);
    free(r->headers_key_separator);
    free(r->null_marker);
    memset(r, 0, sizeof(*r));
}

int sk_linereader_set(sk_linereader_t *r, const char *key, const char *value, char *err,
                      size_t errlen)
{
    int *flag = strcmp(key, "parse.key") == 0       ? &r->parse_key
                : strcmp(key, "parse.headers") == 0 ? &r->parse_headers
                : strcmp(key, "ignore.error") == 0  ? &r->ignore_error
                                                    : NULL;
    if (flag) {
        char e[128];
        if (sk_topt_bool(value, flag, e, sizeof(e)) != SK_OK) {
            snprintf(err, errlen, "--property %s: %s", key, e);
            return SK_EINVAL;
        }
        return SK_OK;
    }
    if (strcmp(key, "key.separator") == 0)
        replace_str(&r->key_separator, value);
    else if (strcmp(key, "headers.delimiter") == 0)
        replace_str(&r->headers_delimiter, value);
    else if (strcmp(key, "headers.separator") == 0)
        replace_str(&r->headers_separator, value);
    else if (strcmp(key, "headers.key.separator") == 0)
        replace_str(&r->headers_key_separator, value);
    else if (strcmp(key, "null.marker") == 0)
        replace_str(&r->null_marker, value);
    else {
        snprintf(err, errlen, "unknown --property '%s' (the producer knows parse.key, "
                              "key.separator, parse.headers, headers.delimiter, "
                              "headers.separator, headers.key.separator, null.marker, "
                              "ignore.error)", key);
        return SK_EINVAL;
    }
    return SK_OK;
}

int sk_linereader_check(const sk_linereader_t *r, char *err, size_t errlen)
{
    const struct {
        const char *name;
        const char *v;
    } seps[] = {{"key.separator", r->key_separator},
                {"headers.delimiter", r->headers_delimiter},
                {"headers.separator", r->headers_separator},
                {"headers.key.separator", r->headers_key_separator}};
    for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
        if (!*seps[i].v) {
            snprintf(err, errlen, "%s may not be empty", seps[i].name);
            return SK_EINVAL;
        }
        if (r->null_marker && strcmp(r->null_marker, seps[i].v) == 0) {
            snprintf(err, errlen, "null.marker and %s may not be equal", seps[i].name);
            return SK_EINVAL;
        }
    }
    if (r->null_marker && !*r->null_marker) {
        snprintf(err, errlen, "null.marker may not be empty");
        return SK_EINVAL;
    }
    if (r->parse_headers && strcmp(r->headers_separator, r->headers_key_separator) == 0) {
        snprintf(err, errlen, "headers.separator and headers.key.separator may not be equal");
        return SK_EINVAL;
    }
    return SK_OK;
}

static int is_null_marker(const sk_linereader_t *r, const char *p, size_t n)
{
    return r->null_marker && strlen(r->null_marker) == n && memcmp(r->null_marker, p, n) == 0;
}

static void line_error(const char *what, const char *line, size_t len, long lineno, char *err,
                       size_t errlen)
{
    int shown = len > 200 ? 200 : (int)len;
    snprintf(err, errlen, "No %s found on line number %ld: '%.*s%s'", what, lineno, shown, line,
             len > 200 ? "..." : "");
}

static void add_header(sk_lineparsed_t *p, const char *name, size_t name_len, const char *value,
                       size_t value_len)
{
    if (p->n_headers == p->cap_headers) {
        p->cap_headers = p->cap_headers ? p->cap_headers * 2 : 4;
        p->headers = sk_realloc(p->headers, (size_t)p->cap_headers * sizeof(*p->headers));
    }
    sk_lineheader_t *h = &p->headers[p->n_headers++];
    h->name = name;
    h->name_len = name_len;
    h->value = value;
    h->value_len = value_len;
}

/* Split the headers part. Like Java's String.split: an empty part gives one
 * empty pair, trailing empty pairs are dropped. */
static int split_headers(const sk_linereader_t *r, const char *s, size_t len, long lineno,
                         sk_lineparsed_t *out, char *err, size_t errlen)
{
    size_t sep_len = strlen(r->headers_separator);
    size_t ksep_len = strlen(r->headers_key_separator);
    /* find the end after dropping trailing empty pairs */
    size_t end = len;
    while (end >= sep_len && end > 0 &&
           memcmp(s + end - sep_len, r->headers_separator, sep_len) == 0)
        end -= sep_len;
    if (len > 0 && end == 0)
        return SK_OK; /* only separators: no pairs */
    size_t pos = 0;
    for (;;) {
        const char *sep = end > pos ? memmem(s + pos, end - pos, r->headers_separator, sep_len)
                                    : NULL;
        size_t pair_end = sep ? (size_t)(sep - s) : end;
        const char *pair = s + pos;
        size_t pair_len = pair_end - pos;
        const char *ks = pair_len ? memmem(pair, pair_len, r->headers_key_separator, ksep_len)
                                  : NULL;
        if (!ks) {
            if (!r->ignore_error) {
                int shown = pair_len > 200 ? 200 : (int)pair_len;
                snprintf(err, errlen, "No header key separator found in pair '%.*s' on line "
                                      "number %ld", shown, pair, lineno);
                return SK_EINVAL;
            }
            add_header(out, pair, pair_len, NULL, 0);
        } else {
            size_t name_len = (size_t)(ks - pair);
            if (is_null_marker(r, pair, name_len)) {
                snprintf(err, errlen, "Header keys should not be equal to the null marker '%s' "
                                      "as they can't be null", r->null_marker);
                return SK_EINVAL;
            }
            const char *v = ks + ksep_len;
            size_t v_len = pair_len - name_len - ksep_len;
            if (is_null_marker(r, v, v_len))
                add_header(out, pair, name_len, NULL, 0);
            else
                add_header(out, pair, name_len, v, v_len);
        }
        if (!sep)
            break;
        pos = pair_end + sep_len;
    }
    return SK_OK;
}

int sk_linereader_parse(const sk_linereader_t *r, const char *line, size_t len, long lineno,
                        sk_lineparsed_t *out, char *err, size_t errlen)
{
    out->n_headers = 0;
    out->key = NULL;
    out->key_len = 0;
    out->value = NULL;
    out->value_len = 0;
    size_t pos = 0;
    if (r->parse_headers) {
        size_t dl = strlen(r->headers_delimiter);
        const char *d = memmem(line, len, r->headers_delimiter, dl);
        if (!d) {
            if (!r->ignore_error) {
                line_error("headers delimiter", line, len, lineno, err, errlen);
                return SK_EINVAL;
            }
        } else {
            size_t hl = (size_t)(d - line);
            if (!is_null_marker(r, line, hl)) {
                int rc = split_headers(r, line, hl, lineno, out, err, errlen);
                if (rc != SK_OK)
                    return rc;
            }
            pos = hl + dl;
        }
    }
    if (r->parse_key) {
        size_t kl = strlen(r->key_separator);
        const char *k = memmem(line + pos, len - pos, r->key_separator, kl);
        if (!k) {
            if (!r->ignore_error) {
                line_error("key separator", line, len, lineno, err, errlen);
                return SK_EINVAL;
            }
        } else {
            size_t key_len = (size_t)(k - (line + pos));
            if (!is_null_marker(r, line + pos, key_len)) {
                out->key = line + pos;
                out->key_len = key_len;
            }
            pos += key_len + kl;
        }
    }
    if (!is_null_marker(r, line + pos, len - pos)) {
        out->value = line + pos;
        out->value_len = len - pos;
    }
    return SK_OK;
}

void sk_lineparsed_clear(sk_lineparsed_t *p)
{
    free(p->headers);
    memset(p, 0, sizeof(*p));
}

/* checkpoint.c - offset checkpoint files and meta.properties. */
#include "storage/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kerr.h"
#include "mem.h"

void sk_ckpt_init(sk_ckpt_t *c)
{
    c->e = NULL;
    c->n = c->cap = 0;
}

void sk_ckpt_free(sk_ckpt_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->e[i].topic);
    free(c->e);
    sk_ckpt_init(c);
}

static void ckpt_add_owned(sk_ckpt_t *c, char *topic, int32_t partition, int64_t offset)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->e = sk_realloc(c->e, c->cap * sizeof(*c->e));
    }
    c->e[c->n++] = (sk_ckpt_entry_t){topic, partition, offset};
}

void sk_ckpt_add(sk_ckpt_t *c, const char *topic, int32_t partition, int64_t offset)
{
    ckpt_add_owned(c, sk_strdup(topic), partition, offset);
}

int sk_ckpt_parse_i64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (n && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == n || n - i > 19)
        return -1;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX)
        return -1;
    int64_t r = neg ? -(int64_t)v : (int64_t)v;
    if (r < min || r > max)
        return -1;
    *out = r;
    return 0;
}

int sk_ckpt_next_line(const char **p, const char *end, const char **ls, size_t *ll)
{
    if (*p >= end)
        return 0;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    *ls = *p;
    *ll = (size_t)((nl ? nl : end) - *p);
    *p = nl ? nl + 1 : end;
    return 1;
}

int sk_ckpt_parse(const char *text, size_t len, sk_ckpt_t *out, char *err, size_t errlen)
{
    sk_ckpt_init(out);
    const char *p = text, *end = text + len, *ls;
    size_t ll;
    int64_t v, count;
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "NUL byte in checkpoint");
        goto bad;
    }
    if (!sk_ckpt_next_line(&p, end, &ls, &ll) || sk_ckpt_parse_i64(ls, ll, 0, 0, &v) != 0) {
        snprintf(err, errlen, "line 1: expected version 0");
        goto bad;
    }
    if (!sk_ckpt_next_line(&p, end, &ls, &ll) ||
        sk_ckpt_parse_i64(ls, ll, 0, 100000000, &count) != 0) {
        snprintf(err, errlen, "line 2: expected an entry count");
        goto bad;
    }
    for (int64_t i = 0; i < count; i++) {
        if (!sk_ckpt_next_line(&p, end, &ls, &ll)) {
            snprintf(err, errlen, "expected %" PRId64 " entries, found %" PRId64, count, i);
            goto bad;
        }
        const char *s1 = memchr(ls, ' ', ll);
        const char *s2 = s1 ? memchr(s1 + 1, ' ', (size_t)(ls + ll - s1 - 1)) : NULL;
        int64_t part, off;
        if (!s1 || !s2 || s1 == ls || memchr(s2 + 1, ' ', (size_t)(ls + ll - s2 - 1)) ||
            sk_ckpt_parse_i64(s1 + 1, (size_t)(s2 - s1 - 1), 0, INT32_MAX, &part) != 0 ||
            sk_ckpt_parse_i64(s2 + 1, (size_t)(ls + ll - s2 - 1), -1, INT64_MAX, &off) != 0) {
            snprintf(err, errlen, "line %" PRId64 ": expected '<topic> <partition> <offset>'",
                     i + 3);
            goto bad;
        }
        ckpt_add_owned(out, sk_strndup(ls, (size_t)(s1 - ls)), (int32_t)part, off);
    }
    while (sk_ckpt_next_line(&p, end, &ls, &ll)) {
        if (ll != 0) {
            snprintf(err, errlen, "unexpected data after %" PRId64 " entries", count);
            goto bad;
        }
    }
    return SK_OK;
bad:
    sk_ckpt_free(out);
    return SK_EPARSE;
}

char *sk_ckpt_format(const sk_ckpt_t *c, size_t *len)
{
    size_t cap = 32, n = 0;
    for (size_t i = 0; i < c->n; i++)
        cap += strlen(c->e[i].topic) + 34;
    char *buf = sk_malloc(cap);
    n += (size_t)snprintf(buf + n, cap - n, "0\n%zu\n", c->n);
    for (size_t i = 0; i < c->n; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s %" PRId32 " %" PRId64 "\n", c->e[i].topic,
                              c->e[i].partition, c->e[i].offset);
    if (len)
        *len = n;
    return buf;
}

int sk_file_read_small(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? SK_ENOENT : SK_EIO;
    struct stat st;
    int rc = SK_OK;
    char *buf = NULL;
    if (fstat(fd, &st) < 0) {
        rc = SK_EIO;
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        rc = SK_ETOOBIG;
        goto out;
    }
    buf = sk_malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

int sk_file_parse(const char *path, size_t max, const char *what, sk_text_parse_fn parse,
                  void *ctx, char *err, size_t errlen)
{
    char *text;
    size_t len;
    int rc = sk_file_read_small(path, max, &text, &len);
    if (rc == SK_ENOENT)
        return rc;
    if (rc != SK_OK) {
        snprintf(err, errlen, "cannot read %s: %s", path,
                 rc == SK_ETOOBIG ? "file too large" : strerror(errno));
        return rc;
    }
    char why[200];
    rc = parse(text, len, ctx, why, sizeof(why));
    if (rc != SK_OK)
        snprintf(err, errlen, "malformed %s%s: %s", what, path, why);
    free(text);
    return rc;
}

static int ckpt_parse_cb(const char *text, size_t len, void *ctx, char *why, size_t whylen)
{
    return sk_ckpt_parse(text, len, ctx, why, whylen);
}

int sk_ckpt_read_file(const char *path, sk_ckpt_t *out, char *err, size_t errlen)
{
    sk_ckpt_init(out);
    return sk_file_parse(path, 256u << 20, "checkpoint file ", ckpt_parse_cb, out, err, errlen);
}

/* ---- meta.properties ---- */

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t' || **s == '\r')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

int sk_meta_parse(const char *text, size_t len, sk_meta_props_t *out, char *err, size_t errlen)
{
    out->version = -1;
    out->broker_id = -1;
    out->cluster_id = NULL;
    const char *p = text, *end = text + len, *ls;
    size_t ll;
    int lineno = 0;
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "NUL byte in meta.properties");
        goto bad;
    }
    while (sk_ckpt_next_line(&p, end, &ls, &ll)) {
        lineno++;
        trim(&ls, &ll);
        if (ll == 0 || ls[0] == '#' || ls[0] == '!')
            continue;
        const char *eq = memchr(ls, '=', ll);
        if (!eq) {
            snprintf(err, errlen, "line %d: expected key=value", lineno);
            goto bad;
        }
        const char *k = ls, *v = eq + 1;
        size_t kl = (size_t)(eq - ls), vl = ll - kl - 1;
        trim(&k, &kl);
        trim(&v, &vl);
        int64_t n;
        if (kl == 7 && !memcmp(k, "version", 7)) {
            if (sk_ckpt_parse_i64(v, vl, 0, 1000, &n) != 0) {
                snprintf(err, errlen, "line %d: bad version", lineno);
                goto bad;
            }
            out->version = (int)n;
        } else if (kl == 9 && !memcmp(k, "broker.id", 9)) {
            if (sk_ckpt_parse_i64(v, vl, 0, INT32_MAX, &n) != 0) {
                snprintf(err, errlen, "line %d: bad broker.id", lineno);
                goto bad;
            }
            out->broker_id = (int32_t)n;
        } else if (kl == 10 && !memcmp(k, "cluster.id", 10)) {
            if (vl == 0) {
                snprintf(err, errlen, "line %d: empty cluster.id", lineno);
                goto bad;
            }
            free(out->cluster_id);
            out->cluster_id = sk_strndup(v, vl);
        }
    }
    if (out->version != 0) {
        snprintf(err, errlen, out->version < 0 ? "no version" : "unsupported version %d (need 0)",
                 out->version);
        goto bad;
    }
    if (out->broker_id < 0) {
        snprintf(err, errlen, "no broker.id");
        goto bad;
    }
    return SK_OK;
bad:
    sk_meta_free(out);
    return SK_EPARSE;
}

char *sk_meta_format(const sk_meta_props_t *m)
{
    if (m->cluster_id)
        return sk_asprintf("#\n# written by skein\nversion=0\nbroker.id=%" PRId32
                           "\ncluster.id=%s\n", m->broker_id, m->cluster_id);
    return sk_asprintf("#\n# written by skein\nversion=0\nbroker.id=%" PRId32 "\n", m->broker_id);
}

void sk_meta_free(sk_meta_props_t *m)
{
    free(m->cluster_id);
    m->cluster_id = NULL;
}

static int meta_parse_cb(const char *text, size_t len, void *ctx, char *why, size_t whylen)
{
    return sk_meta_parse(text, len, ctx, why, whylen);
}

int sk_meta_read_file(const char *path, sk_meta_props_t *out, char *err, size_t errlen)
{
    out->cluster_id = NULL;
    return sk_file_parse(path, 1u << 20, "", meta_parse_cb, out, err, errlen);
}

/* ---- partition.metadata ---- */

static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int sk_topic_id_valid(const char *id, size_t len)
{
    if (len != SK_TOPIC_ID_LEN)
        return 0;
    int nonzero = 0, v = 0;
    for (size_t i = 0; i < len; i++) {
        if ((v = b64url_value(id[i])) < 0)
            return 0;
        nonzero |= v;
    }
    /* 22 chars carry 132 bits: the last 4 must be zero for 16 bytes */
    return (v & 0x0f) == 0 && nonzero;
}

/* "<key>:<spaces><value>" with trailing blanks and a CR trimmed. */
static int kv_line(const char *ls, size_t ll, const char *key, const char **v, size_t *vl)
{
    size_t kl = strlen(key), i = kl + 1;
    if (ll <= i || memcmp(ls, key, kl) != 0 || ls[kl] != ':' || (ls[i] != ' ' && ls[i] != '\t'))
        return -1;
    while (i < ll && (ls[i] == ' ' || ls[i] == '\t'))
        i++;
    size_t n = ll - i;
    while (n && (ls[i + n - 1] == ' ' || ls[i + n - 1] == '\t' || ls[i + n - 1] == '\r'))
        n--;
    *v = ls + i;
    *vl = n;
    return n ? 0 : -1;
}

int sk_partmeta_parse(const char *text, size_t len, char id[SK_TOPIC_ID_LEN + 1], char *err,
                      size_t errlen)
{
    const char *p = text, *end = text + len, *ls, *v;
    size_t ll, vl;
    int64_t version;
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "NUL byte in partition metadata");
        return SK_EPARSE;
    }
    if (!sk_ckpt_next_line(&p, end, &ls, &ll) || kv_line(ls, ll, "version", &v, &vl) != 0 ||
        sk_ckpt_parse_i64(v, vl, 0, INT32_MAX, &version) != 0) {
        snprintf(err, errlen, "line 1: expected 'version: 0'");
        return SK_EPARSE;
    }
    if (version != 0) {
        snprintf(err, errlen, "unsupported version %" PRId64 " (need 0)", version);
        return SK_EPARSE;
    }
    if (!sk_ckpt_next_line(&p, end, &ls, &ll) || kv_line(ls, ll, "topic_id", &v, &vl) != 0) {
        snprintf(err, errlen, "line 2: expected 'topic_id: <id>'");
        return SK_EPARSE;
    }
    if (!sk_topic_id_valid(v, vl)) {
        snprintf(err, errlen, "line 2: '%.*s' is not a topic id (22 base64url characters)",
                 (int)(vl > 40 ? 40 : vl), v);
        return SK_EPARSE;
    }
    while (sk_ckpt_next_line(&p, end, &ls, &ll)) {
        if (ll != 0 && !(ll == 1 && ls[0] == '\r')) {
            snprintf(err, errlen, "unexpected data after the topic id");
            return SK_EPARSE;
        }
    }
    memcpy(id, v, SK_TOPIC_ID_LEN);
    id[SK_TOPIC_ID_LEN] = '\0';
    return SK_OK;
}

char *sk_partmeta_format(const char *topic_id)
{
    return sk_asprintf("version: 0\ntopic_id: %s\n", topic_id);
}

static int partmeta_parse_cb(const char *text, size_t len, void *ctx, char *why, size_t whylen)
{
    return sk_partmeta_parse(text, len, ctx, why, whylen);
}

int sk_partmeta_read_file(const char *path, char id[SK_TOPIC_ID_LEN + 1], char *err,
                          size_t errlen)
{
    return sk_file_parse(path, 1u << 16, "", partmeta_parse_cb, id, err, errlen);
}

/* ---- atomic replace ---- */

int sk_file_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    char *tmp = sk_asprintf("%s.tmp", path);
    char *dcopy = sk_strdup(path);
    int rc = SK_EIO, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, (const char *)data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "cannot write %s: %s", tmp, w < 0 ? strerror(errno) : "short write");
            close(fd);
            unlink(tmp);
            goto out;
        }
        done += (size_t)w;
    }
    int frc = fsync(fd);
    int ferr = errno;
    if (close(fd) < 0 && frc == 0) {
        frc = -1;
        ferr = errno;
    }
    if (frc < 0) {
        snprintf(err, errlen, "cannot flush %s: %s", tmp, strerror(ferr));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) < 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    rc = SK_OK;
out:
    free(tmp);
    free(dcopy);
    return rc;
}

/* sasl_plain.c - SASL PLAIN messages and Kafka's JAAS line (see sasl_plain.h). */
#include "sasl_plain.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kerr.h"
#include "mem.h"

int sk_sasl_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t more;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            more = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            more = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            more = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i - 1 < more)
            return 0;
        for (size_t k = 1; k <= more; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += more + 1;
    }
    return 1;
}

/* ---- PLAIN ---- */

static int plain_field(const uint8_t *p, size_t n, char *dst, const char *what, char *err,
                       size_t errlen)
{
    if (n > SK_SASL_PLAIN_FIELD_MAX) {
        sk_errf(err, errlen, "%s longer than %d bytes", what, SK_SASL_PLAIN_FIELD_MAX);
        return SK_EPARSE;
    }
    if (!sk_sasl_utf8_valid(p, n)) {
        sk_errf(err, errlen, "%s is not UTF-8", what);
        return SK_EPARSE;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
    return SK_OK;
}

int sk_sasl_plain_parse(const uint8_t *msg, size_t len, sk_sasl_plain_t *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!msg && len)
        return SK_EPARSE;
    /* Find the two separators; a third NUL is an error (a NUL can never be
     * part of a field). */
    size_t sep[2];
    int nsep = 0;
    for (size_t i = 0; i < len; i++) {
        if (msg[i] != '\0')
            continue;
        if (nsep == 2) {
            sk_errf(err, errlen, "Invalid SASL/PLAIN response: more than two NUL separators");
            return SK_EPARSE;
        }
        sep[nsep++] = i;
    }
    if (nsep != 2) {
        sk_errf(err, errlen, "Invalid SASL/PLAIN response: expected 3 tokens, got %d", nsep + 1);
        return SK_EPARSE;
    }
    int rc = plain_field(msg, sep[0], out->authzid, "authorization id", err, errlen);
    if (rc == SK_OK)
        rc = plain_field(msg + sep[0] + 1, sep[1] - sep[0] - 1, out->user, "username", err,
                         errlen);
    if (rc == SK_OK)
        rc = plain_field(msg + sep[1] + 1, len - sep[1] - 1, out->password, "password", err,
                         errlen);
    if (rc != SK_OK)
        goto fail;
    if (out->user[0] == '\0') {
        sk_errf(err, errlen, "Authentication failed: username not specified");
        goto fail;
    }
    if (out->password[0] == '\0') {
        sk_errf(err, errlen, "Authentication failed: password not specified");
        goto fail;
    }
    if (out->authzid[0] != '\0' && strcmp(out->authzid, out->user) != 0) {
        sk_errf(err, errlen,
               "Authentication failed: Client requested an authorization id that is different "
               "from username");
        goto fail;
    }
    return SK_OK;
fail:
    sk_sasl_plain_wipe(out);
    return SK_EPARSE;
}

void sk_sasl_plain_wipe(sk_sasl_plain_t *p)
{
    OPENSSL_cleanse(p->password, sizeof(p->password));
}

int sk_sasl_plain_check(const sk_jaas_t *users, const uint8_t *msg, size_t len, char *user,
                        size_t userlen, char *err, size_t errlen)
{
    sk_sasl_plain_t p;
    if (user && userlen)
        user[0] = '\0';
    int rc = sk_sasl_plain_parse(msg, len, &p, err, errlen);
    if (rc != SK_OK)
        return rc;
    if (user && userlen)
        snprintf(user, userlen, "%s", p.user);
    const char *want = users ? sk_jaas_user_password(users, p.user) : NULL;
    /* Compare the same number of bytes whether or not the user exists, so
     * timing does not tell which users do. */
    size_t plen = strlen(p.password);
    int ok = 0;
    if (want) {
        size_t wlen = strlen(want);
        ok = (wlen == plen) && CRYPTO_memcmp(want, p.password, plen) == 0;
    } else {
        (void)CRYPTO_memcmp(p.password, p.password, plen);
    }
    sk_sasl_plain_wipe(&p);
    if (!ok) {
        sk_errf(err, errlen, "Authentication failed: Invalid username or password");
        return SK_EINVAL;
    }
    return SK_OK;
}

/* ---- JAAS ---- */

typedef struct {
    const char *s;
    size_t pos;
    char *err;
    size_t errlen;
} jrd_t;

/* Skip white space and comments. SK_EPARSE on an unterminated comment. */
static int j_skip(jrd_t *r)
{
    for (;;) {
        const char *s = r->s + r->pos;
        if (*s && isspace((unsigned char)*s)) {
            r->pos++;
        } else if (s[0] == '/' && s[1] == '/') {
            while (r->s[r->pos] && r->s[r->pos] != '\n' && r->s[r->pos] != '\r')
                r->pos++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            if (!e) {
                sk_errf(r->err, r->errlen, "unterminated comment at offset %zu", r->pos);
                return SK_EPARSE;
            }
            r->pos = (size_t)(e + 2 - r->s);
        } else {
            return SK_OK;
        }
    }
}

static int j_wordchar(int c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '$' || c == '.';
}

/* A bare word at the cursor (after j_skip), or NULL if there is none. */
static char *j_word(jrd_t *r)
{
    size_t b = r->pos;
    while (j_wordchar((unsigned char)r->s[r->pos]))
        r->pos++;
    if (r->pos == b)
        return NULL;
    return sk_strndup(r->s + b, r->pos - b);
}

/* A "quoted" value with backslash escapes; the cursor is on the quote. */
static char *j_quoted(jrd_t *r)
{
    size_t start = r->pos++;
    size_t cap = 16, n = 0;
    char *v = sk_malloc(cap);
    for (;;) {
        char c = r->s[r->pos];
        if (c == '\0' || c == '\n' || c == '\r') {
            sk_errf(r->err, r->errlen, "unterminated quoted value at offset %zu", start);
            free(v);
            return NULL;
        }
        r->pos++;
        if (c == '"')
            break;
        if (c == '\\') {
            char e = r->s[r->pos];
            if (e == '\0') {
                sk_errf(r->err, r->errlen, "unterminated quoted value at offset %zu", start);
                free(v);
                return NULL;
            }
            r->pos++;
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        }
        if (n + 2 > cap)
            v = sk_realloc(v, cap *= 2);
        v[n++] = c;
    }
    v[n] = '\0';
    return v;
}

void sk_jaas_free(sk_jaas_t *j)
{
    if (!j)
        return;
    free(j->login_module);
    free(j->flag);
    for (int i = 0; i < j->n_opts; i++) {
        free(j->opts[i].name);
        if (j->opts[i].value) {
            OPENSSL_cleanse(j->opts[i].value, strlen(j->opts[i].value));
            free(j->opts[i].value);
        }
    }
    free(j->opts);
    memset(j, 0, sizeof(*j));
}

static int j_flag(const char *w)
{
    static const char *const flags[] = {"required", "requisite", "sufficient", "optional"};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (strcasecmp(w, flags[i]) == 0)
            return (int)i;
    return -1;
}

int sk_jaas_parse(const char *text, sk_jaas_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    jrd_t r = {text ? text : "", 0, err, errlen};
    char *name = NULL, *value = NULL;
    int rc = SK_EPARSE;
    if (strlen(r.s) > SK_JAAS_MAX) {
        sk_errf(err, errlen, "JAAS config longer than %d bytes", SK_JAAS_MAX);
        goto out;
    }
    if (j_skip(&r) != SK_OK)
        goto out;
    out->login_module = j_word(&r);
    if (!out->login_module) {
        sk_errf(err, errlen, "%s", r.s[r.pos] ? "login module class name expected"
                                             : "JAAS config has no login module");
        goto out;
    }
    if (j_skip(&r) != SK_OK)
        goto out;
    out->flag = j_word(&r);
    int f = out->flag ? j_flag(out->flag) : -1;
    if (f < 0) {
        sk_errf(err, errlen,
               "login module %s: control flag (required, requisite, sufficient or optional) "
               "expected at offset %zu",
               out->login_module, r.pos);
        goto out;
    }
    for (char *p = out->flag; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    for (;;) {
        if (j_skip(&r) != SK_OK)
            goto out;
        if (r.s[r.pos] == ';')
            break;
        if (r.s[r.pos] == '\0') {
            sk_errf(err, errlen, "login module %s: missing ';' at the end", out->login_module);
            goto out;
        }
        name = j_word(&r);
        if (!name) {
            sk_errf(err, errlen, "option name expected at offset %zu", r.pos);
            goto out;
        }
        if (j_skip(&r) != SK_OK)
            goto out;
        if (r.s[r.pos] != '=') {
            sk_errf(err, errlen, "option %s: '=' expected at offset %zu", name, r.pos);
            goto out;
        }
        r.pos++;
        if (j_skip(&r) != SK_OK)
            goto out;
        value = r.s[r.pos] == '"' ? j_quoted(&r) : j_word(&r);
        if (!value) {
            if (r.s[r.pos] != '"')
                sk_errf(err, errlen, "option %s: value expected at offset %zu", name, r.pos);
            goto out;
        }
        if (sk_jaas_opt(out, name)) {
            sk_errf(err, errlen, "option %s given twice", name);
            goto out;
        }
        out->opts = sk_realloc(out->opts, (size_t)(out->n_opts + 1) * sizeof(*out->opts));
        out->opts[out->n_opts].name = name;
        out->opts[out->n_opts].value = value;
        out->n_opts++;
        name = value = NULL;
    }
    r.pos++; /* ';' */
    if (j_skip(&r) != SK_OK)
        goto out;
    if (r.s[r.pos] != '\0') {
        sk_errf(err, errlen, "JAAS config holds more than one login module (should be 1)");
        goto out;
    }
    rc = SK_OK;
out:
    free(name);
    if (value) {
        OPENSSL_cleanse(value, strlen(value));
        free(value);
    }
    if (rc != SK_OK)
        sk_jaas_free(out);
    return rc;
}

const char *sk_jaas_opt(const sk_jaas_t *j, const char *name)
{
    for (int i = 0; j && i < j->n_opts; i++)
        if (strcmp(j->opts[i].name, name) == 0)
            return j->opts[i].value;
    return NULL;
}

const char *sk_jaas_user_password(const sk_jaas_t *j, const char *user)
{
    for (int i = 0; j && i < j->n_opts; i++)
        if (strncmp(j->opts[i].name, "user_", 5) == 0 && j->opts[i].name[5] != '\0' &&
            strcmp(j->opts[i].name + 5, user) == 0)
            return j->opts[i].value;
    return NULL;
}

int sk_jaas_user_count(const sk_jaas_t *j)
{
    int n = 0;
    for (int i = 0; j && i < j->n_opts; i++)
        if (strncmp(j->opts[i].name, "user_", 5) == 0 && j->opts[i].name[5] != '\0')
            n++;
    return n;
}

/* toolopt.c - command-line helpers for the tools (see toolopt.h). */
#include "toolopt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kerr.h"
#include "mem.h"

int sk_topt_int(const char *s, long long lo, long long hi, long long *out, char *err,
                size_t errlen)
{
    if (!s || !*s) {
        snprintf(err, errlen, "empty number");
        return SK_EINVAL;
    }
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (*p < '0' || *p > '9') {
        snprintf(err, errlen, "'%s' is not a number", s);
        return SK_EINVAL;
    }
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0') {
        snprintf(err, errlen, "'%s' is not a number", s);
        return SK_EINVAL;
    }
    if (errno == ERANGE || v < lo || v > hi) {
        snprintf(err, errlen, "%s is out of range [%lld, %lld]", s, lo, hi);
        return SK_EINVAL;
    }
    *out = v;
    return SK_OK;
}

void sk_kvlist_init(sk_kvlist_t *l)
{
    memset(l, 0, sizeof(*l));
}

void sk_kvlist_free(sk_kvlist_t *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->keys[i]);
        free(l->values[i]);
    }
    free(l->keys);
    free(l->values);
    memset(l, 0, sizeof(*l));
}

void sk_kvlist_set(sk_kvlist_t *l, const char *key, const char *value)
{
    for (int i = 0; i < l->n; i++) {
        if (strcmp(l->keys[i], key) == 0) {
            free(l->values[i]);
            l->values[i] = sk_strdup(value);
            return;
        }
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->keys = sk_realloc(l->keys, (size_t)l->cap * sizeof(char *));
        l->values = sk_realloc(l->values, (size_t)l->cap * sizeof(char *));
    }
    l->keys[l->n] = sk_strdup(key);
    l->values[l->n] = sk_strdup(value);
    l->n++;
}

int sk_kvlist_add_arg(sk_kvlist_t *l, const char *arg, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        snprintf(err, errlen, "'%s' is not of the form key=value", arg);
        return SK_EINVAL;
    }
    if (eq == arg) {
        snprintf(err, errlen, "'%s' has an empty key", arg);
        return SK_EINVAL;
    }
    char *key = sk_strndup(arg, (size_t)(eq - arg));
    sk_kvlist_set(l, key, eq + 1);
    free(key);
    return SK_OK;
}

const char *sk_kvlist_get(const sk_kvlist_t *l, const char *key)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->keys[i], key) == 0)
            return l->values[i];
    return NULL;
}

int sk_kvlist_remove(sk_kvlist_t *l, const char *key)
{
    for (int i = 0; i < l->n; i++) {
        if (strcmp(l->keys[i], key) == 0) {
            free(l->keys[i]);
            free(l->values[i]);
            memmove(&l->keys[i], &l->keys[i + 1], (size_t)(l->n - i - 1) * sizeof(char *));
            memmove(&l->values[i], &l->values[i + 1], (size_t)(l->n - i - 1) * sizeof(char *));
            l->n--;
            return 1;
        }
    }
    return 0;
}

int sk_topt_bool(const char *s, int *out, char *err, size_t errlen)
{
    if (strcasecmp(s, "true") == 0) {
        *out = 1;
        return SK_OK;
    }
    if (strcasecmp(s, "false") == 0) {
        *out = 0;
        return SK_OK;
    }
    snprintf(err, errlen, "'%s' is not true or false", s);
    return SK_EINVAL;
}

int sk_topt_int32_list(const char *s, int32_t **out, int *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (!*s)
        return SK_OK;
    int cap = 1;
    for (const char *p = s; *p; p++)
        if (*p == ',')
            cap++;
    int32_t *v = sk_calloc((size_t)cap, sizeof(int32_t));
    int cnt = 0;
    const char *p = s;
    int rc = SK_OK;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *tok = sk_strndup(p, len);
        long long x;
        rc = sk_topt_int(tok, INT32_MIN, INT32_MAX, &x, err, errlen);
        free(tok);
        if (rc != SK_OK)
            goto out;
        v[cnt++] = (int32_t)x;
        if (!comma)
            break;
        p = comma + 1;
    }
out:
    if (rc != SK_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *n = cnt;
    return SK_OK;
}

/* dynlistener.c - a broker's dynamic listener key stores (see dynlistener.h). */
#include "meta/dynlistener.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "pwenc.h"

static int base_key(const char *key)
{
    char l[128];
    int i = sk_conf_listener_key(key, l, sizeof(l));
    return sk_conf_key_listener_dynamic(i) ? i : -1;
}

int sk_dynlistener_is_key(const char *key)
{
    return base_key(key) >= 0;
}

int sk_dynlistener_is_password(const char *key)
{
    int i = base_key(key);
    return i >= 0 && sk_conf_key_sensitive(i);
}

void sk_dynlistener_pick(const char *secret, const char *const *k, const char *const *v, int n,
                         sk_dynlistener_keys_t *out)
{
    memset(out, 0, sizeof(*out));
    out->keys = sk_calloc((size_t)n + 1, sizeof(char *));
    out->values = sk_calloc((size_t)n + 1, sizeof(char *));
    for (int j = 0; j < n; j++) {
        if (!sk_dynlistener_is_key(k[j]) || !v[j])
            continue;
        char *clear = NULL, err[256];
        if (sk_dynlistener_is_password(k[j])) {
            if (sk_pwenc_decode(secret, v[j], strlen(v[j]), &clear, err, sizeof(err)) != SK_OK) {
                sk_error("config", "Dynamic password config %s could not be decoded, ignoring: %s",
                         k[j], err);
                continue;
            }
        } else {
            clear = sk_strdup(v[j]);
        }
        out->keys[out->n] = sk_strdup(k[j]);
        out->values[out->n] = clear;
        out->n++;
    }
}

void sk_dynlistener_keys_free(sk_dynlistener_keys_t *x)
{
    for (int j = 0; j < x->n; j++) {
        free(x->keys[j]);
        if (x->values[j])
            memset(x->values[j], 0, strlen(x->values[j]));
        free(x->values[j]);
    }
    free(x->keys);
    free(x->values);
    memset(x, 0, sizeof(*x));
}

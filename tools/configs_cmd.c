/* configs_cmd.c - skein-configs' shared parts (see configs_cmd.h). */
#include "configs_cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "kerr.h"
#include "mem.h"
#include "topic_conf.h"

void sk_cfg_kv_free(sk_cfg_kv_t *kv, int n)
{
    for (int i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

static char *trim_dup(const char *a, const char *e)
{
    while (a < e && isspace((unsigned char)*a))
        a++;
    while (e > a && isspace((unsigned char)e[-1]))
        e--;
    return sk_strndup(a, (size_t)(e - a));
}

int sk_cfg_parse_add(const char *s, sk_cfg_kv_t **out, int *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    const char *p = s;
    while (*p) {
        const char *eq = strchr(p, '=');
        const char *comma = strchr(p, ',');
        if (!eq || (comma && comma < eq)) {
            snprintf(err, errlen, "--add-config: expected key=value at '%s'", p);
            goto fail;
        }
        char *key = trim_dup(p, eq);
        const char *v = eq + 1, *end;
        char *value;
        if (*v == '[') {
            const char *close = strchr(v, ']');
            if (!close) {
                snprintf(err, errlen, "--add-config: missing ']' in the value of %s", key);
                free(key);
                goto fail;
            }
            value = trim_dup(v + 1, close);
            end = close + 1;
            if (*end && *end != ',') {
                snprintf(err, errlen, "--add-config: expected ',' after ']' at '%s'", end);
                free(key);
                free(value);
                goto fail;
            }
        } else {
            end = v + strcspn(v, ",");
            value = trim_dup(v, end);
        }
        if (!*key) {
            snprintf(err, errlen, "--add-config: empty key at '%s'", p);
            free(key);
            free(value);
            goto fail;
        }
        *out = sk_realloc(*out, (size_t)(*n + 1) * sizeof(**out));
        (*out)[*n].key = key;
        (*out)[*n].value = value;
        (*n)++;
        p = *end == ',' ? end + 1 : end;
    }
    if (*n == 0) {
        snprintf(err, errlen, "--add-config: no key=value given");
        return -1;
    }
    return 0;
fail:
    sk_cfg_kv_free(*out, *n);
    *out = NULL;
    *n = 0;
    return -1;
}

static int quota_check(const char *key, const char *value, char *err, size_t errlen)
{
    int pct = strcmp(key, "request_percentage") == 0;
    if (!pct && strcmp(key, "producer_byte_rate") != 0 && strcmp(key, "consumer_byte_rate") != 0) {
        snprintf(err, errlen, "Invalid config(s): %s", key);
        return -1;
    }
    if (!value)
        return 0;
    char *e = NULL;
    errno = 0;
    if (pct) {
        double d = strtod(value, &e);
        if (!*value || *e || errno || d < 0) {
            snprintf(err, errlen, "Invalid value %s for configuration %s: Not a number of type "
                     "DOUBLE", value, key);
            return -1;
        }
    } else {
        long long x = strtoll(value, &e, 10);
        if (!*value || *e || errno || x < 0) {
            snprintf(err, errlen, "Invalid value %s for configuration %s: Not a number of type "
                     "LONG", value, key);
            return -1;
        }
    }
    return 0;
}

int sk_cfg_check(const char *type, const char *key, const char *value, char *err, size_t errlen)
{
    char why[512];
    if (strcmp(type, "topics") == 0) {
        int i = sk_topic_conf_index(key);
        if (i < 0) {
            snprintf(err, errlen, "Unknown topic config name: %s", key);
            return -1;
        }
        if (value && sk_topic_conf_check(i, value, why, sizeof(why)) != SK_OK) {
            snprintf(err, errlen, "Invalid value %s for configuration %s: %s", value, key, why);
            return -1;
        }
        return 0;
    }
    if (strcmp(type, "brokers") == 0) {
        char l[128];
        int i = sk_conf_key_index(key);
        if (sk_conf_key_listener_dynamic(i)) {
            snprintf(err, errlen, "These security configs can be dynamically updated only "
                     "per-listener using the listener prefix: Set(%s)", key);
            return -1;
        }
        if (i < 0 && (i = sk_conf_listener_key(key, l, sizeof(l))) >= 0 &&
            !sk_conf_key_listener_dynamic(i))
            i = -1; /* a listener key that cannot change at run time */
        if (!sk_conf_key_dynamic(i) && !sk_conf_key_listener_dynamic(i)) {
            snprintf(err, errlen, "Cannot update these configs dynamically: Set(%s)", key);
            return -1;
        }
        if (value && sk_conf_check_value(i, value, why, sizeof(why)) != SK_OK) {
            snprintf(err, errlen, "Invalid value %s for configuration %s: %s", value, key, why);
            return -1;
        }
        return 0;
    }
    return quota_check(key, value, err, errlen);
}

char *sk_cfg_sanitize(const char *name)
{
    if (strcmp(name, "<default>") == 0)
        return sk_strdup(name);
    size_t n = strlen(name);
    char *out = sk_malloc(3 * n + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (isalnum(*p) || *p == '.' || *p == '-' || *p == '_')
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return out;
}

static char *part(const sk_cfg_entity_t *ent, int k)
{
    if (ent->def[k])
        return sk_strdup("<default>");
    if (strcmp(ent->type[k], "users") == 0 || strcmp(ent->type[k], "clients") == 0)
        return sk_cfg_sanitize(ent->name[k]);
    return sk_strdup(ent->name[k]);
}

char *sk_cfg_entity_path(const sk_cfg_entity_t *ent)
{
    char *a = part(ent, 0);
    char *out;
    if (ent->n == 2) {
        char *b = part(ent, 1);
        out = sk_asprintf("%s/%s/%s/%s", ent->type[0], a, ent->type[1], b);
        free(b);
    } else {
        out = sk_asprintf("%s/%s", ent->type[0], a);
    }
    free(a);
    return out;
}

static const char *type_label(const char *type)
{
    if (strcmp(type, "users") == 0)
        return "user-principal";
    if (strcmp(type, "clients") == 0)
        return "client-id";
    if (strcmp(type, "topics") == 0)
        return "topic";
    return type;
}

char *sk_cfg_entity_label(const sk_cfg_entity_t *ent)
{
    char *parts[2] = {NULL, NULL};
    for (int k = 0; k < ent->n; k++) {
        if (ent->def[k])
            parts[k] = sk_asprintf("default %s", type_label(ent->type[k]));
        else
            parts[k] = sk_asprintf("%s '%s'", type_label(ent->type[k]), ent->name[k]);
    }
    char *out = ent->n == 2 ? sk_asprintf("%s, %s", parts[0], parts[1]) : sk_strdup(parts[0]);
    free(parts[0]);
    free(parts[1]);
    return out;
}

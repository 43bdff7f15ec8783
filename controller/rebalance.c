/* rebalance.c - preferred-election JSON and imbalance rule (see rebalance.h). */
#include "rebalance.h"

#include "kerr.h"
#include "mem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_rebalance_tps_free(sk_ctrl_tp_t *v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free((char *)v[i].topic);
    free(v);
}

int sk_rebalance_parse_election(const char *data, size_t len, int version_required,
                                sk_ctrl_tp_t **out, int *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    int rc = SK_EPARSE;
    sk_ctrl_tp_t *v = NULL;
    int cnt = 0;
    json_error_t je;
    json_t *root = data ? json_loadb(data, len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!root) {
        snprintf(err, errlen, "not JSON: %s", data ? je.text : "no data");
        goto out;
    }
    json_t *ver = json_object_get(root, "version");
    if (!json_is_object(root) || ((ver || version_required) &&
                                  (!json_is_integer(ver) || json_integer_value(ver) != 1))) {
        snprintf(err, errlen, "expected an object with \"version\":1");
        goto out;
    }
    json_t *parts = json_object_get(root, "partitions");
    if (!json_is_array(parts)) {
        snprintf(err, errlen, "\"partitions\" is not an array");
        goto out;
    }
    size_t total = json_array_size(parts);
    v = sk_calloc(total + 1, sizeof(*v));
    for (size_t i = 0; i < total; i++) {
        json_t *e = json_array_get(parts, i);
        json_t *t = json_object_get(e, "topic");
        json_t *p = json_object_get(e, "partition");
        if (!json_is_object(e) || !json_is_string(t) || !json_is_integer(p) ||
            json_string_length(t) == 0 || json_integer_value(p) < 0 ||
            json_integer_value(p) > INT32_MAX) {
            snprintf(err, errlen, "entry %zu is not {\"topic\":<name>,\"partition\":<int>}", i);
            goto out;
        }
        const char *name = json_string_value(t);
        int32_t pi = (int32_t)json_integer_value(p);
        int dup = 0;
        for (int k = 0; k < cnt; k++)
            if (v[k].partition == pi && strcmp(v[k].topic, name) == 0)
                dup = 1;
        if (dup)
            continue;
        v[cnt].topic = sk_strdup(name);
        v[cnt].partition = pi;
        cnt++;
    }
    *out = v;
    *n = cnt;
    v = NULL;
    rc = SK_OK;
out:
    sk_rebalance_tps_free(v, cnt);
    if (root)
        json_decref(root);
    return rc;
}

int sk_rebalance_imbalanced(int total, int not_led, int32_t percentage)
{
    if (total <= 0 || not_led <= 0)
        return 0;
    return (int64_t)not_led * 100 > (int64_t)percentage * total;
}

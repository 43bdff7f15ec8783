/* delrec_json.c - skein-delete-records' offset JSON (see delrec_json.h). */
#include "delrec_json.h"

#include "kerr.h"
#include "mem.h"
#include "tpdup.h"
#include "znode.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 1000000

void sk_delrec_list_free(sk_delrec_list_t *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->e[i].topic);
    free(l->e);
    l->e = NULL;
    l->n = 0;
}

/* A partition named twice: its name in err, SK_EPARSE. */
static int check_duplicates(const sk_delrec_list_t *l, char *err, size_t errlen)
{
    sk_tpref_t *ix = sk_calloc((size_t)l->n + 1, sizeof(*ix));
    for (int i = 0; i < l->n; i++)
        ix[i] = (sk_tpref_t){l->e[i].topic, l->e[i].partition};
    int d = sk_tpref_find_dup(ix, l->n);
    if (d >= 0)
        snprintf(err, errlen, "Offset json file contains duplicate topic partitions: %s-%" PRId32,
                 ix[d].topic, ix[d].partition);
    free(ix);
    return d >= 0 ? SK_EPARSE : SK_OK;
}

static int parse_entry(const json_t *o, int i, sk_delrec_entry_t *out, char *err, size_t errlen)
{
    if (!json_is_object(o)) {
        snprintf(err, errlen, "partitions[%d]: not an object", i);
        return SK_EPARSE;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        if (strcmp(key, "topic") != 0 && strcmp(key, "partition") != 0 &&
            strcmp(key, "offset") != 0) {
            snprintf(err, errlen, "partitions[%d]: unknown field \"%.64s\"", i, key);
            return SK_EPARSE;
        }
    }
    const json_t *t = json_object_get(o, "topic");
    const json_t *p = json_object_get(o, "partition");
    const json_t *off = json_object_get(o, "offset");
    if (!json_is_string(t)) {
        snprintf(err, errlen, "partitions[%d]: \"topic\" must be a string", i);
        return SK_EPARSE;
    }
    char why[160];
    if (sk_topic_name_valid(json_string_value(t), why, sizeof(why)) != SK_OK) {
        snprintf(err, errlen, "partitions[%d]: %s", i, why);
        return SK_EPARSE;
    }
    if (!json_is_integer(p) || json_integer_value(p) < 0 || json_integer_value(p) > INT32_MAX) {
        snprintf(err, errlen, "partitions[%d]: \"partition\" must be an integer from 0 to %d", i,
                 INT32_MAX);
        return SK_EPARSE;
    }
    if (!json_is_integer(off) || json_integer_value(off) < -1) {
        snprintf(err, errlen, "partitions[%d]: \"offset\" must be an integer >= 0, or -1 for the "
                              "high watermark", i);
        return SK_EPARSE;
    }
    out->topic = sk_strdup(json_string_value(t));
    out->partition = (int32_t)json_integer_value(p);
    out->offset = (int64_t)json_integer_value(off);
    return SK_OK;
}

int sk_delrec_json_parse(const char *json, size_t len, sk_delrec_list_t *out, char *err,
                         size_t errlen)
{
    out->e = NULL;
    out->n = 0;
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "not valid JSON: %s (line %d, column %d)", je.text, je.line,
                 je.column);
        return SK_EPARSE;
    }
    int rc = SK_EPARSE;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "the offset JSON must be an object with \"partitions\"");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "partitions") != 0 && strcmp(key, "version") != 0) {
            snprintf(err, errlen, "unknown field \"%.64s\"", key);
            goto out;
        }
    }
    json_t *ver = json_object_get(root, "version");
    if (ver && (!json_is_integer(ver) || json_integer_value(ver) != 1)) {
        snprintf(err, errlen, "Not supported version field value (only 1 is)");
        goto out;
    }
    json_t *parts = json_object_get(root, "partitions");
    if (!json_is_array(parts)) {
        snprintf(err, errlen, "Missing \"partitions\" array");
        goto out;
    }
    size_t n = json_array_size(parts);
    if (n == 0) {
        snprintf(err, errlen, "\"partitions\" is empty: nothing to delete");
        goto out;
    }
    if (n > MAX_ENTRIES) {
        snprintf(err, errlen, "\"partitions\" has %zu entries (at most %d)", n, MAX_ENTRIES);
        goto out;
    }
    out->e = sk_calloc(n, sizeof(*out->e));
    for (size_t i = 0; i < n; i++) {
        if (parse_entry(json_array_get(parts, i), (int)i, &out->e[i], err, errlen) != SK_OK)
            goto out;
        out->n++;
    }
    rc = check_duplicates(out, err, errlen);
out:
    if (rc != SK_OK)
        sk_delrec_list_free(out);
    json_decref(root);
    return rc;
}

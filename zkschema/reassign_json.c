/* reassign_json.c - the reassignment JSON, version 1 (see reassign_json.h). */
#include "reassign_json.h"

#include "kerr.h"
#include "mem.h"
#include "tpdup.h"
#include "znode.h"

#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 1000000

void sk_reassign_list_add(sk_reassign_list_t *l, const char *topic, int32_t partition,
                          const int32_t *replicas, int n_replicas)
{
    l->items = sk_realloc(l->items, (size_t)(l->n + 1) * sizeof(*l->items));
    sk_reassign_item_t *it = &l->items[l->n++];
    it->topic = sk_strdup(topic);
    it->partition = partition;
    it->n_replicas = n_replicas;
    it->replicas = NULL;
    if (n_replicas > 0) {
        it->replicas = sk_calloc((size_t)n_replicas, sizeof(int32_t));
        memcpy(it->replicas, replicas, (size_t)n_replicas * sizeof(int32_t));
    }
}

void sk_reassign_list_clear(sk_reassign_list_t *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->items[i].topic);
        free(l->items[i].replicas);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static int int_in(const json_t *v, int64_t lo, int64_t hi, int64_t *out)
{
    if (!json_is_integer(v))
        return 0;
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return 0;
    *out = x;
    return 1;
}

/* One {"topic":..,"partition":..,"replicas":[..]} entry. */
static int decode_item(json_t *o, size_t idx, sk_reassign_list_t *out, char *err, size_t errlen)
{
    if (!json_is_object(o)) {
        sk_errf(err, errlen, "partitions[%zu] is not an object", idx);
        return SK_EPARSE;
    }
    json_t *t = json_object_get(o, "topic");
    if (!json_is_string(t)) {
        sk_errf(err, errlen, "partitions[%zu]: \"topic\" is missing or not a string", idx);
        return SK_EPARSE;
    }
    char why[200];
    if (sk_topic_name_valid(json_string_value(t), why, sizeof(why)) != SK_OK ||
        strlen(json_string_value(t)) != json_string_length(t)) {
        sk_errf(err, errlen, "partitions[%zu]: invalid topic name: %s", idx, why);
        return SK_EPARSE;
    }
    int64_t p;
    if (!int_in(json_object_get(o, "partition"), 0, INT32_MAX, &p)) {
        sk_errf(err, errlen, "partitions[%zu]: \"partition\" is missing or not an integer in "
                "[0, %d]", idx, INT32_MAX);
        return SK_EPARSE;
    }
    json_t *r = json_object_get(o, "replicas");
    if (!json_is_array(r) || json_array_size(r) > 100000) {
        sk_errf(err, errlen, "partitions[%zu]: \"replicas\" is missing or not an array", idx);
        return SK_EPARSE;
    }
    size_t n = json_array_size(r);
    int32_t *reps = sk_calloc(n + 1, sizeof(int32_t));
    for (size_t i = 0; i < n; i++) {
        int64_t b;
        if (!int_in(json_array_get(r, i), 0, INT32_MAX, &b)) {
            sk_errf(err, errlen, "partitions[%zu]: \"replicas\" holds something other than a "
                    "broker id (an integer in [0, %d])", idx, INT32_MAX);
            free(reps);
            return SK_EPARSE;
        }
        for (size_t k = 0; k < i; k++)
            if (reps[k] == (int32_t)b) {
                sk_errf(err, errlen, "Partition replica lists may not contain duplicate "
                        "entries: %s-%" PRId64 " names broker %" PRId64 " twice",
                        json_string_value(t), p, b);
                free(reps);
                return SK_EPARSE;
            }
        reps[i] = (int32_t)b;
    }
    json_t *dirs = json_object_get(o, "log_dirs");
    if (dirs && !json_is_array(dirs)) {
        sk_errf(err, errlen, "partitions[%zu]: \"log_dirs\" is not an array", idx);
        free(reps);
        return SK_EPARSE;
    }
    sk_reassign_list_add(out, json_string_value(t), (int32_t)p, reps, (int)n);
    free(reps);
    return SK_OK;
}

int sk_reassign_json_decode(const char *data, size_t len, sk_reassign_list_t *out, char *err,
                            size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!data || len == 0) {
        sk_errf(err, errlen, "no data");
        return SK_EPARSE;
    }
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        sk_errf(err, errlen, "invalid JSON at offset %d: %s", je.position, je.text);
        return SK_EPARSE;
    }
    int rc = SK_EPARSE;
    int64_t version;
    if (!json_is_object(root)) {
        sk_errf(err, errlen, "JSON is not an object");
        goto out;
    }
    if (!int_in(json_object_get(root, "version"), 1, 1, &version)) {
        sk_errf(err, errlen, "\"version\" is missing or not 1");
        goto out;
    }
    json_t *parts = json_object_get(root, "partitions");
    if (!json_is_array(parts)) {
        sk_errf(err, errlen, "\"partitions\" is missing or not an array");
        goto out;
    }
    if (json_array_size(parts) > MAX_ITEMS) {
        sk_errf(err, errlen, "more than %d partitions", MAX_ITEMS);
        goto out;
    }
    size_t n = json_array_size(parts);
    for (size_t i = 0; i < n; i++)
        if (decode_item(json_array_get(parts, i), i, out, err, errlen) != SK_OK)
            goto out;
    if (out->n > 1) {
        sk_tpref_t *v = sk_calloc((size_t)out->n, sizeof(*v));
        for (int i = 0; i < out->n; i++)
            v[i] = (sk_tpref_t){out->items[i].topic, out->items[i].partition};
        int d = sk_tpref_find_dup(v, out->n);
        if (d >= 0)
            sk_errf(err, errlen, "Reassignment JSON file contains duplicate partitions: "
                    "%s-%" PRId32, v[d].topic, v[d].partition);
        free(v);
        if (d >= 0)
            goto out;
    }
    rc = SK_OK;
out:
    json_decref(root);
    if (rc != SK_OK)
        sk_reassign_list_clear(out);
    return rc;
}

char *sk_reassign_json_encode(const sk_reassign_list_t *l, int log_dirs)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(1));
    json_t *parts = json_array();
    for (int i = 0; i < l->n; i++) {
        const sk_reassign_item_t *it = &l->items[i];
        json_t *o = json_object();
        json_t *name = json_string(it->topic);
        if (!name) {
            json_decref(o);
            json_decref(parts);
            json_decref(root);
            return NULL;
        }
        json_object_set_new(o, "topic", name);
        json_object_set_new(o, "partition", json_integer(it->partition));
        json_t *reps = json_array();
        json_t *dirs = json_array();
        for (int k = 0; k < it->n_replicas; k++) {
            json_array_append_new(reps, json_integer(it->replicas[k]));
            json_array_append_new(dirs, json_string("any"));
        }
        json_object_set_new(o, "replicas", reps);
        if (log_dirs)
            json_object_set_new(o, "log_dirs", dirs);
        else
            json_decref(dirs);
        json_array_append_new(parts, o);
    }
    json_object_set_new(root, "partitions", parts);
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}

void sk_reassign_topics_free(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int sk_reassign_topics_decode(const char *data, size_t len, char ***names, int *n, char *err,
                              size_t errlen)
{
    *names = NULL;
    *n = 0;
    if (!data || len == 0) {
        sk_errf(err, errlen, "no data");
        return SK_EPARSE;
    }
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        sk_errf(err, errlen, "invalid JSON at offset %d: %s", je.position, je.text);
        return SK_EPARSE;
    }
    int rc = SK_EPARSE;
    int64_t version;
    json_t *topics = json_object_get(root, "topics");
    if (!json_is_object(root)) {
        sk_errf(err, errlen, "JSON is not an object");
        goto out;
    }
    if (json_object_get(root, "version") &&
        !int_in(json_object_get(root, "version"), 1, 1, &version)) {
        sk_errf(err, errlen, "\"version\" is not 1");
        goto out;
    }
    if (!json_is_array(topics) || json_array_size(topics) == 0 ||
        json_array_size(topics) > MAX_ITEMS) {
        sk_errf(err, errlen, "\"topics\" is missing, empty or not an array");
        goto out;
    }
    size_t cnt = json_array_size(topics);
    char **v = sk_calloc(cnt + 1, sizeof(char *));
    int m = 0;
    for (size_t i = 0; i < cnt; i++) {
        json_t *t = json_object_get(json_array_get(topics, i), "topic");
        char why[200];
        if (!json_is_string(t) || strlen(json_string_value(t)) != json_string_length(t) ||
            sk_topic_name_valid(json_string_value(t), why, sizeof(why)) != SK_OK) {
            sk_errf(err, errlen, "topics[%zu]: \"topic\" is missing or not a valid topic name",
                    i);
            sk_reassign_topics_free(v, m);
            goto out;
        }
        int dup = 0;
        for (int k = 0; k < m && !dup; k++)
            dup = strcmp(v[k], json_string_value(t)) == 0;
        if (!dup)
            v[m++] = sk_strdup(json_string_value(t));
    }
    *names = v;
    *n = m;
    rc = SK_OK;
out:
    json_decref(root);
    return rc;
}

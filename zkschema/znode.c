/* znode.c - Kafka znode paths and JSON codecs (see znode.h). */
#include "znode.h"

#include "javahash.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "kerr.h"
#include "mem.h"

/* ---- helpers -------------------------------------------------------- */

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Serialise and release root. json_dumps output is malloc'd. */
static char *dump(json_t *root)
{
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!s) {
        /* jansson fails only on allocation failure or invalid UTF-8 input
         * strings; callers treat NULL as "cannot encode". */
        return NULL;
    }
    return s;
}

/* Parse data as a JSON object. */
static json_t *load_object(const char *data, size_t len, const char *what, char *err,
                           size_t errlen)
{
    if (!data || len == 0) {
        fail(err, errlen, SK_EPARSE, "%s: no data", what);
        return NULL;
    }
    json_error_t je;
    json_t *root = json_loadb(data, len, 0, &je);
    if (!root) {
        fail(err, errlen, SK_EPARSE, "%s: invalid JSON at offset %d: %s", what, je.position,
             je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        fail(err, errlen, SK_EPARSE, "%s: JSON is not an object", what);
        return NULL;
    }
    return root;
}

/* Integer in [lo, hi]. */
static int get_int(const json_t *v, int64_t lo, int64_t hi, int64_t *out)
{
    if (!json_is_integer(v))
        return SK_EPARSE;
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return SK_EPARSE;
    *out = x;
    return SK_OK;
}

/* Required int32 member. */
static int req_i32(const json_t *obj, const char *key, int32_t lo, const char *what, int32_t *out,
                   char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    int64_t x;
    if (!v)
        return fail(err, errlen, SK_EPARSE, "%s: missing \"%s\"", what, key);
    if (get_int(v, lo, INT32_MAX, &x) != SK_OK)
        return fail(err, errlen, SK_EPARSE, "%s: \"%s\" is not an integer in [%d, %d]", what,
                    key, lo, INT32_MAX);
    *out = (int32_t)x;
    return SK_OK;
}

/* Strict decimal int64 from a string (optional leading '-'). */
static int parse_dec64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (len > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == len || len - i > 19)
        return SK_EPARSE;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SK_EPARSE;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX)
        return SK_EPARSE;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return SK_OK;
}

/* Array of int32 >= lo, malloc'd (NULL for an empty array). */
static int get_i32_array(const json_t *v, int32_t lo, int32_t **out, int *n_out)
{
    if (!json_is_array(v))
        return SK_EPARSE;
    size_t n = json_array_size(v);
    if (n > INT_MAX)
        return SK_EPARSE;
    int32_t *a = n ? sk_calloc(n, sizeof(*a)) : NULL;
    for (size_t i = 0; i < n; i++) {
        int64_t x;
        if (get_int(json_array_get(v, i), lo, INT32_MAX, &x) != SK_OK) {
            free(a);
            return SK_EPARSE;
        }
        a[i] = (int32_t)x;
    }
    *out = a;
    *n_out = (int)n;
    return SK_OK;
}

static json_t *i32_array(const int32_t *a, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_integer(a[i]));
    return arr;
}

static json_t *ms_string(int64_t ms)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%" PRId64, ms);
    return json_string(buf);
}

/* ---- paths ---------------------------------------------------------- */

const char *const sk_znode_top_level_paths[] = {
    "/consumers",
    "/brokers/ids",
    "/brokers/topics",
    "/config/changes",
    "/admin/delete_topics",
    "/brokers/seqid",
    "/isr_change_notification",
    "/latest_producer_id_block",
    "/log_dir_event_notification",
    "/config/topics",
    "/config/clients",
    "/config/users",
    "/config/brokers",
    "/config/ips",
};
const int sk_znode_n_top_level_paths =
    (int)(sizeof(sk_znode_top_level_paths) / sizeof(sk_znode_top_level_paths[0]));

char *sk_znode_broker_path(int32_t broker_id)
{
    return sk_asprintf("/brokers/ids/%" PRId32, broker_id);
}

char *sk_znode_topic_path(const char *topic)
{
    return sk_asprintf("/brokers/topics/%s", topic);
}

char *sk_znode_partitions_path(const char *topic)
{
    return sk_asprintf("/brokers/topics/%s/partitions", topic);
}

char *sk_znode_partition_path(const char *topic, int32_t partition)
{
    return sk_asprintf("/brokers/topics/%s/partitions/%" PRId32, topic, partition);
}

char *sk_znode_partition_state_path(const char *topic, int32_t partition)
{
    return sk_asprintf("/brokers/topics/%s/partitions/%" PRId32 "/state", topic, partition);
}

char *sk_znode_topic_config_path(const char *topic)
{
    return sk_asprintf("/config/topics/%s", topic);
}

char *sk_znode_delete_topic_path(const char *topic)
{
    return sk_asprintf("/admin/delete_topics/%s", topic);
}

/* ---- names and ids -------------------------------------------------- */

int sk_topic_name_valid(const char *name, char *err, size_t errlen)
{
    if (!name || !*name)
        return fail(err, errlen, SK_EINVAL, "topic name is empty");
    size_t n = strlen(name);
    if (n > SK_TOPIC_NAME_MAX)
        return fail(err, errlen, SK_EINVAL, "topic name is %zu characters, the maximum is %d", n,
                    SK_TOPIC_NAME_MAX);
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return fail(err, errlen, SK_EINVAL, "topic name cannot be \".\" or \"..\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        if (!ok)
            return fail(err, errlen, SK_EINVAL,
                        "topic name contains a character other than ASCII alphanumerics, '.', "
                        "'_' and '-' at position %zu",
                        i);
    }
    return SK_OK;
}

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void sk_znode_uuid_encode(const uint8_t in[16], char out[SK_UUID_B64_LEN + 1])
{
    int o = 0;
    for (int i = 0; i < 16; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < 16)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < 16)
            v |= in[i + 2];
        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        if (i + 1 < 16)
            out[o++] = b64url[(v >> 6) & 63];
        if (i + 2 < 16)
            out[o++] = b64url[v & 63];
    }
    out[o] = '\0';
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64url, c) : NULL;
    return p ? (int)(p - b64url) : -1;
}

int sk_znode_uuid_decode(const char *s, uint8_t out[16])
{
    if (!s || strlen(s) != SK_UUID_B64_LEN)
        return SK_EPARSE;
    uint8_t tmp[18] = {0};
    int o = 0;
    for (int i = 0; i < 24; i += 4) {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++) {
            int d = 0;
            if (i + k < SK_UUID_B64_LEN) {
                d = b64val(s[i + k]);
                if (d < 0)
                    return SK_EPARSE;
            }
            v = (v << 6) | (uint32_t)d;
        }
        tmp[o++] = (uint8_t)(v >> 16);
        tmp[o++] = (uint8_t)(v >> 8);
        tmp[o++] = (uint8_t)v;
    }
    /* The last character carries 2 bits of payload; the other 4 must be 0
     * for a canonical encoding. */
    if (b64val(s[21]) & 0x0f)
        return SK_EPARSE;
    memcpy(out, tmp, 16);
    return SK_OK;
}

int sk_znode_uuid_generate(char out[SK_UUID_B64_LEN + 1])
{
    for (;;) {
        uint8_t b[16];
        size_t got = 0;
        while (got < sizeof(b)) {
            ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                return SK_EIO;
            }
            got += (size_t)r;
        }
        /* RFC 4122 version 4, as java.util.UUID.randomUUID(). */
        b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
        b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
        /* The version bits already rule out the all-zero and the metadata
         * topic id (0,1); '-' (62) as the first character is re-rolled. */
        sk_znode_uuid_encode(b, out);
        if (out[0] != '-')
            return SK_OK;
    }
}

/* ---- /cluster/id ---------------------------------------------------- */

char *sk_znode_cluster_id_encode(const char *cluster_id)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_string("1"));
    json_object_set_new(root, "id", json_string(cluster_id));
    return dump(root);
}

int sk_znode_cluster_id_decode(const char *data, size_t len, char **id_out, char *err,
                               size_t errlen)
{
    json_t *root = load_object(data, len, "/cluster/id", err, errlen);
    if (!root)
        return SK_EPARSE;
    int rc = SK_OK;
    json_t *id = json_object_get(root, "id");
    if (!json_is_string(id) || json_string_length(id) == 0) {
        rc = fail(err, errlen, SK_EPARSE, "/cluster/id: \"id\" missing or not a non-empty string");
        goto out;
    }
    *id_out = sk_strdup(json_string_value(id));
out:
    json_decref(root);
    return rc;
}

/* ---- /brokers/ids/<id> ---------------------------------------------- */

static char *endpoint_string(const sk_znode_endpoint_t *e)
{
    const char *host = e->host ? e->host : "";
    if (strchr(host, ':'))
        return sk_asprintf("%s://[%s]:%" PRId32, e->listener, host, e->port);
    return sk_asprintf("%s://%s:%" PRId32, e->listener, host, e->port);
}

char *sk_znode_broker_encode(const sk_znode_broker_t *b)
{
    json_t *root = json_object();
    json_t *map = json_object();
    json_t *eps = json_array();
    const sk_znode_endpoint_t *plain = NULL;
    for (int i = 0; i < b->n_endpoints; i++) {
        const sk_znode_endpoint_t *e = &b->endpoints[i];
        json_object_set_new(map, e->listener, json_string(e->protocol));
        char *s = endpoint_string(e);
        json_array_append_new(eps, json_string(s));
        free(s);
        if (!plain && !strcmp(e->protocol, "PLAINTEXT"))
            plain = e;
    }
    json_object_set_new(root, "features", json_object());
    json_object_set_new(root, "listener_security_protocol_map", map);
    json_object_set_new(root, "endpoints", eps);
    if (b->rack)
        json_object_set_new(root, "rack", json_string(b->rack));
    json_object_set_new(root, "jmx_port", json_integer(b->jmx_port));
    json_object_set_new(root, "port", json_integer(plain ? plain->port : -1));
    json_object_set_new(root, "host",
                        plain && plain->host ? json_string(plain->host) : json_null());
    json_object_set_new(root, "version", json_integer(5));
    json_object_set_new(root, "timestamp", ms_string(b->timestamp));
    return dump(root);
}

/* "NAME://host:port", "NAME://[v6]:port", "NAME://:port". */
static int parse_endpoint(const char *s, sk_znode_endpoint_t *e)
{
    const char *sep = strstr(s, "://");
    if (!sep || sep == s)
        return SK_EPARSE;
    const char *h = sep + 3, *hend, *colon;
    if (*h == '[') {
        hend = strchr(h, ']');
        if (!hend || hend[1] != ':')
            return SK_EPARSE;
        colon = hend + 1;
        h++;
    } else {
        colon = strrchr(h, ':');
        if (!colon)
            return SK_EPARSE;
        hend = colon;
    }
    int64_t port;
    if (parse_dec64(colon + 1, strlen(colon + 1), &port) != SK_OK || port < 0 || port > 65535)
        return SK_EPARSE;
    e->listener = sk_strndup(s, (size_t)(sep - s));
    e->host = hend > h ? sk_strndup(h, (size_t)(hend - h)) : NULL;
    e->port = (int32_t)port;
    return SK_OK;
}

void sk_znode_broker_clear(sk_znode_broker_t *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n_endpoints; i++) {
        free((char *)b->endpoints[i].listener);
        free((char *)b->endpoints[i].protocol);
        free((char *)b->endpoints[i].host);
    }
    free(b->endpoints);
    free((char *)b->rack);
    free((char *)b->host);
    memset(b, 0, sizeof(*b));
}

int sk_znode_broker_decode(const char *data, size_t len, sk_znode_broker_t *out, char *err,
                           size_t errlen)
{
    static const char *what = "broker registration";
    memset(out, 0, sizeof(*out));
    out->port = -1;
    out->timestamp = -1;
    json_t *root = load_object(data, len, what, err, errlen);
    if (!root)
        return SK_EPARSE;
    int rc;
    if ((rc = req_i32(root, "version", 1, what, &out->version, err, errlen)) != SK_OK)
        goto out;
    if ((rc = req_i32(root, "jmx_port", INT32_MIN, what, &out->jmx_port, err, errlen)) != SK_OK)
        goto out;
    json_t *v = json_object_get(root, "host");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v)) {
            rc = fail(err, errlen, SK_EPARSE, "%s: \"host\" is not a string", what);
            goto out;
        }
        out->host = sk_strdup(json_string_value(v));
    }
    v = json_object_get(root, "port");
    if (v) {
        int64_t p;
        if (get_int(v, -1, 65535, &p) != SK_OK) {
            rc = fail(err, errlen, SK_EPARSE, "%s: \"port\" is not a port number", what);
            goto out;
        }
        out->port = (int32_t)p;
    }
    v = json_object_get(root, "timestamp");
    if (v) {
        int64_t ts;
        if (!json_is_string(v) ||
            parse_dec64(json_string_value(v), json_string_length(v), &ts) != SK_OK) {
            rc = fail(err, errlen, SK_EPARSE, "%s: \"timestamp\" is not a decimal string", what);
            goto out;
        }
        out->timestamp = ts;
    }
    v = json_object_get(root, "rack");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v)) {
            rc = fail(err, errlen, SK_EPARSE, "%s: \"rack\" is not a string", what);
            goto out;
        }
        out->rack = sk_strdup(json_string_value(v));
    }
    if (out->version == 1) {
        if (!out->host || out->port < 0) {
            rc = fail(err, errlen, SK_EPARSE, "%s: version 1 needs \"host\" and \"port\"", what);
            goto out;
        }
        out->endpoints = sk_calloc(1, sizeof(*out->endpoints));
        out->n_endpoints = 1;
        out->endpoints[0].listener = sk_strdup("PLAINTEXT");
        out->endpoints[0].protocol = sk_strdup("PLAINTEXT");
        out->endpoints[0].host = sk_strdup(out->host);
        out->endpoints[0].port = out->port;
        rc = SK_OK;
        goto out;
    }
    json_t *map = json_object_get(root, "listener_security_protocol_map");
    if (map && !json_is_null(map) && !json_is_object(map)) {
        rc = fail(err, errlen, SK_EPARSE, "%s: \"listener_security_protocol_map\" is not an object",
                  what);
        goto out;
    }
    json_t *eps = json_object_get(root, "endpoints");
    if (!json_is_array(eps)) {
        rc = fail(err, errlen, SK_EPARSE, "%s: \"endpoints\" missing or not an array", what);
        goto out;
    }
    size_t n = json_array_size(eps);
    out->endpoints = n ? sk_calloc(n, sizeof(*out->endpoints)) : NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(eps, i);
        sk_znode_endpoint_t *e = &out->endpoints[i];
        if (!json_is_string(s) || parse_endpoint(json_string_value(s), e) != SK_OK) {
            rc = fail(err, errlen, SK_EPARSE, "%s: endpoint %zu is not LISTENER://host:port", what,
                      i);
            goto out;
        }
        out->n_endpoints = (int)i + 1;
        if (json_is_object(map)) {
            json_t *p = json_object_get(map, e->listener);
            if (!json_is_string(p)) {
                rc = fail(err, errlen, SK_EPARSE,
                          "%s: no security protocol for listener %s", what, e->listener);
                goto out;
            }
            e->protocol = sk_strdup(json_string_value(p));
        } else {
            e->protocol = sk_strdup(e->listener);
        }
    }
    rc = SK_OK;
out:
    json_decref(root);
    if (rc != SK_OK)
        sk_znode_broker_clear(out);
    return rc;
}

/* ---- /controller and /controller_epoch ------------------------------ */

/* ---- /latest_producer_id_block ---- */

char *sk_znode_pid_block_encode(const sk_znode_pid_block_t *b)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "broker", json_integer(b->broker));
    json_object_set_new(root, "block_start", ms_string(b->start));
    json_object_set_new(root, "block_end", ms_string(b->end));
    return dump(root);
}

static int dec64_field(json_t *root, const char *key, const char *what, int64_t *out, char *err,
                       size_t errlen)
{
    json_t *v = json_object_get(root, key);
    int ok = v && (json_is_string(v)
                       ? parse_dec64(json_string_value(v), json_string_length(v), out) == SK_OK
                       : get_int(v, INT64_MIN, INT64_MAX, out) == SK_OK);
    return ok ? SK_OK : fail(err, errlen, SK_EPARSE, "%s: \"%s\" missing or not a number", what,
                             key);
}

int sk_znode_pid_block_decode(const char *data, size_t len, sk_znode_pid_block_t *out, char *err,
                              size_t errlen)
{
    static const char *what = SK_ZNODE_PRODUCER_ID_BLOCK;
    memset(out, 0, sizeof(*out));
    json_t *root = load_object(data, len, what, err, errlen);
    if (!root)
        return SK_EPARSE;
    int rc;
    if ((rc = req_i32(root, "broker", INT32_MIN, what, &out->broker, err, errlen)) != SK_OK ||
        (rc = dec64_field(root, "block_start", what, &out->start, err, errlen)) != SK_OK ||
        (rc = dec64_field(root, "block_end", what, &out->end, err, errlen)) != SK_OK)
        goto out;
    if (out->start < 0 || out->end < out->start)
        rc = fail(err, errlen, SK_EPARSE, "%s: block [%" PRId64 ", %" PRId64 "] is not a range",
                  what, out->start, out->end);
out:
    json_decref(root);
    return rc;
}

char *sk_znode_controller_encode(int32_t broker_id, int64_t timestamp)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "brokerid", json_integer(broker_id));
    json_object_set_new(root, "timestamp", ms_string(timestamp));
    return dump(root);
}

int sk_znode_controller_decode(const char *data, size_t len, sk_znode_controller_t *out,
                               char *err, size_t errlen)
{
    static const char *what = "/controller";
    memset(out, 0, sizeof(*out));
    out->timestamp = -1;
    out->kraft_controller_epoch = -1;
    json_t *root = load_object(data, len, what, err, errlen);
    if (!root)
        return SK_EPARSE;
    int rc;
    if ((rc = req_i32(root, "brokerid", INT32_MIN, what, &out->broker_id, err, errlen)) != SK_OK)
        goto out;
    json_t *v = json_object_get(root, "version");
    if (v && (rc = req_i32(root, "version", 0, what, &out->version, err, errlen)) != SK_OK)
        goto out;
    v = json_object_get(root, "kraftControllerEpoch");
    if (v && (rc = req_i32(root, "kraftControllerEpoch", -1, what, &out->kraft_controller_epoch,
                           err, errlen)) != SK_OK)
        goto out;
    if (json_object_get(root, "timestamp") &&
        (rc = dec64_field(root, "timestamp", what, &out->timestamp, err, errlen)) != SK_OK)
        goto out;
    rc = SK_OK;
out:
    json_decref(root);
    return rc;
}

char *sk_znode_controller_epoch_encode(int32_t epoch)
{
    return sk_asprintf("%" PRId32, epoch);
}

int sk_znode_controller_epoch_decode(const char *data, size_t len, int32_t *epoch, char *err,
                                     size_t errlen)
{
    int64_t v;
    if (!data || len == 0 || data[0] == '-' || parse_dec64(data, len, &v) != SK_OK ||
        v > INT32_MAX)
        return fail(err, errlen, SK_EPARSE,
                    "/controller_epoch: not a non-negative decimal 32-bit integer");
    *epoch = (int32_t)v;
    return SK_OK;
}

/* ---- Scala 2.13 HashMap order --------------------------------------- */


typedef struct {
    uint32_t bucket;
    int32_t hash;
    int index;
} hm_slot_t;

static int hm_cmp(const void *a, const void *b)
{
    const hm_slot_t *x = a, *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->index - y->index;
}

void sk_znode_hashmap_order(const char *const *keys, int n, int initial_size, int *order)
{
    uint64_t size = initial_size > 0 ? (uint64_t)initial_size : 16;
    /* put0: grow when contentSize + 1 >= threshold (size * 0.75). */
    for (int k = 1; k <= n; k++)
        if ((uint64_t)k >= size * 3 / 4)
            size *= 2;
    hm_slot_t *s = sk_calloc((size_t)(n > 0 ? n : 1), sizeof(*s));
    for (int i = 0; i < n; i++) {
        uint32_t h = (uint32_t)sk_java_hash(keys[i], strlen(keys[i]));
        h ^= h >> 16;
        s[i].hash = (int32_t)h;
        s[i].bucket = (uint32_t)(h & (size - 1));
        s[i].index = i;
    }
    qsort(s, (size_t)n, sizeof(*s), hm_cmp);
    for (int i = 0; i < n; i++)
        order[i] = s[i].index;
    free(s);
}

/* ---- /brokers/topics/<t> -------------------------------------------- */

/* {"<p>":[r...],...} in Scala 2.13 HashMap order (initially empty map). */
static json_t *replicas_map(const sk_znode_replicas_t *a, int n)
{
    json_t *obj = json_object();
    if (n <= 0)
        return obj;
    char **keys = sk_calloc((size_t)n, sizeof(*keys));
    int *order = sk_calloc((size_t)n, sizeof(*order));
    for (int i = 0; i < n; i++)
        keys[i] = sk_asprintf("%" PRId32, a[i].partition);
    sk_znode_hashmap_order((const char *const *)keys, n, 16, order);
    for (int i = 0; i < n; i++) {
        const sk_znode_replicas_t *r = &a[order[i]];
        json_object_set_new(obj, keys[order[i]], i32_array(r->replicas, r->n_replicas));
    }
    for (int i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    free(order);
    return obj;
}

char *sk_znode_topic_encode(const sk_znode_topic_t *t)
{
    if (t->n_partitions <= 0)
        return NULL;
    for (int i = 0; i < t->n_partitions; i++)
        if (t->partitions[i].partition != i)
            return NULL;
    json_t *root = json_object();
    json_object_set_new(root, "partitions", replicas_map(t->partitions, t->n_partitions));
    if (t->topic_id)
        json_object_set_new(root, "topic_id", json_string(t->topic_id));
    json_object_set_new(root, "adding_replicas", replicas_map(t->adding, t->n_adding));
    json_object_set_new(root, "removing_replicas", replicas_map(t->removing, t->n_removing));
    json_object_set_new(root, "version", json_integer(3));
    return dump(root);
}

static void replicas_free(sk_znode_replicas_t *a, int n)
{
    for (int i = 0; i < n; i++)
        free(a[i].replicas);
    free(a);
}

void sk_znode_topic_clear(sk_znode_topic_t *t)
{
    if (!t)
        return;
    free(t->topic_id);
    replicas_free(t->partitions, t->n_partitions);
    replicas_free(t->adding, t->n_adding);
    replicas_free(t->removing, t->n_removing);
    memset(t, 0, sizeof(*t));
}

/* Canonical decimal partition id ("0", "17"; not "01", "-1", "+1"). */
static int parse_partition_key(const char *k, int32_t *out)
{
    size_t n = strlen(k);
    int64_t v;
    if (n == 0 || (n > 1 && k[0] == '0') || k[0] == '-' || parse_dec64(k, n, &v) != SK_OK ||
        v > INT32_MAX)
        return SK_EPARSE;
    *out = (int32_t)v;
    return SK_OK;
}

/* Decode {"p":[..],...}. dense: ids must be exactly 0..n-1 and the result is
 * indexed by id. */
static int decode_replicas_map(json_t *obj, int dense, sk_znode_replicas_t **out, int *n_out,
                               const char *name, char *err, size_t errlen)
{
    *out = NULL;
    *n_out = 0;
    if (!json_is_object(obj))
        return fail(err, errlen, SK_EPARSE, "topic: \"%s\" is not an object", name);
    size_t n = json_object_size(obj);
    if (n > INT_MAX)
        return fail(err, errlen, SK_EPARSE, "topic: \"%s\" is too large", name);
    sk_znode_replicas_t *a = n ? sk_calloc(n, sizeof(*a)) : NULL;
    int rc = SK_OK, i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        int32_t p;
        if (parse_partition_key(key, &p) != SK_OK) {
            rc = fail(err, errlen, SK_EPARSE, "topic: \"%s\" has a bad partition id \"%.20s\"",
                      name, key);
            goto out;
        }
        int slot = i;
        if (dense) {
            if ((size_t)p >= n || a[p].replicas || a[p].partition == -1) {
                rc = fail(err, errlen, SK_EPARSE,
                          "topic: partition ids are not 0..%zu (found %" PRId32 ")", n - 1, p);
                goto out;
            }
            slot = p;
        }
        a[slot].partition = p;
        if (get_i32_array(val, 0, &a[slot].replicas, &a[slot].n_replicas) != SK_OK) {
            rc = fail(err, errlen, SK_EPARSE,
                      "topic: \"%s\" partition %" PRId32 " is not an array of broker ids", name,
                      p);
            goto out;
        }
        if (dense && a[slot].n_replicas == 0)
            a[slot].partition = -1; /* mark the slot taken even without replicas */
        i++;
    }
    if (dense)
        for (size_t k = 0; k < n; k++)
            a[k].partition = (int32_t)k;
    *out = a;
    *n_out = (int)n;
    a = NULL;
out:
    if (a)
        replicas_free(a, (int)n);
    return rc;
}

int sk_znode_topic_decode(const char *data, size_t len, sk_znode_topic_t *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_t *root = load_object(data, len, "topic", err, errlen);
    if (!root)
        return SK_EPARSE;
    int rc;
    if ((rc = req_i32(root, "version", 1, "topic", &out->version, err, errlen)) != SK_OK)
        goto out;
    json_t *parts = json_object_get(root, "partitions");
    if (!parts) {
        rc = fail(err, errlen, SK_EPARSE, "topic: missing \"partitions\"");
        goto out;
    }
    rc = decode_replicas_map(parts, 1, &out->partitions, &out->n_partitions, "partitions", err,
                             errlen);
    if (rc != SK_OK)
        goto out;
    json_t *v = json_object_get(root, "adding_replicas");
    if (v && !json_is_null(v) &&
        (rc = decode_replicas_map(v, 0, &out->adding, &out->n_adding, "adding_replicas", err,
                                  errlen)) != SK_OK)
        goto out;
    v = json_object_get(root, "removing_replicas");
    if (v && !json_is_null(v) &&
        (rc = decode_replicas_map(v, 0, &out->removing, &out->n_removing, "removing_replicas",
                                  err, errlen)) != SK_OK)
        goto out;
    v = json_object_get(root, "topic_id");
    if (v && !json_is_null(v)) {
        uint8_t raw[16];
        if (!json_is_string(v) || sk_znode_uuid_decode(json_string_value(v), raw) != SK_OK) {
            rc = fail(err, errlen, SK_EPARSE, "topic: \"topic_id\" is not a 22-character Uuid");
            goto out;
        }
        out->topic_id = sk_strdup(json_string_value(v));
    }
    rc = SK_OK;
out:
    json_decref(root);
    if (rc != SK_OK)
        sk_znode_topic_clear(out);
    return rc;
}

/* ---- partition state ------------------------------------------------ */

char *sk_znode_pstate_encode(const sk_znode_pstate_t *s)
{
    json_t *root = json_object();
    json_object_set_new(root, "controller_epoch", json_integer(s->controller_epoch));
    json_object_set_new(root, "leader", json_integer(s->leader));
    json_object_set_new(root, "version", json_integer(1));
    if (s->leader_recovery_state != 0)
        json_object_set_new(root, "leader_recovery_state",
                            json_integer(s->leader_recovery_state));
    json_object_set_new(root, "leader_epoch", json_integer(s->leader_epoch));
    json_object_set_new(root, "isr", i32_array(s->isr, s->n_isr));
    return dump(root);
}

void sk_znode_pstate_clear(sk_znode_pstate_t *s)
{
    if (!s)
        return;
    free(s->isr);
    memset(s, 0, sizeof(*s));
}

int sk_znode_pstate_decode(const char *data, size_t len, sk_znode_pstate_t *out, char *err,
                           size_t errlen)
{
    static const char *what = "partition state";
    memset(out, 0, sizeof(*out));
    json_t *root = load_object(data, len, what, err, errlen);
    if (!root)
        return SK_EPARSE;
    int rc;
    if ((rc = req_i32(root, "leader", -2, what, &out->leader, err, errlen)) != SK_OK)
        goto out;
    if ((rc = req_i32(root, "leader_epoch", 0, what, &out->leader_epoch, err, errlen)) != SK_OK)
        goto out;
    if ((rc = req_i32(root, "controller_epoch", 0, what, &out->controller_epoch, err, errlen)) !=
        SK_OK)
        goto out;
    json_t *v = json_object_get(root, "leader_recovery_state");
    if (v && (rc = req_i32(root, "leader_recovery_state", 0, what, &out->leader_recovery_state,
                           err, errlen)) != SK_OK)
        goto out;
    if (out->leader_recovery_state > 1) {
        rc = fail(err, errlen, SK_EPARSE, "%s: unknown leader_recovery_state %" PRId32, what,
                  out->leader_recovery_state);
        goto out;
    }
    v = json_object_get(root, "isr");
    if (!v || get_i32_array(v, 0, &out->isr, &out->n_isr) != SK_OK) {
        rc = fail(err, errlen, SK_EPARSE, "%s: \"isr\" missing or not an array of broker ids",
                  what);
        goto out;
    }
    rc = SK_OK;
out:
    json_decref(root);
    if (rc != SK_OK)
        sk_znode_pstate_clear(out);
    return rc;
}

/* ---- config --------------------------------------------------------- */

char *sk_znode_config_encode(const char *const *keys, const char *const *values, int n)
{
    json_t *root = json_object();
    json_t *cfg = json_object();
    for (int i = 0; i < n; i++)
        json_object_set_new(cfg, keys[i], json_string(values[i]));
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "config", cfg);
    return dump(root);
}

const char *sk_znode_config_get(const sk_znode_config_t *c, const char *key)
{
    for (int i = 0; c && key && i < c->n; i++)
        if (strcmp(c->keys[i], key) == 0)
            return c->values[i];
    return NULL;
}

void sk_znode_config_clear(sk_znode_config_t *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++) {
        free(c->keys[i]);
        free(c->values[i]);
    }
    free(c->keys);
    free(c->values);
    memset(c, 0, sizeof(*c));
}

int sk_znode_config_decode(const char *data, size_t len, sk_znode_config_t *out, char *err,
                           size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!data || len == 0)
        return SK_OK;
    json_t *root = load_object(data, len, "config", err, errlen);
    if (!root)
        return SK_EPARSE;
    int rc = SK_OK;
    json_t *cfg = json_object_get(root, "config");
    if (!cfg || json_is_null(cfg))
        goto out;
    if (!json_is_object(cfg)) {
        rc = fail(err, errlen, SK_EPARSE, "config: \"config\" is not an object");
        goto out;
    }
    size_t n = json_object_size(cfg);
    out->keys = sk_calloc(n ? n : 1, sizeof(char *));
    out->values = sk_calloc(n ? n : 1, sizeof(char *));
    const char *key;
    json_t *val;
    json_object_foreach(cfg, key, val)
    {
        if (!json_is_string(val)) {
            rc = fail(err, errlen, SK_EPARSE, "config: value of \"%.64s\" is not a string", key);
            goto out;
        }
        out->keys[out->n] = sk_strdup(key);
        out->values[out->n] = sk_strdup(json_string_value(val));
        out->n++;
    }
out:
    json_decref(root);
    if (rc != SK_OK)
        sk_znode_config_clear(out);
    return rc;
}

/* ---- config change notifications ------------------------------------ */

char *sk_znode_config_change_encode(const char *entity_type, const char *entity_name)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(2));
    char *path = sk_asprintf("%s/%s", entity_type, entity_name);
    json_object_set_new(root, "entity_path", json_string(path));
    free(path);
    return dump(root);
}

static const char *const change_types[] = {"topics", "brokers", "users", "clients", "ips", NULL};

/* Every '/'-separated segment of s is non-empty and neither "." nor "..". */
static int segments_ok(const char *s)
{
    const char *p = s;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        if (!slash)
            return 1;
        p = slash + 1;
    }
}

static int check_entity(const char *type, const char *name, char *err, size_t errlen)
{
    int known = 0;
    for (int i = 0; change_types[i]; i++)
        if (strcmp(change_types[i], type) == 0)
            known = 1;
    if (!known)
        return fail(err, errlen, SK_EPARSE, "config change: unknown entity type \"%.64s\"", type);
    if (!*name || !segments_ok(name))
        return fail(err, errlen, SK_EPARSE, "config change: invalid entity name \"%.64s\"", name);
    const char *slash = strchr(name, '/');
    if (slash) {
        /* only users/<user>/clients/<client> nests */
        const char *rest = slash + 1;
        if (strcmp(type, "users") != 0 || strncmp(rest, "clients/", 8) != 0 ||
            strchr(rest + 8, '/'))
            return fail(err, errlen, SK_EPARSE,
                        "config change: invalid entity name \"%.64s\" for %s", name, type);
    }
    return SK_OK;
}

int sk_znode_config_change_decode(const char *data, size_t len, char **type, char **name,
                                  char *err, size_t errlen)
{
    *type = *name = NULL;
    json_t *root = load_object(data, len, "config change", err, errlen);
    if (!root)
        return SK_EPARSE;
    int rc = SK_OK;
    int64_t version;
    if (get_int(json_object_get(root, "version"), 1, 2, &version) != SK_OK) {
        rc = fail(err, errlen, SK_EPARSE, "config change: \"version\" is not 1 or 2");
        goto out;
    }
    if (version == 2) {
        json_t *p = json_object_get(root, "entity_path");
        if (!json_is_string(p)) {
            rc = fail(err, errlen, SK_EPARSE, "config change: \"entity_path\" is not a string");
            goto out;
        }
        const char *path = json_string_value(p);
        const char *slash = strchr(path, '/');
        if (!slash) {
            rc = fail(err, errlen, SK_EPARSE, "config change: entity_path \"%.64s\" has no '/'",
                      path);
            goto out;
        }
        *type = sk_strndup(path, (size_t)(slash - path));
        *name = sk_strdup(slash + 1);
    } else {
        json_t *t = json_object_get(root, "entity_type");
        json_t *n = json_object_get(root, "entity_name");
        if (!json_is_string(t) || !json_is_string(n)) {
            rc = fail(err, errlen, SK_EPARSE,
                      "config change: version 1 needs string entity_type and entity_name");
            goto out;
        }
        *type = sk_strdup(json_string_value(t));
        *name = sk_strdup(json_string_value(n));
    }
    rc = check_entity(*type, *name, err, errlen);
out:
    json_decref(root);
    if (rc != SK_OK) {
        free(*type);
        free(*name);
        *type = *name = NULL;
    }
    return rc;
}

long long sk_znode_config_change_seq(const char *child)
{
    size_t pl = strlen(SK_ZNODE_CONFIG_CHANGE_PREFIX);
    if (strncmp(child, SK_ZNODE_CONFIG_CHANGE_PREFIX, pl) != 0 || !child[pl])
        return -1;
    long long v = 0;
    for (const char *p = child + pl; *p; p++) {
        if (*p < '0' || *p > '9' || v > (LLONG_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

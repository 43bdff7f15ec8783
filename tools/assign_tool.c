/* assign_tool.c - rack-unaware replica assignment and --replica-assignment
 * parsing (see assign_tool.h). */
#include "assign_tool.h"
#include "assign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "kerr.h"
#include "mem.h"
#include "toolopt.h"

void sk_assignment_clear(sk_assignment_t *a)
{
    if (a->replicas)
        for (int p = 0; p < a->n_partitions; p++)
            free(a->replicas[p]);
    free(a->replicas);
    free(a->n_replicas);
    memset(a, 0, sizeof(*a));
}

static void assignment_alloc(sk_assignment_t *a, int n_partitions)
{
    a->n_partitions = n_partitions;
    a->replicas = sk_calloc((size_t)n_partitions + 1, sizeof(int32_t *));
    a->n_replicas = sk_calloc((size_t)n_partitions + 1, sizeof(int));
}

/* Parse one partition's "1:2:3" into a fresh array. */
static int parse_partition(const char *s, size_t len, int p, int32_t **out, int *n, char *err,
                           size_t errlen)
{
    int cap = 1;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ':')
            cap++;
    int32_t *v = sk_calloc((size_t)cap, sizeof(int32_t));
    int cnt = 0;
    int rc = SK_OK;
    size_t start = 0;
    while (start <= len) {
        size_t end = start;
        while (end < len && s[end] != ':')
            end++;
        size_t a = start, b = end;
        while (a < b && (s[a] == ' ' || s[a] == '\t'))
            a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
            b--;
        char *tok = sk_strndup(s + a, b - a);
        long long x;
        char e[128];
        rc = sk_topt_int(tok, 0, INT32_MAX, &x, e, sizeof(e));
        if (rc != SK_OK) {
            snprintf(err, errlen, "invalid broker id '%s' for partition %d in replica assignment",
                     tok, p);
            free(tok);
            goto out;
        }
        free(tok);
        v[cnt++] = (int32_t)x;
        start = end + 1;
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

/* "1,2" listing the ids of v that occur more than once (each once). */
static char *duplicates_text(const int32_t *v, int n)
{
    size_t cap = (size_t)n * 12 + 1, len = 0;
    char *s = sk_calloc(1, cap);
    for (int i = 0; i < n; i++) {
        int first = 1, dup = 0;
        for (int j = 0; j < i; j++)
            if (v[j] == v[i])
                first = 0;
        for (int j = i + 1; j < n; j++)
            if (v[j] == v[i])
                dup = 1;
        if (first && dup)
            len += (size_t)snprintf(s + len, cap - len, "%s%d", len ? "," : "", (int)v[i]);
    }
    return s;
}

int sk_assign_parse(const char *spec, sk_assignment_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!spec || !*spec) {
        snprintf(err, errlen, "empty replica assignment");
        return SK_EINVAL;
    }
    int n = 1;
    for (const char *p = spec; *p; p++)
        if (*p == ',')
            n++;
    assignment_alloc(out, n);
    int rc = SK_OK;
    const char *p = spec;
    for (int i = 0; i < n; i++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        rc = parse_partition(p, len, i, &out->replicas[i], &out->n_replicas[i], err, errlen);
        if (rc != SK_OK)
            goto out;
        char *dups = duplicates_text(out->replicas[i], out->n_replicas[i]);
        if (*dups) {
            snprintf(err, errlen,
                     "Partition replica lists may not contain duplicate entries: %s", dups);
            free(dups);
            rc = SK_EINVAL;
            goto out;
        }
        free(dups);
        if (out->n_replicas[i] != out->n_replicas[0]) {
            snprintf(err, errlen, "Partition %d has different replication factor: %d (partition 0 "
                     "has %d)", i, out->n_replicas[i], out->n_replicas[0]);
            rc = SK_EINVAL;
            goto out;
        }
        p = comma ? comma + 1 : p + len;
    }
out:
    if (rc != SK_OK)
        sk_assignment_clear(out);
    return rc;
}

int sk_assign_rack_unaware(const int32_t *brokers, int n_brokers, int n_partitions, int rf,
                           int start_index, int replica_shift, int start_partition_id,
                           sk_assignment_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (n_partitions <= 0) {
        snprintf(err, errlen, "Number of partitions must be larger than 0.");
        return SK_EINVAL;
    }
    if (rf <= 0) {
        snprintf(err, errlen, "Replication factor must be larger than 0.");
        return SK_EINVAL;
    }
    if (rf > n_brokers) {
        snprintf(err, errlen, "Replication factor: %d larger than available brokers: %d.", rf,
                 n_brokers);
        return SK_EINVAL;
    }
    if (start_index < 0 || replica_shift < 0 || start_partition_id < 0) {
        snprintf(err, errlen, "negative start index, shift or partition id");
        return SK_EINVAL;
    }
    /* The placement itself is the controller's (controller/assign.c). */
    sk_assign_broker_t *bl = sk_calloc((size_t)n_brokers, sizeof(*bl));
    for (int i = 0; i < n_brokers; i++)
        bl[i].id = brokers[i];
    int32_t *flat = sk_calloc((size_t)n_partitions * (size_t)rf, sizeof(int32_t));
    int rc = sk_assign_replicas(bl, n_brokers, n_partitions, rf, start_partition_id, start_index,
                                replica_shift, flat, err, errlen);
    free(bl);
    if (rc != SK_OK) {
        free(flat);
        return rc;
    }
    assignment_alloc(out, n_partitions);
    for (int i = 0; i < n_partitions; i++) {
        out->replicas[i] = sk_calloc((size_t)rf, sizeof(int32_t));
        memcpy(out->replicas[i], flat + (size_t)i * (size_t)rf, (size_t)rf * sizeof(int32_t));
        out->n_replicas[i] = rf;
    }
    free(flat);
    return SK_OK;
}

int sk_assign_validate(const sk_assignment_t *a, char *err, size_t errlen)
{
    if (a->n_partitions <= 0) {
        snprintf(err, errlen, "Number of partitions must be larger than 0.");
        return SK_EINVAL;
    }
    for (int p = 0; p < a->n_partitions; p++) {
        if (a->n_replicas[p] <= 0) {
            snprintf(err, errlen, "Partition %d has no replicas.", p);
            return SK_EINVAL;
        }
        char *dups = duplicates_text(a->replicas[p], a->n_replicas[p]);
        if (*dups) {
            snprintf(err, errlen, "Duplicate replica assignment found: partition %d: %s", p, dups);
            free(dups);
            return SK_EINVAL;
        }
        free(dups);
        if (a->n_replicas[p] != a->n_replicas[0]) {
            snprintf(err, errlen, "All partitions should have the same number of replicas");
            return SK_EINVAL;
        }
    }
    return SK_OK;
}

int sk_assign_check_brokers(const sk_assignment_t *a, const int32_t *live, int n_live, char *err,
                            size_t errlen)
{
    size_t cap = 64, len = 0;
    char *unknown = sk_calloc(1, cap);
    int32_t *seen = NULL;
    int n_seen = 0, seen_cap = 0;
    for (int p = 0; p < a->n_partitions; p++) {
        for (int j = 0; j < a->n_replicas[p]; j++) {
            int32_t id = a->replicas[p][j];
            int ok = 0;
            for (int k = 0; k < n_live && !ok; k++)
                ok = live[k] == id;
            for (int k = 0; k < n_seen && !ok; k++)
                ok = seen[k] == id;
            if (ok)
                continue;
            if (n_seen == seen_cap) {
                seen_cap = seen_cap ? seen_cap * 2 : 8;
                seen = sk_realloc(seen, (size_t)seen_cap * sizeof(int32_t));
            }
            seen[n_seen++] = id;
            if (len + 16 > cap) {
                cap *= 2;
                unknown = sk_realloc(unknown, cap);
            }
            len += (size_t)snprintf(unknown + len, cap - len, "%s%d", len ? "," : "", (int)id);
        }
    }
    int rc = SK_OK;
    if (n_seen) {
        snprintf(err, errlen, "Unknown broker(s) in replica assignment: %s.", unknown);
        rc = SK_EINVAL;
    }
    free(unknown);
    free(seen);
    return rc;
}

int sk_assign_random_index(int n)
{
    uint32_t r = 0;
    if (n <= 1)
        return 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (uint32_t)rand();
    /* rejection sampling keeps the draw uniform */
    uint32_t limit = UINT32_MAX - UINT32_MAX % (uint32_t)n;
    while (r >= limit)
        if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
            r = (uint32_t)rand() % (uint32_t)n;
    return (int)(r % (uint32_t)n);
}

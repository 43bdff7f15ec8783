/* assign.c - Kafka's replica assignment (see assign.h). */
#include "assign.h"

#include "kerr.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static int random_below(int n)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (uint32_t)rand();
    return n > 0 ? (int)(r % (uint32_t)n) : 0;
}

/* Index of the j-th follower given the first replica and the shift. */
static int follower_index(int first, int shift, int j, int n)
{
    int s = 1 + (shift + j) % (n - 1);
    return (first + s) % n;
}

static int cmp_id(const void *a, const void *b)
{
    int32_t x = ((const sk_assign_broker_t *)a)->id, y = ((const sk_assign_broker_t *)b)->id;
    return x < y ? -1 : x > y;
}

static int cmp_rack(const void *a, const void *b)
{
    const sk_assign_broker_t *x = a, *y = b;
    int c = strcmp(x->rack, y->rack);
    return c ? c : cmp_id(a, b);
}

/* Brokers ordered to alternate racks: racks sorted by name, brokers within a
 * rack by id, then one from each rack in turn. */
static void rack_alternated(const sk_assign_broker_t *sorted_by_rack, int n,
                            sk_assign_broker_t *out)
{
    int n_racks = 0;
    int *rack_start = sk_calloc((size_t)n + 1, sizeof(int));
    for (int i = 0; i < n; i++)
        if (i == 0 || strcmp(sorted_by_rack[i].rack, sorted_by_rack[i - 1].rack) != 0)
            rack_start[n_racks++] = i;
    rack_start[n_racks] = n;
    int *next = sk_calloc((size_t)n_racks, sizeof(int));
    int filled = 0, r = 0;
    while (filled < n) {
        int at = rack_start[r] + next[r];
        if (at < rack_start[r + 1]) {
            out[filled++] = sorted_by_rack[at];
            next[r]++;
        }
        r = (r + 1) % n_racks;
    }
    free(next);
    free(rack_start);
}

static int count_racks(const sk_assign_broker_t *sorted_by_rack, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (i == 0 || strcmp(sorted_by_rack[i].rack, sorted_by_rack[i - 1].rack) != 0)
            k++;
    return k;
}

static int contains_id(const int32_t *v, int n, int32_t id)
{
    for (int i = 0; i < n; i++)
        if (v[i] == id)
            return 1;
    return 0;
}

int sk_assign_replicas(const sk_assign_broker_t *brokers, int n_brokers, int32_t n_partitions,
                       int replication_factor, int32_t first_partition, int start_index,
                       int replica_shift, int32_t *out, char *err, size_t errlen)
{
    if (n_brokers < 1) {
        snprintf(err, errlen, "no live brokers");
        return SK_EINVAL;
    }
    if (replication_factor < 1) {
        snprintf(err, errlen, "Replication factor must be larger than 0.");
        return SK_EINVAL;
    }
    if (replication_factor > n_brokers) {
        snprintf(err, errlen, "Replication factor: %d larger than available brokers: %d.",
                 replication_factor, n_brokers);
        return SK_EINVAL;
    }
    int with_rack = 0;
    for (int i = 0; i < n_brokers; i++)
        if (brokers[i].rack)
            with_rack++;
    if (with_rack != 0 && with_rack != n_brokers) {
        snprintf(err, errlen, "Not all brokers have rack information for replica rack aware "
                 "assignment.");
        return SK_EINVAL;
    }
    int n = n_brokers;
    sk_assign_broker_t *list = sk_calloc((size_t)n, sizeof(*list));
    memcpy(list, brokers, (size_t)n * sizeof(*list));
    int n_racks = 0;
    if (with_rack) {
        qsort(list, (size_t)n, sizeof(*list), cmp_rack);
        n_racks = count_racks(list, n);
        sk_assign_broker_t *alt = sk_calloc((size_t)n, sizeof(*alt));
        rack_alternated(list, n, alt);
        free(list);
        list = alt;
    } else {
        qsort(list, (size_t)n, sizeof(*list), cmp_id);
    }
    int start = start_index >= 0 ? start_index % n : random_below(n);
    int shift = replica_shift >= 0 ? replica_shift : random_below(n);
    int32_t pid = first_partition > 0 ? first_partition : 0;
    for (int32_t k = 0; k < n_partitions; k++, pid++) {
        if (pid > 0 && pid % n == 0)
            shift++;
        int first = (int)((pid + start) % n);
        int32_t *row = out + (size_t)k * (size_t)replication_factor;
        row[0] = list[first].id;
        if (!with_rack) {
            for (int j = 0; j < replication_factor - 1; j++)
                row[j + 1] = list[follower_index(first, shift, j, n)].id;
            continue;
        }
        /* Rack-aware: prefer brokers on racks (and brokers) not yet used. */
        const char **racks_used = sk_calloc((size_t)replication_factor, sizeof(char *));
        int n_racks_used = 1, placed = 1, j = 0;
        racks_used[0] = list[first].rack;
        while (placed < replication_factor) {
            const sk_assign_broker_t *cand =
                &list[follower_index(first, shift * n_racks, j, n)];
            int rack_seen = 0;
            for (int q = 0; q < n_racks_used; q++)
                if (strcmp(racks_used[q], cand->rack) == 0)
                    rack_seen = 1;
            if ((!rack_seen || n_racks_used == n_racks) &&
                (!contains_id(row, placed, cand->id) || placed == n)) {
                row[placed++] = cand->id;
                if (!rack_seen)
                    racks_used[n_racks_used++] = cand->rack;
            }
            j++;
        }
        free(racks_used);
    }
    free(list);
    return SK_OK;
}

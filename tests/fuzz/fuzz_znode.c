/* fuzz_znode.c - libFuzzer target for the znode JSON decoders (znode.c).
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_znode` or scripts/fuzz.sh fuzz_znode. Seeds:
 * tests/fuzz/corpus/fuzz_znode/ (one znode of each kind, a topic name and a
 * topic id). Selector 3 runs both /config/<type>/<name> and /config/changes
 * decoders on the payload; selector 7 the reassignment JSON of
 * /admin/reassign_partitions and skein-reassign-partitions' files
 * (reassign_json.c), and the tool's topics-to-move JSON.
 *
 * The first input byte picks the decoder; the rest is the znode payload.
 * Every successful decode is re-encoded where an encoder exists and decoded
 * again, and the two results must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "javahash.h"
#include "reassign_json.h"
#include "znode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static void fuzz_topic(const char *p, size_t n, char *err, size_t errlen)
{
    sk_znode_topic_t t, t2;
    if (sk_znode_topic_decode(p, n, &t, err, errlen) != SK_OK) {
        check(t.partitions == NULL && t.topic_id == NULL);
        return;
    }
    for (int i = 0; i < t.n_partitions; i++)
        check(t.partitions[i].partition == i);
    char *j = sk_znode_topic_encode(&t);
    if (j) {
        check(sk_znode_topic_decode(j, strlen(j), &t2, err, errlen) == SK_OK);
        check(t2.n_partitions == t.n_partitions && t2.n_adding == t.n_adding &&
              t2.n_removing == t.n_removing);
        for (int i = 0; i < t.n_partitions; i++) {
            check(t2.partitions[i].n_replicas == t.partitions[i].n_replicas);
            if (t.partitions[i].n_replicas)
                check(!memcmp(t2.partitions[i].replicas, t.partitions[i].replicas,
                              (size_t)t.partitions[i].n_replicas * sizeof(int32_t)));
        }
        sk_znode_topic_clear(&t2);
        free(j);
    } else {
        check(t.n_partitions == 0);
    }
    sk_znode_topic_clear(&t);
}

static void fuzz_broker(const char *p, size_t n, char *err, size_t errlen)
{
    sk_znode_broker_t b, b2;
    if (sk_znode_broker_decode(p, n, &b, err, errlen) != SK_OK) {
        check(b.endpoints == NULL);
        return;
    }
    char *j = sk_znode_broker_encode(&b);
    if (j) {
        /* Listener names can repeat in the input; the map then collapses,
         * which may make the re-encoded node undecodable. Only require no
         * crash and consistent endpoint counts when it decodes. */
        if (sk_znode_broker_decode(j, strlen(j), &b2, err, errlen) == SK_OK) {
            check(b2.n_endpoints == b.n_endpoints);
            sk_znode_broker_clear(&b2);
        }
        free(j);
    }
    sk_znode_broker_clear(&b);
}

static void fuzz_pstate(const char *p, size_t n, char *err, size_t errlen)
{
    sk_znode_pstate_t s, s2;
    if (sk_znode_pstate_decode(p, n, &s, err, errlen) != SK_OK) {
        check(s.isr == NULL);
        return;
    }
    char *j = sk_znode_pstate_encode(&s);
    check(j != NULL);
    check(sk_znode_pstate_decode(j, strlen(j), &s2, err, errlen) == SK_OK);
    check(s2.leader == s.leader && s2.leader_epoch == s.leader_epoch &&
          s2.controller_epoch == s.controller_epoch && s2.n_isr == s.n_isr &&
          s2.leader_recovery_state == s.leader_recovery_state);
    sk_znode_pstate_clear(&s2);
    sk_znode_pstate_clear(&s);
    free(j);
}

static void fuzz_config(const char *p, size_t n, char *err, size_t errlen)
{
    sk_znode_config_t c, c2;
    if (sk_znode_config_decode(p, n, &c, err, errlen) != SK_OK) {
        check(c.n == 0 && c.keys == NULL);
        return;
    }
    char *j = sk_znode_config_encode((const char *const *)c.keys, (const char *const *)c.values,
                                     c.n);
    check(j != NULL);
    check(sk_znode_config_decode(j, strlen(j), &c2, err, errlen) == SK_OK);
    check(c2.n == c.n);
    for (int i = 0; i < c.n; i++)
        check(!strcmp(c.keys[i], c2.keys[i]) && !strcmp(c.values[i], c2.values[i]));
    sk_znode_config_clear(&c2);
    sk_znode_config_clear(&c);
    free(j);
}

/* The same payload as a /config/changes notification: a decoded one
 * names a known type and a name with no empty segment, and its version 2
 * encoding decodes to the same entity. */
static void fuzz_config_change(const char *p, size_t n, char *err, size_t errlen)
{
    char *type, *name, *type2, *name2;
    if (sk_znode_config_change_decode(p, n, &type, &name, err, errlen) != SK_OK) {
        check(type == NULL && name == NULL);
        return;
    }
    check(*type && *name && !strstr(name, "//"));
    char *j = sk_znode_config_change_encode(type, name);
    check(j != NULL);
    check(sk_znode_config_change_decode(j, strlen(j), &type2, &name2, err, errlen) == SK_OK);
    check(!strcmp(type, type2) && !strcmp(name, name2));
    free(type2);
    free(name2);
    free(type);
    free(name);
    free(j);
}

/* Reassignment JSON: decoded lists re-encode and decode to the same. */
static void fuzz_reassign(const char *p, size_t n, char *err, size_t errlen)
{
    sk_reassign_list_t l, l2;
    if (sk_reassign_json_decode(p, n, &l, err, errlen) == SK_OK) {
        for (int dirs = 0; dirs < 2; dirs++) {
            char *j = sk_reassign_json_encode(&l, dirs);
            check(j != NULL);
            check(sk_reassign_json_decode(j, strlen(j), &l2, err, errlen) == SK_OK);
            check(l2.n == l.n);
            for (int i = 0; i < l.n; i++) {
                check(!strcmp(l.items[i].topic, l2.items[i].topic));
                check(l.items[i].partition == l2.items[i].partition);
                check(l.items[i].n_replicas == l2.items[i].n_replicas);
                if (l.items[i].n_replicas)
                    check(!memcmp(l.items[i].replicas, l2.items[i].replicas,
                                  (size_t)l.items[i].n_replicas * sizeof(int32_t)));
            }
            sk_reassign_list_clear(&l2);
            free(j);
        }
        sk_reassign_list_clear(&l);
    } else {
        check(l.n == 0 && l.items == NULL);
    }
    char **names = NULL;
    int nn = 0;
    if (sk_reassign_topics_decode(p, n, &names, &nn, err, errlen) == SK_OK) {
        check(nn > 0);
        sk_reassign_topics_free(names, nn);
    } else {
        check(names == NULL && nn == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char err[256];
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 8) {
    case 0:
        fuzz_topic(p, n, err, sizeof(err));
        break;
    case 1:
        fuzz_broker(p, n, err, sizeof(err));
        break;
    case 2:
        fuzz_pstate(p, n, err, sizeof(err));
        break;
    case 3:
        fuzz_config(p, n, err, sizeof(err));
        fuzz_config_change(p, n, err, sizeof(err));
        break;
    case 4: {
        sk_znode_controller_t c;
        sk_znode_controller_decode(p, n, &c, err, sizeof(err));
        int32_t e;
        sk_znode_controller_epoch_decode(p, n, &e, err, sizeof(err));
        break;
    }
    case 5: {
        char *id = NULL;
        if (sk_znode_cluster_id_decode(p, n, &id, err, sizeof(err)) == SK_OK) {
            char *j = sk_znode_cluster_id_encode(id);
            char *id2 = NULL;
            /* jansson refuses to encode ids that are not valid UTF-8 only
             * if they came from elsewhere; decoded ids are valid. */
            check(j && sk_znode_cluster_id_decode(j, strlen(j), &id2, err, sizeof(err)) == SK_OK);
            check(!strcmp(id, id2));
            free(id2);
            free(j);
        }
        free(id);
        break;
    }
    case 7:
        fuzz_reassign(p, n, err, sizeof(err));
        break;
    default: {
        char *s = strndup(p, n);
        sk_topic_name_valid(s, err, sizeof(err));
        (void)sk_java_hash(s, strlen(s));
        uint8_t raw[16];
        if (sk_znode_uuid_decode(s, raw) == SK_OK) {
            char back[SK_UUID_B64_LEN + 1];
            sk_znode_uuid_encode(raw, back);
            check(!strcmp(back, s));
        }
        free(s);
        break;
    }
    }
    return 0;
}

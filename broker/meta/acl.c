/* acl.c - ACL JSON, the ACL table and authorization decisions (see acl.h). */
#include "meta/acl.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"

/* ---- names ---------------------------------------------------------- */

typedef struct {
    int code;
    const char *name;
} code_name_t;

static const code_name_t res_names[] = {
    {SK_ACL_RES_TOPIC, "Topic"},
    {SK_ACL_RES_GROUP, "Group"},
    {SK_ACL_RES_CLUSTER, "Cluster"},
    {SK_ACL_RES_TRANSACTIONAL_ID, "TransactionalId"},
    {SK_ACL_RES_DELEGATION_TOKEN, "DelegationToken"},
    {SK_ACL_RES_USER, "User"},
    {SK_ACL_RES_ANY, "Any"},
    {0, NULL},
};

static const code_name_t op_names[] = {
    {SK_ACL_OP_ALL, "All"},
    {SK_ACL_OP_READ, "Read"},
    {SK_ACL_OP_WRITE, "Write"},
    {SK_ACL_OP_CREATE, "Create"},
    {SK_ACL_OP_DELETE, "Delete"},
    {SK_ACL_OP_ALTER, "Alter"},
    {SK_ACL_OP_DESCRIBE, "Describe"},
    {SK_ACL_OP_CLUSTER_ACTION, "ClusterAction"},
    {SK_ACL_OP_DESCRIBE_CONFIGS, "DescribeConfigs"},
    {SK_ACL_OP_ALTER_CONFIGS, "AlterConfigs"},
    {SK_ACL_OP_IDEMPOTENT_WRITE, "IdempotentWrite"},
    {SK_ACL_OP_CREATE_TOKENS, "CreateTokens"},
    {SK_ACL_OP_DESCRIBE_TOKENS, "DescribeTokens"},
    {SK_ACL_OP_ANY, "Any"},
    {0, NULL},
};

static const code_name_t perm_names[] = {
    {SK_ACL_PERM_ALLOW, "Allow"},
    {SK_ACL_PERM_DENY, "Deny"},
    {SK_ACL_PERM_ANY, "Any"},
    {0, NULL},
};

static const code_name_t pattern_names[] = {
    {SK_ACL_PAT_LITERAL, "LITERAL"},
    {SK_ACL_PAT_PREFIXED, "PREFIXED"},
    {SK_ACL_PAT_ANY, "ANY"},
    {SK_ACL_PAT_MATCH, "MATCH"},
    {0, NULL},
};

static const char *name_of(const code_name_t *t, int code)
{
    for (; t->name; t++)
        if (t->code == code)
            return t->name;
    return NULL;
}

/* "ClusterAction" equals "CLUSTER_ACTION" and "clusteraction": letters
 * compared without case, underscores skipped. */
static int loose_eq(const char *a, const char *b)
{
    for (;;) {
        while (*a == '_')
            a++;
        while (*b == '_')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
        a++;
        b++;
    }
}

static int code_of(const code_name_t *t, const char *s)
{
    if (!s)
        return 0;
    for (; t->name; t++)
        if (loose_eq(t->name, s))
            return t->code;
    return 0;
}

const char *sk_acl_res_name(int type) { return name_of(res_names, type); }
const char *sk_acl_op_name(int op) { return name_of(op_names, op); }
const char *sk_acl_perm_name(int perm) { return name_of(perm_names, perm); }
const char *sk_acl_pattern_name(int pattern) { return name_of(pattern_names, pattern); }
int sk_acl_res_parse(const char *s) { return code_of(res_names, s); }
int sk_acl_op_parse(const char *s) { return code_of(op_names, s); }
int sk_acl_perm_parse(const char *s) { return code_of(perm_names, s); }
int sk_acl_pattern_parse(const char *s) { return code_of(pattern_names, s); }

static int has_znode(int type) { return type >= SK_ACL_RES_TOPIC && type <= SK_ACL_RES_USER; }

int sk_acl_res_path(int type, int pattern, const char *name, char *buf, size_t len)
{
    if (!has_znode(type) || !name || !*name || strchr(name, '/') || !strcmp(name, ".") ||
        !strcmp(name, ".."))
        return SK_EINVAL;
    const char *root = pattern == SK_ACL_PAT_LITERAL    ? SK_ACL_LITERAL_ROOT
                       : pattern == SK_ACL_PAT_PREFIXED ? SK_ACL_PREFIXED_ROOT
                                                        : NULL;
    if (!root)
        return SK_EINVAL;
    int n = snprintf(buf, len, "%s/%s/%s", root, sk_acl_res_name(type), name);
    return n < 0 || (size_t)n >= len ? SK_EINVAL : SK_OK;
}

/* ---- JSON ----------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return SK_EPARSE;
}

static json_t *load_object(const char *data, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    if (!data || !len) {
        fail(err, errlen, "no data");
        return NULL;
    }
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        fail(err, errlen, "invalid JSON at offset %d: %s", je.position, je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        fail(err, errlen, "not a JSON object");
        return NULL;
    }
    return root;
}

/* The "version" member: absent or 1. */
static int version_ok(json_t *root)
{
    json_t *v = json_object_get(root, "version");
    return !v || (json_is_integer(v) && json_integer_value(v) == 1);
}

static const char *str_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

void sk_acl_entries_free(sk_acl_entry_t *e, int n)
{
    for (int i = 0; i < n; i++) {
        free(e[i].principal);
        free(e[i].host);
    }
    free(e);
}

/* A principal is "<Type>:<name>" with a non-empty type (Kafka's
 * SecurityUtils.parseKafkaPrincipal). */
static int principal_ok(const char *p)
{
    const char *colon = p ? strchr(p, ':') : NULL;
    return colon && colon != p;
}

int sk_acl_znode_parse(const char *data, size_t len, sk_acl_entry_t **out, int *n, char *err,
                       size_t errlen)
{
    int rc = SK_OK;
    sk_acl_entry_t *e = NULL;
    int cnt = 0;
    *out = NULL;
    *n = 0;
    json_t *root = load_object(data, len, err, errlen);
    if (!root)
        return SK_EPARSE;
    json_t *acls = json_object_get(root, "acls");
    if (!version_ok(root)) {
        rc = fail(err, errlen, "unsupported version");
        goto out;
    }
    if (!json_is_array(acls)) {
        rc = fail(err, errlen, "no \"acls\" array");
        goto out;
    }
    size_t total = json_array_size(acls);
    e = total ? sk_calloc(total, sizeof(*e)) : NULL;
    for (size_t i = 0; i < total; i++) {
        json_t *item = json_array_get(acls, i);
        if (!json_is_object(item)) {
            rc = fail(err, errlen, "acls[%zu] is not an object", i);
            goto out;
        }
        const char *principal = str_member(item, "principal");
        const char *perm = str_member(item, "permissionType");
        const char *op = str_member(item, "operation");
        const char *host = str_member(item, "host");
        if (!principal || !perm || !op || !host) {
            rc = fail(err, errlen, "acls[%zu]: principal, permissionType, operation and host "
                      "must be strings", i);
            goto out;
        }
        if (!principal_ok(principal) || !*host) {
            rc = fail(err, errlen, "acls[%zu]: bad principal or host", i);
            goto out;
        }
        int opc = sk_acl_op_parse(op), permc = sk_acl_perm_parse(perm);
        if (opc == SK_ACL_OP_UNKNOWN || opc == SK_ACL_OP_ANY || permc == SK_ACL_PERM_UNKNOWN ||
            permc == SK_ACL_PERM_ANY) {
            rc = fail(err, errlen, "acls[%zu]: unknown operation or permission type", i);
            goto out;
        }
        e[cnt].principal = sk_strdup(principal);
        e[cnt].host = sk_strdup(host);
        e[cnt].op = (int8_t)opc;
        e[cnt].perm = (int8_t)permc;
        cnt++;
    }
out:
    json_decref(root);
    if (rc != SK_OK) {
        sk_acl_entries_free(e, cnt);
        return rc;
    }
    *out = e;
    *n = cnt;
    return SK_OK;
}

static char *dump(json_t *root)
{
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}

char *sk_acl_znode_build(const sk_acl_entry_t *e, int n)
{
    json_t *root = json_object();
    json_t *acls = json_array();
    json_object_set_new(root, "version", json_integer(1));
    for (int i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "principal", json_string(e[i].principal));
        json_object_set_new(o, "permissionType", json_string(sk_acl_perm_name(e[i].perm)));
        json_object_set_new(o, "operation", json_string(sk_acl_op_name(e[i].op)));
        json_object_set_new(o, "host", json_string(e[i].host));
        json_array_append_new(acls, o);
    }
    json_object_set_new(root, "acls", acls);
    return dump(root);
}

int sk_acl_change_parse(const char *data, size_t len, int extended, sk_acl_res_t *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!extended) {
        const char *colon = data ? memchr(data, ':', len) : NULL;
        if (!colon || colon == data || colon + 1 == data + len)
            return fail(err, errlen, "expected <ResourceType>:<name>");
        char type[32];
        size_t tl = (size_t)(colon - data);
        if (tl >= sizeof(type))
            return fail(err, errlen, "unknown resource type");
        memcpy(type, data, tl);
        type[tl] = '\0';
        int t = sk_acl_res_parse(type);
        if (!has_znode(t))
            return fail(err, errlen, "unknown resource type %s", type);
        out->type = (int8_t)t;
        out->pattern = SK_ACL_PAT_LITERAL;
        out->name = sk_strndup(colon + 1, len - tl - 1);
        if (strlen(out->name) != len - tl - 1) { /* a NUL inside */
            free(out->name);
            out->name = NULL;
            return fail(err, errlen, "NUL in the resource name");
        }
        return SK_OK;
    }
    int rc = SK_OK;
    json_t *root = load_object(data, len, err, errlen);
    if (!root)
        return SK_EPARSE;
    const char *type = str_member(root, "resourceType");
    const char *name = str_member(root, "name");
    const char *pattern = str_member(root, "patternType");
    int t = sk_acl_res_parse(type), p = sk_acl_pattern_parse(pattern);
    if (!version_ok(root))
        rc = fail(err, errlen, "unsupported version");
    else if (!name || !*name)
        rc = fail(err, errlen, "no resource name");
    else if (!has_znode(t))
        rc = fail(err, errlen, "unknown resource type");
    else if (p != SK_ACL_PAT_LITERAL && p != SK_ACL_PAT_PREFIXED)
        rc = fail(err, errlen, "unknown pattern type");
    if (rc == SK_OK) {
        out->type = (int8_t)t;
        out->pattern = (int8_t)p;
        out->name = sk_strdup(name);
    }
    json_decref(root);
    return rc;
}

/* "TransactionalId" -> "TRANSACTIONAL_ID" (the Java enum's name). */
static void upper_snake(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 2 < len; i++) {
        if (i > 0 && isupper((unsigned char)in[i]))
            out[o++] = '_';
        out[o++] = (char)toupper((unsigned char)in[i]);
    }
    out[o] = '\0';
}

char *sk_acl_change_build(const sk_acl_res_t *res)
{
    if (res->pattern == SK_ACL_PAT_LITERAL)
        return sk_asprintf("%s:%s", sk_acl_res_name(res->type), res->name);
    char type[40];
    upper_snake(sk_acl_res_name(res->type), type, sizeof(type));
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "resourceType", json_string(type));
    json_object_set_new(root, "name", json_string(res->name));
    json_object_set_new(root, "patternType", json_string(sk_acl_pattern_name(res->pattern)));
    return dump(root);
}

/* ---- filters -------------------------------------------------------- */

int sk_acl_filter_valid(const sk_acl_filter_t *f)
{
    return f->type != SK_ACL_RES_UNKNOWN && sk_acl_res_name(f->type) &&
           f->pattern != SK_ACL_PAT_UNKNOWN && sk_acl_pattern_name(f->pattern) &&
           f->op != SK_ACL_OP_UNKNOWN && sk_acl_op_name(f->op) &&
           f->perm != SK_ACL_PERM_UNKNOWN && sk_acl_perm_name(f->perm);
}

int sk_acl_filter_res(const sk_acl_filter_t *f, const sk_acl_res_t *r)
{
    if (f->type != SK_ACL_RES_ANY && f->type != r->type)
        return 0;
    if (f->pattern != SK_ACL_PAT_ANY && f->pattern != SK_ACL_PAT_MATCH &&
        f->pattern != r->pattern)
        return 0;
    if (!f->name)
        return 1;
    if (f->pattern != SK_ACL_PAT_MATCH)
        return !strcmp(f->name, r->name);
    if (r->pattern == SK_ACL_PAT_LITERAL)
        return !strcmp(f->name, r->name) || !strcmp(r->name, SK_ACL_WILDCARD);
    return r->pattern == SK_ACL_PAT_PREFIXED && !strncmp(f->name, r->name, strlen(r->name));
}

int sk_acl_filter_entry(const sk_acl_filter_t *f, const sk_acl_entry_t *e)
{
    return (!f->principal || !strcmp(f->principal, e->principal)) &&
           (!f->host || !strcmp(f->host, e->host)) &&
           (f->op == SK_ACL_OP_ANY || f->op == e->op) &&
           (f->perm == SK_ACL_PERM_ANY || f->perm == e->perm);
}

/* ---- the table ------------------------------------------------------ */

typedef struct res_node {
    struct res_node *next;  /* hash chain */
    struct res_node *pnext; /* list of prefixed resources */
    uint64_t h;
    sk_acl_res_t res;
    sk_acl_entry_t *e;
    int n;
} res_node_t;

/* A decision cache slot. Two slots per set, chosen by the key's hash; a
 * miss replaces the one used less recently. The key buffer is kept (and
 * only grown) across replacements, so a warm cache allocates nothing. */
typedef struct {
    uint64_t h;
    uint64_t gen; /* valid while equal to the table's generation */
    char *key;
    size_t klen, cap;
    uint64_t used; /* tick of the last use */
    int allow;
} cache_slot_t;

#define CACHE_SLOTS 8192 /* a power of two */

struct sk_acl_s {
    res_node_t **buckets;
    size_t nbuckets;
    int n_res, n_entries;
    res_node_t *prefixed;
    char **supers;
    int n_supers;
    int allow_if_no_acl;
    uint64_t gen;
    cache_slot_t *cache;
    uint64_t hits, misses, tick;
};

/* FNV-1a, fed piece by piece. */
#define FNV_INIT 1469598103934665603ULL
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t res_hash(int type, int pattern, const char *name)
{
    unsigned char tp[2] = {(unsigned char)type, (unsigned char)pattern};
    return fnv(fnv(FNV_INIT, tp, 2), name, strlen(name));
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return sk_strndup(s, n);
}

sk_acl_t *sk_acl_new(const char *super_users, int allow_if_no_acl)
{
    sk_acl_t *a = sk_calloc(1, sizeof(*a));
    a->nbuckets = 64;
    a->buckets = sk_calloc(a->nbuckets, sizeof(*a->buckets));
    a->allow_if_no_acl = allow_if_no_acl;
    a->gen = 1;
    a->cache = sk_calloc(CACHE_SLOTS, sizeof(*a->cache));
    for (const char *p = super_users; p && *p;) {
        const char *semi = strchr(p, ';');
        size_t n = semi ? (size_t)(semi - p) : strlen(p);
        char *one = trim_dup(p, n);
        if (*one) {
            a->supers = sk_realloc(a->supers, (size_t)(a->n_supers + 1) * sizeof(char *));
            a->supers[a->n_supers++] = one;
        } else {
            free(one);
        }
        p = semi ? semi + 1 : p + n;
    }
    return a;
}

static void node_free(res_node_t *nd)
{
    sk_acl_entries_free(nd->e, nd->n);
    free(nd->res.name);
    free(nd);
}

void sk_acl_clear(sk_acl_t *a)
{
    for (size_t i = 0; i < a->nbuckets; i++) {
        res_node_t *nd = a->buckets[i];
        while (nd) {
            res_node_t *next = nd->next;
            node_free(nd);
            nd = next;
        }
        a->buckets[i] = NULL;
    }
    a->prefixed = NULL;
    a->n_res = a->n_entries = 0;
    a->gen++;
}

void sk_acl_free(sk_acl_t *a)
{
    if (!a)
        return;
    sk_acl_clear(a);
    free(a->buckets);
    for (int i = 0; i < a->n_supers; i++)
        free(a->supers[i]);
    free(a->supers);
    for (int i = 0; i < CACHE_SLOTS; i++)
        free(a->cache[i].key);
    free(a->cache);
    free(a);
}

static res_node_t **find_slot(const sk_acl_t *a, int type, int pattern, const char *name,
                              uint64_t h)
{
    res_node_t **pp = &a->buckets[h & (a->nbuckets - 1)];
    for (; *pp; pp = &(*pp)->next) {
        const res_node_t *nd = *pp;
        if (nd->h == h && nd->res.type == type && nd->res.pattern == pattern &&
            !strcmp(nd->res.name, name))
            return pp;
    }
    return pp;
}

static void grow(sk_acl_t *a)
{
    size_t nb = a->nbuckets * 2;
    res_node_t **b = sk_calloc(nb, sizeof(*b));
    for (size_t i = 0; i < a->nbuckets; i++) {
        res_node_t *nd = a->buckets[i];
        while (nd) {
            res_node_t *next = nd->next;
            nd->next = b[nd->h & (nb - 1)];
            b[nd->h & (nb - 1)] = nd;
            nd = next;
        }
    }
    free(a->buckets);
    a->buckets = b;
    a->nbuckets = nb;
}

static sk_acl_entry_t *entries_dup(const sk_acl_entry_t *e, int n)
{
    sk_acl_entry_t *c = n ? sk_calloc((size_t)n, sizeof(*c)) : NULL;
    for (int i = 0; i < n; i++) {
        c[i].principal = sk_strdup(e[i].principal);
        c[i].host = sk_strdup(e[i].host);
        c[i].op = e[i].op;
        c[i].perm = e[i].perm;
    }
    return c;
}

void sk_acl_set(sk_acl_t *a, int type, int pattern, const char *name, const sk_acl_entry_t *e,
                int n)
{
    uint64_t h = res_hash(type, pattern, name);
    res_node_t **pp = find_slot(a, type, pattern, name, h);
    res_node_t *nd = *pp;
    /* copied first: e may point into the entries being replaced */
    sk_acl_entry_t *copy = entries_dup(e, n);
    a->gen++;
    if (nd) {
        a->n_entries -= nd->n;
        sk_acl_entries_free(nd->e, nd->n);
        nd->e = NULL;
        nd->n = 0;
        if (n == 0) { /* the resource goes */
            *pp = nd->next;
            if (pattern == SK_ACL_PAT_PREFIXED) {
                res_node_t **q = &a->prefixed;
                while (*q != nd)
                    q = &(*q)->pnext;
                *q = nd->pnext;
            }
            free(nd->res.name);
            free(nd);
            a->n_res--;
            return;
        }
    } else {
        if (n == 0)
            return;
        nd = sk_calloc(1, sizeof(*nd));
        nd->h = h;
        nd->res.type = (int8_t)type;
        nd->res.pattern = (int8_t)pattern;
        nd->res.name = sk_strdup(name);
        *pp = nd;
        if (pattern == SK_ACL_PAT_PREFIXED) {
            nd->pnext = a->prefixed;
            a->prefixed = nd;
        }
        a->n_res++;
        if ((size_t)a->n_res > a->nbuckets)
            grow(a);
    }
    nd->e = copy;
    nd->n = n;
    a->n_entries += n;
}

int sk_acl_resource_count(const sk_acl_t *a) { return a->n_res; }
int sk_acl_entry_count(const sk_acl_t *a) { return a->n_entries; }

void sk_acl_foreach(const sk_acl_t *a, sk_acl_each_fn fn, void *arg)
{
    for (size_t i = 0; i < a->nbuckets; i++)
        for (const res_node_t *nd = a->buckets[i]; nd; nd = nd->next)
            fn(&nd->res, nd->e, nd->n, arg);
}

const sk_acl_entry_t *sk_acl_get(const sk_acl_t *a, int type, int pattern, const char *name,
                                 int *n)
{
    res_node_t *nd = *find_slot(a, type, pattern, name, res_hash(type, pattern, name));
    *n = nd ? nd->n : 0;
    return nd ? nd->e : NULL;
}

/* ---- decisions ------------------------------------------------------ */

int sk_acl_is_super(const sk_acl_t *a, const char *principal)
{
    for (int i = 0; i < a->n_supers; i++)
        if (!strcmp(a->supers[i], principal))
            return 1;
    return 0;
}

/* Does an ALLOW of `have` allow `want`? Kafka's implied operations. */
static int implies(int have, int want)
{
    if (have == want || have == SK_ACL_OP_ALL)
        return 1;
    if (want == SK_ACL_OP_DESCRIBE)
        return have == SK_ACL_OP_READ || have == SK_ACL_OP_WRITE || have == SK_ACL_OP_DELETE ||
               have == SK_ACL_OP_ALTER;
    if (want == SK_ACL_OP_DESCRIBE_CONFIGS)
        return have == SK_ACL_OP_ALTER_CONFIGS;
    return 0;
}

static int entry_applies(const sk_acl_entry_t *e, const char *principal, const char *host)
{
    return (!strcmp(e->principal, principal) || !strcmp(e->principal, SK_ACL_WILDCARD_PRINCIPAL)) &&
           (!strcmp(e->host, host) || !strcmp(e->host, SK_ACL_WILDCARD));
}

typedef struct {
    int any, deny, allow;
} verdict_t;

static void weigh(const res_node_t *nd, const char *principal, const char *host, int op,
                  verdict_t *v)
{
    if (!nd)
        return;
    for (int i = 0; i < nd->n; i++) {
        const sk_acl_entry_t *e = &nd->e[i];
        v->any = 1;
        if (!entry_applies(e, principal, host))
            continue;
        if (e->perm == SK_ACL_PERM_DENY && (e->op == op || e->op == SK_ACL_OP_ALL))
            v->deny = 1;
        else if (e->perm == SK_ACL_PERM_ALLOW && implies(e->op, op))
            v->allow = 1;
    }
}

static int decide(const sk_acl_t *a, const char *principal, const char *host, int op, int type,
                  const char *name)
{
    verdict_t v = {0, 0, 0};
    if (sk_acl_is_super(a, principal))
        return 1;
    weigh(*find_slot(a, type, SK_ACL_PAT_LITERAL, name,
                     res_hash(type, SK_ACL_PAT_LITERAL, name)),
          principal, host, op, &v);
    if (strcmp(name, SK_ACL_WILDCARD))
        weigh(*find_slot(a, type, SK_ACL_PAT_LITERAL, SK_ACL_WILDCARD,
                         res_hash(type, SK_ACL_PAT_LITERAL, SK_ACL_WILDCARD)),
              principal, host, op, &v);
    for (const res_node_t *nd = a->prefixed; nd; nd = nd->pnext)
        if (nd->res.type == type && !strncmp(name, nd->res.name, strlen(nd->res.name)))
            weigh(nd, principal, host, op, &v);
    if (!v.any)
        return a->allow_if_no_acl;
    return v.allow && !v.deny;
}

/* Has the resource an entry of this permission for principal and host
 * with exactly op or All (Kafka's matchingResources)? */
static int has_exact(const res_node_t *nd, const char *principal, const char *host, int op,
                     int perm)
{
    for (int i = 0; i < nd->n; i++) {
        const sk_acl_entry_t *e = &nd->e[i];
        if (e->perm == perm && (e->op == op || e->op == SK_ACL_OP_ALL) &&
            entry_applies(e, principal, host))
            return 1;
    }
    return 0;
}

/* Is name covered by a prefixed Deny of the type (a deny prefix that name
 * starts with)? */
static int prefix_denied(const sk_acl_t *a, const char *principal, const char *host, int op,
                         int type, const char *name)
{
    for (const res_node_t *nd = a->prefixed; nd; nd = nd->pnext)
        if (nd->res.type == type && !strncmp(name, nd->res.name, strlen(nd->res.name)) &&
            has_exact(nd, principal, host, op, SK_ACL_PERM_DENY))
            return 1;
    return 0;
}

static int decide_any(const sk_acl_t *a, const char *principal, const char *host, int op,
                      int type)
{
    if (sk_acl_is_super(a, principal))
        return 1;
    const res_node_t *wild = *find_slot(a, type, SK_ACL_PAT_LITERAL, SK_ACL_WILDCARD,
                                        res_hash(type, SK_ACL_PAT_LITERAL, SK_ACL_WILDCARD));
    if (wild && has_exact(wild, principal, host, op, SK_ACL_PERM_DENY))
        return 0;
    if (a->allow_if_no_acl)
        return 1;
    for (size_t i = 0; i < a->nbuckets; i++) {
        for (const res_node_t *nd = a->buckets[i]; nd; nd = nd->next) {
            if (nd->res.type != type || !has_exact(nd, principal, host, op, SK_ACL_PERM_ALLOW))
                continue;
            if (prefix_denied(a, principal, host, op, type, nd->res.name))
                continue;
            if (nd->res.pattern == SK_ACL_PAT_LITERAL &&
                has_exact(nd, principal, host, op, SK_ACL_PERM_DENY))
                continue;
            return 1;
        }
    }
    return 0;
}

/* The cache key: principal NUL host NUL op type name. */
static uint64_t key_hash(const char *principal, const char *host, int op, int type,
                         const char *name, size_t *klen)
{
    size_t pl = strlen(principal) + 1, hl = strlen(host) + 1, nl = strlen(name);
    unsigned char ot[2] = {(unsigned char)op, (unsigned char)type};
    *klen = pl + hl + 2 + nl;
    return fnv(fnv(fnv(fnv(FNV_INIT, principal, pl), host, hl), ot, 2), name, nl);
}

static int key_eq(const cache_slot_t *s, const char *principal, const char *host, int op,
                  int type, const char *name, size_t klen)
{
    size_t pl = strlen(principal) + 1, hl = strlen(host) + 1;
    const char *k = s->key;
    return s->klen == klen && !memcmp(k, principal, pl) && !memcmp(k + pl, host, hl) &&
           (unsigned char)k[pl + hl] == (unsigned char)op &&
           (unsigned char)k[pl + hl + 1] == (unsigned char)type &&
           !memcmp(k + pl + hl + 2, name, klen - pl - hl - 2);
}

static void key_store(cache_slot_t *s, const char *principal, const char *host, int op,
                      int type, const char *name, size_t klen)
{
    size_t pl = strlen(principal) + 1, hl = strlen(host) + 1;
    if (s->cap < klen) {
        free(s->key);
        s->key = sk_malloc(klen);
        s->cap = klen;
    }
    memcpy(s->key, principal, pl);
    memcpy(s->key + pl, host, hl);
    s->key[pl + hl] = (char)op;
    s->key[pl + hl + 1] = (char)type;
    memcpy(s->key + pl + hl + 2, name, klen - pl - hl - 2);
    s->klen = klen;
}

/* type_key: the type, with bit 0x80 for authorize_any (name ""). */
static int cached(sk_acl_t *a, const char *principal, const char *host, int op, int type_key,
                  const char *name)
{
    size_t klen;
    uint64_t h = key_hash(principal, host, op, type_key, name, &klen);
    cache_slot_t *set = &a->cache[(h & (CACHE_SLOTS - 1)) & ~(uint64_t)1];
    a->tick++;
    for (int i = 0; i < 2; i++) {
        cache_slot_t *s = &set[i];
        if (s->gen == a->gen && s->h == h &&
            key_eq(s, principal, host, op, type_key, name, klen)) {
            a->hits++;
            s->used = a->tick;
            return s->allow;
        }
    }
    cache_slot_t *s = set[0].gen != a->gen                               ? &set[0]
                      : set[1].gen != a->gen || set[1].used < set[0].used ? &set[1]
                                                                          : &set[0];
    a->misses++;
    int type = type_key & 0x7f;
    int allow = type_key & 0x80 ? decide_any(a, principal, host, op, type)
                                : decide(a, principal, host, op, type, name);
    key_store(s, principal, host, op, type_key, name, klen);
    s->h = h;
    s->gen = a->gen;
    s->used = a->tick;
    s->allow = allow;
    return allow;
}

int sk_acl_authorize(sk_acl_t *a, const char *principal, const char *host, int op, int type,
                     const char *name)
{
    return cached(a, principal, host, op, type & 0x7f, name ? name : "");
}

int sk_acl_authorize_any(sk_acl_t *a, const char *principal, const char *host, int op, int type)
{
    return cached(a, principal, host, op, (type & 0x7f) | 0x80, "");
}

void sk_acl_cache_stats(const sk_acl_t *a, uint64_t *hits, uint64_t *misses)
{
    *hits = a->hits;
    *misses = a->misses;
}

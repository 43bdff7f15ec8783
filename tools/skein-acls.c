/* skein-acls - add, remove and list ACLs through a broker, with the flags
 * and output of Kafka's kafka-acls.sh (its --bootstrap-server mode):
 * librdkafka's admin API sends CreateAcls, DescribeAcls and DeleteAcls. */
#include "config.h"

#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "rdk_util.h"
#include "toolopt.h"

#define TIMEOUT_MS 30000
#define MAX_ITEMS 32
/* Kafka's TRANSACTIONAL_ID (5): librdkafka 2.0 has no name for it and may
 * refuse it (the error is printed). */
#define RES_TXN_ID ((rd_kafka_ResourceType_t)5)

typedef struct {
    const char *bootstrap, *command_config;
    int add, remove, list, force, producer, consumer, cluster, idempotent;
    const char *allow_principals[MAX_ITEMS], *deny_principals[MAX_ITEMS];
    int n_allow, n_deny;
    const char *allow_hosts[MAX_ITEMS], *deny_hosts[MAX_ITEMS];
    int n_allow_hosts, n_deny_hosts;
    rd_kafka_AclOperation_t ops[MAX_ITEMS];
    int n_ops;
    const char *topics[MAX_ITEMS], *groups[MAX_ITEMS], *txn_ids[MAX_ITEMS];
    int n_topics, n_groups, n_txn_ids;
    const char *list_principal;
    rd_kafka_ResourcePatternType_t pattern;
    int pattern_set;
} opts_t;

/* A resource pattern and an entry, as the tool builds them. */
typedef struct {
    rd_kafka_ResourceType_t type;
    const char *name;
} res_t;

typedef struct {
    const char *principal, *host;
    rd_kafka_AclOperation_t op;
    rd_kafka_AclPermissionType_t perm;
} entry_t;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: skein-acls --bootstrap-server HOST:PORT[,...] [--command-config FILE]\n"
            "         (--add | --remove | --list) [options]\n"
            "\n"
            "Adds, removes or lists ACLs (kept by the brokers in ZooKeeper), as Kafka's\n"
            "kafka-acls.sh does. The client needs Alter on the cluster to change ACLs and\n"
            "Describe on it to list them (or to be a super user).\n"
            "\n"
            "  --bootstrap-server B           broker(s) to talk to\n"
            "  --command-config FILE          client properties (librdkafka names, e.g.\n"
            "                                 security.protocol=ssl, ssl.ca.location=...)\n"
            "  --add | --remove | --list      what to do\n"
            "  --allow-principal P            principal (User:alice) the Allow ACLs are for\n"
            "  --deny-principal P             principal the Deny ACLs are for\n"
            "  --allow-host H, --deny-host H  host of those ACLs (default *)\n"
            "  --operation OP                 Read, Write, Create, Delete, Alter, Describe,\n"
            "                                 ClusterAction, DescribeConfigs, AlterConfigs,\n"
            "                                 IdempotentWrite or All (default All)\n"
            "  --topic T, --group G, --transactional-id T, --cluster\n"
            "                                 the resources (each may repeat; '*' = all)\n"
            "  --resource-pattern-type P      literal (default), prefixed; for --list and\n"
            "                                 --remove also any or match\n"
            "  --producer                     Write, Describe, Create on the topics (and\n"
            "                                 Write, Describe on --transactional-id;\n"
            "                                 IdempotentWrite on the cluster with --idempotent)\n"
            "  --consumer                     Read, Describe on the topics, Read on --group\n"
            "  --principal P                  with --list: only this principal's ACLs\n"
            "  --force                        --remove without asking\n"
            "  --help                         this text\n"
            "Exit status: 0 done, 1 a request failed, 2 usage error.\n");
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "%s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    usage(stderr);
    return SK_TOOL_EXIT_USAGE;
}

/* "Read", "read", "READ", "DescribeConfigs", "describe_configs". */
static int loose_eq(const char *a, const char *b)
{
    for (;;) {
        while (*a == '_')
            a++;
        while (*b == '_')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if ((*a | 0x20) != (*b | 0x20))
            return 0;
        a++;
        b++;
    }
}

static int parse_op(const char *s, rd_kafka_AclOperation_t *out)
{
    for (int i = RD_KAFKA_ACL_OPERATION_ALL; i < RD_KAFKA_ACL_OPERATION__CNT; i++) {
        if (loose_eq(rd_kafka_AclOperation_name((rd_kafka_AclOperation_t)i), s)) {
            *out = (rd_kafka_AclOperation_t)i;
            return 0;
        }
    }
    return -1;
}

static int parse_pattern(const char *s, rd_kafka_ResourcePatternType_t *out)
{
    static const struct {
        const char *name;
        rd_kafka_ResourcePatternType_t t;
    } t[] = {{"literal", RD_KAFKA_RESOURCE_PATTERN_LITERAL},
             {"prefixed", RD_KAFKA_RESOURCE_PATTERN_PREFIXED},
             {"any", RD_KAFKA_RESOURCE_PATTERN_ANY},
             {"match", RD_KAFKA_RESOURCE_PATTERN_MATCH}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcasecmp(t[i].name, s) == 0) {
            *out = t[i].t;
            return 0;
        }
    }
    return -1;
}

enum {
    O_BOOTSTRAP = 256, O_CONFIG, O_ADD, O_REMOVE, O_LIST, O_ALLOW_P, O_DENY_P, O_ALLOW_H,
    O_DENY_H, O_OP, O_TOPIC, O_GROUP, O_CLUSTER, O_TXN, O_PATTERN, O_PRODUCER, O_CONSUMER,
    O_FORCE, O_PRINCIPAL, O_IDEMPOTENT, O_HELP,
};

static const struct option longopts[] = {
    {"bootstrap-server", required_argument, NULL, O_BOOTSTRAP},
    {"command-config", required_argument, NULL, O_CONFIG},
    {"add", no_argument, NULL, O_ADD},
    {"remove", no_argument, NULL, O_REMOVE},
    {"list", no_argument, NULL, O_LIST},
    {"allow-principal", required_argument, NULL, O_ALLOW_P},
    {"deny-principal", required_argument, NULL, O_DENY_P},
    {"allow-host", required_argument, NULL, O_ALLOW_H},
    {"deny-host", required_argument, NULL, O_DENY_H},
    {"operation", required_argument, NULL, O_OP},
    {"topic", required_argument, NULL, O_TOPIC},
    {"group", required_argument, NULL, O_GROUP},
    {"cluster", no_argument, NULL, O_CLUSTER},
    {"transactional-id", required_argument, NULL, O_TXN},
    {"resource-pattern-type", required_argument, NULL, O_PATTERN},
    {"producer", no_argument, NULL, O_PRODUCER},
    {"consumer", no_argument, NULL, O_CONSUMER},
    {"idempotent", no_argument, NULL, O_IDEMPOTENT},
    {"force", no_argument, NULL, O_FORCE},
    {"principal", required_argument, NULL, O_PRINCIPAL},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

static int push(const char **v, int *n, const char *s)
{
    if (*n >= MAX_ITEMS)
        return -1;
    v[(*n)++] = s;
    return 0;
}

/* 0, SK_TOOL_EXIT_USAGE (message printed), or -1 for --help. */
static int parse(int argc, char **argv, opts_t *o)
{
    int c;
    o->pattern = RD_KAFKA_RESOURCE_PATTERN_LITERAL;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case O_BOOTSTRAP: o->bootstrap = optarg; break;
        case O_CONFIG: o->command_config = optarg; break;
        case O_ADD: o->add = 1; break;
        case O_REMOVE: o->remove = 1; break;
        case O_LIST: o->list = 1; break;
        case O_ALLOW_P: bad = push(o->allow_principals, &o->n_allow, optarg); break;
        case O_DENY_P: bad = push(o->deny_principals, &o->n_deny, optarg); break;
        case O_ALLOW_H: bad = push(o->allow_hosts, &o->n_allow_hosts, optarg); break;
        case O_DENY_H: bad = push(o->deny_hosts, &o->n_deny_hosts, optarg); break;
        case O_OP:
            if (o->n_ops >= MAX_ITEMS || parse_op(optarg, &o->ops[o->n_ops]) != 0)
                return usage_error("unknown operation", optarg);
            o->n_ops++;
            break;
        case O_TOPIC: bad = push(o->topics, &o->n_topics, optarg); break;
        case O_GROUP: bad = push(o->groups, &o->n_groups, optarg); break;
        case O_TXN: bad = push(o->txn_ids, &o->n_txn_ids, optarg); break;
        case O_CLUSTER: o->cluster = 1; break;
        case O_PATTERN:
            if (parse_pattern(optarg, &o->pattern) != 0)
                return usage_error("--resource-pattern-type must be literal, prefixed, any or "
                                   "match", optarg);
            o->pattern_set = 1;
            break;
        case O_PRODUCER: o->producer = 1; break;
        case O_CONSUMER: o->consumer = 1; break;
        case O_IDEMPOTENT: o->idempotent = 1; break;
        case O_FORCE: o->force = 1; break;
        case O_PRINCIPAL: o->list_principal = optarg; break;
        case O_HELP: usage(stdout); return -1;
        default: return usage_error("unknown or incomplete option", argv[optind - 1]);
        }
        if (bad)
            return usage_error("too many values for", argv[optind - 2]);
    }
    if (optind < argc)
        return usage_error("unexpected argument", argv[optind]);
    if (!o->bootstrap)
        return usage_error("--bootstrap-server is required", NULL);
    if (o->add + o->remove + o->list != 1)
        return usage_error("exactly one of --add, --remove and --list is needed", NULL);
    if (o->add && o->pattern != RD_KAFKA_RESOURCE_PATTERN_LITERAL &&
        o->pattern != RD_KAFKA_RESOURCE_PATTERN_PREFIXED)
        return usage_error("--add takes --resource-pattern-type literal or prefixed", NULL);
    if (o->add && o->n_allow + o->n_deny == 0)
        return usage_error("--add needs --allow-principal or --deny-principal", NULL);
    if ((o->producer || o->consumer) && o->n_ops)
        return usage_error("--producer and --consumer cannot be used with --operation", NULL);
    if (o->producer && !o->n_topics)
        return usage_error("--producer needs --topic", NULL);
    if (o->consumer && (!o->n_topics || !o->n_groups))
        return usage_error("--consumer needs --topic and --group", NULL);
    if (!o->list && !o->n_topics && !o->n_groups && !o->n_txn_ids && !o->cluster)
        return usage_error("a resource is needed: --topic, --group, --transactional-id or "
                           "--cluster", NULL);
    return 0;
}

/* ---- what to add or remove: resources x entries ---- */

static int resources(const opts_t *o, res_t *out)
{
    int n = 0;
    for (int i = 0; i < o->n_topics; i++)
        out[n++] = (res_t){RD_KAFKA_RESOURCE_TOPIC, o->topics[i]};
    for (int i = 0; i < o->n_groups; i++)
        out[n++] = (res_t){RD_KAFKA_RESOURCE_GROUP, o->groups[i]};
    for (int i = 0; i < o->n_txn_ids; i++)
        out[n++] = (res_t){RES_TXN_ID, o->txn_ids[i]};
    if (o->cluster)
        out[n++] = (res_t){RD_KAFKA_RESOURCE_BROKER, "kafka-cluster"};
    return n;
}

/* The operations for one resource: --producer / --consumer's, or
 * --operation's (All when none), as kafka-acls.sh picks them. */
static int ops_for(const opts_t *o, const res_t *r, rd_kafka_AclOperation_t *ops)
{
    int n = 0;
    if (o->producer || o->consumer) {
        if (r->type == RD_KAFKA_RESOURCE_TOPIC) {
            if (o->producer) {
                ops[n++] = RD_KAFKA_ACL_OPERATION_WRITE;
                ops[n++] = RD_KAFKA_ACL_OPERATION_DESCRIBE;
                ops[n++] = RD_KAFKA_ACL_OPERATION_CREATE;
            }
            if (o->consumer) {
                ops[n++] = RD_KAFKA_ACL_OPERATION_READ;
                ops[n++] = RD_KAFKA_ACL_OPERATION_DESCRIBE;
            }
        } else if (r->type == RD_KAFKA_RESOURCE_GROUP && o->consumer) {
            ops[n++] = RD_KAFKA_ACL_OPERATION_READ;
        } else if (r->type == RES_TXN_ID && o->producer) {
            ops[n++] = RD_KAFKA_ACL_OPERATION_WRITE;
            ops[n++] = RD_KAFKA_ACL_OPERATION_DESCRIBE;
        } else if (r->type == RD_KAFKA_RESOURCE_BROKER && o->producer && o->idempotent) {
            ops[n++] = RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE;
        }
        /* Describe twice with both: once is enough */
        for (int i = 0; i < n; i++)
            for (int k = i + 1; k < n; k++)
                if (ops[k] == ops[i])
                    ops[k--] = ops[--n];
        return n;
    }
    if (!o->n_ops) {
        ops[n++] = RD_KAFKA_ACL_OPERATION_ALL;
        return n;
    }
    for (int i = 0; i < o->n_ops; i++)
        ops[n++] = o->ops[i];
    return n;
}

/* Every (principal, host, perm) of the command line. */
static int principals(const opts_t *o, entry_t *out)
{
    int n = 0;
    for (int i = 0; i < o->n_allow; i++)
        for (int h = 0; h < (o->n_allow_hosts ? o->n_allow_hosts : 1); h++)
            out[n++] = (entry_t){o->allow_principals[i],
                                 o->n_allow_hosts ? o->allow_hosts[h] : "*", 0,
                                 RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW};
    for (int i = 0; i < o->n_deny; i++)
        for (int h = 0; h < (o->n_deny_hosts ? o->n_deny_hosts : 1); h++)
            out[n++] = (entry_t){o->deny_principals[i], o->n_deny_hosts ? o->deny_hosts[h] : "*",
                                 0, RD_KAFKA_ACL_PERMISSION_TYPE_DENY};
    return n;
}

/* ---- output, as kafka-acls.sh prints it ---- */

static const char *res_type_name(rd_kafka_ResourceType_t t)
{
    return t == RD_KAFKA_RESOURCE_BROKER ? "CLUSTER"
           : t == RES_TXN_ID             ? "TRANSACTIONAL_ID"
                                         : rd_kafka_ResourceType_name(t);
}

static void print_pattern(rd_kafka_ResourceType_t t, const char *name,
                          rd_kafka_ResourcePatternType_t p)
{
    printf("ResourcePattern(resourceType=%s, name=%s, patternType=%s)", res_type_name(t), name,
           rd_kafka_ResourcePatternType_name(p));
}

static void print_entry(const char *principal, const char *host, rd_kafka_AclOperation_t op,
                        rd_kafka_AclPermissionType_t perm)
{
    printf("\t(principal=%s, host=%s, operation=%s, permissionType=%s)", principal, host,
           rd_kafka_AclOperation_name(op), rd_kafka_AclPermissionType_name(perm));
}

static int same_pattern(const rd_kafka_AclBinding_t *a, const rd_kafka_AclBinding_t *b)
{
    return rd_kafka_AclBinding_restype(a) == rd_kafka_AclBinding_restype(b) &&
           rd_kafka_AclBinding_resource_pattern_type(a) ==
               rd_kafka_AclBinding_resource_pattern_type(b) &&
           strcmp(rd_kafka_AclBinding_name(a), rd_kafka_AclBinding_name(b)) == 0;
}

static int cmp_binding(const void *x, const void *y)
{
    const rd_kafka_AclBinding_t *a = *(const rd_kafka_AclBinding_t *const *)x;
    const rd_kafka_AclBinding_t *b = *(const rd_kafka_AclBinding_t *const *)y;
    int d = (int)rd_kafka_AclBinding_restype(a) - (int)rd_kafka_AclBinding_restype(b);
    if (!d)
        d = (int)rd_kafka_AclBinding_resource_pattern_type(a) -
            (int)rd_kafka_AclBinding_resource_pattern_type(b);
    if (!d)
        d = strcmp(rd_kafka_AclBinding_name(a), rd_kafka_AclBinding_name(b));
    if (!d)
        d = strcmp(rd_kafka_AclBinding_principal(a), rd_kafka_AclBinding_principal(b));
    if (!d)
        d = (int)rd_kafka_AclBinding_operation(a) - (int)rd_kafka_AclBinding_operation(b);
    return d;
}

/* "Current ACLs for resource `...`:" blocks, one per resource. */
static void print_bindings(const rd_kafka_AclBinding_t **acls, size_t n, const char *title)
{
    const rd_kafka_AclBinding_t **v = sk_calloc(n + 1, sizeof(*v));
    if (n)
        memcpy(v, acls, n * sizeof(*v));
    qsort(v, n, sizeof(*v), cmp_binding);
    for (size_t i = 0; i < n;) {
        printf("%s `", title);
        print_pattern(rd_kafka_AclBinding_restype(v[i]), rd_kafka_AclBinding_name(v[i]),
                      rd_kafka_AclBinding_resource_pattern_type(v[i]));
        printf("`: \n ");
        size_t j = i;
        for (; j < n && same_pattern(v[i], v[j]); j++) {
            if (j > i)
                printf("\n");
            print_entry(rd_kafka_AclBinding_principal(v[j]), rd_kafka_AclBinding_host(v[j]),
                        rd_kafka_AclBinding_operation(v[j]),
                        rd_kafka_AclBinding_permission_type(v[j]));
        }
        printf(" \n\n");
        i = j;
    }
    free(v);
}

/* ---- requests ---- */

/* Wait for the admin result of type want; NULL with a message on timeout. */
static rd_kafka_event_t *wait_result(rd_kafka_queue_t *q, rd_kafka_event_type_t want)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, TIMEOUT_MS + 5000);
    if (!ev) {
        fprintf(stderr, "Error: no answer from the brokers within %d ms\n", TIMEOUT_MS);
        return NULL;
    }
    if (rd_kafka_event_type(ev) != want || rd_kafka_event_error(ev)) {
        fprintf(stderr, "Error: %s\n", rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

static rd_kafka_AdminOptions_t *options(rd_kafka_t *rk, rd_kafka_admin_op_t op)
{
    char err[256];
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, op);
    rd_kafka_AdminOptions_set_request_timeout(ao, TIMEOUT_MS, err, sizeof(err));
    return ao;
}

/* List the ACLs a filter selects; prints them under title. */
static int describe(rd_kafka_t *rk, rd_kafka_queue_t *q, rd_kafka_ResourceType_t t,
                    const char *name, rd_kafka_ResourcePatternType_t p, const char *principal,
                    const char *title)
{
    char err[512];
    rd_kafka_AclBindingFilter_t *f = rd_kafka_AclBindingFilter_new(
        t, name, p, principal, NULL, RD_KAFKA_ACL_OPERATION_ANY,
        RD_KAFKA_ACL_PERMISSION_TYPE_ANY, err, sizeof(err));
    if (!f) {
        fprintf(stderr, "Error: %s\n", err);
        return SK_TOOL_EXIT_FAIL;
    }
    rd_kafka_AdminOptions_t *ao = options(rk, RD_KAFKA_ADMIN_OP_DESCRIBEACLS);
    rd_kafka_DescribeAcls(rk, f, ao, q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_AclBinding_destroy(f);
    rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_DESCRIBEACLS_RESULT);
    if (!ev)
        return SK_TOOL_EXIT_FAIL;
    size_t n = 0;
    const rd_kafka_AclBinding_t **acls =
        rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev), &n);
    print_bindings(acls, n, title);
    rd_kafka_event_destroy(ev);
    return SK_TOOL_EXIT_OK;
}

static int do_list(const opts_t *o, rd_kafka_t *rk, rd_kafka_queue_t *q)
{
    res_t rs[4 * MAX_ITEMS];
    int nr = resources(o, rs);
    if (!nr)
        return describe(rk, q, RD_KAFKA_RESOURCE_ANY, NULL,
                        o->pattern_set ? o->pattern : RD_KAFKA_RESOURCE_PATTERN_ANY,
                        o->list_principal, "Current ACLs for resource");
    int rc = SK_TOOL_EXIT_OK;
    for (int i = 0; i < nr && rc == SK_TOOL_EXIT_OK; i++)
        rc = describe(rk, q, rs[i].type, rs[i].name, o->pattern, o->list_principal,
                      "Current ACLs for resource");
    return rc;
}

static int do_add(const opts_t *o, rd_kafka_t *rk, rd_kafka_queue_t *q)
{
    res_t rs[4 * MAX_ITEMS];
    entry_t es[4 * MAX_ITEMS * MAX_ITEMS];
    rd_kafka_AclOperation_t ops[MAX_ITEMS + 8];
    int nr = resources(o, rs), ne = principals(o, es);
    char err[512];
    for (int i = 0; i < nr; i++) {
        int nops = ops_for(o, &rs[i], ops);
        if (!nops)
            continue;
        size_t nb = (size_t)(ne * nops);
        rd_kafka_AclBinding_t **b = sk_calloc(nb, sizeof(*b));
        size_t k = 0;
        for (int e = 0; e < ne; e++) { /* all built (and checked) before anything is printed */
            for (int p = 0; p < nops; p++) {
                b[k] = rd_kafka_AclBinding_new(rs[i].type, rs[i].name, o->pattern,
                                               es[e].principal, es[e].host, ops[p], es[e].perm,
                                               err, sizeof(err));
                if (!b[k]) {
                    fprintf(stderr, "Error: %s\n", err);
                    rd_kafka_AclBinding_destroy_array(b, k);
                    free(b);
                    return SK_TOOL_EXIT_USAGE;
                }
                k++;
            }
        }
        printf("Adding ACLs for resource `");
        print_pattern(rs[i].type, rs[i].name, o->pattern);
        printf("`: \n ");
        for (size_t m = 0; m < k; m++) {
            if (m)
                printf("\n");
            print_entry(rd_kafka_AclBinding_principal(b[m]), rd_kafka_AclBinding_host(b[m]),
                        rd_kafka_AclBinding_operation(b[m]),
                        rd_kafka_AclBinding_permission_type(b[m]));
        }
        printf(" \n\n");
        rd_kafka_AdminOptions_t *ao = options(rk, RD_KAFKA_ADMIN_OP_CREATEACLS);
        rd_kafka_CreateAcls(rk, b, k, ao, q);
        rd_kafka_AdminOptions_destroy(ao);
        rd_kafka_AclBinding_destroy_array(b, k);
        free(b);
        rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_CREATEACLS_RESULT);
        if (!ev)
            return SK_TOOL_EXIT_FAIL;
        size_t nres = 0;
        const rd_kafka_acl_result_t **res =
            rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &nres);
        int failed = 0;
        for (size_t m = 0; m < nres; m++) {
            const rd_kafka_error_t *e = rd_kafka_acl_result_error(res[m]);
            if (e) {
                fprintf(stderr, "Error while adding ACLs: %s\n", rd_kafka_error_string(e));
                failed = 1;
            }
        }
        rd_kafka_event_destroy(ev);
        if (failed)
            return SK_TOOL_EXIT_FAIL;
    }
    return do_list(o, rk, q);
}

static int confirm(const char *what)
{
    char line[16];
    printf("Are you sure you want to %s? (y/n)\n", what);
    fflush(stdout);
    return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

static int do_remove(const opts_t *o, rd_kafka_t *rk, rd_kafka_queue_t *q)
{
    res_t rs[4 * MAX_ITEMS];
    entry_t es[4 * MAX_ITEMS * MAX_ITEMS];
    rd_kafka_AclOperation_t ops[MAX_ITEMS + 8];
    int nr = resources(o, rs), ne = principals(o, es);
    char err[512];
    for (int i = 0; i < nr; i++) {
        /* no principal: every ACL of the resource */
        int all = ne == 0;
        int nops = all ? 1 : ops_for(o, &rs[i], ops);
        if (!nops)
            continue;
        if (!o->force) {
            char what[512];
            snprintf(what, sizeof(what), "%s ACLs for resource filter `%s:%s:%s`",
                     all ? "delete all" : "remove", res_type_name(rs[i].type), rs[i].name,
                     rd_kafka_ResourcePatternType_name(o->pattern));
            if (!confirm(what))
                continue;
        }
        size_t nf = all ? 1 : (size_t)(ne * nops), k = 0;
        rd_kafka_AclBindingFilter_t **f = sk_calloc(nf, sizeof(*f));
        for (int e = 0; e < (all ? 1 : ne); e++) {
            for (int p = 0; p < nops; p++) {
                f[k] = rd_kafka_AclBindingFilter_new(
                    rs[i].type, rs[i].name, o->pattern, all ? NULL : es[e].principal,
                    all ? NULL : es[e].host, all ? RD_KAFKA_ACL_OPERATION_ANY : ops[p],
                    all ? RD_KAFKA_ACL_PERMISSION_TYPE_ANY : es[e].perm, err, sizeof(err));
                if (!f[k]) {
                    fprintf(stderr, "Error: %s\n", err);
                    rd_kafka_AclBinding_destroy_array(f, k);
                    free(f);
                    return SK_TOOL_EXIT_USAGE;
                }
                k++;
            }
        }
        rd_kafka_AdminOptions_t *ao = options(rk, RD_KAFKA_ADMIN_OP_DELETEACLS);
        rd_kafka_DeleteAcls(rk, f, k, ao, q);
        rd_kafka_AdminOptions_destroy(ao);
        rd_kafka_AclBinding_destroy_array(f, k);
        free(f);
        rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_DELETEACLS_RESULT);
        if (!ev)
            return SK_TOOL_EXIT_FAIL;
        size_t nresp = 0;
        const rd_kafka_DeleteAcls_result_response_t **resp = rd_kafka_DeleteAcls_result_responses(
            rd_kafka_event_DeleteAcls_result(ev), &nresp);
        int failed = 0;
        for (size_t m = 0; m < nresp; m++) {
            const rd_kafka_error_t *e = rd_kafka_DeleteAcls_result_response_error(resp[m]);
            if (e) {
                fprintf(stderr, "Error while removing ACLs: %s\n", rd_kafka_error_string(e));
                failed = 1;
            }
        }
        rd_kafka_event_destroy(ev);
        if (failed)
            return SK_TOOL_EXIT_FAIL;
    }
    return do_list(o, rk, q);
}

int main(int argc, char **argv)
{
    opts_t o;
    memset(&o, 0, sizeof(o));
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? SK_TOOL_EXIT_OK : rc;
    char err[512];
    rd_kafka_t *rk = sk_rdk_admin_new(o.bootstrap, "skein-acls", o.command_config, err,
                                      sizeof(err));
    if (!rk) {
        fprintf(stderr, "Error: %s\n", err);
        return SK_TOOL_EXIT_FAIL;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    if (o.list)
        rc = do_list(&o, rk, q);
    else if (o.add)
        rc = do_add(&o, rk, q);
    else
        rc = do_remove(&o, rk, q);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return rc;
}

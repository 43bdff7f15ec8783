/* conf_listen.c - the two structured broker values: zookeeper.connect
 * (hosts and chroot) and listeners / advertised.listeners with
 * listener.security.protocol.map (see conf.h). Split from conf.c, which
 * holds the key table and the loader that calls these. */
#include "conf.h"
#include "conf_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kerr.h"
#include "mem.h"

/* ---------------------------------------------------------------------- */
/* zookeeper.connect */

static int valid_zk_host_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '.' || ch == '-' || ch == '_' || ch == ':' ||
           ch == '[' || ch == ']' || ch == '%';
}

int sk_zk_connect_parse(const char *s, char **hosts, char **chroot, char *err, size_t errlen)
{
    int rc = SK_EINVAL;
    char *h = NULL, *root = NULL;
    sk_conf_list_t items = {0};
    *hosts = NULL;
    *chroot = NULL;

    const char *slash = strchr(s, '/');
    size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
    char *hostpart = sk_conf_dup_trim(s, hlen);
    if (!*hostpart) {
        sk_errf(err, errlen, "no host:port before the chroot");
        free(hostpart);
        goto out;
    }
    /* items: reject empty ones explicitly (list_split would drop them) */
    for (const char *p = hostpart;; p++) {
        if (*p == ',' && (p == hostpart || p[1] == '\0' || p[1] == ',')) {
            sk_errf(err, errlen, "empty host in the host list");
            free(hostpart);
            goto out;
        }
        if (!*p)
            break;
    }
    sk_conf_list_split(hostpart, &items);
    free(hostpart);
    size_t total = 0;
    for (int i = 0; i < items.n; i++) {
        const char *it = items.v[i];
        const char *colon = strrchr(it, ':');
        if (!colon) {
            sk_errf(err, errlen, "'%s' has no :port", it);
            goto out;
        }
        if (colon == it) {
            sk_errf(err, errlen, "'%s' has no host", it);
            goto out;
        }
        for (const char *q = it; q < colon; q++) {
            if (!valid_zk_host_char(*q)) {
                sk_errf(err, errlen, "'%s' has an invalid character in its host", it);
                goto out;
            }
        }
        int64_t port;
        if (sk_conf_parse_i64(colon + 1, &port) != 0 || colon[1] == '+' || colon[1] == '-' || port < 1 ||
            port > 65535) {
            sk_errf(err, errlen, "port '%s' of '%s' is not a number between 1 and 65535", colon + 1,
                   it);
            goto out;
        }
        total += strlen(it) + 1;
    }
    h = sk_malloc(total + 1);
    h[0] = '\0';
    for (int i = 0; i < items.n; i++) {
        if (i)
            strcat(h, ",");
        strcat(h, items.v[i]);
    }

    if (slash) {
        char *r = sk_conf_dup_trim(slash, strlen(slash));
        if (strcmp(r, "/") == 0) {
            free(r);
        } else {
            root = r;
            size_t rl = strlen(root);
            if (root[rl - 1] == '/') {
                sk_errf(err, errlen, "chroot '%s' must not end with '/'", root);
                goto out;
            }
            /* each segment: non-empty, not "." or "..", printable, no spaces */
            const char *seg = root + 1;
            for (;;) {
                const char *end = strchr(seg, '/');
                size_t sl = end ? (size_t)(end - seg) : strlen(seg);
                if (sl == 0 || (sl == 1 && seg[0] == '.') ||
                    (sl == 2 && seg[0] == '.' && seg[1] == '.')) {
                    sk_errf(err, errlen, "chroot '%s' has an empty, '.' or '..' path element", root);
                    goto out;
                }
                for (size_t q = 0; q < sl; q++) {
                    unsigned char ch = (unsigned char)seg[q];
                    if (ch <= ' ' || ch == 0x7f) {
                        sk_errf(err, errlen, "chroot '%s' contains a space or control character",
                               root);
                        goto out;
                    }
                }
                if (!end)
                    break;
                seg = end + 1;
            }
        }
    }
    *hosts = h;
    *chroot = root;
    h = root = NULL;
    rc = SK_OK;
out:
    sk_conf_list_free(&items);
    free(h);
    free(root);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* listeners */

void sk_conf_upcase(char *s)
{
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

static int valid_listener_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return 0;
    return 1;
}

void sk_conf_pmap_free(sk_conf_pmap_t *m, int n)
{
    if (!m)
        return;
    for (int i = 0; i < n; i++) {
        free(m[i].name);
        free(m[i].proto);
    }
    free(m);
}

int sk_conf_pmap_parse(const char *s, sk_conf_pmap_t **out, int *n_out, char *err, size_t errlen)
{
    int rc = SK_EINVAL;
    sk_conf_list_t l;
    sk_conf_pmap_t *m = NULL;
    int n = 0;
    sk_conf_list_split(s, &l);
    if (l.n == 0) {
        sk_errf(err, errlen, "expected NAME:PROTOCOL[,NAME:PROTOCOL...]");
        goto out;
    }
    m = sk_calloc((size_t)l.n, sizeof(*m));
    for (int i = 0; i < l.n; i++) {
        char *colon = strchr(l.v[i], ':');
        if (!colon) {
            sk_errf(err, errlen, "'%s' is not NAME:PROTOCOL", l.v[i]);
            goto out;
        }
        char *name = sk_conf_dup_trim(l.v[i], (size_t)(colon - l.v[i]));
        char *proto = sk_conf_dup_trim(colon + 1, strlen(colon + 1));
        sk_conf_upcase(name);
        sk_conf_upcase(proto);
        m[n].name = name;
        m[n].proto = proto;
        n++;
        if (!valid_listener_name(name)) {
            sk_errf(err, errlen, "'%s' has an invalid listener name", l.v[i]);
            goto out;
        }
        if (sk_conf_names_index(sk_conf_security_protocols, proto) < 0) {
            sk_errf(err, errlen,
                   "'%s': unknown security protocol (expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)",
                   l.v[i]);
            goto out;
        }
        for (int j = 0; j < n - 1; j++) {
            if (strcmp(m[j].name, name) == 0) {
                sk_errf(err, errlen, "listener name %s is mapped twice", name);
                goto out;
            }
        }
    }
    *out = m;
    *n_out = n;
    m = NULL;
    rc = SK_OK;
out:
    sk_conf_pmap_free(m, n);
    sk_conf_list_free(&l);
    return rc;
}

void sk_listeners_free(sk_listener_cfg_t *v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].protocol);
        free(v[i].host);
    }
    free(v);
}

const sk_listener_cfg_t *sk_listeners_find(const sk_listener_cfg_t *v, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

/* Parse one "NAME://host:port" into l (fields allocated). */
static int listener_parse_one(const char *it, sk_listener_cfg_t *l, char *err, size_t errlen)
{
    const char *sep = strstr(it, "://");
    if (!sep) {
        sk_errf(err, errlen, "'%s' is not NAME://host:port", it);
        return SK_EINVAL;
    }
    l->name = sk_conf_dup_trim(it, (size_t)(sep - it));
    sk_conf_upcase(l->name);
    if (!valid_listener_name(l->name)) {
        sk_errf(err, errlen, "'%s' has an invalid listener name", it);
        return SK_EINVAL;
    }
    const char *hp = sep + 3, *portstr;
    if (*hp == '[') {
        const char *close = strchr(hp, ']');
        if (!close || close[1] != ':') {
            sk_errf(err, errlen, "'%s': expected [IPv6]:port", it);
            return SK_EINVAL;
        }
        l->host = sk_strndup(hp + 1, (size_t)(close - hp - 1));
        /* validate without a %zone suffix */
        char *addr = sk_strdup(l->host);
        char *pct = strchr(addr, '%');
        if (pct)
            *pct = '\0';
        struct in6_addr a6;
        int ok = inet_pton(AF_INET6, addr, &a6) == 1;
        free(addr);
        if (!ok) {
            sk_errf(err, errlen, "'%s': '%s' is not an IPv6 address", it, l->host);
            return SK_EINVAL;
        }
        portstr = close + 2;
    } else {
        const char *colon = strrchr(hp, ':');
        if (!colon) {
            sk_errf(err, errlen, "'%s' has no :port", it);
            return SK_EINVAL;
        }
        l->host = sk_strndup(hp, (size_t)(colon - hp));
        for (const char *q = l->host; *q; q++) {
            if (*q == ':') {
                sk_errf(err, errlen, "'%s': put an IPv6 host in brackets, e.g. [::1]:9092", it);
                return SK_EINVAL;
            }
            if (!isalnum((unsigned char)*q) && *q != '.' && *q != '-' && *q != '_') {
                sk_errf(err, errlen, "'%s': invalid character in host '%s'", it, l->host);
                return SK_EINVAL;
            }
        }
        portstr = colon + 1;
    }
    int64_t port;
    if (sk_conf_parse_i64(portstr, &port) != 0 || *portstr == '+' || *portstr == '-' || port < 0 ||
        port > 65535) {
        sk_errf(err, errlen, "'%s': port '%s' is not a number between 0 and 65535", it, portstr);
        return SK_EINVAL;
    }
    l->port = (int)port;
    return SK_OK;
}

int sk_listeners_parse(const char *s, const char *protocol_map, sk_listener_cfg_t **out,
                       int *n_out, char *err, size_t errlen)
{
    int rc = SK_EINVAL;
    sk_conf_pmap_t *map = NULL;
    int nmap = 0;
    sk_conf_list_t items = {0};
    sk_listener_cfg_t *v = NULL;
    int n = 0;
    *out = NULL;
    *n_out = 0;

    if (sk_conf_pmap_parse(protocol_map ? protocol_map : SK_CONF_DEFAULT_PROTOCOL_MAP, &map, &nmap, err,
                   errlen) != SK_OK)
        goto out;
    sk_conf_list_split(s, &items);
    if (items.n == 0) {
        sk_errf(err, errlen, "expected at least one NAME://host:port");
        goto out;
    }
    v = sk_calloc((size_t)items.n, sizeof(*v));
    for (int i = 0; i < items.n; i++) {
        sk_listener_cfg_t *l = &v[n++];
        if (listener_parse_one(items.v[i], l, err, errlen) != SK_OK)
            goto out;
        for (int j = 0; j < nmap; j++)
            if (strcmp(map[j].name, l->name) == 0)
                l->protocol = sk_strdup(map[j].proto);
        if (!l->protocol) {
            sk_errf(err, errlen,
                   "no security protocol for listener %s (add %s:PLAINTEXT to listener.security.protocol.map)",
                   l->name, l->name);
            goto out;
        }
        for (int j = 0; j < n - 1; j++) {
            if (strcmp(v[j].name, l->name) == 0) {
                sk_errf(err, errlen, "listener name %s is used twice", l->name);
                goto out;
            }
            if (l->port != 0 && v[j].port == l->port) {
                sk_errf(err, errlen, "listeners %s and %s both use port %d", v[j].name, l->name,
                       l->port);
                goto out;
            }
        }
    }
    *out = v;
    *n_out = n;
    v = NULL;
    rc = SK_OK;
out:
    sk_listeners_free(v, n);
    sk_conf_pmap_free(map, nmap);
    sk_conf_list_free(&items);
    return rc;
}

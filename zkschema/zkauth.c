/* zkauth.c - ZooKeeper digest credentials and Kafka's znode ACLs (see
 * zkauth.h). */
#include "zkauth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "mem.h"
#include "props.h"

struct sk_zkauth_s {
    char *user;
    char *credential; /* user:password */
};

/* Kafka's ZkData.SensitiveRootPaths; a prefix match, as Kafka's. */
static const char *const sensitive_roots[] = {"/config/users", "/config/brokers",
                                              "/delegation_token", NULL};

/* ZooKeeper's permission bits (ZOO_PERM_* are extern variables, not
 * constants, so they cannot initialise the static tables below). */
enum { PERM_READ = 1 << 0, PERM_ALL = 0x1f };

/* auth:"" = the identities this session authenticated with (the server
 * expands it), as ZooDefs.Ids.CREATOR_ALL_ACL. */
static struct ACL creator_read[] = {
    {PERM_ALL, {"auth", ""}},
    {PERM_READ, {"world", "anyone"}},
};
static struct ACL creator_only[] = {
    {PERM_ALL, {"auth", ""}},
};
static struct ACL open_all[] = {
    {PERM_ALL, {"world", "anyone"}},
};
static struct ACL_vector acl_creator_read = {2, creator_read};
static struct ACL_vector acl_creator_only = {1, creator_only};
static struct ACL_vector acl_open = {1, open_all};

int sk_zkauth_sensitive(const char *path)
{
    for (int i = 0; path && sensitive_roots[i]; i++)
        if (strncmp(path, sensitive_roots[i], strlen(sensitive_roots[i])) == 0)
            return 1;
    return 0;
}

struct ACL_vector *sk_zkauth_acl(int secure, const char *path)
{
    if (!secure || (path && strcmp(path, "/consumers") == 0))
        return &acl_open;
    return sk_zkauth_sensitive(path) ? &acl_creator_only : &acl_creator_read;
}

static int bad_char(const char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            return 1;
    return 0;
}

int sk_zkauth_parse(const char *buf, size_t len, const char *source, sk_zkauth_t **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    sk_props_t p;
    sk_props_init(&p);
    if (sk_props_parse_buf(&p, buf, len, source, err, errlen) != SK_OK)
        return SK_EINVAL;
    int rc = SK_EINVAL;
    const sk_prop_t *user = NULL, *pass = NULL;
    for (int i = 0; i < p.n; i++) {
        const sk_prop_t *e = &p.v[i];
        if (strcmp(e->key, "username") == 0) {
            user = e;
        } else if (strcmp(e->key, "password") == 0) {
            pass = e;
        } else {
            snprintf(err, errlen, "%s:%d: unknown key '%s' (only username and password)",
                     source, e->line, e->key);
            goto out;
        }
    }
    if (!user || !pass) {
        snprintf(err, errlen, "%s: no %s (the file needs username=... and password=...)",
                 source, !user ? "username" : "password");
        goto out;
    }
    if (!*user->value || strchr(user->value, ':') || bad_char(user->value)) {
        snprintf(err, errlen, "%s:%d: the username must be non-empty, without ':' or line breaks",
                 source, user->line);
        goto out;
    }
    if (!*pass->value || bad_char(pass->value)) {
        snprintf(err, errlen, "%s:%d: the password must be non-empty, without line breaks", source,
                 pass->line);
        goto out;
    }
    sk_zkauth_t *a = sk_calloc(1, sizeof(*a));
    a->user = sk_strdup(user->value);
    a->credential = sk_asprintf("%s:%s", user->value, pass->value);
    *out = a;
    rc = SK_OK;
out:
    sk_props_free(&p);
    return rc;
}

int sk_zkauth_load(const char *path, sk_zkauth_t **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return SK_EINVAL;
    }
    size_t cap = 4096, len = 0;
    char *buf = sk_malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            if (cap >= 1024 * 1024) {
                fclose(f);
                free(buf);
                snprintf(err, errlen, "%s: larger than 1 MiB", path);
                return SK_EINVAL;
            }
            cap *= 2;
            buf = sk_realloc(buf, cap);
        }
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        snprintf(err, errlen, "cannot read %s", path);
        return SK_EINVAL;
    }
    int rc = sk_zkauth_parse(buf, len, path, out, err, errlen);
    free(buf);
    return rc;
}

void sk_zkauth_free(sk_zkauth_t *a)
{
    if (!a)
        return;
    free(a->user);
    if (a->credential) {
        memset(a->credential, 0, strlen(a->credential));
        free(a->credential);
    }
    free(a);
}

const char *sk_zkauth_user(const sk_zkauth_t *a)
{
    return a->user;
}

const char *sk_zkauth_credential(const sk_zkauth_t *a)
{
    return a->credential;
}

/* The server's answer: a refused digest ends the session with
 * ZOO_AUTH_FAILED_STATE, which the session watcher reports. */
static void auth_done(int rc, const void *data)
{
    (void)rc;
    (void)data;
}

int sk_zkauth_add(zhandle_t *zh, const char *credential)
{
    return zoo_add_auth(zh, "digest", credential, (int)strlen(credential), auth_done, NULL);
}

/* conf.c - broker configuration table (see conf.h). Temporary stub: the
 * table-driven implementation replaces this shortly. */
#include "conf.h"

#include <string.h>

#include "kerr.h"
#include "mem.h"

void sk_conf_init(sk_conf_t *c)
{
    memset(c, 0, sizeof(*c));
    c->broker_id = -1;
}

int sk_conf_load(sk_conf_t *c, const char *path, char *const *overrides, int n_overrides,
                 char *err, size_t errlen)
{
    (void)c; (void)path; (void)overrides; (void)n_overrides;
    if (err && errlen)
        strncpy(err, "configuration loading not implemented yet", errlen - 1), err[errlen - 1] = 0;
    return SK_EINVAL;
}

void sk_conf_free(sk_conf_t *c)
{
    memset(c, 0, sizeof(*c));
}

void sk_conf_print_help(FILE *out)
{
    fputs("(configuration help not implemented yet)\n", out);
}

int sk_conf_key_count(void) { return 0; }
const char *sk_conf_key_name(int i) { (void)i; return NULL; }
int sk_conf_key_index(const char *key) { (void)key; return -1; }
int sk_conf_value_string(const sk_conf_t *c, int i, char *buf, size_t buflen)
{
    (void)c; (void)i; (void)buf; (void)buflen;
    return SK_EINVAL;
}

int sk_listeners_parse(const char *s, const char *protocol_map, sk_listener_cfg_t **out,
                       int *n_out, char *err, size_t errlen)
{
    (void)s; (void)protocol_map; (void)err; (void)errlen;
    *out = NULL;
    *n_out = 0;
    return SK_EINVAL;
}

void sk_listeners_free(sk_listener_cfg_t *v, int n) { (void)v; (void)n; }

const sk_listener_cfg_t *sk_listeners_find(const sk_listener_cfg_t *v, int n, const char *name)
{
    (void)v; (void)n; (void)name;
    return NULL;
}

int sk_zk_connect_parse(const char *s, char **hosts, char **chroot, char *err, size_t errlen)
{
    (void)s; (void)err; (void)errlen;
    *hosts = NULL;
    *chroot = NULL;
    return SK_EINVAL;
}

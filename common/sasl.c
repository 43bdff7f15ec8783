/* sasl.c - SASL listeners' setup and per-connection authentication (see
 * sasl.h). The mechanisms themselves are sasl_plain.c and scram.c. */
#include "sasl.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "sasl_plain.h"
#include "scram.h"

#define PLAIN_MODULE "org.apache.kafka.common.security.plain.PlainLoginModule"
#define SCRAM_MODULE "org.apache.kafka.common.security.scram.ScramLoginModule"

typedef struct {
    char *name;            /* listener name, upper case */
    sk_conf_list_t mechs;  /* enabled mechanisms, as configured */
    sk_jaas_t plain;       /* PLAIN's users (when PLAIN is enabled) */
} lis_t;

struct sk_sasl_s {
    lis_t *v;
    int n;
    char *client_mech; /* inter-broker; NULL = not SASL */
    char *client_user;
    char *client_password;
    int32_t max_receive;
    int32_t fail_delay_ms;
    int64_t reauth_ms;
};

static sk_sasl_t *process_sasl;

void sk_sasl_set_process(sk_sasl_t *s)
{
    process_sasl = s;
}

const sk_sasl_t *sk_sasl_process(void)
{
    return process_sasl;
}

static int is_sasl_protocol(const char *p)
{
    return strcmp(p, "SASL_PLAINTEXT") == 0 || strcmp(p, "SASL_SSL") == 0;
}

static int supported(const char *mech)
{
    return strcmp(mech, "PLAIN") == 0 || sk_scram_mech_parse(mech) >= 0;
}

static const char *module_for(const char *mech)
{
    return strcmp(mech, "PLAIN") == 0 ? PLAIN_MODULE : SCRAM_MODULE;
}

/* The JAAS line for mech on listener, parsed into *out. *found = 0 when
 * there is none (sasl.jaas.config of another mechanism's login module
 * counts as none: it is meant for that one). SK_EINVAL naming the key for a
 * line that does not parse or names another module. */
static int jaas_for(const sk_conf_t *conf, const char *listener, const char *mech, sk_jaas_t *out,
                    int *found, char *err, size_t errlen)
{
    char key[256], why[256];
    *found = 0;
    memset(out, 0, sizeof(*out));
    const char *text = sk_conf_listener_jaas(conf, listener, mech, key, sizeof(key));
    if (!text)
        return SK_OK;
    if (sk_jaas_parse(text, out, why, sizeof(why)) != SK_OK) {
        sk_errf(err, errlen, "listener %s: invalid %s: %s", listener, key, why);
        return SK_EINVAL;
    }
    if (strcmp(out->login_module, module_for(mech)) != 0) {
        int global = strcmp(key, "sasl.jaas.config") == 0;
        if (global && (strcmp(out->login_module, PLAIN_MODULE) == 0 ||
                       strcmp(out->login_module, SCRAM_MODULE) == 0)) {
            sk_jaas_free(out);
            return SK_OK;
        }
        sk_errf(err, errlen, "listener %s: %s names login module %s; %s needs %s", listener, key,
               out->login_module, mech, module_for(mech));
        sk_jaas_free(out);
        return SK_EINVAL;
    }
    *found = 1;
    return SK_OK;
}

static int setup_listener(sk_sasl_t *s, const sk_conf_t *conf, const sk_listener_cfg_t *l,
                          char *err, size_t errlen)
{
    sk_conf_t view;
    char key[200];
    int rc = SK_EINVAL;
    sk_conf_listener_ssl(conf, l->name, &view);
    sk_conf_ssl_key_name(&view, l->name, "sasl.enabled.mechanisms", key, sizeof(key));
    lis_t *e = &s->v[s->n];
    memset(e, 0, sizeof(*e));
    e->name = sk_strdup(l->name);
    s->n++;
    if (view.sasl_enabled_mechanisms.n == 0) {
        sk_errf(err, errlen, "listener %s: %s is empty", l->name, key);
        goto out;
    }
    for (int i = 0; i < view.sasl_enabled_mechanisms.n; i++) {
        const char *m = view.sasl_enabled_mechanisms.v[i];
        if (!supported(m)) {
            sk_errf(err, errlen,
                   "listener %s: %s names %s%s, which Skein does not support (it serves PLAIN, "
                   "SCRAM-SHA-256 and SCRAM-SHA-512)",
                   l->name, key, m,
                   view.source[sk_conf_key_index("sasl.enabled.mechanisms")] ==
                           SK_CONF_SRC_DEFAULT
                       ? " (Kafka's default)"
                       : "");
            goto out;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(view.sasl_enabled_mechanisms.v[j], m) == 0) {
                sk_errf(err, errlen, "listener %s: %s names %s twice", l->name, key, m);
                goto out;
            }
    }
    e->mechs.n = view.sasl_enabled_mechanisms.n;
    e->mechs.v = sk_calloc((size_t)e->mechs.n, sizeof(char *));
    for (int i = 0; i < e->mechs.n; i++)
        e->mechs.v[i] = sk_strdup(view.sasl_enabled_mechanisms.v[i]);
    for (int i = 0; i < e->mechs.n; i++) {
        const char *m = e->mechs.v[i];
        sk_jaas_t j;
        int found;
        if (jaas_for(conf, l->name, m, &j, &found, err, errlen) != SK_OK)
            goto out;
        if (strcmp(m, "PLAIN") == 0) {
            if (!found) {
                char lk[200];
                snprintf(lk, sizeof(lk), "%s", l->name);
                for (char *p = lk; *p; p++)
                    *p = (char)tolower((unsigned char)*p);
                sk_errf(err, errlen,
                       "listener %s enables PLAIN but has no JAAS line with its users: set "
                       "listener.name.%s.plain.sasl.jaas.config (or sasl.jaas.config) to %s "
                       "required user_<name>=\"<password>\" ...;",
                       l->name, lk, PLAIN_MODULE);
                goto out;
            }
            e->plain = j;
            if (sk_jaas_user_count(&j) == 0)
                sk_warn("sasl", "listener %s: PLAIN has no user_<name> entries: nobody can log in",
                        l->name);
        } else if (found) {
            sk_jaas_free(&j);
        }
    }
    {
        char list[256] = "";
        size_t u = 0;
        for (int i = 0; i < e->mechs.n && u < sizeof(list); i++)
            u += (size_t)snprintf(list + u, sizeof(list) - u, "%s%s", i ? ", " : "",
                                  e->mechs.v[i]);
        sk_info("sasl", "listener %s: %s, mechanisms %s", l->name, l->protocol, list);
    }
    rc = SK_OK;
out:
    sk_conf_free(&view);
    return rc;
}

static int setup_client(sk_sasl_t *s, const sk_conf_t *conf, char *err, size_t errlen)
{
    const sk_listener_cfg_t *ib = sk_listeners_find(conf->advertised_listeners_parsed,
                                                    conf->n_advertised_listeners_parsed,
                                                    conf->inter_broker_listener_name);
    if (!ib || !is_sasl_protocol(ib->protocol))
        return SK_OK;
    const char *m = conf->sasl_mechanism_inter_broker_protocol;
    if (!m || !supported(m)) {
        sk_errf(err, errlen,
               "inter-broker listener %s is %s: sasl.mechanism.inter.broker.protocol=%s%s is "
               "not supported (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)",
               ib->name, ib->protocol, m ? m : "",
               conf->source[sk_conf_key_index("sasl.mechanism.inter.broker.protocol")] ==
                       SK_CONF_SRC_DEFAULT
                   ? " (Kafka's default)"
                   : "");
        return SK_EINVAL;
    }
    sk_conf_t view;
    char key[200];
    sk_conf_listener_ssl(conf, ib->name, &view);
    sk_conf_ssl_key_name(&view, ib->name, "sasl.enabled.mechanisms", key, sizeof(key));
    int enabled = 0;
    for (int i = 0; i < view.sasl_enabled_mechanisms.n; i++)
        if (strcmp(view.sasl_enabled_mechanisms.v[i], m) == 0)
            enabled = 1;
    sk_conf_free(&view);
    if (!enabled) {
        sk_errf(err, errlen,
               "sasl.mechanism.inter.broker.protocol=%s is not enabled on the inter-broker "
               "listener %s (%s)",
               m, ib->name, key);
        return SK_EINVAL;
    }
    sk_jaas_t j;
    int found;
    if (jaas_for(conf, ib->name, m, &j, &found, err, errlen) != SK_OK)
        return SK_EINVAL;
    const char *user = found ? sk_jaas_opt(&j, "username") : NULL;
    const char *pw = found ? sk_jaas_opt(&j, "password") : NULL;
    if (!user || !*user || !pw) {
        char jk[256];
        sk_conf_listener_jaas(conf, ib->name, m, jk, sizeof(jk));
        sk_errf(err, errlen,
               "inter-broker listener %s uses %s: its JAAS line (%s) needs username and "
               "password, the broker's own credentials",
               ib->name, m, found ? jk : "none is set");
        if (found)
            sk_jaas_free(&j);
        return SK_EINVAL;
    }
    s->client_mech = sk_strdup(m);
    s->client_user = sk_strdup(user);
    s->client_password = sk_strdup(pw);
    sk_jaas_free(&j);
    sk_info("sasl", "inter-broker connections on listener %s authenticate with %s as %s",
            ib->name, m, s->client_user);
    return SK_OK;
}

int sk_sasl_new(const sk_conf_t *conf, sk_sasl_t **out, char *err, size_t errlen)
{
    sk_sasl_t *s = sk_calloc(1, sizeof(*s));
    int rc = SK_EINVAL;
    *out = NULL;
    s->max_receive = conf->sasl_server_max_receive_size;
    s->fail_delay_ms = conf->connection_failed_authentication_delay_ms;
    s->reauth_ms = conf->connections_max_reauth_ms;
    s->v = sk_calloc((size_t)conf->n_listeners_parsed + 1, sizeof(*s->v));
    for (int i = 0; i < conf->n_listeners_parsed; i++) {
        const sk_listener_cfg_t *l = &conf->listeners_parsed[i];
        if (is_sasl_protocol(l->protocol) && setup_listener(s, conf, l, err, errlen) != SK_OK)
            goto out;
    }
    if (setup_client(s, conf, err, errlen) != SK_OK)
        goto out;
    *out = s;
    s = NULL;
    rc = SK_OK;
out:
    sk_sasl_free(s);
    return rc;
}

static void wipe_free(char *p)
{
    if (p) {
        memset(p, 0, strlen(p));
        free(p);
    }
}

void sk_sasl_free(sk_sasl_t *s)
{
    if (!s)
        return;
    if (process_sasl == s)
        process_sasl = NULL;
    for (int i = 0; i < s->n; i++) {
        free(s->v[i].name);
        for (int j = 0; j < s->v[i].mechs.n; j++)
            free(s->v[i].mechs.v[j]);
        free(s->v[i].mechs.v);
        sk_jaas_free(&s->v[i].plain);
    }
    free(s->v);
    free(s->client_mech);
    free(s->client_user);
    wipe_free(s->client_password);
    free(s);
}

static const lis_t *find_listener(const sk_sasl_t *s, const char *listener)
{
    for (int i = 0; s && listener && i < s->n; i++)
        if (strcasecmp(s->v[i].name, listener) == 0)
            return &s->v[i];
    return NULL;
}

int sk_sasl_listener(const sk_sasl_t *s, const char *listener)
{
    return find_listener(s, listener) != NULL;
}

int32_t sk_sasl_max_receive(const sk_sasl_t *s)
{
    return s ? s->max_receive : 524288;
}

int32_t sk_sasl_fail_delay_ms(const sk_sasl_t *s)
{
    return s ? s->fail_delay_ms : 100;
}

int64_t sk_sasl_reauth_ms(const sk_sasl_t *s)
{
    return s ? s->reauth_ms : 0;
}

const char *sk_sasl_client_mechanism(const sk_sasl_t *s)
{
    return s ? s->client_mech : NULL;
}

const char *sk_sasl_client_user(const sk_sasl_t *s)
{
    return s ? s->client_user : NULL;
}

const char *sk_sasl_client_password(const sk_sasl_t *s)
{
    return s ? s->client_password : NULL;
}

/* ---- one connection ---- */

struct sk_sasl_conn_s {
    const sk_sasl_t *s;
    const lis_t *lis;
    sk_sasl_state_t state;
    int raw;                  /* v0 handshake */
    int reauth;               /* re-authenticating (KIP-368): prev_user must not change */
    char prev_user[SK_SCRAM_NAME_MAX + 1];
    char mech[32];
    char user[SK_SCRAM_NAME_MAX + 1];
    char principal[SK_SCRAM_NAME_MAX + 8];
    char reason[320];
    sk_scram_server_t *scram;
};

sk_sasl_conn_t *sk_sasl_conn_new(const sk_sasl_t *s, const char *listener)
{
    const lis_t *l = find_listener(s, listener);
    if (!l)
        return NULL;
    sk_sasl_conn_t *c = sk_calloc(1, sizeof(*c));
    c->s = s;
    c->lis = l;
    c->state = SK_SASL_HANDSHAKE;
    return c;
}

void sk_sasl_conn_free(sk_sasl_conn_t *c)
{
    if (!c)
        return;
    sk_scram_server_free(c->scram);
    free(c);
}

sk_sasl_state_t sk_sasl_conn_state(const sk_sasl_conn_t *c)
{
    return c->state;
}

int sk_sasl_conn_raw(const sk_sasl_conn_t *c)
{
    return c->raw;
}

const sk_conf_list_t *sk_sasl_conn_mechanisms(const sk_sasl_conn_t *c)
{
    return &c->lis->mechs;
}

const char *sk_sasl_conn_mechanism(const sk_sasl_conn_t *c)
{
    return c->mech;
}

const char *sk_sasl_conn_user(const sk_sasl_conn_t *c)
{
    return c->user;
}

const char *sk_sasl_conn_principal(const sk_sasl_conn_t *c)
{
    return c->state == SK_SASL_DONE ? c->principal : NULL;
}

const char *sk_sasl_conn_reason(const sk_sasl_conn_t *c)
{
    return c->reason;
}

int16_t sk_sasl_conn_handshake(sk_sasl_conn_t *c, const char *mechanism, int version)
{
    if (c->state == SK_SASL_DONE && c->s->reauth_ms <= 0) /* Kafka answers, keeps it open */
        return SK_KERR_ILLEGAL_SASL_STATE;
    if (c->state == SK_SASL_DONE) { /* re-authentication (KIP-368): same mechanism */
        if (!mechanism || strcmp(mechanism, c->mech) != 0) {
            snprintf(c->reason, sizeof(c->reason),
                     "re-authentication with %.64s, not the session's %s",
                     mechanism ? mechanism : "(null)", c->mech);
            c->state = SK_SASL_FAILED;
            return SK_KERR_UNSUPPORTED_SASL_MECHANISM;
        }
        snprintf(c->prev_user, sizeof(c->prev_user), "%s", c->user);
        c->reauth = 1;
        c->raw = version == 0;
        sk_scram_server_free(c->scram);
        c->scram = NULL;
        c->reason[0] = '\0';
        c->state = SK_SASL_AUTHENTICATE;
        return SK_KERR_NONE;
    }
    if (c->state != SK_SASL_HANDSHAKE) {
        snprintf(c->reason, sizeof(c->reason), "SaslHandshake in state %d", (int)c->state);
        c->state = SK_SASL_FAILED;
        return SK_KERR_ILLEGAL_SASL_STATE;
    }
    for (int i = 0; mechanism && i < c->lis->mechs.n; i++) {
        if (strcmp(c->lis->mechs.v[i], mechanism) == 0) {
            snprintf(c->mech, sizeof(c->mech), "%s", mechanism);
            c->raw = version == 0;
            c->state = SK_SASL_AUTHENTICATE;
            return SK_KERR_NONE;
        }
    }
    snprintf(c->reason, sizeof(c->reason), "mechanism %.64s is not enabled",
             mechanism ? mechanism : "(null)");
    c->state = SK_SASL_FAILED;
    return SK_KERR_UNSUPPORTED_SASL_MECHANISM;
}

static int fail(sk_sasl_conn_t *c, int rc, char *msg, size_t msglen, const char *client_msg,
                const char *reason)
{
    c->state = SK_SASL_FAILED;
    sk_errf(msg, msglen, "%s", client_msg);
    snprintf(c->reason, sizeof(c->reason), "%s", reason && *reason ? reason : client_msg);
    return rc;
}

/* Kafka's message for a SCRAM failure that is not an "Authentication
 * failed: ..." of its own. */
static int scram_fail(sk_sasl_conn_t *c, int rc, const char *detail, char *msg, size_t msglen)
{
    char client[160];
    if (strncmp(detail, "Authentication failed:", 22) == 0)
        snprintf(client, sizeof(client), "%s", detail);
    else
        snprintf(client, sizeof(client),
                 "Authentication failed during authentication due to invalid credentials with "
                 "SASL mechanism %s",
                 c->mech);
    return fail(c, rc == SK_ESTATE ? SK_ESTATE : SK_EINVAL, msg, msglen, client, detail);
}

static void give(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
    *out = sk_malloc(n + 1);
    if (n)
        memcpy(*out, s, n);
    (*out)[n] = 0;
    *outlen = n;
}

/* Authenticated: DONE (0), or refused (SK_EINVAL) when re-authentication
 * named another user (Kafka's rule: the principal cannot change). */
static int done(sk_sasl_conn_t *c, char *msg, size_t msglen)
{
    if (c->reauth && strcmp(c->prev_user, c->user) != 0) {
        char m[200];
        snprintf(m, sizeof(m),
                 "Cannot change principals during re-authentication from User:%.64s: User:%.64s",
                 c->prev_user, c->user);
        return fail(c, SK_EINVAL, msg, msglen, m, NULL);
    }
    c->reauth = 0;
    c->state = SK_SASL_DONE;
    snprintf(c->principal, sizeof(c->principal), "User:%s", c->user);
    return SK_OK;
}

int sk_sasl_conn_token(sk_sasl_conn_t *c, const uint8_t *in, size_t len, uint8_t **out,
                       size_t *outlen, char *msg, size_t msglen)
{
    char detail[256] = "";
    *out = NULL;
    *outlen = 0;
    if (c->state != SK_SASL_AUTHENTICATE) {
        return fail(c, SK_ESTATE, msg, msglen,
                    c->state == SK_SASL_HANDSHAKE
                        ? "Unexpected SaslAuthenticate request before SaslHandshake"
                        : "Unexpected SaslAuthenticate request in this state",
                    NULL);
    }
    if (strcmp(c->mech, "PLAIN") == 0) {
        int rc = sk_sasl_plain_check(&c->lis->plain, in, len, c->user, sizeof(c->user), detail,
                                     sizeof(detail));
        if (rc != SK_OK)
            return fail(c, SK_EINVAL, msg, msglen, detail, NULL);
        if (done(c, msg, msglen) != SK_OK)
            return SK_EINVAL;
        give("", 0, out, outlen);
        return SK_OK;
    }
    int m = sk_scram_mech_parse(c->mech);
    if (!c->scram) {
        const char *user = NULL;
        c->scram = sk_scram_server_new((sk_scram_mech_t)m);
        int rc = sk_scram_server_client_first(c->scram, in, len, &user, detail, sizeof(detail));
        if (rc != SK_OK)
            return scram_fail(c, rc, detail, msg, msglen);
        snprintf(c->user, sizeof(c->user), "%s", user);
        c->state = SK_SASL_CREDENTIAL;
        return SK_EAGAIN;
    }
    char *fin = NULL;
    size_t fl = 0;
    int rc = sk_scram_server_client_final(c->scram, in, len, &fin, &fl, detail, sizeof(detail));
    if (rc != SK_OK)
        return scram_fail(c, rc, detail, msg, msglen);
    if (done(c, msg, msglen) != SK_OK) {
        free(fin);
        return SK_EINVAL;
    }
    give(fin, fl, out, outlen);
    free(fin);
    return SK_OK;
}

/* The exchange goes on with the credential found (use, or NULL for none;
 * detail says why one was unreadable). */
static int conn_credential(sk_sasl_conn_t *c, const sk_scram_cred_t *use, const char *detail_in,
                           uint8_t **out, size_t *outlen, char *msg, size_t msglen)
{
    char detail[256];
    snprintf(detail, sizeof(detail), "%s", detail_in);
    char *first = NULL;
    size_t fl = 0;
    char why[256] = "";
    int rc = sk_scram_server_first(c->scram, use, NULL, &first, &fl, why, sizeof(why));
    if (rc != SK_OK) {
        if (!detail[0])
            snprintf(detail, sizeof(detail), "%s%s", use ? "" : "no credential: ", why);
        return fail(c, SK_EINVAL, msg, msglen, "Authentication failed: Invalid user credentials",
                    detail);
    }
    give(first, fl, out, outlen);
    free(first);
    c->state = SK_SASL_AUTHENTICATE;
    return SK_OK;
}

/* The credential from the /config/users JSON (json) or the mechanism's
 * string alone (text), NULL when there is none. */
static int credential_from(sk_sasl_conn_t *c, const char *json, size_t len, const char *text,
                           uint8_t **out, size_t *outlen, char *msg, size_t msglen)
{
    char detail[256] = "";
    *out = NULL;
    *outlen = 0;
    if (c->state != SK_SASL_CREDENTIAL)
        return fail(c, SK_ESTATE, msg, msglen, "Unexpected credential", NULL);
    sk_scram_cred_t cred;
    const sk_scram_cred_t *use = NULL;
    sk_scram_mech_t m = sk_scram_server_mech(c->scram);
    memset(&cred, 0, sizeof(cred));
    char why[160];
    int rc = json   ? sk_scram_user_config_parse(json, len, m, &cred, why, sizeof(why))
             : text ? sk_scram_cred_parse(m, text, &cred, why, sizeof(why))
                    : SK_ENOENT;
    if (rc == SK_OK)
        use = &cred;
    else if (json && rc != SK_ENOENT)
        snprintf(detail, sizeof(detail), "unreadable /config/users/%.40s: %s", c->user, why);
    else if (text)
        snprintf(detail, sizeof(detail), "unreadable %.31s credential of %.40s: %.120s",
                 c->mech, c->user, why);
    rc = conn_credential(c, use, detail, out, outlen, msg, msglen);
    memset(&cred, 0, sizeof(cred));
    return rc;
}

int sk_sasl_conn_credential(sk_sasl_conn_t *c, const char *json, size_t len, uint8_t **out,
                            size_t *outlen, char *msg, size_t msglen)
{
    return credential_from(c, json, len, NULL, out, outlen, msg, msglen);
}

int sk_sasl_conn_credential_text(sk_sasl_conn_t *c, const char *text, uint8_t **out,
                                 size_t *outlen, char *msg, size_t msglen)
{
    return credential_from(c, NULL, 0, text, out, outlen, msg, msglen);
}

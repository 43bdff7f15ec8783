/* dynlistener.h - a broker's dynamic listener key stores (KIP-226).
 *
 * listener.name.<l>.ssl.keystore.* keys set for one broker live in
 * /config/brokers/<id> with their passwords encoded (common/pwenc.h, with
 * password.encoder.secret). This module picks those keys out of a node's
 * settings and decodes or encodes their passwords; AlterConfigs
 * (api/alterconfigs.c) uses it to check a new key store before writing it,
 * broker.c to put the settings in force (common/conf.h
 * sk_conf_set_listener_dynamic, then common/tls.h sk_tls_config_changed).
 * @locality loop
 */
#ifndef SK_DYNLISTENER_H
#define SK_DYNLISTENER_H

typedef struct sk_dynlistener_keys {
    char **keys, **values; /* full names, clear values */
    int n;
} sk_dynlistener_keys_t;

/* Whether key is listener.name.<l>.<k> with k a key store key that may be
 * set dynamically, and whether that key is a password (then stored
 * encoded). */
int sk_dynlistener_is_key(const char *key);
int sk_dynlistener_is_password(const char *key);

/* The dynamic listener keys among k/v (a node's settings), password values
 * decoded with secret. A password that cannot be decoded is left out and
 * logged once, as Kafka does ("could not be decoded, ignoring"). out is
 * filled (free with sk_dynlistener_keys_free). */
void sk_dynlistener_pick(const char *secret, const char *const *k, const char *const *v, int n,
                         sk_dynlistener_keys_t *out);
void sk_dynlistener_keys_free(sk_dynlistener_keys_t *x);

#endif

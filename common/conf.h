/* conf.h - broker configuration: Kafka's key names, defaults and validation.
 *
 * One static table (conf.c) drives parsing, validation, defaults, and the
 * docs generated from it (conf_doc.c: --help, the key sections of
 * skein.properties(5), the README's key table). Topic-level keys have their
 * own table beside it (topic_conf.h), which falls back on this one and reuses
 * its parsers. sk_conf_t is a plain struct the
 * broker reads directly; each field is named after its key with dots turned
 * into underscores (log.segment.bytes -> log_segment_bytes).
 *
 * Keys that Kafka derives from others hold the EFFECTIVE value after
 * sk_conf_init()/sk_conf_load():
 *   log_roll_ms                      log.roll.ms, else log.roll.hours * 3600000
 *   log_retention_ms                 log.retention.ms, else .minutes, else .hours;
 *                                    any negative result is -1 (= unlimited)
 *   log_flush_interval_ms            log.flush.interval.ms, else log.flush.scheduler.interval.ms
 *   zookeeper_connection_timeout_ms  else zookeeper.session.timeout.ms
 *   log_dirs                         log.dirs, else log.dir (comma lists)
 *   advertised_listeners             else listeners; an empty advertised host
 *                                    becomes this machine's hostname
 *   inter_broker_listener_name       else the listener named after
 *                                    security.inter.broker.protocol (PLAINTEXT)
 *
 * Strings are owned by the struct (sk_strdup); NULL means unset.
 * @locality loop (loaded once at startup by main(), read-only afterwards)
 */
#ifndef SK_CONF_H
#define SK_CONF_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One listener: "NAME://host:port". name is upper-cased (Kafka normalises
 * listener names); protocol comes from listener.security.protocol.map and is
 * one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL. host "" = all interfaces;
 * an IPv6 host is stored without brackets. port 0 = any free port (listeners
 * only; the broker advertises the port it actually bound). */
typedef struct sk_listener_cfg {
    char *name;
    char *protocol;
    char *host;
    int port;
} sk_listener_cfg_t;

/* A parsed comma list: items trimmed, empty items dropped. */
typedef struct sk_conf_list {
    char **v;
    int n;
} sk_conf_list_t;

/* log.message.timestamp.type (values are Kafka's wire codes). */
enum { SK_CONF_TS_CREATE_TIME = 0, SK_CONF_TS_LOG_APPEND_TIME = 1 };

/* ssl.client.auth */
enum { SK_CONF_CLIENT_AUTH_NONE = 0, SK_CONF_CLIENT_AUTH_REQUESTED = 1,
       SK_CONF_CLIENT_AUTH_REQUIRED = 2 };

/* Where a key's value came from (sk_conf_t.source[], indexed like the table).
 * SK_CONF_SRC_LISTENER only appears in a view made by sk_conf_listener_ssl():
 * the key was set for that listener (listener.name.<l>.<key>). */
enum { SK_CONF_SRC_DEFAULT = 0, SK_CONF_SRC_FILE = 1, SK_CONF_SRC_OVERRIDE = 2,
       SK_CONF_SRC_LISTENER = 3,
       /* set at run time from /config/brokers/<default> or /config/brokers/<id>
        * (sk_conf_set_dynamic) */
       SK_CONF_SRC_DYNAMIC_DEFAULT = 4, SK_CONF_SRC_DYNAMIC_BROKER = 5 };

/* One per-listener value "listener.name.<listener>.<ssl key>=value". The
 * listener name is lower-case, as Kafka writes it; the value has been
 * checked with the ssl key's own parser. */
typedef struct sk_conf_listener_key {
    char *listener;
    int key;          /* table index of the ssl.* key (or a SASL key, below) */
    char *value;
    /* listener.name.<l>.<mech>.sasl.jaas.config: the mechanism, lower case
     * (points into the listener allocation); NULL for every other key */
    char *mech;
} sk_conf_listener_key_t;
#define SK_CONF_MAX_KEYS 128

typedef struct sk_conf {
    /* identity */
    int32_t broker_id;                        /* broker.id: required, >= 0 */
    char *broker_rack;                        /* broker.rack: NULL = none */

    /* listeners */
    char *listeners;                          /* raw text, default PLAINTEXT://:9092 */
    char *advertised_listeners;               /* raw text (effective) */
    char *listener_security_protocol_map;     /* raw text */
    char *security_inter_broker_protocol;     /* default PLAINTEXT */
    char *inter_broker_listener_name;         /* effective, upper-case, always set */
    sk_listener_cfg_t *listeners_parsed;      /* in listeners order */
    int n_listeners_parsed;
    sk_listener_cfg_t *advertised_listeners_parsed;
    int n_advertised_listeners_parsed;

    /* SASL: listeners whose protocol is SASL_PLAINTEXT or SASL_SSL (checked
     * and used by common/sasl.c; sasl.enabled.mechanisms may be set per
     * listener, see sk_conf_listener_ssl(), the JAAS line per listener and
     * mechanism, see sk_conf_listener_jaas()) */
    sk_conf_list_t sasl_enabled_mechanisms;   /* default GSSAPI (Kafka's) */
    char *sasl_mechanism_inter_broker_protocol; /* default GSSAPI (Kafka's) */
    char *sasl_jaas_config;                   /* NULL = unset */
    int32_t sasl_server_max_receive_size;     /* 524288 */
    int32_t connection_failed_authentication_delay_ms; /* 100 */
    int64_t connections_max_reauth_ms;        /* 0 = no re-authentication (KIP-368) */

    /* storage */
    char *log_dir;                            /* log.dir, default /tmp/kafka-logs */
    sk_conf_list_t log_dirs;                  /* effective data directories */
    int64_t log_dir_min_free_bytes;           /* -1 = a share of each filesystem */

    /* ZooKeeper */
    char *zookeeper_connect;                  /* raw: host:port[,host:port...][/chroot] */
    char *zookeeper_hosts;                    /* "host:port,host:port" part */
    char *zookeeper_chroot;                   /* "/skein" or NULL when none */
    int32_t zookeeper_session_timeout_ms;     /* 18000 */
    int32_t zookeeper_connection_timeout_ms;  /* effective */
    int32_t zookeeper_max_in_flight_requests; /* 10 */
    bool zookeeper_set_acl;                   /* false */
    char *zookeeper_digest_file;              /* NULL: no ZooKeeper authentication */
    bool zookeeper_ssl_client_enable;         /* false; true is refused */

    /* topics */
    int32_t num_partitions;                   /* 1 */
    int32_t default_replication_factor;       /* 1 */
    int32_t min_insync_replicas;              /* 1 */
    bool auto_create_topics_enable;           /* true */
    bool delete_topic_enable;                 /* true */

    /* log segments and retention */
    int32_t log_segment_bytes;                /* 1073741824, >= 14 */
    int32_t log_roll_hours;                   /* 168 */
    int64_t log_roll_ms;                      /* effective */
    int32_t log_retention_hours;              /* 168 */
    int32_t log_retention_minutes;            /* as given (0 if unset; see log_retention_ms) */
    int64_t log_retention_ms;                 /* effective; -1 = unlimited */
    int64_t log_retention_bytes;              /* -1 = unlimited */
    int64_t log_retention_check_interval_ms;  /* 300000 */
    sk_conf_list_t log_cleanup_policy;        /* items "delete" / "compact" */
    bool log_cleanup_policy_delete;           /* convenience: list contains delete */
    bool log_cleanup_policy_compact;          /* convenience: list contains compact */
    bool log_cleaner_enable;                  /* true */
    int32_t log_cleaner_threads;              /* 1 */
    int64_t log_cleaner_backoff_ms;           /* 15000 */
    double log_cleaner_min_cleanable_ratio;   /* 0.5 */
    int64_t log_cleaner_delete_retention_ms;  /* 86400000 */
    int64_t log_cleaner_min_compaction_lag_ms; /* 0 */
    int64_t log_cleaner_max_compaction_lag_ms; /* INT64_MAX */
    int64_t log_cleaner_dedupe_buffer_size;   /* 134217728 (shared by the threads) */
    int64_t producer_id_expiration_ms;        /* 86400000 */
    int64_t producer_id_expiration_check_interval_ms; /* 600000 */
    int32_t log_index_interval_bytes;         /* 4096 */
    int32_t log_index_size_max_bytes;         /* 10485760 */
    int64_t log_flush_interval_messages;      /* INT64_MAX */
    int64_t log_flush_interval_ms;            /* effective */
    int64_t log_flush_scheduler_interval_ms;  /* INT64_MAX */
    int32_t log_flush_offset_checkpoint_interval_ms;       /* 60000 */
    int32_t log_flush_start_offset_checkpoint_interval_ms; /* 60000 */
    int log_message_timestamp_type;           /* SK_CONF_TS_* */

    /* requests and sockets */
    int32_t message_max_bytes;                /* 1048588 */
    int32_t socket_request_max_bytes;         /* 104857600 */
    int32_t socket_send_buffer_bytes;         /* 102400; -1 = OS default */
    int32_t socket_receive_buffer_bytes;      /* 102400; -1 = OS default */
    int32_t num_network_threads;              /* accepted; skeind runs one loop */
    int32_t num_io_threads;                   /* accepted; skeind runs one loop */
    int32_t num_recovery_threads_per_data_dir;/* accepted */

    /* limits */
    int32_t max_connections;                  /* INT32_MAX; inter-broker listener exempt */
    int32_t max_connections_per_ip;           /* INT32_MAX */
    char *max_connections_per_ip_overrides;   /* "host:count,..." (sk_conf_ip_overrides) */
    int64_t connections_max_idle_ms;          /* 600000 */
    int64_t queued_max_request_bytes;         /* -1 = unbounded */
    int32_t max_partitions_per_request;       /* 10000 (Skein) */
    int32_t max_broker_partitions;            /* INT32_MAX (KIP-578) */
    int32_t max_partitions;                   /* INT32_MAX (KIP-578) */

    /* replication */
    int64_t replica_lag_time_max_ms;          /* 30000 */
    int32_t replica_fetch_max_bytes;          /* 1048576 */
    int32_t replica_fetch_min_bytes;          /* 1 */
    int32_t replica_fetch_wait_max_ms;        /* 500 */
    int32_t replica_fetch_backoff_ms;         /* 1000 */
    int64_t leader_replication_throttled_rate;   /* bytes/s; INT64_MAX: none */
    int64_t follower_replication_throttled_rate; /* bytes/s; INT64_MAX: none */
    int32_t replica_socket_timeout_ms;        /* 30000 */
    int64_t replica_high_watermark_checkpoint_interval_ms; /* 5000 */
    bool unclean_leader_election_enable;      /* false */

    /* controller */
    bool controlled_shutdown_enable;          /* true */
    int32_t controlled_shutdown_max_retries;  /* 3 */
    int64_t controlled_shutdown_retry_backoff_ms; /* 5000 */
    bool auto_leader_rebalance_enable;        /* true */
    int64_t leader_imbalance_check_interval_seconds; /* 300 */
    int32_t leader_imbalance_per_broker_percentage;  /* 10 */
    int32_t controller_socket_timeout_ms;     /* 30000 */

    /* groups and internal topics */
    int32_t offsets_topic_num_partitions;     /* 50 */
    int32_t offsets_topic_replication_factor; /* 3 */
    int32_t offsets_topic_segment_bytes;      /* 104857600 */
    int32_t offsets_retention_minutes;        /* 10080 */
    int64_t offsets_retention_check_interval_ms; /* 600000 */
    int32_t offsets_commit_timeout_ms;        /* 5000 */
    int32_t offset_metadata_max_bytes;        /* 4096 */
    int32_t group_initial_rebalance_delay_ms; /* 3000 */
    int32_t group_min_session_timeout_ms;     /* 6000 */
    int32_t group_max_session_timeout_ms;     /* 1800000 */
    int32_t group_max_size;                   /* INT32_MAX */
    int32_t transaction_state_log_num_partitions;     /* accepted: 50 */
    int32_t transaction_state_log_replication_factor; /* accepted: 3 */
    int32_t transaction_state_log_min_isr;            /* accepted: 2 */
    int32_t transaction_state_log_segment_bytes;      /* accepted: 104857600 */

    /* authorization (broker/meta/acl.h) */
    char *authorizer_class_name;              /* "" = none */
    int authorizer_enabled;                   /* derived: an ACL authorizer is configured */
    char *super_users;                        /* "User:a;User:b" */
    int allow_everyone_if_no_acl_found;       /* false */
    int32_t quota_window_num;                 /* 11 */
    int32_t quota_window_size_seconds;        /* 1 */

    /* TLS: listeners whose protocol is SSL (each key may be set per listener
     * as listener.name.<listener>.<key>; see sk_conf_listener_ssl()) */
    char *ssl_keystore_type;                  /* JKS (default), PKCS12 or PEM */
    char *ssl_keystore_location;              /* NULL = unset */
    char *ssl_keystore_password;
    char *ssl_key_password;
    char *ssl_keystore_certificate_chain;     /* KIP-651 inline PEM */
    char *ssl_keystore_key;                   /* KIP-651 inline PEM */
    char *ssl_truststore_type;                /* JKS (default), PKCS12 or PEM */
    char *ssl_truststore_location;
    char *ssl_truststore_password;
    char *ssl_truststore_certificates;        /* KIP-651 inline PEM */
    int ssl_client_auth;                      /* SK_CONF_CLIENT_AUTH_* */
    sk_conf_list_t ssl_enabled_protocols;     /* TLSv1.2, TLSv1.3 */
    char *ssl_protocol;                       /* TLSv1.3 (TLS, TLSv1.2, TLSv1.3) */
    sk_conf_list_t ssl_cipher_suites;         /* IANA names; empty = OpenSSL's defaults */
    char *ssl_endpoint_identification_algorithm; /* "https" (default) or NULL = off */
    sk_conf_listener_key_t *listener_ssl;     /* listener.name.<l>.ssl.* values */
    int n_listener_ssl;
    /* listener.name.<l>.ssl.keystore.* set dynamically for this broker
     * (/config/brokers/<id>, passwords decoded): full key names and values,
     * over the static ones; see sk_conf_set_listener_dynamic() */
    char **listener_dyn_keys, **listener_dyn_values;
    int n_listener_dyn;
    char *password_encoder_secret;            /* password.encoder.secret; NULL = unset */

    /* skein's own */
    int log_level;                            /* sk_log_level_t, default SK_LOG_INFO */
    char *log_file;                           /* NULL = stderr */
    int log_format;                           /* sk_log_format_t, default SK_LOG_TEXT */
    char *metrics_listener;                   /* http://host:port; NULL = no /metrics */
    char *metrics_host;                       /* parsed from it ("" = all interfaces) */
    int metrics_port;                         /* parsed from it (0 = any) */

    /* bookkeeping: source[i] is SK_CONF_SRC_* for table key i */
    uint8_t source[SK_CONF_MAX_KEYS];
    /* a dynamic key's value and source from the file, kept while a dynamic
     * value is in force (NULL otherwise) */
    char *static_value[SK_CONF_MAX_KEYS];
    uint8_t static_source[SK_CONF_MAX_KEYS];
} sk_conf_t;

/* Set every key to its default. Never fails. @locality any */
void sk_conf_init(sk_conf_t *c);

/* Load path (may be NULL: defaults + overrides only), then apply overrides
 * ("key=value" strings from --override, later ones win), then resolve derived
 * keys and validate. On an invalid value, a missing required key or an invalid
 * combination: return SK_EINVAL with text such as
 *   invalid value 'abc' for log.segment.bytes in /etc/skein/server.properties:12:
 *   expected an integer between 14 and 2147483647
 * An unreadable or malformed file gives SK_EINVAL (or SK_EIO) with "FILE:LINE: ...".
 * Unknown keys are logged as WARN and ignored. c must come from sk_conf_init();
 * call sk_conf_free() afterwards whatever the result. @locality any */
int sk_conf_load(sk_conf_t *c, const char *path, char *const *overrides, int n_overrides,
                 char *err, size_t errlen);

/* Free everything c owns; c may then be sk_conf_init()ed again. */
void sk_conf_free(sk_conf_t *c);

/* Generated docs (conf_doc.c), broker keys then topic keys:
 *  - sk_conf_print_help: the key list of `skeind --help` (plain text);
 *  - sk_conf_print_man: reads the man page template (the hand-written prose,
 *    with one line "@KEY name" per broker key in table order, followed by
 *    that key's hand-written text, and one line "@TOPIC-KEYS") and writes
 *    skein.properties(5): each @KEY becomes the key's section heading (when
 *    it starts one), name, type, default and range from the table, and the
 *    table's doc when no text follows; @TOPIC-KEYS becomes the topic keys.
 *    Returns 0, or SK_EINVAL with the reason in err (a key missing, unknown,
 *    repeated or out of order);
 *  - sk_conf_print_readme: copies README text from in to out, replacing the
 *    lines between the "<!-- config-keys -->" and "<!-- /config-keys -->"
 *    markers with the Markdown table of the keys that matter first.
 *    Returns 0, or SK_EINVAL without the markers. */
void sk_conf_print_help(FILE *out);
int sk_conf_print_man(FILE *tmpl, FILE *out, char *err, size_t errlen);
int sk_conf_print_readme(FILE *in, FILE *out, char *err, size_t errlen);

/* Table introspection (for DescribeConfigs and tests). i = 0 .. count-1. */
int sk_conf_key_count(void);
const char *sk_conf_key_name(int i);
/* Index of key, or -1 if not a known key. */
int sk_conf_key_index(const char *key);
/* Current value of key i as Kafka would print it (lists comma-joined,
 * booleans true/false, unset nullable keys as ""), into buf. Returns 0, or
 * SK_EINVAL if i is out of range. @locality any */
int sk_conf_value_string(const sk_conf_t *c, int i, char *buf, size_t buflen);
/* The value key i has in effect: as sk_conf_value_string, except that a key
 * Kafka derives from others when unset (log.roll.ms, log.retention.ms, ...)
 * gives the derived value. *set (may be NULL): the key, or one it derives
 * from, was given in the file or an override. Returns 0 or SK_EINVAL. */
int sk_conf_effective_string(const sk_conf_t *c, int i, char *buf, size_t buflen, int *set);
/* Key i's type as the docs name it (int, long, boolean, double, string,
 * list, enum), its default as text (NULL: required, unset or derived), its
 * one-line doc, and the title of the docs section it starts (NULL if none;
 * *intro, if intro is not NULL, gets the section's introduction or NULL). */
const char *sk_conf_key_type(int i);
const char *sk_conf_key_default(int i);
const char *sk_conf_key_doc(int i);
const char *sk_conf_key_section(int i, const char **intro);

/* Whether key i is a secret (passwords, inline keys): DescribeConfigs
 * answers it as sensitive, without its value. */
int sk_conf_key_sensitive(int i);

/* Whether key i may change on a running broker (the keys Kafka's
 * AlterConfigs accepts for brokers that Skein has); the others are
 * read-only. */
int sk_conf_key_dynamic(int i);
/* Check value (blanks around it ignored) as key i's parser takes it in the
 * properties file. Returns 0, or SK_EINVAL with the reason ("expected an
 * integer between ...") in why. */
int sk_conf_check_value(int i, const char *value, char *why, size_t whylen);
/* Give dynamic key i the value from /config/brokers (source
 * SK_CONF_SRC_DYNAMIC_BROKER or _DYNAMIC_DEFAULT), or with value NULL its
 * value from the file or the default again. Derived fields (the cleanup
 * policy flags) follow. Returns SK_OK, 1 when nothing changed, or
 * SK_EINVAL (a read-only key, or a value the key's parser refuses, why
 * says) with the key as it was. @locality the thread that owns c */
int sk_conf_set_dynamic(sk_conf_t *c, int i, const char *value, int source, char *why,
                        size_t whylen);

/* The ssl.* keys in effect on listener `listener` (any letter case): c's
 * values with that listener's listener.name.<l>.ssl.* values on top. out
 * gets a fresh struct with only the ssl_* fields filled in (sk_conf_init is
 * not needed first); out->source[i] is SK_CONF_SRC_LISTENER for a key set
 * for the listener, else c's source. Free it with sk_conf_free(). */
void sk_conf_listener_ssl(const sk_conf_t *c, const char *listener, sk_conf_t *out);
/* The same view with the given dynamic values instead of c's (full
 * "listener.name.<l>.<key>" names, clear values; those of other listeners
 * and keys that are not F_LISTENER_DYNAMIC are skipped): what the listener
 * would use if they were written (AlterConfigs checks them first). */
void sk_conf_listener_ssl_with(const sk_conf_t *c, const char *listener,
                               const char *const *dyn_keys, const char *const *dyn_values,
                               int n_dyn, sk_conf_t *out);
/* "listener.name.<l>.<key>" with <key> an ssl.* key of the table: that key's
 * index, and <l> (as written) into listener; else -1. */
int sk_conf_listener_key(const char *key, char *listener, size_t len);
/* Whether ssl.* key i may be set dynamically for one broker and one listener
 * (listener.name.<l>.<key> in /config/brokers/<id>): the key store keys, as
 * in Kafka (KIP-226). Such a key is never dynamic without the prefix. */
int sk_conf_key_listener_dynamic(int i);
/* Replace this broker's dynamic listener values (full names, clear values).
 * Returns SK_OK, or 1 when they are the ones in force already.
 * @locality the thread that owns c */
int sk_conf_set_listener_dynamic(sk_conf_t *c, const char *const *keys,
                                 const char *const *values, int n);
/* The JAAS line for SASL mechanism mech (any case) on listener: the value of
 * listener.name.<listener>.<mech>.sasl.jaas.config when set, else
 * sasl.jaas.config (NULL when neither is). keyname (may be NULL) gets the
 * name of the key the value came from, for messages. */
const char *sk_conf_listener_jaas(const sk_conf_t *c, const char *listener, const char *mech,
                                  char *keyname, size_t len);
/* The key a view's value of `key` came from, for messages:
 * "listener.name.<l>.<key>" when set for the listener, else key. */
void sk_conf_ssl_key_name(const sk_conf_t *view, const char *listener, const char *key,
                          char *buf, size_t len);

/* Parse a listeners string ("PLAINTEXT://127.0.0.1:9092,INTERNAL://:9093")
 * with a protocol map ("INTERNAL:PLAINTEXT,..."; NULL = Kafka's default map).
 * Names must be unique, as must non-zero ports. Returns 0 and a new array, or
 * SK_EINVAL with the reason in err. Free with sk_listeners_free(). */
int sk_listeners_parse(const char *s, const char *protocol_map, sk_listener_cfg_t **out,
                       int *n_out, char *err, size_t errlen);
void sk_listeners_free(sk_listener_cfg_t *v, int n);
/* Find a listener by (case-insensitive) name; NULL if absent. */
const sk_listener_cfg_t *sk_listeners_find(const sk_listener_cfg_t *v, int n, const char *name);

/* Split and validate "host:port[,host:port...][/chroot]". *chroot = NULL
 * when there is none (a bare "/" also means none). Returns 0 or SK_EINVAL. */
int sk_zk_connect_parse(const char *s, char **hosts, char **chroot, char *err, size_t errlen);

/* One entry of max.connections.per.ip.overrides. */
typedef struct sk_ip_override {
    char host[256];
    int32_t count;
} sk_ip_override_t;

/* Parses Kafka's "host:count,host:count" (the count after the last colon, so
 * IPv6 literals work; empty = none) into *out (caller frees; NULL when
 * none). Returns SK_OK, or SK_EINVAL with the reason in why. */
int sk_conf_ip_overrides(const char *s, sk_ip_override_t **out, int *n, char *why, size_t whylen);

#endif

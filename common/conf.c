/* conf.c - broker configuration table (see conf.h).
 *
 * Flow of sk_conf_load(): read the properties file (props.c), apply each entry
 * through the table (parse + range check, remembering where it came from),
 * apply --override strings the same way, then resolve keys that Kafka derives
 * from others and check combinations. Every error names the key, the value
 * and where the value came from (FILE:LINE, --override, or defaults).
 */
#include "conf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf_int.h"
#include "kerr.h"
#include "log.h"
#include "mem.h"
#include "props.h"

static const char *const ts_names[] = {"CreateTime", "LogAppendTime", NULL};
static const char *const level_names[] = {"error", "warn", "info", "debug", NULL};
static const char *const log_format_names[] = {"text", "json", NULL};
static const char *const cleanup_names[] = {"delete", "compact", NULL};
const char *const sk_conf_security_protocols[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL", NULL};
static const char *const store_type_names[] = {"JKS", "PKCS12", "PEM", NULL};
static const char *const client_auth_names[] = {"none", "requested", "required", NULL};
static const char *const tls_version_names[] = {"TLSv1.2", "TLSv1.3", NULL};
static const char *const ssl_protocol_names[] = {"TLS", "TLSv1.2", "TLSv1.3", NULL};

#define I32MAX "2147483647"
#define I64MAX "9223372036854775807"

#define OFF(f) offsetof(sk_conf_t, f)
#define KI32(k, f, d, lo, hi, doc) {k, T_INT32, d, lo, hi, OFF(f), 0, NULL, doc}
#define KI64(k, f, d, lo, hi, doc) {k, T_INT64, d, lo, hi, OFF(f), 0, NULL, doc}
#define KBOOL(k, f, d, doc) {k, T_BOOL, d, 0, 0, OFF(f), 0, NULL, doc}
#define KDBL(k, f, d, lo, hi, doc) {k, T_DOUBLE, d, lo, hi, OFF(f), 0, NULL, doc}
#define KSTR(k, f, d, fl, nm, doc) {k, T_STRING, d, 0, 0, OFF(f), fl, nm, doc}
#define KLIST(k, f, d, fl, nm, doc) {k, T_LIST, d, 0, 0, OFF(f), fl, nm, doc}
#define KENUM(k, f, d, fl, nm, doc) {k, T_ENUM, d, 0, 0, OFF(f), fl, nm, doc}
/* A key Kafka derives from others when it is unset (see resolve_derived). */
#define KDERIV(t, k, f, lo, hi, from, doc) {k, t, NULL, lo, hi, OFF(f), 0, NULL, doc, from}
/* The same for keys Kafka lets AlterConfigs change on a running broker
 * (F_DYNAMIC; the list, enum and string macros take the flag). */
#define KI32D(k, f, d, lo, hi, doc) {k, T_INT32, d, lo, hi, OFF(f), F_DYNAMIC, NULL, doc}
#define KI64D(k, f, d, lo, hi, doc) {k, T_INT64, d, lo, hi, OFF(f), F_DYNAMIC, NULL, doc}
#define KBOOLD(k, f, d, doc) {k, T_BOOL, d, 0, 0, OFF(f), F_DYNAMIC, NULL, doc}
#define KDBLD(k, f, d, lo, hi, doc) {k, T_DOUBLE, d, lo, hi, OFF(f), F_DYNAMIC, NULL, doc}
#define KDERIVD(t, k, f, lo, hi, from, doc) {k, t, NULL, lo, hi, OFF(f), F_DYNAMIC, NULL, doc, from}

/* The table. --help, the key sections of skein.properties(5) and the README's
 * key table are generated from it (conf_doc.c); a new key also needs an
 * "@KEY name" line, in table order, in man/skein.properties.5.in. */
static const ckey_t keys[] = {
    /* identity */
    {"broker.id", T_INT32, NULL, 0, INT32_MAX, OFF(broker_id), F_REQUIRED, NULL,
     "Id of this broker, unique in the cluster (required; broker.id.generation is not supported)."},
    KSTR("broker.rack", broker_rack, NULL, 0, NULL,
         "Rack of this broker, used for rack-aware replica assignment."),
    /* listeners */
    KSTR("listeners", listeners, "PLAINTEXT://:9092", F_NONEMPTY, NULL,
         "Comma list of NAME://host:port to listen on; empty host = all interfaces, [IPv6] in brackets, port 0 = any."),
    {"advertised.listeners", T_STRING, NULL, 0, 0, OFF(advertised_listeners), 0, NULL,
     "Listeners published in ZooKeeper for clients (default: listeners; empty host = this machine's hostname).",
     "listeners"},
    KSTR("listener.security.protocol.map", listener_security_protocol_map, SK_CONF_DEFAULT_PROTOCOL_MAP,
         F_NONEMPTY, NULL, "Comma list of NAME:PROTOCOL giving each listener name its security protocol."),
    KSTR("security.inter.broker.protocol", security_inter_broker_protocol, "PLAINTEXT", F_ICASE,
         sk_conf_security_protocols, "Protocol between brokers; names the listener used when inter.broker.listener.name is unset."),
    {"inter.broker.listener.name", T_STRING, NULL, 0, 0, OFF(inter_broker_listener_name), 0, NULL,
     "Listener (from advertised.listeners) that other brokers and the controller connect to.",
     "security.inter.broker.protocol"},
    /* TLS */
    KSTR("ssl.keystore.type", ssl_keystore_type, "JKS", F_ICASE | F_LISTENER_DYNAMIC, store_type_names,
         "Format of the key store: PKCS12 or PEM; a JKS store is refused (a PKCS12 file is read)."),
    KSTR("ssl.keystore.location", ssl_keystore_location, NULL, F_LISTENER_DYNAMIC, NULL,
         "File holding this broker's private key and certificate chain."),
    KSTR("ssl.keystore.password", ssl_keystore_password, NULL, F_SENSITIVE | F_LISTENER_DYNAMIC, NULL,
         "Password of the key store file (PKCS12)."),
    KSTR("ssl.key.password", ssl_key_password, NULL, F_SENSITIVE | F_LISTENER_DYNAMIC, NULL,
         "Password of the private key (an encrypted PEM key, or a PKCS12 key with its own password)."),
    KSTR("ssl.keystore.certificate.chain", ssl_keystore_certificate_chain, NULL, F_SENSITIVE | F_LISTENER_DYNAMIC, NULL,
         "Certificate chain in PEM, given in the value itself (ssl.keystore.type=PEM)."),
    KSTR("ssl.keystore.key", ssl_keystore_key, NULL, F_SENSITIVE | F_LISTENER_DYNAMIC, NULL,
         "Private key in PEM, given in the value itself (ssl.keystore.type=PEM)."),
    KSTR("ssl.truststore.type", ssl_truststore_type, "JKS", F_ICASE, store_type_names,
         "Format of the trust store: PKCS12 or PEM; a JKS store is refused (a PKCS12 file is read)."),
    KSTR("ssl.truststore.location", ssl_truststore_location, NULL, 0, NULL,
         "CA certificates that client certificates, and other brokers' on an SSL inter-broker listener, are checked against."),
    KSTR("ssl.truststore.password", ssl_truststore_password, NULL, F_SENSITIVE, NULL,
         "Password of the trust store file (PKCS12)."),
    KSTR("ssl.truststore.certificates", ssl_truststore_certificates, NULL, F_SENSITIVE, NULL,
         "Trusted certificates in PEM, given in the value itself (ssl.truststore.type=PEM)."),
    KENUM("ssl.client.auth", ssl_client_auth, "none", F_ICASE, client_auth_names,
          "Client certificates: none, requested (checked when sent) or required."),
    KLIST("ssl.enabled.protocols", ssl_enabled_protocols, "TLSv1.2,TLSv1.3", F_NONEMPTY,
          tls_version_names, "TLS versions offered."),
    KSTR("ssl.protocol", ssl_protocol, "TLSv1.3", F_ICASE, ssl_protocol_names,
         "Newest TLS version the TLS context allows (TLS = the newest there is)."),
    KLIST("ssl.cipher.suites", ssl_cipher_suites, NULL, 0, NULL,
          "Cipher suites by their IANA names (as Java names them); unset = OpenSSL's defaults."),
    KSTR("ssl.endpoint.identification.algorithm", ssl_endpoint_identification_algorithm, "https",
         F_ICASE, NULL, "https: a broker checks the host name in another broker's certificate; empty = no check."),
    KSTR("password.encoder.secret", password_encoder_secret, NULL, F_SENSITIVE, NULL,
         "Secret that encrypts the passwords set dynamically for this broker (listener.name.<l>.ssl.keystore.password and the like) before they are written to ZooKeeper; without it such passwords are refused."),
    /* SASL */
    KLIST("sasl.enabled.mechanisms", sasl_enabled_mechanisms, "GSSAPI", F_NONEMPTY, NULL,
          "SASL mechanisms a SASL_PLAINTEXT or SASL_SSL listener offers: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (Kafka's default GSSAPI, and OAUTHBEARER, stop start-up)."),
    KSTR("sasl.mechanism.inter.broker.protocol", sasl_mechanism_inter_broker_protocol, "GSSAPI", 0,
         NULL, "Mechanism a broker authenticates with to other brokers when the inter-broker listener is SASL_*."),
    KSTR("sasl.jaas.config", sasl_jaas_config, NULL, F_SENSITIVE, NULL,
         "JAAS login module line (PLAIN users as user_<name>=\"<password>\", the broker's own username and password) for every SASL listener and mechanism without its own listener.name.<l>.<mechanism>.sasl.jaas.config."),
    KI32("sasl.server.max.receive.size", sasl_server_max_receive_size, "524288", 1, INT32_MAX,
         "Largest request a SASL listener reads from a connection before it has authenticated."),
    KI32("connection.failed.authentication.delay.ms", connection_failed_authentication_delay_ms,
         "100", 0, INT32_MAX, "Delay before the answer to a failed authentication is sent and the connection closed."),
    KI64("connections.max.reauth.ms", connections_max_reauth_ms, "0", 0, INT64_MAX,
         "Lifetime of a SASL session (KIP-368): the client must authenticate again on its connection within it, else the connection is closed; 0 = sessions do not expire."),
    /* storage */
    KSTR("log.dir", log_dir, "/tmp/kafka-logs", F_NONEMPTY, NULL,
         "Data directory, used when log.dirs is not set."),
    {"log.dirs", T_LIST, NULL, 0, 0, OFF(log_dirs), F_NONEMPTY, NULL,
     "Comma list of data directories (default: log.dir).", "log.dir"},
    KI64D("log.dir.min.free.bytes", log_dir_min_free_bytes, "-1", -1, INT64_MAX,
         "Free space a log dir keeps: below it produce to its partitions is refused with the retriable NOT_ENOUGH_REPLICAS and followers stop fetching into it, until space returns; -1 = 1% of the dir's filesystem, at least 4 MiB, at most 1 GiB and a quarter of it; 0 = no guard."),
    /* ZooKeeper */
    KSTR("zookeeper.connect", zookeeper_connect, NULL, F_REQUIRED | F_NONEMPTY, NULL,
         "ZooKeeper ensemble as host:port[,host:port...][/chroot] (required)."),
    KI32("zookeeper.session.timeout.ms", zookeeper_session_timeout_ms, "18000", 1, INT32_MAX,
         "ZooKeeper session timeout; a broker silent this long loses its registration."),
    KDERIV(T_INT32, "zookeeper.connection.timeout.ms", zookeeper_connection_timeout_ms, 1,
           INT32_MAX, "zookeeper.session.timeout.ms",
           "How long to wait for the first ZooKeeper connection (default: zookeeper.session.timeout.ms)."),
    KI32("zookeeper.max.in.flight.requests", zookeeper_max_in_flight_requests, "10", 1, INT32_MAX,
         "Maximum unacknowledged ZooKeeper requests before the broker waits."),
    KBOOL("zookeeper.set.acl", zookeeper_set_acl, "false",
          "Create znodes readable by all and writable only by the brokers' ZooKeeper identity (zookeeper.digest.file); /config/users and /config/brokers not readable by others (Kafka's ACLs)."),
    KSTR("zookeeper.digest.file", zookeeper_digest_file, NULL, 0, NULL,
         "Properties file with username= and password=: the brokers authenticate to ZooKeeper with them (digest scheme) in every session; required by zookeeper.set.acl=true."),
    KBOOL("zookeeper.ssl.client.enable", zookeeper_ssl_client_enable, "false",
          "TLS to ZooKeeper: refused at start (true stops start-up), as Debian's libzookeeper_mt is built without TLS."),
    /* topics */
    KI32("num.partitions", num_partitions, "1", 1, INT32_MAX,
         "Partitions of an automatically created topic."),
    KI32("default.replication.factor", default_replication_factor, "1", 1, INT32_MAX,
         "Replication factor of an automatically created topic."),
    KI32D("min.insync.replicas", min_insync_replicas, "1", 1, INT32_MAX,
         "Replicas that must be in sync for an acks=all produce to succeed."),
    KBOOL("auto.create.topics.enable", auto_create_topics_enable, "true",
          "Create a topic when a client asks for metadata of a topic that does not exist."),
    KBOOL("delete.topic.enable", delete_topic_enable, "true",
          "Allow topics to be deleted."),
    /* log segments */
    KI32D("log.segment.bytes", log_segment_bytes, "1073741824", 14, INT32_MAX,
         "Maximum size of one segment file."),
    KI32("log.roll.hours", log_roll_hours, "168", 1, INT32_MAX,
         "Maximum age of the active segment before a new one is rolled."),
    KDERIVD(T_INT64, "log.roll.ms", log_roll_ms, 1, INT64_MAX, "log.roll.hours",
           "Same as log.roll.hours in milliseconds; wins over it when set."),
    KI32("log.retention.hours", log_retention_hours, "168", INT32_MIN, INT32_MAX,
         "Age after which a segment is deleted; negative = unlimited."),
    KI32("log.retention.minutes", log_retention_minutes, NULL, INT32_MIN, INT32_MAX,
         "Same in minutes; wins over log.retention.hours when set."),
    KDERIVD(T_INT64, "log.retention.ms", log_retention_ms, INT64_MIN, INT64_MAX,
           "log.retention.minutes log.retention.hours",
           "Same in milliseconds; wins over minutes and hours; -1 = unlimited, 0 is invalid."),
    KI64D("log.retention.bytes", log_retention_bytes, "-1", INT64_MIN, INT64_MAX,
         "Maximum size of a partition before old segments are deleted; -1 = unlimited."),
    KI64("log.retention.check.interval.ms", log_retention_check_interval_ms, "300000", 1, INT64_MAX,
         "How often the retention rules are checked."),
    KLIST("log.cleanup.policy", log_cleanup_policy, "delete", F_NONEMPTY | F_DYNAMIC,
          cleanup_names,
          "Comma list of delete and/or compact."),
    KBOOL("log.cleaner.enable", log_cleaner_enable, "true",
          "Run the log cleaner, which compacts topics with cleanup.policy=compact."),
    KI32D("log.cleaner.threads", log_cleaner_threads, "1", 1, 16,
         "Compaction passes that may run at the same time (each on its own thread)."),
    KI64D("log.cleaner.backoff.ms", log_cleaner_backoff_ms, "15000", 0, INT64_MAX,
         "How long the cleaner waits before looking again when no log needs cleaning."),
    KDBLD("log.cleaner.min.cleanable.ratio", log_cleaner_min_cleanable_ratio, "0.5", 0, 1,
         "Dirty share of a compacted log's cleanable part that triggers a pass."),
    KI64D("log.cleaner.delete.retention.ms", log_cleaner_delete_retention_ms, "86400000", 0,
         INT64_MAX, "How long tombstones stay in a compacted log after it was cleaned."),
    KI64D("log.cleaner.min.compaction.lag.ms", log_cleaner_min_compaction_lag_ms, "0", 0,
         INT64_MAX, "Minimum age of a record before it may be compacted away."),
    KI64D("log.cleaner.max.compaction.lag.ms", log_cleaner_max_compaction_lag_ms, I64MAX, 1,
         INT64_MAX, "Maximum time a record stays uncompacted whatever the dirty ratio."),
    KI64D("log.cleaner.dedupe.buffer.size", log_cleaner_dedupe_buffer_size, "134217728", 1048576,
         INT64_MAX, "Memory for the key maps of all cleaner threads together."),
    KI64("producer.id.expiration.ms", producer_id_expiration_ms, "86400000", 1, INT64_MAX,
         "A partition forgets an idempotent producer that appended nothing for this long."),
    KI64("producer.id.expiration.check.interval.ms", producer_id_expiration_check_interval_ms,
         "600000", 1, INT64_MAX, "How often idle idempotent producers are looked for."),
    KI32D("log.index.interval.bytes", log_index_interval_bytes, "4096", 0, INT32_MAX,
         "Bytes of records between two offset index entries."),
    KI32D("log.index.size.max.bytes", log_index_size_max_bytes, "10485760", 4, INT32_MAX,
         "Maximum size of an index file; a full index rolls the segment."),
    KI64D("log.flush.interval.messages", log_flush_interval_messages, I64MAX, 1, INT64_MAX,
         "Messages appended to a partition before it is fsynced."),
    KDERIVD(T_INT64, "log.flush.interval.ms", log_flush_interval_ms, INT64_MIN, INT64_MAX,
           "log.flush.scheduler.interval.ms",
           "Maximum time data stays unflushed (default: log.flush.scheduler.interval.ms)."),
    KI64("log.flush.scheduler.interval.ms", log_flush_scheduler_interval_ms, I64MAX, INT64_MIN,
         INT64_MAX, "How often the flusher checks whether a log needs flushing."),
    KI32("log.flush.offset.checkpoint.interval.ms", log_flush_offset_checkpoint_interval_ms,
         "60000", 0, INT32_MAX, "How often recovery points are written to recovery-point-offset-checkpoint."),
    KI32("log.flush.start.offset.checkpoint.interval.ms",
         log_flush_start_offset_checkpoint_interval_ms, "60000", 0, INT32_MAX,
         "How often log start offsets are written to log-start-offset-checkpoint."),
    KENUM("log.message.timestamp.type", log_message_timestamp_type, "CreateTime", F_DYNAMIC,
          ts_names,
          "CreateTime keeps the producer's timestamp, LogAppendTime stamps the broker's clock."),
    /* requests and sockets */
    KI32D("message.max.bytes", message_max_bytes, "1048588", 0, INT32_MAX,
         "Largest record batch the broker accepts."),
    KI32("socket.request.max.bytes", socket_request_max_bytes, "104857600", 1, INT32_MAX,
         "Largest request the broker reads; larger ones close the connection."),
    KI32("socket.send.buffer.bytes", socket_send_buffer_bytes, "102400", -1, INT32_MAX,
         "SO_SNDBUF of client sockets; -1 = operating system default."),
    KI32("socket.receive.buffer.bytes", socket_receive_buffer_bytes, "102400", -1, INT32_MAX,
         "SO_RCVBUF of client sockets; -1 = operating system default."),
    /* limits */
    KI32D("max.connections", max_connections, I32MAX, 0, INT32_MAX,
         "Most client connections open at once; a new one over it is closed at once (the inter-broker listener is exempt, its connections still count)."),
    KI32D("max.connections.per.ip", max_connections_per_ip, I32MAX, 0, INT32_MAX,
         "Most connections open at once from one IP address; a new one over it is closed at once."),
    KSTR("max.connections.per.ip.overrides", max_connections_per_ip_overrides, "", F_DYNAMIC,
         NULL,
         "Comma list of host:count giving hosts or IP addresses their own max.connections.per.ip."),
    KI64("connections.max.idle.ms", connections_max_idle_ms, "600000", 1, INT64_MAX,
         "A connection that sends no request for this long is closed."),
    KI64("queued.max.request.bytes", queued_max_request_bytes, "-1", -1, INT64_MAX,
         "Bytes of requests read but not yet answered, over all connections, at which no more requests are read; -1 (or 0) = unbounded."),
    KI32("max.partitions.per.request", max_partitions_per_request, "10000", 1, INT32_MAX,
         "Skein: most partitions one CreateTopics or CreatePartitions request may ask for (refused with INVALID_PARTITIONS or POLICY_VIOLATION before anything is allocated)."),
    KI32D("max.broker.partitions", max_broker_partitions, I32MAX, 1, INT32_MAX,
         "KIP-578 (never shipped by Kafka): most partition replicas one broker may host; a CreateTopics, CreatePartitions or automatic creation that would take a live broker over it is refused with POLICY_VIOLATION before anything is written."),
    KI32D("max.partitions", max_partitions, I32MAX, 1, INT32_MAX,
         "KIP-578 (never shipped by Kafka): most partition replicas in the whole cluster; a creation that would exceed it is refused with POLICY_VIOLATION before anything is allocated or written."),
    KI32D("num.network.threads", num_network_threads, "3", 1, INT32_MAX,
         "Accepted for compatibility; skeind serves all sockets from one event loop."),
    KI32D("num.io.threads", num_io_threads, "8", 1, INT32_MAX,
         "Accepted for compatibility; skeind serves all requests from one event loop."),
    KI32D("num.recovery.threads.per.data.dir", num_recovery_threads_per_data_dir, "1", 1, INT32_MAX,
         "Accepted for compatibility; skeind recovers logs from its one loop and disk workers."),
    /* replication */
    KI64("replica.lag.time.max.ms", replica_lag_time_max_ms, "30000", 1, INT64_MAX,
         "A follower that has not caught up for this long leaves the ISR."),
    KI32("replica.fetch.max.bytes", replica_fetch_max_bytes, "1048576", 0, INT32_MAX,
         "Bytes a follower asks for per partition in one fetch."),
    KI32("replica.fetch.min.bytes", replica_fetch_min_bytes, "1", 1, INT32_MAX,
         "Bytes a follower fetch waits for before the leader answers."),
    KI32("replica.fetch.wait.max.ms", replica_fetch_wait_max_ms, "500", 0, INT32_MAX,
         "Longest time a leader holds a follower fetch; at most replica.lag.time.max.ms."),
    KI32("replica.fetch.backoff.ms", replica_fetch_backoff_ms, "1000", 0, INT32_MAX,
         "Pause after a failed follower fetch."),
    KI64D("leader.replication.throttled.rate", leader_replication_throttled_rate, I64MAX, 0,
          INT64_MAX, "Bytes/s a leader sends to the followers of its throttled replicas."),
    KI64D("follower.replication.throttled.rate", follower_replication_throttled_rate, I64MAX,
          0, INT64_MAX, "Bytes/s a follower fetches for its throttled replicas."),
    KI32("replica.socket.timeout.ms", replica_socket_timeout_ms, "30000", 1, INT32_MAX,
         "Timeout of follower fetch requests; at least replica.fetch.wait.max.ms."),
    KI64("replica.high.watermark.checkpoint.interval.ms",
         replica_high_watermark_checkpoint_interval_ms, "5000", 1, INT64_MAX,
         "How often high watermarks are written to replication-offset-checkpoint."),
    KBOOLD("unclean.leader.election.enable", unclean_leader_election_enable, "false",
          "Allow a replica outside the ISR to become leader (may lose committed data)."),
    /* controller */
    KBOOL("controlled.shutdown.enable", controlled_shutdown_enable, "true",
          "On SIGTERM, ask the controller to move leadership away before stopping."),
    KI32("controlled.shutdown.max.retries", controlled_shutdown_max_retries, "3", 0, INT32_MAX,
         "Attempts at a controlled shutdown before stopping anyway."),
    KI64("controlled.shutdown.retry.backoff.ms", controlled_shutdown_retry_backoff_ms, "5000", 0,
         INT64_MAX, "Pause between controlled shutdown attempts."),
    KBOOL("auto.leader.rebalance.enable", auto_leader_rebalance_enable, "true",
          "Let the controller move leadership back to preferred replicas."),
    KI64("leader.imbalance.check.interval.seconds", leader_imbalance_check_interval_seconds, "300",
         1, INT64_MAX, "How often the controller checks leader balance."),
    KI32("leader.imbalance.per.broker.percentage", leader_imbalance_per_broker_percentage, "10", 0,
         100, "Share of non-preferred leaders on a broker that triggers a rebalance."),
    KI32("controller.socket.timeout.ms", controller_socket_timeout_ms, "30000", 1, INT32_MAX,
         "Timeout of controller-to-broker requests."),
    /* groups and internal topics */
    KI32("offsets.topic.num.partitions", offsets_topic_num_partitions, "50", 1, INT32_MAX,
         "Partitions of __consumer_offsets (do not change once it exists)."),
    KI32("offsets.topic.replication.factor", offsets_topic_replication_factor, "3", 1, 32767,
         "Replication factor of __consumer_offsets (capped at the number of live brokers)."),
    KI32("offsets.topic.segment.bytes", offsets_topic_segment_bytes, "104857600", 1, INT32_MAX,
         "Segment size of __consumer_offsets."),
    KI32("offsets.retention.minutes", offsets_retention_minutes, "10080", 1, INT32_MAX,
         "How long committed offsets of an empty group are kept."),
    KI64("offsets.retention.check.interval.ms", offsets_retention_check_interval_ms, "600000", 1,
         INT64_MAX, "How often expired offsets are removed."),
    KI32("offsets.commit.timeout.ms", offsets_commit_timeout_ms, "5000", 1, INT32_MAX,
         "How long an offset commit waits for __consumer_offsets replication."),
    KI32("offset.metadata.max.bytes", offset_metadata_max_bytes, "4096", 0, INT32_MAX,
         "Largest metadata string stored with a committed offset."),
    KI32("group.initial.rebalance.delay.ms", group_initial_rebalance_delay_ms, "3000", 0,
         INT32_MAX, "How long a new group waits for more members before the first rebalance."),
    KI32("group.min.session.timeout.ms", group_min_session_timeout_ms, "6000", 0, INT32_MAX,
         "Smallest session timeout a consumer may ask for."),
    KI32("group.max.session.timeout.ms", group_max_session_timeout_ms, "1800000", 0, INT32_MAX,
         "Largest session timeout a consumer may ask for."),
    KI32("group.max.size", group_max_size, I32MAX, 1, INT32_MAX,
         "Largest number of members in one consumer group."),
    KI32("transaction.state.log.num.partitions", transaction_state_log_num_partitions, "50", 1,
         INT32_MAX, "Accepted for compatibility; transactions are not supported."),
    KI32("transaction.state.log.replication.factor", transaction_state_log_replication_factor, "3",
         1, 32767, "Accepted for compatibility; transactions are not supported."),
    KI32("transaction.state.log.min.isr", transaction_state_log_min_isr, "2", 1, INT32_MAX,
         "Accepted for compatibility; transactions are not supported."),
    KI32("transaction.state.log.segment.bytes", transaction_state_log_segment_bytes, "104857600",
         1, INT32_MAX, "Accepted for compatibility; transactions are not supported."),
    /* authorization */
    KSTR("authorizer.class.name", authorizer_class_name, "", 0, NULL,
         "kafka.security.authorizer.AclAuthorizer (or its older name kafka.security.auth.SimpleAclAuthorizer, or skein.acl): every request is checked against the ACLs in ZooKeeper; empty = no authorization, everything is allowed."),
    KSTR("super.users", super_users, "", 0, NULL,
         "Principals allowed everything whatever the ACLs say, separated by semicolons (User:admin;User:CN=broker-1)."),
    KBOOL("allow.everyone.if.no.acl.found", allow_everyone_if_no_acl_found, "false",
          "With an authorizer, allow every principal on a resource that has no ACL at all."),
    /* client quotas */
    KI32("quota.window.num", quota_window_num, "11", 2, 3600,
         "Samples a client quota's rate is measured over (each quota.window.size.seconds long)."),
    KI32("quota.window.size.seconds", quota_window_size_seconds, "1", 1, 3600,
         "Length of one sample of a client quota's rate."),
    /* skein's own */
    KENUM("log.level", log_level, "info", F_ICASE, level_names,
          "skeind's own log verbosity: error, warn, info or debug."),
    KSTR("log.file", log_file, NULL, 0, NULL,
         "File skeind appends its log lines to; empty = standard error."),
    KENUM("log.format", log_format, "text", F_ICASE, log_format_names,
          "Form of skeind's log lines: text, or json (one JSON object per line: time, level, broker, module, topic, partition and epoch where known, message)."),
    KSTR("metrics.listener", metrics_listener, NULL, 0, NULL,
         "http://host:port where skeind serves Prometheus metrics at /metrics (empty host = all interfaces, [IPv6] in brackets, port 0 = any); unset = no metrics listener."),
};

#define NKEYS ((int)(sizeof(keys) / sizeof(keys[0])))
_Static_assert(sizeof(keys) / sizeof(keys[0]) <= SK_CONF_MAX_KEYS, "raise SK_CONF_MAX_KEYS");

/* Section headings of the docs (--help, skein.properties(5)), printed before
 * the named key, with an optional introduction. */
static const struct {
    const char *first_key;
    const char *title;
    const char *intro;
} sections[] = {
    {"broker.id", "Broker identity"},
    {"listeners", "Listeners"},
    {"ssl.keystore.type", "TLS",
     "Used by every listener whose protocol is SSL. Any of these keys can be set for one listener as listener.name.<listener>.<key>, the listener name in lower case (Kafka's rule); that value wins on that listener."},
    {"sasl.enabled.mechanisms", "SASL",
     "Used by every listener whose protocol is SASL_PLAINTEXT or SASL_SSL. sasl.enabled.mechanisms can be set for one listener as listener.name.<listener>.sasl.enabled.mechanisms, and the JAAS line for one listener and mechanism as listener.name.<listener>.<mechanism>.sasl.jaas.config (both names in lower case, as Kafka writes them, e.g. listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config)."},
    {"log.dir", "Data directories"},
    {"zookeeper.connect", "ZooKeeper"},
    {"num.partitions", "Topic defaults"},
    {"log.segment.bytes", "Log segments, retention and flushing"},
    {"message.max.bytes", "Requests and sockets"},
    {"replica.lag.time.max.ms", "Replication"},
    {"controlled.shutdown.enable", "Controller"},
    {"offsets.topic.num.partitions", "Consumer groups and internal topics"},
    {"authorizer.class.name", "Authorization",
     "ACLs are kept in ZooKeeper in Kafka's layout (/kafka-acl, /kafka-acl-extended) and managed with skein-acls or Kafka's tools."},
    {"log.level", "Skein's own keys",
     "These keys are not Kafka's; Kafka configures its logging separately and exports metrics through JMX."},
};

/* ---------------------------------------------------------------------- */

static void *field(sk_conf_t *c, const ckey_t *k)
{
    return (char *)c + k->off;
}

static const void *cfield(const sk_conf_t *c, const ckey_t *k)
{
    return (const char *)c + k->off;
}

void sk_conf_list_free(sk_conf_list_t *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void replace_str(char **f, char *v)
{
    free(*f);
    *f = v;
}

/* Copy s[0..n) without surrounding whitespace (Kafka trims every value). */
char *sk_conf_dup_trim(const char *s, size_t n)
{
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return sk_strndup(s, n);
}

/* Split a comma list; items trimmed, empty ones dropped. */
void sk_conf_list_split(const char *s, sk_conf_list_t *out)
{
    out->v = NULL;
    out->n = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char *item = sk_conf_dup_trim(p, n);
        if (*item) {
            out->v = sk_realloc(out->v, (size_t)(out->n + 1) * sizeof(char *));
            out->v[out->n++] = item;
        } else {
            free(item);
        }
        if (!comma)
            break;
        p = comma + 1;
    }
}

static int name_index(const char *const *names, const char *s, int icase)
{
    for (int i = 0; names[i]; i++)
        if (icase ? strcasecmp(names[i], s) == 0 : strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static void names_join(const char *const *names, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; names[i] && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Parse a whole decimal integer (optional sign, no spaces, no junk). */
int sk_conf_parse_i64(const char *s, int64_t *out)
{
    if (!*s)
        return -1;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return -1;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static void names_error(const ckey_t *k, char *why, size_t whylen)
{
    char list[256];
    names_join(k->names, list, sizeof(list));
    sk_errf(why, whylen, "expected one of %s", list);
}

int sk_conf_spec_parse(const ckey_t *k, const char *v, conf_val_t *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof(*out));
    switch (k->type) {
    case T_INT32:
    case T_INT64:
        if (sk_conf_parse_i64(v, &out->i) != 0 || out->i < k->min || out->i > k->max) {
            sk_errf(why, whylen, "expected an integer between %" PRId64 " and %" PRId64, k->min,
                   k->max);
            return -1;
        }
        return 0;
    case T_DOUBLE: {
        char *end = NULL;
        errno = 0;
        double x = *v ? strtod(v, &end) : 0;
        if (!*v || errno || !end || *end || x != x || x < (double)k->min || x > (double)k->max) {
            sk_errf(why, whylen, "expected a number between %" PRId64 " and %" PRId64, k->min,
                   k->max);
            return -1;
        }
        out->d = x;
        return 0;
    }
    case T_BOOL:
        if (strcasecmp(v, "true") == 0)
            out->i = 1;
        else if (strcasecmp(v, "false") == 0)
            out->i = 0;
        else {
            sk_errf(why, whylen, "expected true or false");
            return -1;
        }
        return 0;
    case T_ENUM:
        out->i = name_index(k->names, v, k->flags & F_ICASE);
        if (out->i < 0) {
            names_error(k, why, whylen);
            return -1;
        }
        return 0;
    case T_STRING:
        if (!*v && (k->flags & F_NONEMPTY)) {
            sk_errf(why, whylen, "expected a non-empty value");
            return -1;
        }
        if (k->key && strcmp(k->key, "ssl.endpoint.identification.algorithm") == 0 && *v &&
            strcasecmp(v, "https") != 0) {
            sk_errf(why, whylen, "expected https or an empty value");
            return -1;
        }
        if (k->names) {
            out->i = name_index(k->names, v, k->flags & F_ICASE);
            if (out->i < 0) {
                names_error(k, why, whylen);
                return -1;
            }
            out->bits = 1u << out->i;
        }
        return 0;
    case T_LIST: {
        sk_conf_list_t l;
        int rc = 0;
        sk_conf_list_split(v, &l);
        if (l.n == 0 && (k->flags & F_NONEMPTY)) {
            sk_errf(why, whylen, "expected a comma-separated list with at least one item");
            rc = -1;
        }
        for (int i = 0; rc == 0 && k->names && i < l.n; i++) {
            int n = name_index(k->names, l.v[i], k->flags & F_ICASE);
            if (n < 0) {
                char list[256];
                names_join(k->names, list, sizeof(list));
                sk_errf(why, whylen, "'%s' is not one of %s", l.v[i], list);
                rc = -1;
            } else {
                out->bits |= 1u << n;
            }
        }
        sk_conf_list_free(&l);
        return rc;
    }
    }
    return -1;
}

/* Store value v (already trimmed) into key k. Returns 0, or -1 with the
 * reason ("expected ...") in why. */
static int set_value(sk_conf_t *c, const ckey_t *k, const char *v, char *why, size_t whylen)
{
    conf_val_t x;
    if (sk_conf_spec_parse(k, v, &x, why, whylen) != 0)
        return -1;
    switch (k->type) {
    case T_INT32:
        *(int32_t *)field(c, k) = (int32_t)x.i;
        break;
    case T_INT64:
        *(int64_t *)field(c, k) = x.i;
        break;
    case T_DOUBLE:
        *(double *)field(c, k) = x.d;
        break;
    case T_BOOL:
        *(bool *)field(c, k) = x.i != 0;
        break;
    case T_ENUM:
        *(int *)field(c, k) = (int)x.i;
        break;
    case T_STRING: {
        const char *store = k->names ? k->names[x.i] : v;
        replace_str(field(c, k), *store ? sk_strdup(store) : NULL); /* empty = unset */
        break;
    }
    case T_LIST:
        sk_conf_list_free(field(c, k));
        sk_conf_list_split(v, field(c, k));
        break;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* load */

typedef struct {
    const char *path; /* file, for messages */
    int line[SK_CONF_MAX_KEYS];
} loadctx_t;

static const char *const src_default_text = "defaults";

/* Where key i's value came from, for messages. */
static void where(const sk_conf_t *c, const loadctx_t *lc, int i, char *buf, size_t len)
{
    switch (c->source[i]) {
    case SK_CONF_SRC_FILE:
        snprintf(buf, len, "%s:%d", lc && lc->path ? lc->path : "(file)", lc ? lc->line[i] : 0);
        break;
    case SK_CONF_SRC_OVERRIDE:
        snprintf(buf, len, "--override");
        break;
    default:
        snprintf(buf, len, "%s", src_default_text);
        break;
    }
}

static int bad_value(const sk_conf_t *c, const loadctx_t *lc, int i, const char *value,
                     const char *why, char *err, size_t errlen)
{
    char w[512];
    where(c, lc, i, w, sizeof(w));
    sk_errf(err, errlen, "invalid value '%s' for %s in %s: %s", value ? value : "", keys[i].key, w,
           why);
    return SK_EINVAL;
}

static int key_index(const char *key)
{
    for (int i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].key, key) == 0)
            return i;
    return -1;
}

#define KIDX(name) key_index(name)
#define IS_SET(c, name) ((c)->source[KIDX(name)] != SK_CONF_SRC_DEFAULT)

#define LISTENER_PREFIX "listener.name."

/* Is key i one of those that can be set per listener (ssl.* and
 * sasl.enabled.mechanisms)? sasl.jaas.config is set per listener and
 * mechanism (listener.name.<l>.<mech>.sasl.jaas.config) and kept apart. */
static int is_ssl_key(int i)
{
    return i >= 0 && i < NKEYS &&
           (strncmp(keys[i].key, "ssl.", 4) == 0 ||
            strcmp(keys[i].key, "sasl.enabled.mechanisms") == 0);
}

#define JAAS_SUFFIX ".sasl.jaas.config"
#define MECHS_SUFFIX ".sasl.enabled.mechanisms"

/* "listener.name.<l>.sasl.enabled.mechanisms" and
 * "listener.name.<l>.<mech>.sasl.jaas.config": where <l> ends in name, and
 * for the JAAS key the mechanism (the last dot-separated part before the
 * suffix; mechanism names have no dots). 0 if name has neither form. */
static int sasl_listener_key(const char *name, const char **lend, const char **mech,
                             const char **mend, int *ki)
{
    size_t n = strlen(name), js = strlen(JAAS_SUFFIX), ms = strlen(MECHS_SUFFIX);
    if (n > ms && strcmp(name + n - ms, MECHS_SUFFIX) == 0) {
        *lend = name + n - ms;
        *mech = *mend = NULL;
        *ki = key_index("sasl.enabled.mechanisms");
        return 1;
    }
    if (n > js && strcmp(name + n - js, JAAS_SUFFIX) == 0) {
        *mend = name + n - js;
        const char *dot = *mend;
        while (dot > name && dot[-1] != '.')
            dot--;
        if (dot <= name + 1 || dot == *mend)
            return 0;
        *mech = dot;
        *lend = dot - 1;
        *ki = key_index("sasl.jaas.config");
        return 1;
    }
    return 0;
}

/* "listener.name.<l>.ssl.<x>": check the value with the ssl key's parser and
 * keep it (a later value for the same listener and key wins). Returns 1 if
 * key has that form (*rc set), 0 if not. */
static int apply_listener_key(sk_conf_t *c, const char *key, const char *v, const char *where,
                              int *rc, char *err, size_t errlen)
{
    if (strncmp(key, LISTENER_PREFIX, strlen(LISTENER_PREFIX)) != 0)
        return 0;
    const char *name = key + strlen(LISTENER_PREFIX);
    const char *ssl = strstr(name, ".ssl.");
    const char *mech = NULL, *mend = NULL;
    int i = -1;
    if (sasl_listener_key(name, &ssl, &mech, &mend, &i)) {
        if (ssl == name)
            return 0;
    } else {
        if (!ssl || ssl == name)
            return 0;
        i = key_index(ssl + 1);
        if (!is_ssl_key(i))
            return 0;
    }
    char why[512];
    conf_val_t x;
    if (sk_conf_spec_parse(&keys[i], v, &x, why, sizeof(why)) != 0) {
        sk_errf(err, errlen, "invalid value '%s' for %s in %s: %s", v, key, where, why);
        *rc = SK_EINVAL;
        return 1;
    }
    /* A JAAS entry keeps "<l>\0<mech>" in one allocation (listener, then
     * mech pointing into it), so freeing listener frees both. */
    size_t llen = (size_t)(ssl - name), mlen = mech ? (size_t)(mend - mech) : 0;
    char *lname = sk_malloc(llen + 1 + mlen + 1);
    memcpy(lname, name, llen);
    lname[llen] = '\0';
    char *lmech = mech ? lname + llen + 1 : NULL;
    if (lmech) {
        memcpy(lmech, mech, mlen);
        lmech[mlen] = '\0';
    }
    for (const char *q = lmech ? lmech : ""; *q; q++) {
        if (isupper((unsigned char)*q)) {
            sk_errf(err, errlen,
                   "invalid key %s in %s: mechanism names in listener.name.* keys are lower case, "
                   "as in Kafka", key, where);
            free(lname);
            *rc = SK_EINVAL;
            return 1;
        }
    }
    for (const char *q = lname; *q; q++) {
        if (isupper((unsigned char)*q)) {
            sk_errf(err, errlen,
                   "invalid key %s in %s: listener names in listener.name.* keys are lower case, "
                   "as in Kafka", key, where);
            free(lname);
            *rc = SK_EINVAL;
            return 1;
        }
    }
    sk_conf_listener_key_t *e = NULL;
    for (int j = 0; j < c->n_listener_ssl; j++)
        if (c->listener_ssl[j].key == i && strcmp(c->listener_ssl[j].listener, lname) == 0 &&
            (!lmech || strcmp(c->listener_ssl[j].mech, lmech) == 0))
            e = &c->listener_ssl[j];
    if (e) {
        free(lname);
        replace_str(&e->value, sk_strdup(v));
    } else {
        c->listener_ssl = sk_realloc(c->listener_ssl,
                                     (size_t)(c->n_listener_ssl + 1) * sizeof(*c->listener_ssl));
        e = &c->listener_ssl[c->n_listener_ssl++];
        e->listener = lname;
        e->mech = lmech;
        e->key = i;
        e->value = sk_strdup(v);
    }
    *rc = SK_OK;
    return 1;
}

/* Apply one key=value from the file or an override. */
static int apply(sk_conf_t *c, loadctx_t *lc, const char *key, const char *rawval, int src,
                 int line, char *err, size_t errlen)
{
    int i = key_index(key);
    if (i < 0) {
        char *lv = sk_conf_dup_trim(rawval, strlen(rawval));
        char w[512];
        int lrc = SK_OK;
        if (src == SK_CONF_SRC_FILE)
            snprintf(w, sizeof(w), "%s:%d", lc->path ? lc->path : "(file)", line);
        else
            snprintf(w, sizeof(w), "--override");
        int handled = apply_listener_key(c, key, lv, w, &lrc, err, errlen);
        free(lv);
        if (handled)
            return lrc;
        if (src == SK_CONF_SRC_FILE)
            sk_warn("conf", "unknown configuration key '%s' (line %d) ignored", key, line);
        else
            sk_warn("conf", "unknown configuration key '%s' (--override) ignored", key);
        return SK_OK;
    }
    char *v = sk_conf_dup_trim(rawval, strlen(rawval));
    uint8_t old_src = c->source[i];
    int old_line = lc->line[i];
    c->source[i] = (uint8_t)src;
    lc->line[i] = line;
    char why[512];
    int rc = SK_OK;
    if (set_value(c, &keys[i], v, why, sizeof(why)) != 0) {
        rc = bad_value(c, lc, i, v, why, err, errlen);
        c->source[i] = old_src;
        lc->line[i] = old_line;
    }
    free(v);
    return rc;
}

/* Required keys must have been given. */
static int check_required(const sk_conf_t *c, char *err, size_t errlen)
{
    for (int i = 0; i < NKEYS; i++) {
        if ((keys[i].flags & F_REQUIRED) && c->source[i] == SK_CONF_SRC_DEFAULT) {
            sk_errf(err, errlen, "missing required configuration key %s (%s)", keys[i].key,
                   keys[i].doc);
            return SK_EINVAL;
        }
    }
    return SK_OK;
}

/* Keys Kafka derives from others: roll and retention times, flush interval,
 * ZooKeeper connection timeout, data directories, cleanup flags. */
static int resolve_derived(sk_conf_t *c, const loadctx_t *lc, char *err, size_t errlen)
{
    if (!IS_SET(c, "log.roll.ms"))
        c->log_roll_ms = (int64_t)c->log_roll_hours * 3600000;

    int ret_key;
    int64_t ret;
    if (IS_SET(c, "log.retention.ms")) {
        ret_key = KIDX("log.retention.ms");
        ret = c->log_retention_ms;
    } else if (IS_SET(c, "log.retention.minutes")) {
        ret_key = KIDX("log.retention.minutes");
        ret = (int64_t)c->log_retention_minutes * 60000;
    } else {
        ret_key = KIDX("log.retention.hours");
        ret = (int64_t)c->log_retention_hours * 3600000;
    }
    if (ret == 0) {
        char v[32];
        sk_conf_value_string(c, ret_key, v, sizeof(v));
        return bad_value(c, lc, ret_key, v, "log retention must be unlimited (-1) or positive",
                         err, errlen);
    }
    c->log_retention_ms = ret < 0 ? -1 : ret;
    if (!IS_SET(c, "log.retention.minutes"))
        c->log_retention_minutes = 0;

    if (!IS_SET(c, "log.flush.interval.ms"))
        c->log_flush_interval_ms = c->log_flush_scheduler_interval_ms;
    if (!IS_SET(c, "zookeeper.connection.timeout.ms"))
        c->zookeeper_connection_timeout_ms = c->zookeeper_session_timeout_ms;

    if (!IS_SET(c, "log.dirs")) {
        sk_conf_list_free(&c->log_dirs);
        sk_conf_list_split(c->log_dir ? c->log_dir : "", &c->log_dirs);
        if (c->log_dirs.n == 0)
            return bad_value(c, lc, KIDX("log.dir"), c->log_dir, "expected a directory", err,
                             errlen);
    }

    c->log_cleanup_policy_delete = c->log_cleanup_policy_compact = false;
    for (int i = 0; i < c->log_cleanup_policy.n; i++) {
        if (strcmp(c->log_cleanup_policy.v[i], "delete") == 0)
            c->log_cleanup_policy_delete = true;
        else if (strcmp(c->log_cleanup_policy.v[i], "compact") == 0)
            c->log_cleanup_policy_compact = true;
    }
    return SK_OK;
}

/* zookeeper.connect -> zookeeper_hosts + zookeeper_chroot. */
static int resolve_zookeeper(sk_conf_t *c, const loadctx_t *lc, char *err, size_t errlen)
{
    char why[768];
    replace_str(&c->zookeeper_hosts, NULL);
    replace_str(&c->zookeeper_chroot, NULL);
    if (c->zookeeper_connect &&
        sk_zk_connect_parse(c->zookeeper_connect, &c->zookeeper_hosts, &c->zookeeper_chroot, why,
                            sizeof(why)) != SK_OK) {
        char full[900];
        snprintf(full, sizeof(full), "%s (expected host:port[,host:port...][/chroot])", why);
        return bad_value(c, lc, KIDX("zookeeper.connect"), c->zookeeper_connect, full, err,
                         errlen);
    }
    if (c->zookeeper_ssl_client_enable)
        return bad_value(c, lc, KIDX("zookeeper.ssl.client.enable"), "true",
                         "TLS to ZooKeeper is not supported: the ZooKeeper C client skeind is "
                         "built with (Debian's libzookeeper_mt 3.8) has no TLS "
                         "(zookeeper_init_ssl); use zookeeper.digest.file with "
                         "zookeeper.set.acl, and a private network or a TLS tunnel to ZooKeeper",
                         err, errlen);
    if (c->zookeeper_set_acl && (!c->zookeeper_digest_file || !*c->zookeeper_digest_file))
        return bad_value(c, lc, KIDX("zookeeper.set.acl"), "true",
                         "needs zookeeper.digest.file (the brokers' ZooKeeper identity)", err,
                         errlen);
    return SK_OK;
}

/* Check one advertised listener and fill in an empty host. adv_key is the
 * key errors name (listeners when advertised.listeners was not given). */
static int check_advertised(sk_conf_t *c, const loadctx_t *lc, sk_listener_cfg_t *a, int adv_set,
                            int adv_key, char *err, size_t errlen)
{
    char why[768];
    if (strcmp(a->host, "0.0.0.0") == 0 || strcmp(a->host, "::") == 0) {
        snprintf(why, sizeof(why),
                 "listener %s: %s cannot be advertised to clients; set advertised.listeners to a routable address",
                 a->name, a->host);
        return bad_value(c, lc, adv_key, c->advertised_listeners, why, err, errlen);
    }
    if (adv_set && a->port == 0) {
        snprintf(why, sizeof(why), "listener %s: port 0 cannot be advertised", a->name);
        return bad_value(c, lc, adv_key, c->advertised_listeners, why, err, errlen);
    }
    if (!sk_listeners_find(c->listeners_parsed, c->n_listeners_parsed, a->name)) {
        snprintf(why, sizeof(why), "listener %s is not in listeners", a->name);
        return bad_value(c, lc, adv_key, c->advertised_listeners, why, err, errlen);
    }
    if (a->host[0] == '\0') {
        char hn[256];
        if (gethostname(hn, sizeof(hn)) != 0 || hn[0] == '\0')
            snprintf(hn, sizeof(hn), "localhost");
        hn[sizeof(hn) - 1] = '\0';
        replace_str(&a->host, sk_strdup(hn));
    }
    return SK_OK;
}

/* The inter-broker listener: named, or derived from the protocol; it must be
 * advertised. adv_key as for check_advertised(). */
static int resolve_inter_broker(sk_conf_t *c, const loadctx_t *lc, int adv_key, char *err,
                                size_t errlen)
{
    char why[768];
    int i_ibl = KIDX("inter.broker.listener.name");
    int i_sibp = KIDX("security.inter.broker.protocol");
    int named = IS_SET(c, "inter.broker.listener.name") && c->inter_broker_listener_name;
    if (named) {
        if (IS_SET(c, "security.inter.broker.protocol"))
            return bad_value(c, lc, i_ibl, c->inter_broker_listener_name,
                             "set only one of inter.broker.listener.name and security.inter.broker.protocol",
                             err, errlen);
        sk_conf_upcase(c->inter_broker_listener_name);
    } else {
        replace_str(&c->inter_broker_listener_name, sk_strdup(c->security_inter_broker_protocol));
    }
    if (sk_listeners_find(c->advertised_listeners_parsed, c->n_advertised_listeners_parsed,
                          c->inter_broker_listener_name))
        return SK_OK;

    int ik = named ? i_ibl : IS_SET(c, "security.inter.broker.protocol") ? i_sibp : adv_key;
    char names[300] = "";
    for (int i = 0; i < c->n_advertised_listeners_parsed; i++) {
        size_t u = strlen(names);
        snprintf(names + u, sizeof(names) - u, "%s%s", i ? ", " : "",
                 c->advertised_listeners_parsed[i].name);
    }
    snprintf(why, sizeof(why),
             "the inter-broker listener %s must be one of the advertised listeners (%s); set inter.broker.listener.name",
             c->inter_broker_listener_name, names);
    char v[512];
    sk_conf_value_string(c, ik, v, sizeof(v));
    return bad_value(c, lc, ik, ik == adv_key ? c->advertised_listeners : v, why, err, errlen);
}

/* listeners, advertised.listeners, the protocol map and the inter-broker listener. */
static int resolve_listeners(sk_conf_t *c, const loadctx_t *lc, char *err, size_t errlen)
{
    char why[768];
    int rc = SK_OK;
    sk_conf_pmap_t *pm = NULL;
    int npm = 0;

    if (sk_conf_pmap_parse(c->listener_security_protocol_map, &pm, &npm, why, sizeof(why)) != SK_OK) {
        rc = bad_value(c, lc, KIDX("listener.security.protocol.map"),
                       c->listener_security_protocol_map, why, err, errlen);
        goto out;
    }
    sk_listeners_free(c->listeners_parsed, c->n_listeners_parsed);
    c->listeners_parsed = NULL;
    c->n_listeners_parsed = 0;
    if (sk_listeners_parse(c->listeners, c->listener_security_protocol_map, &c->listeners_parsed,
                           &c->n_listeners_parsed, why, sizeof(why)) != SK_OK) {
        rc = bad_value(c, lc, KIDX("listeners"), c->listeners, why, err, errlen);
        goto out;
    }

    int adv_set = IS_SET(c, "advertised.listeners") && c->advertised_listeners;
    int adv_key = adv_set ? KIDX("advertised.listeners") : KIDX("listeners");
    if (!adv_set)
        replace_str(&c->advertised_listeners, sk_strdup(c->listeners));
    sk_listeners_free(c->advertised_listeners_parsed, c->n_advertised_listeners_parsed);
    c->advertised_listeners_parsed = NULL;
    c->n_advertised_listeners_parsed = 0;
    if (sk_listeners_parse(c->advertised_listeners, c->listener_security_protocol_map,
                           &c->advertised_listeners_parsed, &c->n_advertised_listeners_parsed, why,
                           sizeof(why)) != SK_OK) {
        rc = bad_value(c, lc, adv_key, c->advertised_listeners, why, err, errlen);
        goto out;
    }
    for (int i = 0; i < c->n_advertised_listeners_parsed; i++) {
        rc = check_advertised(c, lc, &c->advertised_listeners_parsed[i], adv_set, adv_key, err,
                              errlen);
        if (rc != SK_OK)
            goto out;
    }
    rc = resolve_inter_broker(c, lc, adv_key, err, errlen);
    if (rc != SK_OK)
        goto out;
    /* listener.name.<l>.ssl.* naming no listener: Kafka ignores them too */
    for (int j = 0; j < c->n_listener_ssl; j++)
        if (!sk_listeners_find(c->listeners_parsed, c->n_listeners_parsed,
                               c->listener_ssl[j].listener))
            sk_warn("conf", "%s%s.%s ignored: there is no listener %s", LISTENER_PREFIX,
                    c->listener_ssl[j].listener, keys[c->listener_ssl[j].key].key,
                    c->listener_ssl[j].listener);
out:
    sk_conf_pmap_free(pm, npm);
    return rc;
}

/* metrics.listener: http://host:port, host empty (all interfaces), a name,
 * an IPv4 address or [IPv6]; the port 0..65535. */
static int resolve_metrics(sk_conf_t *c, const loadctx_t *lc, char *err, size_t errlen)
{
    const char *v = c->metrics_listener;
    const char *why = NULL;
    free(c->metrics_host);
    c->metrics_host = NULL;
    c->metrics_port = 0;
    if (!v || !*v)
        return SK_OK;
    if (strncasecmp(v, "http://", 7) != 0) {
        why = "expected http://host:port";
        goto bad;
    }
    const char *h = v + 7, *hend, *colon;
    if (*h == '[') {
        hend = strchr(h, ']');
        if (!hend || hend[1] != ':') {
            why = "expected http://[IPv6 address]:port";
            goto bad;
        }
        colon = hend + 1;
        h++;
    } else {
        colon = strrchr(h, ':');
        if (!colon) {
            why = "expected http://host:port";
            goto bad;
        }
        hend = colon;
        if (memchr(h, '/', (size_t)(hend - h)) || memchr(h, ':', (size_t)(hend - h))) {
            why = "expected http://host:port (IPv6 addresses in brackets)";
            goto bad;
        }
    }
    const char *p = colon + 1;
    char *end = NULL;
    long port = *p >= '0' && *p <= '9' ? strtol(p, &end, 10) : -1;
    if (port < 0 || port > 65535 || !end || (*end && strcmp(end, "/") != 0 &&
                                             strcmp(end, "/metrics") != 0)) {
        why = "expected http://host:port with a port between 0 and 65535";
        goto bad;
    }
    c->metrics_host = sk_strndup(h, (size_t)(hend - h));
    c->metrics_port = (int)port;
    return SK_OK;
bad:
    return bad_value(c, lc, KIDX("metrics.listener"), v, why, err, errlen);
}

/* authorizer.class.name: empty, Kafka's ZooKeeper ACL authorizer (either
 * name) or Skein's alias for it; anything else would leave the operator
 * believing requests are checked. */
static int resolve_authorizer(sk_conf_t *c, const loadctx_t *lc, char *err, size_t errlen)
{
    static const char *const names[] = {"kafka.security.authorizer.AclAuthorizer",
                                        "kafka.security.auth.SimpleAclAuthorizer", "skein.acl",
                                        NULL};
    const char *v = c->authorizer_class_name;
    c->authorizer_enabled = 0;
    if (!v || !*v)
        return SK_OK;
    for (int i = 0; names[i]; i++) {
        if (strcmp(v, names[i]) == 0) {
            c->authorizer_enabled = 1;
            return SK_OK;
        }
    }
    return bad_value(c, lc, KIDX("authorizer.class.name"), v,
                     "expected kafka.security.authorizer.AclAuthorizer, "
                     "kafka.security.auth.SimpleAclAuthorizer, skein.acl or empty",
                     err, errlen);
}

/* Limits that involve two keys. */
int sk_conf_ip_overrides(const char *s, sk_ip_override_t **out, int *n, char *why, size_t whylen)
{
    sk_ip_override_t *v = NULL;
    int cnt = 0, cap = 0;
    *out = NULL;
    *n = 0;
    const char *p = s ? s : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)p[len - 1]))
            len--;
        const char *colon = NULL;
        for (size_t i = 0; i < len; i++)
            if (p[i] == ':')
                colon = p + i;
        char num[24];
        size_t hlen = colon ? (size_t)(colon - p) : 0;
        size_t nlen = colon ? len - hlen - 1 : 0;
        char *nend = NULL;
        long long c = 0;
        if (colon && nlen > 0 && nlen < sizeof(num)) {
            memcpy(num, colon + 1, nlen);
            num[nlen] = '\0';
            errno = 0;
            c = strtoll(num, &nend, 10);
        }
        if (!colon || hlen == 0 || hlen >= sizeof(v->host) || nlen == 0 || nlen >= sizeof(num) ||
            !nend || *nend || errno || c < 0 || c > INT32_MAX) {
            sk_errf(why, whylen, "expected host:count entries (count 0..%d) separated by commas",
                    INT32_MAX);
            free(v);
            return SK_EINVAL;
        }
        if (cnt == cap) {
            cap = cap ? cap * 2 : 4;
            v = sk_realloc(v, (size_t)cap * sizeof(*v));
        }
        /* [v6] brackets are allowed around an IPv6 literal */
        const char *h = p;
        if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
            h++;
            hlen -= 2;
        }
        memcpy(v[cnt].host, h, hlen);
        v[cnt].host[hlen] = '\0';
        v[cnt].count = (int32_t)c;
        cnt++;
        if (!end)
            break;
        p = end + 1;
    }
    *out = v;
    *n = cnt;
    return SK_OK;
}

static int check_combinations(const sk_conf_t *c, const loadctx_t *lc, char *err, size_t errlen)
{
    char v[32];
    char why[160];
    sk_ip_override_t *ov = NULL;
    int n_ov = 0;
    if (sk_conf_ip_overrides(c->max_connections_per_ip_overrides, &ov, &n_ov, why, sizeof(why)) !=
        SK_OK)
        return bad_value(c, lc, KIDX("max.connections.per.ip.overrides"),
                         c->max_connections_per_ip_overrides, why, err, errlen);
    free(ov);
    if (c->group_min_session_timeout_ms > c->group_max_session_timeout_ms) {
        snprintf(v, sizeof(v), "%" PRId32, c->group_min_session_timeout_ms);
        return bad_value(c, lc, KIDX("group.min.session.timeout.ms"), v,
                         "must not exceed group.max.session.timeout.ms", err, errlen);
    }
    if (c->replica_fetch_wait_max_ms > c->replica_socket_timeout_ms ||
        c->replica_fetch_wait_max_ms > c->replica_lag_time_max_ms) {
        snprintf(v, sizeof(v), "%" PRId32, c->replica_fetch_wait_max_ms);
        return bad_value(c, lc, KIDX("replica.fetch.wait.max.ms"), v,
                         "must not exceed replica.socket.timeout.ms or replica.lag.time.max.ms",
                         err, errlen);
    }
    return SK_OK;
}

/* Derive the effective values and check combinations. When strict is 0
 * (sk_conf_init), missing required keys are not errors. */
static int resolve(sk_conf_t *c, const loadctx_t *lc, int strict, char *err, size_t errlen)
{
    int rc = SK_OK;
    if (strict && (rc = check_required(c, err, errlen)) != SK_OK)
        return rc;
    if ((rc = resolve_derived(c, lc, err, errlen)) != SK_OK)
        return rc;
    if ((rc = resolve_zookeeper(c, lc, err, errlen)) != SK_OK)
        return rc;
    if ((rc = resolve_listeners(c, lc, err, errlen)) != SK_OK)
        return rc;
    if ((rc = resolve_metrics(c, lc, err, errlen)) != SK_OK)
        return rc;
    if ((rc = resolve_authorizer(c, lc, err, errlen)) != SK_OK)
        return rc;
    return check_combinations(c, lc, err, errlen);
}

void sk_conf_init(sk_conf_t *c)
{
    char why[256];
    memset(c, 0, sizeof(*c));
    c->broker_id = -1;
    for (int i = 0; i < NKEYS; i++)
        if (keys[i].def)
            set_value(c, &keys[i], keys[i].def, why, sizeof(why)); /* defaults are valid */
    resolve(c, NULL, 0, why, sizeof(why));
}

int sk_conf_load(sk_conf_t *c, const char *path, char *const *overrides, int n_overrides,
                 char *err, size_t errlen)
{
    int rc = SK_OK;
    sk_props_t props;
    loadctx_t *lc = sk_calloc(1, sizeof(*lc));
    sk_props_init(&props);
    lc->path = path;

    if (path) {
        rc = sk_props_parse_file(&props, path, err, errlen);
        if (rc != SK_OK)
            goto out;
        for (int i = 0; i < props.n; i++) {
            rc = apply(c, lc, props.v[i].key, props.v[i].value, SK_CONF_SRC_FILE,
                       props.v[i].line, err, errlen);
            if (rc != SK_OK)
                goto out;
        }
    }
    for (int i = 0; i < n_overrides; i++) {
        const char *o = overrides[i];
        const char *eq = o ? strchr(o, '=') : NULL;
        if (!eq) {
            sk_errf(err, errlen, "invalid --override '%s': expected key=value", o ? o : "");
            rc = SK_EINVAL;
            goto out;
        }
        char *key = sk_conf_dup_trim(o, (size_t)(eq - o));
        if (!*key) {
            free(key);
            sk_errf(err, errlen, "invalid --override '%s': empty key", o);
            rc = SK_EINVAL;
            goto out;
        }
        rc = apply(c, lc, key, eq + 1, SK_CONF_SRC_OVERRIDE, 0, err, errlen);
        free(key);
        if (rc != SK_OK)
            goto out;
    }
    rc = resolve(c, lc, 1, err, errlen);
out:
    sk_props_free(&props);
    free(lc);
    return rc;
}

static void dyn_free(sk_conf_t *c);

void sk_conf_free(sk_conf_t *c)
{
    for (int i = 0; i < SK_CONF_MAX_KEYS; i++) {
        free(c->static_value[i]);
        c->static_value[i] = NULL;
    }
    for (int i = 0; i < NKEYS; i++) {
        if (keys[i].type == T_STRING)
            replace_str(field(c, &keys[i]), NULL);
        else if (keys[i].type == T_LIST)
            sk_conf_list_free(field(c, &keys[i]));
    }
    for (int j = 0; j < c->n_listener_ssl; j++) {
        free(c->listener_ssl[j].listener);
        free(c->listener_ssl[j].value);
    }
    free(c->listener_ssl);
    dyn_free(c);
    free(c->zookeeper_hosts);
    free(c->zookeeper_chroot);
    free(c->metrics_host);
    sk_listeners_free(c->listeners_parsed, c->n_listeners_parsed);
    sk_listeners_free(c->advertised_listeners_parsed, c->n_advertised_listeners_parsed);
    memset(c, 0, sizeof(*c));
}

/* ---------------------------------------------------------------------- */
/* introspection and help */

int sk_conf_key_count(void)
{
    return NKEYS;
}

const char *sk_conf_key_name(int i)
{
    return i >= 0 && i < NKEYS ? keys[i].key : NULL;
}

int sk_conf_key_index(const char *key)
{
    return key ? key_index(key) : -1;
}

/* Print the field of key k as Kafka would print it. */
static void format_value(const sk_conf_t *c, const ckey_t *k, char *buf, size_t buflen)
{
    buf[0] = '\0';
    switch (k->type) {
    case T_INT32:
        snprintf(buf, buflen, "%" PRId32, *(const int32_t *)cfield(c, k));
        break;
    case T_INT64:
        snprintf(buf, buflen, "%" PRId64, *(const int64_t *)cfield(c, k));
        break;
    case T_BOOL:
        snprintf(buf, buflen, "%s", *(const bool *)cfield(c, k) ? "true" : "false");
        break;
    case T_DOUBLE:
        snprintf(buf, buflen, "%g", *(const double *)cfield(c, k));
        break;
    case T_ENUM: {
        int v = *(const int *)cfield(c, k);
        int n = 0;
        while (k->names[n])
            n++;
        snprintf(buf, buflen, "%s", v >= 0 && v < n ? k->names[v] : "");
        break;
    }
    case T_STRING: {
        const char *s = *(char *const *)cfield(c, k);
        snprintf(buf, buflen, "%s", s ? s : "");
        break;
    }
    case T_LIST: {
        const sk_conf_list_t *l = cfield(c, k);
        size_t used = 0;
        for (int j = 0; j < l->n && used < buflen; j++) {
            int n = snprintf(buf + used, buflen - used, "%s%s", j ? "," : "", l->v[j]);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        break;
    }
    }
}

int sk_conf_value_string(const sk_conf_t *c, int i, char *buf, size_t buflen)
{
    if (i < 0 || i >= NKEYS || !buf || buflen == 0)
        return SK_EINVAL;
    buf[0] = '\0';
    if (!keys[i].def && c->source[i] == SK_CONF_SRC_DEFAULT)
        return SK_OK; /* unset (null in Kafka's terms) */
    format_value(c, &keys[i], buf, buflen);
    return SK_OK;
}

int sk_conf_effective_string(const sk_conf_t *c, int i, char *buf, size_t buflen, int *set)
{
    if (i < 0 || i >= NKEYS || !buf || buflen == 0)
        return SK_EINVAL;
    const ckey_t *k = &keys[i];
    int is_set = c->source[i] != SK_CONF_SRC_DEFAULT;
    if (k->from) {
        /* The field holds the effective value whether or not the key was
         * set; it counts as set when a key it derives from was. */
        format_value(c, k, buf, buflen);
        for (const char *p = k->from; *p;) {
            size_t n = strcspn(p, " ");
            for (int j = 0; j < NKEYS; j++)
                if (strlen(keys[j].key) == n && strncmp(keys[j].key, p, n) == 0 &&
                    c->source[j] != SK_CONF_SRC_DEFAULT)
                    is_set = 1;
            p += n;
            p += strspn(p, " ");
        }
    } else {
        sk_conf_value_string(c, i, buf, buflen);
    }
    if (set)
        *set = is_set;
    return SK_OK;
}

const char *sk_conf_key_type(int i)
{
    return i >= 0 && i < NKEYS ? sk_conf_spec_type_name(&keys[i]) : NULL;
}

const char *sk_conf_key_default(int i)
{
    return i >= 0 && i < NKEYS ? keys[i].def : NULL;
}

const char *sk_conf_key_doc(int i)
{
    return i >= 0 && i < NKEYS ? keys[i].doc : NULL;
}

const char *sk_conf_key_section(int i, const char **intro)
{
    for (size_t s = 0; i >= 0 && i < NKEYS && s < sizeof(sections) / sizeof(sections[0]); s++) {
        if (strcmp(sections[s].first_key, keys[i].key) == 0) {
            if (intro)
                *intro = sections[s].intro;
            return sections[s].title;
        }
    }
    return NULL;
}

int sk_conf_key_sensitive(int i)
{
    return i >= 0 && i < NKEYS && (keys[i].flags & F_SENSITIVE) != 0;
}

int sk_conf_key_dynamic(int i)
{
    return i >= 0 && i < NKEYS && (keys[i].flags & F_DYNAMIC);
}

int sk_conf_check_value(int i, const char *value, char *why, size_t whylen)
{
    if (i < 0 || i >= NKEYS || !value) {
        snprintf(why, whylen, "not a configuration key");
        return SK_EINVAL;
    }
    char *v = sk_conf_dup_trim(value, strlen(value));
    conf_val_t x;
    int rc = sk_conf_spec_parse(&keys[i], v, &x, why, whylen) == 0 ? SK_OK : SK_EINVAL;
    free(v);
    return rc;
}

/* The flags derived from log.cleanup.policy (as resolve_derived sets them). */
static void cleanup_flags(sk_conf_t *c)
{
    c->log_cleanup_policy_delete = c->log_cleanup_policy_compact = false;
    for (int i = 0; i < c->log_cleanup_policy.n; i++) {
        if (strcmp(c->log_cleanup_policy.v[i], "delete") == 0)
            c->log_cleanup_policy_delete = true;
        else if (strcmp(c->log_cleanup_policy.v[i], "compact") == 0)
            c->log_cleanup_policy_compact = true;
    }
}

int sk_conf_set_dynamic(sk_conf_t *c, int i, const char *value, int source, char *why,
                        size_t whylen)
{
    if (!sk_conf_key_dynamic(i)) {
        snprintf(why, whylen, "not a dynamic configuration key");
        return SK_EINVAL;
    }
    const ckey_t *k = &keys[i];
    char before[1024];
    format_value(c, k, before, sizeof(before));
    uint8_t src_before = c->source[i];
    if (!value) {
        if (!c->static_value[i])
            return 1; /* no dynamic value in force */
        if (set_value(c, k, c->static_value[i], why, whylen) != 0)
            return SK_EINVAL; /* it was parsed once: not reached */
        c->source[i] = c->static_source[i];
        free(c->static_value[i]);
        c->static_value[i] = NULL;
    } else {
        char *v = sk_conf_dup_trim(value, strlen(value));
        char *saved = c->static_value[i] ? NULL : sk_strdup(before);
        if (set_value(c, k, v, why, whylen) != 0) {
            free(v);
            free(saved);
            return SK_EINVAL;
        }
        free(v);
        if (saved) {
            c->static_value[i] = saved;
            c->static_source[i] = src_before;
        }
        c->source[i] = (uint8_t)source;
    }
    if (k->off == OFF(log_cleanup_policy))
        cleanup_flags(c);
    char after[1024];
    format_value(c, k, after, sizeof(after));
    return strcmp(before, after) == 0 && src_before == c->source[i] ? 1 : SK_OK;
}

/* Copy key k's field from src to dst (strings and lists duplicated). */
static void copy_field(sk_conf_t *dst, const sk_conf_t *src, const ckey_t *k)
{
    switch (k->type) {
    case T_INT32: *(int32_t *)field(dst, k) = *(const int32_t *)cfield(src, k); break;
    case T_INT64: *(int64_t *)field(dst, k) = *(const int64_t *)cfield(src, k); break;
    case T_DOUBLE: *(double *)field(dst, k) = *(const double *)cfield(src, k); break;
    case T_BOOL: *(bool *)field(dst, k) = *(const bool *)cfield(src, k); break;
    case T_ENUM: *(int *)field(dst, k) = *(const int *)cfield(src, k); break;
    case T_STRING: {
        const char *v = *(char *const *)cfield(src, k);
        replace_str(field(dst, k), v ? sk_strdup(v) : NULL);
        break;
    }
    case T_LIST: {
        const sk_conf_list_t *from = cfield(src, k);
        sk_conf_list_t *to = field(dst, k);
        sk_conf_list_free(to);
        to->v = from->n ? sk_calloc((size_t)from->n, sizeof(char *)) : NULL;
        for (int j = 0; j < from->n; j++)
            to->v[j] = sk_strdup(from->v[j]);
        to->n = from->n;
        break;
    }
    }
}

void sk_conf_listener_ssl_with(const sk_conf_t *c, const char *listener,
                               const char *const *dyn_keys, const char *const *dyn_values,
                               int n_dyn, sk_conf_t *out)
{
    char why[256], l[128];
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < NKEYS; i++) {
        if (!is_ssl_key(i))
            continue;
        copy_field(out, c, &keys[i]);
        out->source[i] = c->source[i];
    }
    for (int j = 0; j < c->n_listener_ssl; j++) {
        const sk_conf_listener_key_t *e = &c->listener_ssl[j];
        if (strcasecmp(e->listener, listener) != 0 || e->mech)
            continue;
        if (set_value(out, &keys[e->key], e->value, why, sizeof(why)) == 0) /* checked at load */
            out->source[e->key] = SK_CONF_SRC_LISTENER;
    }
    /* then this broker's dynamic values, which win over the file's */
    for (int j = 0; j < n_dyn; j++) {
        int i = sk_conf_listener_key(dyn_keys[j], l, sizeof(l));
        if (i < 0 || !(keys[i].flags & F_LISTENER_DYNAMIC) || strcasecmp(l, listener) != 0)
            continue;
        char *v = sk_conf_dup_trim(dyn_values[j], strlen(dyn_values[j]));
        if (set_value(out, &keys[i], v, why, sizeof(why)) == 0)
            out->source[i] = SK_CONF_SRC_LISTENER;
        free(v);
    }
}

void sk_conf_listener_ssl(const sk_conf_t *c, const char *listener, sk_conf_t *out)
{
    sk_conf_listener_ssl_with(c, listener, (const char *const *)c->listener_dyn_keys,
                              (const char *const *)c->listener_dyn_values, c->n_listener_dyn,
                              out);
}

int sk_conf_listener_key(const char *key, char *listener, size_t len)
{
    if (!key || strncmp(key, LISTENER_PREFIX, strlen(LISTENER_PREFIX)) != 0)
        return -1;
    const char *name = key + strlen(LISTENER_PREFIX);
    const char *ssl = strstr(name, ".ssl.");
    if (!ssl || ssl == name || (size_t)(ssl - name) >= len)
        return -1;
    int i = key_index(ssl + 1);
    if (i < 0 || strncmp(keys[i].key, "ssl.", 4) != 0)
        return -1;
    memcpy(listener, name, (size_t)(ssl - name));
    listener[ssl - name] = '\0';
    return i;
}

int sk_conf_key_listener_dynamic(int i)
{
    return i >= 0 && i < NKEYS && (keys[i].flags & F_LISTENER_DYNAMIC);
}

static void dyn_free(sk_conf_t *c)
{
    for (int j = 0; j < c->n_listener_dyn; j++) {
        free(c->listener_dyn_keys[j]);
        free(c->listener_dyn_values[j]);
    }
    free(c->listener_dyn_keys);
    free(c->listener_dyn_values);
    c->listener_dyn_keys = c->listener_dyn_values = NULL;
    c->n_listener_dyn = 0;
}

int sk_conf_set_listener_dynamic(sk_conf_t *c, const char *const *k, const char *const *v, int n)
{
    int same = n == c->n_listener_dyn;
    for (int j = 0; same && j < n; j++) {
        int found = 0;
        for (int m = 0; m < n && !found; m++)
            found = strcmp(c->listener_dyn_keys[m], k[j]) == 0 &&
                    strcmp(c->listener_dyn_values[m], v[j]) == 0;
        same = found;
    }
    if (same)
        return 1;
    dyn_free(c);
    c->listener_dyn_keys = sk_calloc((size_t)n + 1, sizeof(char *));
    c->listener_dyn_values = sk_calloc((size_t)n + 1, sizeof(char *));
    for (int j = 0; j < n; j++) {
        c->listener_dyn_keys[j] = sk_strdup(k[j]);
        c->listener_dyn_values[j] = sk_strdup(v[j]);
    }
    c->n_listener_dyn = n;
    return SK_OK;
}

void sk_conf_ssl_key_name(const sk_conf_t *view, const char *listener, const char *key,
                          char *buf, size_t len)
{
    int i = key_index(key);
    if (i >= 0 && view->source[i] == SK_CONF_SRC_LISTENER) {
        snprintf(buf, len, "%s", LISTENER_PREFIX);
        size_t u = strlen(buf);
        for (const char *p = listener; *p && u + 1 < len; p++)
            buf[u++] = (char)tolower((unsigned char)*p);
        buf[u < len ? u : len - 1] = '\0';
        u = strlen(buf);
        snprintf(buf + u, len - u, ".%s", key);
    } else {
        snprintf(buf, len, "%s", key);
    }
}

const char *sk_conf_listener_jaas(const sk_conf_t *c, const char *listener, const char *mech,
                                  char *keyname, size_t len)
{
    for (int j = 0; j < c->n_listener_ssl; j++) {
        const sk_conf_listener_key_t *e = &c->listener_ssl[j];
        if (e->mech && strcasecmp(e->listener, listener) == 0 && strcasecmp(e->mech, mech) == 0) {
            if (keyname && len)
                snprintf(keyname, len, "%s%s.%s%s", LISTENER_PREFIX, e->listener, e->mech,
                         JAAS_SUFFIX);
            return e->value;
        }
    }
    if (keyname && len)
        snprintf(keyname, len, "sasl.jaas.config");
    return c->sasl_jaas_config;
}

/* ---------------------------------------------------------------------- */
/* the shared key specification (conf_int.h) */

const ckey_t *sk_conf_spec(int i)
{
    return i >= 0 && i < NKEYS ? &keys[i] : NULL;
}

int sk_conf_names_index(const char *const *names, const char *name)
{
    return name_index(names, name, 0);
}

void sk_conf_spec_get(const sk_conf_t *c, int i, conf_val_t *out)
{
    const ckey_t *k = &keys[i];
    memset(out, 0, sizeof(*out));
    switch (k->type) {
    case T_INT32: out->i = *(const int32_t *)cfield(c, k); break;
    case T_INT64: out->i = *(const int64_t *)cfield(c, k); break;
    case T_DOUBLE: out->d = *(const double *)cfield(c, k); break;
    case T_BOOL: out->i = *(const bool *)cfield(c, k); break;
    case T_ENUM: out->i = *(const int *)cfield(c, k); break;
    case T_STRING: {
        const char *s = *(char *const *)cfield(c, k);
        if (k->names && s && (out->i = name_index(k->names, s, k->flags & F_ICASE)) >= 0)
            out->bits = 1u << out->i;
        break;
    }
    case T_LIST: {
        const sk_conf_list_t *l = cfield(c, k);
        for (int j = 0; k->names && j < l->n; j++) {
            int n = name_index(k->names, l->v[j], k->flags & F_ICASE);
            if (n >= 0)
                out->bits |= 1u << n;
        }
        break;
    }
    }
}

const char *sk_conf_spec_type_name(const ckey_t *k)
{
    switch (k->type) {
    case T_INT32: return "int";
    case T_INT64: return "long";
    case T_BOOL: return "boolean";
    case T_DOUBLE: return "double";
    case T_STRING: return "string";
    case T_LIST: return "list";
    case T_ENUM: return "enum";
    }
    return "?";
}

void sk_conf_spec_range(const ckey_t *k, char *buf, size_t len)
{
    buf[0] = '\0';
    if (k->type == T_DOUBLE) {
        snprintf(buf, len, ", %" PRId64 "..%" PRId64, k->min, k->max);
        return;
    }
    if (k->type != T_INT32 && k->type != T_INT64)
        return;
    int64_t lo_full = k->type == T_INT32 ? INT32_MIN : INT64_MIN;
    int64_t hi_full = k->type == T_INT32 ? INT32_MAX : INT64_MAX;
    if (k->min == lo_full && k->max == hi_full)
        return;
    if (k->max == hi_full)
        snprintf(buf, len, ", >= %" PRId64, k->min);
    else
        snprintf(buf, len, ", %" PRId64 "..%" PRId64, k->min, k->max);
}

void sk_conf_spec_names(const ckey_t *k, char *buf, size_t len)
{
    buf[0] = '\0';
    if (k->names)
        names_join(k->names, buf, len);
}

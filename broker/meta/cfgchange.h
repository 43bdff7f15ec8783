/* cfgchange.h - dynamic configuration: /config/<type>/<name> znodes kept
 * current on every broker through /config/changes.
 *
 * Kafka's layout (zookeeper-layout.md): an entity's settings live in
 * /config/<type>/<name> as {"version":1,"config":{...}}; whoever changes one
 * (AlterConfigs on any broker, skein-configs --zookeeper, Kafka's tools)
 * then creates a sequential /config/changes/config_change_NNNNNNNNNN whose
 * data names the entity: {"version":2,"entity_path":"topics/foo"} or the
 * legacy {"version":1,"entity_type":"topics","entity_name":"foo"}.
 *
 * Every broker watches the children of /config/changes. A notification
 * with a sequence above the last one handled is read, the entity node it
 * names is read, and when both parse, the entity's settings replace the
 * cached ones and each subscriber of that entity type is called. A
 * malformed notification or entity node is logged (one warning) and
 * skipped: the cache keeps what it had. At each start (the first session
 * and every new one after an expiry) every entity of each subscribed type
 * is read and its subscribers called, so nothing changed while the session
 * was gone is missed; the notifications present then are old news.
 * At most once a minute, when the children are listed, the notifications
 * already handled are looked at and those older than 15 minutes deleted
 * (Kafka's purge, which every broker of Kafka's also does).
 *
 * Entity names: for users/<u>/clients/<c> the type is "users" and the name
 * "<u>/clients/<c>"; Kafka's "<default>" entities are ordinary names here.
 * @locality loop
 */
#ifndef SK_CFGCHANGE_H
#define SK_CFGCHANGE_H
#include "meta/broker_ctx.h"
#include "znode.h"

/* Called on the event loop after /config/<entity_type>/<entity_name>
 * changed (or at start); sk_cfgchange_get() has its settings. */
typedef void (*sk_cfgchange_fn)(void *arg, const char *entity_type, const char *entity_name);

/* Call fn for every change of an entity of entity_type ("topics",
 * "brokers", "users", "clients"). Subscribe before sk_cfgchange_start();
 * a type nobody subscribed to is not read or cached. Returns SK_OK, or
 * SK_EINVAL for an unknown type. */
int sk_cfgchange_subscribe(sk_broker_t *b, const char *entity_type, sk_cfgchange_fn fn,
                           void *arg);

/* (Re)start once the session is up and the broker registered: watch
 * /config/changes, then read every entity of the subscribed types. */
void sk_cfgchange_start(sk_broker_t *b);

/* The settings of an entity of a subscribed type as last read, or NULL
 * when its znode is missing, empty or was never read. Valid until control
 * returns to the loop. */
const sk_znode_config_t *sk_cfgchange_get(sk_broker_t *b, const char *entity_type,
                                          const char *entity_name);

/* Has a start's full read of entity_type (subscribed) ever completed
 * without a failed ZooKeeper call? From then on the cache holds every entity
 * of that type, kept current by the notifications, so that a name missing
 * from it has no znode (the SCRAM credentials are looked up this way). */
int sk_cfgchange_loaded(const sk_broker_t *b, const char *entity_type);

/* Notifications handled since start (for tests and metrics). */
long long sk_cfgchange_handled(const sk_broker_t *b);

/* Free after sk_zk_close (callbacks still out run inside it). */
void sk_cfgchange_free(sk_broker_t *b);

#endif

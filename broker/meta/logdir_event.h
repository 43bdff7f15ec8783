/* logdir_event.h - a log dir went offline: tell the controller through
 * ZooKeeper, as Kafka's brokers do (LogDirEventNotification).
 *
 * The broker creates the persistent sequential znode
 * /log_dir_event_notification/log_dir_event_<10 digits> with Kafka's JSON
 * {"version":1,"broker":<id>,"event":1} (event 1 = LogDirFailure). The
 * controller watches the children of /log_dir_event_notification. A create
 * that fails for want of a session is tried again every second until it is
 * written or the broker stops.
 * @locality loop
 */
#ifndef SK_LOGDIR_EVENT_H
#define SK_LOGDIR_EVENT_H
#include <stddef.h>
#include <stdint.h>

#include "meta/broker_ctx.h"

#define SK_LOGDIR_EVENT_PATH "/log_dir_event_notification"
#define SK_LOGDIR_EVENT_PREFIX SK_LOGDIR_EVENT_PATH "/log_dir_event_"
#define SK_LOGDIR_EVENT_FAILURE 1

/* Kafka's JSON for a LogDirFailure of broker_id into buf (NUL-terminated):
 * the length, or -1 when buf is too small. @locality any */
int sk_logdir_event_json(int32_t broker_id, char *buf, size_t cap);
/* Write one notification for this broker (b->zk, b->id). */
void sk_logdir_event_notify(sk_broker_t *b);

#endif

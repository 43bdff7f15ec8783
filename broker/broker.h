/* broker.h - the broker: start-up, ZooKeeper registration, shutdown.
 * @locality loop
 */
#ifndef SK_BROKER_H
#define SK_BROKER_H

#include <stddef.h>

struct event_base;
struct sk_conf;

typedef struct sk_broker_s sk_broker_t;

/* Open logs (with recovery), bind listeners, connect to ZooKeeper and
 * register; listeners start accepting once registered. Errors are written to
 * err; the caller exits 1. */
int sk_broker_new(struct event_base *base, const struct sk_conf *conf, sk_broker_t **out, char *err,
                  size_t errlen);
/* Begin a clean shutdown (as on SIGTERM): stop serving, deregister, flush. */
void sk_broker_stop(sk_broker_t *b, int exit_code);
/* Exit status the process should use once the loop has ended. */
int sk_broker_exit_code(const sk_broker_t *b);
void sk_broker_free(sk_broker_t *b);

#endif

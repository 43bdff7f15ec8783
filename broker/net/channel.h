/* channel.h - the controller's connections to brokers.
 *
 * One outbound connection per live broker (the controller's own broker
 * included, as in Kafka), speaking ordinary Kafka framing. Requests to one
 * broker go out one at a time, in the order queued. A request whose
 * connection breaks is sent again once the connection is back; control
 * requests carry epochs, so a repeat is harmless. Removing a broker fails its
 * queued requests. A host name is resolved off the loop (see channel.c).
 * @locality loop
 */
#ifndef SK_CHANNEL_H
#define SK_CHANNEL_H
#include <stddef.h>
#include <stdint.h>

#include "kbuf.h"

struct event_base;
typedef struct sk_chan_s sk_chan_t;

/* rc = SK_OK with the response body (after the response header), or SK_EIO
 * when the broker was removed before answering. */
typedef void (*sk_chan_cb)(int rc, const uint8_t *body, size_t len, void *arg);

sk_chan_t *sk_chan_new(struct event_base *base, const char *client_id);
/* Add a broker or change its endpoint (reconnects if it changed). */
void sk_chan_set_broker(sk_chan_t *ch, int32_t id, const char *host, int port);
void sk_chan_remove_broker(sk_chan_t *ch, int32_t id);
int sk_chan_has_broker(const sk_chan_t *ch, int32_t id);
/* Queue a request; body is consumed (reset). cb may be NULL. */
void sk_chan_send(sk_chan_t *ch, int32_t broker, int16_t api_key, int16_t api_version, sk_wr_t *body,
                  sk_chan_cb cb, void *arg);
/* The function that resolves a broker's host name, on a thread of its own
 * (getaddrinfo unless set; tests slow it down). NULL: getaddrinfo. */
struct addrinfo;
typedef int (*sk_chan_lookup_fn)(const char *host, const char *port, const struct addrinfo *hints,
                                 struct addrinfo **res);
void sk_chan_set_lookup(sk_chan_t *ch, sk_chan_lookup_fn fn);
/* Fails every queued request (cb with SK_EIO) and frees. */
void sk_chan_free(sk_chan_t *ch);

#endif

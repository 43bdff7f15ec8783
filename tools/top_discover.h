/* top_discover.h - skein-top --bootstrap-server: the brokers of a cluster
 * (Metadata v1 to a bootstrap broker) and where each serves /metrics, read
 * from its own metrics.listener with DescribeConfigs (v1, resource BROKER)
 * sent to that broker. A listener on every interface ("http://:9404",
 * 0.0.0.0, [::]) is reached at the broker's advertised host.
 * @locality any
 */
#ifndef SK_TOP_DISCOVER_H
#define SK_TOP_DISCOVER_H
#include <stddef.h>
#include <stdint.h>

typedef struct sk_top_target {
    int32_t id;     /* broker id, -1 when given by --metrics */
    char *url;      /* http://host:port/metrics, or NULL (error says why) */
    char *label;    /* shown in the BROKER column: "id/host:port" */
    char error[256];
} sk_top_target_t;

/* The brokers of the cluster behind bootstrap, sorted by id: *out
 * (malloc'd, sk_top_targets_free) and *n. A broker whose metrics endpoint
 * cannot be found has url NULL and the reason in error. 0, or -1 with err
 * set when no bootstrap broker answered. */
int sk_top_discover(const char *bootstrap, int timeout_s, sk_top_target_t **out, int *n,
                    char *err, size_t errlen);
/* The URL a metrics.listener value gives for a broker advertised at
 * hostport: malloc'd, or NULL with err set (port 0, not http://). */
char *sk_top_listener_url(const char *listener, const char *hostport, char *err, size_t errlen);
void sk_top_targets_free(sk_top_target_t *t, int n);

#endif

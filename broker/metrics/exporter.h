/* exporter.h - /metrics: the broker's state and counters in Prometheus'
 * text format (version 0.0.4), served over HTTP on metrics.listener.
 *
 * The exporter sits just below the broker's top level so that it may read
 * every module: the counters of common/metrics.h, the topic table and the
 * partitions (replica manager gauges, log sizes), the controller's
 * partition counts, the group coordinator's groups and committed offsets
 * (consumer lag), the listeners' connections. Names follow the Prometheus
 * JMX exporter's rendering of Kafka's MBeans (kafka_server_..., lower
 * case), so existing dashboards and alerts apply.
 *
 * A scrape is rendered on the loop, in one go, from plain integers: no
 * lock, no allocation per sample beyond the output buffer's growth.
 * @locality loop
 */
#ifndef SK_EXPORTER_H
#define SK_EXPORTER_H
#include <stddef.h>
#include <stdint.h>

#include "prom.h"

typedef struct sk_broker_s sk_broker_t;
typedef struct sk_exporter_s sk_exporter_t;

/* Listen on host:port (host "" = every interface, port 0 = any) on the
 * broker's loop; GET /metrics renders, anything else is answered 404 (an
 * unknown path), 405 (another method) or 400 (a malformed request, by
 * evhttp). A port that cannot be bound fails with SK_EIO and the reason in
 * err. */
int sk_exporter_new(sk_broker_t *b, const char *host, int port, sk_exporter_t **out, char *err,
                    size_t errlen);
/* The port bound (when configured as 0). */
int sk_exporter_port(const sk_exporter_t *e);
/* The high watermark of a partition this broker holds no replica of, as
 * its leader last told the exporter (lagpoll.h): 1 with *hw set, else 0. */
int sk_exporter_remote_hw(const sk_exporter_t *e, const char *topic, int32_t partition,
                          int64_t *hw);
void sk_exporter_free(sk_exporter_t *e);

/* Append every metric family of broker b to p (the body of a scrape). */
void sk_metrics_render(sk_broker_t *b, sk_prom_t *p);

#endif

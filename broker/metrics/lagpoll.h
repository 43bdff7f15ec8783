/* lagpoll.h - high watermarks of partitions this broker holds no replica
 * of, for kafka_consumergroup_lag.
 *
 * The coordinator of a group knows the committed offsets but not the high
 * watermark of a partition it does not host. After each scrape the exporter
 * asks the leaders of such partitions (those with an offset committed in a
 * group this broker coordinates) for their latest offset with ListOffsets
 * v1 (as a consumer: the high watermark) over a connection of its own, at
 * most once a second; the answers serve the next scrape, and one older than
 * a minute is not used. The lag of such a partition is thus one scrape old.
 * @locality loop
 */
#ifndef SK_LAGPOLL_H
#define SK_LAGPOLL_H
#include <stdint.h>

typedef struct sk_broker_s sk_broker_t;
typedef struct sk_lagpoll_s sk_lagpoll_t;

sk_lagpoll_t *sk_lagpoll_new(sk_broker_t *b);
/* Requests in flight are dropped (their answers ignored). NULL ok. */
void sk_lagpoll_free(sk_lagpoll_t *lp);
/* Ask the leaders again (no-op while a round is in flight or within a
 * second of the last one). */
void sk_lagpoll_refresh(sk_lagpoll_t *lp);
/* The partition's high watermark as its leader last answered: 1 with *hw
 * set, 0 when unknown or over a minute old. */
int sk_lagpoll_hw(const sk_lagpoll_t *lp, const char *topic, int32_t partition, int64_t *hw);

#endif

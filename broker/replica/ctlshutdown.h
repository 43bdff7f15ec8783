/* ctlshutdown.h - the broker's side of controlled shutdown (spec §4.7).
 *
 * On the first SIGTERM/SIGINT, with controlled.shutdown.enable, the broker
 * keeps serving and asks the active controller (from /controller, reached
 * like AlterPartition proposals) with ControlledShutdown v3 to move its
 * leaderships away. An attempt fails when the answer is an error, lists
 * partitions the broker still leads, or does not come within
 * controller.socket.timeout.ms (or the controller changes meanwhile); up to
 * controlled.shutdown.max.retries attempts, controlled.shutdown.retry.backoff.ms
 * apart, and never longer in all than max.retries x retry.backoff.ms + 3 s
 * (an attempt's wait is cut short to fit). Then (success or not) the normal
 * shutdown runs. A second signal skips the rest at once.
 * One log line per attempt and one for the outcome.
 * @locality loop
 */
#ifndef SK_CTLSHUTDOWN_H
#define SK_CTLSHUTDOWN_H

typedef struct sk_broker_s sk_broker_t;

/* A stop signal arrived (broker not yet stopping). Returns 1 if controlled
 * shutdown took it (started now, or a second signal that ends it and stops
 * the broker), 0 if the caller should stop the broker itself. */
int sk_ctlsd_signal(sk_broker_t *b, int sig);
/* Cancel and free (the broker stops for another reason, or is freed). */
void sk_ctlsd_free(sk_broker_t *b);

#endif

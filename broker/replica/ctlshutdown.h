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
 * One log line per transition of the state machine below: one per attempt
 * and one for the outcome.
 * @locality loop
 */
#ifndef SK_CTLSHUTDOWN_H
#define SK_CTLSHUTDOWN_H

typedef struct sk_broker_s sk_broker_t;

/* The phases of a controlled shutdown (one machine per broker, made by the
 * first stop signal):
 *
 *   NOT_STARTED -> ASKING     the first attempt
 *   ASKING      -> BACKOFF    the attempt failed; the next one follows after
 *                             controlled.shutdown.retry.backoff.ms
 *   ASKING      -> SUCCEEDED  the controller moved every leadership away
 *   ASKING      -> GAVE_UP    the last attempt failed, or no time is left
 *                             for another
 *   BACKOFF     -> ASKING     the next attempt
 *   SUCCEEDED   -> DONE       the broker stops (when it is the controller,
 *                             once its own requests went out, at most 5 s)
 *   GAVE_UP     -> DONE       the broker stops anyway
 *   any but DONE/CANCELLED -> CANCELLED   a second signal, or the broker
 *                             stops for another reason
 * Advanced only by the module's timers (the next step, the per-attempt
 * watch) and the controller's answer. Every transition is one log line
 * ending "(controlled shutdown STATE -> STATE)"; one not in the table is
 * logged as an error and not taken. */
typedef enum sk_ctlsd_state {
    SK_CTLSD_NOT_STARTED = 0,
    SK_CTLSD_ASKING,
    SK_CTLSD_BACKOFF,
    SK_CTLSD_SUCCEEDED,
    SK_CTLSD_GAVE_UP,
    SK_CTLSD_DONE,
    SK_CTLSD_CANCELLED,
    SK_CTLSD_N_STATES
} sk_ctlsd_state_t;

/* Is from -> to in the table above? (Pure.) */
int sk_ctlsd_state_allowed(sk_ctlsd_state_t from, sk_ctlsd_state_t to);
/* "NOT_STARTED", "ASKING", ... ("?" out of range). */
const char *sk_ctlsd_state_name(sk_ctlsd_state_t s);

/* Stops the broker (the wiring's sk_broker_stop): called once the
 * controlled shutdown is over. */
typedef void (*sk_ctlsd_stop_fn)(sk_broker_t *b, int exit_code);

/* A stop signal arrived (broker not yet stopping). Returns 1 if controlled
 * shutdown took it (started now, or a second signal that ends it and stops
 * the broker through stop), 0 if the caller should stop the broker itself. */
int sk_ctlsd_signal(sk_broker_t *b, int sig, sk_ctlsd_stop_fn stop);
/* Cancel and free (the broker stops for another reason, or is freed). */
void sk_ctlsd_free(sk_broker_t *b);

#endif

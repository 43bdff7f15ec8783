/* clock.h - wall-clock and monotonic milliseconds. @locality any */
#ifndef SK_CLOCK_H
#define SK_CLOCK_H
#include <stdint.h>

/* Milliseconds since the Unix epoch (what Kafka timestamps use). */
int64_t sk_wall_ms(void);
/* Monotonic milliseconds, for timeouts and intervals. */
int64_t sk_mono_ms(void);

/* Tests only: sk_mono_ms() returns fn() from now on (NULL: the real clock
 * again). Not for the broker, whose timers run on libevent's clock. */
void sk_clock_set_mono_source(int64_t (*fn)(void));

#endif

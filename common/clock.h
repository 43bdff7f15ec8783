/* clock.h - wall-clock and monotonic milliseconds. @locality any */
#ifndef SK_CLOCK_H
#define SK_CLOCK_H
#include <stdint.h>

/* Milliseconds since the Unix epoch (what Kafka timestamps use). */
int64_t sk_wall_ms(void);
/* Monotonic milliseconds, for timeouts and intervals. */
int64_t sk_mono_ms(void);

#endif

/* clock.c - see clock.h */
#include "clock.h"

#include <time.h>

int64_t sk_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t (*mono_source)(void);

void sk_clock_set_mono_source(int64_t (*fn)(void))
{
    mono_source = fn;
}

int64_t sk_mono_ms(void)
{
    if (mono_source)
        return mono_source();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

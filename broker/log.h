/* broker/log.h - compatibility header.
 *
 * common/log.h (logging) and the partition-log API share the name "log.h".
 * Inside broker/, a quoted #include "log.h" finds this file first, so it
 * provides both: the logging macros and the partition log (log_plog.h).
 * Prefer including "log_plog.h" directly for the partition log.
 */
#ifndef SK_BROKER_LOG_H
#define SK_BROKER_LOG_H
#include "../common/log.h"
#include "log_plog.h"
#endif

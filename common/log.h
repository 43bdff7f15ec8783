/* log.h - one line per event, with timestamp, level and broker id.
 *
 * Line format (stderr unless sk_log_open() names a file):
 *   2026-11-22T03:50:00.123Z INFO  [broker 0] [produce] appended ... t-0 epoch 3
 * Call sites name their module ("net", "produce", "log", "zk", ...) and put the
 * topic-partition and epoch into the message. Lines are assembled in memory
 * and written with one write(2), so lines from different threads never mix.
 *
 * With SK_LOG_JSON (log.format=json) each line is one JSON object instead:
 *   {"time":"2026-11-22T03:50:00.123Z","level":"INFO","broker":0,
 *    "module":"produce","message":"appended ... t-0 epoch 3"}
 * and the *_tp calls add "topic", "partition" and "epoch" (when >= 0) as
 * fields of their own; in text lines their message reads as before. Bytes
 * that are not UTF-8 become U+FFFD, so every line parses.
 * @locality any
 */
#ifndef SK_LOG_H
#define SK_LOG_H

typedef enum {
    SK_LOG_ERROR = 0,
    SK_LOG_WARN = 1,
    SK_LOG_INFO = 2,
    SK_LOG_DEBUG = 3,
} sk_log_level_t;

typedef enum {
    SK_LOG_TEXT = 0,
    SK_LOG_JSON = 1,
} sk_log_format_t;

void sk_log_set_level(sk_log_level_t level);
void sk_log_set_format(sk_log_format_t format);
void sk_log_set_broker_id(int broker_id);
/* Parse "error", "warn", "info", "debug" (case-insensitive); -1 if unknown. */
int sk_log_level_parse(const char *s);
/* Redirect output to a file opened for append; returns 0 or -1 (errno set). */
int sk_log_open(const char *path);
int sk_log_enabled(sk_log_level_t level);
void sk_logf(sk_log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, about one partition (epoch: its leader epoch, -1 = none). */
void sk_logf_tp(sk_log_level_t level, const char *module, const char *topic, int partition,
                int epoch, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#define SK_LOG_AT(lvl, mod, ...)                                                \
    do {                                                                        \
        if (sk_log_enabled(lvl))                                                \
            sk_logf(lvl, mod, __VA_ARGS__);                                     \
    } while (0)
#define sk_error(mod, ...) SK_LOG_AT(SK_LOG_ERROR, mod, __VA_ARGS__)
#define sk_warn(mod, ...)  SK_LOG_AT(SK_LOG_WARN, mod, __VA_ARGS__)
#define sk_info(mod, ...)  SK_LOG_AT(SK_LOG_INFO, mod, __VA_ARGS__)
#define sk_debug(mod, ...) SK_LOG_AT(SK_LOG_DEBUG, mod, __VA_ARGS__)

#define SK_LOG_TP_AT(lvl, mod, topic, part, epoch, ...)                         \
    do {                                                                        \
        if (sk_log_enabled(lvl))                                                \
            sk_logf_tp(lvl, mod, topic, part, epoch, __VA_ARGS__);              \
    } while (0)
#define sk_error_tp(mod, t, p, e, ...) SK_LOG_TP_AT(SK_LOG_ERROR, mod, t, p, e, __VA_ARGS__)
#define sk_warn_tp(mod, t, p, e, ...) SK_LOG_TP_AT(SK_LOG_WARN, mod, t, p, e, __VA_ARGS__)
#define sk_info_tp(mod, t, p, e, ...) SK_LOG_TP_AT(SK_LOG_INFO, mod, t, p, e, __VA_ARGS__)

#endif

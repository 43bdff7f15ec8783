/* log.c - line logger (see log.h). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_level = SK_LOG_INFO;
static atomic_int log_broker_id = -1;
static atomic_int log_fd = STDERR_FILENO;
static atomic_int log_format = SK_LOG_TEXT;

static const char *const level_names[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

void sk_log_set_level(sk_log_level_t level)
{
    atomic_store(&log_level, (int)level);
}

void sk_log_set_format(sk_log_format_t format)
{
    atomic_store(&log_format, (int)format);
}

void sk_log_set_broker_id(int broker_id)
{
    atomic_store(&log_broker_id, broker_id);
}

int sk_log_level_parse(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    if (strcasecmp(s, "warning") == 0)
        return SK_LOG_WARN;
    return -1;
}

int sk_log_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    int old = atomic_exchange(&log_fd, fd);
    if (old != STDERR_FILENO)
        close(old);
    return 0;
}

int sk_log_enabled(sk_log_level_t level)
{
    return (int)level <= atomic_load(&log_level);
}

/* Writes all of buf (one line) with as few write(2) calls as it takes. */
static void emit(const char *buf, size_t n)
{
    size_t off = 0;
    int fd = atomic_load(&log_fd);
    while (off < n) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        off += (size_t)w;
    }
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, min = 0x80, cp = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, min = 0x800, cp = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Appends s as the body of a JSON string to out (capacity cap, *n used);
 * stops early rather than overflow. */
static void json_str(char *out, size_t cap, size_t *n, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left > 0) {
        char esc[8];
        const char *add = esc;
        size_t k = 0, used = 1;
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\', esc[1] = (char)*p, k = 2;
        } else if (*p == '\n') {
            add = "\\n", k = 2;
        } else if (*p == '\t') {
            add = "\\t", k = 2;
        } else if (*p < 0x20 || *p == 0x7f) {
            esc[0] = '\\', esc[1] = 'u', esc[2] = '0', esc[3] = '0';
            esc[4] = hex[*p >> 4], esc[5] = hex[*p & 15], k = 6;
        } else if (*p < 0x80) {
            add = (const char *)p, k = 1;
        } else if ((used = utf8_len(p, left)) > 0) {
            add = (const char *)p, k = used;
        } else {
            add = "\xEF\xBF\xBD", k = 3, used = 1; /* U+FFFD */
        }
        if (*n + k >= cap)
            break;
        memcpy(out + *n, add, k);
        *n += k;
        p += used;
        left -= used;
    }
}

static void append(char *out, size_t cap, size_t *n, const char *s)
{
    if (*n + 1 >= cap)
        return;
    size_t k = strnlen(s, cap - *n - 1);
    memcpy(out + *n, s, k);
    *n += k;
}

static void log_line(sk_log_level_t level, const char *module, const char *topic, int partition,
                     int epoch, const char *fmt, va_list ap)
{
    char msg[2048];
    char line[8192];
    char ts[64];
    struct timeval tv;
    struct tm tm;
    int saved_errno = errno;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(tv.tv_usec / 1000));
    int lvl = (int)level;
    if (lvl < 0 || lvl > 3)
        lvl = 0;
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        msg[0] = '\0';
    size_t n = 0;
    if (atomic_load(&log_format) == SK_LOG_JSON) {
        static const char *const json_levels[] = {"ERROR", "WARN", "INFO", "DEBUG"};
        char num[64];
        append(line, sizeof(line), &n, "{\"time\":\"");
        append(line, sizeof(line), &n, ts);
        append(line, sizeof(line), &n, "\",\"level\":\"");
        append(line, sizeof(line), &n, json_levels[lvl]);
        snprintf(num, sizeof(num), "\",\"broker\":%d,\"module\":\"", atomic_load(&log_broker_id));
        append(line, sizeof(line), &n, num);
        json_str(line, sizeof(line), &n, module ? module : "-");
        append(line, sizeof(line), &n, "\"");
        if (topic) {
            append(line, sizeof(line), &n, ",\"topic\":\"");
            json_str(line, sizeof(line), &n, topic);
            snprintf(num, sizeof(num), "\",\"partition\":%d", partition);
            append(line, sizeof(line), &n, num);
            if (epoch >= 0) {
                snprintf(num, sizeof(num), ",\"epoch\":%d", epoch);
                append(line, sizeof(line), &n, num);
            }
        }
        append(line, sizeof(line), &n, ",\"message\":\"");
        /* room for the closing "}\n" whatever the message's length */
        json_str(line, sizeof(line) - 3, &n, msg);
        memcpy(line + n, "\"}", 2);
        n += 2;
    } else {
        int k = snprintf(line, sizeof(line), "%s %s [broker %d] [%s] ", ts, level_names[lvl],
                         atomic_load(&log_broker_id), module ? module : "-");
        n = k > 0 ? (size_t)k : 0;
        append(line, sizeof(line) - 1, &n, msg);
        /* One event, one line: fold embedded newlines. */
        for (size_t i = 0; i < n; i++)
            if (line[i] == '\n' || line[i] == '\r')
                line[i] = ' ';
    }
    line[n++] = '\n';
    emit(line, n);
    errno = saved_errno;
}

void sk_logf(sk_log_level_t level, const char *module, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(level, module, NULL, -1, -1, fmt, ap);
    va_end(ap);
}

void sk_logf_tp(sk_log_level_t level, const char *module, const char *topic, int partition,
                int epoch, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(level, module, topic, partition, epoch, fmt, ap);
    va_end(ap);
}

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

static const char *const level_names[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

void sk_log_set_level(sk_log_level_t level)
{
    atomic_store(&log_level, (int)level);
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

void sk_logf(sk_log_level_t level, const char *module, const char *fmt, ...)
{
    char line[2048];
    struct timeval tv;
    struct tm tm;
    int saved_errno = errno;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int lvl = (int)level;
    if (lvl < 0 || lvl > 3)
        lvl = 0;
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s [broker %d] [%s] ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(tv.tv_usec / 1000), level_names[lvl],
                     atomic_load(&log_broker_id), module ? module : "-");
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof(line)) {
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
        if (m > 0)
            n += m;
    }
    if ((size_t)n >= sizeof(line) - 1)
        n = (int)sizeof(line) - 2;
    /* One event, one line: fold embedded newlines. */
    for (int i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[n++] = '\n';
    ssize_t off = 0;
    int fd = atomic_load(&log_fd);
    while (off < n) {
        ssize_t w = write(fd, line + off, (size_t)(n - off));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        off += w;
    }
    errno = saved_errno;
}

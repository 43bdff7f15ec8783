/* mem.h - allocation helpers that abort on out-of-memory.
 *
 * A broker cannot do anything useful after malloc fails, so these log and
 * abort instead of making every caller handle NULL. Never size an allocation
 * from the wire before checking it against a configured limit.
 * @locality any
 */
#ifndef SK_MEM_H
#define SK_MEM_H
#include <stddef.h>

void *sk_malloc(size_t n);
void *sk_calloc(size_t nmemb, size_t size);
void *sk_realloc(void *p, size_t n);
char *sk_strdup(const char *s);
char *sk_strndup(const char *s, size_t n);
/* printf into a freshly allocated string. */
char *sk_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Format an error message into err (errlen bytes, cut to fit); nothing
 * when err is NULL or errlen 0. The parsers' "char *err, size_t errlen". */
void sk_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

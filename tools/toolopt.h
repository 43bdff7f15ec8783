/* toolopt.h - small command-line helpers shared by the skein-* tools.
 *
 * Strict number parsing, "key=value" lists (--config, --property,
 * --producer-property ...) and the exit codes every tool uses. Nothing here
 * prints or exits; callers decide.
 * @locality any
 */
#ifndef SK_TOOLOPT_H
#define SK_TOOLOPT_H
#include <stddef.h>
#include <stdint.h>

/* Exit statuses of every tool. */
enum {
    SK_TOOL_EXIT_OK = 0,
    SK_TOOL_EXIT_FAIL = 1,  /* the operation failed (message on stderr) */
    SK_TOOL_EXIT_USAGE = 2, /* bad command line */
};

/* Parse a whole string as a decimal integer in [lo, hi] (leading '+' or '-'
 * allowed, no spaces, no trailing text). 0 or SK_EINVAL with the reason. */
int sk_topt_int(const char *s, long long lo, long long hi, long long *out, char *err,
                size_t errlen);

/* An ordered list of key/value strings; a key set twice keeps its first
 * position and the last value. */
typedef struct sk_kvlist {
    char **keys;
    char **values;
    int n;
    int cap;
} sk_kvlist_t;

void sk_kvlist_init(sk_kvlist_t *l);
void sk_kvlist_free(sk_kvlist_t *l);
/* Set key to value (both copied). */
void sk_kvlist_set(sk_kvlist_t *l, const char *key, const char *value);
/* Add "key=value" (split at the first '='; the value may be empty, the key
 * may not). SK_EINVAL with the reason when there is no '=' or no key. */
int sk_kvlist_add_arg(sk_kvlist_t *l, const char *arg, char *err, size_t errlen);
/* The value for key, or NULL. */
const char *sk_kvlist_get(const sk_kvlist_t *l, const char *key);
/* Remove key if present; returns 1 if it was there. */
int sk_kvlist_remove(sk_kvlist_t *l, const char *key);

/* Parse a boolean property value the way Kafka's tools do ("true" in any
 * case is true, everything else false) but refuse anything other than
 * true/false so typos are seen: 0/1 in *out, or SK_EINVAL. */
int sk_topt_bool(const char *s, int *out, char *err, size_t errlen);

/* Comma-separated list of int32 broker ids ("1,2,0"): malloc'd array in
 * *out (free()), count in *n. Empty string gives n = 0. */
int sk_topt_int32_list(const char *s, int32_t **out, int *n, char *err, size_t errlen);

#endif

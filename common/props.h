/* props.h - Java .properties reader (the subset Kafka users write).
 *
 * Syntax, as java.util.Properties.load():
 *  - "key=value", "key: value" and "key value"; the key ends at the first
 *    unescaped '=', ':' or whitespace; whitespace around the separator is skipped;
 *  - lines whose first non-blank character is '#' or '!' are comments;
 *  - blank lines are skipped, leading whitespace (space, tab, form feed) too;
 *  - a line ending in an odd number of backslashes continues on the next line,
 *    whose leading whitespace is dropped;
 *  - escapes \t \n \r \f \\ \= \: \# \! "\ " and \uXXXX (surrogate pairs
 *    combine; the result is UTF-8); a backslash before any other character
 *    stands for that character;
 *  - line ends are \n, \r\n or \r; a last line without a newline is fine.
 * Differences: trailing unescaped whitespace of a value is trimmed (Kafka trims
 * values anyway); bytes are taken as UTF-8, not ISO-8859-1; a UTF-8 byte order
 * mark at the start is skipped.
 *
 * Duplicate keys: the last value wins (as in Java); the entry keeps the
 * position of the first occurrence and the line of the last, and a WARN line
 * names both lines.
 *
 * Errors (SK_EINVAL, err = "FILE:LINE: reason"): unreadable file, malformed
 * \u escape, lone surrogate, NUL byte (also \u0000), a line over
 * SK_PROPS_MAX_LINE bytes (a continued line counts as a whole).
 * @locality any
 */
#ifndef SK_PROPS_H
#define SK_PROPS_H
#include <stddef.h>

#define SK_PROPS_MAX_LINE (1024 * 1024)
#define SK_PROPS_MAX_FILE (64 * 1024 * 1024)

typedef struct sk_prop {
    char *key;
    char *value;
    int line; /* 1-based line where the entry starts */
} sk_prop_t;

typedef struct sk_props {
    sk_prop_t *v; /* in file order */
    int n;
    int cap;
} sk_props_t;

void sk_props_init(sk_props_t *p);
void sk_props_free(sk_props_t *p);

/* Parse a file; source names it in messages. On error p is left empty. */
int sk_props_parse_file(sk_props_t *p, const char *path, char *err, size_t errlen);
/* Parse len bytes of buf (NUL bytes inside are errors, no terminator needed);
 * source (e.g. a file name) prefixes error and warning text. p must be
 * empty (freshly initialised); on error it is left empty. */
int sk_props_parse_buf(sk_props_t *p, const char *buf, size_t len, const char *source,
                       char *err, size_t errlen);

/* The entry for key, or NULL. */
const sk_prop_t *sk_props_get(const sk_props_t *p, const char *key);

#endif

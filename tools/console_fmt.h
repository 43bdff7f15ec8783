/* console_fmt.h - text <-> record conversions of the console tools.
 *
 * The consumer side prints records like Kafka's DefaultMessageFormatter
 * (properties print.timestamp, print.partition, print.offset, print.headers,
 * print.key, print.value, key.separator, line.separator, headers.separator,
 * null.literal); the producer side splits input lines like Kafka's
 * LineMessageReader (parse.key, key.separator, parse.headers,
 * headers.delimiter, headers.separator, headers.key.separator, null.marker,
 * ignore.error). Values are bytes; nothing is decoded or escaped.
 * @locality any
 */
#ifndef SK_CONSOLE_FMT_H
#define SK_CONSOLE_FMT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- consumer: printing records -------------------------------------- */

typedef struct sk_msgfmt {
    int print_timestamp;
    int print_partition;
    int print_offset;
    int print_headers;
    int print_key;
    int print_value;
    char *key_separator;     /* between fields; default TAB */
    char *line_separator;    /* after each record; default newline */
    char *headers_separator; /* between headers; default ',' */
    char *null_literal;      /* for a null key, value or header value; default "null" */
} sk_msgfmt_t;

enum { SK_TS_NONE = 0, SK_TS_CREATE_TIME = 1, SK_TS_LOG_APPEND_TIME = 2 };

typedef struct sk_msghdr {
    const char *name;
    size_t name_len;
    const void *value;
    ssize_t value_len; /* -1: null */
} sk_msghdr_t;

typedef struct sk_msgview {
    int32_t partition;
    int64_t offset;
    int ts_type; /* SK_TS_* */
    int64_t timestamp;
    const void *key;
    ssize_t key_len; /* -1: null */
    const void *value;
    ssize_t value_len; /* -1: null */
    const sk_msghdr_t *headers;
    int n_headers;
} sk_msgview_t;

void sk_msgfmt_init(sk_msgfmt_t *f);
void sk_msgfmt_clear(sk_msgfmt_t *f);
/* Apply one --property. Unknown names and non-boolean print.* values are
 * SK_EINVAL with a message. */
int sk_msgfmt_set(sk_msgfmt_t *f, const char *key, const char *value, char *err, size_t errlen);
/* Write one record: [CreateTime:ts SEP][Partition:p SEP][Offset:o SEP]
 * [h1:v1,h2:v2 | NO_HEADERS SEP][key SEP][value LINESEP], where SEP (the key
 * separator) follows a field only if another field comes after it. */
void sk_msgfmt_write(const sk_msgfmt_t *f, const sk_msgview_t *m, FILE *out);

/* ---- producer: parsing input lines ----------------------------------- */

typedef struct sk_linereader {
    int parse_key;
    int parse_headers;
    int ignore_error;
    char *key_separator;         /* default TAB */
    char *headers_delimiter;     /* end of the headers part; default TAB */
    char *headers_separator;     /* between headers; default ',' */
    char *headers_key_separator; /* header name from value; default ':' */
    char *null_marker;           /* NULL: none */
} sk_linereader_t;

typedef struct sk_lineheader {
    const char *name;
    size_t name_len;
    const char *value; /* NULL: null value */
    size_t value_len;
} sk_lineheader_t;

/* A parsed line; pointers point into the line. */
typedef struct sk_lineparsed {
    const char *key; /* NULL: null key */
    size_t key_len;
    const char *value; /* NULL: null value */
    size_t value_len;
    sk_lineheader_t *headers; /* owned (malloc'd) */
    int n_headers;
    int cap_headers;
} sk_lineparsed_t;

void sk_linereader_init(sk_linereader_t *r);
void sk_linereader_clear(sk_linereader_t *r);
/* Apply one --property; unknown names are SK_EINVAL. */
int sk_linereader_set(sk_linereader_t *r, const char *key, const char *value, char *err,
                      size_t errlen);
/* Check the combination (non-empty separators, a null marker different from
 * every separator). */
int sk_linereader_check(const sk_linereader_t *r, char *err, size_t errlen);
/* Split line[0..len) (no line terminator). lineno (1-based) is for the
 * messages. SK_EINVAL ("No key separator found on line number 3: 'abc'")
 * unless ignore.error, which then takes the whole rest as the value (key
 * null) or a header without separator as a name with a null value. */
int sk_linereader_parse(const sk_linereader_t *r, const char *line, size_t len, long lineno,
                        sk_lineparsed_t *out, char *err, size_t errlen);
void sk_lineparsed_clear(sk_lineparsed_t *p);

#endif

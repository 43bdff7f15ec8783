/* conf_int.h - private to the conf module (conf.c, topic_conf.c, conf_doc.c).
 *
 * The shape of one key (type, default, range, allowed names, doc) that the
 * broker table (conf.c) and the topic table (topic_conf.c) share, and the one
 * parser both use. Nothing outside common/conf*.c and common/topic_conf.c
 * includes this file.
 */
#ifndef SK_CONF_INT_H
#define SK_CONF_INT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

typedef enum { T_INT32, T_INT64, T_BOOL, T_STRING, T_LIST, T_ENUM, T_DOUBLE } ctype_t;

enum {
    F_REQUIRED = 1, /* must be given; no default */
    F_ICASE = 2,    /* names match case-insensitively */
    F_NONEMPTY = 4, /* list needs at least one item / string must not be empty */
    F_SENSITIVE = 8, /* a secret (Kafka's PASSWORD type): never printed by DescribeConfigs */
    F_DYNAMIC = 16,  /* Kafka lets AlterConfigs change it on a running broker */
    F_LISTENER_DYNAMIC = 32, /* dynamic for one broker and one listener only, with the
                              * listener.name.<l>. prefix (KIP-226's key store keys) */
};

typedef struct ckey {
    const char *key;
    ctype_t type;
    const char *def; /* default as text; NULL = unset (derived, nullable or required) */
    int64_t min, max;
    size_t off;
    unsigned flags;
    const char *const *names; /* T_ENUM values (index = stored int); allowed items of a T_STRING/T_LIST */
    const char *doc;
    const char *from; /* derived keys: the key(s) Kafka derives an unset value from, "a b" */
} ckey_t;

/* One parsed value: integers, booleans (0/1) and enum indexes in i; doubles
 * in d; for a T_STRING or T_LIST with names, bit n of bits is set when
 * names[n] was given (a T_STRING also sets i = n). */
typedef struct conf_val {
    int64_t i;
    double d;
    uint32_t bits;
} conf_val_t;

/* Parse v (already trimmed) as key k wants it. Returns 0, or -1 with the
 * reason ("expected ...") in why. The one parser of both tables. */
int sk_conf_spec_parse(const ckey_t *k, const char *v, conf_val_t *out, char *why, size_t whylen);

/* The spec that parses topic key i's values (topic_conf.c): its broker
 * key's entry, or its own. */
const ckey_t *sk_topic_conf_spec(int i);

/* The broker table's entry i (0 .. sk_conf_key_count()-1), or NULL. */
const ckey_t *sk_conf_spec(int i);

/* The value of broker key i in c as a conf_val_t (lists and strings with
 * names as bits). Derived keys give their effective value. */
void sk_conf_spec_get(const sk_conf_t *c, int i, conf_val_t *out);

/* Index of name in a NULL-terminated names array, or -1. */
int sk_conf_names_index(const char *const *names, const char *name);

/* Documentation helpers (conf.c): the type's name as the docs print it, the
 * default as text ("", "required", "unset", or the value), the range text
 * (", >= 1", ", 0..100" or "") and the allowed names joined by ", ". */
const char *sk_conf_spec_type_name(const ckey_t *k);
void sk_conf_spec_range(const ckey_t *k, char *buf, size_t len);
void sk_conf_spec_names(const ckey_t *k, char *buf, size_t len);

/* Shared by conf.c and conf_listen.c. */
extern const char *const sk_conf_security_protocols[]; /* PLAINTEXT, SSL, SASL_*, NULL */
/* Copy s[0..n) without surrounding whitespace (Kafka trims every value). */
char *sk_conf_dup_trim(const char *s, size_t n);
/* Split a comma list into out (items trimmed, empty ones dropped). */
void sk_conf_list_split(const char *s, sk_conf_list_t *out);
void sk_conf_list_free(sk_conf_list_t *l);
/* A whole decimal integer (optional sign, no spaces, no junk): 0, else -1. */
int sk_conf_parse_i64(const char *s, int64_t *out);

/* listener.security.protocol.map (conf_listen.c): Kafka's default, and the
 * parsed map of listener names to security protocols. */
#define SK_CONF_DEFAULT_PROTOCOL_MAP \
    "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"
typedef struct {
    char *name;
    char *proto;
} sk_conf_pmap_t;
int sk_conf_pmap_parse(const char *s, sk_conf_pmap_t **out, int *n_out, char *err, size_t errlen);
void sk_conf_pmap_free(sk_conf_pmap_t *m, int n);
void sk_conf_upcase(char *s); /* in place, ASCII */

#endif

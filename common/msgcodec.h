/* msgcodec.h - one table-driven encoder/decoder for every Kafka message.
 *
 * The schema (common/schema/apis.schema) is turned by the generator
 * (common/schema/gen_codec.py, run by make) into C structs plus one
 * descriptor per struct: the list of its fields with their wire type,
 * offsetof in the C struct, the versions each field is on the wire in,
 * nullable versions, tag and tagged versions, and default. The functions
 * below walk a descriptor, so the generated code is data plus one-line
 * wrappers (sk_<api>_req_decode() ...), and every API gets the same bounds
 * checks, classic and flexible encodings and tag sections.
 *
 * C representation of a field:
 *   bool                     int (0/1)
 *   int8/16/32/64, uint16/32 int8_t ... uint32_t
 *   float64                  double
 *   uuid                     uint8_t[16]
 *   string, bytes, records   sk_str_t (view into the input; len -1 = null)
 *   struct                   the generated struct, inline
 *   array of T               T *Name; int32_t NameCnt (-1 = null array)
 *
 * Decoding: a field that is not on the wire in the version (or a tagged
 * field that is not present) holds its schema default afterwards. Strings
 * and bytes are views into the input, which must outlive the struct.
 * Arrays come from the arena, or from the heap when the arena is NULL
 * (release with sk_msg_free()). Every array count is bounded by the bytes
 * left in the input times the element's smallest wire size.
 *
 * Encoding fails (SK_EINVAL, nothing useful in w) for a struct the version
 * cannot carry: a count below -1, a null where the version does not allow
 * one, a non-empty array without elements, an over-long string, or (Kafka's
 * rule) a value other than the default in a field the version lacks unless
 * the schema marks it ignorable. A zeroed string counts as unset there. w
 * is left as it was (dispatch then closes the connection). Build structs
 * with the generated _init() so absent fields hold their defaults.
 * @locality any (descriptors are constant)
 */
#ifndef SK_MSGCODEC_H
#define SK_MSGCODEC_H
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "kbuf.h"

/* Highest version bound of a "N+" range. */
#define SK_VER_INF INT16_MAX

enum sk_ftype {
    SK_FT_BOOL = 1,
    SK_FT_INT8,
    SK_FT_INT16,
    SK_FT_UINT16,
    SK_FT_INT32,
    SK_FT_UINT32,
    SK_FT_INT64,
    SK_FT_FLOAT64,
    SK_FT_UUID,
    SK_FT_STRING,
    SK_FT_BYTES,
    SK_FT_RECORDS,
    SK_FT_STRUCT,
};

struct sk_msgdesc;

typedef struct sk_msgfield {
    const char *name;           /* the schema's (Kafka's) field name */
    uint8_t type;               /* enum sk_ftype; the element type of an array */
    uint8_t array;              /* 1: array of type */
    uint8_t ignorable;          /* the schema's "ignorable" */
    int16_t ver_lo, ver_hi;     /* on the wire in versions [lo, hi] */
    int16_t null_lo, null_hi;   /* null allowed in [lo, hi]; lo -1 = never */
    int16_t tag_lo, tag_hi;     /* tagged in [lo, hi]; lo -1 = never */
    int32_t tag;
    uint32_t off;               /* offsetof the value (the pointer of an array) */
    uint32_t cnt_off;           /* offsetof the int32 count of an array */
    const struct sk_msgdesc *sub; /* SK_FT_STRUCT: the struct's descriptor */
    int64_t def_int;            /* default of bool and integer fields */
    double def_f64;             /* default of float64 fields */
    uint8_t def_null;           /* default null (strings, bytes, arrays) */
} sk_msgfield_t;

typedef struct sk_msgdesc {
    const char *name;           /* Kafka's message name or the struct's C name */
    size_t size;                /* sizeof the C struct */
    const sk_msgfield_t *fields;
    int nfields;
    /* Top-level messages only (0 for nested structs): Kafka 3.7's valid
     * versions and first flexible version (-1 = none). */
    int16_t valid_lo, valid_hi, flex_lo;
} sk_msgdesc_t;

/* Sets every field of m to its schema default (arrays empty or null). */
void sk_msg_init(const sk_msgdesc_t *d, void *m);

/* Decodes a message body at version (outside [valid_lo, valid_hi]: SK_EINVAL
 * with *out initialised). SK_OK or SK_EPARSE; on failure with a NULL arena
 * whatever was allocated is already released. */
int sk_msg_decode(const sk_msgdesc_t *d, int16_t version, sk_rd_t *r, sk_arena_t *a, void *out);

/* Appends in, encoded at version, to w. SK_OK or SK_EINVAL (see above; w
 * is then as it was before the call). */
int sk_msg_encode(const sk_msgdesc_t *d, int16_t version, sk_wr_t *w, const void *in);

/* The hand-written hook of a records field (the Fetch response's zero-copy
 * record attachment): with a hook, a records field's length prefix is
 * written from its len as usual, but its bytes are the hook's: put() is
 * called at the place they go (w->len), with the field, and may append
 * them to w or only note the position (then len need not match what w
 * holds, and p may point to whatever the hook understands). A put() result
 * other than SK_OK fails the encode. Sizing (sk_msg_size) counts len bytes
 * and never calls the hook. */
typedef struct sk_msg_rechook {
    int (*put)(void *ctx, sk_wr_t *w, const sk_str_t *records);
    void *ctx;
} sk_msg_rechook_t;

/* sk_msg_encode() with a records hook (NULL: as sk_msg_encode). On failure
 * w is as before, but the hook may have been called for earlier fields. */
int sk_msg_encode_hooked(const sk_msgdesc_t *d, int16_t version, sk_wr_t *w, const void *in,
                         const sk_msg_rechook_t *hook);

/* Bytes sk_msg_encode() would write; SK_OK or SK_EINVAL. */
int sk_msg_size(const sk_msgdesc_t *d, int16_t version, const void *in, size_t *size);

/* Releases the arrays of a message decoded with a NULL arena (the struct
 * itself is the caller's). */
void sk_msg_free(const sk_msgdesc_t *d, void *m);

/* 1 if a and b hold the same values in every field (for tests). */
int sk_msg_equal(const sk_msgdesc_t *d, const void *a, const void *b);

/* Is field f on the wire at version (positionally or tagged)? */
static inline int sk_msgfield_in(const sk_msgfield_t *f, int16_t version)
{
    return version >= f->ver_lo && version <= f->ver_hi;
}

#endif

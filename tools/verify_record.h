/* verify_record.h - the payload of skein-verify's records.
 *
 * Every record skein-verify produces is printable text of a fixed layout,
 * so kcat or skein-console-consumer show it as it is:
 *
 *   skv1 <run> <producer> <seq> <ts> <padding><crc>
 *
 *   run       16 lowercase hex digits, random per produce run
 *   producer  5 decimal digits (0-based index of the producer instance)
 *   seq       12 decimal digits (the producer's record number, from 0)
 *   ts        16 decimal digits: wall-clock send time in microseconds
 *   padding   filler letters derived from seq up to the record size
 *   crc       8 lowercase hex digits: CRC-32C of every byte before it
 *
 * Fields are separated by one space; the padding follows the space after
 * ts directly. The smallest record (no padding) is SK_VREC_MIN_SIZE bytes.
 * @locality any
 */
#ifndef SK_VERIFY_RECORD_H
#define SK_VERIFY_RECORD_H
#include <stddef.h>
#include <stdint.h>

#define SK_VREC_MIN_SIZE 66
#define SK_VREC_MAX_PRODUCER 99999
#define SK_VREC_MAX_SEQ 999999999999LL

typedef struct sk_vrec {
    uint64_t run;
    int32_t producer; /* 0 .. SK_VREC_MAX_PRODUCER */
    int64_t seq;      /* 0 .. SK_VREC_MAX_SEQ */
    int64_t ts_us;    /* 0 .. 9999999999999999 */
} sk_vrec_t;

/* Results of sk_vrec_parse. */
typedef enum {
    SK_VREC_OK = 0,
    SK_VREC_MALFORMED = 1, /* not a skein-verify record (wrong size, layout, digits, padding) */
    SK_VREC_BADSUM = 2,    /* the layout is right but the checksum does not match */
} sk_vrec_status_t;

/* Write the record of r, exactly len bytes (len >= SK_VREC_MIN_SIZE), into
 * buf. SK_EINVAL when len is too small or a field is out of range. */
int sk_vrec_encode(const sk_vrec_t *r, char *buf, size_t len);

/* Parse len bytes. SK_VREC_OK fills *out; on SK_VREC_BADSUM *out holds the
 * fields as read (not to be trusted); on SK_VREC_MALFORMED *out is zeroed.
 * Never reads outside [p, p + len). */
sk_vrec_status_t sk_vrec_parse(const void *p, size_t len, sk_vrec_t *out);

#endif

/* javahash.h - Java's String.hashCode of UTF-8 text.
 *
 * Kafka computes with it where a group's __consumer_offsets partition is and
 * the iteration order of the Scala hash maps behind its znode JSON.
 * @locality any
 */
#ifndef SK_JAVAHASH_H
#define SK_JAVAHASH_H
#include <stddef.h>
#include <stdint.h>

/* h = 31*h + c over the UTF-16 code units of the text (32-bit wrap-around).
 * The bytes are UTF-8; code points above U+FFFF count as two units (a
 * surrogate pair). Ill-formed UTF-8 (which Kafka clients never send, as they
 * encode Java strings) counts as one U+FFFD per maximal ill-formed subpart,
 * the Unicode recommendation; that need not match Java's decoder byte for
 * byte. */
int32_t sk_java_hash(const char *s, size_t len);

#endif

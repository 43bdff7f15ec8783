/* javahash.c - Java's String.hashCode over UTF-8 text (see javahash.h). */
#include "javahash.h"

#define REPLACEMENT 0xfffdu

/* Decode one code point from s[0..len) (len >= 1); *used = bytes taken.
 * An ill-formed sequence yields U+FFFD and consumes its maximal subpart:
 * the lead byte plus the continuation bytes that were still acceptable. */
static uint32_t utf8_next(const uint8_t *s, size_t len, size_t *used)
{
    uint8_t b = s[0];
    *used = 1;
    if (b < 0x80)
        return b;
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf; /* range allowed for the second byte */
    uint32_t cp;
    if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        cp = b & 0x0f;
        if (b == 0xe0)
            lo = 0xa0; /* no overlong forms */
        else if (b == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        cp = b & 0x07;
        if (b == 0xf0)
            lo = 0x90;
        else if (b == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        return REPLACEMENT; /* stray continuation byte, C0/C1, F5-FF */
    }
    for (size_t k = 1; k <= need; k++) {
        if (k >= len)
            return REPLACEMENT; /* truncated: *used = bytes seen */
        uint8_t c = s[k];
        if (c < lo || c > hi)
            return REPLACEMENT;
        cp = cp << 6 | (c & 0x3fu);
        *used = k + 1;
        lo = 0x80;
        hi = 0xbf;
    }
    return cp;
}

int32_t sk_java_hash(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t h = 0;
    size_t i = 0;
    while (i < len) {
        size_t used;
        uint32_t cp = utf8_next(p + i, len - i, &used);
        i += used;
        if (cp > 0xffff) {
            cp -= 0x10000;
            h = 31u * h + (0xd800u + (cp >> 10));
            h = 31u * h + (0xdc00u + (cp & 0x3ffu));
        } else {
            h = 31u * h + cp;
        }
    }
    return (int32_t)h;
}

/* crc32c.c - CRC-32C with an SSE4.2 path and a slicing-by-8 fallback. */
#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#define SK_CRC32C_POLY 0x82F63B78u

/* tbl[0] is the classic byte-at-a-time table; tbl[k][b] is the CRC of byte b
 * followed by k zero bytes, which lets the loop fold 8 bytes per step. */
static uint32_t crc_tbl[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static int crc_have_hw;

static void crc_init(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int i = 0; i < 8; i++)
            c = (c & 1) ? (c >> 1) ^ SK_CRC32C_POLY : c >> 1;
        crc_tbl[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; b++)
        for (int k = 1; k < 8; k++)
            crc_tbl[k][b] = (crc_tbl[k - 1][b] >> 8) ^ crc_tbl[0][crc_tbl[k - 1][b] & 0xff];
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    crc_have_hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#endif
}

static uint32_t crc_sw_raw(uint32_t c, const uint8_t *p, size_t len)
{
    while (len && ((uintptr_t)p & 7)) {
        c = (c >> 8) ^ crc_tbl[0][(c ^ *p++) & 0xff];
        len--;
    }
    while (len >= 8) {
        uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                      (uint32_t)p[3] << 24;
        lo ^= c;
        c = crc_tbl[7][lo & 0xff] ^ crc_tbl[6][(lo >> 8) & 0xff] ^ crc_tbl[5][(lo >> 16) & 0xff] ^
            crc_tbl[4][lo >> 24] ^ crc_tbl[3][p[4]] ^ crc_tbl[2][p[5]] ^ crc_tbl[1][p[6]] ^
            crc_tbl[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len--)
        c = (c >> 8) ^ crc_tbl[0][(c ^ *p++) & 0xff];
    return c;
}

uint32_t sk_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
    pthread_once(&crc_once, crc_init);
    return ~crc_sw_raw(~crc, buf, len);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("sse4.2"))) static uint32_t crc_hw_raw(uint32_t c, const uint8_t *p,
                                                              size_t len)
{
    while (len && ((uintptr_t)p & 7)) {
        c = __builtin_ia32_crc32qi(c, *p++);
        len--;
    }
#if defined(__x86_64__)
    uint64_t c64 = c;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c64 = __builtin_ia32_crc32di(c64, v);
        p += 8;
        len -= 8;
    }
    c = (uint32_t)c64;
#endif
    while (len >= 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        c = __builtin_ia32_crc32si(c, v);
        p += 4;
        len -= 4;
    }
    while (len--)
        c = __builtin_ia32_crc32qi(c, *p++);
    return c;
}
#endif

int sk_crc32c_hw_available(void)
{
    pthread_once(&crc_once, crc_init);
    return crc_have_hw;
}

uint32_t sk_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
    pthread_once(&crc_once, crc_init);
#if defined(__x86_64__) || defined(__i386__)
    if (crc_have_hw)
        return ~crc_hw_raw(~crc, buf, len);
#endif
    return ~crc_sw_raw(~crc, buf, len);
}

uint32_t sk_crc32c(uint32_t crc, const void *buf, size_t len)
{
    return sk_crc32c_hw(crc, buf, len);
}

/* crc32c.h - CRC-32C (Castagnoli), as used by Kafka record batches v2.
 *
 * Reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF
 * (the iSCSI CRC, and what the SSE4.2 crc32 instruction computes).
 * sk_crc32c(0, "123456789", 9) == 0xE3069283. Results chain:
 *   sk_crc32c(sk_crc32c(0, a, n), b, m) == sk_crc32c(0, a||b, n + m).
 * The SSE4.2 instruction is used when the CPU has it (detected once at run
 * time); otherwise a slicing-by-8 table. Both give identical results.
 * @locality any
 */
#ifndef SK_CRC32C_H
#define SK_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* CRC of buf continuing from crc (0 to start a new one). */
uint32_t sk_crc32c(uint32_t crc, const void *buf, size_t len);

/* The two implementations, exposed for tests and benchmarks. */
uint32_t sk_crc32c_sw(uint32_t crc, const void *buf, size_t len);
/* 1 if the hardware path is available on this CPU. */
int sk_crc32c_hw_available(void);
/* Hardware path; falls back to software when unavailable. */
uint32_t sk_crc32c_hw(uint32_t crc, const void *buf, size_t len);

#endif

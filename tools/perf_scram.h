/* perf_scram.h - one SCRAM login (RFC 5802/7677) over a plain socket, for
 * skein-perf's handshake rate: connect to a SASL_PLAINTEXT listener,
 * SaslHandshake v1, two SaslAuthenticate v1 rounds with common/scram.c's
 * client (the server's signature checked), close.
 * @locality any (one thread)
 */
#ifndef SK_PERF_SCRAM_H
#define SK_PERF_SCRAM_H
#include <stddef.h>

/* 0 logged in; 1 refused (SASL_AUTHENTICATION_FAILED, message in err);
 * -1 anything else (connection, protocol), err set. mechanism:
 * SCRAM-SHA-256 or SCRAM-SHA-512. */
int sk_perf_scram_login(const char *hostport, const char *mechanism, const char *user,
                        const char *password, char *err, size_t errlen);

#endif

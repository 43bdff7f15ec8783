/* pwenc.h - Kafka's encoding of the passwords a broker keeps in ZooKeeper.
 *
 * A password-type key set dynamically for one broker (for example
 * listener.name.ssl.ssl.keystore.password in /config/brokers/<id>) is never
 * written in clear: Kafka's brokers store it encrypted with the static key
 * password.encoder.secret, as a comma list of name:value fields:
 *
 *   keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,
 *   keyLength:128,iterations:4096,salt:<base64>,initializationVector:<base64>,
 *   encryptedPassword:<base64>,passwordLength:<UTF-16 length of the clear text>
 *
 * The key is PBKDF2 (HMAC-SHA512, -SHA256 or -SHA1, as keyFactoryAlgorithm
 * says) of the secret's UTF-8 bytes with the salt; the cipher AES in CBC
 * mode with PKCS#5 padding, 128, 192 or 256 bits as keyLength says. The
 * fields may come in any order (Kafka writes them from a hash map). What
 * skeind writes, Kafka's brokers read, and the other way round.
 *
 * The encoded text comes from ZooKeeper, which anyone with write access to
 * /config can change: the decoder checks every field (known names only, no
 * field twice, base64, sizes, an iteration count of at most 1 million, about a second of the loop) and
 * refuses anything else with a reason. Malformed-input tests:
 * tests/unit/check_pwenc.c; fuzz target tests/fuzz/fuzz_pwenc.c.
 * @locality any (pure)
 */
#ifndef SK_PWENC_H
#define SK_PWENC_H
#include <stddef.h>

/* Encode clear (UTF-8) with secret: *out gets a new string (caller frees).
 * Returns 0, or SK_EINVAL (empty secret) / SK_EIO (OpenSSL failed) with the
 * reason in err. */
int sk_pwenc_encode(const char *secret, const char *clear, char **out, char *err, size_t errlen);

/* Decode what sk_pwenc_encode (or Kafka) wrote. *out gets the clear text
 * (caller frees). Returns 0, or SK_EINVAL with the reason in err (a
 * malformed value, or one encrypted with another secret). */
int sk_pwenc_decode(const char *secret, const char *encoded, size_t len, char **out, char *err,
                    size_t errlen);

#endif

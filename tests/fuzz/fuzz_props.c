/* fuzz_props.c - libFuzzer target for the .properties reader (common/props.c)
 * and the ZooKeeper credentials file read through it (zkschema/zkauth.c).
 *
 * Built by automake in a tree configured with CC=clang --enable-fuzzing
 * (tests/fuzz/fuzz.am): `make fuzz-targets`; run it with
 * `make fuzz FUZZ_TARGETS=fuzz_props` or scripts/fuzz.sh fuzz_props. Seeds:
 * tests/fuzz/corpus/fuzz_props/ (deploy/server-0.properties, a file of
 * every escape, a good and a bad zookeeper.digest.file).
 *
 * Each input is parsed as a properties file. Beyond "no crash, no leak", it
 * checks what holds for every result: a failed parse leaves the list empty
 * and the message starts with "SOURCE:"; a successful one has unique keys and
 * line numbers between 1 and the number of line breaks plus one. The same
 * bytes as a credentials file: refused with no result and a message naming
 * the source, or accepted only with a non-empty username without ':' and a
 * non-empty password, given to ZooKeeper as "username:password".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "log.h"
#include "props.h"
#include "zkauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_zkauth(const uint8_t *data, size_t size)
{
    sk_zkauth_t *a = NULL;
    char err[256];
    if (sk_zkauth_parse((const char *)data, size, "fuzz", &a, err, sizeof(err)) != SK_OK) {
        if (a != NULL || strncmp(err, "fuzz", 4) != 0)
            abort();
        return;
    }
    const char *user = sk_zkauth_user(a);
    const char *cred = sk_zkauth_credential(a);
    size_t ul = strlen(user);
    if (!ul || strchr(user, ':') || strncmp(cred, user, ul) != 0 || cred[ul] != ':' ||
        !cred[ul + 1] || strchr(cred, '\n') || strchr(cred, '\r'))
        abort();
    sk_zkauth_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        sk_log_set_level(SK_LOG_ERROR); /* duplicate-key warnings are noise here */
        quiet = 1;
    }
    int max_line = 1;
    for (size_t i = 0; i < size; i++)
        if (data[i] == '\n' || data[i] == '\r')
            max_line++;

    check_zkauth(data, size);
    sk_props_t p;
    char err[256];
    sk_props_init(&p);
    int rc = sk_props_parse_buf(&p, (const char *)data, size, "fuzz", err, sizeof(err));
    if (rc != SK_OK) {
        if (p.n != 0 || p.v != NULL || strncmp(err, "fuzz:", 5) != 0)
            abort();
        return 0;
    }
    for (int i = 0; i < p.n; i++) {
        if (!p.v[i].key || !p.v[i].value)
            abort();
        if (p.v[i].line < 1 || p.v[i].line > max_line)
            abort();
        if (sk_props_get(&p, p.v[i].key) != &p.v[i])
            abort(); /* a duplicate survived */
    }
    sk_props_free(&p);
    return 0;
}

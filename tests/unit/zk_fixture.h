/* zk_fixture.h - start a real ZooKeeper server for tests.
 *
 * sk_zkfix_start() writes zoo.cfg into a fresh temp dir, picks a free
 * loopback port, starts Debian's ZooKeeper (java QuorumPeerMain) in its own
 * process group (killed automatically if the test process dies) and waits
 * until it answers "ruok" with "imok". sk_zkfix_stop() kills the group,
 * reaps it and removes the directory. Missing java or ZooKeeper jars make
 * start fail: tests must treat that as a failure, not a skip.
 *
 * Typical use with Check: an unchecked fixture (runs in the parent process,
 * once per TCase) so a crashing test still gets the server killed:
 *   static sk_zkfix_t zkf;
 *   static void up(void) { char e[256]; if (sk_zkfix_start(&zkf, e, sizeof e)) ... }
 *   static void down(void) { sk_zkfix_stop(&zkf); }
 *   tcase_add_unchecked_fixture(tc, up, down);
 */
#ifndef SK_ZK_FIXTURE_H
#define SK_ZK_FIXTURE_H
#include <stddef.h>
#include <sys/types.h>

typedef struct sk_zkfix {
    pid_t pid;          /* java process (leader of its process group), 0 if none */
    int port;
    char dir[256];      /* temp dir holding zoo.cfg, data/, zk.log */
    char hostport[64];  /* "127.0.0.1:<port>" */
} sk_zkfix_t;

/* 0 on success; -1 with err set. Waits up to 60 s for readiness. */
int sk_zkfix_start(sk_zkfix_t *f, char *err, size_t errlen);
/* Kill (SIGKILL to the group), reap, remove the dir. Idempotent. */
void sk_zkfix_stop(sk_zkfix_t *f);
/* 1 if the server answers "ruok" with "imok" right now. */
int sk_zkfix_ruok(const sk_zkfix_t *f);

/* The Check fixtures and loop shared by the ZooKeeper tests (check_zk,
 * check_zkfault). sk_zkfix_server_up/down: an unchecked fixture starting
 * sk_zkfix_server (failure is reported by the first sk_zkfix_loop_up);
 * sk_zkfix_loop_up/down: a checked fixture making sk_zkfix_base (with
 * evthread_use_pthreads, as the bridge needs, and a 20 ms tick so
 * SK_ZKFIX_RUN_UNTIL can see its deadline) and setting the log level. */
struct event_base;
extern sk_zkfix_t sk_zkfix_server;
extern struct event_base *sk_zkfix_base;
void sk_zkfix_server_up(void);
void sk_zkfix_server_down(void);
void sk_zkfix_loop_up(void);
void sk_zkfix_loop_down(void);
/* Run the loop until cond holds or ms pass. */
#define SK_ZKFIX_RUN_UNTIL(cond, ms)                                                           \
    do {                                                                                       \
        int64_t dl_ = sk_mono_ms() + (ms);                                                     \
        while (!(cond) && sk_mono_ms() < dl_)                                                  \
            event_base_loop(sk_zkfix_base, EVLOOP_ONCE);                                       \
    } while (0)

#endif

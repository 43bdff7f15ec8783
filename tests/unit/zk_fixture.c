/* zk_fixture.c - real ZooKeeper server for tests (see zk_fixture.h). */
#define _GNU_SOURCE
#include "zk_fixture.h"

#include <check.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ZK_JAR "/usr/share/java/zookeeper.jar"
#define ZK_CLASSPATH "/etc/zookeeper/conf:" ZK_JAR ":/usr/share/java/zookeeper-jute.jar"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

int sk_zkfix_ruok(const sk_zkfix_t *f)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = 0;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && write(fd, "ruok", 4) == 4) {
        char buf[8] = {0};
        size_t got = 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        while (got < 4 && poll(&p, 1, 1000) == 1) {
            ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        ok = got >= 4 && memcmp(buf, "imok", 4) == 0;
    }
    close(fd);
    return ok;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void sk_zkfix_stop(sk_zkfix_t *f)
{
    if (f->pid > 0) {
        kill(-f->pid, SIGKILL);
        kill(f->pid, SIGKILL);
        while (waitpid(f->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        f->pid = 0;
    }
    if (f->dir[0]) {
        if (getenv("SK_ZKFIX_KEEP"))
            fprintf(stderr, "zk_fixture: kept %s\n", f->dir);
        else
            nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        f->dir[0] = '\0';
    }
}

int sk_zkfix_start(sk_zkfix_t *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    const char *java = getenv("JAVA") ? getenv("JAVA") : "/usr/bin/java";
    if (access(java, X_OK) != 0) {
        snprintf(err, errlen, "java not found at %s (install default-jre-headless)", java);
        return -1;
    }
    if (access(ZK_JAR, R_OK) != 0) {
        snprintf(err, errlen, "%s not found (install the zookeeper package)", ZK_JAR);
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "/tmp/sk-zkfix-XXXXXX");
    if (!mkdtemp(f->dir)) {
        snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
        f->dir[0] = '\0';
        return -1;
    }
    f->port = free_port();
    if (f->port <= 0) {
        snprintf(err, errlen, "no free port");
        goto fail;
    }
    snprintf(f->hostport, sizeof(f->hostport), "127.0.0.1:%d", f->port);
    char cfg[512], data[300], logf[300];
    snprintf(cfg, sizeof(cfg), "%s/zoo.cfg", f->dir);
    snprintf(data, sizeof(data), "%s/data", f->dir);
    snprintf(logf, sizeof(logf), "%s/zk.log", f->dir);
    mkdir(data, 0700);
    FILE *fp = fopen(cfg, "w");
    if (!fp) {
        snprintf(err, errlen, "cannot write %s: %s", cfg, strerror(errno));
        goto fail;
    }
    fprintf(fp,
            "tickTime=2000\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"
            "admin.enableServer=false\n4lw.commands.whitelist=ruok,srvr\n"
            "minSessionTimeout=2000\nmaxSessionTimeout=60000\n",
            data, f->port);
    fclose(fp);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        char logdir[320];
        snprintf(logdir, sizeof(logdir), "-Dzookeeper.log.dir=%s", f->dir);
        execl(java, java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", logdir,
              "-cp", ZK_CLASSPATH, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg,
              (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    f->pid = pid;
    long long deadline = now_ms() + 60000;
    while (now_ms() < deadline) {
        if (sk_zkfix_ruok(f))
            return 0;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            f->pid = 0;
            snprintf(err, errlen, "ZooKeeper exited during startup (status %d); see %s", st,
                     logf);
            goto fail;
        }
        usleep(100 * 1000); /* poll interval for an external process, not a sync sleep */
    }
    snprintf(err, errlen, "ZooKeeper did not answer ruok within 60 s; see %s", logf);
fail:
    sk_zkfix_stop(f);
    return -1;
}

/* ---- shared Check fixtures ---- */

sk_zkfix_t sk_zkfix_server;
struct event_base *sk_zkfix_base;
static int server_ok;
static char server_err[512];
static struct event *tick;

void sk_zkfix_server_up(void)
{
    server_ok = sk_zkfix_start(&sk_zkfix_server, server_err, sizeof(server_err)) == 0;
}

void sk_zkfix_server_down(void)
{
    sk_zkfix_stop(&sk_zkfix_server);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

void sk_zkfix_loop_up(void)
{
    ck_assert_msg(server_ok, "ZooKeeper server did not start: %s", server_err);
    sk_log_set_level(SK_LOG_WARN);
    evthread_use_pthreads();
    sk_zkfix_base = event_base_new();
    tick = event_new(sk_zkfix_base, -1, EV_PERSIST, tick_cb, NULL);
    struct timeval tv = {0, 20000};
    event_add(tick, &tv);
}

void sk_zkfix_loop_down(void)
{
    event_free(tick);
    event_base_free(sk_zkfix_base);
    sk_zkfix_base = NULL;
}

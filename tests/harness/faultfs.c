/* faultfs - a test helper: a FUSE filesystem that passes every operation
 * through to a backing directory until it is told to fail, then answers EIO
 * the way a dying disk does. Integration tests mount a broker's log dir on
 * it (tests/integration/test_log_dir_failure.py).
 *
 *   SIGUSR1: from now on every write, fsync, truncate, fallocate and create
 *            fails with EIO (the data already written stays readable);
 *   SIGUSR2: from now on every read fails with EIO; with --fail-page-reads
 *            only the reads of whole pages at page offsets do: those are
 *            the kernel's page-cache reads, which sendfile makes, while a
 *            process's own reads of a direct-I/O file come as they are
 *            asked for (a read of a file not a whole number of pages long
 *            then succeeds, and sendfile of the same bytes fails).
 *
 * Every file is opened with direct I/O, so that reads reach this process
 * instead of the page cache (sendfile still reads through the cache). It runs
 * in the foreground, single-threaded; SIGTERM unmounts and exits.
 * Linux only, needs /dev/fuse and the right to mount (root). */
#define _GNU_SOURCE /* fallocate */
#define FUSE_USE_VERSION 31
#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int back_fd = -1;
static volatile sig_atomic_t fail_writes;
static volatile sig_atomic_t fail_reads;
static int page_reads_only; /* --fail-page-reads */

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        fail_writes = 1;
    else if (sig == SIGUSR2)
        fail_reads = 1;
}

/* FUSE paths start with "/": relative to the backing directory. */
static const char *rel(const char *path)
{
    return path[1] ? path + 1 : ".";
}

static int err(int rc)
{
    return rc < 0 ? -errno : rc;
}

static void *ffs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void)conn;
    cfg->direct_io = 1;
    cfg->kernel_cache = 0;
    cfg->use_ino = 1;
    return NULL;
}

static int ffs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    if (fi)
        return err(fstat((int)fi->fh, st));
    return err(fstatat(back_fd, rel(path), st, AT_SYMLINK_NOFOLLOW));
}

static int ffs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                       struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void)off;
    (void)fi;
    (void)flags;
    int fd = openat(back_fd, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        return -e;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st = {0};
        st.st_ino = de->d_ino;
        st.st_mode = (mode_t)de->d_type << 12;
        if (fill(buf, de->d_name, &st, 0, 0))
            break;
    }
    closedir(d);
    return 0;
}

static int ffs_mkdir(const char *path, mode_t mode)
{
    return fail_writes ? -EIO : err(mkdirat(back_fd, rel(path), mode));
}

static int ffs_unlink(const char *path)
{
    return fail_writes ? -EIO : err(unlinkat(back_fd, rel(path), 0));
}

static int ffs_rmdir(const char *path)
{
    return fail_writes ? -EIO : err(unlinkat(back_fd, rel(path), AT_REMOVEDIR));
}

static int ffs_rename(const char *from, const char *to, unsigned int flags)
{
    if (flags)
        return -EINVAL;
    return fail_writes ? -EIO : err(renameat(back_fd, rel(from), back_fd, rel(to)));
}

static int ffs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    if (fail_writes)
        return -EIO;
    if (fi)
        return err(ftruncate((int)fi->fh, size));
    int fd = openat(back_fd, rel(path), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = err(ftruncate(fd, size));
    close(fd);
    return rc;
}

static int ffs_open(const char *path, struct fuse_file_info *fi)
{
    int fd = openat(back_fd, rel(path), (fi->flags & ~O_CREAT) | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    fi->fh = (uint64_t)fd;
    return 0;
}

static int ffs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    if (fail_writes)
        return -EIO;
    int fd = openat(back_fd, rel(path), fi->flags | O_CREAT | O_CLOEXEC, mode);
    if (fd < 0)
        return -errno;
    fi->fh = (uint64_t)fd;
    return 0;
}

static int ffs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)path;
    long page = sysconf(_SC_PAGESIZE);
    if (fail_reads && (!page_reads_only || (off % page == 0 && size % (size_t)page == 0)))
        return -EIO;
    ssize_t n = pread((int)fi->fh, buf, size, off);
    return n < 0 ? -errno : (int)n;
}

static int ffs_write(const char *path, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    (void)path;
    if (fail_writes)
        return -EIO;
    ssize_t n = pwrite((int)fi->fh, buf, size, off);
    return n < 0 ? -errno : (int)n;
}

static int ffs_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    return err(fstatvfs(back_fd, st));
}

static int ffs_flush(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    (void)fi;
    return 0;
}

static int ffs_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    close((int)fi->fh);
    return 0;
}

static int ffs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)path;
    if (fail_writes)
        return -EIO;
    return err(datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh));
}

static int ffs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)path;
    (void)datasync;
    (void)fi;
    return fail_writes ? -EIO : 0;
}

static int ffs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    if (fi)
        return err(fchmod((int)fi->fh, mode));
    return err(fchmodat(back_fd, rel(path), mode, 0));
}

static int ffs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    if (fi)
        return err(futimens((int)fi->fh, tv));
    return err(utimensat(back_fd, rel(path), tv, AT_SYMLINK_NOFOLLOW));
}

static int ffs_access(const char *path, int mask)
{
    return err(faccessat(back_fd, rel(path), mask, 0));
}

static int ffs_fallocate(const char *path, int mode, off_t off, off_t len,
                         struct fuse_file_info *fi)
{
    (void)path;
    if (fail_writes)
        return -EIO;
    return err(fallocate((int)fi->fh, mode, off, len));
}

static const struct fuse_operations ops = {
    .init = ffs_init,
    .getattr = ffs_getattr,
    .readdir = ffs_readdir,
    .mkdir = ffs_mkdir,
    .unlink = ffs_unlink,
    .rmdir = ffs_rmdir,
    .rename = ffs_rename,
    .truncate = ffs_truncate,
    .open = ffs_open,
    .create = ffs_create,
    .read = ffs_read,
    .write = ffs_write,
    .statfs = ffs_statfs,
    .flush = ffs_flush,
    .release = ffs_release,
    .fsync = ffs_fsync,
    .fsyncdir = ffs_fsyncdir,
    .chmod = ffs_chmod,
    .utimens = ffs_utimens,
    .access = ffs_access,
    .fallocate = ffs_fallocate,
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: faultfs [--fail-page-reads] BACKING_DIR MOUNTPOINT\n"
            "A FUSE filesystem for tests: MOUNTPOINT shows BACKING_DIR, every file with\n"
            "direct I/O, until a signal makes it fail like a dying disk:\n"
            "  SIGUSR1  every write, fsync, truncate, fallocate and create fails with EIO\n"
            "  SIGUSR2  every read fails with EIO (with --fail-page-reads, only the\n"
            "           kernel's reads of whole pages, as sendfile makes)\n"
            "Runs in the foreground; SIGTERM unmounts and exits. Needs /dev/fuse and root.\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "--fail-page-reads")) {
        page_reads_only = 1;
        argv++;
        argc--;
    }
    if (argc != 3) {
        usage(stderr);
        return 2;
    }
    back_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (back_fd < 0) {
        fprintf(stderr, "faultfs: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    char *fargv[] = {argv[0], "-f", "-s", "-o", "fsname=faultfs,subtype=faultfs", argv[2], NULL};
    return fuse_main(6, fargv, &ops, NULL);
}

// What Glibc's Swift module lacks: epoll, eventfd, timerfd, signalfd, gettid,
// statx, and a few macros that do not import.
//
// No _GNU_SOURCE here: it renames fd_set's field (fds_bits instead of
// __fds_bits), and clang then refuses the mismatch with SwiftGlibc's and
// CLiburing's fd_set, depending on module build order. The few GNU extras we
// need are declared below instead.
#ifndef COMPIO_CLINUX_SHIM_H
#define COMPIO_CLINUX_SHIM_H

#include <sys/select.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <errno.h>
#include <stdint.h>
#include <linux/stat.h>

// GNU extensions glibc declares only under _GNU_SOURCE (see above).
extern int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
extern int pipe2(int fds[2], int flags);
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef AT_STATX_SYNC_AS_STAT
#define AT_STATX_SYNC_AS_STAT 0x0000
#endif

static inline int clinux_gettid(void) { return (int)syscall(SYS_gettid); }

static inline int clinux_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *out) {
    return (int)syscall(SYS_statx, dirfd, path, flags, mask, out);
}

static inline int clinux_errno(void) { return errno; }

// A positioned read that only copies what the page cache already holds:
// preadv2 with RWF_NOWAIT (Linux 4.14), which fails with EAGAIN instead of
// waiting for the disk. Through syscall(2): the glibc wrapper needs _GNU_SOURCE.
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif
static inline long clinux_pread_cached(int fd, void *buf, size_t len, long long offset) {
    struct iovec iov = { buf, len };
    return syscall(SYS_preadv2, fd, &iov, 1, (unsigned long)offset, 0UL, RWF_NOWAIT);
}

static inline int clinux_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags) {
    return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}

// CMSG_* are macros; control-message parsing needs them as functions.
static inline struct cmsghdr *clinux_cmsg_firsthdr(struct msghdr *m) { return CMSG_FIRSTHDR(m); }
static inline struct cmsghdr *clinux_cmsg_nxthdr(struct msghdr *m, struct cmsghdr *c) { return CMSG_NXTHDR(m, c); }
static inline unsigned char *clinux_cmsg_data(struct cmsghdr *c) { return CMSG_DATA(c); }
static inline size_t clinux_cmsg_space(size_t len) { return CMSG_SPACE(len); }
static inline size_t clinux_cmsg_len(size_t len) { return CMSG_LEN(len); }

static const int CLINUX_AT_FDCWD = AT_FDCWD;
static const int CLINUX_AT_REMOVEDIR = AT_REMOVEDIR;
static const int CLINUX_AT_SYMLINK_NOFOLLOW = AT_SYMLINK_NOFOLLOW;
static const int CLINUX_AT_EMPTY_PATH = AT_EMPTY_PATH;
static const int CLINUX_AT_STATX_SYNC_AS_STAT = AT_STATX_SYNC_AS_STAT;
static const unsigned CLINUX_STATX_BASIC_STATS = STATX_BASIC_STATS;
static const unsigned CLINUX_STATX_BTIME = STATX_BTIME;

// Constants glibc defines as enumerators behind self-referencing macros
// (`#define MSG_NOSIGNAL MSG_NOSIGNAL`). Both SwiftGlibc and this module see
// those headers, and Swift then sometimes finds neither (which one depends on
// module build order and on whole-module optimization). Swift code uses these
// unambiguous copies instead.
static const int CLINUX_MSG_NOSIGNAL = MSG_NOSIGNAL;
static const int CLINUX_MSG_DONTWAIT = MSG_DONTWAIT;
static const int CLINUX_MSG_TRUNC = MSG_TRUNC;
static const int CLINUX_MSG_CTRUNC = MSG_CTRUNC;
static const int CLINUX_MSG_PEEK = MSG_PEEK;
static const int CLINUX_SOCK_STREAM = SOCK_STREAM;
static const int CLINUX_SOCK_DGRAM = SOCK_DGRAM;
static const int CLINUX_SOCK_SEQPACKET = SOCK_SEQPACKET;
static const int CLINUX_SOCK_CLOEXEC = SOCK_CLOEXEC;
static const int CLINUX_SOCK_NONBLOCK = SOCK_NONBLOCK;
static const int CLINUX_SHUT_RD = SHUT_RD;
static const int CLINUX_SHUT_WR = SHUT_WR;
static const int CLINUX_SHUT_RDWR = SHUT_RDWR;
static const int CLINUX_IPPROTO_TCP = IPPROTO_TCP;
static const int CLINUX_IPPROTO_UDP = IPPROTO_UDP;
static const int CLINUX_IPPROTO_IPV6 = IPPROTO_IPV6;
static const int CLINUX_SCM_RIGHTS = SCM_RIGHTS;

#endif

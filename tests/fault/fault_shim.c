/* LD_PRELOAD fault injection at the real system-call boundary.
 *
 * Counts the calls a process makes to the libc wrappers of open, open64, openat,
 * openat64, write, fsync, fdatasync, rename, renameat, renameat2, unlink and unlinkat,
 * and makes the N-th one fail, or kills the process there:
 *   KDUMP_FAULT_AT=N          1-based index of the call to fail (unset or 0: count only)
 *   KDUMP_FAULT_ERRNO=E       EIO | ENOSPC | EROFS | EACCES | kill   (default EIO)
 *   KDUMP_FAULT_REPORT=FILE   appended at exit: "calls C" and, when the fault was
 *                             injected, "hit N OP" (written before the fault acts)
 * Unlike the in-process SysOps seam (src/util/sys_ops.hpp), this sees every call the
 * real binary makes, including the ones outside the write path (reading facts, the
 * lock, the configuration), exactly as the kernel would fail them.
 * Calls made inside glibc itself (stdio, fopen) use internal aliases and are not seen.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_long g_calls;
static long g_at = -1;
static int g_errno = EIO;
static int g_kill;
static const char* g_report;

static void report(const char* text) {
  if (!g_report) return;
  int fd = (int)syscall(SYS_openat, AT_FDCWD, g_report, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  (void)syscall(SYS_write, fd, text, strlen(text));
  (void)syscall(SYS_close, fd);
}

__attribute__((constructor)) static void fault_init(void) {
  const char* at = getenv("KDUMP_FAULT_AT");
  const char* e = getenv("KDUMP_FAULT_ERRNO");
  g_report = getenv("KDUMP_FAULT_REPORT");
  g_at = at ? atol(at) : 0;
  if (e) {
    if (!strcmp(e, "kill")) g_kill = 1;
    else if (!strcmp(e, "ENOSPC")) g_errno = ENOSPC;
    else if (!strcmp(e, "EROFS")) g_errno = EROFS;
    else if (!strcmp(e, "EACCES")) g_errno = EACCES;
    else g_errno = EIO;
  }
}

__attribute__((destructor)) static void fault_fini(void) {
  char line[64];
  snprintf(line, sizeof line, "calls %ld\n", (long)atomic_load(&g_calls));
  report(line);
}

/* 1 when this call is to fail (errno set), after killing the process if asked. */
static int inject(const char* op) {
  long n = atomic_fetch_add(&g_calls, 1) + 1;
  if (g_at <= 0 || n != g_at) return 0;
  char line[96];
  snprintf(line, sizeof line, "hit %ld %s\n", n, op);
  report(line);
  if (g_kill) {
    (void)syscall(SYS_kill, (pid_t)syscall(SYS_getpid), SIGKILL);
    for (;;) pause();
  }
  errno = g_errno;
  return 1;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | __O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char* path, int flags, ...) {
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  if (inject("open")) return -1;
  return NEXT(open)(path, flags, m);
}
int open64(const char* path, int flags, ...) {
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  if (inject("open")) return -1;
  return NEXT(open64)(path, flags, m);
}
int openat(int dir, const char* path, int flags, ...) {
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  if (inject("openat")) return -1;
  return NEXT(openat)(dir, path, flags, m);
}
int openat64(int dir, const char* path, int flags, ...) {
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  if (inject("openat")) return -1;
  return NEXT(openat64)(dir, path, flags, m);
}
ssize_t write(int fd, const void* buf, size_t n) {
  if (inject("write")) return -1;
  return NEXT(write)(fd, buf, n);
}
int fsync(int fd) {
  if (inject("fsync")) return -1;
  return NEXT(fsync)(fd);
}
int fdatasync(int fd) {
  if (inject("fdatasync")) return -1;
  return NEXT(fdatasync)(fd);
}
int rename(const char* a, const char* b) {
  if (inject("rename")) return -1;
  return NEXT(rename)(a, b);
}
int renameat(int da, const char* a, int db, const char* b) {
  if (inject("renameat")) return -1;
  return NEXT(renameat)(da, a, db, b);
}
int renameat2(int da, const char* a, int db, const char* b, unsigned flags) {
  if (inject("renameat2")) return -1;
  return NEXT(renameat2)(da, a, db, b, flags);
}
int unlink(const char* path) {
  if (inject("unlink")) return -1;
  return NEXT(unlink)(path);
}
int unlinkat(int dir, const char* path, int flags) {
  if (inject("unlinkat")) return -1;
  return NEXT(unlinkat)(dir, path, flags);
}

#include "util/sys_ops.hpp"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>

namespace kdump {

std::string_view to_string(SysOp op) {
  switch (op) {
    case SysOp::open: return "open";
    case SysOp::read: return "read";
    case SysOp::write: return "write";
    case SysOp::fsync: return "fsync";
    case SysOp::metadata: return "metadata";
    case SysOp::rename: return "rename";
    case SysOp::exchange: return "exchange";
    case SysOp::link: return "link";
    case SysOp::unlink: return "unlink";
    case SysOp::mkdir: return "mkdir";
    case SysOp::close: return "close";
  }
  return "?";
}

// ---- the real calls ------------------------------------------------------------------

int SysOps::openat(int dir_fd, const char* name, int flags, mode_t mode) {
  return ::openat(dir_fd, name, flags, mode);
}
ssize_t SysOps::read(int fd, void* buf, std::size_t n) { return ::read(fd, buf, n); }
ssize_t SysOps::write(int fd, const void* buf, std::size_t n) { return ::write(fd, buf, n); }
int SysOps::fsync(int fd) { return ::fsync(fd); }
int SysOps::fchown(int fd, uid_t uid, gid_t gid) { return ::fchown(fd, uid, gid); }
int SysOps::fchmod(int fd, mode_t mode) { return ::fchmod(fd, mode); }
ssize_t SysOps::flistxattr(int fd, char* list, std::size_t size) {
  return ::flistxattr(fd, list, size);
}
ssize_t SysOps::fgetxattr(int fd, const char* name, void* value, std::size_t size) {
  return ::fgetxattr(fd, name, value, size);
}
int SysOps::fsetxattr(int fd, const char* name, const void* value, std::size_t size,
                      int flags) {
  return ::fsetxattr(fd, name, value, size, flags);
}
int SysOps::renameat2(int old_dir, const char* old_name, int new_dir, const char* new_name,
                      unsigned flags) {
  // glibc 2.28+ has the wrapper; it returns ENOSYS/EINVAL where the kernel or the file
  // system lacks the flag, which the caller handles.
  return ::renameat2(old_dir, old_name, new_dir, new_name, flags);
}
int SysOps::linkat(int old_dir, const char* old_name, int new_dir, const char* new_name) {
  return ::linkat(old_dir, old_name, new_dir, new_name, 0);
}
int SysOps::unlinkat(int dir_fd, const char* name, int flags) {
  return ::unlinkat(dir_fd, name, flags);
}
int SysOps::mkdirat(int dir_fd, const char* name, mode_t mode) {
  return ::mkdirat(dir_fd, name, mode);
}
int SysOps::close(int fd) { return ::close(fd); }

SysOps& real_sys_ops() {
  static SysOps real;
  return real;
}

}  // namespace kdump

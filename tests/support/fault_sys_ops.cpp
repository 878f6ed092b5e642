#include "support/fault_sys_ops.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>

namespace kdump {

std::set<SysOp> FaultSysOps::all_ops() {
  return {SysOp::open,     SysOp::read,     SysOp::write, SysOp::fsync,
          SysOp::metadata, SysOp::rename,   SysOp::exchange, SysOp::link,
          SysOp::unlink,   SysOp::mkdir,    SysOp::close};
}

void FaultSysOps::fail_nth(unsigned n, int err, std::set<SysOp> ops) {
  m_nth = n;
  m_err = err;
  m_kill = false;
  m_ops = std::move(ops);
}

void FaultSysOps::kill_nth(unsigned n, std::set<SysOp> ops) {
  m_nth = n;
  m_kill = true;
  m_ops = std::move(ops);
}

void FaultSysOps::always_fail(SysOp op, int err) { m_always[op] = err; }

bool FaultSysOps::inject(SysOp op) {
  if (auto it = m_always.find(op); it != m_always.end()) {
    errno = it->second;
    return true;
  }
  if (m_nth == 0 || !m_ops.contains(op)) return false;
  if (++m_count != m_nth) return false;
  m_fired = op;
  if (m_kill) {
    std::fflush(nullptr);
    ::raise(SIGKILL);
  }
  errno = m_err;
  return true;
}

int FaultSysOps::openat(int dir_fd, const char* name, int flags, mode_t mode) {
  if (inject(SysOp::open)) return -1;
  return m_inner.openat(dir_fd, name, flags, mode);
}
ssize_t FaultSysOps::read(int fd, void* buf, std::size_t n) {
  if (inject(SysOp::read)) return -1;
  return m_inner.read(fd, buf, n);
}
ssize_t FaultSysOps::write(int fd, const void* buf, std::size_t n) {
  if (inject(SysOp::write)) return -1;
  return m_inner.write(fd, buf, n);
}
int FaultSysOps::fsync(int fd) {
  if (inject(SysOp::fsync)) return -1;
  return m_inner.fsync(fd);
}
int FaultSysOps::fchown(int fd, uid_t uid, gid_t gid) {
  if (inject(SysOp::metadata)) return -1;
  return m_inner.fchown(fd, uid, gid);
}
int FaultSysOps::fchmod(int fd, mode_t mode) {
  if (inject(SysOp::metadata)) return -1;
  return m_inner.fchmod(fd, mode);
}
ssize_t FaultSysOps::flistxattr(int fd, char* list, std::size_t size) {
  if (inject(SysOp::metadata)) return -1;
  return m_inner.flistxattr(fd, list, size);
}
ssize_t FaultSysOps::fgetxattr(int fd, const char* name, void* value, std::size_t size) {
  if (inject(SysOp::metadata)) return -1;
  return m_inner.fgetxattr(fd, name, value, size);
}
int FaultSysOps::fsetxattr(int fd, const char* name, const void* value, std::size_t size,
                           int flags) {
  if (inject(SysOp::metadata)) return -1;
  return m_inner.fsetxattr(fd, name, value, size, flags);
}
int FaultSysOps::renameat2(int old_dir, const char* old_name, int new_dir,
                           const char* new_name, unsigned flags) {
  if (inject((flags & RENAME_EXCHANGE) ? SysOp::exchange : SysOp::rename)) return -1;
  return m_inner.renameat2(old_dir, old_name, new_dir, new_name, flags);
}
int FaultSysOps::linkat(int old_dir, const char* old_name, int new_dir, const char* new_name) {
  if (inject(SysOp::link)) return -1;
  return m_inner.linkat(old_dir, old_name, new_dir, new_name);
}
int FaultSysOps::unlinkat(int dir_fd, const char* name, int flags) {
  if (inject(SysOp::unlink)) return -1;
  return m_inner.unlinkat(dir_fd, name, flags);
}
int FaultSysOps::mkdirat(int dir_fd, const char* name, mode_t mode) {
  if (inject(SysOp::mkdir)) return -1;
  return m_inner.mkdirat(dir_fd, name, mode);
}
int FaultSysOps::close(int fd) {
  // close(2) releases the descriptor even when it reports an error, so the injected
  // failure closes it too: the caller must never retry or leak it.
  if (inject(SysOp::close)) {
    int saved = errno;
    m_inner.close(fd);
    errno = saved;
    return -1;
  }
  return m_inner.close(fd);
}

}  // namespace kdump

// SysOps: the system calls the write path (AtomicFile, core::apply_plan) makes, behind
// one small interface so that tests can make the N-th call fail or kill the process
// (fault injection). Production code uses real_sys_ops(); nothing else
// implements the interface except the tests' FaultSysOps (tests/support/fault_sys_ops.hpp).
//
// Every function follows the POSIX convention of the call it wraps: -1 (or a negative
// ssize_t) and errno on failure.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string_view>

namespace kdump {

enum class SysOp {
  open,      // openat
  read,      // read
  write,     // write
  fsync,     // fsync (files and directories)
  metadata,  // fchown, fchmod, flistxattr, fgetxattr, fsetxattr
  rename,    // renameat2 without flags or with RENAME_NOREPLACE
  exchange,  // renameat2 with RENAME_EXCHANGE
  link,      // linkat
  unlink,    // unlinkat (files and directories)
  mkdir,     // mkdirat
  close,     // close
};

std::string_view to_string(SysOp op);

class SysOps {
public:
  virtual ~SysOps() = default;
  virtual int openat(int dir_fd, const char* name, int flags, mode_t mode);
  virtual ssize_t read(int fd, void* buf, std::size_t n);
  virtual ssize_t write(int fd, const void* buf, std::size_t n);
  virtual int fsync(int fd);
  virtual int fchown(int fd, uid_t uid, gid_t gid);
  virtual int fchmod(int fd, mode_t mode);
  virtual ssize_t flistxattr(int fd, char* list, std::size_t size);
  virtual ssize_t fgetxattr(int fd, const char* name, void* value, std::size_t size);
  virtual int fsetxattr(int fd, const char* name, const void* value, std::size_t size, int flags);
  virtual int renameat2(int old_dir, const char* old_name, int new_dir, const char* new_name,
                        unsigned flags);
  virtual int linkat(int old_dir, const char* old_name, int new_dir, const char* new_name);
  virtual int unlinkat(int dir_fd, const char* name, int flags);
  virtual int mkdirat(int dir_fd, const char* name, mode_t mode);
  virtual int close(int fd);
};

// The real system calls. One stateless instance for the whole process.
SysOps& real_sys_ops();

}  // namespace kdump

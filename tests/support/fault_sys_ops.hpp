// A test double of util/sys_ops.hpp, linked only into the tests (kdump_test_support),
// never into the shipped binary.
#pragma once

#include <map>
#include <optional>
#include <set>

#include "util/sys_ops.hpp"

namespace kdump {

// For tests only: passes every call to `inner` and counts the calls whose kind is in
// the selected set; the N-th counted call (1-based) fails with `err` without reaching
// the system, or raises SIGKILL (kill_nth). `always_fail` makes every call of one kind
// fail, to simulate a missing feature (RENAME_EXCHANGE on an old vfat: EINVAL).
class FaultSysOps : public SysOps {
public:
  explicit FaultSysOps(SysOps& inner = real_sys_ops()) : m_inner(inner) {}

  static std::set<SysOp> all_ops();

  void fail_nth(unsigned n, int err, std::set<SysOp> ops = all_ops());
  void kill_nth(unsigned n, std::set<SysOp> ops = all_ops());
  void always_fail(SysOp op, int err);

  unsigned counted_calls() const { return m_count; }  // calls of the selected kinds so far
  bool fault_fired() const { return m_fired.has_value(); }
  std::optional<SysOp> fired_op() const { return m_fired; }  // kind of the call that failed

  int openat(int dir_fd, const char* name, int flags, mode_t mode) override;
  ssize_t read(int fd, void* buf, std::size_t n) override;
  ssize_t write(int fd, const void* buf, std::size_t n) override;
  int fsync(int fd) override;
  int fchown(int fd, uid_t uid, gid_t gid) override;
  int fchmod(int fd, mode_t mode) override;
  ssize_t flistxattr(int fd, char* list, std::size_t size) override;
  ssize_t fgetxattr(int fd, const char* name, void* value, std::size_t size) override;
  int fsetxattr(int fd, const char* name, const void* value, std::size_t size,
                int flags) override;
  int renameat2(int old_dir, const char* old_name, int new_dir, const char* new_name,
                unsigned flags) override;
  int linkat(int old_dir, const char* old_name, int new_dir, const char* new_name) override;
  int unlinkat(int dir_fd, const char* name, int flags) override;
  int mkdirat(int dir_fd, const char* name, mode_t mode) override;
  int close(int fd) override;

private:
  // True when this call must fail (errno set); may not return (kill).
  bool inject(SysOp op);

  SysOps& m_inner;
  std::set<SysOp> m_ops;
  unsigned m_nth = 0;  // 0: no fault
  int m_err = 0;
  bool m_kill = false;
  unsigned m_count = 0;
  std::optional<SysOp> m_fired;
  std::map<SysOp, int> m_always;  // kind -> errno
};

}  // namespace kdump

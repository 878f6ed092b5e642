// RunLock: one lock for a whole run (docs/contract.md §7), so that concurrent post-install
// scripts do not interleave their plans and writes.
//
// The lock is flock(LOCK_EX) on the root directory itself (the --root DIR, or "/"),
// not on a lock file: an offline image may have no /run, and a run must not create
// files other than the boot files it edits. Two paths to the same tree (a bind mount,
// a symlink) share the lock because it belongs to the directory inode. flock is
// advisory: it excludes other kdump-setup runs only. It is released when the RunLock
// is destroyed or the process exits (also on SIGKILL), so it can never go stale.
#pragma once

#include <chrono>

#include "util/result.hpp"
#include "util/root_dir.hpp"
#include "util/unique_fd.hpp"

namespace kdump {

class RunLock {
public:
  // Takes the lock, waiting up to `wait` (polled) while another run holds it.
  // ErrorKind::lock when it is still held after that; io when it cannot be tried.
  static Result<RunLock> acquire(const RootDir& root,
                                 std::chrono::milliseconds wait = std::chrono::milliseconds(0));

  // Identity of the locked directory, so the apply step can check that a lock it is
  // handed belongs to its root.
  std::uint64_t dev() const { return m_dev; }
  std::uint64_t ino() const { return m_ino; }

private:
  RunLock(UniqueFd fd, std::uint64_t dev, std::uint64_t ino)
      : m_fd(std::move(fd)), m_dev(dev), m_ino(ino) {}
  UniqueFd m_fd;
  std::uint64_t m_dev = 0;
  std::uint64_t m_ino = 0;
};

}  // namespace kdump

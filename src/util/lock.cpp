#include "util/lock.hpp"

#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <thread>

namespace kdump {

Result<RunLock> RunLock::acquire(const RootDir& root, std::chrono::milliseconds wait) {
  auto fd_r = root.open_dir_fd("/");
  if (!fd_r) return fail(std::move(fd_r).error());
  UniqueFd fd(*fd_r);
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return fail(path_error("stat", "/", errno));

  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0)
      return RunLock(std::move(fd), static_cast<std::uint64_t>(st.st_dev),
                     static_cast<std::uint64_t>(st.st_ino));
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return fail(path_error("lock the root directory", "/", errno));
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Error e;
  e.kind = ErrorKind::lock;
  e.message = "another kdump-setup run holds the lock on " + root.display("/") +
              " and is changing this system";
  e.hints.push_back("wait for it to finish, then run this command again");
  e.sys_errno = EWOULDBLOCK;
  return fail(std::move(e));
}

}  // namespace kdump

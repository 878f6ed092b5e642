#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/random.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "util/root_dir.hpp"

namespace kdump {
namespace {

constexpr std::size_t k_max_name_part = 200;  // leaves room for the decoration in NAME_MAX
constexpr std::string_view k_tag = ".kdump-";

std::string random_hex8() {
  unsigned char b[4] = {};
  if (::getrandom(b, sizeof b, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof b)) {
    // No entropy yet (early boot): uniqueness only matters within one directory and
    // O_EXCL catches a clash, so time and pid are enough.
    auto v = static_cast<unsigned>(::getpid()) * 2654435761u ^
             static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count());
    std::memcpy(b, &v, sizeof b);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) {
    s += hex[c >> 4];
    s += hex[c & 15];
  }
  return s;
}

bool is_unsupported(int err) {
  return err == EINVAL || err == ENOSYS || err == ENOTSUP || err == EOPNOTSUPP;
}

bool same_version(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

bool on_fat(int fd) {
  struct statfs fs {};
  return ::fstatfs(fd, &fs) == 0 && fs.f_type == MSDOS_SUPER_MAGIC;
}

}  // namespace

std::string AtomicFile::leftover_prefix(std::string_view name) {
  return "." + std::string(name.substr(0, k_max_name_part)) + std::string(k_tag);
}

bool AtomicFile::is_leftover_name(std::string_view n) {
  constexpr std::size_t tail = 8 + 4;  // "xxxxxxxx.tmp"
  if (n.size() < 1 + k_tag.size() + tail || n.front() != '.') return false;
  std::string_view suffix = n.substr(n.size() - 4);
  if (suffix != ".tmp" && suffix != ".bak") return false;
  std::string_view hex = n.substr(n.size() - tail, 8);
  if (hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) return false;
  return n.substr(n.size() - tail - k_tag.size(), k_tag.size()) == k_tag;
}

Error AtomicFile::error(std::string_view what, int err) const {
  return path_error(what, m_display, err);
}

Error AtomicFile::stale(std::string message) const {
  Error e;
  e.kind = ErrorKind::stale;
  e.file = m_display;
  e.message = std::move(message);
  e.hints.push_back("another program changed it; run the command again");
  return e;
}

Result<AtomicFile> AtomicFile::create(SysOps& sys, int dir_fd, std::string_view name,
                                      std::string display) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string temp = leftover_prefix(name) + random_hex8() + ".tmp";
    int fd = sys.openat(dir_fd, temp.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) return AtomicFile(sys, dir_fd, std::string(name), temp, std::move(display), fd);
    if (errno != EEXIST) return fail(path_error("create a temporary file beside it", display, errno));
  }
  return fail(path_error("create a temporary file beside it", display, EEXIST));
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : m_sys(o.m_sys), m_dir(o.m_dir), m_name(std::move(o.m_name)), m_temp(std::move(o.m_temp)),
      m_display(std::move(o.m_display)), m_fd(std::exchange(o.m_fd, -1)),
      m_temp_exists(std::exchange(o.m_temp_exists, false)), m_created(o.m_created),
      m_backup(std::move(o.m_backup)), m_new(o.m_new),
      m_state(std::exchange(o.m_state, State::moved_from)) {}

AtomicFile::~AtomicFile() {
  if (m_state == State::moved_from) return;
  if (m_fd >= 0) m_sys->close(m_fd);
  // A temp file never installed is garbage. (After install the temp name holds the
  // backup, tracked in m_backup, which only commit removes.)
  if (m_temp_exists) m_sys->unlinkat(m_dir, m_temp.c_str(), 0);
}

Result<Ok> AtomicFile::write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = m_sys->write(m_fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(error("write the new version", errno));
    }
    if (n == 0) return fail(error("write the new version", EIO));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Ok{};
}

Result<Ok> AtomicFile::set_mode(mode_t mode) {
  if (m_sys->fchmod(m_fd, mode) < 0 && !(errno == EPERM && on_fat(m_fd)))
    return fail(error("set the mode of the new version", errno));
  return Ok{};
}

Result<Ok> AtomicFile::copy_metadata_from(int original_fd, const struct stat& original) {
  struct stat mine {};
  if (::fstat(m_fd, &mine) < 0) return fail(error("stat the new version", errno));
  // Owner first: chown clears set-id bits, chmod then puts back what the original had.
  if (mine.st_uid != original.st_uid || mine.st_gid != original.st_gid) {
    if (m_sys->fchown(m_fd, original.st_uid, original.st_gid) < 0)
      return fail(error("keep the owner", errno));
  }
  KDUMP_TRY(set_mode(original.st_mode & 07777));

  // Extended attributes: the SELinux label (security.selinux), POSIX ACLs
  // (system.posix_acl_access), and whatever else the admin put there.
  std::vector<char> names;
  for (;;) {
    ssize_t n = m_sys->flistxattr(original_fd, nullptr, 0);
    if (n < 0) {
      if (errno == ENOTSUP || errno == EOPNOTSUPP) return Ok{};
      return fail(error("list the extended attributes", errno));
    }
    names.resize(static_cast<std::size_t>(n));
    if (n == 0) return Ok{};
    n = m_sys->flistxattr(original_fd, names.data(), names.size());
    if (n >= 0) {
      names.resize(static_cast<std::size_t>(n));
      break;
    }
    if (errno != ERANGE) return fail(error("list the extended attributes", errno));
  }
  std::vector<char> value;
  for (std::size_t i = 0; i < names.size();) {
    const char* name = names.data() + i;
    i += std::strlen(name) + 1;
    ssize_t n;
    for (;;) {
      n = m_sys->fgetxattr(original_fd, name, nullptr, 0);
      if (n < 0) break;
      value.resize(static_cast<std::size_t>(n));
      n = m_sys->fgetxattr(original_fd, name, value.data(), value.size());
      if (n >= 0 || errno != ERANGE) break;
    }
    if (n < 0) {
      if (errno == ENODATA) continue;  // removed meanwhile
      return fail(error(std::string("read the extended attribute ") + name, errno));
    }
    if (m_sys->fsetxattr(m_fd, name, value.data(), static_cast<std::size_t>(n), 0) < 0 &&
        errno != ENOTSUP && errno != EOPNOTSUPP)
      return fail(error(std::string("copy the extended attribute ") + name, errno));
  }
  return Ok{};
}

Result<Ok> AtomicFile::sync_and_close() {
  if (m_sys->fsync(m_fd) < 0) return fail(error("sync the new version", errno));
  if (::fstat(m_fd, &m_new) < 0) return fail(error("stat the new version", errno));
  int fd = std::exchange(m_fd, -1);
  if (m_sys->close(fd) < 0) return fail(error("close the new version", errno));
  m_state = State::closed;
  return Ok{};
}

Result<Ok> AtomicFile::install(const std::optional<Existing>& existing) {
  if (m_state != State::closed) {
    Error e = error("install", EINVAL);
    e.kind = ErrorKind::internal;
    e.message = "AtomicFile::install before sync_and_close";
    return fail(std::move(e));
  }
  return existing ? install_over(*existing) : install_new();
}

Result<Ok> AtomicFile::install_new() {
  int r = m_sys->renameat2(m_dir, m_temp.c_str(), m_dir, m_name.c_str(), RENAME_NOREPLACE);
  if (r < 0 && is_unsupported(errno)) {
    // No RENAME_NOREPLACE on this file system: check, then rename (we hold the run lock,
    // so only a foreign program could race us here).
    struct stat st {};
    if (::fstatat(m_dir, m_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) errno = EEXIST;
    else r = m_sys->renameat2(m_dir, m_temp.c_str(), m_dir, m_name.c_str(), 0);
  }
  if (r < 0) {
    if (errno == EEXIST) return fail(stale("was created by another program since it was read"));
    return fail(error("rename the new file into place", errno));
  }
  m_temp_exists = false;
  m_created = true;
  m_state = State::installed;
  return Ok{};
}

Result<Ok> AtomicFile::install_over(const Existing& existing) {
  auto still_expected = [&]() -> bool {
    struct stat now {};
    return ::fstatat(m_dir, m_name.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 &&
           same_version(now, existing.expected);
  };
  if (!still_expected()) return fail(stale("changed since it was read"));

  // 1. Atomic exchange: the old inode stays under the temp name as the backup.
  if (m_sys->renameat2(m_dir, m_temp.c_str(), m_dir, m_name.c_str(), RENAME_EXCHANGE) == 0) {
    m_backup = std::exchange(m_temp, std::string());
    m_temp_exists = false;
    m_state = State::installed;
    struct stat old {};
    if (::fstatat(m_dir, m_backup.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0 &&
        same_version(old, existing.expected))
      return Ok{};
    // Another program replaced the file between our check and the exchange: put its
    // version back and stop.
    auto undo = restore();
    if (!undo) return fail(std::move(undo).error());
    return fail(stale("changed while it was being replaced"));
  }
  if (!is_unsupported(errno)) return fail(error("replace it", errno));

  // 2./3. Keep the old version under a backup name, then rename over.
  std::string backup = leftover_prefix(m_name) + random_hex8() + ".bak";
  if (m_sys->linkat(m_dir, m_name.c_str(), m_dir, backup.c_str()) == 0) {
    m_backup = backup;
  } else if (errno == EPERM || errno == EMLINK || is_unsupported(errno)) {
    KDUMP_TRY(make_copy_backup(existing));
  } else {
    return fail(error("keep a backup", errno));
  }
  if (m_sys->renameat2(m_dir, m_temp.c_str(), m_dir, m_name.c_str(), 0) < 0) {
    int err = errno;
    m_sys->unlinkat(m_dir, m_backup.c_str(), 0);
    m_backup.clear();
    return fail(error("rename the new version over it", err));
  }
  m_temp_exists = false;
  m_state = State::installed;
  return Ok{};
}

Result<Ok> AtomicFile::make_copy_backup(const Existing& existing) {
  auto copy = AtomicFile::create(*m_sys, m_dir, m_name, m_display);
  if (!copy) return fail(std::move(copy).error());
  KDUMP_TRY(copy->write(existing.old_bytes));
  KDUMP_TRY(copy->copy_metadata_from(existing.original_fd, existing.expected));
  KDUMP_TRY(copy->sync_and_close());
  // Rename the copy to a ".bak" name so it is not mistaken for an uninstalled temp.
  std::string backup = leftover_prefix(m_name) + random_hex8() + ".bak";
  if (m_sys->renameat2(m_dir, copy->m_temp.c_str(), m_dir, backup.c_str(), RENAME_NOREPLACE) < 0)
    return fail(error("keep a backup copy", errno));
  copy->m_temp_exists = false;
  m_backup = backup;
  return Ok{};
}

Result<Ok> AtomicFile::restore() {
  if (m_state != State::installed) return Ok{};
  if (m_created) {
    // Remove the file we created, but only if it is still ours.
    struct stat now {};
    if (::fstatat(m_dir, m_name.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 &&
        now.st_dev == m_new.st_dev && now.st_ino == m_new.st_ino &&
        m_sys->unlinkat(m_dir, m_name.c_str(), 0) < 0)
      return fail(error("remove the newly created file", errno));
  } else if (m_sys->renameat2(m_dir, m_backup.c_str(), m_dir, m_name.c_str(), 0) < 0) {
    return fail(error("put back the old version", errno));
  } else {
    m_backup.clear();
  }
  m_state = State::restored;
  return Ok{};
}

Result<Ok> AtomicFile::commit() {
  if (m_state != State::installed) return Ok{};
  m_state = State::committed;
  if (m_backup.empty()) return Ok{};
  if (m_sys->unlinkat(m_dir, m_backup.c_str(), 0) < 0)
    return fail(error("remove the backup " + m_backup, errno));
  m_backup.clear();
  return Ok{};
}

}  // namespace kdump

#include "util/root_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

namespace kdump {
namespace {

// The kernel's own limit for symlinks followed in one lookup (MAXSYMLINKS).
constexpr int k_max_symlinks = 40;

// glibc 2.36 declares no openat2() wrapper, so call it by number.
long sys_openat2(int dir_fd, const char* path, std::uint64_t flags, std::uint64_t resolve) {
  open_how how{};
  how.flags = flags;
  how.resolve = resolve;
  return ::syscall(SYS_openat2, dir_fd, path, &how, sizeof how);
}

// "/etc//default/grub" -> {"etc", "default", "grub"}; a trailing slash adds "." so the
// last component must be a directory, as the kernel requires.
std::deque<std::string> split_path(std::string_view p) {
  std::deque<std::string> out;
  std::size_t i = 0;
  while (i < p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) out.emplace_back(p.substr(i, j - i));
    i = j + 1;
  }
  if (!p.empty() && p.back() == '/' && !out.empty()) out.emplace_back(".");
  return out;
}

// What openat2 wants: relative to the root descriptor, "." for the root itself.
std::string relative_to_root(std::string_view abs) {
  while (!abs.empty() && abs.front() == '/') abs.remove_prefix(1);
  return abs.empty() ? std::string(".") : std::string(abs);
}

Result<std::string> read_link_at(int dir_fd, const char* name, std::string_view abs) {
  std::string buf(256, '\0');
  for (;;) {
    ssize_t n = ::readlinkat(dir_fd, name, buf.data(), buf.size());
    if (n < 0) return fail(path_error("read symbolic link", abs, errno));
    if (static_cast<std::size_t>(n) < buf.size()) {
      buf.resize(static_cast<std::size_t>(n));
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

Result<std::string> read_all(int fd, std::string_view abs, std::size_t limit) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(path_error("read", abs, errno));
    }
    if (n == 0) return out;
    if (out.size() + static_cast<std::size_t>(n) > limit) {
      Error e = path_error("read", abs, EFBIG);
      e.message = "refusing to read: larger than " + std::to_string(limit) + " bytes";
      return fail(std::move(e));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

// ---- helpers shared with the apply step ------------------------------------------------

std::uint64_t content_hash(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

FileStamp make_stamp(const struct stat& st, std::string_view bytes) {
  FileStamp s;
  s.dev = static_cast<std::uint64_t>(st.st_dev);
  s.ino = static_cast<std::uint64_t>(st.st_ino);
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.content_hash = content_hash(bytes);
  return s;
}

Error path_error(std::string_view what, std::string_view abs, int err) {
  Error e;
  e.sys_errno = err;
  e.file = std::string(abs);
  switch (err) {
    case ELOOP:
      e.kind = ErrorKind::unsafe_path;
      e.message = "cannot " + std::string(what) +
                  ": too many levels of symbolic links (a symlink loop, or a link into /proc)";
      return e;
    case ENOTDIR:
    case EISDIR:
    case EXDEV:
      e.kind = ErrorKind::unsafe_path;
      break;
    default:
      e.kind = ErrorKind::io;
  }
  e.message = "cannot " + std::string(what) + ": " + std::strerror(err);
  return e;
}

// ---- RootDir ---------------------------------------------------------------------------

Result<RootDir> RootDir::open(const std::filesystem::path& root, Resolver how) {
  int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(path_error("open the root directory", root.string(), errno));
  std::error_code ec;
  std::filesystem::path canon = std::filesystem::canonical(root, ec);
  RootDir dir(ec ? root : canon, fd);

  if (how == Resolver::automatic) {
    // One probe decides for the whole run. ENOSYS: kernel older than 5.6; EPERM: a
    // container's seccomp filter that does not know the call.
    long r = sys_openat2(fd, ".", O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (r >= 0) {
      ::close(static_cast<int>(r));
      how = Resolver::kernel;
    } else {
      how = (errno == ENOSYS || errno == EPERM) ? Resolver::userspace : Resolver::kernel;
    }
  }
  dir.m_resolver = how;
  return dir;
}

RootDir::RootDir(RootDir&& o) noexcept
    : m_path(std::move(o.m_path)), m_fd(std::exchange(o.m_fd, -1)), m_resolver(o.m_resolver) {}

RootDir& RootDir::operator=(RootDir&& o) noexcept {
  if (this != &o) {
    if (m_fd >= 0) ::close(m_fd);
    m_path = std::move(o.m_path);
    m_fd = std::exchange(o.m_fd, -1);
    m_resolver = o.m_resolver;
  }
  return *this;
}

RootDir::~RootDir() {
  if (m_fd >= 0) ::close(m_fd);
}

std::string RootDir::display(std::string_view abs) const {
  std::string a = abs.empty() || abs.front() != '/' ? "/" + std::string(abs) : std::string(abs);
  if (is_host_root()) return a;
  std::string base = m_path.string();
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base + a;
}

Result<UniqueFd> RootDir::resolve(std::string_view abs, int flags) const {
  if (m_resolver == Resolver::userspace) return resolve_userspace(abs, flags);
  std::string rel = relative_to_root(abs);
  for (int attempt = 0;; ++attempt) {
    long r = sys_openat2(m_fd, rel.c_str(), static_cast<std::uint64_t>(flags | O_CLOEXEC),
                         RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (r >= 0) return UniqueFd(static_cast<int>(r));
    // EAGAIN: a rename anywhere on the system (the kernel's rename_lock) raced the
    // lookup; openat2(2) asks callers to retry. With 16 writers renaming in one
    // directory, 16 tries were seen to run out: retry longer, yielding the CPU.
    if ((errno == EAGAIN || errno == EINTR) && attempt < 4096) {
      if (attempt >= 16) ::sched_yield();
      continue;
    }
    return fail(path_error("open", abs, errno));
  }
}

// The same semantics as RESOLVE_IN_ROOT, one component at a time. The directories
// walked are kept open on a stack, so ".." pops the stack instead of looking up "..":
// a concurrent rename cannot move the walk above the root.
Result<UniqueFd> RootDir::resolve_userspace(std::string_view abs, int flags) const {
  std::vector<UniqueFd> stack;
  auto cur = [&] { return stack.empty() ? m_fd : stack.back().get(); };
  std::deque<std::string> todo = split_path(abs);
  int links = 0;
  UniqueFd final_fd;
  struct stat final_st {};
  std::string final_name;

  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c == ".") continue;
    if (c == "..") {
      if (!stack.empty()) stack.pop_back();  // ".." at the root stays at the root
      continue;
    }
    UniqueFd fd(::openat(cur(), c.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return fail(path_error("open", abs, errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return fail(path_error("stat", abs, errno));

    if (S_ISLNK(st.st_mode)) {
      if (todo.empty() && (flags & O_NOFOLLOW)) {
        if (flags & O_PATH) return fd;  // the link itself, as the kernel gives it
        return fail(path_error("open", abs, ELOOP));
      }
      if (++links > k_max_symlinks) return fail(path_error("open", abs, ELOOP));
      auto target = read_link_at(fd.get(), "", abs);
      if (!target) return fail(std::move(target).error());
      std::deque<std::string> parts = split_path(*target);
      if (parts.empty() && !target->empty() && target->front() != '/')
        return fail(path_error("open", abs, ENOENT));
      todo.insert(todo.begin(), parts.begin(), parts.end());
      if (!target->empty() && target->front() == '/') stack.clear();  // absolute: from the root
      continue;
    }
    if (todo.empty()) {
      final_fd = std::move(fd);
      final_st = st;
      final_name = std::move(c);
      break;
    }
    if (!S_ISDIR(st.st_mode)) return fail(path_error("open", abs, ENOTDIR));
    stack.push_back(std::move(fd));
  }

  if (!final_fd) {
    // The walk ended on a directory (the root, ".", ".."): reopen it with `flags`.
    if ((flags & O_PATH) && !stack.empty()) return std::move(stack.back());
    int fd = ::openat(cur(), ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
    if (fd < 0) return fail(path_error("open", abs, errno));
    return UniqueFd(fd);
  }
  if ((flags & O_DIRECTORY) && !S_ISDIR(final_st.st_mode))
    return fail(path_error("open", abs, ENOTDIR));
  if (flags & O_PATH) return final_fd;

  // Reopen for real I/O by name under the directory the walk ended in. The name is no
  // symlink (checked above); O_NOFOLLOW keeps it so if it is swapped meanwhile, and the
  // identity check catches any other swap.
  int fd = ::openat(cur(), final_name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail(path_error("open", abs, errno));
  UniqueFd opened(fd);
  struct stat st {};
  if (::fstat(opened.get(), &st) < 0) return fail(path_error("stat", abs, errno));
  if (!same_file(st, final_st)) return fail(path_error("open", abs, EAGAIN));
  return opened;
}

Result<UniqueFd> RootDir::open_fd(std::string_view abs, int flags) const {
  if (flags & (O_CREAT | O_TMPFILE)) {
    Error e = path_error("open", abs, EINVAL);
    e.kind = ErrorKind::internal;
    e.message = "RootDir::open_fd does not create files";
    return fail(std::move(e));
  }
  return resolve(abs, flags);
}

bool RootDir::exists(std::string_view abs) const { return resolve(abs, O_PATH).has_value(); }

bool RootDir::is_directory(std::string_view abs) const {
  return resolve(abs, O_PATH | O_DIRECTORY).has_value();
}

// Checks the type through an O_PATH descriptor before opening for reading, so a FIFO
// or a device in place of a config file is refused without being opened (opening a
// FIFO blocks; opening some devices has side effects).
Result<UniqueFd> RootDir::open_regular(std::string_view abs) const {
  // Another writer may rename a new file over this one between the probe and the open
  // (our own atomic writes do exactly that): the file was replaced whole, so look again.
  for (int attempt = 0;; ++attempt) {
    auto fd = open_regular_once(abs);
    if (fd || attempt >= 64 || fd.error().sys_errno != EAGAIN) return fd;
    ::sched_yield();
  }
}

Result<UniqueFd> RootDir::open_regular_once(std::string_view abs) const {
  auto probe = resolve(abs, O_PATH);
  if (!probe) return fail(std::move(probe).error());
  struct stat st {};
  if (::fstat(probe->get(), &st) < 0) return fail(path_error("stat", abs, errno));
  if (!S_ISREG(st.st_mode)) {
    Error e = path_error("read", abs, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
    e.kind = ErrorKind::unsafe_path;
    e.message = S_ISDIR(st.st_mode) ? "is a directory, expected a regular file"
                                    : "is not a regular file (a device, FIFO or socket)";
    return fail(std::move(e));
  }
  auto fd = resolve(abs, O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if (!fd) return fail(std::move(fd).error());
  struct stat st2 {};
  if (::fstat(fd->get(), &st2) < 0) return fail(path_error("stat", abs, errno));
  if (!same_file(st, st2)) return fail(path_error("open", abs, EAGAIN));
  return fd;
}

Result<std::string> RootDir::read_text(std::string_view abs, std::size_t limit) const {
  auto fd = open_regular(abs);
  if (!fd) return fail(std::move(fd).error());
  return read_all(fd->get(), abs, limit);
}

Result<RootDir::Snapshot> RootDir::read_snapshot(std::string_view abs, std::size_t limit) const {
  auto fd = open_regular(abs);
  if (!fd) return fail(std::move(fd).error());
  struct stat st {};
  if (::fstat(fd->get(), &st) < 0) return fail(path_error("stat", abs, errno));
  auto text = read_all(fd->get(), abs, limit);
  if (!text) return fail(std::move(text).error());
  Snapshot s;
  s.stamp = make_stamp(st, *text);
  s.text = std::move(*text);
  return s;
}

Result<std::vector<std::string>> RootDir::list(std::string_view abs_dir) const {
  auto fd = resolve(abs_dir, O_RDONLY | O_DIRECTORY);
  if (!fd) {
    if (fd.error().sys_errno == ENOENT) return std::vector<std::string>{};
    return fail(std::move(fd).error());
  }
  DIR* d = ::fdopendir(fd->get());
  if (!d) return fail(path_error("list", abs_dir, errno));
  fd->release();  // owned by d now
  std::vector<std::string> names;
  errno = 0;
  while (dirent* ent = ::readdir(d)) {
    std::string_view n = ent->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return fail(path_error("list", abs_dir, err));
  std::sort(names.begin(), names.end());
  return names;
}

Result<int> RootDir::open_dir_fd(std::string_view abs_dir) const {
  auto fd = resolve(abs_dir, O_RDONLY | O_DIRECTORY);
  if (!fd) return fail(std::move(fd).error());
  return fd->release();
}

Result<RootDir::Location> RootDir::locate(std::string_view abs) const {
  std::string cur(abs);
  for (int links = 0; links <= k_max_symlinks; ++links) {
    while (cur.size() > 1 && cur.back() == '/') cur.pop_back();
    std::size_t slash = cur.rfind('/');
    std::string parent = slash == std::string::npos || slash == 0 ? "/" : cur.substr(0, slash);
    std::string name = slash == std::string::npos ? cur : cur.substr(slash + 1);
    if (name.empty() || name == "." || name == "..") {
      Error e = path_error("write", abs, EISDIR);
      e.message = "is not a file name (\"/\", \".\" or \"..\" at the end)";
      return fail(std::move(e));
    }
    auto dir = resolve(parent, O_RDONLY | O_DIRECTORY);
    if (!dir) {
      Error e = std::move(dir).error();
      e.file = std::string(abs);
      e.message = "cannot open its directory " + parent + ": " + std::strerror(e.sys_errno);
      if (e.sys_errno == ELOOP) e.message += " (too many levels of symbolic links)";
      return fail(std::move(e));
    }
    struct stat st {};
    if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno != ENOENT) return fail(path_error("stat", abs, errno));
      return Location{std::move(*dir), parent, name, cur, std::nullopt};
    }
    if (!S_ISLNK(st.st_mode)) return Location{std::move(*dir), parent, name, cur, st};
    auto target = read_link_at(dir->get(), name.c_str(), abs);
    if (!target) return fail(std::move(target).error());
    if (target->empty()) return fail(path_error("resolve", abs, ENOENT));
    cur = target->front() == '/' ? *target : (parent == "/" ? "" : parent) + "/" + *target;
  }
  return fail(path_error("resolve", abs, ELOOP));
}

}  // namespace kdump

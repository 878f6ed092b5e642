// RootDir: every path the tool reads or writes is resolved inside it, like systemd's
// chase() / openat2(RESOLVE_IN_ROOT): "..", absolute symlinks and ".." in symlinks
// stay inside the root, so --root DIR can never lead outside DIR.
//
// Resolution uses openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) (Linux 5.6+); where
// the kernel lacks it (ENOSYS, or EPERM from a seccomp filter) a userspace walk with the
// same semantics is used: one component at a time with O_PATH|O_NOFOLLOW, symlink text
// spliced in front of the rest, absolute targets restart at the root, ".." at the root
// stays at the root, 40 symlinks at most (ELOOP, like the kernel).
//
// Paths given to RootDir are absolute as seen inside the target system
// ("/etc/default/grub"). Errors name that path in Error::file.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/file_stamp.hpp"
#include "util/result.hpp"
#include "util/tree_view.hpp"
#include "util/unique_fd.hpp"

namespace kdump {

// Which resolver a RootDir uses. `automatic` probes openat2 once at open().
enum class Resolver { automatic, kernel, userspace };

class RootDir final : public TreeView {
public:
  // Opens the root directory (an O_PATH directory descriptor is held).
  // `how` is for tests: force the userspace fallback or the kernel resolver.
  static Result<RootDir> open(const std::filesystem::path& root,
                              Resolver how = Resolver::automatic);

  const std::filesystem::path& path() const { return m_path; }
  bool is_host_root() const { return m_path == "/"; }
  Resolver resolver() const { return m_resolver; }

  // "<root>/etc/default/grub" style text for messages: the real path on disk.
  std::string display(std::string_view abs) const;

  bool exists(std::string_view abs) const override;
  bool is_directory(std::string_view abs) const override;

  // Reads a whole regular file inside the root; refuses non-regular files (unsafe_path)
  // and files over `limit` bytes (io, EFBIG). ErrorKind::io with errno when absent.
  Result<std::string> read_text(std::string_view abs, std::size_t limit = 4u << 20) const override;

  // Reads the file and its identity in one open (for the stale check at apply).
  struct Snapshot {
    std::string text;
    FileStamp stamp;
  };
  Result<Snapshot> read_snapshot(std::string_view abs, std::size_t limit = 4u << 20) const;

  // Names in a directory inside the root, sorted, without "." and ".."; empty when the
  // directory is absent; unsafe_path when it is not a directory.
  Result<std::vector<std::string>> list(std::string_view abs_dir) const override;

  // A descriptor (O_RDONLY|O_DIRECTORY, so it can be fsynced and locked) of a directory
  // inside the root. The caller owns it.
  Result<int> open_dir_fd(std::string_view abs_dir) const;

  // Resolves `abs` inside the root and opens it with `flags` (O_CLOEXEC is added;
  // O_CREAT is refused). Symlinks are followed inside the root, magic links refused.
  Result<UniqueFd> open_fd(std::string_view abs, int flags) const;

  // Where a file lives, for replacing it: its directory (resolved, opened O_RDONLY|
  // O_DIRECTORY) and its name there. A symlink in the last component is followed
  // inside the root, so the file it points to is edited and the link is kept; the
  // last component may be absent (a file to create). Errors: io/ENOENT when the
  // directory is missing, unsafe_path for "/", ".", ".." or a symlink loop.
  struct Location {
    UniqueFd dir;
    std::string dir_abs;             // directory, after following last-component links
    std::string name;                // last component in `dir`
    std::string abs;                 // dir_abs + "/" + name
    std::optional<struct stat> st;   // lstat of name in dir; nullopt when absent
  };
  Result<Location> locate(std::string_view abs) const;

  RootDir(RootDir&&) noexcept;
  RootDir& operator=(RootDir&&) noexcept;
  RootDir(const RootDir&) = delete;
  RootDir& operator=(const RootDir&) = delete;
  ~RootDir();

private:
  RootDir(std::filesystem::path p, int fd) : m_path(std::move(p)), m_fd(fd) {}
  Result<UniqueFd> resolve(std::string_view abs, int flags) const;
  Result<UniqueFd> resolve_userspace(std::string_view abs, int flags) const;
  Result<UniqueFd> open_regular(std::string_view abs) const;
  Result<UniqueFd> open_regular_once(std::string_view abs) const;
  std::filesystem::path m_path;
  int m_fd = -1;
  Resolver m_resolver = Resolver::kernel;
};

// Hash of file contents stored in FileStamp::content_hash (64-bit FNV-1a; identity
// check against accidental change, not a security boundary: apply also compares the
// bytes themselves).
std::uint64_t content_hash(std::string_view bytes);

// The stamp of an open file whose bytes were just read.
FileStamp make_stamp(const struct stat& st, std::string_view bytes);

// ErrorKind::io (or unsafe_path for ELOOP/ENOTDIR-like errors) naming `abs`:
// "cannot <what>: <strerror>".
Error path_error(std::string_view what, std::string_view abs, int err);

}  // namespace kdump

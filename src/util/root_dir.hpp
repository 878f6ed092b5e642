// RootDir: every path the tool reads or writes is resolved inside it, like systemd's
// chase() / openat2(RESOLVE_IN_ROOT): "..", absolute symlinks and ".." in symlinks
// stay inside the root, so --root DIR can never lead outside DIR.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/file_stamp.hpp"
#include "util/result.hpp"

namespace kdump {

class RootDir {
public:
  // Opens the root directory (an O_PATH directory descriptor is held).
  static Result<RootDir> open(const std::filesystem::path& root);

  const std::filesystem::path& path() const { return m_path; }
  bool is_host_root() const { return m_path == "/"; }

  // "<root>/etc/default/grub" style text for messages: the real path on disk.
  std::string display(std::string_view abs) const;

  bool exists(std::string_view abs) const;
  bool is_directory(std::string_view abs) const;

  // Reads a whole regular file inside the root; refuses non-regular files and files
  // over `limit` bytes. ErrorKind::io with errno when absent.
  Result<std::string> read_text(std::string_view abs, std::size_t limit = 4u << 20) const;

  // Reads the file and its identity in one open (for the stale check at apply).
  struct Snapshot {
    std::string text;
    FileStamp stamp;
  };
  Result<Snapshot> read_snapshot(std::string_view abs, std::size_t limit = 4u << 20) const;

  // Names in a directory inside the root, sorted; empty when the directory is absent.
  Result<std::vector<std::string>> list(std::string_view abs_dir) const;

  // Opens for the apply step: a descriptor of the resolved parent directory.
  Result<int> open_dir_fd(std::string_view abs_dir) const;

  RootDir(RootDir&&) noexcept;
  RootDir& operator=(RootDir&&) noexcept;
  RootDir(const RootDir&) = delete;
  RootDir& operator=(const RootDir&) = delete;
  ~RootDir();

private:
  RootDir(std::filesystem::path p, int fd) : m_path(std::move(p)), m_fd(fd) {}
  std::filesystem::path m_path;
  int m_fd = -1;
};

}  // namespace kdump

// BootFiles: every boot file a run looks at, read through RootDir once and kept. The
// boot model (boot_model.hpp) and every backend read the tree only through it, so one
// dry run opens /etc/default/grub, each entry and the grubenv once, and the model of the
// tree "after a plan" is the same files with the plan's new texts laid over them.
//
// While attached to a RootDir (during BootModel::load) a question about a path not yet
// asked goes to the disk, once; detached (after loading, or an overlay), a path that was
// never read is an internal error: the model must load what its backends need.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.hpp"
#include "util/result.hpp"
#include "util/root_dir.hpp"
#include "util/tree_view.hpp"

namespace kdump {

// The boot files that are text and parsed as such: /etc/default/grub and its
// grub.d/*.cfg, /etc/kernel/cmdline, Type #1 entries (*/loader/entries/*.conf, "UTF-8
// encoded" per the Boot Loader Specification) and loader.conf. BootFiles::read refuses
// them (ErrorKind::parse, file, line, column and byte offset) when they hold a NUL byte
// or invalid UTF-8.
bool is_boot_text_file(std::string_view abs);

class BootFiles final : public TreeView {
public:
  explicit BootFiles(const RootDir& root);

  const std::string& root_path() const { return m_root_path; }
  bool is_host_root() const { return m_host_root; }
  std::string display(std::string_view abs) const;

  bool exists(std::string_view abs) const override;
  bool is_directory(std::string_view abs) const override;
  // The file's bytes and identity (RootDir::read_snapshot); the same answer every time.
  // Refused like RootDir when larger than `limit`.
  Result<RootDir::Snapshot> read(std::string_view abs, std::size_t limit = 4u << 20) const;
  Result<std::string> read_text(std::string_view abs, std::size_t limit = 4u << 20) const override;
  Result<std::vector<std::string>> list(std::string_view abs_dir) const override;
  // Where `abs` leads when its last component is a symlink (followed inside the root,
  // as the apply step would write it: RootDir::locate); `abs` itself otherwise, or when
  // it cannot be resolved.
  std::string resolved(std::string_view abs) const;

  // No more disk reads: what was not read so far is an internal error from now on.
  void detach() { m_root = nullptr; }
  // These files with the plan's edits in place (new files appear in their directory).
  BootFiles with_edits(const Plan& plan) const;

  // How often each path reached the disk (reads, listings, existence checks): at most
  // once each, by construction; tests assert it.
  const std::map<std::string, unsigned, std::less<>>& disk_reads() const { return m_disk; }

private:
  Error not_loaded(std::string_view abs) const;
  void count(std::string_view abs) const;

  const RootDir* m_root = nullptr;
  std::string m_root_path;
  bool m_host_root = false;
  mutable std::map<std::string, bool, std::less<>> m_exists;
  mutable std::map<std::string, bool, std::less<>> m_is_dir;
  mutable std::map<std::string, Result<RootDir::Snapshot>, std::less<>> m_files;
  mutable std::map<std::string, Result<std::vector<std::string>>, std::less<>> m_dirs;
  mutable std::map<std::string, unsigned, std::less<>> m_disk;
  mutable std::map<std::string, std::string, std::less<>> m_resolved;
};

}  // namespace kdump

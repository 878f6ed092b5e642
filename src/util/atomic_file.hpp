// AtomicFile: the new version of one file, written to a temporary file beside it and
// installed by rename, so a reader (or a boot loader after a crash) sees the old bytes
// or the new bytes, never a mix (docs/contract.md §7).
//
// Life cycle, driven by core::apply_plan:
//   create -> write -> copy_metadata_from | set_mode -> sync_and_close   (nothing visible yet)
//   install                            the target name now has the new bytes
//   restore  (undo install)  or  commit (drop the backup of the old version)
//
// Names: ".<name>.kdump-<random>.tmp" (and ".bak" for a backup). They start with '.'
// and do not end in .conf/.cfg, so no boot loader or grub.d/BLS glob picks them up if
// the process dies. leftover_prefix() lets the next run find and remove them.
//
// How install keeps the old version until commit, so restore is byte-identical:
//   1. renameat2(RENAME_EXCHANGE): atomic; the old inode moves to the temp name.
//   2. where the file system lacks it (EINVAL): a hard link of the old file as backup,
//      then rename over.
//   3. where hard links are refused too (vfat: EPERM): a copy of the old bytes, with
//      its metadata, written and fsynced as backup, then rename over.
// New files are installed with RENAME_NOREPLACE (EEXIST: another program created it).
//
// Every system call goes through SysOps so tests can inject faults. The destructor
// removes a temp file that was never installed; it never removes a backup that was
// not committed.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"
#include "util/sys_ops.hpp"

namespace kdump {

class AtomicFile {
public:
  // Creates the temp file for `name` in `dir_fd` (borrowed; must outlive this object),
  // mode 0600, O_EXCL|O_NOFOLLOW. `display` names the target in errors.
  static Result<AtomicFile> create(SysOps& sys, int dir_fd, std::string_view name,
                                   std::string display);

  // Writes all bytes (short writes continued, EINTR retried).
  Result<Ok> write(std::string_view bytes);
  // Owner, mode and every extended attribute (security.selinux, ACLs, user.*) of the
  // file being replaced. ENOTSUP on xattrs is tolerated (vfat), so is EPERM on chmod
  // where the file system cannot store modes (vfat).
  Result<Ok> copy_metadata_from(int original_fd, const struct stat& original);
  // For a new file: the mode it gets (umask is not applied).
  Result<Ok> set_mode(mode_t mode);
  // fsync, then close (a close error is an error: NFS reports write errors there).
  Result<Ok> sync_and_close();

  // What install checks and keeps: `expected` is the state of the target that the
  // caller verified (nullopt: the target must not exist); `old_bytes` and
  // `original_fd` are used only for the copy backup (strategy 3).
  struct Existing {
    struct stat expected;
    std::string_view old_bytes;
    int original_fd = -1;
  };
  // ErrorKind::stale when the target is no longer the verified one (then nothing is
  // changed); io for system errors (nothing changed either).
  Result<Ok> install(const std::optional<Existing>& existing);
  // Puts the old version back (or removes the created file). Only after install.
  Result<Ok> restore();
  // Removes the backup. Failure leaves a harmless dot-file; the caller may warn.
  Result<Ok> commit();

  const std::string& temp_name() const { return m_temp; }
  const std::string& backup_name() const { return m_backup; }
  bool installed() const { return m_state == State::installed; }

  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  // ".<name>.kdump-": every temp/backup name for `name` starts with it.
  static std::string leftover_prefix(std::string_view name);
  // True for names this class creates (".*.kdump-XXXXXXXX.tmp" / ".bak").
  static bool is_leftover_name(std::string_view file_name);

private:
  enum class State { writing, closed, installed, restored, committed, moved_from };
  AtomicFile(SysOps& sys, int dir_fd, std::string name, std::string temp, std::string display,
             int fd)
      : m_sys(&sys), m_dir(dir_fd), m_name(std::move(name)), m_temp(std::move(temp)),
        m_display(std::move(display)), m_fd(fd) {}
  Result<Ok> install_new();
  Result<Ok> install_over(const Existing& existing);
  Result<Ok> make_copy_backup(const Existing& existing);
  Error error(std::string_view what, int err) const;
  Error stale(std::string message) const;

  SysOps* m_sys;
  int m_dir;
  std::string m_name;     // target name in m_dir
  std::string m_temp;     // temp name; exists while m_temp_exists
  std::string m_display;  // for errors
  int m_fd;               // temp file descriptor until sync_and_close
  bool m_temp_exists = true;
  bool m_created = false; // installed as a new file
  std::string m_backup;   // name holding the old version after install
  struct stat m_new {};   // identity of the installed file (for restore of a new file)
  State m_state = State::writing;
};

}  // namespace kdump

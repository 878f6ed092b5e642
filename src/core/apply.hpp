// apply_plan: the only step that writes (docs/contract.md §2, §7). It carries out a Plan that
// a backend built read-only:
//
//   1. lock      one RunLock for the run (taken here unless the caller holds it)
//   2. resolve   every path inside the root (symlinks followed inside it); a missing
//                directory of a new file is created
//   3. clean     temp/backup files a killed earlier run left beside the targets
//   4. check     every target is still the file the plan read (bytes and FileStamp); a
//                file the plan did not find must still be absent   -> ErrorKind::stale
//   5. prepare   every new version written to a temp file beside its target, metadata
//                (owner, mode, xattrs) copied, fsynced              (nothing visible yet)
//   6. install   the renames, in plan order; the old versions kept as backups
//   7. sync      fsync of every directory touched
//   8. commit    backups removed (a failure here is only a warning)
//   9. commands  run in order after every file is in place, unless no_update (or the
//                root is not the host's, see ApplyOptions::run_commands_under_root)
//
// SIGINT, SIGTERM, SIGHUP and SIGQUIT are blocked during steps 6-8 (a few renames and
// fsyncs), so an interrupt lands after the set is consistent, not between two renames;
// the previous signal mask is restored afterwards and pending signals then act.
//
// Any failure in steps 1-7 undoes what was installed (in reverse order), removes temp
// files and created directories, and returns the Error: every file then has its old
// bytes. Only if an undo step fails too does the error say which files are left new
// and where their old version is kept. A command failing in step 9 leaves the files
// written; it is reported in ApplyReport::command_error.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/plan.hpp"
#include "util/lock.hpp"
#include "util/result.hpp"
#include "util/root_dir.hpp"
#include "util/runner.hpp"
#include "util/sys_ops.hpp"

namespace kdump {

struct ApplyOptions {
  bool no_update = false;                 // --no-update: list commands, do not run them
  const RunLock* lock = nullptr;          // held by the caller for the whole run, or null
  std::chrono::milliseconds lock_wait{0}; // when taking the lock here
  SysOps* sys = nullptr;                  // tests: fault injection; null = real calls
  RunOptions run;                         // for the commands
  // Commands act on the running system (update-grub writes the host's grub.cfg), so
  // under --root they are listed, not run, unless the caller says they are safe
  // there (e.g. it wrapped them in a chroot).
  bool run_commands_under_root = false;
};

struct AppliedFile {
  std::string path;       // as in the plan
  std::string written;    // where it was written (differs when path is a symlink)
  bool changed = false;
  bool created = false;
};

struct AppliedCommand {
  std::vector<std::string> argv;
  std::string reason;
  bool ran = false;
  std::optional<RunOutcome> outcome;  // when it ran
};

struct ApplyReport {
  std::vector<AppliedFile> files;        // every edit of the plan, in order
  std::vector<AppliedCommand> commands;  // every command of the plan, in order
  std::vector<std::string> warnings;     // leftovers removed, a backup not removed, ...
  std::optional<Error> command_error;    // files written, then this command failed (exit 3)

  bool changed() const {
    for (const auto& f : files)
      if (f.changed) return true;
    return false;
  }
};

// Errors: lock, stale, unsafe_path, io (ErrorKind; all exit 3), internal for a plan
// that edits the same file twice. On error no file was changed, unless the message
// says that undoing failed.
Result<ApplyReport> apply_plan(const Plan& plan, const RootDir& root, Runner& runner,
                               const ApplyOptions& options = {});

}  // namespace kdump

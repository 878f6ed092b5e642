// Plan: what a run would change, built read-only by a backend, rendered as a diff or
// JSON, and carried out only by the apply step (docs/contract.md §2, §7).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/file_stamp.hpp"

namespace kdump {

struct FileEdit {
  std::string path;                   // absolute inside the root: "/etc/default/grub"
  std::optional<std::string> before;  // nullopt: the file does not exist yet
  std::string after;
  std::optional<FileStamp> stamp;     // identity at plan time (when before exists)
  std::string reason;                 // "set crashkernel=512M in GRUB_CMDLINE_LINUX"
  // A binary file (a PE add-on): shown as "create PATH (N bytes, ...)" with `summary`
  // instead of a text diff.
  bool binary = false;
  std::string summary;                // ".cmdline 'crashkernel=256M'"
  // Delete the file (`before` is what it holds now; `after` is unused).
  bool remove = false;
  // With `remove`: PATH is a directory the plan empties (its files are deleted by earlier
  // edits of the plan); it is removed after they are gone, at the commit, and only if it
  // is empty then (else it stays, with a warning). `before` is "" (it exists).
  bool directory = false;

  bool changes() const { return remove ? before.has_value() : (!before || *before != after); }
};

struct Command {
  std::vector<std::string> argv;      // run without a shell
  std::string reason;                 // "regenerate /boot/grub/grub.cfg"
};

struct Plan {
  std::string backend;                // "grub2", "bls", "systemd-boot"
  std::vector<FileEdit> edits;        // in the order they must be written
  std::vector<Command> commands;      // run after every edit is in place
  std::vector<std::string> notes;     // warnings and explanations for the user
  // Files the backend read and leaves as they are. Not written, but the apply step
  // removes the temp and backup files an interrupted earlier run left beside them: a
  // rerun after a crash finds its files already right and must still clean up.
  std::vector<std::string> examined;

  bool changes_anything() const {
    for (const auto& e : edits)
      if (e.changes()) return true;
    return false;
  }
};

}  // namespace kdump

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
  // kdump-setup's own record (core/ownership.hpp), not read at boot: changing only it
  // needs no reboot.
  bool record_only = false;
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

// A crashkernel= the plan leaves in place on purpose (a value a package set in its own
// file): after a remove the next boot may still carry it, and that is not a failure.
struct KeptValue {
  std::string value;                  // "384M-:128M" (without "crashkernel=")
  std::string where;                  // "/etc/default/grub.d/kdump-tools.cfg (a conffile of kdump-tools)"
};

// An entry that gets another value than the one asked for, on purpose: `reserve auto` on a
// UKI installs the distribution's signed add-on whose fixed size meets the policy's
// figure rather than build (and sign) its own for the range expression.
struct SubstitutedValue {
  std::string entry_path;             // the entry's file ("/efi/EFI/Linux/arch-linux.efi")
  std::string value;                  // what it gets instead ("192M")
  std::string source;                 // the file that carries it (the vendor add-on)
};

struct Plan {
  std::string backend;                // "grub2", "bls", "systemd-boot"
  std::vector<FileEdit> edits;        // in the order they must be written
  std::vector<Command> commands;      // run after every edit is in place
  std::vector<std::string> notes;     // warnings and explanations for the user
  std::vector<KeptValue> kept;        // remove: values left in place on purpose
  std::vector<SubstitutedValue> substituted;  // reserve: entries given another value on purpose
  // Files the backend read and leaves as they are. Not written, but the apply step
  // removes the temp and backup files an interrupted earlier run left beside them: a
  // rerun after a crash finds its files already right and must still clean up.
  std::vector<std::string> examined;

  bool changes_anything() const {
    for (const auto& e : edits)
      if (e.changes()) return true;
    return false;
  }
  // A file the next boot reads changes (what makes a reboot necessary).
  bool changes_boot() const {
    for (const auto& e : edits)
      if (e.changes() && !e.record_only) return true;
    return false;
  }
};

}  // namespace kdump

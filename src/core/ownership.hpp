// Ownership of the configured crashkernel= value: whether kdump-setup chose it itself
// (`reserve auto`), and from which inputs, so that `refresh` may later recompute it and
// leaves alone what the admin chose (docs/contract.md §10).
//
// The record is a small TOML file, /var/lib/kdump-setup/state.toml below the root. It
// is written only as one more FileEdit of the same Plan that writes the boot files, so
// the apply step (core/apply.hpp) installs both or neither, with the same atomic rules.
// A file kdump-setup cannot read is refused with FILE:LINE:COLUMN and nothing changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/facts.hpp"
#include "core/plan.hpp"
#include "core/sizing.hpp"
#include "util/file_stamp.hpp"
#include "util/result.hpp"
#include "util/root_dir.hpp"
#include "util/tree_view.hpp"

namespace kdump {

inline constexpr std::string_view ownership_state_path = "/var/lib/kdump-setup/state.toml";
// Schema 2 added `created_directories` and `[[substituted]]`; a record without them is
// still written as schema 1, which every kdump-setup reads.
inline constexpr std::int64_t ownership_schema = 2;

// What `reserve auto` sized from: the facts a later `refresh` compares.
struct OwnershipInputs {
  std::string policy;                    // "estimate"
  std::uint64_t memory_bytes = 0;        // RAM as sized
  std::string kernel_release;            // "" when not known
  std::string capture_initramfs;         // path below the root; "" when none was found (assumed)
  std::uint64_t capture_initramfs_bytes = 0;
};

struct OwnershipState {
  enum class Owner { auto_value, admin };
  Owner owner = Owner::admin;
  std::string value;                     // what was written, after "crashkernel="
  std::string backend;                   // "grub2", "bls", ...
  std::vector<std::string> files;        // the boot files the plan that wrote it edited
  // Entries that got another value on purpose ([[substituted]]: a vendor add-on that
  // `reserve auto` installed on a UKI); refresh counts them as kdump-setup's, not edits.
  std::vector<SubstitutedValue> substituted;
  std::optional<OwnershipInputs> inputs; // for Owner::auto_value
  // Directories that did not exist before kdump-setup wrote a file in them (the apply
  // step made them): /etc/kernel for a created /etc/kernel/cmdline, <uki>.efi.extra.d
  // for an add-on, the state file's own. `remove` deletes these, and only these, when
  // they are empty once its files are gone (schema 2; absent in older records).
  std::vector<std::string> created_directories;
};
std::string_view owner_name(OwnershipState::Owner o);  // "auto", "admin"

// The state file as it is now: its bytes (for the stale check at apply) and what it says.
struct StateFile {
  std::optional<std::string> text;  // nullopt: no file
  std::optional<FileStamp> stamp;
  std::optional<OwnershipState> state;
};

// Reads the state file below the root. Absent: an empty StateFile. Errors: a file that
// is not TOML or not a state record (ErrorKind::parse, FILE:LINE:COLUMN, exit 2), a
// schema newer than this program's, an I/O error.
Result<StateFile> load_state_file(const RootDir& root);

// Parses/renders the record. `shown`: the file name for errors.
Result<OwnershipState> parse_ownership(std::string_view text, std::string_view shown);
std::string render_ownership(const OwnershipState& s);

// The inputs of an auto value: the sizing result and the facts it sized with; paths as
// inside `root` (without the --root prefix).
OwnershipInputs ownership_inputs(const Recommendation& r, const SystemFacts& sized_facts, const RootDir& root);

// What a run that writes boot files does to the record:
//   record_auto   reserve auto / refresh: kdump-setup owns `value`, sized from `inputs`
//   record_admin  reserve EXPR: the admin owns it (only when a record exists: no record
//                 already means "not kdump-setup's")
//   clear         remove: the record goes (the file is deleted)
//   forget_files  remove --kernel RELEASE: the value stays for the other kernels; the
//                 record stays without the files and directories the plan deletes
struct OwnershipChange {
  enum class Action { record_auto, record_admin, clear, forget_files };
  Action action = Action::record_admin;
  StateFile current;
  std::string value;
  std::optional<OwnershipInputs> inputs;
};

// Appends the state file's edit to `plan` (backend and files from the plan), when it
// changes the file. The apply step then writes it with the boot files, atomically.
// With `tree` (the root as it is now), directories are followed too: a reserve records
// the directories its new files need and that do not exist yet (and writes a record for
// them even for an explicit value without one); a remove appends the deletion of every
// recorded directory that the plan leaves empty (deepest first, after the files), and no
// other: a directory that existed before kdump-setup stays, empty or not.
void add_ownership_edit(Plan& plan, const OwnershipChange& change, const TreeView* tree = nullptr);

// The directories the apply step will make for the plan's new files (missing parents,
// outermost last), as absolute paths inside the root.
std::vector<std::string> directories_created_by(const Plan& plan, const TreeView& tree);

}  // namespace kdump

// What grub-mkconfig would see in GRUB_CMDLINE_*: /etc/default/grub and, where the
// distribution sources them (Debian/Ubuntu), /etc/default/grub.d/*.cfg in glob order —
// evaluated from the parsed files (grammar/shell_assign.hpp), never sourced. Every byte of
// an evaluated value remembers the assignment that wrote it, so that an edit can go to
// the place that really takes effect (grub-mkconfig and its /etc/grub.d/10_linux).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/shell_assign.hpp"
#include "util/file_stamp.hpp"
#include "util/result.hpp"
#include "backends/common/boot_files.hpp"

namespace kdump::grub2 {

inline constexpr std::string_view kMainFile = "/etc/default/grub";
inline constexpr std::string_view kDropInDir = "/etc/default/grub.d";
inline constexpr std::string_view kOwnDropIn = "/etc/default/grub.d/zz-kdump-setup.cfg";
inline constexpr std::string_view kLinux = "GRUB_CMDLINE_LINUX";
inline constexpr std::string_view kLinuxDefault = "GRUB_CMDLINE_LINUX_DEFAULT";
inline constexpr std::string_view kLinuxRecovery = "GRUB_CMDLINE_LINUX_RECOVERY";
// The comment that marks a line kdump-setup appended to /etc/default/grub.
inline constexpr std::string_view kAddedMarker = "# added by kdump-setup";

// The variables whose words reach a Linux kernel command line, in the order grub.cfg
// puts them ("${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}"; recovery entries get
// GRUB_CMDLINE_LINUX_RECOVERY, set by 10_linux itself on Debian).
const std::vector<std::string>& cmdline_variables();

struct Source {
  std::string path;                 // inside the root
  std::string text;
  bool exists = true;               // false: our drop-in, still to be created ("" text)
  std::optional<FileStamp> stamp;
  shell::Document doc;
  bool main = false;
  bool ours = false;                // kOwnDropIn
  std::string resolved;             // where `path` leads (a symlink's target), else `path`
};

// Where a byte of a value was written.
struct Origin {
  std::size_t source = 0;
  std::size_t statement = 0;
  friend bool operator==(const Origin&, const Origin&) = default;
};

struct Chunk {
  std::string text;
  std::optional<Origin> origin;  // nullopt: not from a literal (an unknown expansion)
};

// Something that makes a value uncertain: shell code that is not evaluated.
struct Uncertainty {
  std::size_t source = 0;
  std::size_t offset = 0;           // in that source's text
  std::string reason;               // "the command 'add_kernel_param' may change it"
  bool may_add_crashkernel = false; // its text mentions crashkernel, or runs other code
};

struct Value {
  bool set = false;
  std::vector<Chunk> chunks;
  std::vector<Origin> contributors;      // assignments in its chain, oldest first
  std::vector<Uncertainty> uncertain;
  std::string text() const;
  // The origin of the bytes [b, e) of text(): nullopt when they come from more than one
  // assignment, or from no literal.
  std::optional<Origin> origin_of(std::size_t b, std::size_t e) const;
};

struct Evaluation {
  std::map<std::string, Value, std::less<>> vars;
  const Value& get(std::string_view name) const;
};

struct Defaults {
  std::vector<Source> sources;   // main first, then the drop-ins that are read, in order
  bool reads_drop_ins = false;   // this distribution's grub-mkconfig sources grub.d
  std::string drop_in_reason;    // how that was decided
  std::vector<std::string> ignored_drop_ins;  // *.cfg present but not read

  const shell::Assignment& assignment(const Origin& o) const {
    return std::get<shell::Assignment>(sources[o.source].doc.statements()[o.statement]);
  }
  std::string where(const Origin& o) const;  // "/etc/default/grub:10"
};

// Reads and parses the files. ErrorKind::unsupported when /etc/default/grub is missing,
// ErrorKind::parse (file:line:column) when one cannot be parsed faithfully.
Result<Defaults> load_defaults(const BootFiles& root);

// The same files with their texts replaced (texts[k] for sources[k]); to check a plan.
Result<Defaults> reparse(const Defaults& d, const std::vector<std::string>& texts);

// `d` with our drop-in added where the glob puts it, as an empty file that does not
// exist yet (when it is not there already). Returns its index.
std::size_t add_own_drop_in(Defaults& d);

Evaluation evaluate(const Defaults& d);

}  // namespace kdump::grub2
